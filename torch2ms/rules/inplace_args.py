"""`inplace=` arguments of torch calls and layers are dropped (MindSpore has none).

    nn.ReLU(inplace=True)         ->  mint.nn.ReLU()
    F.dropout(x, 0.1, True, True) ->  mint.nn.functional.dropout(x, 0.1, True)

A positional `inplace` is found from torch's own signature of the API.
"""
from __future__ import annotations

import libcst as cst

from torch2ms import inventory
from torch2ms.context import FileContext
from torch2ms.rules.args import drop_args, keyword


class InplaceArgs:
    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        qualname = ctx.qualname(original.func)
        if qualname is None:
            return updated
        params = inventory.torch_params(qualname) or []
        positional = [p for p in params[: next((i for i, p in enumerate(params) if p.startswith("*")), None)]]
        position = positional.index("inplace") if "inplace" in positional else None
        return drop_args(
            ctx,
            updated,
            lambda i, a: keyword(a) == "inplace" or (a.keyword is None and not a.star and i == position),
        )
