"""The 'classifying names with a character-level RNN' tutorial: a hand-made RNN cell, a step per
character, rnn.zero_grad(), a manual SGD update over rnn.parameters() with p.grad.data, and a
train() helper returning (output, loss.item())."""
import torch
import torch.nn as nn

n_letters, n_hidden, n_categories = 12, 16, 3
learning_rate = 0.05


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = torch.tanh(self.i2h(combined))
        output = self.softmax(self.i2o(combined))
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


criterion = nn.NLLLoss()


def train_one(rnn, category_tensor, line_tensor):
    hidden = rnn.initHidden()
    rnn.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item()


def build():
    return RNN(n_letters, n_hidden, n_categories)


def train(rnn, steps):
    losses = []
    for it in range(steps):
        line = torch.randint(0, n_letters, (5,))
        line_tensor = torch.zeros(5, 1, n_letters)
        for li, letter in enumerate(line.tolist()):
            line_tensor[li][0][letter] = 1
        category_tensor = torch.tensor([it % n_categories], dtype=torch.long)
        output, loss = train_one(rnn, category_tensor, line_tensor)
        losses.append(loss)
    return losses
