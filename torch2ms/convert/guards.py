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

import ast
from typing import Iterable, List, Optional, Sequence, Set

import libcst as cst

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


def lines_using(code: str, names: Iterable[str], skip: Set[int]) -> List[int]:
    """Lines of `code` that read one of `names` (imports and the guards' fallbacks excluded)."""
    wanted = set(names)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = {node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.Name) and node.id in wanted and isinstance(node.ctx, ast.Load)}
    return sorted(found - skip)


def note_text(names: Sequence[str], lines: Sequence[int], foreign: Optional[str]) -> str:
    used = f"{', '.join(dict.fromkeys(names))} still used on line{'s' if len(lines) > 1 else ''} " \
           f"{', '.join(map(str, lines))} (flagged there)" if lines else ""
    if foreign:
        return f"{foreign}; {used}" if used else foreign
    return used
