"""The JSON report (every file, every flag) and the short human summary of a run."""
from __future__ import annotations

import json
from collections import Counter
from typing import List, Sequence

from torch2ms.run import fileio
from torch2ms.run.runner import Outcome

MAPPED_KINDS = ("mint", "ops", "nn", "mindspore")
TOP_FLAGGED = 10
MAX_LISTED_FAILURES = 20


def _entry(outcome: Outcome) -> dict:
    return {
        "path": outcome.rel,
        "kind": outcome.kind,
        "status": outcome.status,
        "error": outcome.error,
        "flags": [
            {"line": f.line, "column": f.column, "api": f.api, "reason": f.reason, "hint": f.hint}
            for f in outcome.flags
        ],
        "stats": dict(sorted(outcome.stats.items())),
    }


def totals(outcomes: Sequence[Outcome]) -> dict:
    statuses = Counter(o.status for o in outcomes)
    stats: Counter = Counter()
    flagged: Counter = Counter()
    for outcome in outcomes:
        stats.update(outcome.stats)
        flagged.update(f.api for f in outcome.flags)
    return {
        "python_files": sum(o.kind == "python" for o in outcomes),
        "converted": statuses["converted"],
        "unchanged": statuses["unchanged"],
        "failed": statuses["failed"],
        "copied": statuses["copied"],
        "linked": statuses["linked"],
        "stats": dict(sorted(stats.items())),
        "flagged": sum(flagged.values()),
        "flagged_apis": dict(flagged.most_common()),
    }


def build_report(outcomes: Sequence[Outcome], *, source: str, destination, mode: str, interrupted: bool) -> dict:
    return {
        "tool": "torch2ms",
        "source": source,
        "destination": destination,
        "mode": mode,
        "interrupted": interrupted,
        "files": [_entry(o) for o in outcomes],
        "totals": totals(outcomes),
    }


def write_report(path: str, report: dict) -> None:
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    # File names that are not UTF-8 reach us as lone surrogates; keep them as JSON escapes.
    fileio.atomic_write(path, text.encode("utf-8", "backslashreplace"))


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
    head = (f"torch2ms: {t['converted']} converted, {t['unchanged']} unchanged, {t['failed']} failed"
            f" ({t['python_files']} Python files)")
    if t["copied"] or t["linked"]:
        head += f"; {t['copied']} other files copied, {t['linked']} symlinks recreated"
    lines = [head]
    if interrupted:
        lines.append(f"interrupted: {len(outcomes)} of {planned} files done, the rest untouched")
    stats = t["stats"]
    mapped = ", ".join(f"{kind} {stats.get(kind, 0)}" for kind in MAPPED_KINDS)
    others = ", ".join(f"{key} {value}" for key, value in stats.items() if key not in MAPPED_KINDS)
    lines.append(f"calls mapped: {mapped}" + (f"; {others}" if others else ""))
    lines.append(f"flagged for manual review: {t['flagged']}")
    for api, count in list(t["flagged_apis"].items())[:TOP_FLAGGED]:
        lines.append(f"  {count:>6}  {api}")
    return "\n".join(lines + failure_lines(outcomes))
