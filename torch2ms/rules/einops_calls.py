"""einops calls and layers with a literal pattern become the mint steps they stand for.

einops ships no MindSpore backend, and einops code is Python that a compiled graph cannot hold. With a
literal pattern, `rearrange(x, "b (h d) n -> b h n d", h=8)`, the steps are known when converting
(convert/einops_plan.py): `x.reshape((x.shape[0], 8, x.shape[1] // 8, x.shape[2])).permute(0, 1,
3, 2)`; `repeat` broadcasts its new axes (`mint.broadcast_to`), `reduce` reduces the dropped ones
(`mint.mean`, `mint.sum`, `mint.amax`, ...); an ellipsis is read from the tensor's ndim when
running. `pack` merges the axes at `*` and concatenates (`mint.cat`), `unpack` splits by the
packed shapes (`mint.split`) and reshapes back; a pack/unpack whose pattern is known only when
running (`def pack_one(t, pattern)`), or whose tensors are not written out, calls the helper
functions that do the same then (torch2ms/helpers/einops_packing.py); `einops.einsum` is `mint.einsum` with one letter
per named axis. An `einops.layers.torch.Rearrange` / `Reduce` layer is a Cell: one whose pattern
only merges consecutive axes is `mint.nn.Flatten(start, end)`; any other literal pattern gets a
small Cell class written once per file (per pattern and set of axis sizes), after the imports,
whose construct holds the steps; its sizes stay at the call (`_EinopsRearrange1(h=heads)`), so
the layer is built where the original was. A call that stays einops (a pattern held in a variable,
two unknown sizes in one group, ...) is flagged with the reason, and the file gets einops' backend
for MindSpore tensors (helpers/einops_backend.py), so the call runs in PyNative mode; a layer that
stays einops is flagged (einops.layers has no MindSpore module). A tensor expression whose shape the
steps read is evaluated once, named where it is first read (`(_t0 := self.qkv(x))`).
"""
from __future__ import annotations

from typing import Dict, Optional

import libcst as cst

from torch2ms import helpers
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted, in_place_of, is_plain_reference, iter_names, keyword
from torch2ms.convert.einops_plan import PatternError, einsum_equation, flatten_span, pack_code, plan, unpack_code
from torch2ms.convert.results import Reason
from torch2ms.rules.base import Rule, change, keep

_FUNCTIONS = {"einops.rearrange": "rearrange", "einops.repeat": "repeat", "einops.reduce": "reduce"}
# einops names that take no tensor (the others, pack/unpack/parse_shape/..., are flagged when not converted)
_NO_TENSORS = {"einops.EinopsError"}
_LAYERS = {"einops.layers.torch.Rearrange", "einops.layers.torch.Reduce"}
# einops functions that run on any tensor einops has a backend for (helpers/einops_backend.py)
_ON_BACKEND = {"einops.rearrange", "einops.repeat", "einops.reduce", "einops.pack", "einops.unpack",
               "einops.einsum", "einops.parse_shape", "einops.asnumpy"}


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


class _Fill(cst.CSTTransformer):
    """The plan's placeholders (`X`; `X0`, `X1`, ...; `S`) become the expressions they stand for:
    a copy for each further use, or, for an expression read more than once, a name bound where
    it is first read (`(_t0 := self.qkv(x))`); `mint.f` and `math.f`, emitted."""

    def __init__(self, ctx: FileContext, tensor: Optional[cst.BaseExpression] = None, name: Optional[str] = None,
                 more: Optional[Dict[str, tuple]] = None) -> None:
        super().__init__()
        self.ctx, self.used = ctx, set()
        self.values = {"X": (tensor, name)} if tensor is not None else {}
        self.values.update(more or {})

    def leave_Name(self, original: cst.Name, updated: cst.Name):
        entry = self.values.get(updated.value)
        if entry is None:
            return updated
        (tensor, name), first = entry, updated.value not in self.used
        self.used.add(updated.value)
        if name is not None:
            return cst.Name(name) if not first else cst.NamedExpr(
                target=cst.Name(name), value=tensor.with_changes(lpar=[], rpar=[]),
                lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return tensor if first else self.ctx.duplicate(tensor)

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute):
        path = dotted(original)
        if path is not None and path.count(".") == 1 and path.split(".")[0] in ("mint", "math"):
            return self.ctx.emit(f"mindspore.{path}" if path.startswith("mint.") else path)
        return updated


# the note on an einops call left to einops (examples)
_NOTE = ("torch2ms: einops.rearrange needs a manual rewrite (hint: not unrolled ({}): it runs through the einops "
         "backend for MindSpore written into this file, in PyNative mode; for graph mode write the reshape/permute steps)")
_PACKING = {"einops.pack": "_einops_pack", "einops.unpack": "_einops_unpack"}  # torch2ms/helpers/einops_packing.py


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
            last_first = rearrange(x, "b ... n -> n b ...")
            summed = reduce(x, "... (k c) n -> ... c", "sum", k=2)
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
            last_first = x.permute(-1, 0, *range(1, x.ndim - 1))
            summed = mint.sum(x.reshape((*x.shape[:-2], 2, (x.shape[-2] // 2), x.shape[-1])), dim=(-3, -1))
            """,
            run=("heads", "tokens", "tiled", "pooled", "doubled", "last_first", "summed"),
            note="the steps are computed when converting; no einops at run time",
        ),
        change(
            """
            import torch
            from einops import rearrange, repeat

            y = torch.arange(96.0).reshape(2, 4, 3, 2, 2)
            per_head = rearrange(y, "b (h d) ... -> b h (...) d", h=2)
            spread = repeat(y, "b c ... -> b (... r) c", r=2)
            flat = rearrange(y, "... -> (...)")
            """,
            """
            import math
            from mindspore import mint
            from einops import rearrange, repeat

            y = mint.arange(96.0).reshape(2, 4, 3, 2, 2)
            per_head = y.reshape((y.shape[0], 2, (y.shape[1] // 2), *y.shape[2:])).permute(0, 1, *range(3, y.ndim + 1), 2).reshape((y.shape[0], 2, math.prod(y.shape[2:]), (y.shape[1] // 2)))
            spread = mint.broadcast_to(y.permute(0, *range(2, y.ndim), 1).reshape((y.shape[0], *y.shape[2:], 1, y.shape[1])), (-1, *((-1,) * (y.ndim - 2)), 2, -1)).reshape((y.shape[0], math.prod(y.shape[2:]) * 2, y.shape[1]))
            flat = y.reshape((math.prod(y.shape),))
            """,
            run=("per_head", "spread", "flat"),
            note="an ellipsis in an output group merges its dimensions: the product of their sizes",
        ),
        change(
            """
            import torch
            from einops import reduce

            z = torch.arange(60.0).reshape(3, 2, 2, 5)
            per_row = reduce(z, "b ... d -> b d", "mean")
            row = reduce(z[0, 0], "b ... d -> b d", "max")
            """,
            """
            import math
            from mindspore import mint
            from einops import reduce

            z = mint.arange(60.0).reshape(3, 2, 2, 5)
            per_row = mint.mean(z.reshape((z.shape[0], math.prod(z.shape[1:-1]), z.shape[-1])), dim=(1,))
            row = mint.amax((_t0 := z[0, 0]).reshape((_t0.shape[0], math.prod(_t0.shape[1:-1]), _t0.shape[-1])), dim=(1,))
            """,
            run=("per_row", "row"),
            note="a reduce whose ellipsis is on the input side only reduces its dimensions (none: nothing)",
        ),
        change(
            """
            import torch
            from einops import rearrange, reduce

            def split(t, pattern):
                first = rearrange(t, pattern)
                return first, rearrange(t, "b (h w) -> b h w")

            def regroup(t, pattern, **sizes):
                return rearrange(t, pattern, **sizes)

            x = torch.arange(24.0).reshape(2, 3, 4)
            how = "max"
            peak = reduce(x, "b c n -> b c", how)
            pairs = regroup(x, "b c (n two) -> b (c n) two", two=2)
            """,
            """
            from mindspore import mint
            from einops import rearrange, reduce

            HELPERS

            def split(t, pattern):
                first = rearrange(t, pattern)  # NOTE_PATTERN
                return first, rearrange(t, "b (h w) -> b h w")  # NOTE_GROUP

            def regroup(t, pattern, **sizes):
                return rearrange(t, pattern, **sizes)  # NOTE_ARGS

            x = mint.arange(24.0).reshape(2, 3, 4)
            how = "max"
            peak = reduce(x, "b c n -> b c", how)  # NOTE_REDUCTION
            pairs = regroup(x, "b c (n two) -> b (c n) two", two=2)
            """.replace("HELPERS", helpers.source("einops_backend").replace("\n", "\n            ").rstrip())
               .replace("NOTE_PATTERN", _NOTE.format("the pattern is not a literal string"))
               .replace("NOTE_GROUP", _NOTE.format("two unknown sizes in the group (h w)"))
               .replace("NOTE_ARGS", _NOTE.format("arguments not understood"))
               .replace("NOTE_REDUCTION", _NOTE.replace("rearrange", "reduce").format("the reduction is not a literal string")),
            run=("peak", "pairs"),
            note="a call that cannot be unrolled is flagged, and runs: einops gets a MindSpore backend",
        ),
        change(
            """
            import torch
            from einops.layers.torch import Rearrange, Reduce

            class Views(torch.nn.Module):
                def __init__(self, size):
                    super().__init__()
                    self.patches = torch.nn.Sequential(Rearrange("b c (h p1) (w p2) -> b (c p1 p2) h w", p1=size, p2=size))
                    self.split = Rearrange("b c h (k w) -> k b c h w", k=2)
                    self.column = Rearrange("... -> ... 1")
                    self.pool = Reduce("b c (h p) w -> b c h", "max", p=size)
                    self.tokens = Rearrange("b c h w -> b c (h w)")

                def forward(self, x):
                    return self.patches(x), self.split(x), self.column(x), self.pool(x), self.tokens(x)

            patches, split, column, pooled, tokens = Views(2)(torch.arange(96.0).reshape(2, 3, 4, 4))
            """,
            """
            from mindspore import mint, nn


            class _EinopsRearrange1(nn.Cell):
                \"\"\"einops.layers.torch.Rearrange('b c (h p1) (w p2) -> b (c p1 p2) h w'), its steps computed when converting.\"\"\"

                def __init__(self, p1, p2):
                    super().__init__()
                    self.p1 = p1
                    self.p2 = p2

                def construct(self, x):
                    return x.reshape((x.shape[0], x.shape[1], (x.shape[2] // self.p1), self.p1, (x.shape[3] // self.p2), self.p2)).permute(0, 1, 3, 5, 2, 4).reshape((x.shape[0], x.shape[1] * self.p1 * self.p2, (x.shape[2] // self.p1), (x.shape[3] // self.p2)))


            class _EinopsRearrange2(nn.Cell):
                \"\"\"einops.layers.torch.Rearrange('b c h (k w) -> k b c h w'), its steps computed when converting.\"\"\"

                def __init__(self, k):
                    super().__init__()
                    self.k = k

                def construct(self, x):
                    return x.reshape((x.shape[0], x.shape[1], x.shape[2], self.k, (x.shape[3] // self.k))).permute(3, 0, 1, 2, 4)


            class _EinopsRearrange3(nn.Cell):
                \"\"\"einops.layers.torch.Rearrange('... -> ... 1'), its steps computed when converting.\"\"\"

                def construct(self, x):
                    return x.reshape((*x.shape, 1))


            class _EinopsReduce1(nn.Cell):
                \"\"\"einops.layers.torch.Reduce('b c (h p) w -> b c h', 'max'), its steps computed when converting.\"\"\"

                def __init__(self, p):
                    super().__init__()
                    self.p = p

                def construct(self, x):
                    return mint.amax(x.reshape((x.shape[0], x.shape[1], (x.shape[2] // self.p), self.p, x.shape[3])), dim=(3, 4))


            class Views(nn.Cell):
                def __init__(self, size):
                    super().__init__()
                    self.patches = nn.SequentialCell(_EinopsRearrange1(p1=size, p2=size))
                    self.split = _EinopsRearrange2(k=2)
                    self.column = _EinopsRearrange3()
                    self.pool = _EinopsReduce1(p=size)
                    self.tokens = mint.nn.Flatten(2, 3)

                def construct(self, x):
                    return self.patches(x), self.split(x), self.column(x), self.pool(x), self.tokens(x)

            patches, split, column, pooled, tokens = Views(2).set_train(True)(mint.arange(96.0).reshape(2, 3, 4, 4))
            """,
            run=("patches", "split", "column", "pooled", "tokens"),
            note="a layer with a literal pattern: a Cell class of the file holds its steps (one per pattern)",
        ),
        change(
            """
            import torch
            from einops import einsum
            from einops.layers.torch import Rearrange

            q, k = torch.ones(2, 3, 4), torch.ones(2, 5, 4)
            sim = einsum(q, k, "b i d, b j d -> b i j")

            def layer(pattern):
                return Rearrange(pattern)
            """,
            """
            from mindspore import mint
            from einops import einsum
            try:
                from einops.layers.torch import Rearrange  # torch2ms: einops.layers.torch needs a manual rewrite (hint: einops.layers.torch is built on PyTorch: convert it too (torch2ms convert), and put the converted package first on the path, or use the einops calls and layers with a literal pattern are converted; for the others, einops.layers has no MindSpore backend); Rearrange still used on line 12 (flagged there)
            except ImportError:
                Rearrange = None

            q, k = mint.ones((2, 3, 4)), mint.ones((2, 5, 4))
            sim = mint.einsum('abc,adc->abd', q, k)

            def layer(pattern):
                return Rearrange(pattern)  # torch2ms: einops.layers.torch.Rearrange needs a manual rewrite (hint: einops has no MindSpore backend: the pattern is not a literal string; write the reshape/permute steps)
            """,
            run=("sim",),
            note="einops.einsum: named axes become letters; a layer that cannot be planned is flagged",
        ),
        change(
            """
            import torch
            from einops import pack, unpack

            def pack_one(t, pattern):
                return pack([t], pattern)

            def unpack_one(t, ps, pattern):
                return unpack(t, ps, pattern)[0]

            x = torch.arange(24.0).reshape(2, 3, 4)
            packed, ps = pack_one(x, "b * d")
            back = unpack_one(packed * 2, ps, "b * d")
            joined, shapes = pack(list(x), "*")
            """,
            """
            from mindspore import mint
            from einops import pack, unpack

            HELPERS

            def pack_one(t, pattern):
                return _einops_pack([t], pattern)

            def unpack_one(t, ps, pattern):
                return _einops_unpack(t, ps, pattern)[0]

            x = mint.arange(24.0).reshape(2, 3, 4)
            packed, ps = pack_one(x, "b * d")
            back = unpack_one(packed * 2, ps, "b * d")
            joined, shapes = _einops_pack(list(x), "*")
            """.replace("HELPERS", helpers.source("einops_packing").replace("\n", "\n            ").rstrip()),
            run=("packed", "back", "joined"),
            note="pack/unpack that cannot be planned when converting (a pattern held in a parameter, tensors not "
                 "written out): the helper functions read the pattern when the code runs",
        ),
        change(
            """
            import torch
            from einops import pack, unpack

            m = torch.arange(12.0).reshape(2, 3, 2)
            x = torch.arange(40.0).reshape(2, 2, 5, 2)
            packed, ps = pack([m, x * 2], "b * d")
            first, second = unpack(packed, ps, "b * d")
            flat, shapes = pack((x,), "*")
            back, = unpack(flat, shapes, "*")
            """,
            """
            import math
            from mindspore import mint
            from einops import pack, unpack

            m = mint.arange(12.0).reshape(2, 3, 2)
            x = mint.arange(40.0).reshape(2, 2, 5, 2)
            packed, ps = (mint.cat((m.reshape((*m.shape[:1], math.prod(m.shape[1:-1]), *m.shape[-1:])), (_t0 := x * 2).reshape((*_t0.shape[:1], math.prod(_t0.shape[1:-1]), *_t0.shape[-1:]))), dim=1), [m.shape[1:-1], _t0.shape[1:-1]])
            first, second = [_piece0.reshape((*packed.shape[:1], *_shape0, *packed.shape[2:])) for _piece0, _shape0 in zip(mint.split(packed, [math.prod(_shape0) for _shape0 in ps], dim=1), ps)]
            flat, shapes = (mint.cat((x.reshape((math.prod(x.shape),)),), dim=0), [x.shape])
            back, = [_piece1.reshape((*_shape1,)) for _piece1, _shape1 in zip(mint.split(flat, [math.prod(_shape1) for _shape1 in shapes], dim=0), shapes)]
            """,
            run=("packed", "first", "second", "flat", "back"),
            note="pack: the axes at * merged, then concatenated; unpack: split by the packed shapes, reshaped back",
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
        self._classes = {}  # (layer, pattern, reduction, sizes) -> (class name, its ClassDef)

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
        if api == "einops.einsum":
            return self._einsum(ctx, api, updated)
        if api == "einops.pack":
            return self._pack(ctx, api, updated)
        if api == "einops.unpack":
            return self._unpack(ctx, api, updated)
        kind = _FUNCTIONS.get(api or "")
        if kind is None:
            if api is not None and api.startswith("einops.") and api not in _NO_TENSORS:
                return self._flag(ctx, updated, api, f"{api} is not converted")
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

    def _einsum(self, ctx: FileContext, api: str, call: cst.Call):
        """`einsum(q, k, "b h i d, b h j d -> b h i j")` -> `mint.einsum("bhid,bhjd->bhij", q, k)`."""
        if not call.args or any(a.star or a.keyword is not None for a in call.args):
            return self._flag(ctx, call, api, "arguments not understood")
        pattern = call.args[-1].value
        if not _literal(pattern):
            return self._flag(ctx, call, api, "the pattern is not a literal string")
        try:
            equation = einsum_equation(pattern.evaluated_value, len(call.args) - 1)
        except PatternError as exc:
            return self._flag(ctx, call, api, str(exc))
        ctx.discard(call.func)
        tensors = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in call.args[:-1]]
        tensors[-1] = tensors[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        first = cst.Arg(value=cst.SimpleString(repr(equation)), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return call.with_changes(func=ctx.emit("mindspore.mint.einsum"), args=[first, *tensors])

    def _pack(self, ctx: FileContext, api: str, call: cst.Call):
        """`pack([m, x], "b * d")` -> `(mint.cat((m.reshape(...), x.reshape(...)), dim=1), [m.shape[1:-1], ...])`."""
        if len(call.args) != 2 or any(a.star or a.keyword is not None for a in call.args):
            return self._flag(ctx, call, api, "arguments not understood")
        tensors, pattern = call.args[0].value, call.args[1].value
        if not isinstance(tensors, (cst.List, cst.Tuple)) or not tensors.elements or any(
                isinstance(e, cst.StarredElement) for e in tensors.elements):
            return self._at_run_time(ctx, api, call, "the tensors are not a list written out")
        if not _literal(pattern):
            return self._at_run_time(ctx, api, call, "the pattern is not a literal string")
        try:
            code = pack_code(len(tensors.elements), pattern.evaluated_value)
        except PatternError as exc:
            return self._flag(ctx, call, api, str(exc))
        values = {}
        for i, element in enumerate(tensors.elements):
            name = None
            if not is_plain_reference(element.value):
                if ctx.scope.kind == "class":
                    return self._flag(ctx, call, api, "a tensor is an expression whose shape is read: name it first")
                name = self._fresh_name(ctx)
            values[f"X{i}"] = (element.value, name)
        ctx.discard(call.func)
        ctx.discard(call.args[1])
        return in_place_of(call, cst.parse_expression(code).visit(_Fill(ctx, more=values)))

    def _unpack(self, ctx: FileContext, api: str, call: cst.Call):
        """`unpack(x, ps, "b * d")` -> `[piece.reshape(...) for piece, shape in zip(mint.split(x, ...), ps)]`."""
        if len(call.args) != 3 or any(a.star or a.keyword is not None for a in call.args):
            return self._flag(ctx, call, api, "arguments not understood")
        tensor, shapes, pattern = (a.value for a in call.args)
        if not _literal(pattern):
            return self._at_run_time(ctx, api, call, "the pattern is not a literal string")
        if not (is_plain_reference(tensor) and is_plain_reference(shapes)):
            return self._at_run_time(ctx, api, call, "the tensor or the packed shapes are an expression")
        try:
            code = unpack_code(pattern.evaluated_value, self._fresh_name(ctx, "_piece"), self._fresh_name(ctx, "_shape"))
        except PatternError as exc:
            return self._flag(ctx, call, api, str(exc))
        ctx.discard(call.func)
        ctx.discard(call.args[2])
        return in_place_of(call, cst.parse_expression(code).visit(
            _Fill(ctx, tensor, more={"S": (shapes, None)})))

    @staticmethod
    def _at_run_time(ctx: FileContext, api: str, call: cst.Call, why: str):
        """pack/unpack that cannot be planned when converting: the helper function that reads the pattern when
        the code runs (torch2ms/helpers/einops_packing.py), where the file's own name does not hide it."""
        helper = _PACKING[api]
        binding = ctx.lookup(helper)
        if binding is not None and not binding.is_torch:
            return EinopsCalls._flag(ctx, call, api, why)
        ctx.discard(call.func)
        ctx.need_helper("einops_packing")
        return call.with_changes(func=in_place_of(call.func, cst.Name(helper)))

    def _fresh_name(self, ctx: FileContext, stem: str = "_t", index: int = 0) -> str:
        """A name the file does not use (a tensor expression read more than once, a layer's class)."""
        if self._taken is None:
            self._taken = {n.value for n in iter_names(ctx.module)}
        while f"{stem}{index}" in self._taken:
            index += 1
        self._taken.add(f"{stem}{index}")
        return f"{stem}{index}"

    def _layer(self, ctx: FileContext, api: str, call: cst.Call):
        """`Rearrange("b c h w -> b (c h w)")` -> `mint.nn.Flatten(1, 3)`; another literal pattern ->
        a Cell class of this file whose construct holds the planned steps (`_EinopsRearrange1(h=8)`)."""
        kind = api.rsplit(".", 1)[1].lower()  # rearrange | reduce
        positional = [a for a in call.args if a.keyword is None]
        named = {keyword(a): a for a in call.args if a.keyword is not None}
        if any(a.star for a in call.args):
            return self._flag(ctx, call, api, "arguments not understood", layer=True)
        pattern = positional[0].value if positional else getattr(named.get("pattern"), "value", None)
        if not _literal(pattern):
            return self._flag(ctx, call, api, "the pattern is not a literal string", layer=True)
        reduction = None
        if kind == "reduce":
            reduction = positional[1].value if len(positional) > 1 else getattr(named.get("reduction"), "value", None)
            if not _literal(reduction):
                return self._flag(ctx, call, api, "the reduction is not a literal string", layer=True)
            reduction = reduction.evaluated_value
        sizes = [a for a in call.args if a.keyword is not None and keyword(a) not in ("pattern", "reduction")]
        if len(positional) > (2 if kind == "reduce" else 1):
            return self._flag(ctx, call, api, "arguments not understood", layer=True)
        span = flatten_span(pattern.evaluated_value) if kind == "rearrange" and not sizes else None
        if span is not None:
            replacement = cst.Call(func=ctx.emit("mindspore.mint.nn.Flatten"), args=[
                cst.Arg(value=cst.Integer(str(span[0])), comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Arg(value=cst.Integer(str(span[1])))])
        else:
            names = [keyword(a) for a in sizes]
            if "self" in names:
                return self._flag(ctx, call, api, "an axis named self", layer=True)
            try:
                steps = plan(kind, pattern.evaluated_value, {n: f"self.{n}" for n in names}, reduction)
            except PatternError as exc:
                return self._flag(ctx, call, api, str(exc), layer=True)
            layer = self._layer_class(ctx, api, pattern.evaluated_value, reduction, sorted(names), steps.code)
            if sizes:
                sizes[-1] = sizes[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            replacement = cst.Call(func=cst.Name(layer), args=sizes, whitespace_before_args=call.whitespace_before_args)
            ctx.discard(pattern)
        ctx.discard(call.func)
        ctx.withdraw_flags_in(call.func)
        if span is not None:
            ctx.discard(call)
        return in_place_of(call, replacement)

    def _layer_class(self, ctx: FileContext, api: str, pattern: str, reduction: Optional[str], sizes, code: str) -> str:
        """The name of this file's Cell class for the layer (made once per pattern and set of sizes)."""
        key = (api, pattern, reduction, tuple(sizes))
        if key not in self._classes:
            layer = api.rsplit(".", 1)[1]
            name = self._fresh_name(ctx, f"_Einops{layer}", 1)
            arguments = ", ".join(repr(a) for a in (pattern, reduction) if a is not None)
            init = "".join(f"        self.{n} = {n}\n" for n in sizes)
            text = (f"class {name}(Cell):\n"
                    f'    """{api}({arguments}), its steps computed when converting."""\n')
            if sizes:
                text += f"\n    def __init__(self, {', '.join(sizes)}):\n        super().__init__()\n{init}"
            text += f"\n    def construct(self, x):\n        return {code}\n"
            statement = cst.parse_statement(text).visit(_Fill(ctx, cst.Name("x")))
            statement = statement.with_changes(bases=[cst.Arg(ctx.emit("mindspore.nn.Cell"))], leading_lines=[
                cst.EmptyLine(), cst.EmptyLine()])
            self._classes[key] = (name, statement)
        return self._classes[key][0]

    def leave_Module(self, ctx: FileContext, original: cst.Module, updated: cst.Module):
        """The layers' Cell classes go after the file's imports (before anything that may build one)."""
        if not self._classes:
            return updated
        body = list(updated.body)
        at = 0
        while at < len(body) and _header(body[at]):
            at += 1
        classes = [statement for _, statement in self._classes.values()]
        if at < len(body):  # two blank lines after the classes, as before a class
            lines = body[at].leading_lines
            blank = next((i for i, line in enumerate(lines) if line.comment is not None), len(lines))
            body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine()] * max(0, 2 - blank) + list(lines))
        return updated.with_changes(body=body[:at] + classes + body[at:])

    @staticmethod
    def _flag(ctx: FileContext, call: cst.Call, api: str, why: str, layer: bool = False):
        if layer:  # one note, saying why (not the import rule's "convert einops.layers too")
            ctx.withdraw_flags_in(call.func)
        elif api in _ON_BACKEND:
            # The call stays einops, and runs: the file gets einops' MindSpore backend (a helper).
            # Still a note: einops is Python, which a compiled graph cannot hold.
            ctx.need_helper("einops_backend")
            ctx.flag(call, api, Reason.MANUAL, f"not unrolled ({why}): it runs through the einops backend for "
                     "MindSpore written into this file, in PyNative mode; for graph mode write the reshape/permute steps")
            return call
        ctx.flag(call, api, Reason.MANUAL, f"einops has no MindSpore backend: {why}; write the reshape/permute steps")
        return call


def _literal(node) -> bool:
    return isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str)


def _header(statement: cst.CSTNode) -> bool:
    """An import, a docstring, or a try/if block of imports (the top of a file)."""
    if isinstance(statement, cst.SimpleStatementLine):
        return all(isinstance(s, (cst.Import, cst.ImportFrom)) or (
            isinstance(s, cst.Expr) and isinstance(s.value, (cst.SimpleString, cst.ConcatenatedString)))
            for s in statement.body)
    if isinstance(statement, (cst.Try, cst.If)):
        return isinstance(statement.body, cst.IndentedBlock) and all(_header(s) for s in statement.body.body)
    return False
