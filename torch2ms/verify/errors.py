"""What verify says when it cannot do something: VerifyError, and where a model's own code raised."""
from __future__ import annotations

import ast
import inspect
import linecache
import os
import sys
import traceback
from typing import Any, Dict, Optional, Tuple

from torch2ms.convert.results import MARK


class VerifyError(Exception):
    """Something verify was asked to do cannot be done; usage=True: the request itself is wrong."""

    def __init__(self, message: str, usage: bool = False, failing_line: Optional[Dict[str, Any]] = None):
        super().__init__(message)
        self.usage = usage
        self.failing_line = failing_line  # where in the converted code it failed (failing_line())


def first_line(exc: BaseException) -> str:
    return (f"{type(exc).__name__}: {exc}".strip().splitlines() or ["?"])[0][:300]


def raised_at(exc: BaseException, owner) -> str:
    """` (at modeling_x.py:123: `code`)`: the innermost line of the model's own file the error passed
    through, so a user sees which converted line to look at without a traceback."""
    try:
        own = os.path.realpath(inspect.getsourcefile(owner) or "")  # a class or a module
    except TypeError:
        return ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) == own]
    if not frames:
        return ""
    frame = frames[-1]
    code = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    return f" (at {os.path.basename(frame.filename)}:{frame.lineno}: `{code[:120]}`)"


def raised_in(exc: BaseException, module) -> str:
    """` (at pkg/file.py:12: `code`)`: the innermost line of the model's package (the module's top
    package folder) that the error passed through: a build error names the converted line."""
    root = os.path.dirname(os.path.realpath(getattr(module, "__file__", "") or ""))
    top = module.__name__.split(".")[0]
    package = sys.modules.get(top)
    paths = list(getattr(package, "__path__", []) or [])
    if paths:
        root = os.path.realpath(paths[0])
    if not root:
        return ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.realpath(f.filename).startswith(root + os.sep)]
    if not frames:
        return ""
    frame = frames[-1]
    code = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    rel = os.path.relpath(frame.filename, os.path.dirname(root))
    return f" (at {rel}:{frame.lineno}: `{code[:120]}`)"


def failing_line(exc: BaseException, root: str) -> Optional[Dict[str, Any]]:
    """The innermost line of the code under `root` (the converted files) the error passed through:
    {"file", "line", "code", "noted"}; noted: the statement holding it carries a `# torch2ms:` note
    (the tool said it needed a human), or None when the error never passed through that code."""
    root = os.path.realpath(root)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.realpath(f.filename).startswith(root + os.sep)]
    if not frames:
        return None
    frame = frames[-1]
    lines = linecache.getlines(frame.filename) or open(frame.filename, encoding="utf-8").readlines()
    first, last = _statement_lines(lines, frame.lineno)
    noted = any(MARK in line for line in lines[first - 1: last])
    return {"file": os.path.basename(frame.filename), "line": frame.lineno,
            "code": (frame.line or "").strip()[:200], "noted": noted}


def _statement_lines(lines, lineno: int) -> Tuple[int, int]:
    """(first, last) line of the innermost statement spanning `lineno` (the line itself if unparsable)."""
    try:
        tree = ast.parse("".join(lines))
    except SyntaxError:
        return lineno, lineno
    compound = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With, ast.Try)
    spans = [(node.lineno, node.end_lineno or node.lineno) for node in ast.walk(tree)
             if isinstance(node, ast.stmt) and not isinstance(node, compound)
             and node.lineno <= lineno <= (node.end_lineno or node.lineno)]
    return min(spans, key=lambda span: span[1] - span[0]) if spans else (lineno, lineno)
