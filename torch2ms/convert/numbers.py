"""Which names of a function surely hold a plain number (int or float)?

An argument MindSpore takes only as a float (interpolate's scale_factor) can be passed as
`float(name)` when the name cannot hold anything else; otherwise it stays flagged. Sure means:
* a parameter annotated `int` / `float`;
* a name every binding of which in the function is a numeric expression (number literals,
  arithmetic and conditional expressions of them and of names already known to be numbers),
  `scale = 4 if deep else 2`;
* a parameter with a number as default that the function orders against a number
  (`if upsampling > 1`): a tuple or None there raises in Python, so torch's code only runs
  with a number in it, and no other binding of the name gives anything else.
Only the function's own statements count (nested functions and classes bind their own names).
"""
from __future__ import annotations

from typing import Dict, List, Set

import libcst as cst

from torch2ms.convert.cstutil import dotted

_ORDER = (cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual)
_UNKNOWN = object()  # a binding whose value cannot be read (a loop target, an import, unpacking)


def is_number(node: cst.BaseExpression, numbers: Set[str]) -> bool:
    if isinstance(node, (cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.Name):
        return node.value in numbers
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, (cst.Minus, cst.Plus)):
        return is_number(node.expression, numbers)
    if isinstance(node, cst.BinaryOperation) and not isinstance(node.operator, cst.MatrixMultiply):
        return is_number(node.left, numbers) and is_number(node.right, numbers)
    if isinstance(node, cst.IfExp):
        return is_number(node.body, numbers) and is_number(node.orelse, numbers)
    return False


class _Bindings(cst.CSTVisitor):
    """name -> the values bound to it in the function's own statements; names ordered against numbers."""

    def __init__(self) -> None:
        self.values: Dict[str, List[object]] = {}
        self.ordered: Set[str] = set()

    def _bind(self, target: cst.BaseExpression, value) -> None:
        if isinstance(target, cst.Name):
            self.values.setdefault(target.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, _UNKNOWN)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, _UNKNOWN)

    def visit_FunctionDef(self, node) -> bool:
        return False  # nested: its own names

    def visit_ClassDef(self, node) -> bool:
        return False

    def visit_Lambda(self, node) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target, node.value if node.value is not None else _UNKNOWN)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target, cst.BinaryOperation(node.target, cst.Add(), node.value)
                   if isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign,
                                                 cst.DivideAssign, cst.FloorDivideAssign, cst.PowerAssign))
                   else _UNKNOWN)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, node.value)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target, _UNKNOWN)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._bind(node.target, _UNKNOWN)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind(node.name, _UNKNOWN)  # with ... as x, except ... as x, import ... as x

    def visit_Global(self, node) -> None:
        for item in node.names:
            self._bind(item.name, _UNKNOWN)

    def visit_Nonlocal(self, node) -> None:
        for item in node.names:
            self._bind(item.name, _UNKNOWN)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            right = target.comparator
            if isinstance(target.operator, _ORDER):
                for name, other in ((left, right), (right, left)):
                    if isinstance(name, cst.Name) and isinstance(other, (cst.Integer, cst.Float)):
                        self.ordered.add(name.value)
            left = right


def number_names(function: cst.FunctionDef) -> Set[str]:
    """The names of `function` that surely hold a number wherever they are read (see the module doc)."""
    found = _Bindings()
    function.body.visit(found)
    params = [*function.params.posonly_params, *function.params.params, *function.params.kwonly_params]
    numbers: Set[str] = set()
    candidates: Dict[str, List[object]] = {}
    for param in params:
        name = param.name.value
        annotated = param.annotation is not None and dotted(param.annotation.annotation) in ("int", "float")
        defaulted = param.default is not None and is_number(param.default, set()) and name in found.ordered
        if annotated or defaulted:
            candidates[name] = [cst.Integer("0")]
        else:
            candidates[name] = [_UNKNOWN]
    for name, values in found.values.items():
        candidates.setdefault(name, []).extend(values)
    changed = True
    while changed:  # names known to be numbers make more expressions numbers
        changed = False
        for name, values in candidates.items():
            if name not in numbers and all(v is not _UNKNOWN and is_number(v, numbers | {name}) for v in values):
                numbers.add(name)
                changed = True
    return numbers
