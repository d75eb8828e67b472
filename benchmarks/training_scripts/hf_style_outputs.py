"""A Hugging Face-style loop: the model returns an output object whose `.loss` is trained on,
gradient clipping whose returned norm is logged, a cosine schedule, zero_grad after the step."""
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn


@dataclass
class Output:
    loss: Optional[torch.Tensor]
    logits: torch.Tensor


class TinyLM(nn.Module):
    def __init__(self, vocab=30, dim=12):
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.ReLU(), nn.Linear(2 * dim, dim))
        self.lm_head = nn.Linear(dim, vocab)

    def forward(self, input_ids, labels=None):
        h = self.wte(input_ids)
        logits = self.lm_head(h + self.mlp(h))
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1))
        return Output(loss=loss, logits=logits)


def build():
    return TinyLM()


def train(model, steps):
    data = torch.randint(0, 30, (40, 9))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    model.train()
    history = []
    for step in range(steps):
        batch = data[(step * 4) % 40:(step * 4) % 40 + 4]
        outputs = model(batch, labels=batch)
        loss = outputs.loss
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad()
        history.append((loss.item(), grad_norm.item(), outputs.logits.mean().item()))
    return history
