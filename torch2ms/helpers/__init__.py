"""Functions the converter writes into a converted file, for torch APIs MindSpore has no
counterpart of but its own APIs can express (knowledge/data/extra_mappings.json "helpers").

Each module here is plain MindSpore code (no torch, no torch2ms): its source is copied, whole,
after the imports of a file that calls one of its functions (rules/helper_calls.py), so the
converted file needs nothing but MindSpore. tests/test_helpers.py runs each against torch.
"""
from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path
from typing import Dict

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def source(module: str) -> str:
    """The code a converted file receives for a helper module: its text without the module
    docstring and the `from __future__` line (the converted file has its own)."""
    text = (HERE / f"{module}.py").read_text(encoding="utf-8")
    tree = ast.parse(text)
    body = [node for node in tree.body
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
            and not (isinstance(node, ast.ImportFrom) and node.module == "__future__")]
    lines = text.splitlines(keepends=True)
    return "".join(lines[body[0].lineno - 1:]).strip() + "\n"


@lru_cache(maxsize=None)
def defined(module: str) -> Dict[str, str]:
    """Top-level names a helper module defines -> their kind ('function', 'class', 'name')."""
    tree = ast.parse((HERE / f"{module}.py").read_text(encoding="utf-8"))
    names = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names[node.name] = "function"
        elif isinstance(node, ast.ClassDef):
            names[node.name] = "class"
        elif isinstance(node, ast.Assign):
            names.update((t.id, "name") for t in node.targets if isinstance(t, ast.Name))
    return names


@lru_cache(maxsize=None)
def class_names() -> frozenset:
    """Names of the classes the helper modules define."""
    return frozenset(name for path in HERE.glob("[!_]*.py")
                     for name, kind in defined(path.stem).items() if kind == "class")


def written_in(code: str) -> frozenset:
    """Names of the helper modules' classes a file holds as torch2ms wrote them (a converted
    file converted again): they are no classes of the project's own."""
    names = set()
    for path in sorted(HERE.glob("[!_]*.py")):
        if source(path.stem) in code:
            names.update(name for name, kind in defined(path.stem).items() if kind == "class")
    return frozenset(names)
