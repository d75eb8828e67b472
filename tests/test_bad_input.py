"""Awkward inputs in folder mode: each is reported by name (and line), copied unchanged,
and never stops the other files from being converted."""
import json
import multiprocessing
import os

import pytest

from torch2ms import cli
from torch2ms.run import fileio
from torch2ms.convert import pipeline
from torch2ms.convert.pipeline import convert_source

MODEL = b'''import torch
import torch.nn as nn


class Net(nn.Module):
    def forward(self, x):
        return torch.relu(x) + torch.zeros(4)
'''

# name -> (content, words the error must contain, line the error must name or None)
BAD = {
    "syntax.py": (b"import torch\n\nx = )\n", "syntax error", None),
    "python2.py": (b"import torch\nprint 'hello'\n", "Python 2", 2),
    "undecodable.py": (b"import torch\n\nname = '\xff\xfe'\n", "cannot decode as utf-8", 3),
    "wrong_cookie.py": (b"# -*- coding: klingon -*-\nimport torch\n", "encoding", 1),
    "binary.py": (b"\x7fELF\x02\x01\x01" + bytes(range(256)), "binary file", 1),
    "mixed_tabs.py": (b"import torch\nif torch:\n\tif x:\n        pass\n", "syntax error", None),
}

GOOD = {
    "model.py": MODEL,
    "bom.py": b"\xef\xbb\xbf" + MODEL,
    "crlf.py": MODEL.replace(b"\n", b"\r\n"),
    "tabs.py": MODEL.replace(b"    ", b"\t"),
    "latin1.py": b"# -*- coding: latin-1 -*-\n" + MODEL + b"name = '\xe9t\xe9'\n",
    "empty.py": b"",
}


def run(tmp_path, src, *extra):
    report_path = tmp_path / "report.json"
    code = cli.main(["convert", str(src), "-o", str(tmp_path / "dst"), "--report", str(report_path), *extra])
    report = json.loads(report_path.read_text())
    return code, {entry["path"]: entry for entry in report["files"]}


def test_good_inputs_convert_changed_by_the_converter():
    for name in ("model.py", "bom.py", "crlf.py", "tabs.py", "latin1.py"):
        assert convert_source(GOOD[name], name).code != GOOD[name], name


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_bad_input_is_reported_and_the_rest_converted(tmp_path, capsys, jobs):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    for name, (content, _, _) in BAD.items():
        (src / "sub" / name).write_bytes(content)
    for name, content in GOOD.items():
        (src / name).write_bytes(content)

    code, files = run(tmp_path, src, "-j", jobs)
    err = capsys.readouterr().err
    assert code == 1
    for name, (content, words, line) in BAD.items():
        entry = files[f"sub/{name}"]
        assert entry["status"] == "failed", name
        assert words in entry["error"]["message"], name
        if line is not None:
            assert entry["error"]["line"] == line, name
        where = f"sub/{name}:{line}" if line else f"sub/{name}"
        assert where in err
        assert (tmp_path / "dst" / "sub" / name).read_bytes() == content  # copied unchanged
    for name, content in GOOD.items():
        expected = convert_source(content, name).code
        assert files[name]["status"] == ("unchanged" if expected == content else "converted"), name
        assert (tmp_path / "dst" / name).read_bytes() == expected, name
    crlf = (tmp_path / "dst" / "crlf.py").read_bytes()
    assert crlf.count(b"\n") == crlf.count(b"\r\n") > 0
    assert (tmp_path / "dst" / "bom.py").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "dst" / "empty.py").read_bytes() == b""


def test_file_name_that_is_not_utf8(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    name = os.fsdecode(b"caf\xe9.py")  # Latin-1 bytes in a name: a lone surrogate in Python
    (src / name).write_bytes(MODEL)
    code, files = run(tmp_path, src, "-j", "1")
    assert code == 0
    assert files[name]["status"] == "converted"
    assert sorted(os.listdir(tmp_path / "dst")) == [".torch2ms-manifest.json", name]


def test_symlinks_are_recreated_not_followed(tmp_path, capsys):
    src = tmp_path / "src"
    (src / "pkg").mkdir(parents=True)
    (tmp_path / "elsewhere.py").write_bytes(MODEL)
    (src / "model.py").write_bytes(MODEL)
    (src / "pkg" / "layer.py").write_bytes(MODEL)
    (src / "alias.py").symlink_to("model.py")
    (src / "pkg_alias").symlink_to("pkg")
    (src / "absolute.py").symlink_to(src / "pkg" / "layer.py")
    (src / "outside.py").symlink_to("../elsewhere.py")
    (src / "dangling.py").symlink_to("missing.py")
    (src / "loop_a").symlink_to("loop_b")
    (src / "loop_b").symlink_to("loop_a")
    (src / "pkg" / "self.py").symlink_to("self.py")
    (src / "pkg" / "up").symlink_to("..")

    code, files = run(tmp_path, src, "-j", "2")
    assert code == 0, capsys.readouterr().err
    dst = tmp_path / "dst"
    expected_targets = {
        "alias.py": "model.py",
        "pkg_alias": "pkg",
        "absolute.py": "pkg/layer.py",  # into the tree: now points at the mirrored file
        "outside.py": str(tmp_path / "elsewhere.py"),  # out of the tree: same place as before
        "dangling.py": "missing.py",
        "loop_a": "loop_b",
        "loop_b": "loop_a",
        "pkg/self.py": "self.py",
        "pkg/up": "..",
    }
    for name, target in expected_targets.items():
        assert (dst / name).is_symlink(), name
        assert os.readlink(dst / name) == target, name
        assert files[name]["status"] == "linked"
    converted = convert_source(MODEL, "m.py").code
    assert (dst / "alias.py").read_bytes() == converted
    assert (dst / "pkg_alias" / "layer.py").read_bytes() == converted
    python = sorted(path for path, entry in files.items() if entry["kind"] == "python")
    assert python == ["model.py", "pkg/layer.py"]  # each real file converted exactly once


def test_inplace_leaves_symlinks_alone(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (tmp_path / "elsewhere.py").write_bytes(MODEL)
    (src / "model.py").write_bytes(MODEL)
    (src / "alias.py").symlink_to("model.py")
    (src / "outside.py").symlink_to("../elsewhere.py")
    assert cli.main(["convert", str(src), "--inplace", "-q"]) == 0
    assert (src / "alias.py").is_symlink() and os.readlink(src / "alias.py") == "model.py"
    assert (src / "model.py").read_bytes() == convert_source(MODEL, "m.py").code
    assert (tmp_path / "elsewhere.py").read_bytes() == MODEL
    assert sorted(p.name for p in src.iterdir()) == ["alias.py", "model.py", "model.py.orig", "outside.py"]


def test_fifo_named_py_is_skipped_without_blocking(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    os.mkfifo(src / "pipe.py")
    (src / "model.py").write_bytes(MODEL)
    code, files = run(tmp_path, src, "-j", "1")
    assert code == 0
    assert list(files) == ["model.py"]


def fake_open_denying(path_to_deny):
    real_open = open

    def guarded(path, *args, **kwargs):
        if os.fspath(path) == os.fspath(path_to_deny):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_open(path, *args, **kwargs)

    return guarded


def test_unreadable_file_is_reported(tmp_path, capsys, monkeypatch):
    # Tests may run as root, for whom chmod 000 changes nothing: deny the read instead.
    src = tmp_path / "src"
    src.mkdir()
    (src / "secret.py").write_bytes(MODEL)
    (src / "model.py").write_bytes(MODEL)
    monkeypatch.setattr(fileio, "open", fake_open_denying(src / "secret.py"), raising=False)
    code, files = run(tmp_path, src, "-j", "1")
    assert code == 1
    assert files["secret.py"]["status"] == "failed"
    assert files["secret.py"]["error"]["message"].startswith("cannot read: Permission denied")
    assert "secret.py: cannot read" in capsys.readouterr().err
    assert (tmp_path / "dst" / "model.py").read_bytes() == convert_source(MODEL, "m.py").code


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_chmod_000_file_is_reported(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    (src / "secret.py").write_bytes(MODEL)
    (src / "model.py").write_bytes(MODEL)
    os.chmod(src / "secret.py", 0)
    code, files = run(tmp_path, src, "-j", "2")
    assert code == 1
    assert files["secret.py"]["error"]["message"].startswith("cannot read")
    assert files["model.py"]["status"] == "converted"


def test_converter_bug_is_an_internal_error_for_that_file_only(tmp_path, capsys, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    (src / "a_bug.py").write_bytes(MODEL)
    (src / "model.py").write_bytes(MODEL)
    real = pipeline.convert_source

    def buggy(source, path="<string>", **options):
        if path.endswith("a_bug.py"):
            raise RuntimeError("boom")
        return real(source, path, **options)

    monkeypatch.setattr(pipeline, "convert_source", buggy)
    code, files = run(tmp_path, src, "-j", "1")
    assert code == 1
    assert files["a_bug.py"]["error"]["message"] == "internal error: RuntimeError: boom"
    assert (tmp_path / "dst" / "a_bug.py").read_bytes() == MODEL
    assert (tmp_path / "dst" / "model.py").read_bytes() == real(MODEL, "m.py").code


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork", reason="the patched converter must reach workers")
def test_a_crashing_worker_fails_only_its_file(tmp_path, capsys, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    names = [f"m{i:02}.py" for i in range(12)]
    for name in names:
        (src / name).write_bytes(MODEL)
    real = pipeline.convert_source

    def crashing(source, path="<string>", **options):
        if os.path.basename(path) == "m05.py":  # the converter is given the source's own path
            os._exit(3)  # what a segfault or the OOM killer looks like to the parent
        return real(source, path, **options)

    monkeypatch.setattr(pipeline, "convert_source", crashing)
    code, files = run(tmp_path, src, "-j", "2")
    assert code == 1
    assert "crashed" in files["m05.py"]["error"]["message"]
    assert (tmp_path / "dst" / "m05.py").read_bytes() == MODEL
    expected = real(MODEL, "m.py").code
    for name in names:
        if name != "m05.py":
            assert files[name]["status"] == "converted", name
            assert (tmp_path / "dst" / name).read_bytes() == expected


def test_very_large_generated_file_completes(tmp_path, capsys):
    # 5 MB: real code plus the kind of embedded data generated files carry.
    blob_line = b"    " + b"0123456789abcdef" * 7 + b"\n"
    blob = b'WEIGHTS = """\n' + blob_line * (5_000_000 // len(blob_line)) + b'"""\n'
    content = MODEL + b"\n" + blob + b"\n" + MODEL.replace(b"class Net", b"class Net2")
    assert len(content) >= 5_000_000
    src = tmp_path / "src"
    src.mkdir()
    (src / "huge.py").write_bytes(content)
    code, files = run(tmp_path, src, "-j", "1")
    assert code == 0
    assert files["huge.py"]["status"] == "converted"
    assert (tmp_path / "dst" / "huge.py").read_bytes() == convert_source(content, "huge.py").code
