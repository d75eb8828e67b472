"""The diffusers profile's data: where diffusers' infrastructure lives in mindone.diffusers, the
torch-free answers of diffusers' constants, and mindone's own stand-ins for torch APIs
(data/diffusers_map.json, written by scripts/gen_diffusers_map.py from the installed packages;
data/compat_overrides.json where mindone's namesake computes something else),
and which diffusers classes are nn.Module subclasses (data/module_bases.json,
scripts/gen_module_bases.py). Both are checked against their schemas when read."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet

from torch2ms.knowledge.store import check, read_json
from torch2ms.profiles._common.library import LibraryMap, read_bases

DATA = Path(__file__).resolve().parent / "data"
MAP = LibraryMap(DATA / "diffusers_map.json", "diffusers",
                 {"compat": dict, "answers": dict})


def module_bases() -> FrozenSet[str]:
    return read_bases(DATA / "module_bases.json", "diffusers")


@lru_cache(maxsize=None)
def compat() -> Dict[str, str]:
    """torch API -> mindone.diffusers' own stand-in for it (`torch.nn.RMSNorm` -> layers_compat.RMSNorm):
    the map's, where data/compat_overrides.json names no more faithful one of mindone's."""
    overrides = check("compat_overrides.json", read_json(DATA / "compat_overrides.json"),
                      {"about": str, "compat": dict}, required=("compat",))
    return {**MAP.data["compat"], **overrides["compat"]}


def answers() -> Dict[str, dict]:
    """diffusers name -> {"value": its value without torch, "call": whether it is called}."""
    return MAP.data["answers"]
