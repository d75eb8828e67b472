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

from typing import Dict, FrozenSet, List, Set, Tuple

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
    """Every binding of the function's own statements, in the order they happen, with the loops
    around it; the same order for its calls; names ordered against numbers."""

    def __init__(self) -> None:
        self.bindings: List[Tuple[str, object, int, FrozenSet[int]]] = []  # name, value, step, loops
        self.calls: Dict[int, Tuple[int, FrozenSet[int]]] = {}  # id(call) -> step, loops
        self.ordered: Set[str] = set()
        self._step = 0
        self._loops: List[int] = []

    def _bind(self, target: cst.BaseExpression, value) -> None:
        if isinstance(target, cst.Name):
            self.bindings.append((target.value, value, self._step, frozenset(self._loops)))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind(element.value, _UNKNOWN)
        elif isinstance(target, cst.StarredElement):
            self._bind(target.value, _UNKNOWN)

    def visit_Call(self, node: cst.Call) -> None:
        self._step += 1
        self.calls[id(node)] = (self._step, frozenset(self._loops))

    def visit_FunctionDef(self, node) -> bool:
        return False  # nested: its own names

    def visit_ClassDef(self, node) -> bool:
        return False

    def visit_Lambda(self, node) -> bool:
        return False

    def visit_For(self, node: cst.For) -> None:
        self._loops.append(id(node))
        self._bind(node.target, _UNKNOWN)

    def leave_For(self, node: cst.For) -> None:
        self._loops.pop()

    def visit_While(self, node: cst.While) -> None:
        self._loops.append(id(node))

    def leave_While(self, node: cst.While) -> None:
        self._loops.pop()

    # a value is bound after it is computed: bindings are recorded when their statement is left
    def leave_Assign(self, node: cst.Assign) -> None:
        self._step += 1
        for target in node.targets:
            self._bind(target.target, node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._step += 1
        self._bind(node.target, node.value if node.value is not None else _UNKNOWN)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        self._step += 1
        arithmetic = (cst.AddAssign, cst.SubtractAssign, cst.MultiplyAssign, cst.DivideAssign,
                      cst.FloorDivideAssign, cst.PowerAssign)
        self._bind(node.target, cst.BinaryOperation(node.target, cst.Add(), node.value)
                   if isinstance(node.operator, arithmetic) else _UNKNOWN)

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._step += 1
        self._bind(node.target, node.value)

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


class NumberNames:
    """The names of one function that surely hold a number (see the module doc), at one of its calls."""

    def __init__(self, function: cst.FunctionDef) -> None:
        found = _Bindings()
        function.body.visit(found)
        self._found = found
        params = [*function.params.posonly_params, *function.params.params, *function.params.kwonly_params]
        self._params: Dict[str, object] = {}
        for param in params:
            name = param.name.value
            annotated = param.annotation is not None and dotted(param.annotation.annotation) in ("int", "float")
            defaulted = param.default is not None and is_number(param.default, set()) and name in found.ordered
            self._params[name] = cst.Integer("0") if annotated or defaulted else _UNKNOWN
        # names that are numbers whatever the place: every binding anywhere is numeric
        self._anywhere = self._numbers(lambda step, loops: True, set())

    def _numbers(self, reaches, known: Set[str]) -> Set[str]:
        candidates: Dict[str, List[object]] = {name: [value] for name, value in self._params.items()}
        for name, value, step, loops in self._found.bindings:
            if reaches(step, loops):
                candidates.setdefault(name, []).append(value)
        numbers = set(known)
        changed = True
        while changed:  # names known to be numbers make more expressions numbers
            changed = False
            for name, values in candidates.items():
                if name not in numbers and all(v is not _UNKNOWN and is_number(v, numbers | {name}) for v in values):
                    numbers.add(name)
                    changed = True
        return numbers

    def anywhere(self) -> Set[str]:
        return set(self._anywhere)

    def at(self, call: cst.Call) -> Set[str]:
        """Names that hold a number where `call` (a call of the function's original tree) runs: the
        bindings that can reach it are those before it, and in a loop around it those after it too."""
        where = self._found.calls.get(id(call))
        if where is None:
            return self.anywhere()
        use_step, use_loops = where
        return self._numbers(lambda step, loops: step < use_step or bool(loops & use_loops), self._anywhere)


def number_names(function: cst.FunctionDef) -> Set[str]:
    """The names of `function` that surely hold a number wherever they are read."""
    return NumberNames(function).anywhere()
