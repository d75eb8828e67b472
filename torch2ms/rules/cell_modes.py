"""Calls on receivers known to be Cells: MindSpore's Cell spells them differently.

`.eval()` without arguments is nn.Module's in torch code; `.train()` is also the name of
many trainers' entry points, so it is rewritten only on receivers known to be Cells: `self`
in a Cell class, a variable the same scope assigned a Cell to (`model = Net()`), or
`self.<attr>` that the class assigned a torch layer or one of the file's Cell classes to.
The same goes for nn.Module methods MindSpore names otherwise (data: cell_methods),
`requires_grad_` (a Cell has none: a loop over its parameters), and indexes into a
CellList from a loop over a tensor (a CellList takes only Python ints).
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext, self_attribute
from torch2ms.convert.cstutil import dotted, keyword
from torch2ms.knowledge import extras
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
                maker = ctx.cell_made_by(small.value)
                if maker is not None:
                    for target in small.targets:
                        ctx.remember_cell(target.target, maker)
        if len(original.body) == 1 and isinstance(original.body[0], cst.Expr):
            return self._requires_grad(ctx, original.body[0].value, updated)
        return updated

    @staticmethod
    def _requires_grad(ctx: FileContext, call: cst.BaseExpression, updated: cst.SimpleStatementLine):
        """`cell.requires_grad_(flag)` -> a loop over its parameters (a Cell has no requires_grad_)."""
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return updated
        if call.func.attr.value != "requires_grad_" or len(call.args) > 1 or not ctx.is_cell(call.func.value):
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
            if len(updated.args) > 1 or not ctx.is_cell(original.func.value):
                return updated
            mode = updated.args[0] if updated.args else cst.Arg(value=cst.Name("True"))
        return updated.with_changes(func=func.with_changes(attr=cst.Name("set_train")), args=[mode])

    @staticmethod
    def _cell_method(ctx: FileContext, original: cst.Call, updated: cst.Call):
        """`module.named_parameters()` -> `module.parameters_and_names()` (data: cell_methods)."""
        entry = extras.cell_methods()[updated.func.attr.value]
        if ctx.qualname(original.func) is not None:
            return updated  # a torch function of that name, not a method
        if entry["receiver"] == "cell" and not _cell_or_part(ctx, original.func.value):
            return updated
        args = [a.with_changes(keyword=cst.Name(entry["rename"][keyword(a)])) if keyword(a) in entry["rename"] else a
                for a in updated.args]
        renamed = updated.with_changes(func=updated.func.with_changes(attr=cst.Name(entry["to"])), args=args)
        form = entry.get("form")
        if form == "items":  # `m.named_children()` -> `m.name_cells().items()`
            return cst.Call(func=cst.Attribute(value=renamed, attr=cst.Name("items")))
        if form == "values":  # `m.modules()` -> `(cell for _, cell in m.cells_and_names())`
            generator = cst.parse_expression("(cell for _, cell in PAIRS)")
            return generator.with_changes(for_in=generator.for_in.with_changes(iter=renamed))
        return renamed


def _cell_or_part(ctx: FileContext, receiver: cst.BaseExpression) -> bool:
    """A Cell, or an attribute of one (`model.backbone`): a tensor attribute has no parameters()
    or children(), so what these methods are called on there is a sub-Cell."""
    while True:
        if ctx.is_cell(receiver):
            return True
        if not isinstance(receiver, cst.Attribute):
            return False
        receiver = receiver.value
