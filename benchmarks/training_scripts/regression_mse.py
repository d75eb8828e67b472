"""Regression on a custom Dataset: __getitem__/__len__, a DataLoader dropping the last partial
batch, MSELoss, SGD with Nesterov momentum and weight decay, a MultiStepLR schedule."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Sines(Dataset):
    def __init__(self, n):
        self.x = torch.linspace(-3, 3, n).unsqueeze(1)
        self.y = torch.sin(self.x) + 0.1 * torch.cos(3 * self.x)

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, idx):
        return self.x[idx], self.y[idx]


class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))

    def forward(self, x):
        return self.layers(x)


def build():
    return Regressor()


def train(model, steps):
    loader = DataLoader(Sines(70), batch_size=16, shuffle=True, drop_last=True, num_workers=0)
    criterion = nn.MSELoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 3], gamma=0.5)
    losses = []
    epoch = 0
    while len(losses) < steps:
        model.train()
        running = 0.0
        for xb, yb in loader:
            pred = model(xb)
            loss = criterion(pred, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            running += loss.item() * xb.size(0)
            losses.append(loss.item())
        scheduler.step()
        epoch += 1
        print(f"epoch {epoch}: {running / (len(loader) * 16):.5f}")
    return losses[:steps]
