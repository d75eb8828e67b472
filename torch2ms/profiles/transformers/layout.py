"""Where a transformers file sits, and what its relative imports mean.

Relative imports are read as from inside transformers: `...x` is transformers.x and
`.configuration_y` a model's configuration; other single-dot imports (sibling files,
converted alongside) are left alone. Inside an installed transformers the package is known
exactly; elsewhere the file is assumed to sit in models/<model>/.
"""
from __future__ import annotations

from pathlib import PurePosixPath
from typing import Optional, Tuple

from torch2ms.profiles._common.library import Layout
from torch2ms.profiles.transformers.data import config_modules, configs_by_leaf


def layout_of(path: str) -> Layout:
    parts = PurePosixPath(str(path).replace("\\", "/")).parts[:-1]
    if "transformers" in parts:
        at = len(parts) - 1 - parts[::-1].index("transformers")
        return Layout(("transformers",) + tuple(parts[at + 1:]), None)
    return Layout(None, parts[-1] if parts else None)


def resolve(dots: int, module: str, layout: Layout) -> Tuple[Optional[str], bool]:
    """(absolute transformers module or None, is a sibling in the same model package)."""
    if dots == 0:
        return (module if module == "transformers" or module.startswith("transformers.") else None), False
    tail = (module,) if module else ()
    if layout.package is not None:
        if dots > len(layout.package):
            return None, False
        absolute = ".".join(layout.package[: len(layout.package) - dots + 1] + tail)
        if dots == 1 and absolute not in config_modules():
            return absolute, True
        return absolute, False
    if dots >= 4:
        return None, False
    if dots == 3:
        return ".".join(("transformers",) + tail), False
    if dots == 2:
        return ".".join(("transformers", "models") + tail), False
    leaf = module.partition(".")[0]
    candidates = configs_by_leaf().get(leaf, ())
    if leaf != module or not candidates:
        return None, True  # a sibling file of the same package: converted alongside
    for candidate in candidates:
        if candidate.split(".")[2] == layout.model:
            return candidate, False
    return (candidates[0], False) if len(candidates) == 1 else (None, True)
