"""A SequentialCell runs the cells it holds after `add_module` and attribute assignments too.

torch's nn.Sequential runs every module registered on it, however it got there: the
constructor's arguments, `seq.add_module(name, m)`, or `self.norm = BatchNorm2d(...)` in a
subclass's `__init__` (torchvision's DenseNet and RegNet build their stages that way). MindSpore's
SequentialCell registers them as well (keeping torch's names, so weights load by name), but runs
only its `cell_list`, which those two ways leave behind. So after such an `add_module` the list
is refreshed (`seq.cell_list = list(seq.cells())`), and so it is at the end of the `__init__` of
a subclass that assigns cells to itself.
"""
from __future__ import annotations

from typing import List, Set

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted
from torch2ms.rules.base import Rule, change, keep

_SEQUENTIAL = "torch.nn.Sequential"
_ADDERS = {"add_module", "register_module", "insert_child_to_cell"}


def _refresh(receiver: cst.BaseExpression) -> cst.SimpleStatementLine:
    code = cst.Module([]).code_for_node(receiver)
    return cst.parse_statement(f"{code}.cell_list = list({code}.cells())\n")


class SequentialCells(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn

            class Transition(nn.Sequential):
                def __init__(self, width):
                    super().__init__()
                    self.norm = nn.BatchNorm1d(width)
                    self.act = nn.ReLU()

            torch.manual_seed(0)
            features = nn.Sequential(nn.Linear(3, 4))
            features.add_module("transition", Transition(4))
            features.eval()
            x = torch.tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])
            out = features(x)
            names = [name for name, _ in features.named_modules()]
            """,
            """
            import mindspore
            from mindspore import mint, nn

            class Transition(nn.SequentialCell):
                def __init__(self, width):
                    super().__init__()
                    self.norm = mint.nn.BatchNorm1d(width)
                    self.act = mint.nn.ReLU()
                    self.cell_list = list(self.cells())

            mindspore.manual_seed(0)
            features = nn.SequentialCell(mint.nn.Linear(3, 4)).set_train(True)
            features.insert_child_to_cell("transition", Transition(4).set_train(True))
            features.cell_list = list(features.cells())
            features.set_train(False)
            x = mindspore.Tensor([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]])
            out = features(x)
            names = [name for name, _ in features.cells_and_names()]
            """,
            run=("names",),
            note="the cells added later run too, under torch's names",
        ),
        keep(
            """
            import torch.nn as nn

            class Head(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.add_module("fc", nn.Linear(2, 2))
            """,
            """
            from mindspore import mint, nn

            class Head(nn.Cell):
                def __init__(self):
                    super().__init__()
                    self.insert_child_to_cell("fc", mint.nn.Linear(2, 2))
            """,
            note="a plain Cell runs what its construct says: nothing to refresh",
        ),
    )

    def __init__(self) -> None:
        self._sequential: Set[str] = set()  # the file's classes that derive from nn.Sequential
        self._inits: List[bool] = []  # per class being walked: is it a Sequential subclass

    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        is_sequential = any(ctx.qualname(b.value) == _SEQUENTIAL or dotted(b.value) in self._sequential
                            for b in node.bases if b.keyword is None)
        if is_sequential:
            self._sequential.add(node.name.value)
        self._inits.append(is_sequential)

    def leave_ClassDef(self, ctx: FileContext, original, updated):
        self._inits.pop()
        return updated

    def _is_sequential(self, ctx: FileContext, receiver: cst.BaseExpression) -> bool:
        maker = ctx.cell_maker(receiver)
        return maker == _SEQUENTIAL or maker in self._sequential

    def leave_FunctionDef(self, ctx: FileContext, original: cst.FunctionDef, updated: cst.FunctionDef):
        if not (self._inits and self._inits[-1] and ctx.in_class_body and original.name.value == "__init__"):
            return updated
        if not isinstance(updated.body, cst.IndentedBlock) or not _adds_cells(original.body):
            return updated
        body = list(updated.body.body)
        if body and isinstance(body[-1], cst.SimpleStatementLine) and \
                cst.Module([]).code_for_node(body[-1]).strip().startswith("self.cell_list ="):
            return updated  # converted code converted again
        body.append(_refresh(cst.Name("self")))
        return updated.with_changes(body=updated.body.with_changes(body=body))

    def leave_SimpleStatementLine(self, ctx: FileContext, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine):
        if len(original.body) != 1 or not isinstance(original.body[0], cst.Expr):
            return updated
        call = original.body[0].value
        if not (isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute)
                and call.func.attr.value in _ADDERS and dotted(call.func.value) is not None):
            return updated
        receiver = call.func.value
        if (isinstance(receiver, cst.Name) and receiver.value == "self") or not self._is_sequential(ctx, receiver):
            return updated  # `self` in a Sequential subclass: its __init__ refreshes at the end
        return cst.FlattenSentinel([updated, _refresh(receiver)])


def _adds_cells(block: cst.BaseSuite) -> bool:
    """Does an __init__ body assign attributes of self or add modules to it (outside nested defs)?"""
    stack = list(block.body) if isinstance(block, cst.IndentedBlock) else [block]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Attribute) and \
                dotted(node.target.value) == "self":
            return True
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and \
                node.func.attr.value in _ADDERS and dotted(node.func.value) == "self":
            return True
        stack.extend(node.children)
    return False
