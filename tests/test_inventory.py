"""The recorded API inventories against known facts and against the installed frameworks."""

import importlib.metadata
import importlib.util
import json
import random
import subprocess
import sys

import pytest

from torch2ms.knowledge import inventory, tables
from torch2ms.knowledge.store import DATA_DIR

needs_mindspore = pytest.mark.skipif(
    importlib.util.find_spec("mindspore") is None, reason="mindspore is not installed")
needs_torch = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None, reason="torch is not installed")

# Runs in a fresh interpreter (the frameworks are heavy and must not leak into the test
# process). Reads dotted paths on stdin, prints {path: kind or null} judged from the live
# objects; written apart from scripts/gen_inventory.py so that the two check each other.
# With --import, a path not reachable by attribute is imported, as `import a.b.c` would.
LIVE_KIND_SCRIPT = r"""
import contextlib, importlib, inspect, io, json, sys, types, warnings
warnings.simplefilter("ignore")
IMPORT = "--import" in sys.argv

def live_kind(path):
    head, *rest = path.split(".")
    obj, owner = importlib.import_module(head), None
    for i, part in enumerate(rest, start=1):
        owner = obj
        try:
            obj = getattr(obj, part)
        except Exception:
            if not IMPORT:
                return None
            try:
                obj = importlib.import_module(".".join([head] + rest[:i]))
            except Exception:
                return None
    if inspect.isclass(owner):
        raw = inspect.getattr_static(owner, rest[-1])
        if isinstance(raw, property) or inspect.isgetsetdescriptor(raw):
            return "property"
        if inspect.isclass(raw):
            return "class"
        if inspect.ismemberdescriptor(raw):
            return "attribute"
        if isinstance(raw, (staticmethod, classmethod)) or callable(raw):
            return "method"
        return "attribute"
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    return "function" if callable(obj) else "other"

paths = json.load(sys.stdin)
with contextlib.redirect_stdout(io.StringIO()):
    kinds = {p: live_kind(p) for p in paths}
print(json.dumps(kinds))
"""


def live_kinds(paths, import_missing=False):
    command = [sys.executable, "-c", LIVE_KIND_SCRIPT] + (["--import"] if import_missing else [])
    done = subprocess.run(command, input=json.dumps(paths),
                          capture_output=True, text=True, timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def mismatches(recorded, paths, import_missing=False):
    live = live_kinds(paths, import_missing)
    return {p: (recorded(p), live[p]) for p in paths if recorded(p) != live[p]}


def test_known_mindspore_facts():
    assert inventory.ms_kind("mindspore.mint.arange") == "function"
    assert inventory.ms_kind("mindspore.mint.nn.Linear") == "class"
    assert inventory.ms_kind("mindspore.nn.Cell") == "class"
    assert inventory.ms_kind("mindspore.mint.nn") == "module"
    assert inventory.ms_kind("mindspore.mint.nn.functional") == "module"
    assert inventory.ms_kind("mindspore.Tensor.add") == "method"
    assert inventory.ms_kind("mindspore.Tensor.shape") == "property"
    assert inventory.ms_kind("mindspore.float32") == "other"
    assert inventory.ms_exists("mindspore._no_grad")
    assert not inventory.ms_exists("mindspore.mint.frobnicate")
    assert inventory.ms_kind("mindspore.mint.frobnicate") is None
    assert not inventory.ms_exists("mindspore.mint._inner")  # private names are left out


def test_known_torch_facts():
    assert inventory.torch_is_module("torch.nn.functional")
    assert inventory.torch_is_module("torch.utils.checkpoint")
    assert not inventory.torch_is_module("torch.nn.Linear")
    assert inventory.torch_kind("torch.nn.Linear") == "class"
    assert inventory.torch_kind("torch.nn.functional.relu") == "function"
    assert inventory.torch_kind("torch.Tensor.view") == "method"
    assert inventory.torch_kind("torch.float32") == "other"
    assert inventory.torch_kind("torch.frobnicate") is None
    assert inventory.torch_params("torch.nn.Linear") == [
        "in_features", "out_features", "bias", "device", "dtype"]
    assert inventory.torch_params("torch.nn.ReLU") == ["inplace"]
    assert inventory.torch_params("torch.nn.functional.relu") == ["input", "inplace"]
    assert inventory.torch_params("torch.frobnicate") is None


def test_torch_params_marks_keyword_only_and_variadic_parameters():
    adamw = inventory.torch_params("torch.optim.AdamW")
    assert adamw[:2] == ["params", "lr"] and "*" in adamw
    assert adamw.index("*") < adamw.index("maximize")
    assert inventory.torch_params("torch.einsum") == ["*args"]
    # a copy, so callers cannot corrupt the cache
    inventory.torch_params("torch.nn.ReLU").append("junk")
    assert inventory.torch_params("torch.nn.ReLU") == ["inplace"]


def test_loading_imports_neither_framework():
    code = ("import sys; from torch2ms.knowledge import inventory, tables; tables.rows(); "
            "inventory.ms_kind('x'); inventory.torch_kind('x'); "
            "print(sorted(m for m in ('torch', 'mindspore') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@needs_mindspore
def test_recorded_mindspore_version_is_the_installed_one():
    assert inventory.ms_version() == importlib.metadata.version("mindspore"), (
        "run `python scripts/gen_inventory.py ms` after changing the mindspore pin")


@needs_torch
def test_recorded_torch_version_is_the_installed_one():
    installed = importlib.metadata.version("torch").split("+")[0]
    assert inventory.torch_version() == installed, (
        "run `python scripts/gen_inventory.py torch` after changing the torch pin")


@needs_mindspore
@pytest.mark.slow  # imports the framework in a subprocess
def test_mindspore_inventory_matches_the_installed_mindspore():
    api = json.loads((DATA_DIR / "ms_api.json").read_text(encoding="utf-8"))["api"]
    sample = random.Random(2024).sample(sorted(api), 200)
    # The table targets too: a conversion must never point at something that is not there.
    targets = sorted({r.mindspore for r in tables.rows() if r.mindspore})
    assert mismatches(inventory.ms_kind, sorted(set(sample) | set(targets))) == {}


@needs_torch
@pytest.mark.slow  # imports the framework in a subprocess
def test_torch_inventory_matches_the_installed_torch():
    kinds = json.loads((DATA_DIR / "torch_api.json").read_text(encoding="utf-8"))["kinds"]
    rng = random.Random(2024)
    assert mismatches(inventory.torch_kind, rng.sample(sorted(kinds), 200)) == {}
    # The module list means "importable", which is more than attribute-reachable.
    modules = json.loads((DATA_DIR / "torch_api.json").read_text(encoding="utf-8"))["modules"]
    assert mismatches(inventory.torch_kind, rng.sample(modules, 50), import_missing=True) == {}


def test_every_mindspore_target_of_the_tables_is_in_the_inventory():
    missing = [(r.table, r.torch, r.mindspore) for r in tables.rows()
               if r.mindspore and not inventory.ms_exists(r.mindspore)]
    assert missing == []


def test_alternatives_that_name_a_plain_api_are_in_the_inventory():
    # Alternatives like 'ms.Tensor()' or '... = False' are prose for a human and are not checked.
    # mindspore.Tensor.histo is a typo in the seed (MindSpore has Tensor.histc); the converter
    # must treat it as a hint, never emit it.
    known_bad = {"mindspore.Tensor.histo"}
    plain = [a for r in tables.rows() for a in r.alternatives
             if a.startswith("mindspore.") and a.replace(".", "").replace("_", "").isalnum()]
    assert plain, "expected some plain-API alternatives in the tables"
    assert sorted(a for a in plain if not inventory.ms_exists(a)) == sorted(known_bad)
    assert inventory.ms_exists("mindspore.Tensor.histc")
