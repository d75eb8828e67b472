"""einops calls with a literal pattern become the mint steps they stand for.

einops has no MindSpore backend, so `rearrange(x, "b (h d) n -> b h n d", h=8)` cannot run on a
MindSpore tensor. With a literal pattern the steps are known when converting
(convert/einops_plan.py): `x.reshape((x.shape[0], 8, x.shape[1] // 8, x.shape[2])).permute(0, 1,
3, 2)`; `repeat` broadcasts its new axes (`mint.broadcast_to`), `reduce` reduces the dropped ones
(`mint.mean`, `mint.sum`, `mint.amax`, ...). An `einops.layers.torch.Rearrange` layer whose
pattern only merges consecutive axes is `mint.nn.Flatten(start, end)`. What stays einops (a
pattern held in a variable, an ellipsis) is flagged with the reason. A tensor expression whose
shape the steps read is evaluated once, named where it is first read (`(_t0 := self.qkv(x))`).
"""
from __future__ import annotations

from typing import Dict, Optional

import libcst as cst

from torch2ms import helpers
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted, in_place_of, is_plain_reference, iter_names, keyword
from torch2ms.convert.einops_plan import PatternError, flatten_span, plan
from torch2ms.convert.results import Reason
from torch2ms.rules.base import Rule, change, keep

_FUNCTIONS = {"einops.rearrange": "rearrange", "einops.repeat": "repeat", "einops.reduce": "reduce"}
_LAYERS = {"einops.layers.torch.Rearrange": "rearrange", "einops.layers.torch.Reduce": "reduce"}
# einops functions that take tensors but have no plan here: they fail on a MindSpore tensor
# ("Tensor type unknown to einops"), so they are flagged where they are called
_UNPLANNED = {"einops.pack", "einops.unpack", "einops.einsum", "einops.parse_shape"}


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


class _Fill(cst.CSTTransformer):
    """The plan's `X` becomes the tensor (a copy for each further use); `mint.f`, emitted."""

    def __init__(self, ctx: FileContext, tensor: cst.BaseExpression, name: Optional[str] = None) -> None:
        super().__init__()
        self.ctx, self.tensor, self.used, self.name = ctx, tensor, False, name

    def leave_Name(self, original: cst.Name, updated: cst.Name):
        if updated.value != "X":
            return updated
        if self.name is not None:  # an expression: evaluated once, named where it is first read
            value = cst.Name(self.name) if self.used else cst.NamedExpr(
                target=cst.Name(self.name), value=self.tensor.with_changes(lpar=[], rpar=[]),
                lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        else:
            value = self.tensor if not self.used else self.ctx.duplicate(self.tensor)
        self.used = True
        return value

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute):
        path = dotted(original)
        if path is not None and path.startswith("mint.") and path.count(".") == 1:
            return self.ctx.emit(f"mindspore.{path}")
        return updated


class EinopsCalls(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            from einops import rearrange, repeat, reduce

            x = torch.arange(24.0).reshape(2, 6, 2)
            heads = rearrange(x, "b (h d) n -> b h n d", h=3)
            tokens = rearrange(x, "b c n -> b n c")
            tiled = repeat(x, "b c n -> b c n r", r=2)
            pooled = reduce(x, "b c n -> b c", "max")
            doubled = rearrange(x * 2, "b (h d) n -> b h (n d)", h=2)
            """,
            """
            from mindspore import mint
            from einops import rearrange, repeat, reduce

            x = mint.arange(24.0).reshape(2, 6, 2)
            heads = x.reshape((x.shape[0], 3, (x.shape[1] // 3), x.shape[2])).permute(0, 1, 3, 2)
            tokens = x.permute(0, 2, 1)
            tiled = mint.broadcast_to(x.reshape((x.shape[0], x.shape[1], x.shape[2], 1)), (-1, -1, -1, 2))
            pooled = mint.amax(x, dim=(2,))
            doubled = (_t0 := x * 2).reshape((_t0.shape[0], 2, (_t0.shape[1] // 2), _t0.shape[2])).permute(0, 1, 3, 2).reshape((_t0.shape[0], 2, _t0.shape[2] * (_t0.shape[1] // 2)))
            """,
            run=("heads", "tokens", "tiled", "pooled", "doubled"),
            note="the steps are computed when converting; no einops at run time",
        ),
        change(
            """
            import torch
            from einops import rearrange

            def split(t, pattern):
                first = rearrange(t, pattern)
                return first, rearrange(t, "b ... d -> b d ...")
            """,
            """
            from einops import rearrange

            def split(t, pattern):
                first = rearrange(t, pattern)  # torch2ms: einops.rearrange needs a manual rewrite (hint: einops has no MindSpore backend: the pattern is not a literal string; write the reshape/permute steps)
                return first, rearrange(t, "b ... d -> b d ...")  # torch2ms: einops.rearrange needs a manual rewrite (hint: einops has no MindSpore backend: an ellipsis (...) in the pattern; write the reshape/permute steps)
            """,
            note="what cannot be planned is flagged",
        ),
        change(
            """
            import torch
            from torch import nn
            from einops.layers.torch import Rearrange, Reduce

            down = nn.Sequential(Rearrange("b c (h p1) (w p2) -> b (c p1 p2) h w", p1=2, p2=2), Reduce("b c h w -> b c", "max"))
            out = down(torch.arange(32.0).reshape(1, 2, 4, 4))
            """,
            """
            from mindspore import mint, nn
            try:
                from einops.layers.torch import Rearrange, Reduce  # torch2ms: einops.layers.torch needs a manual rewrite (hint: einops.layers.torch is built on PyTorch: convert it too (torch2ms convert), and put the converted package first on the path, or use the einops calls and layers with a literal pattern are converted; for the others, einops.layers has no MindSpore backend)
            except ImportError:
                Rearrange = Reduce = None

            HELPERS

            down = nn.SequentialCell(EinopsLayer(lambda _x: _x.reshape((_x.shape[0], _x.shape[1], (_x.shape[2] // 2), 2, (_x.shape[3] // 2), 2)).permute(0, 1, 3, 5, 2, 4).reshape((_x.shape[0], _x.shape[1] * 2 * 2, (_x.shape[2] // 2), (_x.shape[3] // 2))), "b c (h p1) (w p2) -> b (c p1 p2) h w"), EinopsLayer(lambda _x: mint.amax(_x, dim=(2, 3)), "b c h w -> b c")).set_train(True)
            out = down(mint.arange(32.0).reshape(1, 2, 4, 4))
            """.replace("HELPERS", helpers.source("einops_layer").replace("\n", "\n            ").rstrip()),
            run=("out",),
            note="a layer with another literal pattern: its mint steps in a parameterless layer written into the file",
        ),
        change(
            """
            import torch
            from einops import pack, unpack

            def flat(t):
                packed, shapes = pack([torch.relu(t)], "o *")
                return unpack(packed, shapes, "o *")[0]
            """,
            """
            from mindspore import ops
            from einops import pack, unpack

            def flat(t):
                packed, shapes = pack([ops.relu(t)], "o *")  # torch2ms: einops.pack needs a manual rewrite (hint: einops has no MindSpore backend: its tensors are MindSpore's; write the reshape/permute steps)
                return unpack(packed, shapes, "o *")[0]  # torch2ms: einops.unpack needs a manual rewrite (hint: einops has no MindSpore backend: its tensors are MindSpore's; write the reshape/permute steps)
            """,
            note="einops functions without a plan are flagged: einops cannot take a MindSpore tensor",
        ),
        keep(
            """
            import numpy as np

            def tile(a):
                return np.repeat(a, 2)
            """,
            note="numpy's repeat is no einops call",
        ),
    )

    def __init__(self) -> None:
        self._taken = None  # names the file uses (read once, when a fresh one is first needed)

    def _einops(self, ctx: FileContext, func: cst.BaseExpression) -> Optional[str]:
        path = dotted(func)
        if path is None:
            return None
        binding = ctx.lookup(path.split(".")[0])
        if binding is None or binding.qualname is None:
            return None
        return binding.qualname + path[len(path.split(".")[0]):]

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        api = self._einops(ctx, original.func)
        if api in _LAYERS:
            return self._layer(ctx, api, updated)
        if api in _UNPLANNED:
            return self._flag(ctx, updated, api, "its tensors are MindSpore's")
        kind = _FUNCTIONS.get(api or "")
        if kind is None:
            return updated
        positional = [a for a in updated.args if a.keyword is None and not a.star]
        if len(positional) < 2 or any(a.star for a in updated.args):
            return self._flag(ctx, updated, api, "arguments not understood")
        tensor, pattern = positional[0].value, positional[1].value
        reduction = positional[2].value if len(positional) > 2 else next(
            (a.value for a in updated.args if keyword(a) == "reduction"), None)
        if not isinstance(pattern, cst.SimpleString) or not isinstance(pattern.evaluated_value, str):
            return self._flag(ctx, updated, api, "the pattern is not a literal string")
        if kind == "reduce" and not (isinstance(reduction, cst.SimpleString) and isinstance(reduction.evaluated_value, str)):
            return self._flag(ctx, updated, api, "the reduction is not a literal string")
        sizes: Dict[str, str] = {keyword(a): _code(a.value) for a in updated.args
                                 if a.keyword is not None and keyword(a) != "reduction"}
        try:
            steps = plan(kind, pattern.evaluated_value, sizes,
                         reduction.evaluated_value if reduction is not None else None)
        except PatternError as exc:
            return self._flag(ctx, updated, api, str(exc))
        name = None
        if steps.reads_shape and not is_plain_reference(tensor):
            if ctx.classes and ctx.in_class_body is False and ctx.scope.kind == "class":
                return self._flag(ctx, updated, api, "the tensor is an expression whose shape is read: name it first")
            name = self._fresh_name(ctx)
        ctx.discard(updated.func)
        for arg in updated.args[1:]:
            ctx.discard(arg)
        expression = cst.parse_expression(steps.code).visit(_Fill(ctx, tensor, name))
        return in_place_of(updated, expression)

    def _fresh_name(self, ctx: FileContext) -> str:
        """A name the file does not use, for a tensor expression read more than once (`:=`)."""
        if self._taken is None:
            self._taken = {n.value for n in iter_names(ctx.module)}
        index = 0
        while f"_t{index}" in self._taken:
            index += 1
        self._taken.add(f"_t{index}")
        return f"_t{index}"

    def _layer(self, ctx: FileContext, api: str, call: cst.Call):
        """`Rearrange("b c h w -> b (c h w)")` -> `mint.nn.Flatten(1, 3)`; another literal pattern ->
        `EinopsLayer(lambda _x: <its mint steps>, "pattern")`, a parameterless layer written into the
        file (torch2ms/helpers/einops_layer.py)."""
        positional = [a for a in call.args if a.keyword is None]
        if not positional or positional[0] is not call.args[0] or any(a.star for a in call.args):
            return call
        pattern = positional[0].value
        if not isinstance(pattern, cst.SimpleString) or not isinstance(pattern.evaluated_value, str):
            return call
        kind = _LAYERS[api]
        span = flatten_span(pattern.evaluated_value) if kind == "rearrange" and len(call.args) == 1 else None
        if span is not None:
            ctx.discard(call)
            ctx.withdraw_flags_in(call)
            return in_place_of(call, cst.Call(func=ctx.emit("mindspore.mint.nn.Flatten"), args=[
                cst.Arg(value=cst.Integer(str(span[0])), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Arg(value=cst.Integer(str(span[1])))]))
        reduction = positional[1].value if len(positional) > 1 else next(
            (a.value for a in call.args if keyword(a) == "reduction"), None)
        if kind == "reduce" and not (isinstance(reduction, cst.SimpleString) and isinstance(reduction.evaluated_value, str)):
            return call
        sizes = {keyword(a): _code(a.value) for a in call.args if a.keyword is not None and keyword(a) != "reduction"}
        try:
            steps = plan(kind, pattern.evaluated_value, sizes, reduction.evaluated_value if reduction is not None else None)
        except PatternError:
            return call  # stays flagged (an einops library layer)
        body = cst.parse_expression(steps.code).visit(_Fill(ctx, cst.Name("_x")))
        ctx.discard(call.func)
        for arg in call.args[1:]:
            ctx.discard(arg)
        ctx.withdraw_flags_in(call)
        ctx.need_helper("einops_layer")
        steps_fn = cst.Lambda(params=cst.Parameters(params=[cst.Param(cst.Name("_x"))]), body=body)
        return in_place_of(call, cst.Call(func=cst.Name("EinopsLayer"), args=[
            cst.Arg(value=steps_fn, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
            cst.Arg(value=pattern)]))

    @staticmethod
    def _flag(ctx: FileContext, call: cst.Call, api: str, why: str):
        ctx.flag(call, api, Reason.MANUAL, f"einops has no MindSpore backend: {why}; write the reshape/permute steps")
        return call
