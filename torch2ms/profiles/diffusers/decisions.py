"""diffusers as the shared decisions see it (profiles/_common/decisions.py): its map, where a file
sits, and the answers diffusers' constants have without torch."""
from __future__ import annotations

import libcst as cst

from torch2ms.profiles._common import decisions as common
from torch2ms.profiles._common.decisions import ImportDecisions
from torch2ms.profiles._common.library import Library
from torch2ms.profiles.diffusers.data import MAP, answers
from torch2ms.profiles.diffusers.layout import layout_of, resolve

DIFFUSERS = Library(
    name="diffusers",
    map=MAP,
    layout_of=layout_of,
    resolve=resolve,
    stays_silently=lambda module: False,
    unknown_hint="not in the diffusers map (data/diffusers_map.json)",
    needs_torch_hint="mindone.diffusers has no counterpart; diffusers' own needs torch",
    answers=answers(),
)


def imports_internals(module: cst.Module, path: str) -> bool:
    """Does the file import diffusers' infrastructure (modeling_utils, embeddings, modeling_outputs, ...)?
    Any of it counts, torch-free modules too: their mindone twins are what a port imports. Relative
    imports count for files inside a diffusers folder only (a transformers file's `...utils` is
    transformers'); elsewhere `--profile diffusers` says what they mean."""
    return common.imports_internals(DIFFUSERS, module, path, torch_only=False, placed=True)


def decisions_for(path: str, source) -> ImportDecisions:
    return ImportDecisions(DIFFUSERS, path, source)
