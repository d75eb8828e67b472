"""A focal loss written as an nn.Module, SGD with weight decay and nesterov momentum, and
CosineAnnealingWarmRestarts stepped with a fractional epoch inside the batch loop."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0):
        super().__init__()
        self.gamma = gamma

    def forward(self, logits, target):
        ce = F.cross_entropy(logits, target, reduction="none")
        pt = torch.exp(-ce)
        return ((1 - pt) ** self.gamma * ce).mean()


def build():
    return nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))


def train(model, steps):
    X, Y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    criterion = FocalLoss(gamma=2.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=2, T_mult=2)
    iters = 4
    losses = []
    for epoch in range(4):
        model.train()
        for i in range(iters):
            xb, yb = X[i * 16:(i + 1) * 16], Y[i * 16:(i + 1) * 16]
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            scheduler.step(epoch + i / iters)
            losses.append(loss.item())
    return losses[:steps]
