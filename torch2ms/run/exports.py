"""What `from .module import *` brings into a file, when that is torch: read from the project.

A library often imports torch in one module and re-exports it (`from .activations import *`
then `torch.nn.functional`, `F.silu` in the importing file). One file alone cannot tell what
those names are, so the runner reads every module of the folder being converted (Python's own
parser: fast, and only module-level imports and `__all__` matter) and gives each job the torch
names its star imports bind, as (name, qualified torch name) pairs.
"""
from __future__ import annotations

import ast
import os
from typing import Dict, List, Optional, Tuple

Names = Dict[str, str]  # local name -> qualified torch name


def _module_name(root: str, path: str, packages: Tuple[str, ...]) -> Optional[str]:
    rel = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
    if rel.endswith("__init__"):
        rel = rel[: -len("__init__")].rstrip(".")
    if len(packages) == 1 and os.path.isfile(os.path.join(root, "__init__.py")):
        rel = f"{packages[0]}.{rel}" if rel else packages[0]
    return rel or None


def _is_torch(qualname: str) -> bool:
    return qualname == "torch" or qualname.startswith("torch.")


def _resolve(module: str, level: int, here: str, is_package: bool) -> str:
    if not level:
        return module
    parts = here.split(".") if is_package else here.split(".")[:-1]
    base = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join(base + ([module] if module else []))


def _scan(tree: ast.Module, here: str, is_package: bool) -> Tuple[Names, List[str], Optional[List[str]]]:
    """(torch names bound at module level, modules star-imported, __all__ if a literal list)."""
    names: Names = {}
    stars: List[str] = []
    exported: Optional[List[str]] = None
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_torch(alias.name):
                    local = alias.asname or alias.name.split(".")[0]
                    names[local] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node.module or "", node.level, here, is_package)
            for alias in node.names:
                if alias.name == "*":
                    stars.append(module)
                elif _is_torch(module):
                    names[alias.asname or alias.name] = f"{module}.{alias.name}"
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            if isinstance(node.value, (ast.List, ast.Tuple)):
                exported = [e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return names, stars, exported


def star_names(root: str, files: List[str], packages: Tuple[str, ...]) -> Dict[str, Tuple[Tuple[str, str], ...]]:
    """path -> the torch names its star imports of the project's own modules bind."""
    modules: Dict[str, Tuple[Names, List[str], Optional[List[str]]]] = {}
    by_path: Dict[str, str] = {}
    for path in files:
        name = _module_name(root, path, packages)
        if name is None:
            continue
        try:
            with open(path, "rb") as fh:
                tree = ast.parse(fh.read())
        except (OSError, SyntaxError, ValueError):
            continue
        modules[name] = _scan(tree, name, os.path.basename(path) == "__init__.py")
        by_path[path] = name

    def exports(module: str, seen) -> Names:
        if module not in modules or module in seen:
            return {}
        own, stars, listed = modules[module]
        found: Names = {}
        for star in stars:
            found.update(exports(star, seen | {module}))
        found.update(own)
        if listed is not None:
            return {k: v for k, v in found.items() if k in listed}
        return {k: v for k, v in found.items() if not k.startswith("_")}

    result = {}
    for path, module in by_path.items():
        _, stars, _ = modules[module]
        if not stars:
            continue
        found: Names = {}
        for star in stars:
            found.update(exports(star, {module}))
        if found:
            result[path] = tuple(sorted(found.items()))
    return result
