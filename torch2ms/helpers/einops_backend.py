"""einops on MindSpore tensors, for the einops calls torch2ms cannot unroll when converting (a
pattern held in a variable, `pack([t], pattern)`, an ellipsis inside brackets, ...).

einops picks a backend for a tensor among the subclasses of its AbstractBackend whose framework
module is imported; it ships none for MindSpore. Defining this subclass is all it takes for
`rearrange`, `repeat`, `reduce`, `pack`, `unpack`, `einsum` and `parse_shape` to take MindSpore
tensors (and Parameters). einops runs as Python: in PyNative mode, not inside a compiled graph.

torch2ms writes this code into converted files that keep such a call.
"""
from __future__ import annotations

import einops._backends
import mindspore


class _EinopsMindSporeBackend(einops._backends.AbstractBackend):
    framework_name = "mindspore"

    def is_appropriate_type(self, tensor):
        return isinstance(tensor, mindspore.Tensor)

    def from_numpy(self, x):
        return mindspore.Tensor(x)

    def to_numpy(self, x):
        return x.asnumpy()

    def arange(self, start, stop):
        return mindspore.mint.arange(start, stop)

    def shape(self, x):
        return tuple(x.shape)

    def reshape(self, x, shape):
        return x.reshape(tuple(shape))

    def transpose(self, x, axes):
        return x.permute(*axes)

    def reduce(self, x, operation, axes):
        axes = tuple(axes)
        if operation in ("min", "max"):
            return (mindspore.mint.amin if operation == "min" else mindspore.mint.amax)(x, dim=axes)
        if operation in ("sum", "mean"):
            return getattr(mindspore.mint, operation)(x, dim=axes)
        if operation in ("prod", "any", "all"):
            # one axis at a time (these take one dim), from the last so the others keep their place
            for axis in sorted(axes, reverse=True):
                x = getattr(mindspore.mint, operation)(x, dim=axis)
            return x
        raise NotImplementedError(f"einops reduction {operation!r} on MindSpore")

    def stack_on_zeroth_dimension(self, tensors):
        return mindspore.mint.stack(list(tensors))

    def add_axis(self, x, new_position):
        return mindspore.mint.unsqueeze(x, new_position)

    def tile(self, x, repeats):
        return mindspore.mint.tile(x, tuple(repeats))

    def concat(self, tensors, axis):
        return mindspore.mint.cat(list(tensors), dim=axis)

    def is_float_type(self, x):
        return x.dtype in (mindspore.float16, mindspore.float32, mindspore.float64, mindspore.bfloat16)

    def einsum(self, pattern, *x):
        return mindspore.mint.einsum(pattern, *x)

    def layers(self):
        raise NotImplementedError("einops layers for MindSpore: torch2ms writes literal patterns as Cells")
