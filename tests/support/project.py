"""A small PyTorch project on disk, for the tests of what surrounds conversion (reports, check,
configuration, manifests, notebooks): a model that converts fully, a file with a flag, an
unchanged helper, and (on request) a broken file and a notebook."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict

from torch2ms import cli

MODEL = b'''import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return torch.relu(self.fc(x)) + torch.zeros(4)
'''
# torch.autocast has no MindSpore counterpart, so it is flagged; torch.ones converts.
FLAGGED = b"import torch\n\nctx = torch.autocast('cpu')\nx = torch.ones(2)\n"
PLAIN = b"def add(a, b):\n    return a + b\n"
BROKEN = b"import torch\n\ndef f(:\n    pass\n"


def notebook(cells, language="python") -> bytes:
    """An nbformat 4 notebook: cells are ("code" | "markdown", source text)."""
    made = []
    for kind, text in cells:
        cell = {"cell_type": kind, "id": f"cell-{len(made) + 1}", "metadata": {},
                "source": text.splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=len(made) + 1,
                        outputs=[{"output_type": "stream", "name": "stdout", "text": ["ran\n"]}])
        made.append(cell)
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": language},
            "language_info": {"name": language}}
    return json.dumps({"cells": made, "metadata": meta, "nbformat": 4, "nbformat_minor": 5}, indent=1).encode()


NOTEBOOK_CELLS = [
    ("markdown", "# Demo\nuses torch.zeros"),
    ("code", "%matplotlib inline\nimport torch"),
    ("code", "x = torch.zeros(2, 3)\n!echo shell\nctx = torch.autocast('cpu')"),
]


def make_project(root: Path, broken: bool = False, with_notebook: bool = False) -> Path:
    src = root / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "model.py").write_bytes(MODEL)
    (src / "pkg" / "__init__.py").write_bytes(b"")
    (src / "pkg" / "util.py").write_bytes(PLAIN)
    (src / "pkg" / "flagged.py").write_bytes(FLAGGED)
    (src / "README.md").write_bytes(b"# readme\n")
    if broken:
        (src / "pkg" / "broken.py").write_bytes(BROKEN)
    if with_notebook:
        (src / "demo.ipynb").write_bytes(notebook(NOTEBOOK_CELLS))
    return src


def snapshot(folder: Path) -> Dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_cli(capsys, *argv):
    """(exit status, stdout, stderr) of torch2ms in this process."""
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
