"""Report formats: the JSON report (run/report.py) and the views drawn from it.

    json       every file and flag (docs/report.schema.json)
    sarif      SARIF 2.1.0 for code scanning (run/sarif.py)
    markdown   for a pull request: the conversion rate, what is left by API, a line per file
    csv        the APIs left for review with their counts, as MindSpore's migration tools list
               unsupported APIs

The format comes from the file's extension (.json, .sarif, .md, .csv) or --report-format.
"""
from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from typing import Optional

from torch2ms.run import fileio, markdown, sarif
from torch2ms.run.report import left_by_api

FORMATS = ("json", "sarif", "markdown", "csv")
EXTENSIONS = {".json": "json", ".sarif": "sarif", ".md": "markdown", ".markdown": "markdown", ".csv": "csv"}


class FormatError(Exception):
    pass


def format_for(path: str, explicit: Optional[str] = None) -> str:
    if explicit:
        return explicit
    lower = path.lower()
    if lower.endswith(".sarif.json"):
        return "sarif"
    found = EXTENSIONS.get(os.path.splitext(lower)[1])
    if found is None:
        raise FormatError(f"cannot tell the report format of {path} from its extension "
                          f"(.json, .sarif, .md, .csv): give --report-format")
    return found


def check_writable(path: str) -> None:
    """Fail now, before any work, if the report could not be written there (a FormatError)."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise FormatError(f"cannot write the report to {path}: it is a folder")
    if not os.path.isdir(folder):
        raise FormatError(f"cannot write the report to {path}: no folder {folder}")
    if os.path.exists(path):
        if not os.access(path, os.W_OK):
            raise FormatError(f"cannot write the report to {path}: permission denied")
        return
    try:  # as root os.access says yes to everything; a read-only file system says no only here
        fd, probe = tempfile.mkstemp(prefix=".torch2ms-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise FormatError(f"cannot write the report to {path}: {exc.strerror or exc}") from None


def render_csv(report: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["api", "count", "reason", "hint", "files", "first_location"])
    for item in left_by_api(report):
        writer.writerow([item["api"], item["count"], "; ".join(item["reasons"]), item["hint"] or "",
                         len(item["files"]), item["locations"][0]])
    return out.getvalue()


def render(report: dict, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    if fmt == "sarif":
        return json.dumps(sarif.render(report), indent=2, ensure_ascii=False) + "\n"
    if fmt == "markdown":
        return markdown.render(report)
    if fmt == "csv":
        return render_csv(report)
    raise FormatError(f"unknown report format {fmt!r} (known: {', '.join(FORMATS)})")


def write(path: str, report: dict, fmt: str) -> None:
    # File names that are not UTF-8 reach us as lone surrogates; keep them as escapes.
    fileio.atomic_write(path, render(report, fmt).encode("utf-8", "backslashreplace"))
