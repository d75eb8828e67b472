import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from torch2ms import cli
from torch2ms.run import progress as run_progress
from torch2ms.convert.pipeline import ConversionError, convert_source

REPO = Path(__file__).resolve().parent.parent

MODEL = b'''import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return torch.relu(self.fc(x)) + torch.zeros(4)
'''
# torch.autocast has no MindSpore counterpart, so it is flagged.
FLAGGED = b"import torch\n\nctx = torch.autocast('cpu')\nx = torch.ones(2)\n"
PLAIN = b"def add(a, b):\n    return a + b\n"
BROKEN = b"import torch\n\ndef f(:\n    pass\n"


def converted(source: bytes) -> bytes:
    return convert_source(source, "x.py").code


def test_samples_are_meaningful():
    assert converted(MODEL) != MODEL
    assert converted(PLAIN) == PLAIN


def make_tree(root: Path) -> Path:
    src = root / "src"
    (src / "pkg").mkdir(parents=True)
    (src / "model.py").write_bytes(MODEL)
    (src / "pkg" / "__init__.py").write_bytes(b"")
    (src / "pkg" / "util.py").write_bytes(PLAIN)
    (src / "pkg" / "flagged.py").write_bytes(FLAGGED)
    (src / "pkg" / "weights.bin").write_bytes(bytes(range(256)))
    (src / "README.md").write_bytes(b"# readme\n")
    (src / ".git").mkdir()
    (src / ".git" / "config.py").write_bytes(MODEL)
    (src / "__pycache__").mkdir()
    (src / "__pycache__" / "model.cpython-311.pyc").write_bytes(b"\x00")
    (src / "env").mkdir()
    (src / "env" / "pyvenv.cfg").write_bytes(b"home = /usr\n")
    (src / "env" / "site.py").write_bytes(MODEL)
    return src


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_main(capsysbinary, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsysbinary.readouterr()
    return code, out, err.decode()


def test_file_to_stdout(tmp_path, capsysbinary):
    src = tmp_path / "model.py"
    src.write_bytes(MODEL)
    code, out, err = run_main(capsysbinary, "convert", src)
    assert code == 0
    assert out == converted(MODEL)
    assert src.read_bytes() == MODEL
    assert "1 converted, 0 unchanged, 0 failed" in err


def test_failed_file_prints_no_code(tmp_path, capsysbinary):
    src = tmp_path / "broken.py"
    src.write_bytes(BROKEN)
    code, out, err = run_main(capsysbinary, "convert", src)
    assert code == 1
    assert out == b""
    assert f"{src}:" in err and "syntax error" in err


def test_file_to_output_file_and_folder_keeps_mode(tmp_path, capsysbinary):
    src = tmp_path / "tool.py"
    src.write_bytes(MODEL)
    os.chmod(src, 0o755)
    code, out, _ = run_main(capsysbinary, "convert", src, "-o", tmp_path / "new" / "t.py", "-q")
    assert code == 0 and out == b""
    assert (tmp_path / "new" / "t.py").read_bytes() == converted(MODEL)
    assert stat.S_IMODE((tmp_path / "new" / "t.py").stat().st_mode) == 0o755
    code, _, _ = run_main(capsysbinary, "convert", src, "-o", tmp_path / "new", "-q")
    assert code == 0
    assert (tmp_path / "new" / "tool.py").read_bytes() == converted(MODEL)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_folder_is_mirrored(tmp_path, capsysbinary, jobs):
    src = make_tree(tmp_path)
    before = snapshot(src)
    dst = tmp_path / "dst"
    code, out, err = run_main(capsysbinary, "convert", src, "-o", dst, "-j", jobs)
    assert code == 0, err
    assert out == b""
    assert snapshot(src) == before
    expected = {
        "model.py": converted(MODEL),
        "pkg/__init__.py": b"",
        "pkg/util.py": PLAIN,
        "pkg/flagged.py": converted(FLAGGED),
        "pkg/weights.bin": bytes(range(256)),
        "README.md": b"# readme\n",
    }
    written = snapshot(dst)
    assert json.loads(written.pop(".torch2ms-manifest.json"))["files"].keys() == expected.keys()  # run/manifest.py
    assert written == expected  # .git, __pycache__ and the virtualenv are left out
    assert "2 converted, 2 unchanged, 0 failed (4 Python files); 2 other files copied" in err


def test_diff_writes_nothing(tmp_path, capsysbinary):
    src = make_tree(tmp_path)
    before = snapshot(tmp_path)
    code, out, _ = run_main(capsysbinary, "convert", src, "--diff", "-q")
    assert code == 0
    assert snapshot(tmp_path) == before
    text = out.decode()
    assert "--- a/model.py\n+++ b/model.py\n" in text
    assert "--- a/pkg/flagged.py\n" in text
    assert "util.py" not in text  # unchanged files give no diff
    model_part = text.split("+++ b/model.py\n")[1].split("--- a/")[0]
    removed = [line[1:] for line in model_part.splitlines(keepends=True) if line.startswith("-")]
    added = [line[1:] for line in model_part.splitlines(keepends=True) if line.startswith("+")]
    assert removed and added
    assert all(line in MODEL.decode().splitlines(keepends=True) for line in removed)
    assert all(line in converted(MODEL).decode().splitlines(keepends=True) for line in added)


def test_report_json_shape(tmp_path, capsysbinary):
    src = make_tree(tmp_path)
    (src / "pkg" / "broken.py").write_bytes(BROKEN)
    report_path = tmp_path / "report.json"
    code, _, err = run_main(capsysbinary, "convert", src, "-o", tmp_path / "dst", "--report", report_path)
    assert code == 1
    report = json.loads(report_path.read_text())
    assert report["interrupted"] is False and report["mode"] == "folder"
    files = {entry["path"]: entry for entry in report["files"]}
    assert set(files) == {"model.py", "README.md", "pkg/__init__.py", "pkg/broken.py", "pkg/flagged.py",
                          "pkg/util.py", "pkg/weights.bin"}
    for entry in report["files"]:
        assert set(entry) == {"path", "kind", "status", "error", "flags", "stats", "references", "reused"}
    assert files["model.py"]["status"] == "converted"
    assert files["model.py"]["stats"] == dict(convert_source(MODEL, "m.py").stats)
    assert files["pkg/util.py"]["status"] == "unchanged"
    assert files["README.md"] == {"path": "README.md", "kind": "copy", "status": "copied", "error": None,
                                  "flags": [], "stats": {}, "references": 0, "reused": False}
    broken = files["pkg/broken.py"]
    with pytest.raises(ConversionError) as expected_error:
        convert_source(BROKEN, "b.py")
    assert broken["status"] == "failed"
    assert broken["error"] == {"message": expected_error.value.message, "line": expected_error.value.line,
                               "column": expected_error.value.column}
    assert broken["error"]["line"] is not None
    assert (tmp_path / "dst" / "pkg" / "broken.py").read_bytes() == BROKEN
    flags = convert_source(FLAGGED, "f.py").flags
    assert flags, "torch.autocast should be flagged"
    assert files["pkg/flagged.py"]["flags"] == [
        {"line": f.line, "column": f.column, "api": f.api, "reason": f.reason, "hint": f.hint} for f in flags
    ]
    totals = report["totals"]
    assert (totals["python_files"], totals["converted"], totals["unchanged"], totals["failed"]) == (5, 2, 2, 1)
    assert totals["copied"] == 2
    assert totals["flagged"] == len(flags)
    assert totals["flagged_apis"]["torch.autocast"] >= 1
    assert totals["stats"]["mint"] >= files["model.py"]["stats"]["mint"]
    assert f"pkg/broken.py:{broken['error']['line']}: syntax error" in err
    assert "torch.autocast" in err


def test_inplace_keeps_backups(tmp_path, capsysbinary):
    src = make_tree(tmp_path)
    (src / "model.py.orig").write_bytes(b"the user's own file\n")
    code, _, _ = run_main(capsysbinary, "convert", src, "--inplace", "-q")
    assert code == 0
    assert (src / "model.py").read_bytes() == converted(MODEL)
    assert (src / "model.py.orig").read_bytes() == b"the user's own file\n"
    assert (src / "model.py.orig.1").read_bytes() == MODEL
    assert (src / "pkg" / "flagged.py.orig").read_bytes() == FLAGGED
    assert not (src / "pkg" / "util.py.orig").exists()  # unchanged files are not rewritten
    assert (src / ".git" / "config.py").read_bytes() == MODEL
    assert (src / "env" / "site.py").read_bytes() == MODEL


def test_inplace_single_file_through_a_symlink_keeps_the_link(tmp_path, capsysbinary):
    real = tmp_path / "real.py"
    real.write_bytes(MODEL)
    link = tmp_path / "link.py"
    link.symlink_to("real.py")
    code, _, _ = run_main(capsysbinary, "convert", link, "--inplace", "-q")
    assert code == 0
    assert link.is_symlink()
    assert real.read_bytes() == converted(MODEL)
    assert (tmp_path / "real.py.orig").read_bytes() == MODEL


@pytest.mark.parametrize(
    "argv, message",
    [
        (["convert", "{tmp}/missing.py"], "no such file or folder"),
        (["convert", "{src}"], "give -o DST, --inplace or --diff"),
        (["convert", "{src}", "-o", "{src}/out"], "inside the source folder"),
        (["convert", "{src}", "-o", "{src}"], "is the source folder itself"),
        (["convert", "{src}/pkg", "-o", "{src}"], "is inside the destination"),
        (["convert", "{src}", "-o", "{tmp}/dst", "--inplace"], "exclude each other"),
        (["convert", "{src}", "--diff", "--inplace"], "--diff writes nothing"),
        (["convert", "{src}/model.py", "-o", "{src}/model.py"], "use --inplace"),
        (["convert", "{src}", "-o", "{src}/README.md"], "inside the source folder"),
    ],
)
def test_usage_errors_exit_2_and_touch_nothing(tmp_path, capsysbinary, argv, message):
    src = make_tree(tmp_path)
    before = snapshot(tmp_path)
    argv = [a.format(tmp=tmp_path, src=src) for a in argv]
    code, out, err = run_main(capsysbinary, *argv)
    assert code == 2
    assert message in err
    assert out == b""
    assert snapshot(tmp_path) == before
    assert not (src / "out").exists()


@pytest.mark.parametrize("argv", [["convert"], ["convert", ".", "-j", "0"], ["frobnicate", "."]])
def test_argument_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(argv)
    assert caught.value.code == 2


def test_progress_is_drawn_only_when_enabled():
    class Stream:
        def __init__(self):
            self.text = ""

        def write(self, text):
            self.text += text

        def flush(self):
            pass

    shown, hidden = Stream(), Stream()
    for stream, enabled in ((shown, True), (hidden, False)):
        progress = run_progress.Progress(3, enabled, stream)
        for name in ("a.py", "b.py", "c.py"):
            progress.advance(name)
        progress.close()
    assert "[1/3] a.py" in shown.text and "[3/3] c.py" in shown.text
    assert shown.text.endswith("\r")
    assert hidden.text == ""


def run_script(*argv, cwd):
    # `python -m torch2ms` must find this checkout's package, not another one installed in the venv
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, *map(str, argv)], cwd=cwd, capture_output=True, timeout=120, env=env)


def test_auto_convert_script_both_styles_and_module_entry_point(tmp_path):
    src = make_tree(tmp_path)
    script = REPO / "auto_convert.py"
    folder = run_script(script, "--src_root", src, "--dst_root", tmp_path / "out", "-q", cwd=tmp_path)
    assert folder.returncode == 0, folder.stderr
    assert (tmp_path / "out" / "model.py").read_bytes() == converted(MODEL)
    assert (tmp_path / "out" / "README.md").read_bytes() == b"# readme\n"

    single = run_script(script, "--src_file", src / "model.py", cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    assert single.stdout == converted(MODEL)
    assert (src / "model.py").read_bytes() == MODEL

    inplace = run_script(script, "--src_file", src / "model.py", "--inplace", cwd=tmp_path)
    assert inplace.returncode == 0, inplace.stderr
    assert (src / "model.py").read_bytes() == converted(MODEL)
    assert (src / "model.py.orig").read_bytes() == MODEL

    wrong = run_script(script, "--src_root", src, cwd=tmp_path)
    assert wrong.returncode == 2 and b"--dst_root or --inplace" in wrong.stderr

    module = run_script("-m", "torch2ms", "convert", src / "pkg" / "flagged.py", cwd=tmp_path)
    assert module.returncode == 0
    assert module.stdout == converted(FLAGGED)


# ---- library modes and the knowledge commands -------------------------------------------------
HF_FILE = b"""import torch
from ...modeling_utils import PreTrainedModel


class Model(PreTrainedModel):
    def forward(self, x):
        return torch.ones(2) * x
"""


@pytest.mark.parametrize("flags, expected", [
    ([], b"from mindone.transformers.modeling_utils import PreTrainedModel"),
    (["--profile", "transformers"], b"from mindone.transformers.modeling_utils import PreTrainedModel"),
    (["--hf"], b"from mindone.transformers.modeling_utils import PreTrainedModel"),
    (["--profile", "none"], b"from ...modeling_utils import PreTrainedModel"),
])
def test_the_profile_flag_chooses_the_library_mode(tmp_path, flags, expected):
    src = tmp_path / "models" / "mine" / "modeling_mine.py"
    src.parent.mkdir(parents=True)
    src.write_bytes(HF_FILE)
    out = tmp_path / "out.py"
    assert cli.main(["convert", str(src), "-o", str(out), "-q", *flags]) == 0
    converted = out.read_bytes()
    assert expected in converted and b"def construct(self, x)" in converted


def test_an_unknown_profile_is_a_usage_error_naming_the_known_ones(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.main(["convert", str(tmp_path), "--diff", "--profile", "diffusion"])
    assert stop.value.code == 2
    assert "transformers" in capsys.readouterr().err


def test_rules_lists_every_rule_in_registry_order_and_the_profiles(capsys):
    from torch2ms import rules

    assert cli.main(["rules"]) == 0
    out = capsys.readouterr().out
    modules = [rule.__module__.rsplit(".", 1)[1] for rule in rules.REGISTRY]
    positions = [out.index(f"  {name} ") for name in modules]
    assert positions == sorted(positions)
    assert "transformers" in out and "imports" in out and "signatures" in out
