"""`inplace=` arguments of torch calls and layers are dropped (MindSpore has none).

A positional `inplace` is found from torch's own signature of the API. A statement whose
only effect was in place (`F.relu(x, inplace=True)`) assigns its result back instead.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import drop_args, keyword
from torch2ms.knowledge import inventory
from torch2ms.rules.base import Rule, change, keep


def _inplace_position(qualname: str):
    params = inventory.torch_params(qualname) or []
    positional = params[: next((i for i, p in enumerate(params) if p.startswith("*")), None)]
    return positional.index("inplace") if "inplace" in positional else None


def _is_inplace_arg(position):
    return lambda i, a: keyword(a) == "inplace" or (a.keyword is None and not a.star and i == position)


class InplaceArgs(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn
            import torch.nn.functional as F

            torch.manual_seed(0)
            act = nn.ReLU(inplace=True)
            x = torch.randn(2, 4)
            y = F.dropout(x, 0.5, False, True)
            F.relu(x, inplace=True)
            out = act(y) + x
            """,
            """
            import mindspore
            from mindspore import mint

            mindspore.manual_seed(0)
            act = mint.nn.ReLU()
            x = mint.randn(2, 4)
            y = mint.nn.functional.dropout(x, 0.5, False)
            x = mint.nn.functional.relu(x)
            out = act(y) + x
            """,
            note="positional inplace found from torch's signature; the statement keeps its effect",
        ),
        keep(
            """
            def scale(x, inplace=False):
                return x

            y = scale(2, inplace=True)
            """,
            note="the project's own `inplace=` stays",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        qualname = ctx.qualname(original.func)
        if qualname is None:
            return updated
        return drop_args(ctx, updated, _is_inplace_arg(_inplace_position(qualname)))

    def leave_Expr(self, ctx: FileContext, original: cst.Expr, updated: cst.Expr):
        """A statement `F.relu(x, inplace=True)` only mutated x: assign the result back."""
        call = original.value
        if not isinstance(call, cst.Call) or not isinstance(updated.value, cst.Call) or not call.args:
            return updated
        qualname = ctx.qualname(call.func)
        if qualname is None:
            return updated
        is_inplace = _is_inplace_arg(_inplace_position(qualname))
        chosen = [a for i, a in enumerate(call.args) if is_inplace(i, a)]
        first = updated.value.args[0] if updated.value.args else None
        if not chosen or not _is_true(chosen[0].value) or first is None or first.keyword is not None:
            return updated
        if not isinstance(first.value, (cst.Name, cst.Attribute)):
            return updated
        return cst.Assign(targets=[cst.AssignTarget(target=first.value)], value=updated.value, semicolon=updated.semicolon)


def _is_true(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "True"
