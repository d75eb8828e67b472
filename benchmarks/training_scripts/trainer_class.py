"""A small Trainer class holding the model, optimizer and loss as attributes: fit() loops over
epochs and batches, step() does one update (zero_grad after the step), evaluate() runs under
no_grad in eval mode; Adagrad."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(5, 12), nn.ReLU(), nn.Dropout(0.1), nn.Linear(12, 2))

    def forward(self, x):
        return self.body(x)


class Trainer:
    def __init__(self, model, lr=0.1):
        self.model = model
        self.optimizer = torch.optim.Adagrad(self.model.parameters(), lr=lr)
        self.criterion = nn.CrossEntropyLoss()
        self.history = []

    def step(self, x, y):
        self.model.train()
        logits = self.model(x)
        loss = self.criterion(logits, y)
        loss.backward()
        self.optimizer.step()
        self.optimizer.zero_grad()
        return loss.item()

    def evaluate(self, x, y):
        self.model.eval()
        with torch.no_grad():
            return self.criterion(self.model(x), y).item()

    def fit(self, loader, steps):
        while len(self.history) < steps:
            for x, y in loader:
                self.history.append(self.step(x, y))
        return self.history[:steps]


def build():
    return Net()


def train(model, steps):
    x = torch.randn(64, 5)
    y = (x.sum(1) > 0).long()
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    trainer = Trainer(model)
    curve = trainer.fit(loader, steps)
    return curve + [trainer.evaluate(x, y)]
