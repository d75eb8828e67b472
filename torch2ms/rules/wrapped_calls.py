"""Calls whose counterpart takes a converted first argument (data/extra_mappings.json).

    torch.finfo(x.dtype).min   ->  numpy.finfo(mindspore.dtype_to_nptype(x.dtype)).min
"""
from __future__ import annotations

import libcst as cst

from torch2ms import mapping
from torch2ms.context import FileContext
from torch2ms.names import in_place_of


class WrappedCalls:
    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        found = mapping.wrapped_first_arg().get(ctx.qualname(original.func) or "")
        if found is None or len(updated.args) != 1 or updated.args[0].star or updated.args[0].keyword:
            return updated
        function, wrapper = found
        ctx.discard(updated.func)
        inner = cst.Call(func=ctx.emit(wrapper), args=[updated.args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)])
        return in_place_of(updated, cst.Call(func=ctx.emit(function), args=[cst.Arg(value=inner)]))
