"""The report as SARIF 2.1.0, for code scanning (GitHub, GitLab, Azure DevOps, IDE viewers).

One result per flag (and per file that could not be converted), with a stable rule id per
reason, the file as a URI relative to the converted tree (`uriBaseId` SRCROOT), the line and
column, the hint in the message, and a `partialFingerprints` entry that does not move with
line numbers (path, API, reason and the how-manieth such flag in the file), so that a re-run
updates alerts instead of duplicating them. Validated against the official schema in
tests/test_reports.py.
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import quote

from torch2ms.knowledge.reasons import Reason

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT = "torch2msFlag/v1"

# id, name, short description, level, help. The ids are stable: never renumber, only add.
RULES = (
    ("T2M001", "not-in-tables", "A torch API that no table, correction or verified mapping names", "warning",
     "torch2ms maps only what its tables, corrections and verified mappings name, or what the priority rule finds "
     "in MindSpore under the same name; this API is none of those. Find the MindSpore equivalent (or add one to "
     "the project's rules, docs/custom-rules.md) and rewrite the line."),
    ("T2M002", "no-counterpart", "The mapping tables say MindSpore has no counterpart", "warning",
     "The reference tables list this API without a MindSpore counterpart; the hint gives their alternative when "
     "there is one. Rewrite the line by hand."),
    ("T2M003", "manual-rewrite", "There is a counterpart, but this use needs a human", "warning",
     "MindSpore has a counterpart, but this use of the API (an argument, a context, a module used as a value) "
     "cannot be converted with certainty; the hint says what to do."),
    ("T2M004", "conversion-failed", "The file could not be converted", "error",
     "The file could not be read or parsed as Python 3 (a syntax error, an undecodable byte, a broken notebook); "
     "it was left as it is (and copied unchanged when mirroring)."),
    ("T2M005", "edited-output-kept", "An output file changed by hand was left alone", "note",
     "The output file differs from what torch2ms wrote last time, so it was not overwritten; convert with --force "
     "to overwrite it."),
)
BY_REASON = {Reason.NOT_IN_TABLES.value: "T2M001", Reason.NO_COUNTERPART.value: "T2M002", Reason.MANUAL.value: "T2M003"}
_INDEX = {rule[0]: index for index, rule in enumerate(RULES)}


def _rule(rule_id: str, name: str, short: str, level: str, text: str) -> dict:
    return {"id": rule_id, "name": name, "shortDescription": {"text": short}, "fullDescription": {"text": text},
            "help": {"text": text}, "defaultConfiguration": {"level": level}}


def _uri(path: str) -> Dict[str, str]:
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path.replace(os.sep, "/")), "uriBaseId": "SRCROOT"}


def _root(report: dict) -> Optional[str]:
    """The folder relative paths are relative to: what was written (mirror), else what was read."""
    if report["mode"] == "folder" and report.get("destination"):
        return report["destination"]
    if report.get("source") and os.path.isdir(report["source"]):
        return report["source"]
    return os.getcwd()


def _fingerprint(*parts: object) -> str:
    return hashlib.sha256("\0".join(str(p) for p in parts).encode("utf-8", "backslashreplace")).hexdigest()[:32]


def _result(rule_id: str, text: str, path: str, line: Optional[int], column: Optional[int],
            fingerprint: str, properties: dict) -> dict:
    location: dict = {"artifactLocation": _uri(path)}
    if line:
        location["region"] = {"startLine": line, **({"startColumn": column + 1} if column is not None else {})}
    return {"ruleId": rule_id, "ruleIndex": _INDEX[rule_id], "level": RULES[_INDEX[rule_id]][3],
            "message": {"text": text}, "locations": [{"physicalLocation": location}],
            "partialFingerprints": {FINGERPRINT: fingerprint}, "properties": properties}


def _flag_results(entry: dict) -> List[dict]:
    results, seen = [], Counter()
    for flag in entry["flags"]:
        reason = str(flag["reason"])
        rule_id = BY_REASON.get(reason, "T2M003")
        occurrence = seen[(flag["api"], reason)]
        seen[(flag["api"], reason)] += 1
        text = f"{flag['api']}: {reason}" + (f". {flag['hint']}" if flag.get("hint") else "")
        properties = {"api": flag["api"], "reason": reason}
        line, column = flag["line"], flag["column"]
        if "cell" in flag:  # a notebook: lines of the JSON file mean nothing; say where in words
            text = f"cell {flag['cell']}, line {flag['line']}: {text}"
            properties.update(cell=flag["cell"], cellLine=flag["line"])
            line = column = None
        results.append(_result(rule_id, text, entry["path"], line, column,
                               _fingerprint(entry["path"], flag["api"], reason, occurrence), properties))
    return results


def render(report: dict) -> dict:
    results: List[dict] = []
    for entry in report["files"]:
        if entry["status"] == "failed":
            error = entry["error"]
            results.append(_result("T2M004", error["message"], entry["path"], error.get("line"), None,
                                   _fingerprint(entry["path"], "failed"), {}))
        elif entry["status"] == "kept":
            results.append(_result("T2M005", entry["error"]["message"], entry["path"], None, None,
                                   _fingerprint(entry["path"], "kept"), {}))
        results.extend(_flag_results(entry))
    run: dict = {
        "tool": {"driver": {"name": "torch2ms", "version": report["version"], "semanticVersion": report["version"],
                            "rules": [_rule(*rule) for rule in RULES]}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [{"executionSuccessful": not report["interrupted"]}],
        "properties": {"conversionRate": report["totals"]["conversion_rate"], "mode": report["mode"]},
    }
    root = _root(report)
    if root:
        run["originalUriBaseIds"] = {"SRCROOT": {"uri": Path(os.path.abspath(root)).as_uri() + "/"}}
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
