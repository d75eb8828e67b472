"""Tensor methods MindSpore 2.10 spells as another expression (each proven by running both
frameworks: tests/api/cases_tensor_api.py, tests/test_tensor_rewrites.py).

`x.detach()` is `ops.stop_gradient(x)`; `x.new_full(s, v)` is `mint.full(s, v,
dtype=x.dtype)` (new_full is Ascend-only) and `x.new_tensor(d)` is `mindspore.Tensor(d,
dtype=x.dtype)`; `x.clamp_max(v)` is `x.clamp(max=v)`; methods MindSpore's Tensor lacks
whose torch function it has become that function with the receiver first (data:
method_to_function: `x.log_softmax(1)` -> `mint.nn.functional.log_softmax(x, 1)`);
`x.std(dim=1)` passes `correction=1` (MindSpore's default is ddof 0); `x.norm(2, (1, 2))` is
`mint.norm(x, 2, (1, 2))` wherever MindSpore's Tensor.norm could take it as a matrix norm. What
would be a guess stays flagged: `x.std()` (could be numpy's std).
"""
from __future__ import annotations

from typing import List

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import COMMA, TIGHT_EQUAL, bare, in_place_of, is_plain_reference, keyword, \
    last_without_comma
from torch2ms.convert.results import Reason
from torch2ms.knowledge import inventory, record
from torch2ms.rules.base import Rule, change, keep, tensor_method

# A local named like these is the module passed in (`def helper(x, F): F.log_softmax(x)`),
# even where the converted file no longer imports it.
_MODULE_ALIASES = {"F", "nn", "torch", "functional", "init", "np", "numpy", "math", "ops", "mint"}


class MethodForms(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            x = torch.tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
            frozen = x.detach()
            full = x.new_full((2, 2), 7.0)
            low = x.clamp_max(1.0)
            logp = x.log_softmax(1)
            spread = x.std(dim=1)
            biased = x.std(dim=1, unbiased=False)
            """,
            """
            import mindspore
            from mindspore import mint, ops

            x = mindspore.Tensor([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
            frozen = ops.stop_gradient(x)
            full = mint.full((2, 2), 7.0, dtype=x.dtype)
            low = x.clamp(max=1.0)
            logp = mint.nn.functional.log_softmax(x, 1)
            spread = x.std(dim=1, correction=1)
            biased = x.std(dim=1, correction=0)
            """,
            run=("frozen", "full", "low", "logp", "spread", "biased"),
        ),
        change(
            """
            import torch

            def stats(x):
                return x.std()
            """,
            """

            def stats(x):
                return x.std()  # torch2ms: torch.Tensor.std needs a manual rewrite (hint: MindSpore's std() / std(dim) without correction= is the biased std (ddof 0); for a tensor pass correction=1 (torch's default))
            """,
            note="what could be numpy's is flagged",
        ),
        change(
            """
            import torch

            x = torch.tensor([[[3.0, -1.0], [0.5, 2.0]], [[1.0, 1.0], [-2.0, 4.0]]])
            spatial = (1, 2)
            energy = x.norm(p=2, dim=spatial, keepdim=True)
            total = x[0].norm(1)
            rows = x.norm(2, -1)
            frobenius = x.norm(dim=(1, 2))


            class Head(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.norm = torch.nn.LayerNorm(2)


            class Net(torch.nn.Module):
                def __init__(self):
                    super().__init__()
                    self.head = Head()

                def forward(self, x):
                    return self.head.norm(x)


            normed = Net()(x)
            """,
            """
            import mindspore
            from mindspore import mint, nn

            x = mindspore.Tensor([[[3.0, -1.0], [0.5, 2.0]], [[1.0, 1.0], [-2.0, 4.0]]])
            spatial = (1, 2)
            energy = mint.norm(x, p=2, dim=spatial, keepdim=True)
            total = mint.norm(x[0], 1)
            rows = x.norm(2, -1)
            frobenius = x.norm(dim=(1, 2))


            class Head(nn.Cell):
                def __init__(self):
                    super().__init__()
                    self.norm = mint.nn.LayerNorm(2)


            class Net(nn.Cell):
                def __init__(self):
                    super().__init__()
                    self.head = Head()

                def construct(self, x):
                    return self.head.norm(x)


            normed = Net().set_train(True)(x)
            """,
            run=("energy", "total", "rows", "frobenius", "normed"),
            note="MindSpore's Tensor.norm takes a number p over two dims (or a 2-D input without dim) "
                 "as a matrix norm: where it may, torch's norm of the elements is mint.norm; a submodule "
                 "named norm stays",
        ),
        change(
            """
            import torch


            def heads(x):
                return x.unflatten(-1, (2, -1)) + torch.ones(1)
            """,
            """
            from mindspore import mint


            def heads(x):
                return x.unflatten(-1, (2, -1)) + mint.ones(1)  # torch2ms: torch.Tensor.unflatten is not in the tables (hint: MindSpore's Tensor has no unflatten, nor torch.unflatten)
            """,
            note="a method MindSpore's Tensor lacks, whose function form it lacks too, is flagged, never left silently",
        ),
        keep(
            """
            import torch

            def helper(x, F):
                return F.log_softmax(x), torch.ones(1)
            """,
            """
            from mindspore import mint

            def helper(x, F):
                return F.log_softmax(x), mint.ones(1)
            """,
            note="a parameter named like a module is that module passed in",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        method = tensor_method(ctx, original, updated)
        if method is None:
            return updated
        handler = _HANDLERS.get(method)
        if handler is None and record(f"torch.Tensor.{method}").forms.get("method_to_function"):
            handler = _as_function
        if handler is None:
            return updated
        result = handler(ctx, updated, method)
        if result is not updated:
            ctx.withdraw_flag(updated.func)  # what tensor_methods noted about the method's name
            result = in_place_of(updated, result)
        return result


# ---- the handlers: (ctx, call, method) -> the replacement, or the call itself -------------
def _detach(ctx: FileContext, node: cst.Call, method: str):
    if node.args:
        return node
    return cst.Call(func=ctx.emit("mindspore.ops.stop_gradient"), args=[cst.Arg(value=bare(node.func.value))])


def _new_full(ctx: FileContext, node: cst.Call, method: str):
    receiver = node.func.value
    if not is_plain_reference(receiver):
        ctx.flag(node, "torch.Tensor.new_full", Reason.MANUAL,
                 "MindSpore's new_full is Ascend-only; use mint.full(size, value, dtype=t.dtype)")
        return node
    return cst.Call(func=ctx.emit("mindspore.mint.full"), args=_with_dtype(ctx, node.args, receiver))


def _new_tensor(ctx: FileContext, node: cst.Call, method: str):
    receiver = node.func.value
    if not is_plain_reference(receiver):
        return node  # left flagged: the table gives it no counterpart
    return cst.Call(func=ctx.emit("mindspore.Tensor"), args=_with_dtype(ctx, node.args, receiver))


def _clamp_max(ctx: FileContext, node: cst.Call, method: str):
    if len(node.args) != 1 or keyword(node.args[0]) not in (None, "max"):
        return node
    arg = node.args[0].with_changes(keyword=cst.Name("max"), equal=TIGHT_EQUAL, comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(func=node.func.with_changes(attr=cst.Name("clamp")), args=[arg])


def _as_function(ctx: FileContext, node: cst.Call, method: str):
    """`x.log_softmax(1)` -> `mint.nn.functional.log_softmax(x, 1)` (data: method_to_function)."""
    function = record(f"torch.Tensor.{method}").forms["method_to_function"]
    target = record(function).target
    receiver = node.func.value
    if _shadows_torch_module(ctx, receiver):
        return node
    if target is None:  # MindSpore's Tensor lacks the method and has no function for it: say so
        reason, hint = record(function).unmapped
        ctx.flag(node.func, f"torch.Tensor.{method}", reason, f"MindSpore's Tensor has no {method}, nor {function}"
                 + (f"; {hint}" if hint else ""))
        return node
    first = cst.Arg(value=bare(receiver), comma=COMMA if node.args else cst.MaybeSentinel.DEFAULT)
    return cst.Call(func=ctx.emit(target.path), args=[first, *node.args])


def _shadows_torch_module(ctx: FileContext, receiver: cst.BaseExpression) -> bool:
    """`def helper(x, F): F.log_softmax(x)`: a local named like a module alias (the file's own, or
    the usual ones, which a converted file may no longer import) is that module passed in."""
    if not isinstance(receiver, cst.Name):
        return False
    if receiver.value in _MODULE_ALIASES:
        return True
    binding = ctx.module_binding(receiver.value)
    return binding is not None and binding.is_torch and inventory.torch_is_module(binding.qualname)


def _norm(ctx: FileContext, node: cst.Call, method: str):
    """`x.norm(p, dim)` stays MindSpore's Tensor.norm only where that gives torch's answer; elsewhere
    it is `mint.norm(x, p, dim)` (torch.norm's mapping, torch's meaning). MindSpore's ord is a
    *matrix* norm over a 2-tuple dim and over a 2-D input without dim (ord=2: the largest
    singular value, where torch takes the 2-norm of the elements), and on other inputs without
    dim it returns None."""
    if ctx.is_cell(node.func.value):
        return node  # `self.head.norm(x)`: a submodule named norm, no Tensor's method
    args = list(node.args)
    order = next((a.value for i, a in enumerate(args) if keyword(a) in ("p", "ord")
                  or (a.keyword is None and i == 0)), None)
    dim = next((a.value for i, a in enumerate(args) if keyword(a) == "dim" or (a.keyword is None and i == 1)), None)
    if _method_norm_agrees(order, dim):
        return node
    renamed = [a.with_changes(keyword=cst.Name("p")) if keyword(a) == "ord" else
               a.with_changes(keyword=cst.Name("dtype"), equal=TIGHT_EQUAL) if a.keyword is None and i == 3 else a
               for i, a in enumerate(args)]
    first = cst.Arg(value=bare(node.func.value), comma=COMMA if renamed else cst.MaybeSentinel.DEFAULT)
    return cst.Call(func=ctx.emit("mindspore.mint.norm"), args=[first, *renamed])


def _method_norm_agrees(order, dim) -> bool:
    """Does MindSpore's Tensor.norm(ord=order, dim=dim) compute torch's x.norm(order, dim)?
    (Each case run in both: tests/api/cases_tensor_api.py.) Yes for the default norm over any
    dim tuple, the nuclear norm, a number p over one dim, 'fro' over a 2-tuple."""
    default = order is None or (isinstance(order, cst.Name) and order.value == "None")
    if isinstance(dim, cst.List):
        return False  # MindSpore's Tensor.norm refuses a list
    if default or _string_value(order) == "nuc":
        return True
    one_dim = _int_literal(dim) or (isinstance(dim, cst.Tuple) and len(dim.elements) == 1
                                    and _int_literal(dim.elements[0].value))
    pair = isinstance(dim, cst.Tuple) and len(dim.elements) == 2
    if _string_value(order) == "fro":
        return pair
    return bool(one_dim) and _number_literal(order)


def _int_literal(expr) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    return isinstance(expr, cst.Integer)


def _number_literal(expr) -> bool:
    """2, -1, 2.0, float('inf'), -float('inf'), math.inf"""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "float":
        return True
    return isinstance(expr, cst.Attribute) and expr.attr.value == "inf"


def _std(ctx: FileContext, node: cst.Call, method: str):
    """MindSpore's std without correction= is the biased (ddof 0) one; it refuses unbiased= and
    a bool correction. Calls with torch-only keywords get `correction=<int>`; `x.std()` and
    `x.std(1)` could be numpy's (ddof 0, no correction= before numpy 2): flagged."""
    args = list(node.args)
    given = {keyword(a) for a in args}
    if "correction" in given:
        return node
    unbiased = next((i for i, a in enumerate(args) if keyword(a) == "unbiased"), None)
    if unbiased is not None:
        value = args[unbiased].value
        if not (isinstance(value, cst.Name) and value.value in ("True", "False")):
            return node  # the argument rule flags it
        args[unbiased] = args[unbiased].with_changes(
            keyword=cst.Name("correction"), value=cst.Integer("1" if value.value == "True" else "0"))
        ctx.withdraw_flag(node)  # the argument rule's note on unbiased=
        return node.with_changes(args=args)
    positional = sum(1 for a in args if a.keyword is None)
    if given & {"dim", "keepdim"} and positional <= 1:
        args = last_without_comma(args)
        args[-1] = args[-1].with_changes(comma=COMMA)
        return node.with_changes(args=args + [cst.Arg(keyword=cst.Name("correction"), value=cst.Integer("1"),
                                                       equal=TIGHT_EQUAL)])
    ctx.flag(node, "torch.Tensor.std", Reason.MANUAL,
             "MindSpore's std() / std(dim) without correction= is the biased std (ddof 0); "
             "for a tensor pass correction=1 (torch's default)")
    return node


_HANDLERS = {
    "detach": _detach,
    "std": _std,
    "new_full": _new_full,
    "new_tensor": _new_tensor,
    "clamp_max": _clamp_max,
    "norm": _norm,
}


def _with_dtype(ctx: FileContext, args, receiver: cst.BaseExpression) -> List[cst.Arg]:
    args = last_without_comma(args)
    if any(keyword(a) == "dtype" for a in args):
        return args
    dtype = cst.Attribute(value=ctx.duplicate(receiver), attr=cst.Name("dtype"))
    if args:
        args[-1] = args[-1].with_changes(comma=COMMA)
    return args + [cst.Arg(keyword=cst.Name("dtype"), value=dtype, equal=TIGHT_EQUAL)]


def _string_value(expr: cst.BaseExpression):
    return expr.evaluated_value if isinstance(expr, cst.SimpleString) else None
