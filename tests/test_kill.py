"""A real `torch2ms convert --inplace` run over many files, killed part-way through.

Whatever the moment, every file must be byte-identical to its original or to its
complete conversion, every backup must hold the original, and after Ctrl-C (SIGINT)
no temp file may remain. The expected conversion comes from convert_source itself.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # converts hundreds of files in subprocesses and kills them

from torch2ms.run import fileio
from torch2ms.convert.pipeline import convert_source

FILES = 300
VARIANTS = 12  # distinct contents, so computing the expected conversions stays cheap


def module_source(variant: int) -> bytes:
    blocks = []
    for k in range(4):
        blocks.append(f'''
class Block{variant}_{k}(nn.Module):
    """Generated block {variant}.{k}."""

    def __init__(self, dim={variant % 7 + 4}):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        h = F.relu(self.proj(x))
        h = torch.cat([h, torch.zeros_like(h)], dim=-1)
        return self.norm(h[..., : x.shape[-1]]) + x
''')
    header = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n\n"
    return (header + "\n".join(blocks)).encode()


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A tree of FILES modules in a few folders, and the conversion expected for each."""
    root = tmp_path_factory.mktemp("template")
    variants = [module_source(v) for v in range(VARIANTS)]
    expected_of = {source: convert_source(source, "x.py").code for source in variants}
    assert all(expected_of[source] != source for source in variants), "the test needs files that change"
    originals = {}
    for index in range(FILES):
        path = root / f"pkg{index % 5}" / f"module_{index:03}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(variants[index % VARIANTS])
        originals[str(path.relative_to(root))] = variants[index % VARIANTS]
    return root, originals, expected_of


def backups(root: Path) -> int:
    return sum(1 for _ in root.rglob("*" + fileio.BACKUP_SUFFIX))


def run_and_kill(root: Path, signum: int, fraction: float, jobs: str) -> int:
    """Start the CLI in its own process group, send `signum` to the whole group (as a
    terminal's Ctrl-C does) once `fraction` of the files have been rewritten."""
    process = subprocess.Popen(
        [sys.executable, "-m", "torch2ms", "convert", str(root), "--inplace", "-q", "-j", jobs,
         "--report", str(root.parent / "report.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while process.poll() is None and backups(root) < fraction * FILES and time.monotonic() < deadline:
        time.sleep(0.01)
    if process.poll() is None:
        os.killpg(process.pid, signum)
    try:
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    process.stderr.close()
    return process.returncode


@pytest.mark.parametrize(
    "signum, fraction, jobs",
    [
        (signal.SIGKILL, 0.25, "2"),
        (signal.SIGKILL, 0.6, "2"),
        (signal.SIGINT, 0.3, "2"),
        (signal.SIGINT, 0.5, "1"),
    ],
    ids=["sigkill-early", "sigkill-late", "sigint-pool", "sigint-in-process"],
)
def test_killed_run_leaves_every_file_whole(tmp_path, template, signum, fraction, jobs):
    source_root, originals, expected_of = template
    root = tmp_path / "tree"
    shutil.copytree(source_root, root)

    returncode = run_and_kill(root, signum, fraction, jobs)

    if signum == signal.SIGINT:
        assert returncode == 130
    else:
        assert returncode == -signal.SIGKILL
    done = untouched = 0
    for rel, original in originals.items():
        content = (root / rel).read_bytes()
        backup = root / (rel + fileio.BACKUP_SUFFIX)
        if content == expected_of[original]:
            done += 1
            assert backup.read_bytes() == original, rel
        else:
            assert content == original, f"{rel} is neither its original nor its conversion"
            untouched += 1
            if backup.exists():  # killed between the backup and the rename
                assert backup.read_bytes() == original, rel
    assert done > 0 and untouched > 0, f"the kill did not land mid-way ({done} done, {untouched} untouched)"

    strays = [p for p in root.rglob("*") if p.is_file() and p.name.endswith(".py")
              and p.relative_to(root).as_posix() not in originals]
    assert strays == []
    temps = [p.name for p in root.rglob("*") if fileio.is_temp_name(p.name)]
    if signum == signal.SIGINT:
        assert temps == []
        report = json.loads((tmp_path / "report.json").read_text())
        assert report["interrupted"] is True
        assert report["totals"]["converted"] == done  # the report tells exactly what was rewritten
        assert all(entry["status"] == "converted" for entry in report["files"])
    assert not list(root.rglob("*" + fileio.BACKUP_SUFFIX + ".1"))
