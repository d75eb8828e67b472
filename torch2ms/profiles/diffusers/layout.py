"""Where a diffusers file sits, and what its relative imports mean.

Relative imports are read as from inside diffusers. Inside an installed diffusers the package
is known exactly; elsewhere the file is assumed to sit in a model folder,
models/<folder>/ (models/transformers/transformer_x.py): `..embeddings` is
diffusers.models.embeddings, `...utils` is diffusers.utils, and `.vae` a sibling file.
An import of model code (the folders under models/: another model's blocks,
`..unets.unet_2d_blocks`, or a sibling) is left as written: that code is converted alongside,
as the file's own.
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Optional, Tuple

from torch2ms.profiles._common.library import Layout
from torch2ms.profiles.diffusers.data import MAP


def layout_of(path: str) -> Layout:
    parts = PurePosixPath(str(path).replace("\\", "/")).parts[:-1]
    if "diffusers" in parts:
        at = len(parts) - 1 - parts[::-1].index("diffusers")
        return Layout(("diffusers",) + tuple(parts[at + 1:]), None)
    return Layout(None, parts[-1] if parts else None)


def is_model_code(module: str) -> bool:
    """A module of a folder under diffusers/models (unets/, transformers/, ..., and folders newer
    diffusers add) that the map has no entry for: some model's code, not infrastructure."""
    parts = module.split(".")
    return len(parts) > 3 and parts[:2] == ["diffusers", "models"] and MAP.module_entry(module) is None


def resolve(dots: int, module: str, layout: Layout) -> Tuple[Optional[str], bool]:
    """(absolute diffusers module or None, is model code converted alongside)."""
    if dots == 0:
        return (module if module == "diffusers" or module.startswith("diffusers.") else None), False
    tail = (module,) if module else ()
    if layout.package is not None:
        if dots > len(layout.package):
            return None, False
        absolute = ".".join(layout.package[: len(layout.package) - dots + 1] + tail)
        return absolute, is_model_code(absolute)
    if dots == 1 or dots >= 4:
        return None, dots == 1  # a sibling file of the same folder: converted alongside
    absolute = ".".join((("diffusers", "models") if dots == 2 else ("diffusers",)) + tail)
    return absolute, is_model_code(absolute)
