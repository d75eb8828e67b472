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


    def conv_type(dim):
        return (nn.Conv1d, nn.Conv2d, nn.ConvTranspose3d)[dim - 1]
    """)
TRAIN = "import torch\nimport torch.nn as nn\n\nnorm = nn.LocalResponseNorm(2)\n"


def _project(tmp_path):
    src = tmp_path / "src" / "blocks"
    src.mkdir(parents=True)
    (src / "__init__.py").write_text("from .layers import REGISTRY, KINDS, Norms, count, conv_type\n")
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
    assert "KINDS = (mint.nn.Conv2d, (torch.nn.ConvTranspose3d if torch is not None else " \
           "_torch_only('torch.nn.ConvTranspose3d')))  # torch2ms: torch.nn.ConvTranspose3d is not in the tables " \
           "(hint: where torch is not installed: a stand-in that raises when used, so that the module imports)" in layers
    assert "\nif torch is not None: torch.set_num_threads(1)  # torch2ms: torch.set_num_threads" in layers
    # imported with torch hidden (as where only MindSpore is installed): the other entries work,
    # nothing is an instance of a stand-in, and building one raises, naming the API
    check = textwrap.dedent("""\
        import sys
        sys.modules['torch'] = None
        sys.path.insert(0, sys.argv[1])
        import blocks
        print(sorted(blocks.REGISTRY), blocks.count(), blocks.conv_type(2).__name__, isinstance(1, blocks.KINDS[1]))
        for make in (lambda: blocks.REGISTRY['lrn'](2), lambda: blocks.Norms.table['lrn'](2), lambda: blocks.conv_type(3)(1, 1, 1)):
            try:
                make()
            except NotImplementedError as refused:
                print(str(refused).split(' is ')[0])
        """)
    done = subprocess.run([sys.executable, "-c", check, str(dst.parent)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['conv',", "'lrn']", "2", "Conv2d", "False", "torch.nn.LocalResponseNorm",
                                   "torch.nn.LocalResponseNorm", "torch.nn.ConvTranspose3d"]
    # the program nothing imports keeps its line: it fails there, noted, when it runs
    assert "norm = torch.nn.LocalResponseNorm(2)  # torch2ms:" in (dst / "train.py").read_text()
    again = tmp_path / "again" / "blocks"
    _convert(dst, again)
    assert (again / "layers.py").read_text() == layers  # a second conversion changes nothing


def test_a_single_file_or_a_script_is_converted_as_it_runs():
    assert "norm = torch.nn.LocalResponseNorm(2)  # torch2ms:" in convert_source(TRAIN, "train.py").code
    assert is_script(__import__("libcst").parse_module("if __name__ == '__main__':\n    main()\n"))
    assert not is_script(__import__("libcst").parse_module("x = 1\n"))
