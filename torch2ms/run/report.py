"""The JSON report (every file, every flag) and the short human summary of a run.

The JSON report is the data every other format is drawn from (run/formats.py: SARIF,
Markdown, CSV); its schema is docs/report.schema.json, versioned by SCHEMA_VERSION.
"""
from __future__ import annotations

from collections import Counter
from typing import Dict, List, Optional, Sequence

import torch2ms
from torch2ms.knowledge import user_rules
from torch2ms.run.runner import Outcome

SCHEMA_VERSION = 1  # docs/report.schema.json: a change to the report's shape is a new version

MAPPED_KINDS = ("mint", "ops", "nn", "mindspore")
TOP_FLAGGED = 10
MAX_LISTED_FAILURES = 20


def _flag(f) -> dict:
    entry = {"line": f.line, "column": f.column, "api": f.api, "reason": f.reason, "hint": f.hint}
    if f.cell is not None:
        entry["cell"] = f.cell  # a notebook's: `line` is within the cell
    return entry


def _entry(outcome: Outcome) -> dict:
    return {
        "path": outcome.rel,
        "kind": outcome.kind,
        "status": outcome.status,
        "error": outcome.error,
        "flags": [_flag(f) for f in outcome.flags],
        "stats": dict(sorted(outcome.stats.items())),
        "references": outcome.references,
        "reused": outcome.reused,
    }


def conversion_rate(references: int, flagged: int) -> Optional[float]:
    """Converted torch API references / all of them, as PaConvert counts (None: there were none)."""
    return round(100.0 * (references - flagged) / references, 2) if references else None


def totals(outcomes: Sequence[Outcome]) -> dict:
    statuses = Counter(o.status for o in outcomes)
    stats: Counter = Counter()
    flagged: Counter = Counter()
    for outcome in outcomes:
        stats.update(outcome.stats)
        flagged.update(f.api for f in outcome.flags)
    references = sum(o.references for o in outcomes)
    return {
        "python_files": sum(o.kind == "python" for o in outcomes),
        "notebooks": sum(o.kind == "notebook" for o in outcomes),
        "converted": statuses["converted"],
        "unchanged": statuses["unchanged"],
        "failed": statuses["failed"],
        "copied": statuses["copied"],
        "linked": statuses["linked"],
        "kept": statuses["kept"],
        "reused": sum(o.reused for o in outcomes),
        "stats": dict(sorted(stats.items())),
        "flagged": sum(flagged.values()),
        "flagged_apis": dict(flagged.most_common()),
        "references": references,
        "converted_references": references - sum(flagged.values()),
        "conversion_rate": conversion_rate(references, sum(flagged.values())),
    }


def _user_rules(outcomes: Sequence[Outcome]) -> Optional[dict]:
    """The user's rules of this run, and how often the converted code referenced each API they name."""
    rules = user_rules.installed()
    if rules is None:
        return None
    seen: Counter = Counter()
    for outcome in outcomes:
        seen.update(outcome.seen)
        seen.update(f.api for f in outcome.flags if f.api not in outcome.seen)
    used: Dict[str, dict] = {}
    for api in rules.apis():
        kinds = [kind for kind, table in (("correction", rules.corrections), ("arg_rule", rules.arg_rules))
                 if api in table]
        used[api] = {"file": rules.origin[api], "kinds": kinds, "references": seen.get(api, 0)}
    return {"files": list(rules.files), "apis": used}


def build_report(outcomes: Sequence[Outcome], *, source: str, destination, mode: str, interrupted: bool) -> dict:
    return {
        "tool": "torch2ms",
        "version": torch2ms.__version__,
        "schema_version": SCHEMA_VERSION,
        "source": source,
        "destination": destination,
        "mode": mode,
        "interrupted": interrupted,
        "files": [_entry(o) for o in outcomes],
        "totals": totals(outcomes),
        "user_rules": _user_rules(outcomes),
    }


def _where(outcome: Outcome) -> str:
    line = outcome.error.get("line")
    return f"{outcome.rel}:{line}" if line else outcome.rel


def failure_lines(outcomes: Sequence[Outcome]) -> List[str]:
    failures = [o for o in outcomes if o.status == "failed"]
    lines = [f"  {_where(o)}: {o.error['message']}" for o in failures[:MAX_LISTED_FAILURES]]
    if len(failures) > MAX_LISTED_FAILURES:
        lines.append(f"  ... and {len(failures) - MAX_LISTED_FAILURES} more (see --report)")
    return ["failed:"] + lines if failures else []


def summary(outcomes: Sequence[Outcome], planned: int, interrupted: bool) -> str:
    t = totals(outcomes)
    notebooks = f", {t['notebooks']} notebooks" if t["notebooks"] else ""
    head = (f"torch2ms: {t['converted']} converted, {t['unchanged']} unchanged, {t['failed']} failed"
            f" ({t['python_files']} Python files{notebooks})")
    if t["copied"] or t["linked"]:
        head += f"; {t['copied']} other files copied, {t['linked']} symlinks recreated"
    lines = [head]
    if t["reused"]:
        lines.append(f"up to date: {t['reused']} files not converted again (same source, tool and options)")
    if t["kept"]:
        kept = [o.rel for o in outcomes if o.status == "kept"]
        shown = ", ".join(kept[:MAX_LISTED_FAILURES])
        if len(kept) > MAX_LISTED_FAILURES:
            shown += f", ... ({len(kept)} in all)"
        lines.append(f"left alone, changed by hand since torch2ms wrote them (--force overwrites): {shown}")
    if interrupted:
        lines.append(f"interrupted: {len(outcomes)} of {planned} files done, the rest untouched")
    if t["conversion_rate"] is not None:
        lines.append(f"conversion rate: {t['conversion_rate']:.1f}% ({t['converted_references']} of "
                     f"{t['references']} torch API references converted)")
    stats = t["stats"]
    mapped = ", ".join(f"{kind} {stats.get(kind, 0)}" for kind in MAPPED_KINDS)
    others = ", ".join(f"{key} {value}" for key, value in stats.items() if key not in MAPPED_KINDS)
    lines.append(f"calls mapped: {mapped}" + (f"; {others}" if others else ""))
    lines.append(f"flagged for manual review: {t['flagged']}")
    for api, count in list(t["flagged_apis"].items())[:TOP_FLAGGED]:
        lines.append(f"  {count:>6}  {api}")
    return "\n".join(lines + failure_lines(outcomes))


# ---- what is left, by API (the Markdown and CSV reports, drawn from the JSON report) ------------
def where(path: str, flag: dict) -> str:
    """`pkg/model.py:12`, or `demo.ipynb:cell 3:2` for a notebook's flag."""
    return f"{path}:cell {flag['cell']}:{flag['line']}" if "cell" in flag else f"{path}:{flag['line']}"


def left_by_api(result: dict) -> List[dict]:
    """One entry per flagged API, most frequent first: api, count, reasons (most frequent
    first), hint (the first given), files, locations (in file order)."""
    found: Dict[str, dict] = {}
    for entry in result["files"]:
        for flag in entry["flags"]:
            item = found.setdefault(flag["api"], {"api": flag["api"], "count": 0, "reasons": Counter(), "hint": None,
                                                  "files": [], "locations": []})
            item["count"] += 1
            item["reasons"][str(flag["reason"])] += 1
            item["hint"] = item["hint"] or flag["hint"]
            if entry["path"] not in item["files"]:
                item["files"].append(entry["path"])
            item["locations"].append(where(entry["path"], flag))
    items = sorted(found.values(), key=lambda item: (-item["count"], item["api"]))
    for item in items:
        item["reasons"] = [reason for reason, _ in item["reasons"].most_common()]
    return items
