"""Torch names that travel between a project's modules: read from the project by the runner.

A library often imports torch in one module and re-exports it: `from .activations import *`
then `F.silu` in the importing file, or `from torch.hub import load_state_dict_from_url` in a
utils module that the others import it from. One file alone cannot tell what those names are,
so the runner reads every module of the folder being converted (Python's own parser: fast, and
only module-level imports and `__all__` matter) and gives each job
- the torch names its imports of the project's own modules bind (star imports included), as
  (local name, qualified torch name) pairs, so that their uses convert as torch's do;
- the names other modules import from it, so that a torch import there that the file itself no
  longer uses stays (converted, or guarded), for them.
"""
from __future__ import annotations

import ast
import os
from typing import Dict, List, Optional, Tuple

from torch2ms.convert.results import IMPORTED

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


def _scan(tree: ast.Module, here: str, is_package: bool):
    """(torch names bound at module level, modules star-imported, __all__ if a literal list,
    (module, name, local name) of every from-import)."""
    names: Names = {}
    stars: List[str] = []
    imported: List[Tuple[str, str, str]] = []
    exported: Optional[List[str]] = None
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _is_torch(alias.name):
                    local = alias.asname or alias.name.split(".")[0]
                    names[local] = alias.name if alias.asname else alias.name.split(".")[0]
                else:  # `import pkg.mod`: the module is imported (its names are not bound here)
                    imported.append((alias.name, "", ""))
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(node.module or "", node.level, here, is_package)
            for alias in node.names:
                if alias.name == "*":
                    stars.append(module)
                elif _is_torch(module):
                    names[alias.asname or alias.name] = f"{module}.{alias.name}"
                else:
                    imported.append((module, alias.name, alias.asname or alias.name))
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            if isinstance(node.value, (ast.List, ast.Tuple)):
                exported = [e.value for e in node.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return names, stars, exported, imported


def project_names(root: str, files: List[str], packages: Tuple[str, ...]):
    """(path -> torch names its imports of the project's own modules bind,
        path -> names the project's other modules import from it, with IMPORTED when they import it
        at all: `from pkg import mod`, `import pkg.mod`, `from .mod import *`, `from .mod import f`)."""
    modules: Dict[str, tuple] = {}
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

    memo: Dict[str, Names] = {}

    def bound(module: str, seen) -> Names:
        """Every torch name a module binds at its top level (through its own imports too)."""
        if module in memo:
            return memo[module]
        if module not in modules or module in seen:
            return {}
        memo[module] = found = _bound(module, seen)
        return found

    def _bound(module: str, seen) -> Names:
        own, stars, listed, imported = modules[module]
        found: Names = {}
        for star in stars:
            found.update(starred(star, seen | {module}))
        for source, name, local in imported:
            qualname = bound(source, seen | {module}).get(name)
            if qualname is not None:
                found[local] = qualname
        found.update(own)
        return found

    def starred(module: str, seen) -> Names:
        if module not in modules:
            return {}
        listed = modules[module][2]
        found = bound(module, seen)
        if listed is not None:
            return {k: v for k, v in found.items() if k in listed}
        return {k: v for k, v in found.items() if not k.startswith("_")}

    names: Dict[str, Tuple[Tuple[str, str], ...]] = {}
    wanted: Dict[str, set] = {}
    for path, module in by_path.items():
        _, stars, _, imported = modules[module]
        found: Names = {}
        for star in stars:
            found.update(starred(star, {module}))
            wanted.setdefault(star, set()).add(IMPORTED)
        for source, name, local in imported:
            if f"{source}.{name}" in modules:  # `from pkg import mod`
                wanted.setdefault(f"{source}.{name}", set()).add(IMPORTED)
            if source in modules:
                wanted.setdefault(source, set()).update((name, IMPORTED) if name else (IMPORTED,))
                qualname = bound(source, {module}).get(name) if name else None
                if qualname is not None:
                    found[local] = qualname
        if found:
            names[path] = tuple(sorted(found.items()))
    module_paths = {module: path for path, module in by_path.items()}
    exported = {module_paths[m]: tuple(sorted(n)) for m, n in wanted.items() if m in module_paths}
    return names, exported
