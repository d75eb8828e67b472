"""Notebooks (.ipynb): code cells converted as one module (an import in one cell binds the next),
IPython magics and shell lines kept as they are, markdown untouched, outputs cleared or kept,
flags located by cell and line; the result opens and validates with nbformat."""
from __future__ import annotations

import json

import numpy as np
import pytest

from support.project import NOTEBOOK_CELLS, make_project, notebook, run_cli, snapshot
from support.requires import package
from torch2ms.convert.results import Reason
from torch2ms.run.notebook import convert_notebook

nbformat = package("nbformat", "nbformat")  # opens and validates the converted notebooks, as Jupyter does


def cells_of(data: bytes):
    return [("".join(c["source"]) if isinstance(c["source"], list) else c["source"]) for c in json.loads(data)["cells"]]


def read_valid(path_or_bytes):
    """Open as Jupyter does, and validate against nbformat's own schema."""
    text = path_or_bytes.read_text("utf-8") if hasattr(path_or_bytes, "read_text") else path_or_bytes.decode()
    nb = nbformat.reads(text, as_version=4)
    nbformat.validate(nb)
    return nb


def test_folder_conversion_converts_notebooks_cell_by_cell(tmp_path, capsys):
    src = make_project(tmp_path, with_notebook=True)
    report = tmp_path / "report.json"
    code, _, err = run_cli(capsys, "convert", src, "-o", tmp_path / "dst", "--report", report)
    assert code == 0, err
    assert "(4 Python files, 1 notebooks)" in err
    nb = read_valid(tmp_path / "dst" / "demo.ipynb")
    markdown, first, second = (cell.source for cell in nb.cells)
    assert markdown == "# Demo\nuses torch.zeros"  # markdown cells are never touched
    # the magic is kept; torch stays imported for autocast, which is flagged, guarded so that
    # the notebook runs where torch is not installed (the line is the notebook's code as one file)
    assert first == ("%matplotlib inline\ntry:\n    import torch  # torch2ms: torch still used on line 11 (flagged there)"
                     "\nexcept ImportError:\n    torch = None\nfrom mindspore import mint")
    assert second.startswith("x = mint.zeros((2, 3))\n!echo shell\nctx = torch.autocast('cpu')  # torch2ms: ")
    assert all(cell.outputs == [] and cell.execution_count is None for cell in nb.cells if cell.cell_type == "code")
    entry = next(e for e in json.loads(report.read_text("utf-8"))["files"] if e["path"] == "demo.ipynb")
    assert entry["kind"] == "notebook" and entry["status"] == "converted"
    assert entry["flags"] == [{"line": 3, "column": 6, "api": "torch.autocast", "reason": str(Reason.MANUAL),
                               "hint": entry["flags"][0]["hint"], "cell": 3}]


def test_outputs_kept_on_request(tmp_path, capsys):
    path = tmp_path / "demo.ipynb"
    path.write_bytes(notebook(NOTEBOOK_CELLS))
    code, out, _ = run_cli(capsys, "convert", path, "--keep-outputs")
    assert code == 0
    nb = read_valid(out.encode())
    assert [c.outputs[0]["text"] for c in nb.cells if c.cell_type == "code"] == ["ran\n", "ran\n"]


def test_a_single_notebook_as_src(tmp_path, capsys):
    path = tmp_path / "demo.ipynb"
    path.write_bytes(notebook(NOTEBOOK_CELLS))
    code, out, _ = run_cli(capsys, "convert", path)  # printed: the converted notebook
    assert code == 0 and cells_of(out.encode())[2].startswith("x = mint.zeros((2, 3))")
    code, _, _ = run_cli(capsys, "convert", path, "-o", tmp_path / "out.ipynb")
    assert code == 0 and read_valid(tmp_path / "out.ipynb").cells[2].source.startswith("x = mint.zeros")
    code, out, _ = run_cli(capsys, "convert", path, "--diff")
    assert "# %% [torch2ms cell 3]\n-x = torch.zeros(2, 3)\n+x = mint.zeros((2, 3))\n" in out
    before = path.read_bytes()
    code, _, _ = run_cli(capsys, "convert", path, "--inplace")
    assert code == 0 and (tmp_path / "demo.ipynb.orig").read_bytes() == before
    assert read_valid(path).cells[2].source.startswith("x = mint.zeros")


def test_magics_of_every_kind_are_kept_as_they_are():
    cells = [("code", "import torch\n!pip install x\nfiles = !ls\n%time y = 1\ntorch.zeros?\n?torch.ones"),
             ("code", "%%bash\necho torch.zeros(1)\n"),
             ("code", "%%time\nfor i in range(2):\n    !echo hi\n    z = torch.ones(2, 2)"),
             ("code", "a = 7 % 3\nb = torch.ones(1)")]
    result = convert_notebook(notebook(cells), "nb.ipynb")
    first, bash, timed, plain = cells_of(result.code)
    assert first.splitlines()[1:] == ["!pip install x", "files = !ls", "%time y = 1", "torch.zeros?", "?torch.ones"]
    assert bash == "%%bash\necho torch.zeros(1)\n"  # another language's cell
    assert timed == "%%time\nfor i in range(2):\n    !echo hi\n    z = mint.ones((2, 2))"
    assert plain == "a = 7 % 3\nb = mint.ones(1)"  # plain Python: `%` is the modulo operator


def test_errors_name_the_cell_and_notebooks_without_torch_stay_byte_for_byte(tmp_path, capsys):
    broken = tmp_path / "broken.ipynb"
    broken.write_bytes(notebook([("code", "import torch"), ("markdown", "x"), ("code", "x = 1\ndef f(:\n")]))
    code, _, err = run_cli(capsys, "convert", broken, "-o", tmp_path / "out.ipynb")
    assert code == 1 and "broken.ipynb:2: cell 3, line 2: syntax error" in err
    plain = tmp_path / "plain.ipynb"
    plain.write_bytes(notebook([("code", "print(1)")]))
    r_nb = tmp_path / "r.ipynb"
    r_nb.write_bytes(notebook([("code", "library(torch)\nx <- torch_zeros(2)")], language="R"))
    for path in (plain, r_nb):
        assert convert_notebook(path.read_bytes(), path.name).code == path.read_bytes()
    not_json = tmp_path / "bad.ipynb"
    not_json.write_bytes(b"{oops")
    code, _, err = run_cli(capsys, "convert", not_json)
    assert code == 1 and "not a notebook (invalid JSON" in err


def test_check_and_diff_on_notebooks_write_nothing(tmp_path, capsys):
    src = make_project(tmp_path, with_notebook=True)
    before = snapshot(src)
    code, out, _ = run_cli(capsys, "convert", src, "--diff")
    assert "--- a/demo.ipynb\n+++ b/demo.ipynb\n" in out and snapshot(src) == before


@pytest.mark.slow  # runs the notebook's code in both frameworks
def test_a_converted_notebook_computes_what_the_original_did():
    torch = pytest.importorskip("torch")
    ms = pytest.importorskip("mindspore")
    from torch2ms.verify.compare import FallbackScope

    cells = [("markdown", "# sums"), ("code", "import torch\nimport torch.nn.functional as F"),
             ("code", "%load_ext autoreload\nx = torch.ones(2, 3) * 2\ny = F.relu(x - 3).sum(dim=1) + x.sum(dim=1)")]
    result = convert_notebook(notebook(cells), "nb.ipynb")
    nb = read_valid(result.code)

    def run(nb_cells, framework):
        scope = {}
        for cell in nb_cells:
            if cell["cell_type"] == "code":
                source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
                exec("\n".join(line for line in source.splitlines() if not line.startswith("%")), scope)
        y = scope["y"]
        return y.numpy() if framework == "torch" else y.asnumpy()

    expected = run(json.loads(notebook(cells))["cells"], "torch")
    with FallbackScope("auto"):
        got = run(nb.cells, "ms")
    assert isinstance(torch.ones(1), torch.Tensor) and ms is not None
    np.testing.assert_allclose(got, expected, rtol=1e-6)
