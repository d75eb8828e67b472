"""einops.pack and einops.unpack on MindSpore tensors, their pattern read when the code runs.

A literal pattern is converted into the steps themselves (rules/einops_calls.py). Where the
pattern is known only when the code runs (a small function's parameter: `def pack_one(t,
pattern): return pack([t], pattern)`), or the tensors are not written out, the call goes to
these functions, which do what einops does: the pattern is named axes around one `*`; pack
merges each tensor's axes at the `*` into one and concatenates the tensors there, returning
the packed tensor and each tensor's shape at the `*`; unpack splits them apart again (one
packed shape may hold -1, its size then what the others leave).

torch2ms writes this code into converted files that pack or unpack with such a pattern.
"""
from __future__ import annotations

import math

from mindspore import mint


def _einops_pack_axes(pattern):
    """(axes before, axes after) the `*` of a pack pattern."""
    tokens = pattern.split()
    if tokens.count("*") != 1 or len(set(tokens)) != len(tokens) or not all(t == "*" or t.isidentifier() for t in tokens):
        raise ValueError(f"einops pattern {pattern!r}: named axes around one '*' expected")
    before = tokens.index("*")
    return before, len(tokens) - 1 - before


def _einops_pack(tensors, pattern):
    """einops.pack(tensors, pattern) -> (packed tensor, packed shapes)."""
    before, after = _einops_pack_axes(pattern)
    pieces, shapes = [], []
    for tensor in tensors:
        if tensor.ndim < before + after:
            raise ValueError(f"einops pack {pattern!r}: a tensor of {tensor.ndim} dimensions has too few")
        end = tensor.ndim - after
        star = tuple(tensor.shape[before:end])
        pieces.append(tensor.reshape((*tensor.shape[:before], math.prod(star), *tensor.shape[end:])))
        shapes.append(star)
    return mint.cat(pieces, dim=before), shapes


def _einops_unpack(tensor, packed_shapes, pattern):
    """einops.unpack(tensor, packed_shapes, pattern) -> the list of tensors pack joined."""
    before, _ = _einops_pack_axes(pattern)
    sizes = [-1 if -1 in shape else math.prod(shape) for shape in packed_shapes]
    if sizes.count(-1) > 1:
        raise ValueError(f"einops unpack {pattern!r}: more than one packed shape holds -1")
    if -1 in sizes:
        sizes[sizes.index(-1)] = tensor.shape[before] - sum(s for s in sizes if s != -1)
    pieces = mint.split(tensor, sizes, dim=before)
    return [piece.reshape((*tensor.shape[:before], *shape, *tensor.shape[before + 1:]))
            for piece, shape in zip(pieces, packed_shapes)]
