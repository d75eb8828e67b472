"""What a mirrored conversion wrote, kept in the destination: safe and incremental re-runs.

`DST/.torch2ms-manifest.json` records, for every file written into DST, the hash of its
source and of what was written, and the outcome (flags, figures), under the options and
the tool that produced them. On the next conversion into DST, each file is:

- *kept* when its output no longer has the written hash, or was not written by torch2ms at
  all: a person edited it, and it is left alone and reported (`--force` overwrites);
- *reused* when its source, the tool and the options are unchanged and the output is as
  written: not converted again, its outcome replayed from the manifest (the report stays whole);
- converted (or copied) again otherwise.

A destination without a manifest is written as before (the first conversion).
"""
from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import torch2ms
from torch2ms.convert.results import Flag, Reason
from torch2ms.run import fileio
from torch2ms.run.runner import MANIFEST_NAME, Job, Outcome, sha256

FORMAT = 1
TRACKED = ("python", "notebook", "copy")
KEPT_NOTE = "changed by hand since torch2ms wrote it: left alone (--force overwrites it)"
FOREIGN_NOTE = "not written by torch2ms (it is not in the manifest): left alone (--force overwrites it)"


def tool_fingerprint() -> str:
    """The version and the code and data the conversion is made of: a changed rule or data
    file re-converts everything, as a new release does."""
    digest = hashlib.sha256(torch2ms.__version__.encode())
    root = Path(torch2ms.__file__).resolve().parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass
class Manifest:
    tool: str
    options: dict
    files: Dict[str, dict] = field(default_factory=dict)  # rel -> {"source", "output", "outcome"}


def path_in(dst_root: str) -> str:
    return os.path.join(dst_root, MANIFEST_NAME)


def load(dst_root: str) -> Optional[Manifest]:
    """The manifest in dst_root; None if there is none (or it is not one we can read: then
    every file is treated as not written by us, which is the safe side)."""
    try:
        with open(path_in(dst_root), "rb") as handle:
            raw = json.loads(handle.read())
        if raw.get("format") != FORMAT:
            return Manifest("", {}, {})
        return Manifest(raw["tool"], raw["options"], raw["files"])
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return Manifest("", {}, {})


def _hash_file(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            return sha256(handle.read())
    except OSError:
        return None


def _outcome_to_data(outcome: Outcome) -> dict:
    return {
        "status": outcome.status, "error": outcome.error, "stats": dict(outcome.stats), "seen": dict(outcome.seen),
        "references": outcome.references,
        "flags": [[f.line, f.column, f.api, f.reason.name, f.hint, f.cell] for f in outcome.flags],
    }


def _outcome_from_data(job: Job, data: dict) -> Outcome:
    flags = [Flag(line, column, api, Reason[reason], hint, cell)
             for line, column, api, reason, hint, cell in data["flags"]]
    return Outcome(job.rel, job.kind, data["status"], data["error"], flags, Counter(data["stats"]),
                   seen=Counter(data["seen"]), references=data["references"], reused=True)


def screen(jobs: Sequence[Job], manifest: Optional[Manifest], tool: str, options: dict,
           force: bool) -> Tuple[List[Job], List[Outcome]]:
    """(jobs still to run, outcomes known already: kept and reused files)."""
    if manifest is None:
        return list(jobs), []
    same_run = manifest.tool == tool and manifest.options == options
    todo, known = [], []
    for job in jobs:
        if job.kind not in TRACKED or job.action != "write" or not os.path.lexists(job.dst):
            todo.append(job)
            continue
        entry = manifest.files.get(job.rel)
        present = _hash_file(job.dst) if os.path.isfile(job.dst) and not os.path.islink(job.dst) else None
        if entry is None or present != entry.get("output"):
            if force:
                todo.append(job)
            else:
                note = FOREIGN_NOTE if entry is None else KEPT_NOTE
                known.append(Outcome(job.rel, job.kind, "kept", {"message": note, "line": None, "column": None}))
            continue
        if same_run and entry.get("outcome") and _hash_file(job.src) == entry.get("source"):
            known.append(_outcome_from_data(job, entry["outcome"]))
        else:
            todo.append(job)
    return todo, known


def save(dst_root: str, previous: Optional[Manifest], tool: str, options: dict,
         outcomes: Sequence[Outcome]) -> None:
    """Record what this run wrote (and keep what it left alone as it was recorded)."""
    same_run = previous is not None and previous.tool == tool and previous.options == options
    files: Dict[str, dict] = {}
    if previous is not None:  # files this run did not touch (kept, or interrupted before them)
        files = {rel: entry for rel, entry in previous.files.items()
                 if os.path.lexists(os.path.join(dst_root, rel))}
        if not same_run:  # their outcomes belong to other options: convert them again next time
            files = {rel: {**entry, "outcome": None} for rel, entry in files.items()}
    for outcome in outcomes:
        if outcome.kind not in TRACKED or outcome.status == "kept":
            continue
        if outcome.reused:
            continue  # the entry is the previous one, unchanged
        if outcome.output_hash is None:  # failed and not copied: nothing of ours is there
            files.pop(outcome.rel, None)
            continue
        files[outcome.rel] = {"source": outcome.source_hash, "output": outcome.output_hash,
                              "outcome": _outcome_to_data(outcome)}
    data = {"format": FORMAT, "about": "written by torch2ms: what it wrote here, so that a re-run neither "
                                       "overwrites hand edits nor converts unchanged files again",
            "tool": tool, "options": options, "files": dict(sorted(files.items()))}
    fileio.atomic_write(path_in(dst_root), (json.dumps(data, indent=1) + "\n").encode())

