"""Import model code for verify: from a file (inside its package, if any) or a dotted module.

The torch original and its converted twin usually have the same module names
(`resnet.model`), so each is imported under a fresh alias and its own sibling
modules are taken out of sys.modules again afterwards: the two never collide.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import uuid
from dataclasses import dataclass
from typing import List, Optional, Tuple

from torch2ms.run.runner import SKIP_DIRS
from torch2ms.verify.errors import VerifyError


@dataclass
class Spec:
    """`path/to/model.py:Name`, `pkg.module:Name`, or either without `:Name`."""
    target: str  # a file path or a dotted module name
    name: Optional[str]
    is_file: bool

    @property
    def text(self) -> str:
        return f"{self.target}:{self.name}" if self.name else self.target


def parse_spec(text: str, need_name: bool = True) -> Spec:
    target, sep, name = text.rpartition(":")
    if not sep or (len(target) == 1 and target.isalpha() and "\\" in name):  # no ':Name' (or C:\\ paths)
        target, name = text, None
    if need_name and not name:
        raise VerifyError(f"{text}: expected FILE.py:ClassName or package.module:ClassName", usage=True)
    if name is not None and not name.isidentifier():
        raise VerifyError(f"{text}: {name!r} is not a Python name", usage=True)
    is_file = target.endswith(".py") or os.sep in target or "/" in target or os.path.isfile(target)
    return Spec(target, name, is_file)


def package_root(path: str) -> Tuple[str, List[str]]:
    """(folder holding the top package, dotted parts from the top package down to the module)."""
    path = os.path.abspath(path)
    parts = [os.path.splitext(os.path.basename(path))[0]]
    folder = os.path.dirname(path)
    while os.path.isfile(os.path.join(folder, "__init__.py")):
        parts.insert(0, os.path.basename(folder))
        folder = os.path.dirname(folder)
    if parts[-1] == "__init__":
        parts.pop()
    return folder, parts


def _new_modules_under(before, folder):
    """Modules imported since `before` from source files of `folder` (not from a virtualenv inside it)."""
    folder = os.path.abspath(folder)
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if name in before or not file:
            continue
        rel = os.path.relpath(os.path.abspath(file), folder)
        parts = rel.split(os.sep)
        if parts[0] != os.pardir and not set(parts[:-1]) & (SKIP_DIRS | {"site-packages", "dist-packages"}):
            yield name


def load_file(path: str, tag: str):
    """Import the module at `path` (with its package, so relative imports work) under a fresh alias."""
    if not os.path.isfile(path):
        raise VerifyError(f"{path}: no such file", usage=True)
    folder, parts = package_root(path)
    alias = f"_t2ms_verify_{tag}_{uuid.uuid4().hex[:8]}"
    search = folder if len(parts) > 1 else os.path.dirname(os.path.abspath(path))
    before = set(sys.modules)
    sys.path.insert(0, search)
    try:
        if len(parts) > 1:  # inside a package: import the top package under the alias, then down to the module
            top = os.path.join(folder, parts[0])
            spec = importlib.util.spec_from_file_location(alias, os.path.join(top, "__init__.py"),
                                                          submodule_search_locations=[top])
            package = importlib.util.module_from_spec(spec)
            sys.modules[alias] = package
            spec.loader.exec_module(package)
            return importlib.import_module(".".join([alias] + parts[1:]))
        spec = importlib.util.spec_from_file_location(alias, os.path.abspath(path))
        module = importlib.util.module_from_spec(spec)
        sys.modules[alias] = module
        spec.loader.exec_module(module)
        return module
    except (Exception, SystemExit) as exc:
        raise VerifyError(f"importing {path} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        if search in sys.path:
            sys.path.remove(search)
        # siblings imported by plain name (`import utils`) would shadow the twin's: forget them
        for name in list(_new_modules_under(before, search)):
            if name != alias and not name.startswith(alias + "."):
                del sys.modules[name]


def unload(module) -> None:
    """Forget a module loaded by load_file (and its package), so the next load is fresh."""
    alias = module.__name__.split(".")[0]
    if alias.startswith("_t2ms_verify_"):
        for name in [n for n in sys.modules if n == alias or n.startswith(alias + ".")]:
            del sys.modules[name]


def load_module(spec: Spec, tag: str):
    if spec.is_file:
        return load_file(spec.target, tag)
    try:
        return importlib.import_module(spec.target)
    except (Exception, SystemExit) as exc:
        raise VerifyError(f"importing {spec.target} failed: {type(exc).__name__}: {exc}") from exc


def get_attr(module, name: str, where: str):
    try:
        return getattr(module, name)
    except AttributeError:
        raise VerifyError(f"{where} has no {name!r}") from None
