"""What a torch API becomes: the reference tables first, then the priority rule.

Priority rule (spec §1): mindspore.mint.<same path>, else mindspore.ops.<name>,
else (layers and cells) mindspore.nn.<name> -- each only if it really exists in
MindSpore's public API (the shipped inventory). Anything else is flagged.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, Optional, Tuple

from torch2ms.knowledge import inventory, tables

NOT_IN_TABLES = "not in the tables"
NO_COUNTERPART = "no MindSpore counterpart"
MANUAL = "needs a manual rewrite"


@dataclass(frozen=True)
class Target:
    path: str  # e.g. "mindspore.mint.nn.Linear"
    source: str  # the table's name, or "priority"



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


@lru_cache(maxsize=None)
def _extra() -> dict:
    return json.loads((inventory.DATA_DIR / "extra_mappings.json").read_text(encoding="utf-8"))


def extra_mappings() -> Dict[str, str]:
    return _extra()["mappings"]


def wrapped_first_arg() -> Dict[str, list]:
    """`torch.finfo(d)` -> `numpy.finfo(mindspore.dtype_to_nptype(d))`: (function, wrapper of arg 1)."""
    return _extra()["wrap_first_arg"]


def constant_calls() -> Dict[str, str]:
    """`torch.get_default_dtype()` -> "mindspore.float32": calls whose MindSpore answer is fixed."""
    return _extra()["constant_calls"]


def info_scalars() -> Dict[str, dict]:
    """`torch.finfo` -> {"type": "builtins.float", "fields": [...]}: fields read as Python numbers."""
    return _extra()["info_scalars"]


def method_to_function() -> Dict[str, str]:
    """`torch.Tensor.log_softmax` -> "torch.nn.functional.log_softmax": the receiver becomes argument 1."""
    return _extra()["method_to_function"]


@lru_cache(maxsize=None)
def mode_dependent_layers() -> FrozenSet[str]:
    """torch layers whose result depends on the training flag (or that hold layers that may)."""
    return frozenset(_extra()["mode_dependent_layers"])


def cell_methods() -> Dict[str, dict]:
    """`named_parameters` -> {"to": "parameters_and_names", "receiver": "any", "rename": {...}}."""
    return _extra()["cell_methods"]


def python_dtypes() -> Dict[str, str]:
    """`float` -> "mindspore.float64": Python types torch takes as dtypes, with torch's meaning."""
    return _extra()["python_dtypes"]


@lru_cache(maxsize=None)
def autocasts() -> FrozenSet[str]:
    return frozenset(_extra()["autocast"])


@lru_cache(maxsize=None)
def known_false() -> FrozenSet[str]:
    """torch questions whose answer is False on MindSpore (CUDA? tracing? compiling?)."""
    return frozenset(_extra()["known_false"])


@lru_cache(maxsize=None)
def unwrapped() -> FrozenSet[str]:
    """TorchScript / torch.compile wrappers: the wrapped function or module is what remains."""
    return frozenset(_extra()["unwrap"])


@lru_cache(maxsize=None)
def corrections() -> Dict[str, dict]:
    merged: Dict[str, dict] = {}
    for path in sorted((inventory.DATA_DIR / "corrections").glob("*.json")):
        for api, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if api in merged:
                raise ValueError(f"{path.name}: {api} is corrected in another file too")
            merged[api] = entry
    return merged


@lru_cache(maxsize=None)
def lookup(qualname: str) -> Optional[Target]:
    """The MindSpore target of a fully qualified torch name, or None."""
    correction = corrections().get(qualname)
    if correction is not None:
        return Target(correction["target"], "correction") if "target" in correction else None
    row = tables.lookup(qualname)
    if row is not None:
        return Target(row.mindspore, row.table) if row.mindspore else None
    if qualname in extra_mappings():
        return Target(extra_mappings()[qualname], "extra")
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


def why_unmapped(qualname: str) -> Tuple[str, Optional[str]]:
    """(reason, hint) for a torch name that lookup() could not map."""
    correction = corrections().get(qualname)
    if correction is not None and "flag" in correction:
        return MANUAL, correction["flag"]
    row = tables.lookup(qualname)
    if row is not None and not row.mindspore:
        hint = " or ".join(row.alternatives) if row.alternatives else None
        return NO_COUNTERPART, hint
    return NOT_IN_TABLES, None
