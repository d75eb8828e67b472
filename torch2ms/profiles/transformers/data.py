"""The transformers profile's data: where transformers' infrastructure lives in
mindone.transformers (data/hf_map.json, written by scripts/gen_hf_map.py from the installed
packages) and which transformers classes are nn.Module subclasses (data/module_bases.json,
scripts/gen_module_bases.py). Both are checked against their schemas when read."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

from torch2ms.knowledge.store import check, read_json

DATA = Path(__file__).resolve().parent / "data"
_MAP = {"transformers_version": str, "mindone_version": str, "modules": dict, "signatures": dict, "methods": dict,
        "config_modules": list, "model_packages": list}
_MODULE = {"mindone_module": (str, type(None)), "to_mindone": list, "moved": dict, "keep": list, "keep_at": dict,
           "drop": list, "needs_torch": list, "imports_torch": bool}
_CHANGE = {"drop": list, "at": list, "positional": bool, "rename": dict, "needs": list, "values": bool}


@lru_cache(maxsize=None)
def hf_map() -> dict:
    data = check("hf_map.json", read_json(DATA / "hf_map.json"), _MAP, required=tuple(_MAP))
    for module, entry in data["modules"].items():
        check(f"hf_map.json: modules: {module}", entry, _MODULE, required=("mindone_module", "to_mindone",
                                                                            "imports_torch"))
    for name, change in data["signatures"].items():
        check(f"hf_map.json: signatures: {name}", change, _CHANGE, required=("drop", "at", "positional"))
    for cls, methods in data["methods"].items():
        for method, change in methods.items():
            check(f"hf_map.json: methods: {cls}.{method}", change, _CHANGE, required=("drop", "at", "positional"))
    return data


@lru_cache(maxsize=None)
def module_bases() -> FrozenSet[str]:
    data = check("module_bases.json", read_json(DATA / "module_bases.json"),
                 {"transformers_version": str, "classes": list}, required=("classes",))
    return frozenset(data["classes"])


@dataclass(frozen=True)
class ModuleEntry:
    """What mindone.transformers has of one transformers module."""
    mindone_module: Optional[str]
    to_mindone: frozenset  # names mindone has under the same name
    moved: Dict[str, str]  # name -> where mindone has it (another module or name)
    keep: frozenset  # names that stay in transformers and need no torch
    keep_at: Dict[str, str]  # names that stay in transformers, imported from another module
    drop: frozenset  # decorators mindone's own ports drop
    needs_torch: frozenset  # names only transformers has, needing torch: flagged at each use
    imports_torch: bool  # importing the module imports torch (a file importing it is a modeling file)


@lru_cache(maxsize=None)
def module_entry(module: str) -> Optional[ModuleEntry]:
    raw = hf_map()["modules"].get(module)
    if raw is None:
        return None
    return ModuleEntry(
        raw["mindone_module"], frozenset(raw["to_mindone"]), raw.get("moved", {}),
        frozenset(raw.get("keep", ())), raw.get("keep_at", {}),
        frozenset(raw.get("drop", ())), frozenset(raw.get("needs_torch", ())), raw["imports_torch"],
    )


@lru_cache(maxsize=None)
def configs_by_leaf() -> Dict[str, Tuple[str, ...]]:
    """`configuration_bert` -> the configuration modules of that name."""
    out: Dict[str, List[str]] = {}
    for module in hf_map()["config_modules"]:
        out.setdefault(module.rpartition(".")[2], []).append(module)
    return {leaf: tuple(modules) for leaf, modules in out.items()}


@lru_cache(maxsize=None)
def config_modules() -> frozenset:
    return frozenset(hf_map()["config_modules"])


def signature_change(name: str) -> Optional[dict]:
    """How mindone's signature of a transformers function differs (drop/at/positional/rename/needs)."""
    return hf_map()["signatures"].get(name)


def method_change(cls: str, method: str) -> Optional[dict]:
    return hf_map()["methods"].get(cls, {}).get(method)
