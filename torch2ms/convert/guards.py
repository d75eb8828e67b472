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

from torch2ms.convert.cstutil import code_children

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
