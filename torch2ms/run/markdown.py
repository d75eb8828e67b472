"""The report as Markdown, for a pull request: totals, the conversion rate, what is left by API,
and one line per file. Drawn from the JSON report (run/report.py)."""
from __future__ import annotations

from collections import Counter
from typing import List

from torch2ms.run.report import left_by_api, where

FIRST_LOCATIONS = 3  # per API in the table
# A pull-request comment holds about 65,000 characters: past this size, files with nothing left
# to do are counted instead of listed (and past MAX_FILE_LINES lines, the list is cut).
COMMENT_BUDGET = 60_000
MAX_FILE_LINES = 500


def _cell(text) -> str:
    """Text safe inside a table cell: no pipes, no line breaks."""
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _code(text: str) -> str:
    return f"`{text}`" if "`" not in text else text


def _rate(totals: dict) -> str:
    if totals["conversion_rate"] is None:
        return "no torch API references"
    return (f"**{totals['conversion_rate']:.1f}%** ({totals['converted_references']:,} of {totals['references']:,} "
            f"torch API references converted)")


def _summary(report: dict) -> List[str]:
    t = report["totals"]
    rows = [("Python files", t["python_files"]), ("notebooks", t["notebooks"]), ("converted", t["converted"]),
            ("unchanged", t["unchanged"]), ("failed", t["failed"]), ("other files copied", t["copied"]),
            ("left alone (changed by hand)", t["kept"]), ("up to date (not converted again)", t["reused"]),
            ("flags left for review", t["flagged"])]
    always = ("Python files", "converted", "failed", "flags left for review")
    lines = ["| | |", "| --- | ---: |"]
    lines += [f"| {name} | {value:,} |" for name, value in rows if value or name in always]
    return lines


def _left(report: dict) -> List[str]:
    items = left_by_api(report)
    if not items:
        return ["Nothing: every torch API reference was converted."]
    lines = ["| API | count | reason | hint | first locations |", "| --- | ---: | --- | --- | --- |"]
    for item in items:
        first = ", ".join(_code(loc) for loc in item["locations"][:FIRST_LOCATIONS])
        if len(item["locations"]) > FIRST_LOCATIONS:
            first += f" (+{len(item['locations']) - FIRST_LOCATIONS})"
        lines.append(f"| {_code(item['api'])} | {item['count']:,} | {_cell('; '.join(item['reasons']))} | "
                     f"{_cell(item['hint'])} | {first} |")
    return lines


def _file_line(entry: dict) -> str:
    path = _code(entry["path"])
    if entry["status"] == "failed":
        error = entry["error"]
        line = f" (line {error['line']})" if error.get("line") else ""
        return f"- {path}: **failed**{line}: {_cell(error['message'])}"
    if entry["status"] == "kept":
        return f"- {path}: left alone: {_cell(entry['error']['message'])}"
    flags = entry["flags"]
    text = f"- {path}: {entry['status']}"
    if entry["references"]:
        done = entry["references"] - len(flags)
        text += f", {done}/{entry['references']} references converted"
    if flags:
        lines = ", ".join(where("", f).lstrip(":") for f in flags[:10]) + (", ..." if len(flags) > 10 else "")
        text += f", {len(flags)} flag{'s' if len(flags) > 1 else ''} (line {lines})"
    return text


def _files(report: dict, budget: int) -> List[str]:
    entries = [e for e in report["files"] if e["kind"] in ("python", "notebook") or e["status"] in ("failed", "kept")]
    # what needs a look first: failures, then flagged files, then the rest
    order = {"failed": 0, "kept": 1}
    entries.sort(key=lambda e: (order.get(e["status"], 2 if e["flags"] else 3), e["path"]))
    lines = [_file_line(entry) for entry in entries[:MAX_FILE_LINES]]
    if len(entries) > MAX_FILE_LINES:
        lines.append(f"- ... and {len(entries) - MAX_FILE_LINES} more files (see the JSON report)")
    if sum(len(line) + 1 for line in lines) > budget:
        quiet = [e for e in entries[:MAX_FILE_LINES] if e["status"] not in order and not e["flags"]]
        lines = lines[:len(entries[:MAX_FILE_LINES]) - len(quiet)] + lines[len(entries[:MAX_FILE_LINES]):]
        statuses = Counter(e["status"] for e in quiet)
        lines.append(f"- and {len(quiet):,} files with nothing left to review ("
                     + ", ".join(f"{count:,} {status}" for status, count in sorted(statuses.items()))
                     + "; each is in the JSON report)")
    return lines


def render(report: dict) -> str:
    t = report["totals"]
    target = report.get("destination") or report.get("source")
    lines = [
        "# torch2ms conversion report",
        "",
        f"Conversion rate: {_rate(t)}. A reference counts as converted unless it is flagged for review "
        f"(converted / all torch API references, as PaConvert counts).",
        "",
        f"`{report['source']}`" + (f" → `{target}`" if target != report["source"] else "")
        + f" ({report['mode']}; torch2ms {report['version']})"
        + (" — **interrupted**" if report["interrupted"] else ""),
        "",
    ]
    lines += _summary(report)
    if report.get("user_rules"):
        rules = report["user_rules"]
        lines += ["", f"The project's own rules ({', '.join(_code(f) for f in rules['files'])}) won over the "
                      f"shipped ones for: " + ", ".join(f"{_code(api)} ({info['references']} references)"
                                                       for api, info in rules["apis"].items()) + "."]
    lines += ["", f"## What is left: {_count(t['flagged'], 'flag')}, {_count(len(t['flagged_apis']), 'API')}", ""]
    lines += _left(report)
    lines += ["", "## Files", ""]
    lines += _files(report, COMMENT_BUDGET - sum(len(line) + 1 for line in lines))
    return "\n".join(lines) + "\n"
