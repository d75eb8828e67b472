"""Argument rules (data/arg_rules/*.json) loaded once and merged into one lookup."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Optional, Tuple

from torch2ms.knowledge.inventory import DATA_DIR

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
    float_args: Tuple[str, ...] = ()
    positional: Tuple[str, ...] = ()
    tuple_args: Tuple[str, ...] = ()
    evidence: str = ""


@lru_cache(maxsize=None)
def all_rules() -> Dict[str, ArgRule]:
    merged: Dict[str, ArgRule] = {}
    for path in sorted(RULES_DIR.glob("*.json")):
        for api, raw in json.loads(path.read_text(encoding="utf-8")).items():
            if api in merged:
                raise ValueError(f"{path.name}: {api} already has rules in another file")
            merged[api] = ArgRule(
                params=tuple(raw.get("params", ())),
                pack_size=bool(raw.get("pack_size", False)),
                keyword_only=tuple(raw.get("keyword_only", ())),
                rename=dict(raw.get("rename", {})),
                drop=tuple(raw.get("drop", ())),
                drop_default=dict(raw.get("drop_default", {})),
                flag=dict(raw.get("flag", {})),
                defaults=dict(raw.get("defaults", {})),
                cast_result=raw.get("cast_result", ""),
                float_args=tuple(raw.get("float_args", ())),
                positional=tuple(raw.get("positional", ())),
                tuple_args=tuple(raw.get("tuple_args", ())),
                evidence=raw.get("evidence", ""),
            )
    return merged


def rule_for(api: str) -> Optional[ArgRule]:
    return all_rules().get(api)
