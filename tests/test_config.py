"""Project configuration: [tool.torch2ms] in pyproject.toml or a torch2ms.toml, found from the
path converted; every key checked (errors name the file and the key); flags override it."""
from __future__ import annotations

import json

import pytest

from support.project import MODEL, make_project, run_cli, snapshot
from torch2ms import profiles
from torch2ms.convert.pipeline import convert_source
from torch2ms.run import config


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_found_from_the_converted_path_up_to_the_repository_root(tmp_path):
    project = tmp_path / "project"
    (project / "src" / "pkg").mkdir(parents=True)
    (project / ".git").mkdir()
    write(tmp_path / "torch2ms.toml", 'profile = "none"\n')  # above the repository: not ours
    assert config.find(str(project / "src" / "pkg")) is None
    write(project / "pyproject.toml", '[project]\nname = "x"\n')  # no [tool.torch2ms]: not a configuration
    assert config.find(str(project / "src" / "pkg")) is None
    write(project / "pyproject.toml", '[project]\nname = "x"\n[tool.torch2ms]\njobs = 1\n')
    assert config.find(str(project / "src" / "pkg")) == project / "pyproject.toml"
    write(project / "src" / "torch2ms.toml", "jobs = 2\n")  # nearer, and torch2ms.toml wins in its folder
    assert config.find(str(project / "src" / "pkg" / "x.py")) == project / "src" / "torch2ms.toml"


@pytest.mark.parametrize("text, message", [
    ('[tool.torch2ms]\nprofle = "none"\n', r"pyproject\.toml: \[tool\.torch2ms\]: unknown key 'profle'"),
    ('[tool.torch2ms]\njobs = "2"\n', r"'jobs' must be int, not str"),
    ('[tool.torch2ms]\njobs = true\n', r"'jobs' must be int, not bool"),
    ('[tool.torch2ms]\nexclude = [1]\n', r"'exclude' must be a list of strings"),
    ('[tool.torch2ms]\nprofile = "diffusers-ish"\n', r"profile 'diffusers-ish' is not auto, none or one of"),
    ('[tool.torch2ms]\nnotebook-outputs = "drop"\n', r"'notebook-outputs' must be keep or clear"),
    ('[tool.torch2ms\n', r"pyproject\.toml: not valid TOML"),
])
def test_errors_name_the_file_and_the_key(tmp_path, text, message):
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(config.ConfigError, match=message):
        config.load(path, list(profiles.available()))


def test_a_bad_configuration_stops_convert_with_a_usage_error(tmp_path, capsys):
    src = make_project(tmp_path)
    write(src / "torch2ms.toml", "max_flags = 3\n")
    code, _, err = run_cli(capsys, "convert", src, "-o", tmp_path / "dst")
    assert code == 2 and "torch2ms.toml: unknown key 'max_flags' (known: include, exclude," in err
    assert not (tmp_path / "dst").exists()


def test_include_exclude_profile_jobs_and_reports_come_from_the_file(tmp_path, capsys):
    src = make_project(tmp_path)
    (src / "tests").mkdir()
    (src / "tests" / "test_model.py").write_bytes(MODEL)
    write(src / "pyproject.toml", '[tool.torch2ms]\nexclude = ["tests"]\nprofile = "none"\njobs = 1\n'
                                  'report = ["reports/t2m.json"]\n')
    (src / "reports").mkdir()
    code, _, err = run_cli(capsys, "convert", src, "-o", tmp_path / "dst")
    assert code == 0, err
    report = json.loads((src / "reports" / "t2m.json").read_text("utf-8"))
    files = {e["path"]: e for e in report["files"]}
    assert files["tests/test_model.py"]["kind"] == "copy"  # excluded: mirrored as it is, not converted
    assert (tmp_path / "dst" / "tests" / "test_model.py").read_bytes() == MODEL
    assert (tmp_path / "dst" / "model.py").read_bytes() == convert_source(MODEL, "model.py", profile=None).code


def test_flags_override_the_file(tmp_path, capsys):
    src = make_project(tmp_path)
    write(src / "torch2ms.toml", 'include = ["pkg/**"]\nreport = ["from-config.json"]\n')
    code, _, err = run_cli(capsys, "convert", src, "-o", tmp_path / "dst", "--report", tmp_path / "flag.json")
    assert code == 0, err
    assert (tmp_path / "flag.json").exists() and not (src / "from-config.json").exists()
    assert (tmp_path / "dst" / "model.py").read_bytes() == MODEL  # not included: copied
    assert (tmp_path / "dst" / "pkg" / "flagged.py").read_bytes() != (src / "pkg" / "flagged.py").read_bytes()
    before = snapshot(src)
    code, out, _ = run_cli(capsys, "convert", src, "--diff", "--no-config")
    assert code == 0 and "+++ b/model.py" in out  # --no-config: everything is converted
    assert snapshot(src) == before


@pytest.mark.parametrize("pattern, path, selected", [
    ("tests", "tests/a.py", True), ("tests", "pkg/tests/b.py", True), ("tests", "tests.py", False),
    ("src/**/*.py", "src/a.py", True), ("src/**/*.py", "src/x/y/b.py", True), ("src/**/*.py", "a/src/c.py", False),
    ("*.ipynb", "nb/demo.ipynb", True), ("legacy/", "legacy/x.py", True), ("./legacy/*.py", "legacy/x.py", True),
    ("pkg/?.py", "pkg/a.py", True), ("pkg/?.py", "pkg/ab.py", False),
])
def test_globs(pattern, path, selected):
    assert bool(config._glob(pattern).match(path)) is selected
