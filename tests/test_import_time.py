"""A module of a converted package imports without torch, even where what it runs at import
needs torch (a registry filled with a torch layer MindSpore lacks): that expression is None
without torch, with its note. A program of the project (imported by nothing) keeps its lines."""
from __future__ import annotations

import subprocess
import sys
import textwrap

from torch2ms.convert import convert_source
from torch2ms.convert.guards import is_script

LAYERS = textwrap.dedent("""\
    import torch
    import torch.nn as nn

    KINDS = (nn.Conv2d, nn.ConvTranspose3d)
    REGISTRY = {"conv": nn.Conv2d}
    REGISTRY["lrn"] = nn.LocalResponseNorm
    torch.set_num_threads(1)


    class Norms:
        table = {"lrn": nn.LocalResponseNorm}


    @torch.no_grad()
    def count():
        return len(REGISTRY)
    """)
TRAIN = "import torch\nimport torch.nn as nn\n\nnorm = nn.LocalResponseNorm(2)\n"


def _project(tmp_path):
    src = tmp_path / "src" / "blocks"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("from .layers import REGISTRY, KINDS, Norms, count\n")
    (src / "layers.py").write_text(LAYERS)
    (src / "train.py").write_text(TRAIN)
    return src


def _convert(src, dst):
    done = subprocess.run([sys.executable, "-m", "torch2ms", "convert", str(src), "-o", str(dst), "-q"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_a_package_module_imports_without_torch_and_keeps_its_notes(tmp_path):
    src = _project(tmp_path)
    dst = tmp_path / "out" / "blocks"
    _convert(src, dst)
    layers = (dst / "layers.py").read_text()
    assert "KINDS = (mint.nn.Conv2d, (torch.nn.ConvTranspose3d if torch is not None else None))  # torch2ms: " \
           "torch.nn.ConvTranspose3d is not in the tables (hint: run at import only where torch is installed" in layers
    assert "\nif torch is not None: torch.set_num_threads(1)  # torch2ms: torch.set_num_threads" in layers
    # imported with torch hidden (as where only MindSpore is installed)
    check = ("import sys; sys.modules['torch'] = None; sys.path.insert(0, sys.argv[1]); import blocks; "
             "print(sorted(blocks.REGISTRY), blocks.KINDS[1], blocks.Norms.table['lrn'], blocks.count())")
    done = subprocess.run([sys.executable, "-c", check, str(dst.parent)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['conv',", "'lrn']", "None", "None", "2"]
    # the program nothing imports keeps its line: it fails there, noted, when it runs
    assert "norm = torch.nn.LocalResponseNorm(2)  # torch2ms:" in (dst / "train.py").read_text()
    again = tmp_path / "again" / "blocks"
    _convert(dst, again)
    assert (again / "layers.py").read_text() == layers  # a second conversion changes nothing


def test_a_single_file_or_a_script_is_converted_as_it_runs():
    assert "norm = torch.nn.LocalResponseNorm(2)  # torch2ms:" in convert_source(TRAIN, "train.py").code
    assert is_script(__import__("libcst").parse_module("if __name__ == '__main__':\n    main()\n"))
    assert not is_script(__import__("libcst").parse_module("x = 1\n"))
