"""torch APIs MindSpore lacks, through the mindone port's own stand-ins for them.

A mindone library ships its own equivalents of torch APIs MindSpore has none of
(mindone.diffusers.models.layers_compat: `RMSNorm`, `scaled_dot_product_attention`,
`unflatten`, ...). Where the core rules could only flag such an API, a file the profile
converts reaches mindone's instead (the map's `compat`: torch API -> mindone's, kept only
where the parameters agree), imported by name:

    self.norm_q = torch.nn.RMSNorm(dim, eps=eps)   ->  self.norm_q = RMSNorm(dim, eps=eps)
    F.scaled_dot_product_attention(q, k, v)        ->  scaled_dot_product_attention(q, k, v)
    query.unflatten(-1, (heads, -1))               ->  unflatten(query, -1, (heads, -1))

with `from mindone.diffusers.models.layers_compat import RMSNorm, ...`. A Tensor method
reaches its function form when the knowledge says the two are one (method_to_function).
"""
from __future__ import annotations

from typing import Dict, Optional

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import COMMA, bare, in_place_of
from torch2ms.knowledge import record
from torch2ms.rules.base import Rule, tensor_method


class PortCompat(Rule):
    def __init__(self, compat: Dict[str, str]) -> None:
        self.compat = compat

    def _target(self, qualname: Optional[str]) -> Optional[str]:
        return self.compat.get(qualname) if qualname else None

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        target = self._target(ctx.qualname(original))
        if target is None:
            return updated
        ctx.withdraw_flag(updated)
        ctx.discard(updated)
        return in_place_of(updated, ctx.emit_from(target))

    def leave_Name(self, ctx: FileContext, original: cst.Name, updated: cst.Name):
        binding = ctx.binding_of(original)
        if binding is None or not binding.is_torch or ctx.is_chain_root(original):
            return updated
        target = self._target(binding.qualname)
        if target is None:
            return updated
        ctx.withdraw_flag(updated)
        ctx.discard(updated)
        return in_place_of(updated, ctx.emit_from(target))

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        method = tensor_method(ctx, original, updated)
        if method is None:
            return updated
        function = record(f"torch.Tensor.{method}").forms.get("method_to_function")
        target = self._target(function)
        if target is None:
            return updated
        ctx.withdraw_flag(updated.func)
        receiver = cst.Arg(value=bare(updated.func.value), comma=COMMA if updated.args else cst.MaybeSentinel.DEFAULT)
        return in_place_of(updated, cst.Call(func=ctx.emit_from(target), args=[receiver, *updated.args]))
