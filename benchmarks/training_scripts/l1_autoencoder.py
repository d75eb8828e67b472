"""An autoencoder with an L1 penalty over the parameters inside the loss, RMSprop,
clip_grad_value_, validation each epoch under no_grad and early stopping on its best value."""
import torch
import torch.nn as nn


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(16, 8), nn.ReLU(), nn.Linear(8, 3))
        self.decoder = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 16), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def build():
    return AutoEncoder()


def train(model, steps, l1_lambda=1e-4):
    data = torch.rand(80, 16)
    train_set, val_set = data[:64], data[64:]
    criterion = nn.MSELoss()
    optimizer = torch.optim.RMSprop(model.parameters(), lr=3e-3, alpha=0.9)
    best, bad_epochs, history = float("inf"), 0, []
    for epoch in range(20):
        model.train()
        perm = torch.randperm(len(train_set))
        for start in range(0, len(train_set), 16):
            batch = train_set[perm[start:start + 16]]
            optimizer.zero_grad()
            recon = model(batch)
            l1 = sum(p.abs().sum() for p in model.parameters())
            loss = criterion(recon, batch) + l1_lambda * l1
            loss.backward()
            nn.utils.clip_grad_value_(model.parameters(), clip_value=0.5)
            optimizer.step()
            history.append(loss.item())
        model.eval()
        with torch.no_grad():
            val_loss = criterion(model(val_set), val_set).item()
        if val_loss < best - 1e-4:
            best, bad_epochs = val_loss, 0
        else:
            bad_epochs += 1
            if bad_epochs >= 2:
                break
        if len(history) >= steps:
            break
    return history[:steps]
