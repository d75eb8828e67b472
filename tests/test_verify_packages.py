"""verify for real projects: a model built by a package's factory, from a config object, with
the package converted whole; errors name the converted line; --json is written on every exit."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # converts a package and runs models in torch and MindSpore

pytest.importorskip("torch")
pytest.importorskip("mindspore")

REPO = Path(__file__).resolve().parents[1]
LIB = REPO / "tests" / "support" / "tinylib"


def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "torch2ms", "verify", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def test_factory_of_a_converted_package_matches(tmp_path):
    out = tmp_path / "report.json"
    proc = run_cli("--package", str(LIB), "--factory", "tinylib:create_model",
                   "--args", '{"args": ["net"], "kwargs": {"width": 8}}', "--input-shape", "2,8", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    assert data["verdict"] == "match" and data["weights"]["copied"] == 6


def test_a_dataclass_config_given_as_json(tmp_path):
    proc = run_cli("--package", str(LIB), "--factory", "tinylib.models:Net",
                   "--args", '[{"@dataclass": "tinylib.models:Config", "width": 8, "depth": 1}]',
                   "--input-shape", "2,8")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS: outputs match" in proc.stdout


def test_a_build_error_names_the_converted_line_and_json_is_written(tmp_path):
    lib = tmp_path / "tinylib"
    shutil.copytree(LIB, lib)
    layers = lib / "layers.py"
    # a torch API with no MindSpore counterpart, run while the model is built
    layers.write_text(layers.read_text().replace("self.act = act_layer()",
                                                 "self.act = act_layer()\n        self.fc = torch.nn.utils.spectral_norm(self.fc)"))
    out = tmp_path / "report.json"
    proc = run_cli("--package", str(lib), "--factory", "tinylib:create_model", "--args", '["net"]',
                   "--input-shape", "2,8", "--json", str(out), "--traceback")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "tinylib/layers.py:" in proc.stderr and "spectral_norm" in proc.stderr  # the converted line
    assert "Traceback (most recent call last)" in proc.stderr
    data = json.loads(out.read_text())
    assert data["verdict"] == "error" and "building tinylib:create_model failed" in data["error"]


def test_usage_errors_write_json_too(tmp_path):
    out = tmp_path / "report.json"
    proc = run_cli("--package", str(tmp_path), "--factory", "nothing:here", "--input-shape", "2,8", "--json", str(out))
    assert proc.returncode == 2
    assert json.loads(out.read_text())["usage"] is True
