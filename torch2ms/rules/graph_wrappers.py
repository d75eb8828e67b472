"""TorchScript and torch.compile wrappers go: MindSpore runs the plain Python.

Decorators (`@torch.jit.script`) are removed, wrapper calls (`torch.compile(model, ...)`)
become their first argument, and a disabled autocast block (`with torch.autocast("cuda",
enabled=False):`) becomes its body: MindSpore has no autocast to switch off (enabled ones
stay, flagged). The wrappers are data (knowledge/data/extra_mappings.json, "unwrap" and
"autocast"); `torch.jit.is_tracing()` and the like are answered False by the device rule, so their eager branch is kept.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import decorator_callee, in_place_of, with_body, without_decorators
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep


class GraphWrappers(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            @torch.jit.ignore
            def double(x):
                return x * 2

            with torch.autocast("cuda", enabled=False):
                out = double(torch.ones(2))
            """,
            """
            from mindspore import mint

            def double(x):
                return x * 2

            out = double(mint.ones(2))
            """,
            run=("out",),
        ),
        change(
            """
            import torch

            @torch.jit.script
            def double(x):
                return x * 2

            fast = torch.compile(double, mode="max-autotune")
            """,
            """

            def double(x):
                return x * 2

            fast = double
            """,
        ),
        keep(
            """
            import functools

            @functools.lru_cache(maxsize=None)
            def table(n):
                return list(range(n))
            """,
        ),
    )

    def _strip(self, ctx: FileContext, original, updated):
        # Decide on the original decorators (their torch names are not rewritten yet).
        doomed = {id(new) for old, new in zip(original.decorators, updated.decorators)
                  if ctx.qualname(decorator_callee(old)) in extras.unwrapped()}
        return without_decorators(ctx, updated, lambda d: id(d) in doomed)

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        return self._strip(ctx, original, updated)

    def leave_ClassDef(self, ctx: FileContext, original, updated):
        return self._strip(ctx, original, updated)

    def leave_With(self, ctx: FileContext, original: cst.With, updated: cst.With):
        if len(original.items) != 1 or not isinstance(original.items[0].item, cst.Call):
            return updated
        call = original.items[0].item
        if ctx.qualname(call.func) not in extras.autocasts() or original.items[0].asname is not None:
            return updated
        enabled = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "enabled"), None)
        if not (isinstance(enabled, cst.Name) and enabled.value == "False"):
            return updated
        ctx.discard(updated.items[0])
        return with_body(updated)

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if ctx.qualname(original.func) not in extras.unwrapped() or not updated.args:
            return updated
        first = updated.args[0]
        if first.keyword is not None or first.star:
            return updated
        ctx.discard(updated.with_changes(args=updated.args[1:]))
        return in_place_of(updated, first.value)
