"""Subclasses of torch's convolution and linear layers: the torch-only hooks they use.

torch's Conv2d calls `self.reset_parameters()` and `self._conv_forward(...)` from its own code;
mint's layers have neither (they initialise in `__init__`, and their construct calls no hook).
In a subclass (data: layer_hooks), a `super().reset_parameters()` statement goes, with a note
(the parameters already hold the layer's own initialisation), and an override of a hook
MindSpore never calls (`def _conv_forward`) is flagged: it would silently have no effect.
The same holds in any Cell for nn.Module's private hooks (data: module_hooks: `_apply`,
`_load_from_state_dict`, ...).
"""
from __future__ import annotations

from typing import List

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.results import Reason
from torch2ms.convert.cstutil import drop_args, keyword
from torch2ms.knowledge import extras, inventory, record
from torch2ms.rules.base import Rule, change, keep

_LAYERS = ("torch.nn.Conv", "torch.nn.Linear", "torch.nn.LazyConv", "torch.nn.LazyLinear")


def _super_call_of(node: cst.CSTNode):
    """`super().name(...)` / `super(Cls, self).name(...)` -> name, else None."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        owner = node.func.value
        if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
            return node.func.attr.value
    return None


def _super_call(node: cst.CSTNode):
    """`super().name(...)` as an expression statement's value -> name, else None."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        owner = node.func.value
        if isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) and owner.func.value == "super":
            return node.func.attr.value
    return None


class LayerHooks(Rule):
    EXAMPLES = (
        change(
            """
            import torch.nn as nn
            import torch.nn.functional as F

            class ScaledConv(nn.Conv2d):
                def reset_parameters(self):
                    super().reset_parameters()
                    self.scale = 2.0

                def _conv_forward(self, x, weight, bias):
                    return F.conv2d(x, weight * 2, bias)
            """,
            """
            from mindspore import mint

            class ScaledConv(mint.nn.Conv2d):
                def reset_parameters(self):
                    # torch2ms: dropped super().reset_parameters(): mint's convolution and linear layers initialise their parameters in __init__ and have no reset_parameters: the parent's reset is the initialisation the layer already has
                    self.scale = 2.0

                def _conv_forward(self, x, weight, bias):  # torch2ms: torch.nn.Conv2d._conv_forward needs a manual rewrite (hint: MindSpore's convolution layers never call _conv_forward: an override has no effect; move its body into construct)
                    return mint.nn.functional.conv2d(x, weight * 2, bias)
            """,
        ),
        change(
            """
            import torch
            import torch.nn as nn

            class Norm(nn.LayerNorm):
                def __init__(self, dim, eps=1e-5, bias=True, device=None, dtype=None):
                    super().__init__(dim, eps, False, bias, device, dtype)

            out = Norm(4, 0.5)(torch.arange(8.0).reshape(2, 4))
            """,
            """
            from mindspore import mint

            class Norm(mint.nn.LayerNorm):
                def __init__(self, dim, eps=1e-5, bias=True, device=None, dtype=None):
                    super().__init__(dim, eps=eps, elementwise_affine=False, bias=bias, dtype=dtype)

            out = Norm(4, 0.5).set_train(True)(mint.arange(8.0).reshape(2, 4))
            """,
            run=("out",),
            note="a layer subclass passes torch's positional arguments by name (the MindSpore layer's order differs)",
        ),
        change(
            """
            import torch.nn as nn

            class Legacy(nn.Module):
                def _load_from_state_dict(self, state_dict, prefix, *args):
                    state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
                    super()._load_from_state_dict(state_dict, prefix, *args)

            class Config:
                def _apply(self, fn):
                    return fn(self)
            """,
            """
            from mindspore import nn

            class Legacy(nn.Cell):
                def _load_from_state_dict(self, state_dict, prefix, *args):  # torch2ms: torch.nn.Module._load_from_state_dict needs a manual rewrite (hint: MindSpore's load_param_into_net calls no per-Cell hook: an override (renaming or reshaping old checkpoints' entries) has no effect; apply it to the checkpoint's dict before loading)
                    state_dict[prefix + "weight"] = state_dict.pop(prefix + "w")
                    super()._load_from_state_dict(state_dict, prefix, *args)

            class Config:
                def _apply(self, fn):
                    return fn(self)
            """,
            note="overrides of nn.Module's private hooks in any Cell (data: module_hooks); a class that is no Cell keeps its own",
        ),
        keep(
            """
            import torch.nn as nn

            class Block(nn.Module):
                def reset_parameters(self):
                    super().reset_parameters()
            """,
            """
            from mindspore import nn

            class Block(nn.Cell):
                def reset_parameters(self):
                    super().reset_parameters()
            """,
            note="not a convolution or linear layer",
        ),
    )

    def __init__(self) -> None:
        self._bases: List[str] = []  # per class being walked: its torch conv/linear base, or ""
        self._layers: List[str] = []  # per class being walked: its torch.nn layer base, or ""

    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        found = layer = ""
        for base in node.bases:
            qualname = ctx.qualname(base.value) or ""
            if qualname.startswith(_LAYERS):
                found = qualname
            if qualname.startswith("torch.nn.") and inventory.torch_kind(qualname) == "class":
                layer = qualname
        self._bases.append(found)
        self._layers.append(layer)

    def leave_ClassDef(self, ctx: FileContext, original, updated):
        self._bases.pop()
        self._layers.pop()
        return updated

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        """`super().__init__(dim, eps, True, bias, device, dtype)` in a subclass of a torch layer:
        torch's positional order is not the MindSpore layer's (mint's LayerNorm has no device, so
        dtype would land in its place, silently). Past the first, the arguments are passed by
        torch's names, and the device goes, as it does from any layer."""
        layer = self._layers[-1] if self._layers else ""
        if not layer or _super_call_of(original) != "__init__":
            return updated
        target = record(layer).target
        if target is None or not target.path.startswith("mindspore.mint.nn."):
            return updated  # mint's layers take torch's argument names; legacy nn layers do not
        params = inventory.torch_params(layer)
        args = list(updated.args)
        positional = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
        if not params or any(p.startswith("*") for p in params) or len(positional) < 2 \
                or positional != list(range(len(positional))) or len(positional) > len(params):
            return updated
        named = [a.with_changes(keyword=cst.Name(params[i]), equal=cst.AssignEqual(
                     whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")))
                 if i in positional[1:] else a for i, a in enumerate(args)]
        return drop_args(ctx, updated.with_changes(args=named), lambda i, a: keyword(a) == "device")

    def leave_FunctionDef(self, ctx: FileContext, original: cst.FunctionDef, updated: cst.FunctionDef):
        base = self._bases[-1] if self._bases else ""
        name = original.name.value
        if base and ctx.in_class_body and name.startswith("_") and name in extras.layer_hooks():
            ctx.flag(updated.name, f"{base}.{name}", Reason.MANUAL, extras.layer_hooks()[name])
        elif name in extras.module_hooks() and ctx.in_class_body and ctx.current_class is not None \
                and ctx.current_class.is_cell:
            ctx.flag(updated.name, f"torch.nn.Module.{name}", Reason.MANUAL, extras.module_hooks()[name])
        return updated

    def leave_SimpleStatementLine(self, ctx: FileContext, original: cst.SimpleStatementLine, updated):
        base = self._bases[-1] if self._bases else ""
        if not base or len(original.body) != 1 or not isinstance(original.body[0], cst.Expr):
            return updated
        name = _super_call(original.body[0].value)
        if name is None or name.startswith("_") or name not in extras.layer_hooks():
            return updated
        why = extras.layer_hooks()[name]
        comment = cst.EmptyLine(comment=cst.Comment(f"# torch2ms: dropped super().{name}(): {why}"))
        marked = updated.with_changes(leading_lines=[*updated.leading_lines, comment])
        ctx.doom(marked)
        return marked
