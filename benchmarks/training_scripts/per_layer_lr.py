"""Per-layer learning rates as torch's optim docs show them (a dict per group, a group's own lr
over the default), MultiStepLR, the groups' rates logged, and a manual lr decay on the head's
group every few steps."""
import torch
import torch.nn as nn
import torch.optim as optim


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.base = nn.Sequential(nn.Linear(6, 12), nn.Tanh())
        self.classifier = nn.Linear(12, 2)

    def forward(self, x):
        return self.classifier(self.base(x))


def build():
    return Model()


def train(model, steps):
    optimizer = optim.SGD([
        {'params': model.base.parameters()},
        {'params': model.classifier.parameters(), 'lr': 1e-2}
    ], lr=1e-1, momentum=0.9)
    scheduler = optim.lr_scheduler.MultiStepLR(optimizer, milestones=[4, 8], gamma=0.5)
    loss_fn = nn.CrossEntropyLoss()
    inputs, targets = torch.randn(steps, 8, 6), torch.randint(0, 2, (steps, 8))
    record = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs[step]), targets[step])
        loss.backward()
        optimizer.step()
        scheduler.step()
        if step % 3 == 2:
            optimizer.param_groups[1]['lr'] *= 0.8
        record.append((loss.item(), optimizer.param_groups[0]['lr'], optimizer.param_groups[1]['lr']))
    return record
