"""Two heads and two losses: a shared trunk, a classification and a regression head, the sum
of the losses back-propagated in one expression, an accuracy computed from the logits before
the backward and logged after the step."""
import torch
import torch.nn as nn


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(6, 20), nn.ReLU())
        self.cls = nn.Linear(20, 3)
        self.reg = nn.Linear(20, 1)

    def forward(self, x):
        h = self.trunk(x)
        return self.cls(h), self.reg(h).squeeze(-1)


def build():
    return TwoHeads()


def train(model, steps):
    x = torch.randn(50, 6)
    labels = x[:, :3].argmax(dim=1)
    values = x[:, 3] - x[:, 4]
    ce, mse = nn.CrossEntropyLoss(), nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99), amsgrad=True)
    model.train()
    log = []
    for step in range(steps):
        idx = torch.randperm(50)[:10]
        logits, pred = model(x[idx])
        loss_cls = ce(logits, labels[idx])
        loss_reg = mse(pred, values[idx])
        accuracy = (logits.argmax(dim=1) == labels[idx]).float().mean()
        optimizer.zero_grad()
        (loss_cls + 0.5 * loss_reg).backward()
        optimizer.step()
        log.append((loss_cls.item(), loss_reg.item(), accuracy.item()))
    return log
