"""Transformer-style fine-tuning setup: AdamW with weight decay on weights but not on biases and
LayerNorm (parameter groups from named_parameters), a linear warm-up LambdaLR stepped every
batch, the learning rate read back from the optimizer for logging."""
import torch
import torch.nn as nn


class Classifier(nn.Module):
    def __init__(self, vocab=40, dim=16, classes=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.norm = nn.LayerNorm(dim)
        self.proj = nn.Linear(dim, dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, ids):
        h = self.norm(self.embed(ids)).mean(dim=1)
        return self.head(torch.tanh(self.proj(h)))


def build():
    return Classifier()


def train(model, steps):
    ids = torch.randint(0, 40, (64, 7))
    labels = ids[:, 0] % 3
    no_decay = ["bias", "norm.weight"]
    grouped = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)],
         "weight_decay": 0.05},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
         "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(grouped, lr=5e-3)
    warmup = 4
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup))
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    model.train()
    for step in range(steps):
        batch = slice((step * 8) % 64, (step * 8) % 64 + 8)
        logits = model(ids[batch])
        loss = loss_fn(logits, labels[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        lr = optimizer.param_groups[0]["lr"]
        print(f"step {step} loss {loss.item():.4f} lr {lr:.5f}")
        losses.append((loss.item(), lr))
    return losses
