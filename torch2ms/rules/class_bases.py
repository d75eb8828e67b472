"""A torch base class with no MindSpore counterpart leaves the class's bases (the class stays).

`class ImageDataset(torch.utils.data.Dataset)` runs when the module is imported, so a base
that still names torch would make the whole file need torch. The base goes (the class derives
from what else it named, or from object), and the class line is flagged with what it lost:
code that relied on the base's behaviour fails where it uses it, not at import.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import iter_names
from torch2ms.convert.results import Reason
from torch2ms.rules.base import Rule, change, keep


def _still_torch(ctx: FileContext, expr: cst.BaseExpression) -> bool:
    for name in iter_names(expr):
        entry = ctx.use_of.get(id(name))
        if entry is not None and entry[1].is_torch:
            return True
    return False


class ClassBases(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            class Squares(torch.utils.data.Dataset):
                def __len__(self):
                    return 3

                def __getitem__(self, i):
                    return i * i

            items = [Squares()[i] for i in range(len(Squares()))]
            """,
            """

            class Squares:  # torch2ms: torch.utils.data.Dataset needs a manual rewrite (hint: no MindSpore counterpart: the class no longer derives from it; mindspore.dataset.GeneratorDataset takes any object with __getitem__ and __len__)
                def __len__(self):
                    return 3

                def __getitem__(self, i):
                    return i * i

            items = [Squares()[i] for i in range(len(Squares()))]
            """,
            run=("items",),
        ),
        keep(
            """
            import torch.nn as nn

            class Block(nn.Module):
                pass
            """,
            """
            from mindspore import nn

            class Block(nn.Cell):
                pass
            """,
            note="a base with a MindSpore counterpart is renamed by the other rules",
        ),
    )

    def leave_ClassDef(self, ctx: FileContext, original: cst.ClassDef, updated: cst.ClassDef):
        kept, lost = [], []
        for old, new in zip(original.bases, updated.bases):
            if new.keyword is None and not new.star and _still_torch(ctx, new.value):
                lost.append((old, new))
            else:
                kept.append(new)
        if not lost:
            return updated
        for old, new in lost:
            ctx.discard(new)
            ctx.withdraw_flags_in(new)
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        node = updated.with_changes(bases=kept)
        if not kept and not updated.keywords:
            node = node.with_changes(lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT)
        for old, _ in lost:
            api = ctx.qualname(old.value) or cst.Module([]).code_for_node(old.value)
            hint = "no MindSpore counterpart: the class no longer derives from it"
            if api.startswith("torch.utils.data."):
                hint += "; mindspore.dataset.GeneratorDataset takes any object with __getitem__ and __len__"
            ctx.flag(node.name, api, Reason.MANUAL, hint)
        return node
