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
from torch2ms.convert.cstutil import in_place_of
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
            """,
            """
            import numpy
            import mindspore
            from mindspore import mint

            x = mint.zeros(3)
            low = float(numpy.finfo(mindspore.dtype_to_nptype(x.dtype)).min)
            filled = x.masked_fill(x == 0, float(numpy.finfo(mindspore.dtype_to_nptype(x.dtype)).max))
            same = mindspore.float32 == mindspore.float32
            """,
            run=("low", "filled", "same"),
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

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        if not isinstance(original.value, cst.Call):
            return updated
        info = extras.info_scalars().get(ctx.qualname(original.value.func) or "")
        if info is None or original.attr.value not in info["fields"] or updated.value is original.value:
            return updated  # the call itself was not converted (say, a starred argument)
        bare = updated.with_changes(lpar=[], rpar=[])
        return cst.Call(func=ctx.emit(info["type"]), args=[cst.Arg(value=bare)], lpar=updated.lpar,
                        rpar=updated.rpar)
