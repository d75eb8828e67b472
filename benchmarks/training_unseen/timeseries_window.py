"""Time-series forecasting: a sliding-window Dataset, an LSTM with batch_first, the last step's
output, clip_grad_norm_ with max_norm=, validation MAE under no_grad each epoch."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class WindowDataset(Dataset):
    def __init__(self, series, window):
        self.series = series
        self.window = window

    def __len__(self):
        return len(self.series) - self.window

    def __getitem__(self, idx):
        x = self.series[idx:idx + self.window].unsqueeze(-1)
        y = self.series[idx + self.window]
        return x, y


class Forecaster(nn.Module):
    def __init__(self, hidden=16):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.out(out[:, -1, :]).squeeze(-1)


def build():
    return Forecaster()


def train(model, steps):
    t = torch.arange(0, 60, dtype=torch.float32)
    series = torch.sin(t / 4) + 0.05 * torch.randn(60)
    train_loader = DataLoader(WindowDataset(series[:48], 6), batch_size=8, shuffle=True, drop_last=True)
    val_loader = DataLoader(WindowDataset(series[40:], 6), batch_size=8)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    criterion = nn.MSELoss()
    losses = []
    for epoch in range(5):
        model.train()
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(x), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            losses.append(loss.item())
        model.eval()
        mae = 0.0
        with torch.no_grad():
            for x, y in val_loader:
                mae += torch.abs(model(x) - y).mean().item()
        losses.append(mae / len(val_loader))
    return losses[:steps]
