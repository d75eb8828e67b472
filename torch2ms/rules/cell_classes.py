"""Subclasses of torch.nn.Module are Cells: `forward` becomes `construct`.

    class Block(nn.Module):                  class Block(nn.Cell):
        def forward(self, x):          ->        def construct(self, x):
            return super().forward(x)                return super().construct(x)

A class is a Cell when a base is a torch.nn layer class, a library class known to
derive from torch.nn.Module (transformers' PreTrainedModel, ...; data/module_bases.json),
or a class of the same file already known to be a Cell. The base class itself is renamed by the tables
(torch.nn.Module -> mindspore.nn.Cell); the parameter list is never touched.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.knowledge import inventory
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted

NOT_LAYERS = {"Parameter", "UninitializedParameter", "UninitializedBuffer", "Buffer"}
MINDSPORE_CELLS = {"mindspore.nn.Cell", "mindspore.nn.CellList", "mindspore.nn.SequentialCell"}


class CellClasses:
    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        if any(self._is_cell_base(ctx, arg.value) for arg in node.bases if arg.keyword is None):
            ctx.current_class.is_cell = True
            ctx.cell_classes.add(node.name.value)

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
        if path in ctx.cell_classes:
            return True
        binding = ctx.lookup(path.split(".")[0])
        if binding is None or binding.qualname is None:
            return False
        full = binding.qualname + path[len(binding.name):]
        # converted code converted again: its classes are Cells already
        return full in MINDSPORE_CELLS or inventory.is_library_module_class(full)

    def leave_FunctionDef(self, ctx: FileContext, original: cst.FunctionDef, updated: cst.FunctionDef):
        cls = ctx.current_class
        in_class_body = ctx.scope.parent is not None and ctx.scope.parent.kind == "class"
        if cls is not None and cls.is_cell and in_class_body and original.name.value == "forward":
            return updated.with_changes(name=cst.Name("construct"))
        return updated

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        if original.attr.value != "forward" or not self._inside_cell(ctx):
            return updated
        owner = original.value
        is_self = isinstance(owner, cst.Name) and (owner.value == "self" or owner.value in ctx.cell_classes)
        is_super = isinstance(owner, cst.Call) and dotted(owner.func) == "super"
        if is_self or is_super:
            return updated.with_changes(attr=cst.Name("construct"))
        return updated

    @staticmethod
    def _inside_cell(ctx: FileContext) -> bool:
        return any(cls.is_cell for cls in ctx.classes)
