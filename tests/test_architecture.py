"""Imports point one way: every module of torch2ms belongs to a layer, and imports only reach
its own layer or the ones below (docs/architecture.md draws the same stack)."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, Iterator, Set

import torch2ms

PACKAGE = Path(torch2ms.__file__).resolve().parent

# Top to bottom. A module belongs to the first layer one of whose prefixes it matches.
LAYERS = (
    ("command line", ("torch2ms.cli", "torch2ms.__main__")),
    ("weights", ("torch2ms.weights",)),  # checkpoints for converted models; builds them as verify does
    ("verify", ("torch2ms.verify",)),
    ("run", ("torch2ms.run",)),
    ("pipeline", ("torch2ms.convert.pipeline", "torch2ms.convert")),  # the package facade loads the pipeline
    ("profiles", ("torch2ms.profiles",)),
    ("rules", ("torch2ms.rules",)),
    ("convert machinery", ("torch2ms.convert.",)),
    ("knowledge", ("torch2ms.knowledge",)),
    ("fallback", ("torch2ms.fallback",)),  # stand-ins for verify; needs only MindSpore
    ("package", ("torch2ms",)),
)
# Within the machinery, nothing reaches back up into the pipeline that drives it.
MACHINERY = "convert machinery"


def layer_of(module: str) -> int:
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if prefix.endswith("."):
                if module.startswith(prefix) and module != "torch2ms.convert.pipeline":
                    return index
            elif module == prefix or module.startswith(prefix + "."):
                if prefix == "torch2ms.convert" and module != prefix:
                    continue  # only the package itself; its modules are machinery
                return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS and docs/architecture.md")


def modules() -> Dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(name: str, path: Path, known: Set[str]) -> Iterator[str]:
    """torch2ms modules this module imports (at any depth of the file, lazy ones included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("torch2ms"):
                    yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            if not base.startswith("torch2ms"):
                continue
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base


def test_every_module_has_a_layer_and_imports_point_down():
    found = modules()
    wrong = []
    for name, path in sorted(found.items()):
        mine = layer_of(name)
        for target in set(imports_of(name, path, set(found))):
            theirs = layer_of(target)
            if theirs < mine:
                wrong.append(f"{name} ({LAYERS[mine][0]}) imports {target} ({LAYERS[theirs][0]})")
    assert not wrong, "imports pointing up:\n" + "\n".join(wrong)


def test_rules_do_not_import_each_other():
    found = modules()
    shared = {"torch2ms.rules", "torch2ms.rules.base"}
    wrong = []
    for name, path in found.items():
        if name.startswith("torch2ms.rules.") and name not in shared:
            for target in set(imports_of(name, path, set(found))):
                if target.startswith("torch2ms.rules") and target not in shared:
                    wrong.append(f"{name} imports {target}")
    assert not wrong, "rules cooperate only through the context's API:\n" + "\n".join(wrong)


def test_the_knowledge_layer_needs_no_libcst():
    found = modules()
    for name, path in found.items():
        if name.startswith("torch2ms.knowledge"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
            assert not any(m == "libcst" or m.startswith("libcst.") for m in names), name
