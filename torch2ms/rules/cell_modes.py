"""Calls on receivers known to be Cells: MindSpore's Cell spells them differently.

    model.eval()          ->  model.set_train(False)
    self.train(mode)      ->  self.set_train(mode)      (receiver known to be a Cell)
    module.named_parameters()          ->  module.parameters_and_names()   (data: cell_methods;
    model.parameters()                 ->  model.get_parameters()          `parameters` on Cells only)
    self.embed.requires_grad_(False)   ->  for param in self.embed.get_parameters():
                                               param.requires_grad = False

    for idx in expert_hit: self.experts[idx]   ->  self.experts[int(idx)]
                              (a CellList takes only ints; torch's ModuleList takes the
                              one-element tensors a loop over a tensor yields)

    model = Net(cfg)       ->  model = Net(cfg).set_train(True)     outside a Cell class only: a new
    drop = nn.Dropout(0.5) ->  drop = mint.nn.Dropout(0.5).set_train(True)   torch Module trains, a
                              new MindSpore Cell does not (the file's Cells and torch layers whose
                              result depends on the flag; submodules follow their parent's set_train)

A receiver is known to be a Cell when it is `self` in a Cell class, a variable the same
scope assigned a Cell to (`model = Net()`), or `self.<attr>` that the class assigned a
torch layer or one of the file's Cell classes to (`self.embed = nn.Embedding(...)`).

`.eval()` without arguments is nn.Module's in torch code; `.train()` is also the name of
many trainers' entry points, so it is rewritten only on `self` inside a Cell or on a
variable the same scope assigned a Cell to (`model = Net()`).
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from torch2ms.knowledge import inventory, lookup as mapping
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted
from torch2ms.convert.cstutil import keyword


# containers indexed by position: MindSpore's CellList/SequentialCell take only Python ints
_INDEXED_BY_INT = {"torch.nn.ModuleList", "torch.nn.Sequential"}
# loops over these yield Python values already
_PYTHON_ITERABLES = {"range", "enumerate", "zip", "reversed", "sorted", "list", "tuple", "len"}


def _self_attribute(node: cst.BaseExpression) -> Optional[str]:
    """`self.embed` -> "embed"; anything else -> None."""
    path = dotted(node)
    if path is None or not path.startswith("self.") or path.count(".") != 1:
        return None
    return path[5:]


class CellModes:
    def __init__(self) -> None:
        self._loop_vars: list = [set()]  # per function: names a loop over something else binds

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._loop_vars.append(set())

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        self._loop_vars.pop()
        return updated

    def visit_For(self, ctx: FileContext, node: cst.For) -> None:
        """`for idx in expert_hit`: idx may be a tensor (a loop over range/enumerate/a literal is not)."""
        source = node.iter
        if isinstance(source, (cst.List, cst.Tuple, cst.Set, cst.SimpleString)):
            return
        if isinstance(source, cst.Call) and dotted(source.func) in _PYTHON_ITERABLES:
            return
        if isinstance(node.target, cst.Name):
            self._loop_vars[-1].add(node.target.value)

    def leave_SimpleStatementLine(self, ctx: FileContext, original: cst.SimpleStatementLine, updated):
        for small in original.body:
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                maker = self._makes_cell(ctx, small.value)
                if maker is not None:
                    self._remember(ctx, small.targets, maker)
        if len(original.body) == 1 and isinstance(original.body[0], cst.Expr):
            return self._requires_grad(ctx, original.body[0].value, updated)
        return updated

    @staticmethod
    def _remember(ctx: FileContext, targets, maker: str) -> None:
        for target in targets:
            target = target.target
            if isinstance(target, cst.Name):
                binding = ctx.scope.names.get(target.value)
                if binding is not None:
                    binding.holds_cell = True
            elif _self_attribute(target) is not None:
                cls = ctx.current_class
                if cls is not None and cls.is_cell:
                    cls.cell_attrs[_self_attribute(target)] = maker

    @staticmethod
    def _makes_cell(ctx: FileContext, call: cst.Call):
        """What made the Cell this call builds (a torch qualname or a Cell class of the file), or None."""
        qualname = ctx.qualname(call.func)
        if qualname is not None:
            is_layer = qualname.startswith("torch.nn.") and inventory.torch_kind(qualname) == "class"
            return qualname if is_layer else None
        name = dotted(call.func)
        return name if name in ctx.cell_classes else None

    def _requires_grad(self, ctx: FileContext, call: cst.BaseExpression, updated: cst.SimpleStatementLine):
        """`cell.requires_grad_(flag)` -> a loop over its parameters (a Cell has no requires_grad_)."""
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return updated
        if call.func.attr.value != "requires_grad_" or len(call.args) > 1 or not self._is_cell(ctx, call.func.value):
            return updated
        if call.args and (call.args[0].star or keyword(call.args[0]) not in (None, "requires_grad")):
            return updated
        new_call = updated.body[0].value
        flag = new_call.args[0].value if new_call.args else cst.Name("True")
        loop = cst.parse_statement("for param in CELL.get_parameters():\n    param.requires_grad = FLAG\n")
        loop = loop.deep_replace(loop.iter.func.value, new_call.func.value)
        loop = loop.deep_replace(loop.body.body[0].body[0].value, flag)
        return loop.with_changes(leading_lines=updated.leading_lines)

    def leave_Subscript(self, ctx: FileContext, original: cst.Subscript, updated: cst.Subscript):
        """`self.experts[idx]` on a CellList, idx from a loop over a tensor: the index goes through int()."""
        cls, attr = ctx.current_class, _self_attribute(original.value)
        if cls is None or attr is None:
            return updated
        if cls.cell_attrs.get(attr) not in _INDEXED_BY_INT or len(updated.slice) != 1:
            return updated
        index = updated.slice[0].slice
        if not isinstance(index, cst.Index) or not isinstance(index.value, cst.Name):
            return updated
        if index.value.value not in self._loop_vars[-1]:
            return updated
        wrapped = cst.Call(func=cst.Name("int"), args=[cst.Arg(value=index.value)])
        return updated.with_changes(slice=[updated.slice[0].with_changes(slice=index.with_changes(value=wrapped))])

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        func = updated.func
        if isinstance(func, cst.Attribute) and func.attr.value in mapping.cell_methods():
            return self._cell_method(ctx, original, updated)
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

    def _cell_method(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        """`module.named_parameters()` -> `module.parameters_and_names()` (data: cell_methods)."""
        entry = mapping.cell_methods()[updated.func.attr.value]
        if ctx.qualname(original.func) is not None:
            return updated  # a torch function of that name, not a method
        if entry["receiver"] == "cell" and not self._is_cell(ctx, original.func.value):
            return updated
        args = [a.with_changes(keyword=cst.Name(entry["rename"][keyword(a)])) if keyword(a) in entry["rename"] else a
                for a in updated.args]
        return updated.with_changes(func=updated.func.with_changes(attr=cst.Name(entry["to"])), args=args)

    @staticmethod
    def _is_cell(ctx: FileContext, receiver: cst.BaseExpression) -> bool:
        cls, attr = ctx.current_class, _self_attribute(receiver)
        if attr is not None and cls is not None:
            return attr in cls.cell_attrs
        if isinstance(receiver, cst.Name):
            if receiver.value == "self":
                return any(cls.is_cell for cls in ctx.classes)
            binding = ctx.lookup(receiver.value)
            return binding is not None and binding.holds_cell
        return False


class TrainingFromTheStart:
    """`Net()` outside a Cell -> `Net().set_train(True)`. It wraps the finished call, so it runs
    after every other rule (they rewrite the call's own arguments, not the wrapper's)."""

    def __init__(self) -> None:
        self._moded: set = set()  # ids of calls whose mode the code sets itself (`Net().eval()`)

    def visit_Attribute(self, ctx: FileContext, node: cst.Attribute) -> None:
        if node.attr.value in ("set_train", "eval", "train") and isinstance(node.value, cst.Call):
            self._moded.add(id(node.value))

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if id(original) in self._moded or any(cls.is_cell for cls in ctx.classes):
            return updated
        maker = CellModes._makes_cell(ctx, original)
        if maker is None or (maker.startswith("torch.") and maker not in mapping.mode_dependent_layers()):
            return updated
        set_train = cst.Attribute(value=updated, attr=cst.Name("set_train"))
        return cst.Call(func=set_train, args=[cst.Arg(value=cst.Name("True"))])
