"""Fine-tuning a head on a frozen, pretrained backbone: the backbone's weights come from a
checkpoint (saved, then loaded with load_state_dict), its parameters stop requiring gradients,
the optimizer gets only the trainable ones, an exponential schedule, best weights kept."""
import copy

import torch
import torch.nn as nn


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bn = nn.BatchNorm2d(8)
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        return self.pool(torch.relu(self.bn(self.conv(x)))).flatten(1)


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        return self.head(self.backbone(x))


def build():
    return Model()


def train(model, steps):
    pretrained = copy.deepcopy(model.backbone)
    torch.save(pretrained.state_dict(), "backbone.pth")
    model.backbone.load_state_dict(torch.load("backbone.pth", map_location="cpu"))
    for p in model.backbone.parameters():
        p.requires_grad = False
    images = torch.randn(40, 3, 8, 8)
    labels = (images.mean(dim=(1, 2, 3)) > 0).long()
    optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.5)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    loss_fn = nn.CrossEntropyLoss()
    best_loss, best_state = float("inf"), None
    losses = []
    for step in range(steps):
        model.train()
        idx = torch.arange(step * 8, step * 8 + 8) % 40
        optimizer.zero_grad()
        loss = loss_fn(model(images[idx]), labels[idx])
        loss.backward()
        optimizer.step()
        scheduler.step()
        if loss.item() < best_loss:
            best_loss, best_state = loss.item(), copy.deepcopy(model.state_dict())
        losses.append(loss.item())
    model.load_state_dict(best_state)
    model.eval()
    with torch.no_grad():
        final = loss_fn(model(images), labels).item()
    return losses + [final]
