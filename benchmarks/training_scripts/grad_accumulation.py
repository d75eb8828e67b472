"""Gradient accumulation: the loss of each micro-batch is scaled and back-propagated, the
optimizer steps (with clipping) every `accumulation` micro-batches, then zero_grad."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MLP(nn.Module):
    def __init__(self, d_in=10, d_hidden=24, d_out=4):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, d_hidden), nn.GELU(), nn.Linear(d_hidden, d_out))

    def forward(self, x):
        return self.net(x)


def build():
    return MLP()


def train(model, steps, accumulation=3):
    x = torch.randn(120, 10)
    y = (x[:, :4].argmax(dim=1) + (x[:, 4] > 0).long()) % 4
    loader = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, drop_last=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    losses = []
    optimizer.zero_grad()
    while len(losses) < steps:
        for i, (inputs, targets) in enumerate(loader):
            logits = model(inputs)
            loss = F.cross_entropy(logits, targets) / accumulation
            loss.backward()
            if (i + 1) % accumulation == 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
                optimizer.step()
                optimizer.zero_grad()
            losses.append(loss.item() * accumulation)
    return losses[:steps]
