"""einops' Rearrange / Repeat / Reduce layers for MindSpore: einops has no MindSpore backend, so
torch2ms plans the steps a literal pattern stands for when converting (mint reshape, permute,
broadcast, reductions) and hands them to this parameterless layer.

torch2ms writes this code into converted files that build such a layer.
"""
from __future__ import annotations

import mindspore


class EinopsLayer(mindspore.nn.Cell):
    """An einops layer: `steps` (a function of the input: the pattern's mint steps) applied in construct."""

    def __init__(self, steps, pattern):
        super().__init__()
        self.steps, self.pattern = steps, pattern

    def construct(self, x):
        return self.steps(x)

    def extend_repr(self):
        return repr(self.pattern)
