"""What verify says when it cannot do something: VerifyError, and where a model's own code raised."""
from __future__ import annotations

import inspect
import linecache
import os
import sys
import traceback


class VerifyError(Exception):
    """Something verify was asked to do cannot be done; usage=True: the request itself is wrong."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage


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
