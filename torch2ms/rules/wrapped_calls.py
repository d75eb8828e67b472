"""Calls whose MindSpore counterpart is another expression (knowledge/data/extra_mappings.json).

`torch.finfo(d)` becomes `numpy.finfo(mindspore.dtype_to_nptype(d))` (wrap_first_arg), and its
fields are read through Python's type (info_scalars): numpy's finfo fields are numpy scalars,
which MindSpore ops taking a Python number (masked_fill, full) reject, while torch's are Python
floats and ints. `torch.get_default_dtype()` is the constant `mindspore.float32`
(constant_calls); `_calculate_fan_in_and_fan_out(w)` takes `w.shape` in MindSpore.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted, in_place_of
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep


class WrappedCalls(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            x = torch.zeros(3)
            low = torch.finfo(x.dtype).min
            filled = x.masked_fill(x == 0, torch.finfo(x.dtype).max)
            same = torch.get_default_dtype() == torch.float32
            home = torch.hub.get_dir().endswith("hub")
            torch._assert(low < 0, "finfo.min is negative")
            """,
            """
            import numpy
            import os
            import os.path
            import mindspore
            from mindspore import mint

            x = mint.zeros(3)
            low = float(numpy.finfo(mindspore.dtype_to_nptype(x.dtype)).min)
            filled = x.masked_fill(x == 0, float(numpy.finfo(mindspore.dtype_to_nptype(x.dtype)).max))
            same = mindspore.float32 == mindspore.float32
            home = os.path.join(os.path.expanduser(os.getenv('TORCH_HOME', os.path.join(os.getenv('XDG_CACHE_HOME', '~/.cache'), 'torch'))), 'hub').endswith("hub")
            assert low < 0, "finfo.min is negative"
            """,
            run=("low", "filled", "same", "home"),
        ),
        keep(
            """
            import numpy as np

            low = np.finfo(np.float32).min
            """,
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        qualname = ctx.qualname(original.func) or ""
        constant = extras.constant_calls().get(qualname)
        if constant is not None and not updated.args:
            ctx.discard(updated)
            return in_place_of(updated, ctx.emit(constant))
        expression = extras.expression_calls().get(qualname)
        if expression is not None and not updated.args:
            ctx.discard(updated)
            return in_place_of(updated, _python_expression(ctx, expression))
        found = extras.wrapped_first_arg().get(qualname)
        if found is None or len(updated.args) != 1 or updated.args[0].star or updated.args[0].keyword:
            return updated
        function, wrapper = found
        ctx.discard(updated.func)
        if wrapper.startswith("."):  # an attribute of the argument: `w` -> `w.shape`
            inner = cst.Attribute(value=updated.args[0].value, attr=cst.Name(wrapper[1:]))
        else:
            inner = cst.Call(func=ctx.emit(wrapper), args=[updated.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
        return in_place_of(updated, cst.Call(func=ctx.emit(function), args=[cst.Arg(value=inner)]))

    def leave_Expr(self, ctx: FileContext, original: cst.Expr, updated: cst.Expr):
        """`torch.ops.load_library(path)` as a statement -> `raise OSError(...)`: the code's own
        handler for a library that cannot load takes over (data: raising_calls);
        `torch._assert(cond, msg)` -> `assert cond, msg` (data: assert_calls)."""
        call = original.value
        if not isinstance(call, cst.Call):
            return updated
        qualname = ctx.qualname(call.func)
        if qualname in extras.assert_calls() and 1 <= len(call.args) <= 2 and not any(
                a.keyword or a.star for a in call.args):
            new_call = updated.value
            ctx.discard(new_call.func)
            ctx.withdraw_flags_in(new_call.func)
            message = new_call.args[1].value if len(new_call.args) == 2 else None
            return cst.Assert(test=_one_line(new_call.args[0].value), msg=message and _one_line(message),
                              semicolon=updated.semicolon)
        error = extras.raising_calls().get(qualname or "")
        if error is None:
            return updated
        ctx.discard(updated)
        ctx.withdraw_flags_in(updated)
        message = cst.SimpleString(repr(f"{qualname}: a PyTorch extension cannot be loaded in MindSpore"))
        return cst.Raise(exc=cst.Call(func=ctx.emit(f"builtins.{error}"), args=[cst.Arg(value=message)]),
                         semicolon=updated.semicolon)

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        if not isinstance(original.value, cst.Call):
            return updated
        info = extras.info_scalars().get(ctx.qualname(original.value.func) or "")
        if info is None or original.attr.value not in info["fields"] or updated.value is original.value:
            return updated  # the call itself was not converted (say, a starred argument)
        bare = updated.with_changes(lpar=[], rpar=[])
        return cst.Call(func=ctx.emit(info["type"]), args=[cst.Arg(value=bare)], lpar=updated.lpar,
                        rpar=updated.rpar)


class _EmitCalls(cst.CSTTransformer):
    """The called module functions of a template, emitted through the context (their imports come)."""

    def __init__(self, ctx: FileContext) -> None:
        super().__init__()
        self.ctx = ctx

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        path = dotted(updated.func)
        return updated.with_changes(func=self.ctx.emit(path)) if path and "." in path else updated


def _python_expression(ctx: FileContext, template: str) -> cst.BaseExpression:
    return cst.parse_expression(template).visit(_EmitCalls(ctx))


def _one_line(expr: cst.BaseExpression) -> cst.BaseExpression:
    """The expression bracketed if it spans lines (out of the call's brackets it must be)."""
    if "\n" not in cst.Module([]).code_for_node(expr) or getattr(expr, "lpar", None):
        return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
