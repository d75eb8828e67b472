"""A call's arguments take the MindSpore form its argument rule (data) describes.

One mechanism for every API: the rules are data (knowledge/data/arg_rules/, one schema: the
ArgRule fields), and each field is applied by one function here (`_STEPS`), so a new
difference between the frameworks is a line of JSON plus its test, and a new kind of
difference is one field plus one function. Method calls (`x.flip(0)`) use the rule of
`torch.Tensor.<method>`.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import COMMA, TIGHT_EQUAL, dotted, drop_args, keyword
from torch2ms.convert.numbers import NumberNames
from torch2ms.convert.results import Reason
from torch2ms.knowledge import ArgRule, extras, record
from torch2ms.rules.base import Rule, change, keep


class CallArgs(Rule):
    EXAMPLES = (
        change(
            """
            import torch.nn as nn

            pool = nn.MaxPool1d(2)
            same = nn.MaxPool1d(2, stride=2)
            attention = nn.MultiheadAttention(8, 2, bias=False)
            plain = nn.MultiheadAttention(8, 2, batch_first=True)
            """,
            """
            from mindspore import nn

            pool = nn.MaxPool1d(2)  # torch2ms: torch.nn.MaxPool1d needs a manual rewrite (hint: mindspore.nn.MaxPool1d takes other arguments: stride defaults to 1 (torch: None))
            same = nn.MaxPool1d(2, stride=2)
            attention = nn.MultiheadAttention(8, 2, bias=False).set_train(True)  # torch2ms: torch.nn.MultiheadAttention needs a manual rewrite (hint: mindspore.nn.MultiheadAttention takes other arguments: bias is has_bias in MindSpore)
            plain = nn.MultiheadAttention(8, 2, batch_first=True).set_train(True)
            """,
            note="the legacy mindspore.nn class the priority rule picks takes other arguments (data signature_gaps.json): "
                 "flagged where the call depends on the difference",
        ),
        change(
            """
            import torch
            import torch.nn.functional as F

            x = torch.tensor([[3.0, 1.0, 2.0], [0.5, 2.5, 1.5]])
            ones = torch.ones(2, 3)
            values, order = torch.sort(x, 1)
            up = F.interpolate(x[None], scale_factor=2)
            flipped = x.flip(0)
            both = x.flip(0, 1)
            counts = torch.tensor([1, 1, 3]).bincount()
            """,
            """
            import mindspore
            from mindspore import mint

            x = mindspore.Tensor([[3.0, 1.0, 2.0], [0.5, 2.5, 1.5]])
            ones = mint.ones((2, 3))
            values, order = mint.sort(x, dim=1)
            up = mint.nn.functional.interpolate(x[None], scale_factor=2.0)
            flipped = x.flip((0,))
            both = x.flip((0, 1))
            counts = mindspore.Tensor([1, 1, 3]).bincount().to(mindspore.int64)
            """,
            run=("ones", "values", "order", "up", "flipped", "both", "counts"),
            note="pack_size, keyword_only, float_args, int_as_tuple, cast_result",
        ),
        change(
            """
            import torch
            from torch import nn

            layer = nn.Linear(3, 2, 0)
            conv = nn.Conv2d(2, 4, 3, 1, 1, 1, 1, 1)
            norm = nn.GroupNorm(2, 4, affine=0)
            missing = (layer.bias is None, conv.bias is None)
            normed = norm(torch.arange(16.0).reshape(1, 4, 2, 2))
            """,
            """
            from mindspore import mint

            layer = mint.nn.Linear(3, 2, False)
            conv = mint.nn.Conv2d(2, 4, 3, 1, 1, 1, 1, True)
            norm = mint.nn.GroupNorm(2, 4, affine=False)
            missing = (layer.bias is None, conv.bias is None)
            normed = norm(mint.arange(16.0).reshape(1, 4, 2, 2))
            """,
            run=("missing", "normed"),
            note="bool_args: an int literal where torch reads a truth value and MindSpore wants a bool",
        ),
        change(
            """
            import torch
            from torch import nn


            def upsampler(factor: int, mode="nearest"):
                return nn.Upsample(scale_factor=factor, mode=mode)


            up = upsampler(2)(torch.arange(8.0).reshape(1, 2, 2, 2))
            """,
            """
            from mindspore import mint


            def upsampler(factor: int, mode="nearest"):
                return mint.nn.Upsample(scale_factor=float(factor), mode=mode)


            up = upsampler(2)(mint.arange(8.0).reshape(1, 2, 2, 2))
            """,
            run=("up",),
            note="a parameter annotated as a number is a number: float() makes it the float MindSpore wants",
        ),
        change(
            """
            import torch
            from torch import nn


            class Head(nn.Sequential):
                def __init__(self, upsampling=1, deep=True):
                    scale = 4 if deep else 2
                    upsampling = nn.Upsample(scale_factor=upsampling) if upsampling > 1 else nn.Identity()
                    super().__init__(upsampling, nn.Upsample(scale_factor=scale, mode="bilinear"))


            up = Head(2, deep=False)(torch.arange(8.0).reshape(1, 2, 2, 2))
            """,
            """
            from mindspore import mint, nn


            class Head(nn.SequentialCell):
                def __init__(self, upsampling=1, deep=True):
                    scale = 4 if deep else 2
                    upsampling = mint.nn.Upsample(scale_factor=float(upsampling)) if upsampling > 1 else mint.nn.Identity()
                    super().__init__(upsampling, mint.nn.Upsample(scale_factor=float(scale), mode="bilinear"))


            up = Head(2, deep=False).set_train(True)(mint.arange(8.0).reshape(1, 2, 2, 2))
            """,
            run=("up",),
            note="names that can hold only numbers there: every value assigned before is one, or ordered against one",
        ),
        change(
            """
            import torch
            from torch import nn


            class Upsample(nn.Upsample):
                def forward(self, x):
                    return super().forward(x.float()).type_as(x)


            up = Upsample(scale_factor=(2.0, 2.0), mode="nearest-exact")
            out = up(torch.arange(18.0).reshape(1, 2, 3, 3))
            """,
            """
            from mindspore import mint


            class Upsample(mint.nn.Upsample):
                def construct(self, x):
                    return super().construct(x.float()).type_as(x)


            up = Upsample(scale_factor=(2.0, 2.0), mode="nearest").set_train(True)
            out = up(mint.arange(18.0).reshape(1, 2, 3, 3))
            """,
            run=("out",),
            note="same_value, also for a subclass of the layer without an __init__ of its own: mint has no "
                 "'nearest-exact', which picks what 'nearest' picks for a whole upscaling factor",
        ),
        change(
            """
            import torch

            def f(x, z):
                return torch.add(x, x, out=z)
            """,
            """
            from mindspore import mint

            def f(x, z):
                return mint.add(x, x, out=z)  # torch2ms: torch.add needs a manual rewrite (hint: `out=`: MindSpore has no `out=`: assign the result instead)
            """,
            note="a keyword MindSpore lacks that matters is flagged, not dropped",
        ),
        keep(
            """
            def sort(items, key):
                return sorted(items, key=key)

            pairs = sort([3, 1], 1)
            """,
            note="not torch's sort: the project's own functions keep their arguments",
        ),
    )

    def __init__(self) -> None:
        self._cast_already: Set[int] = set()  # ids of calls whose result the code casts itself
        # per function: the FunctionDef, replaced by its NumberNames once a float argument asks
        self._numbers: List[object] = [set()]
        self._subclasses: Optional[Dict[str, str]] = None  # see _layer_subclasses
        self._class_layers: List[str] = []  # per class being walked: its torch.nn base, or ""

    def _layer_subclasses(self, ctx: FileContext) -> Dict[str, str]:
        """The file's classes deriving from one torch layer and defining no __init__ -> that layer."""
        if self._subclasses is None:
            self._subclasses = {}
            for statement in ctx.module.body:
                if not isinstance(statement, cst.ClassDef) or len(statement.bases) != 1:
                    continue
                base = ctx.qualname(statement.bases[0].value)
                own_init = any(isinstance(s, cst.FunctionDef) and s.name.value == "__init__"
                               for s in statement.body.body)
                if base and base.startswith("torch.nn.") and not own_init:
                    self._subclasses[statement.name.value] = base
        return self._subclasses

    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        bases = [ctx.qualname(b.value) or "" for b in node.bases]
        self._class_layers.append(next((b for b in bases if b.startswith("torch.nn.")), ""))

    def leave_ClassDef(self, ctx: FileContext, original, updated):
        self._class_layers.pop()
        return updated

    def _super_init_of_layer(self, call: cst.Call) -> Optional[str]:
        """`super().__init__(...)` in a subclass of a torch layer whose MindSpore layer is a legacy
        mindspore.nn one (`class Bi(nn.LSTM)`): that layer, whose argument rule applies to the call.
        (mint's layers take torch's argument names: rules/layer_hooks.py names their positionals.)"""
        layer = self._class_layers[-1] if self._class_layers else ""
        func = call.func
        if not layer or not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"
                             and isinstance(func.value, cst.Call) and dotted(func.value.func) == "super"):
            return None
        target = record(layer).target
        return layer if target is not None and not target.path.startswith("mindspore.mint.") else None

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._numbers.append(node)  # its number names are worked out when a float argument needs them

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        self._numbers.pop()
        return updated

    def _number_names(self, call: cst.Call) -> Set[str]:
        """Names that surely hold a number where `call` (an original node) runs."""
        if isinstance(self._numbers[-1], cst.FunctionDef):
            self._numbers[-1] = NumberNames(self._numbers[-1])
        found = self._numbers[-1]
        return found.at(call) if isinstance(found, NumberNames) else found

    def visit_Call(self, ctx: FileContext, node: cst.Call) -> None:
        # `x.bincount().to(mindspore.int64)` (converted code converted again, or a cast the user
        # wrote): cast_result adds no second cast.
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "to" and isinstance(func.value, cst.Call):
            self._cast_already.add(id(func.value))

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        api = ctx.api_of(original) or self._super_init_of_layer(original)
        rule = record(api).arg_rule if api else None
        if rule is None and api in extras.signature_gaps():
            return _signature_gap(ctx, original, updated, api)
        if rule is None:
            # `WanUpsample(mode="nearest-exact")`, a subclass of a torch layer with no __init__ of its own:
            # its arguments are the layer's (only same_value is applied to them so far)
            base = self._layer_subclasses(ctx).get(dotted(original.func) or "")
            rule = record(base).arg_rule if base else None
            return _same_values(ctx, updated, rule, base) if rule is not None and rule.same_value else updated
        call = updated
        steps = (
            ("pack_size", rule.pack_size, lambda c: _pack_size(c)),
            ("positional", rule.positional and rule.params, lambda c: _unname(c, rule)),
            ("keyword_only", rule.keyword_only and rule.params, lambda c: _name_positionals(c, rule)),
            ("tuple_args", rule.tuple_args, lambda c: _tuples(c, rule)),
            ("int_as_tuple", rule.int_as_tuple, lambda c: _int_as_tuple(c, rule)),
            ("float_args", rule.float_args, lambda c: _floats(ctx, c, rule, api, self._number_names(original))),
            ("bool_args", rule.bool_args, lambda c: _bools(c, rule)),
            ("rename", rule.rename, lambda c: c.with_changes(args=[_renamed(a, rule) for a in c.args])),
            ("drop", rule.drop, lambda c: drop_args(ctx, c, lambda i, a: keyword(a) in rule.drop)),
            ("drop_default", rule.drop_default, lambda c: drop_args(ctx, c, lambda i, a: _is_default(a, rule))),
            ("defaults", rule.defaults, lambda c: _with_defaults(ctx, c, rule)),
            ("same_value", rule.same_value, lambda c: _same_values(ctx, c, rule, api)),
            ("zero_as_none", rule.zero_as_none, lambda c: _zero_as_none(ctx, c, rule)),
        )
        for kind, wanted, step in steps:
            if wanted:
                changed = step(call)
                if changed is not call and changed.deep_equals(call) is False:
                    ctx.hit(kind)
                call = changed
        if rule.result_when:
            call = _result_when(ctx, call, rule)
            if not isinstance(call, cst.Call):
                ctx.hit("result_when")
                return call
        for name, why in rule.flag.items():
            if any(keyword(a) == name for a in call.args):
                ctx.hit("flag")
                ctx.flag(call, api, Reason.MANUAL, f"`{name}=`: {why}")
        if rule.cast_result and id(original) not in self._cast_already and not _given(call, rule, rule.cast_unless):
            # `mint.argmax(x)` gives int32 where torch gives int64: cast the result back.
            ctx.hit("cast_result")
            to = cst.Attribute(value=call, attr=cst.Name("to"))
            call = cst.Call(func=to, args=[cst.Arg(value=ctx.emit(rule.cast_result))])
        return call


def _signature_gap(ctx: FileContext, original: cst.Call, updated: cst.Call, api: str) -> cst.Call:
    """A layer the priority rule maps to a legacy mindspore.nn class that takes other arguments
    (data signature_gaps.json), with no argument rule: flagged when the call passes an argument
    MindSpore names otherwise or lacks, several positionally where the order differs, or leaves out
    one whose default differs (`nn.MaxPool1d(2)`: MindSpore's stride defaults to 1)."""
    if any(a.star for a in original.args):
        words = extras.signature_gap(api)
    else:
        params = extras.signature_gaps()[api].get("params", [])
        positional = _positional_count(original)
        given = frozenset([keyword(a) for a in original.args if a.keyword is not None] + params[:positional])
        words = extras.signature_gap(api, given, positional)
    if words:
        target = record(api).target
        ctx.flag(updated, api, Reason.MANUAL, f"{target.path} takes other arguments: {words}")
    return updated


def _positional_count(call: cst.Call) -> int:
    count = 0
    for arg in call.args:
        if arg.keyword is not None or arg.star:
            break
        count += 1
    return count


def _pack_size(call: cst.Call) -> cst.Call:
    count = _positional_count(call)
    if count < 2:
        return call
    sizes = call.args[:count]
    elements = [cst.Element(value=a.value, comma=a.comma) for a in sizes[:-1]]
    elements.append(cst.Element(value=sizes[-1].value))
    packed = cst.Arg(value=cst.Tuple(elements=elements), comma=sizes[-1].comma)
    return call.with_changes(args=[packed, *call.args[count:]])


def _name_positionals(call: cst.Call, rule: ArgRule) -> cst.Call:
    """Write `name=value` from the first keyword-only parameter on (a positional may not follow)."""
    args: List[cst.Arg] = list(call.args)
    count = _positional_count(call)
    first = next((i for i in range(count) if i < len(rule.params) and rule.params[i] in rule.keyword_only), None)
    if first is None:
        return call
    if count > len(rule.params) or any(p.startswith("*") for p in rule.params[first:count]):
        return call  # more positionals than torch names: leave the call as the user wrote it
    for index in range(first, count):
        args[index] = args[index].with_changes(keyword=cst.Name(rule.params[index]), equal=TIGHT_EQUAL)
    return call.with_changes(args=args)


def _unname(call: cst.Call, rule: ArgRule) -> cst.Call:
    """`randint(0, 10, size=(3,))` -> `randint(0, 10, (3,))` where MindSpore takes them positionally."""
    count = _positional_count(call)
    by_name = {keyword(a): a for a in call.args[count:] if a.keyword is not None}
    moved = []
    for index in range(count, len(rule.params)):
        name = rule.params[index]
        if name not in rule.positional or name not in by_name:
            break  # a gap: later ones cannot become positional
        moved.append(by_name.pop(name))
    if not moved:
        return call
    moved_ids = {id(a) for a in moved}
    rest = [a for a in call.args[count:] if id(a) not in moved_ids]
    bare = [a.with_changes(keyword=None, equal=cst.MaybeSentinel.DEFAULT) for a in moved]
    args = [*call.args[:count], *bare, *rest]
    last = args[-1]
    if last is not call.args[-1]:
        args[-1] = last.with_changes(comma=call.args[-1].comma)
        for i, arg in enumerate(args[:-1]):
            if arg.comma is cst.MaybeSentinel.DEFAULT:
                args[i] = arg.with_changes(comma=COMMA)
    return call.with_changes(args=args)


def _given(call: cst.Call, rule: ArgRule, names) -> bool:
    """Is any of these parameters passed (by keyword, or by position in `params` order)?"""
    return any(keyword(a) in names or (a.keyword is None and i < len(rule.params) and rule.params[i] in names)
               for i, a in enumerate(call.args))


def _int_as_tuple(call: cst.Call, rule: ArgRule) -> cst.Call:
    """`x.flip(0)` -> `x.flip((0,))` where MindSpore wants a tuple even for one int."""
    if len(call.args) != 1 or not _int_literal(call.args[0].value):
        return call
    arg = call.args[0]
    name = keyword(arg) or (rule.params[0] if rule.params else None)
    if name is not None and name not in rule.int_as_tuple:
        return call
    packed = cst.Tuple(elements=[cst.Element(value=arg.value, comma=cst.Comma())])
    return call.with_changes(args=[arg.with_changes(value=packed)])


def _int_literal(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    return isinstance(expr, cst.Integer)


def _tuples(call: cst.Call, rule: ArgRule) -> cst.Call:
    """`permute(x, [1, 0])` -> `permute(x, (1, 0))` where MindSpore rejects a list."""
    args = list(call.args)
    for index, arg in enumerate(args):
        name = keyword(arg) or (rule.params[index] if arg.keyword is None and index < len(rule.params) else None)
        if name in rule.tuple_args and isinstance(arg.value, cst.List):
            elements = list(arg.value.elements)
            if len(elements) == 1 and elements[0].comma is cst.MaybeSentinel.DEFAULT:
                elements[0] = elements[0].with_changes(comma=cst.Comma())
            args[index] = arg.with_changes(value=cst.Tuple(elements=elements, lpar=[cst.LeftParen()], rpar=[cst.RightParen()]))
    return call.with_changes(args=args)


def _floats(ctx: FileContext, call: cst.Call, rule: ArgRule, api: str, numbers: Set[str]) -> cst.Call:
    """`scale_factor=2` -> `scale_factor=2.0` where MindSpore rejects an int; a name that surely holds a
    number (convert/numbers.py: `factor: int`, `f = 4 if deep else 2`) -> `float(factor)`; anything
    else (it may be a tuple) is flagged."""
    args = list(call.args)
    for index, arg in enumerate(args):
        name = keyword(arg) or (rule.params[index] if arg.keyword is None and index < len(rule.params) else None)
        if name not in rule.float_args:
            continue
        value = _as_float(arg.value)
        if value is None and isinstance(arg.value, cst.Name) and arg.value.value in numbers:
            value = cst.Call(func=cst.Name("float"), args=[cst.Arg(value=arg.value)])
        if value is None:
            ctx.flag(call, api, Reason.MANUAL, f"`{name}` must be a float in MindSpore")
        else:
            args[index] = arg.with_changes(value=value)
    return call.with_changes(args=args)


def _bools(call: cst.Call, rule: ArgRule) -> cst.Call:
    """`nn.Linear(4, 8, 1)` -> `mint.nn.Linear(4, 8, True)`: torch reads these by their truth value, MindSpore
    accepts only a bool (TypeError when the layer is built); an int literal becomes the bool it stands for.
    Anything else stays as it is (a name usually holds a bool already)."""
    args = list(call.args)
    for index, arg in enumerate(args):
        name = keyword(arg) or (rule.params[index] if arg.keyword is None and index < len(rule.params) else None)
        if name in rule.bool_args and isinstance(arg.value, cst.Integer):
            truth = "True" if arg.value.evaluated_value else "False"
            args[index] = arg.with_changes(value=cst.Name(truth, lpar=arg.value.lpar, rpar=arg.value.rpar))
    return call.with_changes(args=args)


def _as_float(node: cst.BaseExpression):
    if isinstance(node, cst.Float):
        return node
    if isinstance(node, cst.BinaryOperation) or (isinstance(node, cst.UnaryOperation)
                                                 and isinstance(node.operator, cst.Minus)):
        # arithmetic (`2 ** (j - i)`) gives a number: float() keeps its value, as torch reads it
        return cst.Call(func=cst.Name("float"), args=[cst.Arg(value=node.with_changes(lpar=[], rpar=[]))])
    if isinstance(node, cst.Integer):
        return cst.Float(value=node.value + ".0", lpar=node.lpar, rpar=node.rpar)
    if isinstance(node, (cst.Tuple, cst.List)):
        elements = [e.with_changes(value=_as_float(e.value)) for e in node.elements]
        return None if any(e.value is None for e in elements) else node.with_changes(elements=elements)
    return None


def _with_defaults(ctx: FileContext, call: cst.Call, rule: ArgRule) -> cst.Call:
    """Pass explicitly the defaults where MindSpore's differ from torch's."""
    given = {keyword(a) for a in call.args if a.keyword is not None}
    # positionals by torch's name and by MindSpore's (a default is named as MindSpore names it, after `rename`)
    given.update(name for p in rule.params[: _positional_count(call)] for name in (p, rule.rename.get(p, p)))
    if any(a.star for a in call.args):
        return call  # *args/**kwargs may already carry it
    extra = []
    for name, value in rule.defaults.items():
        if name in given:
            continue
        expr = ctx.emit(value) if value.startswith("mindspore.") else cst.parse_expression(value)
        extra.append(cst.Arg(keyword=cst.Name(name), value=expr, equal=TIGHT_EQUAL))
    if not extra:
        return call
    args = list(call.args)
    if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=COMMA)
    for arg in extra[:-1]:
        args.append(arg.with_changes(comma=COMMA))
    args.append(extra[-1])
    return call.with_changes(args=args)


def _is_default(arg: cst.Arg, rule: ArgRule) -> bool:
    """`requires_grad=False`: a keyword MindSpore lacks, given torch's default (so it changes nothing)."""
    default = rule.drop_default.get(keyword(arg) or "")
    return default is not None and isinstance(arg.value, (cst.Name, cst.Integer, cst.Float, cst.SimpleString)) \
        and getattr(arg.value, "value", None) == default


def _zero_as_none(ctx: FileContext, call: cst.Call, rule: ArgRule) -> cst.Call:
    """`F.pad(x, p, mode, value)`: torch reads a value of 0 as no value (which modes other than
    "constant" require), MindSpore rejects any value there: a literal 0 becomes None, an
    expression `value or None` (0 and None both pad with zeros in "constant" mode). Not where
    another argument's value (`mode`, given or by torch's default) lets MindSpore take any value."""
    args = list(call.args)
    for param, fine_when in rule.zero_as_none.items():
        index, arg = _argument(call, rule, param)
        if arg is None or all(_is_or_absent(call, rule, other, literal) for other, literal in fine_when.items()):
            continue
        value = arg.value
        if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
            value = value.expression  # -0.0
        if isinstance(value, (cst.Integer, cst.Float)):
            if float(value.evaluated_value) == 0:
                ctx.discard(arg.value)
                args[index] = arg.with_changes(value=cst.Name("None"))
            continue
        if isinstance(value, cst.Name) and value.value == "None":
            continue
        operand = arg.value if isinstance(arg.value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript)) \
            else arg.value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        args[index] = arg.with_changes(value=cst.BooleanOperation(left=operand, operator=cst.Or(), right=cst.Name("None")))
    return call.with_changes(args=args)


def _is_or_absent(call: cst.Call, rule: ArgRule, param: str, literal: str) -> bool:
    """Is `param` absent (torch's default is `literal`, by the rule) or given as that string literal?"""
    _, arg = _argument(call, rule, param)
    return arg is None or (isinstance(arg.value, cst.SimpleString) and arg.value.evaluated_value == literal)


def _result_when(ctx: FileContext, call: cst.Call, rule: ArgRule) -> cst.BaseExpression:
    """`need_weights=False`, a keyword MindSpore lacks whose torch value changes only the result's
    form: the keyword goes and the result is rewritten by the rule's expression over `result`
    (`result[:1] + (None,)`: torch returns None in place of the weights)."""
    for arg in call.args:
        forms = rule.result_when.get(keyword(arg) or "")
        template = forms.get(getattr(arg.value, "value", None)) if forms and isinstance(arg.value, cst.Name) else None
        if template is None:
            continue
        new = drop_args(ctx, call, lambda i, a: a is arg)
        expression = cst.parse_expression(template).visit(_PutResult(new))
        return expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return call


class _PutResult(cst.CSTTransformer):
    """The call in place of the name `result` in a result_when expression."""

    def __init__(self, call: cst.Call) -> None:
        super().__init__()
        self.call = call

    def leave_Name(self, original, updated):
        return self.call if updated.value == "result" else updated


def _renamed(arg: cst.Arg, rule: ArgRule) -> cst.Arg:
    name = keyword(arg)
    if name in rule.rename:
        return arg.with_changes(keyword=cst.Name(rule.rename[name]))
    return arg


def _argument(call: cst.Call, rule: ArgRule, name: str) -> Tuple[int, Optional[cst.Arg]]:
    """(index, the argument given for parameter `name`) by keyword or by position; (-1, None) if absent."""
    for index, arg in enumerate(call.args):
        if arg.star:
            break
        if keyword(arg) == name or (arg.keyword is None and index < len(rule.params) and rule.params[index] == name):
            return index, arg
    return -1, None


def _whole(node: cst.BaseExpression) -> bool:
    """A number literal, or a tuple/list of them, each a whole number >= 1 (`2`, `2.0`, `(2.0, 2.0)`)."""
    if isinstance(node, (cst.Tuple, cst.List)):
        return bool(node.elements) and all(_whole(e.value) for e in node.elements)
    if isinstance(node, (cst.Integer, cst.Float)):
        value = float(node.evaluated_value)
        return value >= 1 and value.is_integer()
    return False


def _same_values(ctx: FileContext, call: cst.Call, rule: ArgRule, api: str) -> cst.Call:
    """`mode="nearest-exact"` -> `mode="nearest"` where the two compute the same (data: same_value);
    flagged where that cannot be shown from the call."""
    args, hints = list(call.args), []
    for param, values in rule.same_value.items():
        index, arg = _argument(call, rule, param)
        literal = arg.value.evaluated_value if arg is not None and isinstance(arg.value, cst.SimpleString) else None
        if literal not in values:
            continue
        entry = values[literal]
        _, other = _argument(call, rule, entry["when_whole"])
        if other is not None and _whole(other.value):
            quote = arg.value.quote
            args[index] = arg.with_changes(value=cst.SimpleString(f"{quote}{entry['to']}{quote}"))
        else:
            hints.append(f"`{param}={literal!r}`: mint's interpolate lacks it; it computes what {entry['to']!r} computes only "
                         f"for a whole `{entry['when_whole']}` >= 1, which this call does not show")
    call = call.with_changes(args=args)
    for hint in hints:
        ctx.flag(call, api, Reason.MANUAL, hint)
    return call
