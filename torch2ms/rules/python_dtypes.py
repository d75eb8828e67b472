"""Python types used as torch dtypes become the MindSpore dtypes torch means by them.

MindSpore accepts only its own dtype objects where torch takes `dtype=bool`, `x.to(float)`
or `x.sum(dtype=int)`; torch's `float` is float64. The types and their meanings are data
(knowledge/data/extra_mappings.json, "python_dtypes"); a file that rebinds `bool` or
`float` keeps its own.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import keyword
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep

# Methods whose first positional argument may be a dtype.
_DTYPE_FIRST = frozenset({"torch.Tensor.to", "torch.Tensor.type"})


class PythonDtypes(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            x = torch.tensor([1, 2, 3])
            mask = torch.ones(3, dtype=bool)
            wide = x.to(float)
            total = x.sum(dtype=int)
            """,
            """
            import mindspore
            from mindspore import mint

            x = mindspore.Tensor([1, 2, 3])
            mask = mint.ones(3, dtype=mindspore.bool_)
            wide = x.to(mindspore.float64)
            total = x.sum(dtype=mindspore.int64)
            """,
            run=("mask", "wide", "total"),
        ),
        keep(
            """
            import torch

            float = torch.float16

            def cast(x):
                return x.to(float)
            """,
            """
            import mindspore

            float = mindspore.float16

            def cast(x):
                return x.to(float)
            """,
            note="the file rebinds `float`: its own meaning stays",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        api = ctx.api_of(original)
        if api is None:
            return updated
        args, changed = list(updated.args), False
        for index, arg in enumerate(args):
            positional = index == 0 and arg.keyword is None and not arg.star and api in _DTYPE_FIRST
            if not (positional or keyword(arg) == "dtype") or not isinstance(arg.value, cst.Name):
                continue
            target = extras.python_dtypes().get(arg.value.value)
            if target is not None and ctx.lookup(arg.value.value) is None:
                args[index], changed = arg.with_changes(value=ctx.emit(target)), True
        return updated.with_changes(args=args) if changed else updated
