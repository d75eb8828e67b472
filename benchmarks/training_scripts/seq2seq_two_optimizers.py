"""An encoder-decoder in the style of the PyTorch seq2seq tutorial: a GRU encoder and a GRU
decoder with their own optimizers, one loss summed over decoder steps with teacher forcing,
one backward, both optimizers step."""
import torch
import torch.nn as nn
from torch import optim

SOS, vocab, hidden_size, length = 0, 12, 16, 5


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super(EncoderRNN, self).__init__()
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)

    def forward(self, input):
        embedded = self.embedding(input)
        output, hidden = self.gru(embedded)
        return output, hidden


class DecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super(DecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, input, hidden):
        output = torch.relu(self.embedding(input))
        output, hidden = self.gru(output, hidden)
        return self.out(output), hidden


def build():
    return EncoderRNN(vocab, hidden_size), DecoderRNN(hidden_size, vocab)


def train_batch(input_tensor, target_tensor, encoder, decoder, criterion):
    _, hidden = encoder(input_tensor)
    decoder_input = torch.full((input_tensor.size(0), 1), SOS, dtype=torch.long)
    loss = 0
    for di in range(target_tensor.size(1)):
        logits, hidden = decoder(decoder_input, hidden)
        loss = loss + criterion(logits.squeeze(1), target_tensor[:, di])
        decoder_input = target_tensor[:, di].unsqueeze(1)  # teacher forcing
    return loss / target_tensor.size(1)


def train(models, steps):
    encoder, decoder = models
    sources = torch.randint(1, vocab, (48, length))
    targets = torch.flip(sources, dims=[1])
    encoder_optimizer = optim.SGD(encoder.parameters(), lr=0.5)
    decoder_optimizer = optim.SGD(decoder.parameters(), lr=0.5)
    criterion = nn.CrossEntropyLoss()
    losses = []
    for step in range(steps):
        rows = torch.arange(step * 6, step * 6 + 6) % 48
        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()
        loss = train_batch(sources[rows], targets[rows], encoder, decoder, criterion)
        loss.backward()
        encoder_optimizer.step()
        decoder_optimizer.step()
        losses.append(loss.item())
    return losses
