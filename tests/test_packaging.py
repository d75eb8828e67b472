"""The package as `pip install .` ships it, not as the source tree holds it.

The loaders glob their data folders (torch2ms/knowledge/data/arg_rules/, corrections/, the
profiles' data/): a file the wheel leaves out is not an error, it is a worse conversion
(`torch.sort(x, 1)` stays positional, `torch.addcmul` goes to the wrong API). So the wheel is
built from the checkout's files, installed into a fresh venv, and must (1) hold every file of
the source tree's torch2ms/ and (2) convert a project byte for byte as the source tree does.

.ci/run runs the whole suite against that installed wheel; the first test below checks that it
really does (the source tree's torch2ms must not be importable there).
"""
import importlib.metadata
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from support.spec import on_ci
from support.wheel import build_wheel, source_files

REPO = Path(__file__).resolve().parents[1]
BIN = "Scripts" if os.name == "nt" else "bin"
EXPECT_INSTALLED = os.environ.get("TORCH2MS_EXPECT_INSTALLED") == "1" or on_ci()
# The fresh venv sees nothing of this interpreter's paths (a PYTHONPATH would hide its libcst).
HERMETIC = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}

SAMPLE = '''\
"""A model whose conversion needs every data file family of the package."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)
        self.act = nn.ReLU(inplace=True)
        nn.init.zeros_(self.fc.bias)

    def forward(self, x):
        torch.manual_seed(0)
        values, _ = torch.sort(x, 1)
        ones = torch.ones(2, 3)
        mixed = torch.addcmul(x, x, x, value=0.5)
        sparse = x.is_sparse
        return F.relu(self.fc(x)) + ones + mixed + values.size(1), sparse
'''

HF_SAMPLE = '''\
import torch
from transformers import PreTrainedModel
from transformers.activations import ACT2FN


class Block(PreTrainedModel):
    def forward(self, x):
        return ACT2FN["gelu"](x) * torch.tensor([1.0, 2.0])
'''

# What each data family makes of SAMPLE / HF_SAMPLE: if the wheel and the source tree both
# lacked a file, the byte-for-byte comparison alone would pass.
EXPECTED = {
    "model.py": [
        "class Net(nn.Cell):",                                   # mappings.json
        "def construct(self, x):",
        "self.act = mint.nn.ReLU()",                             # torch_api.json (inplace=)
        "values, _ = mint.sort(x, dim=1)",                       # arg_rules/mint_map.json
        "ones = mint.ones((2, 3))",                              # arg_rules/
        "mixed = mint.addcmul(x, x, x, value=0.5)",              # corrections/ops_map.json
        "mindspore.manual_seed(0)",                              # extra_mappings.json
        "init.initializer(init.Zero(), ",                        # init_map.json
        "mint.nn.functional.relu(self.fc(x))",                   # ms_api.json
        "sparse = x.is_sparse  # torch2ms: torch.Tensor.is_sparse has no MindSpore counterpart",
    ],
    "hf_block.py": [
        "from mindone.transformers import PreTrainedModel",      # profiles/transformers/data/
        "from mindone.transformers.activations import ACT2FN",
        "mindspore.Tensor([1.0, 2.0])",
    ],
}


def run(command, **kwargs):
    done = subprocess.run([str(c) for c in command], capture_output=True, text=True, timeout=600, **kwargs)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(wheel path, venv python, venv bin folder): the checkout's files built into a wheel
    away from the checkout and installed into a fresh venv."""
    root = tmp_path_factory.mktemp("packaging")
    wheel = build_wheel(root)
    venv = root / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], env=HERMETIC)
    python = venv / BIN / "python"
    # The outer pip installs into the new venv: the wheel and its declared dependencies
    # (libcst in its pinned range, from the registry or pip's cache), nothing else.
    run([sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel], env=HERMETIC)
    return wheel, python, venv / BIN


def test_the_package_under_test_is_the_installed_wheel():
    if not EXPECT_INSTALLED:
        pytest.skip(".ci/run (TORCH2MS_EXPECT_INSTALLED=1) and CI=true test the installed wheel; "
                    "this run imports torch2ms from wherever it finds it")
    import torch2ms
    where = Path(torch2ms.__file__).resolve()
    site = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert site in where.parents, f"torch2ms imported from {where}, not from {site}"
    assert str(REPO) not in sys.path and "" not in sys.path, sys.path
    direct = importlib.metadata.distribution("torch2ms").read_text("direct_url.json")
    assert direct is None or not json.loads(direct).get("dir_info", {}).get("editable"), direct
    # The tests' subprocesses run `python -m torch2ms` with cwd=REPO and scripts that live in
    # REPO (auto_convert.py): safe-path mode keeps the cwd and the script's folder off sys.path.
    assert sys.flags.safe_path and os.environ.get("PYTHONSAFEPATH"), "run with PYTHONSAFEPATH=1 (Python 3.11+)"
    seen = run([sys.executable, "-c", "import torch2ms; print(torch2ms.__file__)"], cwd=REPO)
    assert site in Path(seen.stdout.strip()).resolve().parents, seen.stdout


@pytest.mark.slow  # builds a wheel and a venv
def test_the_wheel_holds_every_file_of_the_package(built):
    wheel, _python, _bin = built
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    shipped = {name for name in names if name.startswith("torch2ms/")}
    source = {name for name in source_files() if name.startswith("torch2ms/")}
    data = {name for name in source if "/data/" in name}
    assert len(data) >= 20 and any("/data/arg_rules/" in n for n in data) and any(
        "/data/corrections/" in n for n in data) and any(n.startswith("torch2ms/profiles/") for n in data)
    assert sorted(source - shipped) == [], (
        "the wheel leaves these out: list their kind in [tool.setuptools.package-data] of pyproject.toml")
    assert sorted(shipped - source) == []  # nothing stale or stray either
    dist_info = "torch2ms-{}.dist-info".format(wheel.name.split("-")[1])
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
        requires = [line for line in archive.read(f"{dist_info}/METADATA").decode().splitlines()
                    if line.startswith("Requires-Dist: libcst")]
    assert "torch2ms = torch2ms.cli:main" in entry_points
    assert len(requires) == 1 and "<" in requires[0], requires  # the pinned range travels along


@pytest.mark.slow  # builds a wheel and a venv
def test_the_installed_tool_converts_byte_for_byte_like_the_source_tree(built, tmp_path):
    _wheel, python, bin_dir = built
    for side in ("installed", "source"):
        project = tmp_path / side / "project"
        project.mkdir(parents=True)
        (project / "model.py").write_text(SAMPLE, encoding="utf-8")
        (project / "hf_block.py").write_text(HF_SAMPLE, encoding="utf-8")
        (project / "notes.txt").write_text("copied as is\n", encoding="utf-8")
    args = ["convert", "project", "-o", "out", "--report", "report.json"]
    where = run([python, "-c", "import torch2ms, libcst; print(torch2ms.__file__); print(libcst.__file__)"],
                cwd=tmp_path, env=HERMETIC).stdout.split()
    assert all(Path(w).resolve().is_relative_to(python.parent.parent.resolve()) for w in where), where
    installed = run([bin_dir / "torch2ms", *args], cwd=tmp_path / "installed", env=HERMETIC)  # the console script
    source_main = (f"import sys; sys.path.insert(0, {str(REPO)!r}); import torch2ms; "
                   f"assert torch2ms.__file__.startswith({str(REPO)!r}), torch2ms.__file__; "
                   "from torch2ms.cli import main; sys.exit(main(sys.argv[1:]))")
    source = run([sys.executable, "-c", source_main, *args], cwd=tmp_path / "source")

    def tree(side):
        base = tmp_path / side
        files = {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*") if p.is_file()}
        # strict UTF-8 decoding is one-to-one: equal texts are equal bytes, and a diff is readable
        return {name: data.decode("utf-8") for name, data in files.items() if not name.startswith("project/")}

    got, want = tree("installed"), tree("source")
    # the manifest (run/manifest.py) is the same too: the tool's fingerprint hashes the package's files
    assert sorted(got) == ["out/.torch2ms-manifest.json", "out/hf_block.py", "out/model.py", "out/notes.txt",
                           "report.json"]
    for name in sorted(want):
        assert got[name] == want[name], f"{name}: the installed tool differs from the source tree"
    assert installed.stdout == source.stdout and installed.stderr == source.stderr
    for name, lines in EXPECTED.items():
        text = got[f"out/{name}"]
        missing = [line for line in lines if line not in text]
        assert missing == [], f"out/{name} lacks {missing}:\n{text}"
