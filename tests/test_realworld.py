"""End to end on library-style code: packages converted whole with the CLI, imported with torch
hidden, three models built and compared with torch's (benchmarks/realworld.py on a manifest of
small packages in tests/support/realworld, written in the style of torchvision, timm and
x-transformers: Sequential subclasses filled by add_module, activation classes called with
inplace=, modules() init loops, factory keywords with device=, einops calls and layers,
torch.jit.Final, feature checks, a try/except ImportError fallback, torch internals)."""
import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # converts two packages and runs three models in both frameworks

pytest.importorskip("torch")
pytest.importorskip("mindspore")
pytest.importorskip("einops")

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "tests" / "support" / "realworld" / "manifest.json"
sys.path.insert(0, str(REPO / "benchmarks"))

import realworld  # noqa: E402


def test_three_library_models_convert_import_without_torch_and_match(tmp_path):
    out = tmp_path / "results.json"
    realworld.main(["--python", sys.executable, "--manifest", str(MANIFEST), "--out", str(tmp_path / "work"),
                    "--json", str(out), "--timeout", "300"])
    data = json.loads(out.read_text())
    rows = {row["model"]: row for row in data["rows"]}
    assert set(rows) == {"tiny_resnet", "tiny_densenet", "TinyViT"}
    for name, row in rows.items():
        assert row["stage"] == "pass", (name, row.get("error"), row.get("at"), row.get("notes"),
                                        row.get("traceback", "")[-2000:])
    figures = data["figures"]
    assert figures["passed"] == figures["models"] == 3 and figures["silent"] == []
    for package, (ok, total, skipped) in figures["imports"].items():
        assert ok == total > 0, (package, data["imports"][package])
    # minivision/readers.py needs a package that is not installed at all: skipped, not failed
    assert figures["imports"]["minivision"][2] == 1
    assert data["imports"]["minivision"]["skipped"]["minivision.readers"]["needs"] == \
        "optional_reader_backend_not_installed"
    assert figures["imports"]["miniformer"][2] == 0
