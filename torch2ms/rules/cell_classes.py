"""Subclasses of torch.nn.Module are Cells: `forward` becomes `construct`.

A class is a Cell when a base is a torch.nn layer class, a library class known to derive
from torch.nn.Module (transformers' PreTrainedModel, ...: the profiles' module bases), or a
class of the same file already known to be a Cell. The base class itself is renamed by the
tables (torch.nn.Module -> mindspore.nn.Cell); the parameter list is never touched.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted
from torch2ms.knowledge import extras, inventory
from torch2ms.rules.base import Rule, change, keep

NOT_LAYERS = {"Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"}
MINDSPORE_CELLS = {"mindspore.nn.Cell", "mindspore.nn.CellList", "mindspore.nn.SequentialCell"}


class CellClasses(Rule):
    EXAMPLES = (
        change(
            """
            import torch.nn as nn

            class Block(nn.Module):
                def forward(self, x):
                    return x * 2

            class Deeper(Block):
                def forward(self, x):
                    return super().forward(x) + self.forward(x)

            class Stack(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.blocks = nn.ModuleList([Block(), Block()])

                def forward(self, x):
                    last = self.blocks[-1]
                    return self.blocks[0].forward(x) + last.forward(x)
            """,
            """
            from mindspore import nn

            class Block(nn.Cell):
                def construct(self, x):
                    return x * 2

            class Deeper(Block):
                def construct(self, x):
                    return super().construct(x) + self.construct(x)

            class Stack(nn.Cell):
                def __init__(self):
                    super().__init__()
                    self.blocks = nn.CellList([Block(), Block()])

                def construct(self, x):
                    last = self.blocks[-1]
                    return self.blocks[0].construct(x) + last.construct(x)
            """,
        ),
        change(
            """
            import torch
            from transformers.modeling_utils import PreTrainedModel

            class Model(PreTrainedModel):
                def forward(self, input_ids):
                    return torch.ones(2) * input_ids
            """,
            """
            from mindspore import mint
            from mindone.transformers.modeling_utils import PreTrainedModel

            class Model(PreTrainedModel):
                def construct(self, input_ids):
                    return mint.ones(2) * input_ids
            """,
            note="a library base known to derive from nn.Module (the transformers profile is on here too)",
        ),
        change(
            """
            import torch
            from ._base import EncoderMixin

            class Encoder(EncoderMixin):
                def __init__(self):
                    super().__init__()
                    self.blocks = torch.nn.ModuleList([torch.nn.ReLU()])

                def forward(self, x):
                    return torch.relu(x)

            class Helper(EncoderMixin):
                def describe(self):
                    return "no forward: not known to be a Module"
            """,
            """
            from mindspore import mint, nn, ops
            from ._base import EncoderMixin

            class Encoder(EncoderMixin):
                def __init__(self):
                    super().__init__()
                    self.blocks = nn.CellList([mint.nn.ReLU()])

                def construct(self, x):
                    return ops.relu(x)

            class Helper(EncoderMixin):
                def describe(self):
                    return "no forward: not known to be a Module"
            """,
            path="pkg/encoders.py",
            note="a base imported from the project's other modules (or another PyTorch library), and a forward(self)",
        ),
        keep(
            """
            import torch

            class Dataset:
                def forward(self, x):
                    return torch.relu(x)
            """,
            """
            from mindspore import ops

            class Dataset:
                def forward(self, x):
                    return ops.relu(x)
            """,
            note="not a Module: forward keeps its name",
        ),
        keep(
            """
            import torch.nn as nn

            class Weight(nn.Parameter):
                def forward(self):
                    return self
            """,
            """
            import mindspore

            class Weight(mindspore.Parameter):
                def forward(self):
                    return self
            """,
            note="a Parameter is no layer",
        ),
    )

    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        bases = [arg.value for arg in node.bases if arg.keyword is None]
        if any(self._is_cell_base(ctx, base) for base in bases):
            ctx.mark_cell_class()
        elif _defines_forward(node) and any(_imported_unseen(ctx, base) for base in bases):
            # a base this file cannot see (the project's other module, another PyTorch library
            # converted too): a class defining forward(self, ...) on it is a Module subclass, and
            # leaving forward would make the base's construct run instead, silently
            ctx.mark_cell_class()

    @staticmethod
    def _is_cell_base(ctx: FileContext, base: cst.BaseExpression) -> bool:
        qualname = ctx.qualname(base)
        if qualname is not None:
            return (
                qualname.startswith("torch.nn.")
                and inventory.torch_kind(qualname) == "class"
                and qualname.rsplit(".", 1)[-1] not in NOT_LAYERS
            )
        path = dotted(base)
        if path is None:
            return False
        if ctx.is_cell_class(path):
            return True
        binding = ctx.lookup(path.split(".")[0])
        if binding is None or binding.qualname is None:
            return False
        full = binding.qualname + path[len(binding.name):]
        # converted code converted again: its classes are Cells already
        return full in MINDSPORE_CELLS or ctx.is_library_cell(full)

    def leave_FunctionDef(self, ctx: FileContext, original: cst.FunctionDef, updated: cst.FunctionDef):
        self._sub_cells.pop()
        cls = ctx.current_class
        if cls is not None and cls.is_cell and ctx.in_class_body and original.name.value == "forward":
            return updated.with_changes(name=cst.Name("construct"))
        return updated

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        if original.attr.value != "forward" or not ctx.inside_cell:
            return updated
        owner = original.value
        is_self = isinstance(owner, cst.Name) and (owner.value == "self" or ctx.is_cell_class(owner.value))
        is_super = isinstance(owner, cst.Call) and dotted(owner.func) == "super"
        if is_self or is_super or ctx.is_cell(owner) or self._from_self(ctx, owner):
            return updated.with_changes(attr=cst.Name("construct"))
        return updated

    def __init__(self) -> None:
        self._sub_cells: list = [set()]  # per function: locals assigned self.<attr> or self.<attr>[i]

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._sub_cells.append(set())

    def visit_Assign(self, ctx: FileContext, node: cst.Assign) -> None:
        """`down = self.downsamp_modules[i - 1]` in a Cell: `down.forward(y)` calls a submodule."""
        if ctx.inside_cell and len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            value = node.value
            while isinstance(value, (cst.Subscript, cst.Attribute)):
                value = value.value
            if isinstance(value, cst.Name) and value.value == "self" and node.value is not value:
                self._sub_cells[-1].add(node.targets[0].target.value)

    def _from_self(self, ctx: FileContext, owner: cst.BaseExpression) -> bool:
        """`self.blocks[i].forward(x)`, or a local that holds one: a submodule's forward."""
        if isinstance(owner, cst.Name):
            return owner.value in self._sub_cells[-1]
        while isinstance(owner, (cst.Subscript, cst.Attribute)):
            owner = owner.value
        return isinstance(owner, cst.Name) and owner.value == "self"


def _defines_forward(node: cst.ClassDef) -> bool:
    """An instance method `forward(self, ...)` (or `construct`) in the class body (not a static
    one, as torch.autograd.Function's `forward(ctx, ...)`)."""
    for stmt in node.body.body:
        # construct: the same class converted already (a second pass must see the same Cell)
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value in ("forward", "construct") and not stmt.decorators:
            params = stmt.params.params
            return bool(params) and params[0].name.value == "self"
    return False


def _imported_unseen(ctx: FileContext, base: cst.BaseExpression) -> bool:
    """A base bound by an import of the project's own modules or of a PyTorch library."""
    path = dotted(base)
    binding = ctx.lookup(path.split(".")[0]) if path else None
    if binding is None or binding.qualname is None or binding.is_torch:
        return False
    full = binding.qualname + path[len(binding.name):]
    return ctx.is_own_module(full) or extras.torch_library(full.lstrip(".")) is not None
