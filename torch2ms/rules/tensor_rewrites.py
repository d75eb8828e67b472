"""Tensor-method calls MindSpore 2.10 needs written another way (each proven by running
both frameworks: tests/api/cases_tensor_api.py; input/output: tests/test_tensor_rewrites.py).

    x.detach()             ->  ops.stop_gradient(x)
    x.add_(y)              ->  x.copy_(x.add(y))        add_/sub_/mul_/div_ return the result but
                                                        leave x unchanged on CPU
    x.masked_fill_(m, v)   ->  x.copy_(x.masked_fill(m, v))   also clamp_, sigmoid_, tanh_, scatter_
                                                        (no CPU kernel for the in-place op)
    x.sqrt_()              ->  x.copy_(x.sqrt())        any in-place method MindSpore lacks
                                                        while it has the out-of-place one
    x.zero_()              ->  x.copy_(ops.zeros_like(x))
    x.fill_(v)             ->  x.copy_(ops.full_like(x, v))
    x.normal_(m, s)        ->  x.copy_(ops.normal(x.shape, m, s))
    x.uniform_(a, b)       ->  x.copy_(ops.rand_like(x) * (b - a) + a)
    x.bernoulli_(p)        ->  x.copy_(ops.bernoulli(x, p))
    w.data[i].zero_()      ->  w.data[i] = 0            a statement changing part of a tensor:
    w[:, 0].add_(v)        ->  w[:, 0] = w[:, 0].add(v) a slice assignment writes into w itself
    x.new_full(s, v)       ->  mint.full(s, v, dtype=x.dtype)      (new_full is Ascend-only)
    x.new_tensor(d)        ->  mindspore.Tensor(d, dtype=x.dtype)  (no new_tensor method)
    x.max(1).values        ->  x.max(1)[0]              MindSpore returns plain tuples (also
    torch.sort(x).indices  ->  mint.sort(x)[1]          min/sort/topk/median/kthvalue/cummax/cummin)
    x.flip(0)              ->  x.flip((0,))             MindSpore wants a tuple of dims
    x.bincount()           ->  x.bincount().to(mindspore.int64)    (MindSpore counts in float32;
    x.count_nonzero(1)     ->  x.count_nonzero(1).to(mindspore.int64)   count_nonzero in int32)
    x.clamp_max(v)         ->  x.clamp(max=v)           (no clamp_max method)
    x.relu()               ->  mint.nn.functional.relu(x)          (no relu method; also log_softmax,
    x.log_softmax(1)       ->  mint.nn.functional.log_softmax(x, 1)    exp2, kron, ...: method_to_function)
    x.std(dim=1)           ->  x.std(dim=1, correction=1)   (MindSpore's default is ddof 0)
    x.std(dim=1, unbiased=False) -> x.std(dim=1, correction=0)
    x.std()                ->  kept, flagged (could be numpy's std)
    x.norm(1)              ->  kept, flagged: without dim= MindSpore's ord is a matrix norm

`copy_` writes into the tensor itself (it mutates on CPU and in graph mode), so other
names for the same tensor, Parameters and `self.buf` see the change as in torch. The
receiver is written twice, so these rewrites apply only to a name or attribute chain
(`x`, `self.buf`, `p.data`); other receivers of add_/sub_/mul_/div_ are flagged.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, List, Optional, Set

import libcst as cst

from torch2ms.knowledge import inventory, lookup as mapping
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted, in_place_of, iter_names
from torch2ms.convert.cstutil import keyword
from torch2ms.rules.tensor_methods import not_a_tensor

# in-place method -> the out-of-place method whose result copy_ writes back
OUT_OF_PLACE = {
    "add_": "add", "sub_": "sub", "mul_": "mul", "div_": "div",
    "masked_fill_": "masked_fill", "clamp_": "clamp", "sigmoid_": "sigmoid", "tanh_": "tanh",
    "scatter_": "scatter",
}
FILLERS = {"zero_", "fill_", "normal_", "uniform_", "bernoulli_"}
_MODULE_ALIASES = {"F", "nn", "torch", "functional", "init", "np", "numpy", "math", "ops", "mint"}
# in-place methods whose result has another shape: copy_ cannot stand for them
SHAPE_CHANGING = {"resize_", "squeeze_", "unsqueeze_", "t_", "transpose_", "swapaxes_", "swapdims_"}
# MindSpore's index_add wants int32 indices: the in-place method (a CPU stand-in) is kept
KEEP_IN_PLACE = {"index_add_"}


@lru_cache(maxsize=None)
def _derived_out_of_place() -> Dict[str, str]:
    """`sqrt_` -> `sqrt` for every torch in-place Tensor method MindSpore lacks while it has the
    out-of-place one (from the API inventories, data/torch_api.json and data/ms_api.json)."""
    found = {}
    for path in inventory.torch_names("torch.Tensor."):
        method = path.rsplit(".", 1)[1]
        if not method.endswith("_") or method.endswith("__") or method in SHAPE_CHANGING | KEEP_IN_PLACE:
            continue
        plain = method[:-1]
        if inventory.torch_kind(path) != "method" or inventory.torch_kind(f"torch.Tensor.{plain}") != "method":
            continue
        if inventory.ms_exists(f"mindspore.Tensor.{plain}") and not inventory.ms_exists(f"mindspore.Tensor.{method}"):
            found[method] = plain
    return found


def out_of_place(method: str) -> Optional[str]:
    """The out-of-place method whose result `copy_` writes back for an in-place one, or None."""
    return OUT_OF_PLACE.get(method) or _derived_out_of_place().get(method)
NOT_MUTATING = {"add_", "sub_", "mul_", "div_"}  # the others fail loudly on CPU; these do not
# methods (and torch functions) whose torch result is a (values, indices) namedtuple
NAMED_PAIRS = {"max", "min", "sort", "topk", "median", "kthvalue", "cummax", "cummin"}
NEEDS_DIM = {"max", "min", "median", "cummax", "cummin"}  # without dim they return one tensor
FIELDS = {"values": "0", "indices": "1"}
CAST_INT64 = {"bincount", "count_nonzero"}  # MindSpore counts in float32 / int32, torch in int64

_TIGHT = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
_COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
_TIGHTER = (cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.MatrixMultiply, cst.Power)
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString)


class TensorRewrites:
    def __init__(self) -> None:
        self._cast_already: Set[int] = set()  # ids of count calls written `.to(...)` already

    def visit_Call(self, ctx: FileContext, node: cst.Call) -> None:
        # `x.bincount().to(mindspore.int64)` (converted code converted again) stays as it is.
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "to" and isinstance(func.value, cst.Call):
            inner = func.value.func
            if isinstance(inner, cst.Attribute) and inner.attr.value in CAST_INT64:
                self._cast_already.add(id(func.value))

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if id(original) in self._cast_already:
            return updated
        func = updated.func
        if not isinstance(func, cst.Attribute) or not isinstance(original.func, cst.Attribute):
            return updated
        method = func.attr.value
        if method != original.func.attr.value or ctx.qualname(original.func) is not None:
            return updated
        if any(a.star for a in updated.args) or not_a_tensor(ctx, func.value):
            return updated
        handler = _HANDLERS.get(method)
        if handler is None and f"torch.Tensor.{method}" in mapping.method_to_function():
            handler = _as_function
        if handler is None and (out_of_place(method) or method in FILLERS):
            handler = _in_place
        if handler is None:
            return updated
        result = handler(ctx, updated, method)
        if result is not updated:
            _unflag(ctx, func)
            result = in_place_of(updated, result)
        return result

    def leave_Expr(self, ctx: FileContext, original: cst.Expr, updated: cst.Expr):
        """`w[i].zero_()` / `w[:, 0].mul_(2)` as statements -> `w[i] = 0` / `w[:, 0] = w[:, 0].mul(2)`:
        torch changes a view of w; MindSpore's indexing may copy, its slice assignment writes into w."""
        call = updated.value
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute) or call.lpar:
            return updated
        method, part = call.func.attr.value, call.func.value
        if not out_of_place(method) and method not in FILLERS:
            return updated
        if not isinstance(part, cst.Subscript) or not _simple(part.value) or any(a.star for a in call.args):
            return updated
        if not all(_basic_index(e.slice) for e in part.slice) or not_a_tensor(ctx, part.value):
            return updated
        if method == "zero_" and not call.args:
            value = cst.Integer("0")
        elif method == "fill_" and len(call.args) == 1 and keyword(call.args[0]) in (None, "value"):
            value = call.args[0].value
        else:
            value = _new_content(ctx, call, method, part)
        if value is None:
            return updated
        _unflag(ctx, call.func)
        ctx.flags[:] = [f for f in ctx.flags if f.node is not call]  # a "manual rewrite" note on it
        return cst.Assign(targets=[cst.AssignTarget(target=part)], value=value, semicolon=updated.semicolon)

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        """`x.max(1).values` -> `x.max(1)[0]`: MindSpore's result is a plain tuple."""
        index = FIELDS.get(original.attr.value)
        call = original.value
        if index is None or not isinstance(call, cst.Call) or not isinstance(updated.value, cst.Call):
            return updated
        qualname = ctx.qualname(call.func)
        if qualname is not None:
            name = qualname[len("torch."):] if qualname.startswith("torch.") else None
            receiver_args = 1  # torch.max(x, 1): the tensor is the first argument
        elif isinstance(call.func, cst.Attribute) and not not_a_tensor(ctx, call.func.value):
            name, receiver_args = call.func.attr.value, 0
        else:
            return updated
        if name not in NAMED_PAIRS:
            return updated
        if name in NEEDS_DIM and not _has_dim(call, receiver_args):
            return updated
        element = cst.SubscriptElement(slice=cst.Index(value=cst.Integer(index)))
        return in_place_of(updated, cst.Subscript(value=updated.value, slice=[element]))


# ---- the handlers: (ctx, call, method) -> the replacement, or the call itself -------------
def _detach(ctx: FileContext, call: cst.Call, method: str):
    if call.args:
        return call
    return cst.Call(func=ctx.emit("mindspore.ops.stop_gradient"), args=[cst.Arg(value=_bare(call.func.value))])


def _in_place(ctx: FileContext, call: cst.Call, method: str):
    receiver = call.func.value
    if not _simple(receiver):
        if method in NOT_MUTATING:
            ctx.flag(call, f"torch.Tensor.{method}", mapping.MANUAL,
                     f"MindSpore's {method} leaves the tensor unchanged on CPU; "
                     f"name it and write t.copy_(t.{OUT_OF_PLACE[method]}(...))")
        return call
    value = _new_content(ctx, call, method, receiver)
    if value is None:
        return call
    return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name("copy_")), args=[cst.Arg(value=value)])


def _new_content(ctx: FileContext, call: cst.Call, method: str, receiver: cst.BaseExpression):
    """What an in-place method leaves in its receiver, as an expression (None: not expressible)."""
    if method in FILLERS:
        return _filler(ctx, call, method, receiver)
    return cst.Call(func=cst.Attribute(value=_twice(ctx, receiver), attr=cst.Name(out_of_place(method))),
                    args=_last_without_comma(call.args))


def _filler(ctx: FileContext, call: cst.Call, method: str, receiver: cst.BaseExpression):
    """The new content of the tensor for zero_/fill_/normal_/uniform_/bernoulli_ (None: keep)."""
    names = {"zero_": (), "fill_": ("value",), "normal_": ("mean", "std"), "uniform_": ("from", "to"),
             "bernoulli_": ("p",)}[method]
    given = _bind(call, names)
    if given is None:
        return None
    again = _twice(ctx, receiver)
    if method == "zero_":
        return _call(ctx.emit("mindspore.ops.zeros_like"), again)
    if method == "fill_":
        return _call(ctx.emit("mindspore.ops.full_like"), again, given["value"]) if "value" in given else None
    if method == "bernoulli_":
        return _call(ctx.emit("mindspore.ops.bernoulli"), again, *([given["p"]] if "p" in given else []))
    if method == "normal_":
        shape = cst.Attribute(value=again, attr=cst.Name("shape"))
        mean = given.get("mean", cst.Float("0.0"))
        std = given.get("std", cst.Float("1.0"))
        return _call(ctx.emit("mindspore.ops.normal"), shape, mean, std)
    draw = _call(ctx.emit("mindspore.ops.rand_like"), again)
    low, high = given.get("from"), given.get("to")
    if low is None and high is None:
        return draw
    low = low if low is not None else cst.Integer("0")
    high = high if high is not None else cst.Integer("1")
    width = cst.BinaryOperation(left=_operand(high, left=True), operator=cst.Subtract(),
                                right=_operand(low, left=False), lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    scaled = cst.BinaryOperation(left=draw, operator=cst.Multiply(), right=width)
    return cst.BinaryOperation(left=scaled, operator=cst.Add(), right=_operand(low.deep_clone(), left=False))


def _new_full(ctx: FileContext, call: cst.Call, method: str):
    receiver = call.func.value
    if not _simple(receiver):
        ctx.flag(call, "torch.Tensor.new_full", mapping.MANUAL,
                 "MindSpore's new_full is Ascend-only; use mint.full(size, value, dtype=t.dtype)")
        return call
    return cst.Call(func=ctx.emit("mindspore.mint.full"), args=_with_dtype(ctx, call.args, receiver))


def _new_tensor(ctx: FileContext, call: cst.Call, method: str):
    receiver = call.func.value
    if not _simple(receiver):
        return call  # left flagged: the table gives it no counterpart
    return cst.Call(func=ctx.emit("mindspore.Tensor"), args=_with_dtype(ctx, call.args, receiver))


def _flip(ctx: FileContext, call: cst.Call, method: str):
    """`x.flip(0)` -> `x.flip((0,))` (several dims are packed by the argument rule)."""
    if len(call.args) != 1 or not _int_literal(call.args[0].value):
        return call
    arg = call.args[0]
    packed = cst.Tuple(elements=[cst.Element(value=arg.value, comma=cst.Comma())])
    return call.with_changes(args=[arg.with_changes(value=packed)])


def _count(ctx: FileContext, call: cst.Call, method: str):
    """`x.bincount()` / `x.count_nonzero(1)` -> `(...).to(mindspore.int64)`."""
    weighted = method == "bincount" and any(
        keyword(a) == "weights" or (a.keyword is None and i == 0) for i, a in enumerate(call.args))
    if weighted:
        return call  # float weights: float counts in both frameworks
    return _call(cst.Attribute(value=call, attr=cst.Name("to")), ctx.emit("mindspore.int64"))


def _clamp_max(ctx: FileContext, call: cst.Call, method: str):
    if len(call.args) != 1 or keyword(call.args[0]) not in (None, "max"):
        return call
    arg = call.args[0].with_changes(keyword=cst.Name("max"), equal=_TIGHT, comma=cst.MaybeSentinel.DEFAULT)
    return call.with_changes(func=call.func.with_changes(attr=cst.Name("clamp")), args=[arg])


def _as_function(ctx: FileContext, call: cst.Call, method: str):
    """`x.log_softmax(1)` -> `mint.nn.functional.log_softmax(x, 1)` (data: method_to_function)."""
    function = mapping.method_to_function()[f"torch.Tensor.{method}"]
    target = mapping.lookup(function)
    receiver = call.func.value
    if target is None or _shadows_torch_module(ctx, receiver):
        return call
    first = cst.Arg(value=_bare(receiver), comma=_COMMA if call.args else cst.MaybeSentinel.DEFAULT)
    return cst.Call(func=ctx.emit(target.path), args=[first, *call.args])


def _shadows_torch_module(ctx: FileContext, receiver: cst.BaseExpression) -> bool:
    """`def helper(x, F): F.log_softmax(x)`: a local named like a module alias (the file's own, or
    the usual ones, which a converted file may no longer import) is that module passed in."""
    if not isinstance(receiver, cst.Name):
        return False
    if receiver.value in _MODULE_ALIASES:
        return True
    binding = ctx.module_scope.names.get(receiver.value)
    return binding is not None and binding.is_torch and inventory.torch_is_module(binding.qualname)


def _norm(ctx: FileContext, call: cst.Call, method: str):
    """Flagged, not rewritten: torch's p without dim is a norm of all elements, MindSpore's
    ord on a 2-D input a matrix norm (ord=1: max column sum); the same with dim= or 1-D."""
    order = next((a.value for i, a in enumerate(call.args)
                  if keyword(a) in ("p", "ord") or (a.keyword is None and i == 0)), None)
    has_dim = any(keyword(a) == "dim" or (a.keyword is None and i == 1) for i, a in enumerate(call.args))
    if order is None or has_dim or _string_value(order) == "fro" or (
            isinstance(order, cst.Name) and order.value == "None"):
        return call
    ctx.flag(call, "torch.Tensor.norm", mapping.MANUAL,
             "without dim=, MindSpore's ord is a matrix norm on 2-D input (torch: the norm of all "
             "elements); pass dim= or flatten first")
    return call


def _std(ctx: FileContext, call: cst.Call, method: str):
    """MindSpore's std without correction= is the biased (ddof 0) one; it refuses unbiased= and
    a bool correction. Calls with torch-only keywords get `correction=<int>`; `x.std()` and
    `x.std(1)` could be numpy's (ddof 0, no correction= before numpy 2): flagged."""
    args = list(call.args)
    given = {keyword(a) for a in args}
    if "correction" in given:
        return call
    unbiased = next((i for i, a in enumerate(args) if keyword(a) == "unbiased"), None)
    if unbiased is not None:
        value = args[unbiased].value
        if not (isinstance(value, cst.Name) and value.value in ("True", "False")):
            return call  # the argument rule flags it
        args[unbiased] = args[unbiased].with_changes(
            keyword=cst.Name("correction"), value=cst.Integer("1" if value.value == "True" else "0"))
        ctx.flags[:] = [f for f in ctx.flags if f.node is not call]  # the argument rule's note
        return call.with_changes(args=args)
    positional = sum(1 for a in args if a.keyword is None)
    if given & {"dim", "keepdim"} and positional <= 1:
        args = _last_without_comma(args)
        args[-1] = args[-1].with_changes(comma=_COMMA)
        return call.with_changes(args=args + [cst.Arg(keyword=cst.Name("correction"), value=cst.Integer("1"),
                                                       equal=_TIGHT)])
    ctx.flag(call, "torch.Tensor.std", mapping.MANUAL,
             "MindSpore's std() / std(dim) without correction= is the biased std (ddof 0); "
             "for a tensor pass correction=1 (torch's default)")
    return call


_HANDLERS = {
    "detach": _detach,
    "std": _std,
    "new_full": _new_full,
    "new_tensor": _new_tensor,
    "flip": _flip,
    "bincount": _count,
    "count_nonzero": _count,
    "clamp_max": _clamp_max,
    "norm": _norm,
}


# ---- helpers ------------------------------------------------------------------------------
def _simple(receiver: cst.BaseExpression) -> bool:
    """A name or attribute chain: evaluating it twice has no side effect."""
    return dotted(receiver) is not None and not receiver.lpar


def _basic_index(part: cst.BaseSlice) -> bool:
    """An int, a slice, `...`, or a name (an index held in a variable): torch indexes a view.
    Lists, masks and calls index a copy in torch, so filling them changes nothing there."""
    if isinstance(part, cst.Slice):
        return True
    value = part.value
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        value = value.expression
    return isinstance(value, (cst.Integer, cst.Ellipsis)) or dotted(value) is not None


def _bare(expr: cst.BaseExpression) -> cst.BaseExpression:
    return expr.with_changes(lpar=[], rpar=[]) if getattr(expr, "lpar", None) else expr


def _twice(ctx: FileContext, receiver: cst.BaseExpression) -> cst.BaseExpression:
    """A copy of the receiver for its second use; its names count as uses like the first."""
    clone = receiver.deep_clone()
    for old, new in zip(iter_names(receiver), iter_names(clone)):
        entry = ctx.use_of.get(id(old))
        if entry is not None:
            ctx.count_use(new, entry[1])
    return clone


def _call(func: cst.BaseExpression, *values: cst.BaseExpression) -> cst.Call:
    args = [cst.Arg(value=v, comma=_COMMA) for v in values[:-1]]
    if values:
        args.append(cst.Arg(value=values[-1]))
    return cst.Call(func=func, args=args)


def _last_without_comma(args) -> List[cst.Arg]:
    args = list(args)
    if args and args[-1].comma is not cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return args


def _bind(call: cst.Call, names) -> Optional[Dict[str, cst.BaseExpression]]:
    """Arguments by parameter name; None if the call has others (generator=, ...)."""
    given: Dict[str, cst.BaseExpression] = {}
    for i, arg in enumerate(call.args):
        name = keyword(arg) if arg.keyword is not None else (names[i] if i < len(names) else None)
        if name not in names:
            return None
        given[name] = arg.value
    return given


def _with_dtype(ctx: FileContext, args, receiver: cst.BaseExpression) -> List[cst.Arg]:
    args = _last_without_comma(args)
    if any(keyword(a) == "dtype" for a in args):
        return args
    dtype = cst.Attribute(value=_twice(ctx, receiver), attr=cst.Name("dtype"))
    if args:
        args[-1] = args[-1].with_changes(comma=_COMMA)
    return args + [cst.Arg(keyword=cst.Name("dtype"), value=dtype, equal=_TIGHT)]


def _operand(expr: cst.BaseExpression, left: bool) -> cst.BaseExpression:
    """`expr` as an operand of + or - (bracketed where precedence, or a sign, asks for it)."""
    if isinstance(expr, _ATOMS) or getattr(expr, "lpar", None):
        return expr
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, _TIGHTER) or (left and isinstance(expr.operator, (cst.Add, cst.Subtract))):
            return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _int_literal(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus):
        expr = expr.expression
    return isinstance(expr, cst.Integer)


def _string_value(expr: cst.BaseExpression) -> Optional[str]:
    return expr.evaluated_value if isinstance(expr, cst.SimpleString) else None


def _has_dim(call: cst.Call, receiver_args: int) -> bool:
    return any(keyword(a) == "dim" or (a.keyword is None and i >= receiver_args)
               for i, a in enumerate(call.args))


def _unflag(ctx: FileContext, func: cst.Attribute) -> None:
    """The method is gone: drop what TensorMethods noted about its name."""
    ctx.flags[:] = [f for f in ctx.flags if f.node is not func]
