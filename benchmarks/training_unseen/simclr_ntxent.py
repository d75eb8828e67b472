"""SimCLR-style contrastive training: two noisy views, a projection head, the NT-Xent loss in a
helper with a boolean mask filled in place, Adam."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16))
        self.head = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 8))

    def forward(self, x):
        return self.head(self.backbone(x))


def nt_xent(z1, z2, temperature=0.5):
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    n = z1.shape[0]
    sim = torch.mm(z, z.t()) / temperature
    mask = torch.eye(2 * n, dtype=torch.bool)
    sim.masked_fill_(mask, -9e15)
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


def build():
    return Encoder()


def train(model, steps):
    data = torch.randn(steps, 12, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-6)
    losses = []
    for step in range(steps):
        x = data[step]
        view1 = x + 0.1 * torch.randn_like(x)
        view2 = x + 0.1 * torch.randn_like(x)
        optimizer.zero_grad()
        loss = nt_xent(model(view1), model(view2))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
