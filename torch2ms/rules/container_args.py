"""Containers take what MindSpore's accept: a generator given to a ModuleList becomes a list.

`nn.ModuleList(Block() for _ in range(n))` is a ModuleList in torch; MindSpore's CellList takes
a list or tuple of Cells only (a generator raises TypeError), so the generator argument of a
ModuleList / Sequential / ModuleDict becomes the list comprehension it stands for.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.rules.base import Rule, change, keep

_CONTAINERS = {"torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.ModuleDict", "torch.nn.ParameterList"}


class ContainerArgs(Rule):
    EXAMPLES = (
        change(
            """
            import torch.nn as nn

            blocks = nn.ModuleList(nn.Linear(2, 2) for _ in range(3))
            count = len(blocks)
            """,
            """
            from mindspore import mint, nn

            blocks = nn.CellList([mint.nn.Linear(2, 2) for _ in range(3)]).set_train(True)
            count = len(blocks)
            """,
            run=("count",),
        ),
        keep(
            """
            import torch.nn as nn

            blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
            """,
            """
            from mindspore import mint, nn

            blocks = nn.CellList([mint.nn.Linear(2, 2) for _ in range(3)]).set_train(True)
            """,
            note="a list already",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if ctx.qualname(original.func) not in _CONTAINERS or len(updated.args) != 1:
            return updated
        arg = updated.args[0]
        if arg.keyword is not None or arg.star or not isinstance(arg.value, cst.GeneratorExp):
            return updated
        generator = arg.value
        as_list = cst.ListComp(elt=generator.elt, for_in=generator.for_in)
        return updated.with_changes(args=[arg.with_changes(value=as_list)])
