"""An LSTM classifier reading images row by row, in the style of pytorch/examples' mnist_rnn:
the last hidden state goes to a linear layer, Adam with a StepLR schedule, a train/test split
of a synthetic dataset, log_softmax + nll_loss."""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.rnn = nn.LSTM(input_size=8, hidden_size=16, batch_first=True)
        self.batchnorm = nn.BatchNorm1d(16)
        self.dropout1 = nn.Dropout2d(0.0)
        self.fc1 = nn.Linear(16, 16)
        self.fc2 = nn.Linear(16, 4)

    def forward(self, input):
        input = input.reshape(-1, 8, 8)
        output, hidden = self.rnn(input)
        output = output[:, -1, :]
        output = self.batchnorm(output)
        output = self.fc1(output)
        output = F.gelu(output)
        output = self.fc2(output)
        return F.log_softmax(output, dim=1)


def build():
    return Net()


def train(model, steps):
    images = torch.randn(64, 1, 8, 8)
    labels = (images[:, 0, :4].mean(dim=(1, 2)) > 0).long() * 2 + (images[:, 0, 4:].mean(dim=(1, 2)) > 0).long()
    train_loader = DataLoader(TensorDataset(images[:48], labels[:48]), batch_size=8, shuffle=True)
    test_loader = DataLoader(TensorDataset(images[48:], labels[48:]), batch_size=16, shuffle=False)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    curve = []
    while len(curve) < steps:
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            curve.append(loss.item())
        model.eval()
        test_loss = 0
        with torch.no_grad():
            for data, target in test_loader:
                test_loss += F.nll_loss(model(data), target, reduction='sum').item()
        curve.append(test_loss / len(test_loader.dataset))
        scheduler.step()
    return curve[:steps]
