"""Type annotations take their MindSpore form, or go where they have none.

Python evaluates the annotations of parameters, returns, and module- and class-level
variables when the `def` or the class runs, so one that still names torch would need torch
just to import the file. `x: torch.Tensor` becomes `x: mindspore.Tensor` (the other rules map
the names); `torch.jit.Final[int]` is `int` (data: annotation_unwrap). An annotation that
still needs torch after that (`fmt: F` with F torch.nn.functional; a `torch.device` in one is
already the device rule's `str`) is dropped from a parameter or a return; a variable's becomes a string
(a dataclass field keeps its place and its documentation), or goes with a plain assignment
outside classes. Nothing there is a flagged leftover any more: its flags are withdrawn.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import TIGHT_EQUAL
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep


def _as_string(ctx: FileContext, original: cst.Annotation, updated: cst.Annotation) -> cst.Annotation:
    code = cst.Module([]).code_for_node(original.annotation)
    quote = '"' if '"' not in code else "'"
    _forget(ctx, updated.annotation)
    return updated.with_changes(annotation=cst.SimpleString(f"{quote}{code}{quote}"))


def _forget(ctx: FileContext, subtree: cst.CSTNode) -> None:
    ctx.discard(subtree)
    ctx.withdraw_flags_in(subtree)


class TypeAnnotations(Rule):
    EXAMPLES = (
        change(
            """
            from dataclasses import dataclass
            from typing import Optional

            import torch
            import torch.nn.functional as F

            @dataclass
            class Options:
                device: torch.device = None
                activation: F = None
                width: torch.jit.Final[int] = 4

            def scale(x: torch.Tensor, fmt: F = "NCHW", where: Optional[torch.device] = None) -> torch.Tensor:
                return x * 2

            out = scale(torch.ones(2)) + Options().width
            """,
            """
            from dataclasses import dataclass
            from typing import Optional
            import mindspore
            from mindspore import mint

            @dataclass
            class Options:
                device: str = None
                activation: "F" = None
                width: int = 4

            def scale(x: mindspore.Tensor, fmt="NCHW", where: Optional[str] = None) -> mindspore.Tensor:
                return x * 2

            out = scale(mint.ones(2)) + Options().width
            """,
            run=("out",),
            note="the file imports without torch: no annotation names it any more (a device is a str: the "
                 "device rule's)",
        ),
        keep(
            """
            from typing import List

            def total(values: List[int]) -> int:
                return sum(values)
            """,
            note="annotations without torch stay",
        ),
    )

    def leave_Subscript(self, ctx: FileContext, original: cst.Subscript, updated: cst.Subscript):
        """`torch.jit.Final[int]` -> `int`."""
        if ctx.qualname(original.value) not in extras.annotation_unwrap() or len(updated.slice) != 1:
            return updated
        inner = updated.slice[0].slice
        if not isinstance(inner, cst.Index):
            return updated
        _forget(ctx, updated.value)
        return inner.value

    def leave_Param(self, ctx: FileContext, original: cst.Param, updated: cst.Param):
        if updated.annotation is None or not ctx.still_torch(updated.annotation.annotation):
            return updated
        _forget(ctx, updated.annotation)
        equal = TIGHT_EQUAL if updated.default is not None else updated.equal
        return updated.with_changes(annotation=None, equal=equal)

    def leave_FunctionDef(self, ctx: FileContext, original: cst.FunctionDef, updated: cst.FunctionDef):
        if updated.returns is None or not ctx.still_torch(updated.returns.annotation):
            return updated
        _forget(ctx, updated.returns)
        return updated.with_changes(returns=None)

    def leave_AnnAssign(self, ctx: FileContext, original: cst.AnnAssign, updated: cst.AnnAssign):
        if not ctx.still_torch(updated.annotation.annotation):
            return updated
        in_class = ctx.scope.kind == "class"
        if in_class or updated.value is None:
            return updated.with_changes(annotation=_as_string(ctx, original.annotation, updated.annotation))
        _forget(ctx, updated.annotation)
        return cst.Assign(targets=[cst.AssignTarget(target=updated.target)], value=updated.value,
                          semicolon=updated.semicolon)
