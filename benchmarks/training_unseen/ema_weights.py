"""Training with an exponential moving average of the weights (a deepcopy of the model updated
in place under no_grad after each step), Adam with amsgrad, evaluation of the EMA model."""
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 12)
        self.fc2 = nn.Linear(12, 1)

    def forward(self, x):
        return self.fc2(F.silu(self.fc1(x)))


def build():
    return MLP()


@torch.no_grad()
def update_ema(ema, model, decay=0.9):
    for ema_p, p in zip(ema.parameters(), model.parameters()):
        ema_p.mul_(decay).add_(p, alpha=1 - decay)


def train(model, steps):
    ema = copy.deepcopy(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, amsgrad=True)
    xs, ys = torch.randn(steps, 8, 4), torch.randn(steps, 8, 1)
    curve = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(xs[step]), ys[step])
        loss.backward()
        optimizer.step()
        update_ema(ema, model)
        with torch.no_grad():
            ema_loss = F.mse_loss(ema(xs[step]), ys[step])
        curve.append((loss.item(), ema_loss.item()))
    return curve
