"""End to end: convert examples/ with the CLI, run both versions, demand the same numbers.

torch and MindSpore 2.10 (CPU) coexist in one process here (checked: either
import order, models of both running interleaved), so no subprocess is used.
MindSpore's missing CPU kernels are patched with tests/support/ms_cpu_fallback.py.
"""
import ast
import importlib.util
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # runs the example models in torch and MindSpore

torch = pytest.importorskip("torch")
ms = pytest.importorskip("mindspore")

from support import ms_cpu_fallback  # noqa: E402
from support.parity import compare, copy_weights  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = ["resnet", "gpt"]


def load_package(pkg_dir, alias):
    """Import the package in pkg_dir under a fresh name, so torch and converted copies never collide."""
    spec = importlib.util.spec_from_file_location(alias, pkg_dir / "__init__.py",
                                                  submodule_search_locations=[str(pkg_dir)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


def unload(alias):
    for name in [n for n in sys.modules if n == alias or n.startswith(alias + ".")]:
        del sys.modules[name]


def find_package(root, name):
    hits = sorted(p.parent for p in Path(root).rglob("__init__.py") if p.parent.name == name)
    assert len(hits) == 1, f"expected one converted package {name!r} under {root}, found {hits}"
    return hits[0]


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    out = tmp_path_factory.mktemp("converted")
    proc = subprocess.run([sys.executable, "-m", "torch2ms", "convert", "examples", "-o", str(out)],
                          cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"convert failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    return out


@pytest.fixture(scope="module")
def fallback():
    yield ms_cpu_fallback.install()
    ms_cpu_fallback.uninstall()


@pytest.mark.parametrize("name", EXAMPLES)
def test_converted_source_has_no_torch(converted, name):
    files = sorted(find_package(converted, name).rglob("*.py"))
    assert files
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        imported = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        imported += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0]
        assert not [m for m in imported if m == "torch" or m.startswith("torch.")], (path, imported)
        assert not [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "torch"], path
    assert any("mindspore" in p.read_text(encoding="utf-8") for p in files)


def settle_statistics(model, inputs):
    """Move parameters and BatchNorm statistics off their initial values, so copying them is tested."""
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.05 * torch.randn(param.shape, generator=gen))
        model.train()
        model(*inputs)  # one training-mode pass fills the running statistics
    model.eval()


# Extra behaviour checked beyond the forward pass: greedy decoding feeds outputs back in.
EXTRA_CALLS = {"gpt": lambda model, inputs: model.generate(inputs[0][:, :5], max_new_tokens=6)}


def check_example(torch_pkg, ms_pkg, name, seed=0):
    """Returns the largest absolute difference seen; raises AssertionError on any mismatch."""
    torch_model = torch_pkg.build_model(seed)
    inputs = torch_pkg.example_inputs()
    settle_statistics(torch_model, inputs)

    ms_model = ms_pkg.build_model(seed)
    copied, unmatched_torch, unmatched_ms = copy_weights(torch_model, ms_model)
    assert copied and unmatched_torch == [] and unmatched_ms == [], (unmatched_torch, unmatched_ms)

    ms_inputs = tuple(ms.Tensor(t.numpy()) for t in inputs)
    with torch.no_grad():
        expected = torch_model(*inputs)
    worst = compare(expected, ms_model(*ms_inputs), atol=1e-4, rtol=1e-3)
    if name in EXTRA_CALLS:
        with torch.no_grad():
            expected = EXTRA_CALLS[name](torch_model, inputs)
        worst = max(worst, compare(expected, EXTRA_CALLS[name](ms_model, ms_inputs), atol=0, rtol=0))
    return worst


@contextmanager
def both_packages(converted, name):
    """(torch package from examples/, its converted twin), imported under fresh names."""
    tag = uuid.uuid4().hex[:8]
    aliases = f"t2ms_torch_{name}_{tag}", f"t2ms_ms_{name}_{tag}"
    try:
        yield (load_package(REPO / "examples" / name, aliases[0]),
               load_package(find_package(converted, name), aliases[1]))
    finally:
        for alias in aliases:
            unload(alias)


@pytest.mark.parametrize("name", EXAMPLES)
def test_converted_example_matches_torch(converted, fallback, name):
    with both_packages(converted, name) as (torch_pkg, ms_pkg):
        assert np.isfinite(check_example(torch_pkg, ms_pkg, name))


@pytest.mark.parametrize("name", EXAMPLES)
def test_converted_demo_main_runs(converted, fallback, name, capsys):
    """The __main__ demo had device code in it; after conversion it must still run end to end."""
    with both_packages(converted, name) as (torch_pkg, ms_pkg):
        sys.modules[torch_pkg.__name__ + ".model"].main()
        torch_first = capsys.readouterr().out.split(")")[0]  # e.g. "logits: (2, 10"
        sys.modules[ms_pkg.__name__ + ".model"].main()
        assert capsys.readouterr().out.startswith(torch_first + ")")
