"""Python types used as torch dtypes become the MindSpore dtypes torch means by them.

    torch.ones(n, dtype=bool)   ->  mint.ones(n, dtype=mindspore.bool_)
    x.to(float)                 ->  x.to(mindspore.float64)        (torch: float is float64)
    x.sum(dtype=int)            ->  x.sum(dtype=mindspore.int64)

MindSpore accepts only its own dtype objects there. The types and their meanings are
data (data/extra_mappings.json, "python_dtypes"); a file that rebinds `bool` or
`float` keeps its own.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.knowledge import lookup as mapping
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import keyword
from torch2ms.rules.call_args import CallArgs

# Methods whose first positional argument may be a dtype.
_DTYPE_FIRST = frozenset({"torch.Tensor.to", "torch.Tensor.type"})


class PythonDtypes:
    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        api = CallArgs.api_of(ctx, original)
        if api is None:
            return updated
        args, changed = list(updated.args), False
        for index, arg in enumerate(args):
            positional = index == 0 and arg.keyword is None and not arg.star and api in _DTYPE_FIRST
            if not (positional or keyword(arg) == "dtype") or not isinstance(arg.value, cst.Name):
                continue
            target = mapping.python_dtypes().get(arg.value.value)
            if target is not None and ctx.lookup(arg.value.value) is None:
                args[index], changed = arg.with_changes(value=ctx.emit(target)), True
        return updated.with_changes(args=args) if changed else updated
