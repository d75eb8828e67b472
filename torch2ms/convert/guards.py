"""Imports a converted file keeps for torch (or another PyTorch library) stay, but guarded.

A converted file must import where torch is not installed: the lines that still use torch are
flagged, and they (not the import) are what fails, when they run. So a kept import becomes

    try:
        import torch  # torch2ms: torch is still used on lines 12, 40 (flagged there)
    except ImportError:
        torch = None

An import the user already wrapped in `try: ... except ImportError:` is left as it is, and so is a
guard this module wrote (a second conversion changes nothing). The note is written by annotate,
once the lines are known.
"""
from __future__ import annotations

from typing import Iterable, List, Optional, Sequence, Set

import libcst as cst

from torch2ms.convert.cstutil import code_children, walk_code
from torch2ms import helpers
from torch2ms.convert.walk import transform

_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def bound_names(node) -> List[str]:
    """The local names an import statement binds (`import torch.nn` binds `torch`)."""
    if isinstance(node, cst.Import):
        names = []
        for alias in node.names:
            if alias.asname is not None:
                names.append(alias.asname.name.value)
            else:
                head = alias.name
                while isinstance(head, cst.Attribute):
                    head = head.value
                names.append(head.value)
        return names
    if isinstance(node.names, cst.ImportStar):
        return []
    return [a.asname.name.value if a.asname is not None else a.name.value for a in node.names]


def catches_import_error(node: cst.Try) -> bool:
    """Does a try statement handle a failed import (a bare except, ImportError, or wider)?"""
    for handler in node.handlers:
        kind = handler.type
        if kind is None:
            return True
        kinds = [e.value for e in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
        if any(isinstance(k, cst.Name) and k.value in _IMPORT_ERRORS for k in kinds):
            return True
    return False


def guarded_statements(node: cst.Try) -> Set[int]:
    """Ids of the statements of a try body that an ImportError handler already covers."""
    if not catches_import_error(node) or not isinstance(node.body, cst.IndentedBlock):
        return set()
    return {id(statement) for statement in node.body.body}


def guard(line: cst.SimpleStatementLine, names: Sequence[str]) -> cst.Try:
    """`try: <line>  except ImportError: a = b = None`, wearing the line's comments above it."""
    inner = line.with_changes(leading_lines=[])
    fallback = cst.SimpleStatementLine(body=[cst.Assign(
        targets=[cst.AssignTarget(target=cst.Name(n)) for n in dict.fromkeys(names)], value=cst.Name("None"))])
    handler = cst.ExceptHandler(type=cst.Name("ImportError"), body=cst.IndentedBlock(body=[fallback]))
    return cst.Try(body=cst.IndentedBlock(body=[inner]), handlers=[handler], leading_lines=line.leading_lines)


# Fields that hold a name that is no variable (a def's, a parameter's, what `except ... as`,
# a match capture or a type parameter names), per class: skipped by `reads`.
_NAMING_FIELDS = {
    cst.FunctionDef: ("name",), cst.ClassDef: ("name",), cst.Param: ("name",),
    cst.ExceptHandler: ("name",), cst.ExceptStarHandler: ("name",), cst.MatchAs: ("name",),
    cst.MatchStar: ("name",), cst.MatchMapping: ("rest",), cst.MatchKeywordElement: ("key",),
    cst.TypeVar: ("name",), cst.TypeVarTuple: ("name",), cst.ParamSpec: ("name",),
}
_NO_READS = (cst.Import, cst.ImportFrom, cst.Global, cst.Nonlocal)


def _stores(target: cst.CSTNode, into: Set[int]) -> None:
    """The names an assignment target binds (not those it reads: `torch.x = 1` reads torch)."""
    kind = type(target)
    if kind is cst.Name:
        into.add(id(target))
    elif kind is cst.Tuple or kind is cst.List:
        for element in target.elements:
            _stores(element.value, into)
    elif kind is cst.StarredElement:
        _stores(target.value, into)


def reads(module: cst.CSTNode, names: Iterable[str]) -> List[cst.Name]:
    """The Name nodes of a tree that read one of `names` as a variable (what Python's ast
    calls a Name in Load context): not attribute or keyword names, not what imports, defs,
    parameters, `global` or `except ... as` name, not assignment, loop or `del` targets."""
    wanted = set(names)
    found: List[cst.Name] = []
    bound: Set[int] = set()
    stack: List[cst.CSTNode] = [module]
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is cst.Name:
            if node.value in wanted and id(node) not in bound:
                found.append(node)
            continue
        if kind in _NO_READS:
            continue
        if kind is cst.Attribute:
            stack.append(node.value)
            continue
        if kind is cst.Arg:
            stack.append(node.value)
            continue
        if kind is cst.Assign:
            for target in node.targets:
                _stores(target.target, bound)
        elif kind in (cst.AugAssign, cst.AnnAssign, cst.For, cst.CompFor, cst.NamedExpr, cst.Del):
            _stores(node.target, bound)
        elif kind is cst.WithItem and node.asname is not None:
            _stores(node.asname.name, bound)
        stack.extend(code_children(node, _NAMING_FIELDS.get(kind, ())))
    return found


def note_text(names: Sequence[str], lines: Sequence[int], foreign: Optional[str]) -> str:
    used = f"{', '.join(dict.fromkeys(names))} still used on line{'s' if len(lines) > 1 else ''} " \
           f"{', '.join(map(str, lines))} (flagged there)" if lines else ""
    if foreign:
        return f"{foreign}; {used}" if used else foreign
    return used



# ---- uses at import time -----------------------------------------------------------------------
_CHAIN = (cst.Attribute, cst.Call, cst.Subscript)


def _chain_root(node: cst.CSTNode) -> cst.CSTNode:
    while type(node) in _CHAIN:
        node = node.func if type(node) is cst.Call else node.value
    return node


def _present(name: str) -> cst.Comparison:
    return cst.Comparison(cst.Name(name), [cst.ComparisonTarget(cst.IsNot(), cst.Name("None"))])


def _without(name: str, expression: cst.BaseExpression, fallback: str) -> cst.IfExp:
    """`(expression if name is not None else fallback)`."""
    return cst.IfExp(test=_present(name),
                     body=expression, orelse=cst.parse_expression(fallback),
                     lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


# The field of a node that a store is made through (an assignment's target is an AssignTarget)
_STORE_FIELDS = {cst.AugAssign: "target", cst.AnnAssign: "target", cst.For: "target", cst.CompFor: "target",
                 cst.NamedExpr: "target", cst.WithItem: "asname"}
# What a note adds about a guarded reference (the guarded name filled in)
_WITHOUT = {"stand-in": "where {} is not installed: a stand-in that raises when used, so that the module imports",
            "call": "where {} is not installed: not run, so that the module imports",
            "decorator": "where {} is not installed: not applied, so that the module imports",
            "entry": "where {} is not installed: a stand-in that raises when used, so that the other entries work"}


class _ImportTime:
    """Where a module of a converted package refers to a guarded name (`torch`, `timm`, a name
    imported from one) when it is imported (its statements and class bodies, decorators and
    bases), or in a table of alternatives in a function (`(nn.Conv2d, torch.nn.ConvTranspose3d)`),
    the reference becomes `(torch.nn.X if torch is not None else _torch_only("torch.nn.X"))`
    (helpers/torch_only.py: a stand-in that raises when built or called); a call's value is None
    without the library, a call statement is skipped, a decorator is the identity. The lean walk
    keeps untouched nodes as they are; a flag on a node this rebuilds moves to the new node."""

    def __init__(self, names: Set[str], guard_tries: Set[int], flags) -> None:
        self.names, self.guard_tries = names, guard_tries
        self.flags: dict = {}  # id(node) -> the pending flags on it (rehomed as nodes are rebuilt)
        for pending in flags:
            self.flags.setdefault(id(pending.node), []).append(pending)
        self.wrap: dict = {}  # id(node) -> (the guarded name it starts with, its fallback or None)
        self.decorators: Set[int] = set()
        self.in_function = 0
        self.alternatives: Set[int] = set()  # ids of a function's collection elements
        self.made: dict = {}  # id(a conditional this made) -> (the guarded name, the expression in it)
        self.used_stand_in = False
        self.stores: Set[int] = set()  # ids of assignment, loop and `as` targets

    def _root(self, node: cst.CSTNode) -> Optional[str]:
        root = _chain_root(node)
        return root.value if type(root) is cst.Name and root.value in self.names else None

    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        if kind in (cst.Import, cst.ImportFrom, cst.Lambda, cst.AssignTarget, cst.Param, cst.Del, cst.Global,
                    cst.Nonlocal) or id(node) in self.stores:
            return False  # not reads (`torch = None`, `SummaryWriter, ok = ...`), or not run now
        target = _STORE_FIELDS.get(kind)
        if target is not None:
            self._mark_stores(getattr(node, target))
        if kind is cst.Try:
            return id(node) not in self.guard_tries  # the guard itself
        if kind is cst.FunctionDef:
            if not self.in_function:  # its decorators run now, its body when called
                self.decorators.update(id(d.decorator) for d in node.decorators)
                for decorator in node.decorators:
                    self._consider(decorator.decorator)
            self.in_function += 1
            return True
        if kind is cst.Comparison:
            # `torch is not None`, `timm is None`: a test of the guard (ours, or the code's own)
            return not self._presence_test(node)
        if kind is cst.IfExp:
            # `(torch.x if torch is not None else ...)`, guarded already (the file converted again)
            return not (type(node.test) is cst.Comparison and self._presence_test(node.test)
                        and self._root(node.body) == node.test.left.value)
        if self.in_function:
            if kind is cst.Element or kind is cst.DictElement:
                self.alternatives.add(id(node.value))
                return True
            if id(node) in self.alternatives and type(node) is not cst.Call and (kind in _CHAIN or kind is cst.Name):
                return self._consider(node)
            return True
        if kind in _CHAIN or kind is cst.Name:
            return self._consider(node)
        return True

    def _mark_stores(self, target) -> None:
        """The names (and tuples of names) an assignment, loop or `as` binds are no reads."""
        if target is None:
            return
        if isinstance(target, cst.AsName):
            target = target.name
        self.stores.add(id(target))
        if type(target) in (cst.Tuple, cst.List):
            for element in target.elements:
                self._mark_stores(element.value)
        elif type(target) is cst.StarredElement:
            self._mark_stores(target.value)

    def _presence_test(self, node: cst.Comparison) -> bool:
        return type(node.left) is cst.Name and node.left.value in self.names and all(
            type(c.operator) in (cst.Is, cst.IsNot) for c in node.comparisons)

    def _consider(self, node: cst.CSTNode) -> bool:
        name = self._root(node)
        if name is None:
            return True
        if id(node) in self.decorators:
            fallback = "(lambda f: f)"
        elif type(node) is cst.Call:
            fallback = "None"
        else:
            fallback = None  # the stand-in, named when the flags are known
        self.wrap[id(node)] = (name, fallback)
        return False

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        if type(original) is cst.FunctionDef:
            self.in_function -= 1
        self._rehome(original, updated)  # a flag on a wrapped expression stays on it, inside the conditional
        found = self.wrap.get(id(original))
        result = updated
        if found is not None:
            name, fallback = found
            inside = [f for node in walk_code(updated) for f in self.flags.get(id(node), ())]
            if fallback is None:  # the stand-in names the API its flag names, else the code
                api = inside[0].api if inside else cst.Module([]).code_for_node(updated)
                fallback = f"_torch_only({api!r})"
                self.used_stand_in = True
            result = _without(name, updated, fallback)
            self.made[id(result)] = (name, updated)
            kind = "call" if fallback == "None" else "decorator" if fallback.startswith("(lambda") else \
                "entry" if self.in_function else "stand-in"
            why = _WITHOUT[kind].format(name)
            for pending in inside:  # the notes say what the expression is without the library
                if why not in (pending.hint or ""):
                    pending.hint = f"{pending.hint}; {why}" if pending.hint else why
        if type(original) is cst.SimpleStatementLine and len(updated.body) == 1 and type(updated.body[0]) is cst.Expr \
                and id(updated.body[0].value) in self.made:
            # a statement that is only such a call: `if torch is not None: torch.x(...)`
            name, call = self.made[id(updated.body[0].value)]
            statement = updated.body[0].with_changes(value=call)
            self._rehome(updated.body[0], statement)
            result = cst.If(test=_present(name), body=cst.SimpleStatementSuite(
                body=[statement], trailing_whitespace=updated.trailing_whitespace), leading_lines=updated.leading_lines)
            self._rehome(updated, result)
        return result

    def _rehome(self, old: cst.CSTNode, new: cst.CSTNode) -> None:
        if new is not old:
            moved = self.flags.pop(id(old), None)
            if moved:
                for pending in moved:
                    pending.node = new
                self.flags.setdefault(id(new), []).extend(moved)


def is_script(module: cst.Module) -> bool:
    """Does the file run as a program (`if __name__ == "__main__":` at its top level)?"""
    for statement in module.body:
        if type(statement) is cst.If and type(statement.test) is cst.Comparison:
            names = [statement.test.left, *(c.comparator for c in statement.test.comparisons)]
            if any(type(n) is cst.Name and n.value == "__name__" for n in names):
                return True
    return False


def defer_import_time_uses(module: cst.Module, kept, flags) -> cst.Module:
    """In a module of a converted package (not a script), a guarded import's names are None where
    the library is not installed (`torch`, `timm`): what runs when the module is imported must not
    use them then, or the package would not import without torch (`REGISTRY.add("lrn",
    torch.nn.LocalResponseNorm)`, `TYPES = (mint.nn.Conv2d, torch.nn.ConvTranspose3d)`, both
    flagged). There such an expression is None without the library (a call statement is skipped),
    and its note says so: what uses that value fails where it runs."""
    names = {name for _, bound in kept for name in bound}
    if not names:
        return module
    imports = {id(statement) for statement, _ in kept}
    guard_tries = {id(node) for node in module.body if type(node) is cst.Try and isinstance(node.body, cst.IndentedBlock)
                   and any(id(small) in imports for line in node.body.body for small in getattr(line, "body", ()))}
    walker = _ImportTime(names, guard_tries, flags)
    module = transform(module, walker.on_visit, walker.on_leave)
    if not walker.used_stand_in or any(type(s) is cst.FunctionDef and s.name.value == "_torch_only" for s in module.body):
        return module
    body = list(module.body)
    at = 0
    while at < len(body) and _is_header(body[at]):
        at += 1
    stand_in = list(cst.parse_module(helpers.source("torch_only")).body)
    stand_in[0] = stand_in[0].with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine()])
    if at < len(body):  # two blank lines after the function, as PEP 8 has it
        lines = list(body[at].leading_lines)
        blank = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
        body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine()] * max(0, 2 - blank) + lines)
    return module.with_changes(body=[*body[:at], *stand_in, *body[at:]])


def _is_header(statement: cst.CSTNode) -> bool:
    """The module's docstring, imports and guarded imports (where the stand-in goes after)."""
    if type(statement) is cst.SimpleStatementLine:
        return all(type(s) in (cst.Import, cst.ImportFrom) or (type(s) is cst.Expr and type(s.value) is cst.SimpleString)
                   for s in statement.body)
    if type(statement) is cst.Try and isinstance(statement.body, cst.IndentedBlock):
        return all(_is_header(s) for s in statement.body.body)
    return False
