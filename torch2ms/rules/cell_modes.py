"""Calls on receivers known to be Cells: MindSpore's Cell spells them differently.

`.eval()` without arguments is nn.Module's in torch code; `.train()` is also the name of
many trainers' entry points, so it is rewritten only on receivers known to be Cells: `self`
in a Cell class, a variable the same scope assigned a Cell to (`model = Net()`),
`self.<attr>` that the class assigned a torch layer or one of the file's Cell classes to, a
parameter annotated as a module (`module: torch.nn.Module`), or a parameter of a module-level
function that every call in the file passes a new layer (`zero_module(nn.Conv2d(...))`).
The same goes for nn.Module methods MindSpore names otherwise (data: cell_methods),
`requires_grad_` (a Cell has none: a loop over its parameters), and indexes into a
CellList from a loop over a tensor (a CellList takes only Python ints).
"""
from __future__ import annotations

from typing import Dict, Set, Tuple

import libcst as cst

from torch2ms.convert.context import FileContext, self_attribute
from torch2ms.convert.cstutil import code_children, dotted, in_place_of, keyword
from torch2ms.knowledge import extras, inventory
from torch2ms.rules.base import Rule, change, keep

# containers indexed by position: MindSpore's CellList/SequentialCell take only Python ints
_INDEXED_BY_INT = {"torch.nn.ModuleList", "torch.nn.Sequential"}
# loops over these yield Python values already
_PYTHON_ITERABLES = {"range", "enumerate", "zip", "reversed", "sorted", "list", "tuple", "len"}


class CellModes(Rule):
    EXAMPLES = (
        change(
            """
            import torch.nn as nn

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.embed = nn.Embedding(10, 4)
                    self.embed.requires_grad_(False)

                def freeze(self, mode):
                    self.train(mode)

            model = Net()
            model.eval()
            for name, p in model.named_parameters(prefix="net"):
                print(name)
            model.add_module("head", nn.Linear(4, 2))
            kinds = [type(m).__name__ for m in model.modules()]
            layers = [m for m in model.modules() if isinstance(m, nn.Embedding)]
            names = [name for name, _ in model.named_children()]
            """,
            """
            from mindspore import mint, nn

            class Net(nn.Cell):
                def __init__(self):
                    super().__init__()
                    self.embed = mint.nn.Embedding(10, 4)
                    for param in self.embed.get_parameters():
                        param.requires_grad = False

                def freeze(self, mode):
                    self.set_train(mode)

            model = Net().set_train(True)
            model.set_train(False)
            for name, p in model.parameters_and_names(name_prefix="net"):
                print(name)
            model.insert_child_to_cell("head", mint.nn.Linear(4, 2))
            kinds = [type(m).__name__ for m in (cell for _, cell in model.cells_and_names())]
            layers = [m for m in (cell for _, cell in model.cells_and_names()) if isinstance(m, mint.nn.Embedding)]
            names = [name for name, _ in model.name_cells().items()]
            """,
            run=("kinds",),
        ),
        change(
            """
            import torch.nn as nn

            class Experts(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.experts = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])

                def forward(self, x, hit):
                    for idx in hit:
                        x = self.experts[idx](x)
                    for i in range(2):
                        x = self.experts[i](x)
                    return x
            """,
            """
            from mindspore import mint, nn

            class Experts(nn.Cell):
                def __init__(self):
                    super().__init__()
                    self.experts = nn.CellList([mint.nn.Linear(4, 4) for _ in range(2)])

                def construct(self, x, hit):
                    for idx in hit:
                        x = self.experts[int(idx)](x)
                    for i in range(2):
                        x = self.experts[i](x)
                    return x
            """,
            note="a loop over a tensor yields tensors; a loop over range() yields ints",
        ),
        change(
            """
            import torch
            from torch import nn


            def zero_module(module):
                for p in module.parameters():
                    nn.init.zeros_(p)
                return module


            def count(module: nn.Module):
                return sum(p.numel() for p in module.parameters())


            conv = zero_module(nn.Conv2d(2, 2, 1))
            out = conv(torch.ones(1, 2, 3, 3))
            size = count(nn.Linear(2, 3))
            """,
            """
            from mindspore import mint, nn
            from mindspore.common import initializer as init


            def zero_module(module):
                for p in module.get_parameters():
                    p.set_data(init.initializer(init.Zero(), p.shape, p.dtype))
                return module


            def count(module: nn.Cell):
                return sum(p.numel() for p in module.get_parameters())


            conv = zero_module(mint.nn.Conv2d(2, 2, 1))
            out = conv(mint.ones((1, 2, 3, 3)))
            size = count(mint.nn.Linear(2, 3))
            """,
            run=("out", "size"),
            note="every call of zero_module passes a new layer; count's parameter is annotated as a module",
        ),
        keep(
            """
            def fit(trainer, data):
                trainer.train(data)
                trainer.parameters()
            """,
            note="`.train()` and `.parameters()` on something not known to be a Cell stay",
        ),
    )

    def __init__(self) -> None:
        self._loop_vars: list = [set()]  # per function: names a loop over something else binds
        self._functions: list = []  # the functions being walked: (name, is module-level, module-typed params)
        self._passed_cells = None  # module-level function -> parameters every call passes a new layer

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._loop_vars.append(set())
        typed = {p.name.value for p in node.params.params if p.annotation is not None
                 and _names_a_module(ctx, p.annotation.annotation)}
        self._functions.append((node.name.value, not self._functions and ctx.current_class is None, typed))

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        self._loop_vars.pop()
        self._functions.pop()
        return updated

    def _is_cell(self, ctx: FileContext, receiver: cst.BaseExpression) -> bool:
        """ctx.is_cell, or a parameter of the function being walked known to hold a module."""
        if ctx.is_cell(receiver):
            return True
        if not isinstance(receiver, cst.Name) or not self._functions:
            return False
        name, top_level, typed = self._functions[-1]
        binding = ctx.lookup(receiver.value)
        if binding is None or binding.qualname is not None:
            return False
        if receiver.value in typed:
            return True
        if self._passed_cells is None:
            self._passed_cells = _parameters_passed_cells(ctx)
        return top_level and receiver.value in self._passed_cells.get(name, ())

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
                maker = ctx.cell_made_by(small.value)
                if maker is not None:
                    for target in small.targets:
                        ctx.remember_cell(target.target, maker)
        if len(original.body) == 1 and isinstance(original.body[0], cst.Expr):
            return self._requires_grad(ctx, original.body[0].value, updated)
        return updated

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
        cls, attr = ctx.current_class, self_attribute(original.value)
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
        if isinstance(func, cst.Attribute) and func.attr.value in extras.cell_methods():
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
        entry = extras.cell_methods()[updated.func.attr.value]
        if ctx.qualname(original.func) is not None:
            return updated  # a torch function of that name, not a method
        if entry["receiver"] == "cell" and not (self._is_cell(ctx, original.func.value)
                                               or _cell_or_part(ctx, original.func.value)):
            return updated
        args = [a.with_changes(keyword=cst.Name(entry["rename"][keyword(a)])) if keyword(a) in entry["rename"] else a
                for a in updated.args]
        call = updated.with_changes(func=updated.func.with_changes(attr=cst.Name(entry["to"])), args=args)
        if entry.get("then"):  # `m.name_cells().items()`
            call = cst.Call(func=cst.Attribute(value=call, attr=cst.Name(entry["then"])))
        if entry.get("pick") == "values":  # `(cell for _, cell in m.cells_and_names())`
            pair = cst.Tuple([cst.Element(cst.Name("_")), cst.Element(cst.Name("cell"))], lpar=[], rpar=[])
            call = cst.GeneratorExp(elt=cst.Name("cell"), for_in=cst.CompFor(target=pair, iter=call))
        return in_place_of(updated, call)


def _names_a_module(ctx: FileContext, annotation: cst.BaseExpression) -> bool:
    """`torch.nn.Module`, a torch layer class, or one of the file's Cell classes."""
    qualname = ctx.qualname(annotation)
    if qualname is not None:
        return qualname == "torch.nn.Module" or (qualname.startswith("torch.nn.")
                                                 and inventory.torch_kind(qualname) == "class")
    name = dotted(annotation)
    return name is not None and ctx.is_cell_class(name)


def _parameters_passed_cells(ctx: FileContext) -> Dict[str, Set[str]]:
    """Module-level function -> the parameters that every call of it in the file passes a new layer
    (`zero_module(nn.Conv2d(...))`), or a name the calling function assigned one to
    (`block = nn.Conv2d(...); block = zero_module(block)`), by position or keyword."""
    functions = {s.name.value: [p.name.value for p in s.params.params]
                 for s in ctx.module.body if isinstance(s, cst.FunctionDef)}
    passed: Dict[Tuple[str, str], bool] = {}

    def is_layer(value: cst.BaseExpression, layers: Set[str]) -> bool:
        if isinstance(value, cst.Name):
            return value.value in layers
        return isinstance(value, cst.Call) and ctx.cell_made_by(value) is not None

    def walk(node: cst.CSTNode, layers: Set[str]) -> None:
        if isinstance(node, cst.FunctionDef):
            layers = set()  # names this function assigned a new layer to
        if isinstance(node, cst.Assign) and is_layer(node.value, layers):
            layers.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in functions:
            params = functions[node.func.value]
            for i, arg in enumerate(node.args):
                if arg.star:
                    break
                name = keyword(arg) or (params[i] if i < len(params) else None)
                if name is not None:
                    key = (node.func.value, name)
                    passed[key] = passed.get(key, True) and is_layer(arg.value, layers)
        for child in code_children(node):
            walk(child, layers)

    walk(ctx.module, set())
    out: Dict[str, Set[str]] = {}
    for (function, name), always in passed.items():
        if always:
            out.setdefault(function, set()).add(name)
    return out


def _cell_or_part(ctx: FileContext, receiver: cst.BaseExpression) -> bool:
    """A Cell, or an attribute of one (`model.backbone`): a tensor attribute has no parameters()
    or children(), so what these methods are called on there is a sub-Cell."""
    while True:
        if ctx.is_cell(receiver):
            return True
        if not isinstance(receiver, cst.Attribute):
            return False
        receiver = receiver.value
