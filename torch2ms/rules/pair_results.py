"""`.values` / `.indices` of a (values, indices) result become `[0]` / `[1]`.

torch's max/min/sort/topk/median/kthvalue/cummax/cummin return a named tuple; MindSpore's
return a plain tuple (data: tensor_methods.json `pair_results`). max/min/median/cummax/cummin
without a dim return one tensor, so they are left alone then.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import in_place_of, keyword
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep

FIELDS = {"values": "0", "indices": "1"}


class PairResults(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            x = torch.tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
            best = x.max(1).values
            order = torch.sort(x, dim=1).indices
            ranked = torch.sort(x, dim=1)
            top_values, top_indices = ranked.values, ranked.indices
            """,
            """
            import mindspore
            from mindspore import mint

            x = mindspore.Tensor([[1.0, 5.0, 3.0], [4.0, 2.0, 6.0]])
            best = x.max(1)[0]
            order = mint.sort(x, dim=1)[1]
            ranked = mint.sort(x, dim=1)
            top_values, top_indices = ranked[0], ranked[1]
            """,
            run=("best", "order", "top_values", "top_indices"),
        ),
        keep(
            """
            import torch

            x = torch.ones(3)
            top = x.max()
            table = {"a": 1}
            listed = list(table.values())
            """,
            """
            from mindspore import mint

            x = mint.ones(3)
            top = x.max()
            table = {"a": 1}
            listed = list(table.values())
            """,
            note="max() without a dim is one tensor; dict.values() is no pair",
        ),
    )

    def __init__(self) -> None:
        self._pairs: set = set()  # ids of the bindings of names last assigned a pair result

    def leave_SimpleStatementLine(self, ctx: FileContext, original: cst.SimpleStatementLine, updated):
        """`best = x.max(dim=-1)`: `best.values` later is `best[0]` (until best is assigned again)."""
        for small in original.body:
            if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                continue
            target = small.targets[0].target
            if not isinstance(target, cst.Name):
                continue
            binding = ctx.lookup(target.value)
            if binding is None:
                continue
            if isinstance(small.value, cst.Call) and self._pair_call(ctx, small.value):
                self._pairs.add(id(binding))
            else:
                self._pairs.discard(id(binding))
        return updated

    def _pair_call(self, ctx: FileContext, node: cst.Call) -> bool:
        qualname = ctx.qualname(node.func)
        if qualname is not None:
            name = qualname[len("torch."):] if qualname.startswith("torch.") else None
            receiver_args = 1
        elif isinstance(node.func, cst.Attribute) and not ctx.not_a_tensor(node.func.value):
            name, receiver_args = node.func.attr.value, 0
        else:
            return False
        pair = extras.tensor_facts().pair_results.get(name)
        return pair is not None and (not pair.get("needs_dim") or _has_dim(node, receiver_args))

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        index = FIELDS.get(original.attr.value)
        node = original.value
        if index is not None and isinstance(node, cst.Name) and isinstance(updated.value, cst.Name):
            binding = ctx.lookup(node.value)
            if binding is not None and id(binding) in self._pairs:
                element = cst.SubscriptElement(slice=cst.Index(value=cst.Integer(index)))
                return in_place_of(updated, cst.Subscript(value=updated.value, slice=[element]))
            return updated
        if index is None or not isinstance(node, cst.Call) or not isinstance(updated.value, cst.Call):
            return updated
        qualname = ctx.qualname(node.func)
        if qualname is not None:
            name = qualname[len("torch."):] if qualname.startswith("torch.") else None
            receiver_args = 1  # torch.max(x, 1): the tensor is the first argument
        elif isinstance(node.func, cst.Attribute) and not ctx.not_a_tensor(node.func.value):
            name, receiver_args = node.func.attr.value, 0
        else:
            return updated
        pair = extras.tensor_facts().pair_results.get(name)
        if pair is None:
            return updated
        if pair.get("needs_dim") and not _has_dim(node, receiver_args):
            return updated
        element = cst.SubscriptElement(slice=cst.Index(value=cst.Integer(index)))
        return in_place_of(updated, cst.Subscript(value=updated.value, slice=[element]))


def _has_dim(node: cst.Call, receiver_args: int) -> bool:
    return any(keyword(a) == "dim" or (a.keyword is None and i >= receiver_args)
               for i, a in enumerate(node.args))
