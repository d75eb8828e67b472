"""torch's tensor factories take their sizes as separate numbers (`torch.zeros(2, 3)`) or as one
sequence; mint's take one sequence. Where such a factory is passed around as a value
(`init = torch.zeros if ... else f`, then `init(n, d)`), its calls cannot be rewritten: the
value is the mint factory wrapped to take both forms.

torch2ms writes this code into converted files that pass such a factory around.
"""
from __future__ import annotations


def _sized(factory):
    """`factory` (mint.zeros, mint.ones, ...) taking torch's sizes: `f(2, 3)` as `f((2, 3))`."""
    def make(*size, **kwargs):
        if len(size) == 1 and isinstance(size[0], (tuple, list)):
            size = tuple(size[0])
        return factory(size, **kwargs)
    return make
