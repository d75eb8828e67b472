"""pytorch/examples' word_language_model train loop as written there: no optimizer object, a GRU,
model.zero_grad(), clip_grad_norm_ and a hand-written SGD update through p.data.add_(p.grad)."""
import torch
import torch.nn as nn

bptt, bsz, ntokens = 5, 4, 40  # 300 tokens: 15 batches


class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers):
        super().__init__()
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.GRU(ninp, nhid, nlayers)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid

    def forward(self, input, hidden):
        output, hidden = self.rnn(self.encoder(input), hidden)
        return self.decoder(output).view(-1, self.decoder.out_features), hidden

    def init_hidden(self, n):
        weight = next(self.parameters())
        return weight.new_zeros(self.nlayers, n, self.nhid)


def repackage_hidden(h):
    if isinstance(h, torch.Tensor):
        return h.detach()
    return tuple(repackage_hidden(v) for v in h)


def build():
    return RNNModel(ntokens, 12, 12, 1)


def train(model, steps):
    data = torch.randint(0, ntokens, (300,)).view(bsz, -1).t().contiguous()
    criterion = nn.CrossEntropyLoss()
    lr, clip = 2.0, 0.25
    model.train()
    hidden = model.init_hidden(bsz)
    losses = []
    for i in range(0, data.size(0) - 1, bptt):
        seq_len = min(bptt, len(data) - 1 - i)
        source, targets = data[i:i + seq_len], data[i + 1:i + 1 + seq_len].reshape(-1)
        model.zero_grad()
        hidden = repackage_hidden(hidden)
        output, hidden = model(source, hidden)
        loss = criterion(output, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.item())
    return losses[:steps]
