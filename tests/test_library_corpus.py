"""Whole packages converted as a folder (not only their model files): every output parses, every
MindSpore name it emits exists, and converting the output again changes nothing.

diffusers is installed with the stack (mindone needs it); timm and torchvision are not (they
would pull another torch): set TORCH2MS_LIBS_SITE to a site-packages folder holding them
(benchmarks/realworld/setup_env.sh makes one) to convert those too. TORCH2MS_LIBRARY_SAMPLE=N
converts every Nth file of a package (default: every file of diffusers' models and pipelines
folders is too slow for CI, so a deterministic sample of 60 files per package).
"""
import ast
import importlib.util
import os
import pathlib
from typing import List

import pytest

from torch2ms.knowledge import inventory
from torch2ms.run import runner

pytestmark = pytest.mark.slow  # converts whole packages

SAMPLE = int(os.environ.get("TORCH2MS_LIBRARY_SAMPLE", "60"))


def _packages() -> List[pathlib.Path]:
    found = []
    spec = importlib.util.find_spec("diffusers")
    if spec is not None and spec.submodule_search_locations:
        found.append(pathlib.Path(list(spec.submodule_search_locations)[0]))
    site = os.environ.get("TORCH2MS_LIBS_SITE")
    for name in ("timm", "torchvision"):
        if site and (pathlib.Path(site) / name / "__init__.py").exists():
            found.append(pathlib.Path(site) / name)
    return found


def _roots(tree: ast.Module) -> dict:
    """Local names the file binds to MindSpore modules (`import mindspore`, `from mindspore import mint`)."""
    roots = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "mindspore":
                    roots[alias.asname or "mindspore"] = "mindspore"
        elif isinstance(node, ast.ImportFrom) and node.module == "mindspore" and not node.level:
            for alias in node.names:
                if alias.name in ("mint", "ops", "nn"):
                    roots[alias.asname or alias.name] = f"mindspore.{alias.name}"
    return roots


def _emitted(tree: ast.Module) -> List[str]:
    """MindSpore names the code reads: `mint.nn.Linear`, `mindspore.Tensor`, `ops.relu` ..."""
    ROOTS = _roots(tree)
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and not isinstance(getattr(node, "parent", None), ast.Attribute):
            parts, current = [], node
            while isinstance(current, ast.Attribute):
                parts.append(current.attr)
                current = current.value
            if isinstance(current, ast.Name) and current.id in ROOTS:
                names.append(".".join([ROOTS[current.id], *reversed(parts)]))
    return names


def _longest_known(path: str) -> bool:
    """Is the name (or the module/class it is an attribute of) in MindSpore 2.10's inventory?
    A method of a known class (`mint.nn.Linear.weight`) counts by its class."""
    while path.count(".") >= 1:
        if inventory.ms_exists(path):
            return True
        kind = inventory.ms_kind(path.rpartition(".")[0])
        if kind in ("class",):
            return True  # an attribute of a class the inventory knows (its members are not listed)
        if kind == "module":
            return False  # a module the inventory lists member by member: this member is not there
        path = path.rpartition(".")[0]
    return False


@pytest.mark.parametrize("package", _packages(), ids=lambda p: p.name)
def test_whole_package_converts_to_code_that_parses_names_real_apis_and_is_stable(package, tmp_path):
    jobs, problems = runner.plan_folder(str(package), str(tmp_path / package.name), "write")
    python = [j for j in jobs if j.kind == "python"]
    step = max(1, len(python) // SAMPLE) if SAMPLE else 1
    chosen = python[::step]
    assert not problems
    invented, unparsable, unstable = [], [], []
    for job in chosen:
        outcome = runner.run_job(job)
        assert outcome.status != "failed", (job.rel, outcome.error)
        out = pathlib.Path(job.dst).read_bytes()
        try:
            tree = ast.parse(out)
        except SyntaxError as exc:
            unparsable.append((job.rel, str(exc)))
            continue
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                child.parent = node
        invented += [(job.rel, name) for name in _emitted(tree) if not _longest_known(name)]
        again = pathlib.Path(str(job.dst) + ".again")
        second = runner.run_job(runner.Job("python", job.dst, job.rel, "write", str(again), packages=job.packages,
                                           star=job.star, exported=job.exported))
        assert second.status != "failed", (job.rel, second.error)
        if again.read_bytes() != out:
            unstable.append(job.rel)
    assert not unparsable, unparsable[:5]
    assert not invented, invented[:10]
    assert not unstable, unstable[:10]
