"""torch.Tensor(2, 3) and its typed kin, in their size form, become mint.empty.

    torch.Tensor(2, 3)                  ->  mint.empty((2, 3), dtype=mindspore.float32)
    torch.LongTensor(batch_size)        ->  mint.empty((batch_size,), dtype=mindspore.int64)
    torch.Tensor(config.hidden_size)    ->  mint.empty((config.hidden_size,), dtype=mindspore.float32)
    torch.Tensor([1, 2])                ->  left to the argument rule: mindspore.Tensor([1, 2], dtype=...)

torch reads integer arguments as a shape (uninitialised memory), sequences and tensors
as data; mindspore.Tensor(n) would make the scalar n. Which one a single argument is
cannot be known from the code, so it counts as a size when it is an int literal or a
name that says so (`*_size`, `dim`, `num_*`, `n_*`, `*_len`, ...); anything else keeps
the data form.
"""
from __future__ import annotations

import re

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted, in_place_of

DTYPES = {
    "torch.Tensor": "mindspore.float32", "torch.FloatTensor": "mindspore.float32",
    "torch.DoubleTensor": "mindspore.float64", "torch.HalfTensor": "mindspore.float16",
    "torch.LongTensor": "mindspore.int64", "torch.IntTensor": "mindspore.int32",
    "torch.ByteTensor": "mindspore.uint8", "torch.BoolTensor": "mindspore.bool_",
}
_SIZE_NAME = re.compile(r"(size|dim|num|len|count|width|height|depth|channels|features)|^(n|k)(_|$)|_n$", re.I)
_TIGHT = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _size_like(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Integer):
        return True
    path = dotted(node)
    return path is not None and bool(_SIZE_NAME.search(path.rsplit(".", 1)[-1]))


class LegacyConstructors:
    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        dtype = DTYPES.get(ctx.qualname(original.func) or "")
        if dtype is None or not updated.args or any(a.star or a.keyword is not None for a in updated.args):
            return updated
        sizes = [a.value for a in updated.args]
        if len(sizes) == 1 and not _size_like(sizes[0]):
            return updated  # several positionals are always a shape; one may be data
        elements = [cst.Element(value=v, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                    for v in sizes[:-1]]
        elements.append(cst.Element(value=sizes[-1], comma=cst.Comma() if len(sizes) == 1 else cst.MaybeSentinel.DEFAULT))
        ctx.discard(updated.func)
        made = cst.Call(func=ctx.emit("mindspore.mint.empty"), args=[
            cst.Arg(value=cst.Tuple(elements=elements), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            cst.Arg(keyword=cst.Name("dtype"), value=ctx.emit(dtype), equal=_TIGHT),
        ])
        return in_place_of(updated, made)
