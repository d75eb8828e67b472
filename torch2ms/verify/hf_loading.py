"""Import a converted transformers (or diffusers) modeling file that is not inside a package.

Its relative imports (`from ...modeling_utils import X`) are meant for the
package it came from; they are resolved in mindone's mirror of that package
(mindone.transformers.models.bert for transformers.models.bert), when mindone
has it. Converted siblings beside the file (`from .modeling_x`), or the model code
converted with it (diffusers' `..unets.unet_2d_blocks`), stand in for mindone's own
while one verify runs.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import uuid
from typing import Any, Dict, Optional

from torch2ms.verify.conversion import sibling_names
from torch2ms.verify.errors import VerifyError, failing_line, first_line, raised_at
from torch2ms.verify.loading import load_file

PORTED = ("transformers", "diffusers")  # libraries mindone mirrors, package by package


def exec_as(name: str, path: str, twin: str):
    """Import the file at `path` as module `name` (inside package `twin`, so its relative imports
    resolve there); a failure is a VerifyError naming the file's failing line."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001
        del sys.modules[name]
        raise VerifyError(f"importing the converted {os.path.basename(path)} as part of {twin} failed: "
                          f"{first_line(exc)}{raised_at(exc, module)}",
                          failing_line=failing_line(exc, os.path.dirname(path))) from exc
    return module


class ConvertedSiblings:
    """Converted sibling modules stand in for mindone's own under their real names while one
    verify runs (`from .modeling_blip_text import X` in the converted file finds the converted
    one); exit puts mindone's back."""

    def __init__(self):
        self.saved: Dict[str, Any] = {}
        self.saved_attrs: Dict[tuple, Any] = {}  # (package, name) -> the package's attribute before

    def __enter__(self):
        return self

    def register(self, modules) -> None:
        """Register converted modules under their mindone names: (full name, path) pairs, each after
        the ones it imports (their parent packages are mindone's own)."""
        for full, path in modules:
            self.saved.setdefault(full, sys.modules.get(full))
            parent, _, leaf = full.rpartition(".")
            package = importlib.import_module(parent)
            self.saved_attrs.setdefault((parent, leaf), getattr(package, leaf, None))
            setattr(package, leaf, exec_as(full, path, parent))

    def load(self, path: str, twin: str, loaded: Optional[set] = None) -> None:
        """Register the converted siblings `path` imports (from its folder), depth first."""
        loaded = loaded if loaded is not None else set()
        with open(path, "rb") as fh:
            names = sibling_names(fh.read())
        for name in names:
            sibling = os.path.join(os.path.dirname(path), name + ".py")
            full = f"{twin}.{name}"
            if name in loaded or not os.path.exists(sibling) or os.path.samefile(sibling, path):
                continue
            loaded.add(name)
            self.load(sibling, twin, loaded)
            self.saved.setdefault(full, sys.modules.get(full))
            exec_as(full, sibling, twin)

    def __exit__(self, *exc) -> None:
        for name, original in self.saved.items():
            if original is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = original
        for (parent, leaf), original in self.saved_attrs.items():
            package = sys.modules.get(parent)
            if package is not None and original is not None:
                setattr(package, leaf, original)


def load_hf_file(path: str, torch_mod, siblings: ConvertedSiblings, with_siblings: bool = True):
    """Import the converted file at `path`, the twin of `torch_mod`; returns (module, note).
    with_siblings: register the transformers siblings beside it first (diffusers' model code is
    registered by the caller, from what was converted)."""
    package = torch_mod.__name__.rpartition(".")[0]
    twin = "mindone." + package if package.split(".")[0] in PORTED else None
    if twin:
        try:
            importlib.import_module(twin)
        except ImportError:
            twin = None
    if twin is None:
        return load_file(path, "ms"), f"imported {path} on its own (no mindone package mirrors {package})"
    if with_siblings:
        siblings.load(path, twin)
    name = f"{twin}._t2ms_verify_{os.path.splitext(os.path.basename(path))[0]}_{uuid.uuid4().hex[:8]}"
    module = exec_as(name, path, twin)
    mirrored = [n.split(".")[-1] for n in siblings.saved]
    also = f"; converted siblings used: {', '.join(mirrored)}" if mirrored else ""
    return module, f"imported {os.path.basename(path)} into {twin} (its relative imports resolve there){also}"
