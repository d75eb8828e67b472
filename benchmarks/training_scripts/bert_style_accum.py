"""A fine-tuning loop in the BERT-era style: a model returning a dataclass with .loss, parameter
groups by name (no_decay), AdamW, a linear warm-up LambdaLR stepped per optimizer step, gradient
accumulation with zero_grad after the step, `batch = tuple(t.to(device) for t in batch)`."""
from dataclasses import dataclass
from typing import Optional

import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

device = "cpu"


@dataclass
class ClassifierOutput:
    loss: Optional[torch.Tensor]
    logits: torch.Tensor


class TinyEncoder(nn.Module):
    def __init__(self, vocab=30, dim=16, labels=3):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.LayerNorm = nn.LayerNorm(dim)
        self.dense = nn.Linear(dim, dim)
        self.classifier = nn.Linear(dim, labels)

    def forward(self, input_ids, labels=None):
        h = self.LayerNorm(self.embed(input_ids)).mean(dim=1)
        logits = self.classifier(torch.tanh(self.dense(h)))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits, labels)
        return ClassifierOutput(loss=loss, logits=logits)


class PairDataset(Dataset):
    def __init__(self, n):
        self.ids = torch.randint(0, 30, (n, 7))
        self.labels = torch.randint(0, 3, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        return self.ids[idx], self.labels[idx]


def build():
    return TinyEncoder()


def train(model, steps):
    accumulation_steps, warmup = 2, 3
    loader = DataLoader(PairDataset(80), batch_size=4, shuffle=False)
    no_decay = ["bias", "LayerNorm.weight"]
    grouped = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)],
         "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
         "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(grouped, lr=5e-3, eps=1e-8)
    total = steps * accumulation_steps
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / total)))
    model.zero_grad()
    model.train()
    losses = []
    for step, batch in enumerate(loader):
        batch = tuple(t.to(device) for t in batch)
        input_ids, labels = batch
        outputs = model(input_ids, labels=labels)
        loss = outputs.loss / accumulation_steps
        loss.backward()
        losses.append(loss.item())
        if (step + 1) % accumulation_steps == 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
        if len(losses) >= steps:
            break
    return losses
