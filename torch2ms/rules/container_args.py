"""Containers take what MindSpore's accept: a generator given to a ModuleList becomes a list;
a ModuleDict holding a ModuleList / ModuleDict / Sequential is flagged (CellDict rejects them).

`nn.ModuleList(Block() for _ in range(n))` is a ModuleList in torch; MindSpore's CellList takes
a list or tuple of Cells only (a generator raises TypeError), so the generator argument of a
ModuleList / Sequential / ModuleDict becomes the list comprehension it stands for. torch's
ModuleList also holds None (`nn.ModuleList([norm, None])`, optional layers); CellList raises
TypeError on it when the model is built, so a list element that may be None (None, `x if c
else None`, or a name the same function assigned such a value) is flagged on the call.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.results import Reason
from torch2ms.rules.base import Rule, change, keep

_NESTED = {"torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.ModuleDict"}
_NESTED_HINT = ("MindSpore's CellDict takes no CellList, CellDict or SequentialCell as a value: hold it in a "
                "small Cell subclass (an attribute of it), or keep the containers as attributes of the model")
_NONE_HINT = ("torch's ModuleList holds None, MindSpore's CellList takes Cells only: an element here may be None "
              "(keep the optional layers as attributes, or give mint.nn.Identity() where the code calls it the same way)")
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
        change(
            """
            import torch.nn as nn

            heads = nn.ModuleDict({"cls": nn.Linear(2, 2), "stages": nn.ModuleList([nn.Linear(2, 2)])})
            """,
            """
            from mindspore import mint, nn

            heads = nn.CellDict({"cls": mint.nn.Linear(2, 2), "stages": nn.CellList([mint.nn.Linear(2, 2)]).set_train(True)}).set_train(True)  # torch2ms: torch.nn.ModuleList needs a manual rewrite (hint: MindSpore's CellDict takes no CellList, CellDict or SequentialCell as a value: hold it in a small Cell subclass (an attribute of it), or keep the containers as attributes of the model)
            """,
            note="a container MindSpore's CellDict rejects is flagged where it is put in",
        ),
        change(
            """
            import torch.nn as nn

            class Stack(nn.Module):
                def __init__(self, dim, pre, post):
                    super().__init__()
                    first = nn.LayerNorm(dim) if pre else None
                    self.norms = nn.ModuleList([first, nn.LayerNorm(dim) if post else None, nn.LayerNorm(dim)])
                    self.skips = nn.ModuleList([])
                    skip = None
                    if post:
                        skip = nn.Linear(dim, dim)
                    self.skips.append(skip)
            """,
            """
            from mindspore import mint, nn

            class Stack(nn.Cell):
                def __init__(self, dim, pre, post):
                    super().__init__()
                    first = mint.nn.LayerNorm(dim) if pre else None
                    self.norms = nn.CellList([first, mint.nn.LayerNorm(dim) if post else None, mint.nn.LayerNorm(dim)])  # torch2ms: torch.nn.ModuleList needs a manual rewrite (hint: torch's ModuleList holds None, MindSpore's CellList takes Cells only: an element here may be None (keep the optional layers as attributes, or give mint.nn.Identity() where the code calls it the same way))
                    self.skips = nn.CellList([])
                    skip = None
                    if post:
                        skip = mint.nn.Linear(dim, dim)
                    self.skips.append(skip)  # torch2ms: torch.nn.ModuleList.append needs a manual rewrite (hint: torch's ModuleList holds None, MindSpore's CellList takes Cells only: an element here may be None (keep the optional layers as attributes, or give mint.nn.Identity() where the code calls it the same way))
            """,
            note="optional layers: CellList rejects None when the model is built",
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

    def __init__(self) -> None:
        self._maybe_none = [set()]  # per function being walked (the module first): names that may hold None

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._maybe_none.append(set())

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        self._maybe_none.pop()
        return updated

    def visit_Assign(self, ctx: FileContext, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and _may_be_none(node.value, set()):
            self._maybe_none[-1].add(node.targets[0].target.value)

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        qualname = ctx.qualname(original.func)
        if qualname == "torch.nn.ModuleList" and len(original.args) == 1 and isinstance(
                original.args[0].value, (cst.List, cst.Tuple)) and any(
                _may_be_none(e.value, self._maybe_none[-1]) for e in original.args[0].value.elements):
            ctx.flag(updated, qualname, Reason.MANUAL, _NONE_HINT)
        elif self._appends_none(ctx, original):
            ctx.flag(updated, "torch.nn.ModuleList.append", Reason.MANUAL, _NONE_HINT)
        if qualname == "torch.nn.ModuleDict" and original.args and isinstance(original.args[0].value, cst.Dict):
            self._flag_nested(ctx, original.args[0].value, updated.args[0].value)
        if qualname not in _CONTAINERS or len(updated.args) != 1:
            return updated
        arg = updated.args[0]
        if arg.keyword is not None or arg.star or not isinstance(arg.value, cst.GeneratorExp):
            return updated
        generator = arg.value
        as_list = cst.ListComp(elt=generator.elt, for_in=generator.for_in)
        return updated.with_changes(args=[arg.with_changes(value=as_list)])

    def _appends_none(self, ctx: FileContext, call: cst.Call) -> bool:
        """`self.skips.append(skip)` on a ModuleList, where `skip` may be None."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "append" and len(call.args) == 1):
            return False
        return ctx.cell_maker(func.value) == "torch.nn.ModuleList" and _may_be_none(call.args[0].value, self._maybe_none[-1])

    @staticmethod
    def _flag_nested(ctx: FileContext, original: cst.Dict, updated) -> None:
        """`nn.ModuleDict({"a": nn.ModuleList([...])})`: MindSpore's CellDict rejects a CellList,
        CellDict or SequentialCell as a value (TypeError when the model is built)."""
        if not isinstance(updated, cst.Dict) or len(updated.elements) != len(original.elements):
            return
        for old, new in zip(original.elements, updated.elements):
            value = old.value if isinstance(old, cst.DictElement) else None
            if isinstance(value, cst.Call) and ctx.qualname(value.func) in _NESTED:
                ctx.flag(new.value, ctx.qualname(value.func), Reason.MANUAL, _NESTED_HINT)


def _may_be_none(value: cst.BaseExpression, names) -> bool:
    """None, a conditional with a None branch, or a name known to hold one of those."""
    if isinstance(value, cst.Name):
        return value.value == "None" or value.value in names
    if isinstance(value, cst.IfExp):
        return _may_be_none(value.body, names) or _may_be_none(value.orelse, names)
    return False
