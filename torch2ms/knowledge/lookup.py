"""What a torch API becomes: corrections first, then the reference tables, then the verified
mappings beyond them, then the priority rule.

Priority rule (spec §1): mindspore.mint.<same path>, else mindspore.ops.<name>,
else (layers and cells) mindspore.nn.<name> -- each only if it really exists in
MindSpore's public API (the shipped inventory). Anything else is flagged.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from torch2ms.knowledge import extras, inventory, tables
from torch2ms.knowledge.reasons import Reason
from torch2ms.knowledge.store import DATA_DIR, KnowledgeError, cached, check, overlay, read_folder


@dataclass(frozen=True)
class Target:
    path: str  # e.g. "mindspore.mint.nn.Linear"
    source: str  # the table's name, "correction", "extra", "priority" or "user" (the user's rules)


@dataclass(frozen=True)
class Correction:
    """A table row that is wrong by meaning, or a same-named MindSpore API that is not the same
    (data/corrections/): map to `target` instead, or leave the reference flagged with `flag`."""
    target: Optional[str]
    flag: Optional[str]
    why: str
    file: str
    user: bool = False  # from the user's own rules (a path in `file`), which win over the shipped data


CORRECTION_SCHEMA = {"target": str, "why": str, "flag": str}


def check_correction(where: str, raw) -> dict:
    check(where, raw, CORRECTION_SCHEMA)
    if ("target" in raw) == ("flag" in raw):
        raise KnowledgeError(f"{where}: needs exactly one of target, flag")
    return raw


@cached
def corrections() -> Dict[str, Correction]:
    found = {}
    for api, (file, raw) in read_folder(DATA_DIR / "corrections").items():
        check_correction(f"corrections/{file}: {api}", raw)
        found[api] = Correction(raw.get("target"), raw.get("flag"), raw.get("why", ""), file)
    user = overlay()
    if user is not None:  # the user's mappings and flags come first, as corrections do
        for api, raw in user.corrections.items():
            found[api] = Correction(raw.get("target"), raw.get("flag"), raw.get("why", ""), user.origin[api], True)
    return found


def _priority_candidates(qualname: str) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    rest = qualname[len("torch."):]
    namespace, _, name = qualname.rpartition(".")
    candidates = [(f"mindspore.mint.{rest}", ("function", "class", "other"))]
    # ops and nn stand in for torch's own namespaces only: `torch.cuda.is_available` is no
    # `ops.is_available`, whatever the names say.
    if namespace in ("torch", "torch.nn.functional"):
        candidates.append((f"mindspore.ops.{name}", ("function",)))
    if namespace == "torch.nn":
        candidates.append((f"mindspore.nn.{name}", ("class",)))
    return tuple(candidates)


@cached
def lookup(qualname: str) -> Optional[Target]:
    """The MindSpore target of a fully qualified torch name, or None."""
    correction = corrections().get(qualname)
    if correction is not None:
        source = "user" if correction.user else "correction"
        return Target(correction.target, source) if correction.target else None
    row = tables.lookup(qualname)
    if row is not None:
        return Target(row.mindspore, row.table) if row.mindspore else None
    if qualname in extras.mappings():
        return Target(extras.mappings()[qualname], "extra")
    if not qualname.startswith("torch.") or inventory.torch_is_module(qualname):
        return None
    torch_kind = inventory.torch_kind(qualname)
    if torch_kind is None:
        return None  # not a public torch API we know: never guess
    for candidate, kinds in _priority_candidates(qualname):
        kind = inventory.ms_kind(candidate)
        if kind in kinds and _kinds_agree(torch_kind, kind):
            return Target(candidate, "priority")
    return None


def _kinds_agree(torch_kind: str, ms_kind: str) -> bool:
    # A torch class must not silently become a MindSpore function, nor the reverse.
    if torch_kind == "class" or ms_kind == "class":
        return torch_kind == ms_kind
    return True


def why_unmapped(qualname: str) -> Tuple[Reason, Optional[str]]:
    """(reason, hint) for a torch name that lookup() could not map."""
    correction = corrections().get(qualname)
    if correction is not None and correction.flag:
        return Reason.MANUAL, correction.flag
    row = tables.lookup(qualname)
    if row is not None and not row.mindspore:
        hint = " or ".join(row.alternatives) if row.alternatives else None
        return Reason.NO_COUNTERPART, hint
    return Reason.NOT_IN_TABLES, None
