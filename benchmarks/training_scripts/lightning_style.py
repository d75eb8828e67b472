"""A LightningModule-like model driven by a hand-written loop: training_step/validation_step
methods compute the loss, configure_optimizers returns the optimizer and its scheduler."""
import torch
import torch.nn.functional as F
from torch import nn


class LitClassifier(nn.Module):
    def __init__(self, hidden=24):
        super().__init__()
        self.layer_1 = nn.Linear(10, hidden)
        self.layer_2 = nn.Linear(hidden, 4)

    def forward(self, x):
        return self.layer_2(F.gelu(self.layer_1(x)))

    def training_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        return F.cross_entropy(logits, y)

    @torch.no_grad()
    def validation_step(self, batch):
        x, y = batch
        return (self(x).argmax(-1) == y).float().mean()

    def configure_optimizers(self):
        optimizer = torch.optim.Adam(self.parameters(), lr=5e-3)
        scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
        return optimizer, scheduler


def build():
    return LitClassifier()


def train(model, steps):
    data = torch.utils.data.TensorDataset(torch.randn(60, 10), torch.randint(0, 4, (60,)))
    train_loader = torch.utils.data.DataLoader(data, batch_size=6, shuffle=True)
    optimizer, scheduler = model.configure_optimizers()
    losses = []
    for epoch in range(2):
        model.train()
        for batch_idx, batch in enumerate(train_loader):
            loss = model.training_step(batch, batch_idx)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        model.eval()
        accuracy = model.validation_step(next(iter(train_loader)))
        losses.append(accuracy.item())
    return losses[:steps]
