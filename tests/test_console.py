"""The console: progress that shows where the output is not a terminal, a closed pipe that ends
the run quietly, argument errors that say what is wrong, no "Python 2" for a README."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from support.project import MODEL, run_cli
from torch2ms.run import progress as run_progress

REPO = Path(__file__).resolve().parents[1]


class Stream:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass


def test_periodic_progress_lines_where_the_output_is_not_a_terminal():
    stream = Stream()
    progress = run_progress.Progress(4, True, stream, mode="auto", every=0.0)  # a Stream is no terminal
    for name in ("a.py", "b.py", "c.py", "d.py"):
        progress.advance(name)
    progress.close()
    assert stream.text == ("torch2ms: 1/4 files (25%), 0 s\ntorch2ms: 2/4 files (50%), 0 s\n"
                           "torch2ms: 3/4 files (75%), 0 s\n")  # the last one is the summary's to tell
    quiet = Stream()
    progress = run_progress.Progress(4, True, quiet, mode="periodic")  # the default: every few seconds
    for name in ("a.py", "b.py", "c.py", "d.py"):
        progress.advance(name)
    assert quiet.text == ""  # a short run prints no progress at all


def _tree(root: Path, count: int) -> Path:
    src = root / "src"
    src.mkdir()
    for index in range(count):
        (src / f"m{index:02d}.py").write_bytes(MODEL)
    return src


def test_progress_flag_writes_a_line_per_file_into_a_log(tmp_path):
    src = _tree(tmp_path, 3)
    proc = subprocess.run([sys.executable, "-m", "torch2ms", "convert", str(src), "-o", str(tmp_path / "dst"),
                           "--progress", "-j", "1"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[:3] == ["[1/3] m00.py", "[2/3] m01.py", "[3/3] m02.py"]
    assert "\r" not in proc.stderr


def test_a_closed_pipe_ends_the_run_quietly(tmp_path):
    src = _tree(tmp_path, 40)
    proc = subprocess.Popen([sys.executable, "-m", "torch2ms", "convert", str(src), "--diff", "-j", "2"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()  # `| head -1`
    proc.stdout.close()
    _, err = proc.communicate(timeout=300)
    assert first.startswith(b"--- a/m00.py")
    assert b"internal error" not in err and b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
    assert proc.returncode != 0  # the diff was not delivered whole


def test_jobs_must_be_a_number(capsys):
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys, "convert", ".", "-j", "abc")
    err = capsys.readouterr().err
    assert caught.value.code == 2 and "-j expects a number, not 'abc'" in err


def test_a_readme_given_as_src_is_not_called_python_2(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("# Model\n\nRun `python train.py` with torch:\n\n    print 'hello'\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "convert", readme)
    assert code == 1
    assert "Python 2" not in err and "README.md is not a .py file: is it Python?" in err
    old = tmp_path / "old.py"
    old.write_text("import torch\nprint 'hello'\n", encoding="utf-8")
    code, _, err = run_cli(capsys, "convert", old)
    assert code == 1 and "this looks like Python 2 code" in err  # a .py file still gets the hint


def test_several_sources_only_where_they_make_sense(tmp_path, capsys):
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_bytes(MODEL)
    b.write_bytes(MODEL)
    code, _, err = run_cli(capsys, "convert", a, b)
    assert code == 2 and "several SRC go with --inplace or --diff" in err
    code, out, _ = run_cli(capsys, "convert", a, b, "--diff")
    assert code == 0 and out.count("+++ b/") == 2
    assert os.path.exists(a) and a.read_bytes() == MODEL
