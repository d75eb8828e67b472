"""A uint8 mask ("ByteTensor", torch's mask type before bool) is made bool where it selects.

torch still takes a uint8 condition in `torch.where(mask, a, b)` / `a.where(mask, b)` and a
uint8 index as a mask (`x[mask]`, deprecated but running); MindSpore's `where` takes a bool
condition only and reads a uint8 index as integer positions: both raise. Older code (CRFs,
NLP taggers) builds its masks as uint8. A name of a function is a byte mask when the function
says so: a parameter annotated `torch.ByteTensor` (`Optional[...]` too), or a value made as
uint8 (`dtype=torch.uint8`, `.byte()`, `.to(torch.uint8)`, `.type(torch.uint8)`,
`torch.ByteTensor(...)`). Where such a mask (or an expression on it: `mask[i].unsqueeze(1)`)
is a condition or an index, `.bool()` follows it: `mask != 0`, what torch reads it as.
"""
from __future__ import annotations

from typing import List, Set

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import keyword, walk_code
from torch2ms.rules.base import Rule, change, keep

_UINT8 = {"torch.uint8", "torch.ByteTensor", "torch.cuda.ByteTensor"}
_MARKS = {"uint8", "ByteTensor", "byte"}  # a file with none of these names has no byte mask to find
_WHERE = {"torch.where", "torch.Tensor.where"}


class ByteMasks(Rule):
    EXAMPLES = (
        change(
            """
            from typing import Optional
            import torch

            def best_path(scores: torch.Tensor, mask: Optional[torch.ByteTensor] = None):
                if mask is None:
                    mask = torch.ones(scores.shape[:2], dtype=torch.uint8)
                total = scores[:, 0]
                for i in range(1, scores.shape[1]):
                    total = torch.where(mask[:, i].unsqueeze(1), total + scores[:, i], total)
                return total, scores[mask]

            scores = torch.arange(24.0).reshape(2, 3, 4)
            keep = torch.tensor([[1, 1, 0], [1, 0, 0]], dtype=torch.uint8)
            total, picked = best_path(scores, keep)
            default, _ = best_path(scores)
            """,
            """
            from typing import Optional
            import mindspore
            from mindspore import mint

            def best_path(scores: mindspore.Tensor, mask: Optional[mindspore.Tensor] = None):
                if mask is None:
                    mask = mint.ones(scores.shape[:2], dtype=mindspore.uint8)
                total = scores[:, 0]
                for i in range(1, scores.shape[1]):
                    total = mint.where(mask[:, i].unsqueeze(1).bool(), total + scores[:, i], total)
                return total, scores[mask.bool()]

            scores = mint.arange(24.0).reshape(2, 3, 4)
            keep = mindspore.Tensor([[1, 1, 0], [1, 0, 0]], dtype=mindspore.uint8)
            total, picked = best_path(scores, keep)
            default, _ = best_path(scores)
            """,
            run=("total", "picked", "default"),
            note="a parameter annotated ByteTensor, a mask made as uint8: made bool where it selects",
        ),
        keep(
            """
            import torch

            def pick(x, mask):
                flags = x.byte()
                return torch.where(mask, x, -x), x[mask], flags + 1
            """,
            """
            from mindspore import mint

            def pick(x, mask):
                flags = x.byte()
                return mint.where(mask, x, -x), x[mask], flags + 1
            """,
            note="a mask nothing says is uint8 stays as it is; a uint8 value used as a number too",
        ),
    )

    def __init__(self) -> None:
        self._active = False
        self._masks: List[Set[str]] = [set()]  # per function being walked: its byte-mask names

    def visit_Module(self, ctx: FileContext, node: cst.Module) -> None:
        self._active = any(name.value in _MARKS for name in ctx.nodes_of(cst.Name))

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._masks.append(_byte_masks(ctx, node) if self._active else set())

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        self._masks.pop()
        return updated

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if not self._masks[-1] or ctx.api_of(original) not in _WHERE:
            return updated
        # the condition: `where(cond, a, b)`, `x.where(cond, y)`, or given as `condition=`
        at = next((i for i, a in enumerate(original.args) if keyword(a) == "condition"), 0)
        if at >= len(original.args) or original.args[at].star or not self._is_mask(original.args[at].value):
            return updated
        args = list(updated.args)
        args[at] = args[at].with_changes(value=_as_bool(args[at].value))
        return updated.with_changes(args=args)

    def leave_Subscript(self, ctx: FileContext, original: cst.Subscript, updated: cst.Subscript):
        if not self._masks[-1] or len(original.slice) != 1:
            return updated
        index = original.slice[0].slice
        if not isinstance(index, cst.Index) or not self._is_mask(index.value):
            return updated
        new = updated.slice[0].slice
        return updated.with_changes(slice=[updated.slice[0].with_changes(slice=new.with_changes(value=_as_bool(new.value)))])

    def _is_mask(self, node: cst.BaseExpression) -> bool:
        """A byte-mask name, or an expression reading one (`mask[:, i]`, `mask.unsqueeze(1)`),
        not one that makes something else of it (`mask.bool()`, `mask == 1`)."""
        while True:
            if isinstance(node, cst.Name):
                return node.value in self._masks[-1]
            if isinstance(node, cst.Subscript):
                node = node.value
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
                    and node.func.attr.value in _SHAPE_ONLY:
                node = node.func.value
            else:
                return False


# Tensor methods that keep the dtype (a byte mask stays one through them)
_SHAPE_ONLY = {"unsqueeze", "squeeze", "transpose", "permute", "view", "reshape", "expand", "expand_as",
               "contiguous", "flatten", "t", "repeat", "clone", "detach", "flip", "roll"}


def _as_bool(value: cst.BaseExpression) -> cst.BaseExpression:
    target = value if not value.lpar and not isinstance(value, (cst.BinaryOperation, cst.UnaryOperation)) else \
        value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Call(func=cst.Attribute(value=target, attr=cst.Name("bool")))


def _byte_masks(ctx: FileContext, function: cst.FunctionDef) -> Set[str]:
    """The function's names said to hold a uint8 mask (its annotations, its assignments)."""
    names = set()
    params = function.params
    for param in (*params.posonly_params, *params.params, *params.kwonly_params):
        if param.annotation is not None and any(
                ctx.qualname(n) in _UINT8 for n in walk_code(param.annotation) if isinstance(n, (cst.Attribute, cst.Name))):
            names.add(param.name.value)
    for node in walk_code(function.body):
        if type(node) is cst.Assign and len(node.targets) == 1 and type(node.targets[0].target) is cst.Name \
                and _makes_uint8(ctx, node.value):
            names.add(node.targets[0].target.value)
    return names


def _makes_uint8(ctx: FileContext, value: cst.BaseExpression) -> bool:
    """`torch.ones(..., dtype=torch.uint8)`, `x.byte()`, `x.to(torch.uint8)`, `torch.ByteTensor(...)`."""
    if type(value) is not cst.Call:
        return False
    func = value.func
    if ctx.qualname(func) in _UINT8:
        return True
    if any(keyword(a) == "dtype" and ctx.qualname(a.value) in _UINT8 for a in value.args):
        return True
    if type(func) is cst.Attribute:
        if func.attr.value == "byte" and not value.args:
            return True
        if func.attr.value in ("to", "type") and value.args and ctx.qualname(value.args[0].value) in _UINT8:
            return True
    return False
