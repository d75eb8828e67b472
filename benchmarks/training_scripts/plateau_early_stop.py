"""Validation-driven training: ReduceLROnPlateau stepped with the validation loss, the best
weights kept (deepcopy of the state dict) and restored at the end, early stopping."""
import copy

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def make_model():
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))


def build():
    return make_model()


def evaluate(model, loader, criterion):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for x, y in loader:
            total += criterion(model(x), y).item() * len(x)
            count += len(x)
    return total / count


def train(model, steps):
    x = torch.randn(64, 4)
    y = (x ** 2).sum(dim=1, keepdim=True)
    train_loader = DataLoader(TensorDataset(x[:48], y[:48]), batch_size=12, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[48:], y[48:]), batch_size=16)
    criterion = nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=0)
    best, best_state, bad_epochs = float("inf"), copy.deepcopy(model.state_dict()), 0
    history = []
    for epoch in range(20):
        model.train()
        for xb, yb in train_loader:
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            history.append(loss.item())
        val_loss = evaluate(model, val_loader, criterion)
        scheduler.step(val_loss)
        history.append(val_loss)
        if val_loss < best:
            best, best_state, bad_epochs = val_loss, copy.deepcopy(model.state_dict()), 0
        else:
            bad_epochs += 1
        if bad_epochs > 2 or len(history) >= steps:
            break
    model.load_state_dict(best_state)
    history.append(evaluate(model, val_loader, criterion))
    return history[:steps]
