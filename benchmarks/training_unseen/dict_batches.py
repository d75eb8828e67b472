"""Hugging Face-style batches: a Dataset returning dicts, `batch = {k: v.to(device) ...}`,
`outputs = model(**batch)` with the loss in the output dict, zero_grad(set_to_none=True)."""
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

device = torch.device("cpu")


class DictDataset(Dataset):
    def __init__(self, n):
        self.x = torch.randn(n, 5)
        self.y = torch.randint(0, 2, (n,))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return {"features": self.x[i], "labels": self.y[i]}


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 2))

    def forward(self, features, labels=None):
        logits = self.net(features)
        out = {"logits": logits}
        if labels is not None:
            out["loss"] = nn.functional.cross_entropy(logits, labels)
        return out


def build():
    return Classifier()


def train(model, steps):
    loader = DataLoader(DictDataset(48), batch_size=4, shuffle=False)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.to(device)
    losses = []
    for batch in loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        outputs = model(**batch)
        loss = outputs["loss"]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
    return losses[:steps]
