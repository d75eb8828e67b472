"""Tensor methods whose MindSpore form differs by name, or that need a human.

`x.size()` / `x.size(-1)` become `x.shape` / `x.shape[-1]`; a method a correction maps to
another MindSpore method is renamed; a method the Tensor table gives no same-named MindSpore
method (`x.get_device()`) is flagged with the table's hint. Rewrites that need more than a
rename are in method_forms, in_place and pair_results.

The receiver's type is unknown to a source-to-source tool, so methods whose names are
common on other objects (dict.values(), Parameter.requires_grad, ...: data
`common_elsewhere`) are left alone.
"""
from __future__ import annotations

from typing import Dict, Optional, Tuple

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import in_place_of
from torch2ms.convert.results import Reason
from torch2ms.knowledge import extras, tables
from torch2ms.knowledge.lookup import corrections
from torch2ms.knowledge.store import cached
from torch2ms.rules.base import Rule, change, keep


@cached  # derived from the knowledge: the user's rules reach it
def _needs_review() -> Dict[str, Tuple[Reason, Optional[str]]]:
    """Tensor methods the table gives no same-named MindSpore method: name -> (reason, hint)."""
    common = extras.tensor_facts().common_elsewhere
    review = {}
    for api, correction in corrections().items():
        if api.startswith("torch.Tensor.") and correction.flag:
            review[api.rsplit(".", 1)[-1]] = (Reason.MANUAL, correction.flag)
    for row in tables.rows():
        if row.table != "tensor_api":
            continue
        method = row.torch.rsplit(".", 1)[-1]
        if method in common or row.torch in corrections():
            continue
        if row.mindspore is None:
            hint = " or ".join(row.alternatives) if row.alternatives else None
            review[method] = (Reason.NO_COUNTERPART, hint)
        elif row.mindspore.rsplit(".", 1)[-1] != method:
            review[method] = (Reason.MANUAL, f"the table pairs it with {row.mindspore}; check the semantics")
    return review


@cached  # derived from the knowledge: the user's rules reach it
def _tensor_methods() -> frozenset:
    """Method names of the Tensor table that few other objects carry."""
    names = {row.torch.rsplit(".", 1)[-1] for row in tables.rows() if row.table == "tensor_api"}
    return frozenset(names - extras.tensor_facts().common_elsewhere)


@cached  # derived from the knowledge: the user's rules reach it
def _renames() -> Dict[str, str]:
    """Tensor methods a correction maps to another MindSpore method name."""
    return {
        api.rsplit(".", 1)[-1]: entry.target.rsplit(".", 1)[-1]
        for api, entry in corrections().items()
        if api.startswith("torch.Tensor.") and (entry.target or "").startswith("mindspore.Tensor.")
    }


class TensorMethods(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            x = torch.ones(2, 3)
            shape = x.size()
            last = x.size(-1)
            where = x.get_device()
            """,
            """
            from mindspore import mint

            x = mint.ones((2, 3))
            shape = x.shape
            last = x.shape[-1]
            where = x.get_device()  # torch2ms: torch.Tensor.get_device has no MindSpore counterpart (hint: mindspore.context.get_context("device_id"))
            """,
        ),
        keep(
            """
            import torch

            class Stack:
                def size(self):
                    return 0

                def empty(self, table):
                    return self.size() == 0 and list(table.values()), torch.ones(1)
            """,
            """
            from mindspore import mint

            class Stack:
                def size(self):
                    return 0

                def empty(self, table):
                    return self.size() == 0 and list(table.values()), mint.ones(1)
            """,
            note="a method of self is no tensor's; `values` is common on other objects",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        func = updated.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "size"):
            return updated
        if ctx.qualname(original.func) is not None or len(updated.args) > 1 or ctx.not_a_tensor(func.value):
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
        if method in _tensor_methods() and ctx.qualname(original) is None and not ctx.not_a_tensor(original.value):
            ctx.saw(f"torch.Tensor.{method}")
        renamed = _renames().get(original.attr.value)
        if renamed and ctx.qualname(original) is None and not ctx.not_a_tensor(original.value):
            return updated.with_changes(attr=cst.Name(renamed))
        found = _needs_review().get(original.attr.value)
        if found is None or ctx.qualname(original) is not None or ctx.not_a_tensor(original.value):
            return updated
        reason, hint = found
        ctx.flag(updated, f"torch.Tensor.{original.attr.value}", reason, hint)
        return updated
