"""Imports of other PyTorch libraries stay, guarded and noted; their uses are flagged.

`import timm`, `from torchvision.ops import misc`, `from einops.layers.torch import Rearrange`:
those libraries import torch themselves, so the converted file imports them inside
`try/except ImportError` (it then imports without torch; see convert/guards.py), the import
gets a note (convert that library too, or use its MindSpore counterpart: data
torch_libraries.json), and every line that uses one of its names is flagged, as a torch
leftover would be. Imports of the project being converted (relative ones, and absolute ones
into its own packages when a folder is converted) are no one else's: they stay as they are.
"""
from __future__ import annotations

from typing import Dict, Optional

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.results import Reason
from torch2ms.convert.scopes import import_bindings, module_of
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep


def library_hint(library: str) -> str:
    counterpart = extras.library_counterpart(library)
    hint = f"{library} is built on PyTorch: convert it too (torch2ms convert), and put the converted package first on the path"
    return f"{hint}, or use {counterpart}" if counterpart else hint


class TorchLibraries(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import timm
            from torchvision.ops import StochasticDepth

            def backbone(name):
                return timm.create_model(name), StochasticDepth(0.1, "row"), torch.ones(1)
            """,
            """
            from mindspore import mint
            try:
                import timm  # torch2ms: timm needs a manual rewrite (hint: timm is built on PyTorch: convert it too (torch2ms convert), and put the converted package first on the path, or use mindcv); timm still used on line 12 (flagged there)
            except ImportError:
                timm = None
            try:
                from torchvision.ops import StochasticDepth  # torch2ms: torchvision needs a manual rewrite (hint: torchvision is built on PyTorch: convert it too (torch2ms convert), and put the converted package first on the path, or use mindcv, or mindspore.dataset.vision for transforms); StochasticDepth still used on line 12 (flagged there)
            except ImportError:
                StochasticDepth = None

            def backbone(name):
                return timm.create_model(name), StochasticDepth(0.1, "row"), mint.ones(1)  # torch2ms: timm needs a manual rewrite (hint: from timm, which is built on PyTorch: convert it too); torchvision.ops.StochasticDepth needs a manual rewrite (hint: from torchvision, which is built on PyTorch: convert it too)
            """,
            note="the file imports without torch; each line that needs the other library is flagged",
        ),
        keep(
            """
            import torch
            from . import layers
            from mypkg.blocks import Block

            def build():
                return Block(layers.width), torch.zeros(1)
            """,
            """
            from mindspore import mint
            from . import layers
            from mypkg.blocks import Block

            def build():
                return Block(layers.width), mint.zeros(1)
            """,
            note="the project's own modules and other libraries are no PyTorch library",
        ),
    )

    def __init__(self) -> None:
        self._foreign: Dict[int, str] = {}  # id(binding) -> the library it comes from

    def _library(self, ctx: FileContext, qualname: Optional[str]) -> Optional[str]:
        if not qualname or ctx.is_own_module(qualname):
            return None
        return extras.torch_library(qualname)

    def visit_Module(self, ctx: FileContext, node: cst.Module) -> None:
        for binding in ctx.import_bindings:
            library = self._library(ctx, binding.qualname)
            if library is not None:
                self._foreign[id(binding)] = library
                ctx.watch([binding.name])

    def _import(self, ctx: FileContext, node) -> None:
        module = module_of(node) if isinstance(node, cst.ImportFrom) else None
        libraries = set()
        for local, full, _ in import_bindings(node):
            library = self._library(ctx, full)
            if library is None:
                continue
            libraries.add(library)
            binding = ctx.lookup(local)
            if binding is not None and binding.qualname == full and id(binding) not in self._foreign:
                self._foreign[id(binding)] = library
                ctx.watch([local])
        if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
            library = self._library(ctx, module)
            if library is not None:
                libraries.add(library)
        for library in sorted(libraries):
            ctx.guard_import(node)
            ctx.flag(node, library, Reason.MANUAL, library_hint(library))

    def leave_Import(self, ctx: FileContext, original: cst.Import, updated: cst.Import):
        self._import(ctx, original)
        return updated

    def leave_ImportFrom(self, ctx: FileContext, original: cst.ImportFrom, updated: cst.ImportFrom):
        self._import(ctx, original)
        return updated

    def leave_Name(self, ctx: FileContext, original: cst.Name, updated: cst.Name):
        binding = ctx.binding_of(original)
        library = self._foreign.get(id(binding)) if binding is not None else None
        if library is None:
            return updated
        api = binding.qualname if binding.qualname != library else library
        ctx.flag(updated, api, Reason.MANUAL, f"from {library}, which is built on PyTorch: convert it too")
        return updated
