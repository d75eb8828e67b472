"""Dropping decorators without losing the comments written above them."""
from __future__ import annotations

from typing import Callable

import libcst as cst

from torch2ms.context import FileContext


def without_decorators(ctx: FileContext, node, doomed: Callable[[cst.Decorator], bool]):
    """`node` (a def or class) without the decorators `doomed` picks; their uses are forgotten."""
    kept = []
    for decorator in node.decorators:
        if doomed(decorator):
            ctx.discard(decorator)
        else:
            kept.append(decorator)
    if len(kept) == len(node.decorators):
        return node
    leading = node.leading_lines
    first = node.decorators[0].leading_lines
    if not kept:
        leading = [*leading, *first]  # comments above the first decorator stay above the definition
    elif kept[0] is not node.decorators[0]:
        kept[0] = kept[0].with_changes(leading_lines=[*first, *kept[0].leading_lines])
    return node.with_changes(decorators=kept, leading_lines=leading)


def decorator_callee(decorator: cst.Decorator) -> cst.BaseExpression:
    """`torch.jit.script` for both `@torch.jit.script` and `@torch.jit.script(...)`."""
    expr = decorator.decorator
    return expr.func if isinstance(expr, cst.Call) else expr
