"""Train/eval switches: a MindSpore Cell has `set_train`, not `train`/`eval`.

    model.eval()          ->  model.set_train(False)
    self.train(mode)      ->  self.set_train(mode)      (receiver known to be a Cell)

`.eval()` without arguments is nn.Module's in torch code; `.train()` is also the name of
many trainers' entry points, so it is rewritten only on `self` inside a Cell or on a
variable the same scope assigned a Cell to (`model = Net()`).
"""
from __future__ import annotations

import libcst as cst

from torch2ms import inventory
from torch2ms.context import FileContext
from torch2ms.names import dotted


class CellModes:
    def leave_SimpleStatementLine(self, ctx: FileContext, original: cst.SimpleStatementLine, updated):
        for small in original.body:
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) and self._makes_cell(ctx, small.value):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        binding = ctx.scope.names.get(target.target.value)
                        if binding is not None:
                            binding.holds_cell = True
        return updated

    @staticmethod
    def _makes_cell(ctx: FileContext, call: cst.Call) -> bool:
        qualname = ctx.qualname(call.func)
        if qualname is not None:
            return qualname.startswith("torch.nn.") and inventory.torch_kind(qualname) == "class"
        return dotted(call.func) in ctx.cell_classes

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        func = updated.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ("eval", "train"):
            return updated
        if func.attr.value == "eval":
            if updated.args:
                return updated
            mode = cst.Arg(value=cst.Name("False"))
        else:
            if len(updated.args) > 1 or not self._is_cell(ctx, original.func.value):
                return updated
            mode = updated.args[0] if updated.args else cst.Arg(value=cst.Name("True"))
        return updated.with_changes(func=func.with_changes(attr=cst.Name("set_train")), args=[mode])

    @staticmethod
    def _is_cell(ctx: FileContext, receiver: cst.BaseExpression) -> bool:
        if isinstance(receiver, cst.Name):
            if receiver.value == "self":
                return any(cls.is_cell for cls in ctx.classes)
            binding = ctx.lookup(receiver.value)
            return binding is not None and binding.holds_cell
        return False
