"""A small classifier on synthetic tabular data: AdamW, a TensorDataset loader, train/eval modes,
device moves, zero_grad/backward/step, a step scheduler and a checkpoint."""
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(8, 32)
        self.drop = nn.Dropout(0.2)
        self.fc2 = nn.Linear(32, 3)

    def forward(self, x):
        return self.fc2(self.drop(torch.relu(self.fc1(x))))


def build():
    return Net().to(device)


def train(model, steps):
    x_all, y_all = torch.randn(96, 8), torch.randint(0, 3, (96,))
    loader = DataLoader(TensorDataset(x_all, y_all), batch_size=16, shuffle=True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.01)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    while len(losses) < steps:
        model.train()
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_all).argmax(1) == y_all).float().mean().item()
        losses.append(accuracy)
    torch.save(model.state_dict(), "model.pt")
    return losses[:steps]
