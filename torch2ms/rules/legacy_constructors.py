"""torch.Tensor(2, 3) and its typed kin, in their size form, become mint.empty.

torch reads integer arguments as a shape (uninitialised memory), sequences and tensors as
data; mindspore.Tensor(n) would make the scalar n. Which one a single argument is cannot be
known from the code, so it counts as a size when it is an int literal or a name that says
so (`*_size`, `dim`, `num_*`, `n_*`, `*_len`, ...); anything else keeps the data form (left
to the argument rule: `mindspore.Tensor([1, 2], dtype=...)`). The dtype of each constructor
is data (the argument rule's `size_form`).
"""
from __future__ import annotations

import re

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import COMMA, TIGHT_EQUAL, dotted, in_place_of
from torch2ms.knowledge import record
from torch2ms.rules.base import Rule, change, keep

_SIZE_NAME = re.compile(r"(size|dim|num|len|count|width|height|depth|channels|features)|^(n|k)(_|$)|_n$", re.I)


def _size_like(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Integer):
        return True
    path = dotted(node)
    return path is not None and bool(_SIZE_NAME.search(path.rsplit(".", 1)[-1]))


class LegacyConstructors(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            batch_size = 3
            a = torch.Tensor(2, 3).shape
            b = torch.LongTensor(batch_size).dtype
            c = torch.Tensor([1, 2])
            """,
            """
            import mindspore
            from mindspore import mint

            batch_size = 3
            a = mint.empty((2, 3), dtype=mindspore.float32).shape
            b = mint.empty((batch_size,), dtype=mindspore.int64).dtype
            c = mindspore.Tensor([1, 2], dtype=mindspore.float32)
            """,
            run=("a", "c"),
        ),
        keep(
            """
            import torch

            def wrap(values):
                return torch.Tensor(values)
            """,
            """
            import mindspore

            def wrap(values):
                return mindspore.Tensor(values, dtype=mindspore.float32)
            """,
            note="one argument that does not look like a size is data",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        qualname = ctx.qualname(original.func)
        rule = record(qualname).arg_rule if qualname is not None else None
        dtype = rule.size_form.get("dtype") if rule is not None else None
        if dtype is None or not updated.args or any(a.star or a.keyword is not None for a in updated.args):
            return updated
        sizes = [a.value for a in updated.args]
        if len(sizes) == 1 and not _size_like(sizes[0]):
            return updated  # several positionals are always a shape; one may be data
        elements = [cst.Element(value=v, comma=COMMA) for v in sizes[:-1]]
        elements.append(cst.Element(value=sizes[-1], comma=cst.Comma() if len(sizes) == 1 else cst.MaybeSentinel.DEFAULT))
        ctx.discard(updated.func)
        made = cst.Call(func=ctx.emit(rule.size_form["to"]), args=[
            cst.Arg(value=cst.Tuple(elements=elements), comma=COMMA),
            cst.Arg(keyword=cst.Name("dtype"), value=ctx.emit(dtype), equal=TIGHT_EQUAL),
        ])
        return in_place_of(updated, made)
