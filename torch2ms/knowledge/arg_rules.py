"""Argument rules (data/arg_rules/*.json): how a call's arguments change between a torch API
and its MindSpore target. One schema, the ArgRule fields; data/arg_rules/README.md says what
each field means, and rules/call_args.py applies them (one small function per field)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from torch2ms.knowledge.store import DATA_DIR, cached, check, overlay, read_folder

RULES_DIR = DATA_DIR / "arg_rules"


@dataclass(frozen=True)
class ArgRule:
    params: Tuple[str, ...] = ()
    pack_size: bool = False
    keyword_only: Tuple[str, ...] = ()
    rename: Dict[str, str] = field(default_factory=dict)
    drop: Tuple[str, ...] = ()
    drop_default: Dict[str, str] = field(default_factory=dict)
    flag: Dict[str, str] = field(default_factory=dict)
    defaults: Dict[str, str] = field(default_factory=dict)
    cast_result: str = ""
    cast_unless: Tuple[str, ...] = ()
    float_args: Tuple[str, ...] = ()
    bool_args: Tuple[str, ...] = ()
    positional: Tuple[str, ...] = ()
    tuple_args: Tuple[str, ...] = ()
    int_as_tuple: Tuple[str, ...] = ()
    size_form: Dict[str, str] = field(default_factory=dict)
    same_value: Dict[str, Dict[str, Dict[str, str]]] = field(default_factory=dict)
    result_when: Dict[str, Dict[str, str]] = field(default_factory=dict)
    zero_as_none: Dict[str, Dict[str, str]] = field(default_factory=dict)
    evidence: str = ""


def _json_type(annotation: str):
    return {"bool": bool, "str": str}.get(annotation, dict if annotation.startswith("Dict") else list)


# The data schema *is* the dataclass: a new kind of argument rule is a new field here plus the
# one function in rules/call_args.py that applies it.
SCHEMA = {f.name: _json_type(str(f.type)) for f in dataclasses.fields(ArgRule)}


def from_data(raw: dict) -> ArgRule:
    return ArgRule(**{k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()})


@cached
def all_rules() -> Dict[str, ArgRule]:
    merged: Dict[str, ArgRule] = {}
    for api, (file, raw) in read_folder(RULES_DIR).items():
        check(f"arg_rules/{file}: {api}", raw, SCHEMA)
        merged[api] = from_data(raw)
    user = overlay()
    if user is not None:  # a user's rule replaces the shipped one for that API whole
        merged.update((api, from_data(raw)) for api, raw in user.arg_rules.items())
    return merged


def rule_for(api: str) -> Optional[ArgRule]:
    return all_rules().get(api)
