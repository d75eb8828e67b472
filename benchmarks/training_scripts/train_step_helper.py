"""The step in a helper function called from the loop: train_step(model, optimizer, batch)
zeroes, computes the loss, back-propagates and steps, returning the loss; RMSprop."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 16)
        self.fc2 = nn.Linear(16, 1)

    def forward(self, x):
        return self.fc2(F.silu(self.fc1(x)))


def train_step(model, optimizer, batch):
    inputs, targets = batch
    optimizer.zero_grad()
    prediction = model(inputs).squeeze(-1)
    loss = F.smooth_l1_loss(prediction, targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def build():
    return Net()


def train(model, steps):
    x = torch.randn(60, 6)
    y = x[:, 0] * 2 - x[:, 1] + 0.5
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9)
    model.train()
    losses = []
    for step in range(steps):
        start = (step * 10) % 60
        losses.append(train_step(model, optimizer, (x[start:start + 10], y[start:start + 10])))
    return losses
