"""Library modes ("profiles"): one folder each, found by looking, chosen by name or detected.

    available()                 -> {"transformers": <profile>, ...}
    get("transformers")         -> the profile (KeyError names the known ones)
    detect(module, path)        -> the first profile that claims the file, or None
    module_bases()              -> every profile's nn.Module base classes, as every dotted tail
                                   of two parts or more (relative imports spell them so)

A new profile is a new folder here with `PROFILE = MyProfile()` in its `__init__.py`
(see base.Profile for what a profile contributes); nothing else changes. Folders whose name
starts with `_` hold machinery profiles share (_common/), not profiles.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Dict, FrozenSet, Optional

import libcst as cst

from torch2ms.profiles.base import Profile

__all__ = ["Profile", "available", "get", "detect", "module_bases"]


@lru_cache(maxsize=None)
def available() -> Dict[str, Profile]:
    found: Dict[str, Profile] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if not info.ispkg or info.name.startswith("_"):
            continue
        profile = importlib.import_module(f"{__name__}.{info.name}").PROFILE
        if not isinstance(profile, Profile) or profile.name != info.name:
            raise TypeError(f"torch2ms/profiles/{info.name}: PROFILE must be a Profile named {info.name!r}")
        found[profile.name] = profile
    return found


def get(name: str) -> Profile:
    try:
        return available()[name]
    except KeyError:
        raise KeyError(f"no profile {name!r} (known: {', '.join(available()) or 'none'})") from None


def detect(module: cst.Module, path: str) -> Optional[Profile]:
    return next((p for p in available().values() if p.detects(module, path)), None)


@lru_cache(maxsize=None)
def module_bases() -> FrozenSet[str]:
    tails = set()
    for profile in available().values():
        for name in profile.module_bases():
            parts = name.split(".")
            tails.update(".".join(parts[i:]) for i in range(len(parts) - 1))
    return frozenset(tails)
