"""`torch2ms check` for CI and pre-commit: converts in memory, writes nothing, exits 1 when a
file would change, could not be converted, or when the flags exceed --max-flags; and the
repository's pre-commit hooks, run by the real pre-commit on a throw-away git repository."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support.project import FLAGGED, MODEL, PLAIN, make_project, notebook, run_cli, snapshot
from support.requires import package
from torch2ms.convert.pipeline import convert_source

REPO = Path(__file__).resolve().parents[1]


def test_check_writes_nothing_and_fails_when_a_file_would_change(tmp_path, capsys):
    src = make_project(tmp_path, with_notebook=True)
    before = snapshot(tmp_path)
    code, out, err = run_cli(capsys, "check", src)
    assert code == 1
    assert snapshot(tmp_path) == before
    for name in ("model.py", "pkg/flagged.py", "demo.ipynb"):
        assert f"{name}: would change" in out
    assert "util.py" not in out
    flag = convert_source(FLAGGED, "f.py").flags[0]
    assert f"pkg/flagged.py:{flag.line}:{flag.column + 1}: torch.autocast: needs a manual rewrite" in out
    assert "demo.ipynb:cell 3:3: torch.autocast" in out
    assert "3 of 5 files would change, 0 could not be converted, 2 flags" in err


def test_check_passes_on_converted_code_and_counts_flags(tmp_path, capsys):
    src = make_project(tmp_path)
    assert run_cli(capsys, "convert", src, "--inplace", "--no-backup", "-q")[0] == 0
    assert not list(src.rglob("*.orig"))  # --no-backup: version control is the way back
    code, out, err = run_cli(capsys, "check", src)
    assert code == 0, out + err  # converting converted code changes nothing; its flag stays a flag
    assert "0 of 4 files would change, 0 could not be converted, 1 flags" in err
    code, out, err = run_cli(capsys, "check", src, "--max-flags", "0")
    assert code == 1 and "1 flags (more than --max-flags 0)" in err
    assert run_cli(capsys, "check", src, "--max-flags", "1", "-q") == (0, "", "")


def test_check_fails_on_files_that_cannot_be_converted(tmp_path, capsys):
    src = tmp_path / "ok.py"
    src.write_bytes(b"import torch\n\ndef f(:\n")
    code, _, err = run_cli(capsys, "check", src)
    assert code == 1 and "ok.py:3: syntax error" in err and "1 could not be converted" in err


def test_check_takes_files_one_by_one_as_pre_commit_passes_them(tmp_path, capsys, monkeypatch):
    src = make_project(tmp_path)
    (src / "pyproject.toml").write_text('[tool.torch2ms]\nexclude = ["pkg/flagged.py"]\n', encoding="utf-8")
    monkeypatch.chdir(src)
    code, out, err = run_cli(capsys, "check", "pkg/util.py", "pkg/flagged.py")
    assert code == 0, out + err  # flagged.py is excluded by the project's configuration
    code, out, _ = run_cli(capsys, "check", "pkg/util.py", "model.py")
    assert code == 1 and out.startswith("model.py: would change")


@pytest.mark.parametrize("argv, message", [(["check", ".", "--max-flags", "x"], "--max-flags expects a number"),
                                           (["check", ".", "--max-flags", "-1"], "must be 0 or more")])
def test_check_argument_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys, *argv)
    assert caught.value.code == 2 and message in capsys.readouterr().err


# ---- the real pre-commit ---------------------------------------------------------------------
def _git(repo: Path, *argv):
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    return subprocess.run(["git", *argv], cwd=repo, env=env, check=True, capture_output=True, text=True)


def _this_checkout(tmp_path: Path) -> Path:
    """A git repository holding this checkout's files (what pre-commit installs the hooks from)."""
    copy = tmp_path / "torch2ms-repo"
    shutil.copytree(REPO, copy, ignore=shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.egg-info", "build",
                                                            ".pytest_cache"))
    _git(copy, "init", "-q")
    _git(copy, "add", "-A")
    _git(copy, "commit", "-q", "-m", "torch2ms")
    return copy


def _pre_commit(repo: Path, home: Path, *argv):
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    return subprocess.run([sys.executable, "-m", "pre_commit", *argv], cwd=repo, env=env, capture_output=True,
                          text=True, timeout=900)


@pytest.mark.slow  # pre-commit builds a virtualenv with torch2ms (and libcst) in it
def test_pre_commit_hooks_with_the_real_pre_commit(tmp_path):
    package("pre_commit", "pre-commit")
    hooks = _this_checkout(tmp_path)
    rev = _git(hooks, "rev-parse", "HEAD").stdout.strip()
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / "plain.py").write_bytes(PLAIN)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks}\n  rev: {rev}\n  hooks:\n  - id: torch2ms-check\n  - id: torch2ms-convert\n"
        f"    stages: [manual]\n", encoding="utf-8")
    _git(project, "add", "-A")
    home = tmp_path / "pre-commit-home"

    clean = _pre_commit(project, home, "run", "torch2ms-check", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "torch2ms check" in clean.stdout and "Passed" in clean.stdout

    (project / "model.py").write_bytes(MODEL)
    (project / "demo.ipynb").write_bytes(notebook([("code", "import torch\nx = torch.ones(2, 2)")]))
    _git(project, "add", "-A")
    failing = _pre_commit(project, home, "run", "torch2ms-check", "--all-files")
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "model.py: would change" in failing.stdout and "demo.ipynb: would change" in failing.stdout
    assert (project / "model.py").read_bytes() == MODEL  # check writes nothing

    converting = _pre_commit(project, home, "run", "torch2ms-convert", "--all-files", "--hook-stage", "manual")
    assert converting.returncode == 1  # pre-commit fails a hook that modified files, for them to be staged
    assert "files were modified by this hook" in converting.stdout
    assert (project / "model.py").read_bytes() == convert_source(MODEL, "model.py").code
    assert not list(project.glob("*.orig"))
    _git(project, "add", "-A")
    again = _pre_commit(project, home, "run", "torch2ms-check", "--all-files")
    assert again.returncode == 0, again.stdout + again.stderr
