"""Weight initialisation becomes MindSpore initializers set into the parameter.

`nn.init.normal_(m.weight, std=0.02)` and HF-style `module.bias.data.zero_()` become
`m.weight.set_data(init.initializer(init.Normal(...), m.weight.shape, m.weight.dtype))`;
HF's `p.data = nn.init.trunc_normal_(p.data.to(torch.float32), ...).to(p.dtype)` initialises
`p` itself (set_data returns it, so the rest of the line holds).

MindSpore's initializers compute on the host, so this also runs where the in-place random
kernels (normal_, uniform_) are missing. The table is data (knowledge/data/init_map.json).
What cannot be expressed (a target that is no plain parameter reference, uniform bounds
that are not symmetric) stays and is flagged.
"""
from __future__ import annotations

from typing import Dict, Optional

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import in_place_of
from torch2ms.convert.results import Reason
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep


class InitCalls(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn

            torch.manual_seed(0)
            lin = nn.Linear(4, 3)
            nn.init.constant_(lin.weight, 0.5)
            lin.bias.data.zero_()
            layers = [lin]
            nn.init.uniform_(layers[-1].weight, -0.1, 0.1)
            nn.init.constant_(lin.weight, 0.25)
            out = lin.weight
            bias = lin.bias
            """,
            """
            import mindspore
            from mindspore import mint
            from mindspore.common import initializer as init

            mindspore.manual_seed(0)
            lin = mint.nn.Linear(4, 3)
            lin.weight.set_data(init.initializer(init.Constant(value=0.5), lin.weight.shape, lin.weight.dtype))
            lin.bias.set_data(init.initializer(init.Zero(), lin.bias.shape, lin.bias.dtype))
            layers = [lin]
            layers[-1].weight.set_data(init.initializer(init.Uniform(scale=0.1), layers[-1].weight.shape, layers[-1].weight.dtype))
            lin.weight.set_data(init.initializer(init.Constant(value=0.25), lin.weight.shape, lin.weight.dtype))
            out = lin.weight
            bias = lin.bias
            """,
            run=("out", "bias"),
        ),
        change(
            """
            import torch.nn as nn

            def init_weights(blocks):
                nn.init.uniform_(blocks.pop().weight, 0.0, 1.0)
            """,
            """
            try:
                import torch  # torch2ms: torch still used on line 7 (flagged there)
            except ImportError:
                torch = None

            def init_weights(blocks):
                torch.nn.init.uniform_(blocks.pop().weight, 0.0, 1.0)  # torch2ms: torch.nn.init.uniform_ needs a manual rewrite (hint: set_data(initializer(...)) needs a plain parameter reference)
            """,
            note="flagged, never half-rewritten: the target is no plain reference (and spelled in full: `nn` is "
                 "mindspore's now)",
        ),
        keep(
            """
            import numpy as np

            def init(table):
                table.data.fill(0)
            """,
            note="`.data` of something else, with no torch init method",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        api = ctx.qualname(original.func)
        spec = extras.init_map().get(api) if api else None
        args = list(updated.args)
        if spec is not None and not spec.get("data_receiver_only"):
            target = _parameter_of(_take_tensor(args))
        else:
            func = updated.func
            if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute)):
                return updated
            api = f"torch.Tensor.{func.attr.value}"
            spec = extras.init_map().get(api)
            if spec is None or func.value.attr.value != "data" or ctx.qualname(original.func) is not None:
                return updated
            target = func.value.value  # `param.data.normal_()` initialises `param`
        if target is None or not _reusable(target):
            # only a plain `a.b.c` reference can be read three times safely
            ctx.flag(updated, api, Reason.MANUAL, "set_data(initializer(...)) needs a plain parameter reference")
            return updated
        values = _bind(spec, args)
        if values is None:
            ctx.flag(updated, api, Reason.MANUAL, "arguments not understood; use mindspore.common.initializer")
            return updated
        kwargs = _initializer_kwargs(spec, values)
        if kwargs is None:
            ctx.flag(updated, api, Reason.MANUAL, "init.Uniform(scale) samples [-scale, scale] only")
            return updated
        ctx.discard(updated)
        return in_place_of(updated, _set_data(ctx, target, spec["initializer"], kwargs))


def _parameter_of(target: Optional[cst.BaseExpression]) -> Optional[cst.BaseExpression]:
    """`p.data.to(torch.float32)` -> `p`: HF initialises a float32 view of a parameter's data and
    assigns it back (`p.data = trunc_normal_(p.data.to(torch.float32), ...).to(p.dtype)`); the
    initializer writes into the parameter itself, and `set_data` returns it, so the rest holds."""
    while isinstance(target, cst.Call) and isinstance(target.func, cst.Attribute) and target.func.attr.value in (
            "to", "float"):
        target = target.func.value
    if isinstance(target, cst.Attribute) and target.attr.value == "data" and _reusable(target.value):
        return target.value
    return target


def _reusable(node: cst.BaseExpression) -> bool:
    """A reference that can be read three times: names, attributes, literal indexes
    (`block.mlp[-1].weight`), no calls."""
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        return _reusable(node.value)
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        index = node.slice[0].slice.value
        if isinstance(index, cst.UnaryOperation) and isinstance(index.operator, cst.Minus):
            index = index.expression
        return isinstance(index, (cst.Integer, cst.SimpleString)) and _reusable(node.value)
    return False


def _take_tensor(args):
    for i, arg in enumerate(args):
        if (arg.keyword is None and not arg.star) or (arg.keyword is not None and arg.keyword.value == "tensor"):
            return args.pop(i).value
    return None


def _bind(spec: dict, args) -> Optional[Dict[str, cst.BaseExpression]]:
    values: Dict[str, cst.BaseExpression] = {}
    params = spec["params"]
    for i, arg in enumerate(args):
        if arg.star:
            return None
        name = arg.keyword.value if arg.keyword is not None else (params[i] if i < len(params) else None)
        if name is None or name not in params:
            return None
        values[name] = arg.value
    for name, default in spec.get("defaults", {}).items():
        values.setdefault(name, cst.parse_expression(default))
    return values


def _initializer_kwargs(spec: dict, values) -> Optional[Dict[str, cst.BaseExpression]]:
    bounds = spec.get("symmetric_bounds")
    if bounds:
        low, high = (values[b] for b in bounds)
        negated = isinstance(low, cst.UnaryOperation) and isinstance(low.operator, cst.Minus)
        if negated and cst.Module([]).code_for_node(low.expression) == cst.Module([]).code_for_node(high):
            return {"scale": high}
        return None
    return {kw: values[param] for kw, param in spec.get("args", {}).items()}


def _set_data(ctx: FileContext, target: cst.BaseExpression, initializer: str, kwargs) -> cst.Call:
    def attr(name: str) -> cst.Attribute:
        return cst.Attribute(value=target, attr=cst.Name(name))

    made = cst.Call(
        func=ctx.emit(f"mindspore.common.initializer.{initializer}"),
        args=[_arg(value, keyword) for keyword, value in kwargs.items()],
    )
    data = cst.Call(
        func=ctx.emit("mindspore.common.initializer.initializer"),
        args=[_arg(made), _arg(attr("shape")), _arg(attr("dtype"))],
    )
    return cst.Call(func=attr("set_data"), args=[_arg(data)])


def _arg(value: cst.BaseExpression, keyword: Optional[str] = None) -> cst.Arg:
    if keyword is None:
        return cst.Arg(value=value)
    equal = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
    return cst.Arg(value=value, keyword=cst.Name(keyword), equal=equal)
