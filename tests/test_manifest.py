"""Safe and incremental re-runs into an output folder (run/manifest.py): hand edits are left
alone and reported (--force overwrites them), files whose source, tool and options are
unchanged are not converted again, and the report of a re-run stays whole."""
from __future__ import annotations

import json
import os

import pytest

from support.project import FLAGGED, MODEL, make_project, run_cli
from torch2ms.convert.pipeline import convert_source
from torch2ms.run import manifest, runner

MANIFEST = runner.MANIFEST_NAME


def convert(capsys, src, dst, *extra):
    report = dst.parent / "report.json"
    code, out, err = run_cli(capsys, "convert", src, "-o", dst, "-j", "1", "--report", report, *extra)
    return code, err, json.loads(report.read_text("utf-8"))


def by_path(report):
    return {entry["path"]: entry for entry in report["files"]}


def test_a_second_run_converts_nothing_again_and_reports_everything(tmp_path, capsys, monkeypatch):
    src, dst = make_project(tmp_path), tmp_path / "dst"
    code, _, first = convert(capsys, src, dst)
    assert code == 0 and first["totals"]["reused"] == 0
    calls = []
    monkeypatch.setattr(runner.pipeline, "convert_source", lambda *a, **k: calls.append(a) or 1 / 0)
    code, err, second = convert(capsys, src, dst)
    assert code == 0 and calls == []  # nothing was converted
    assert "up to date: 5 files not converted again" in err
    assert second["totals"]["reused"] == 5
    for path, entry in by_path(first).items():  # the same outcome, flags and figures included
        again = by_path(second)[path]
        assert {**again, "reused": False} == entry


def test_a_changed_source_is_converted_again(tmp_path, capsys):
    src, dst = make_project(tmp_path), tmp_path / "dst"
    convert(capsys, src, dst)
    (src / "pkg" / "util.py").write_bytes(MODEL)
    code, _, report = convert(capsys, src, dst)
    files = by_path(report)
    assert code == 0 and files["pkg/util.py"]["reused"] is False and files["model.py"]["reused"] is True
    assert (dst / "pkg" / "util.py").read_bytes() == convert_source(MODEL, "pkg/util.py").code


def test_other_options_convert_everything_again(tmp_path, capsys):
    src, dst = make_project(tmp_path), tmp_path / "dst"
    convert(capsys, src, dst)
    code, _, report = convert(capsys, src, dst, "--profile", "none")
    assert code == 0 and report["totals"]["reused"] == 0
    code, _, report = convert(capsys, src, dst, "--profile", "none")
    assert report["totals"]["reused"] == 5


def test_a_new_tool_converts_everything_again(tmp_path, capsys, monkeypatch):
    src, dst = make_project(tmp_path), tmp_path / "dst"
    convert(capsys, src, dst)
    monkeypatch.setattr(manifest, "tool_fingerprint", lambda: "another release")
    assert convert(capsys, src, dst)[2]["totals"]["reused"] == 0


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_hand_edits_are_left_alone_and_reported_until_forced(tmp_path, capsys, jobs):
    src, dst = make_project(tmp_path), tmp_path / "dst"
    convert(capsys, src, dst)
    edited = (dst / "pkg" / "flagged.py").read_bytes().replace(b"torch.autocast('cpu')", b"None  # fixed by hand")
    (dst / "pkg" / "flagged.py").write_bytes(edited)
    (dst / "README.md").write_bytes(b"# our notes\n")  # a copied file edited too
    (src / "pkg" / "flagged.py").write_bytes(FLAGGED + b"y = torch.zeros(1)\n")  # and its source changed
    code, err, report = convert(capsys, src, dst, "-j", jobs)
    assert code == 0
    assert (dst / "pkg" / "flagged.py").read_bytes() == edited and (dst / "README.md").read_bytes() == b"# our notes\n"
    files = by_path(report)
    assert files["pkg/flagged.py"]["status"] == files["README.md"]["status"] == "kept"
    assert "changed by hand" in files["pkg/flagged.py"]["error"]["message"]
    line = next(text for text in err.splitlines() if text.startswith("left alone, changed by hand"))
    assert "pkg/flagged.py" in line and "README.md" in line
    code, _, report = convert(capsys, src, dst)  # still kept on the next run
    assert by_path(report)["pkg/flagged.py"]["status"] == "kept"
    code, _, report = convert(capsys, src, dst, "--force")
    assert by_path(report)["pkg/flagged.py"]["status"] == "converted"
    assert (dst / "pkg" / "flagged.py").read_bytes() == convert_source((src / "pkg" / "flagged.py").read_bytes(),
                                                                       "pkg/flagged.py").code


def test_files_torch2ms_did_not_write_are_left_alone(tmp_path, capsys):
    src, dst = make_project(tmp_path), tmp_path / "dst"
    convert(capsys, src, dst)
    (src / "extra.py").write_bytes(MODEL)
    (dst / "extra.py").write_bytes(b"# someone's own file\n")
    code, _, report = convert(capsys, src, dst)
    assert by_path(report)["extra.py"]["status"] == "kept"
    assert "not written by torch2ms" in by_path(report)["extra.py"]["error"]["message"]
    assert (dst / "extra.py").read_bytes() == b"# someone's own file\n"


def test_a_first_conversion_into_an_existing_folder_writes_as_before(tmp_path, capsys):
    src, dst = make_project(tmp_path), tmp_path / "dst"
    dst.mkdir()
    (dst / "model.py").write_bytes(b"old\n")
    code, _, report = convert(capsys, src, dst)
    assert code == 0 and (dst / "model.py").read_bytes() == convert_source(MODEL, "model.py").code


def test_failed_files_and_deleted_outputs(tmp_path, capsys):
    src, dst = make_project(tmp_path, broken=True), tmp_path / "dst"
    code, _, _ = convert(capsys, src, dst)
    assert code == 1
    os.unlink(dst / "model.py")  # an output deleted: written again
    code, _, report = convert(capsys, src, dst)
    files = by_path(report)
    assert code == 1 and files["pkg/broken.py"]["status"] == "failed" and files["pkg/broken.py"]["reused"] is True
    assert files["model.py"]["reused"] is False and (dst / "model.py").exists()


def test_the_manifest_is_never_converted_nor_mirrored(tmp_path, capsys):
    src, dst = make_project(tmp_path), tmp_path / "dst"
    convert(capsys, src, dst)
    again = tmp_path / "again"
    code, _, report = convert(capsys, dst, again)  # converting an output folder elsewhere
    assert code == 0 and MANIFEST not in by_path(report)
    data = json.loads((again / MANIFEST).read_text("utf-8"))
    assert MANIFEST not in data["files"]
