"""Removing arguments from a call without leaving `, )` or a dangling comma behind."""
from __future__ import annotations

from typing import Callable, Optional

import libcst as cst

from torch2ms.context import FileContext


def drop_args(ctx: FileContext, call: cst.Call, doomed: Callable[[int, cst.Arg], bool]) -> cst.Call:
    """The call without the args `doomed(position, arg)` picks; uses inside them are forgotten."""
    args = list(call.args)
    dropped = {i for i, a in enumerate(args) if doomed(i, a)}
    if not dropped:
        return call
    for i in dropped:
        ctx.discard(args[i])
    new_args = [a for i, a in enumerate(args) if i not in dropped]
    if new_args and new_args[-1] is not args[-1]:
        # The new last argument takes the old last one's comma (absent, or a trailing
        # comma with the newline before `)`), so the closing bracket keeps its place.
        new_args[-1] = new_args[-1].with_changes(
            comma=args[-1].comma, whitespace_after_arg=args[-1].whitespace_after_arg
        )
    return call.with_changes(args=new_args)


def keyword(arg: cst.Arg) -> Optional[str]:
    return arg.keyword.value if arg.keyword is not None else None


def positional_count(call: cst.Call) -> int:
    return sum(1 for a in call.args if a.keyword is None and not a.star)
