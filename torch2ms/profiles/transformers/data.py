"""The transformers profile's data: where transformers' infrastructure lives in
mindone.transformers (data/hf_map.json, written by scripts/gen_hf_map.py from the installed
packages) and which transformers classes are nn.Module subclasses (data/module_bases.json,
scripts/gen_module_bases.py). Both are checked against their schemas when read."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

from torch2ms.profiles._common.library import LibraryMap, ModuleEntry, read_bases

DATA = Path(__file__).resolve().parent / "data"
MAP = LibraryMap(DATA / "hf_map.json", "transformers", {"config_modules": list, "model_packages": list})

__all__ = ["MAP", "ModuleEntry", "hf_map", "module_bases", "module_entry", "configs_by_leaf", "config_modules",
           "signature_change", "method_change"]


def hf_map() -> dict:
    return MAP.data


def module_bases() -> FrozenSet[str]:
    return read_bases(DATA / "module_bases.json", "transformers")


def module_entry(module: str) -> Optional[ModuleEntry]:
    return MAP.module_entry(module)


@lru_cache(maxsize=None)
def configs_by_leaf() -> Dict[str, Tuple[str, ...]]:
    """`configuration_bert` -> the configuration modules of that name."""
    out: Dict[str, List[str]] = {}
    for module in MAP.data["config_modules"]:
        out.setdefault(module.rpartition(".")[2], []).append(module)
    return {leaf: tuple(modules) for leaf, modules in out.items()}


@lru_cache(maxsize=None)
def config_modules() -> frozenset:
    return frozenset(MAP.data["config_modules"])


def signature_change(name: str) -> Optional[dict]:
    """How mindone's signature of a transformers function differs (drop/at/positional/rename/needs)."""
    return MAP.signature_change(name)


def method_change(cls: str, method: str) -> Optional[dict]:
    return MAP.method_change(cls, method)
