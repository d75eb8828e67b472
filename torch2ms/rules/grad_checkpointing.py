"""Gradient checkpointing branches go: MindSpore recomputes a Cell that was told to (Cell.recompute()).

    if torch.is_grad_enabled() and self.gradient_checkpointing:
        hidden = self._gradient_checkpointing_func(block, hidden, temb)
    else:
        hidden = block(hidden, temb)
->
    hidden = block(hidden, temb)

In torch the forward itself decides to checkpoint a block, asking whether autograd records
(`torch.is_grad_enabled()`, which MindSpore has no counterpart of: its gradients are taken by
value_and_grad, not recorded by a global mode) and whether checkpointing was switched on. In
MindSpore recomputation is a property of the Cell, set once (mindone's ModelMixin does so in
`enable_gradient_checkpointing`), and the forward always takes the plain path, as mindone's
own ports write it. So a condition that asks both (`torch.is_grad_enabled() and
x.gradient_checkpointing`, in any order, among other `and` operands) is False, and the device
rule folds the branch away. `torch.is_grad_enabled()` anywhere else stays flagged.
"""
from __future__ import annotations

from typing import List

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import in_place_of
from torch2ms.rules.base import Rule, change, keep

GRAD_MODE = "torch.is_grad_enabled"
SWITCH = "gradient_checkpointing"


def _operands(node: cst.BaseExpression) -> List[cst.BaseExpression]:
    """The operands of an `and` chain (a single expression is its own chain)."""
    if isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.And):
        return _operands(node.left) + _operands(node.right)
    return [node]


class GradientCheckpointing(Rule):
    EXAMPLES = (
        change(
            """
            import torch


            class Runner:
                gradient_checkpointing = True

                def run(self, x):
                    if torch.is_grad_enabled() and self.gradient_checkpointing:
                        return torch.utils.checkpoint.checkpoint(torch.exp, x, use_reentrant=False)
                    return torch.exp(x)


            out = Runner().run(torch.ones(3))
            """,
            """
            from mindspore import mint


            class Runner:
                gradient_checkpointing = True

                def run(self, x):
                    return mint.exp(x)


            out = Runner().run(mint.ones(3))
            """,
            run=("out",),
        ),
        keep(
            """
            import torch

            def record(x):
                if torch.is_grad_enabled():
                    return x * 2
                return x
            """,
            """
            try:
                import torch  # torch2ms: torch still used on line 7 (flagged there)
            except ImportError:
                torch = None

            def record(x):
                if torch.is_grad_enabled():  # torch2ms: torch.is_grad_enabled is not in the tables
                    return x * 2
                return x
            """,
            note="asking for the grad mode alone is no checkpointing switch: it stays, flagged",
        ),
    )

    def leave_BooleanOperation(self, ctx: FileContext, original: cst.BooleanOperation, updated):
        if not isinstance(original.operator, cst.And):
            return updated
        asks, switch = None, False
        for old, new in zip(_operands(original), _operands(updated)):
            if isinstance(old, cst.Call) and not old.args and ctx.qualname(old.func) == GRAD_MODE:
                asks = new
            elif isinstance(old, cst.Attribute) and old.attr.value == SWITCH:
                switch = True
        if asks is None or not switch:
            return updated
        if isinstance(asks, cst.Call):
            ctx.withdraw_flag(asks.func)
        ctx.discard(updated)
        return in_place_of(updated, ctx.literal(False))
