"""transformers as the shared decisions see it (profiles/_common/decisions.py): its map, where a
file sits, and what stays in transformers without a note (configurations)."""
from __future__ import annotations

import libcst as cst

from torch2ms.profiles._common import decisions as common
from torch2ms.profiles._common.decisions import Decision, ImportDecisions  # noqa: F401  (the profile's API)
from torch2ms.profiles._common.library import Library
from torch2ms.profiles.transformers.data import MAP, config_modules
from torch2ms.profiles.transformers.layout import layout_of, resolve

NEEDS_TORCH_HINT = "mindone.transformers has no counterpart; transformers' own needs torch"
UNKNOWN_HINT = "not in the HF map (data/hf_map.json)"  # the profile folder's data/

TRANSFORMERS = Library(
    name="transformers",
    map=MAP,
    layout_of=layout_of,
    resolve=resolve,
    stays_silently=lambda module: module in config_modules() or module.rpartition(".")[2].startswith("configuration_"),
    unknown_hint=UNKNOWN_HINT,
    needs_torch_hint=NEEDS_TORCH_HINT,
)


def imports_internals(module: cst.Module, path: str) -> bool:
    """Does the file import transformers internals that need torch (modeling_utils, ...)?"""
    return common.imports_internals(TRANSFORMERS, module, path)


def decisions_for(path: str, source) -> ImportDecisions:
    return ImportDecisions(TRANSFORMERS, path, source)
