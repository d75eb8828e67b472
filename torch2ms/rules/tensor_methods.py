"""Tensor methods whose MindSpore form differs.

    x.size()      ->  x.shape
    x.size(-1)    ->  x.shape[-1]
    x.get_device()  ->  kept, flagged: no MindSpore counterpart (hint from the table)

(Rewrites that need more than a rename -- detach, in-place methods -- are in tensor_rewrites.)

The receiver's type is unknown to a source-to-source tool, so methods whose names are
common on other objects (dict.values(), Parameter.requires_grad, ...) are left alone.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, Optional, Tuple

import libcst as cst

from torch2ms.knowledge import lookup as mapping, tables
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import chain_root, in_place_of

# Names that many non-tensor objects carry too: flagging them would bury real findings.
COMMON_ELSEWHERE = {"values", "mode", "put", "grad", "requires_grad", "layout", "data", "type", "size"}


@lru_cache(maxsize=None)
def _needs_review() -> Dict[str, Tuple[str, Optional[str]]]:
    """Tensor methods the table gives no same-named MindSpore method: name -> (reason, hint)."""
    review = {}
    for api, correction in mapping.corrections().items():
        if api.startswith("torch.Tensor.") and "flag" in correction:
            review[api.rsplit(".", 1)[-1]] = (mapping.MANUAL, correction["flag"])
    for row in tables.rows():
        if row.table != "tensor_api":
            continue
        method = row.torch.rsplit(".", 1)[-1]
        if method in COMMON_ELSEWHERE or row.torch in mapping.corrections():
            continue
        if row.mindspore is None:
            hint = " or ".join(row.alternatives) if row.alternatives else None
            review[method] = (mapping.NO_COUNTERPART, hint)
        elif row.mindspore.rsplit(".", 1)[-1] != method:
            review[method] = (mapping.MANUAL, f"the table pairs it with {row.mindspore}; check the semantics")
    return review


@lru_cache(maxsize=None)
def _tensor_methods() -> frozenset:
    """Method names of the Tensor table that few other objects carry."""
    names = {row.torch.rsplit(".", 1)[-1] for row in tables.rows() if row.table == "tensor_api"}
    return frozenset(names - COMMON_ELSEWHERE)


@lru_cache(maxsize=None)
def _renames() -> Dict[str, str]:
    """Tensor methods a correction maps to another MindSpore method name."""
    return {
        api.rsplit(".", 1)[-1]: entry["target"].rsplit(".", 1)[-1]
        for api, entry in mapping.corrections().items()
        if api.startswith("torch.Tensor.") and entry.get("target", "").startswith("mindspore.Tensor.")
    }


class TensorMethods:
    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        func = updated.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "size"):
            return updated
        if ctx.qualname(original.func) is not None or len(updated.args) > 1 or not_a_tensor(ctx, func.value):
            return updated
        shape = cst.Attribute(value=func.value, attr=cst.Name("shape"))
        if not updated.args:
            return in_place_of(updated, shape)
        arg = updated.args[0]
        if arg.star or (arg.keyword is not None and arg.keyword.value != "dim"):
            return updated
        return in_place_of(
            updated, cst.Subscript(value=shape, slice=[cst.SubscriptElement(slice=cst.Index(value=arg.value))])
        )

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        method = original.attr.value
        if method in _tensor_methods() and ctx.qualname(original) is None and not not_a_tensor(ctx, original.value):
            ctx.seen[f"torch.Tensor.{method}"] += 1
        renamed = _renames().get(original.attr.value)
        if renamed and ctx.qualname(original) is None and not not_a_tensor(ctx, original.value):
            return updated.with_changes(attr=cst.Name(renamed))
        found = _needs_review().get(original.attr.value)
        if found is None or ctx.qualname(original) is not None or not_a_tensor(ctx, original.value):
            return updated
        reason, hint = found
        ctx.flag(updated, f"torch.Tensor.{original.attr.value}", reason, hint)
        return updated


def not_a_tensor(ctx: FileContext, receiver: cst.BaseExpression) -> bool:
    """`self.relu(x)`, `super().relu`, `ms.ops.relu(x)`: a method or module function, no Tensor's."""
    if isinstance(receiver, cst.Call):
        return isinstance(receiver.func, cst.Name) and receiver.func.value == "super"
    root = chain_root(receiver)
    if root is None:
        return False
    if root.value in ("self", "cls") and root is receiver:
        return True
    binding = ctx.lookup(root.value)
    return binding is not None and binding.alias is not None  # reached through an import
