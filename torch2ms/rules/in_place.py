"""In-place Tensor methods keep their effect on the tensor itself.

`x.add_(y)` becomes `x.copy_(x.add(y))`: MindSpore 2.10's add_/sub_/mul_/div_ return the result
but leave x unchanged on CPU, and many in-place methods (masked_fill_, clamp_, sqrt_, ...) are
missing or have no CPU kernel; every torch in-place method whose out-of-place form MindSpore
has while it lacks the in-place one is covered (data: tensor_methods.json `in_place`, plus
those derived from the two API inventories). Fillers build the new content from MindSpore
ops: `x.zero_()` -> `x.copy_(ops.zeros_like(x))`, also fill_, normal_, uniform_, bernoulli_.

`copy_` writes into the tensor itself (it mutates on CPU and in graph mode), so other names for
the same tensor, Parameters and `self.buf` see the change as in torch. The receiver is written
twice, so this applies only to a name or attribute chain (`x`, `self.buf`, `p.data`). A receiver
nobody else holds (an arithmetic result, `(a * b).mul_(2)`, an out-of-place method's result,
`x.clamp(0, 1).mul_(255).round_()`, or a method of the class whose every return is one) needs no
write-back: the method's out-of-place form is the same value. Other receivers of in-place
methods MindSpore lacks, or that do nothing on CPU, are flagged.

A statement changing part of a tensor (`w.data[i].zero_()`, `w[:, 0].mul_(2)`) becomes a slice
assignment (`w.data[i] = 0`, `w[:, 0] = w[:, 0].mul(2)`): torch changes a view of w, and
MindSpore's indexing may copy while its slice assignment writes into w. Only for basic
indexes (ints, slices, `...`, names): a list, mask or call index is a copy in torch too.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Dict, Optional

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import call, dotted, in_place_of, is_plain_reference, keyword, last_without_comma
from torch2ms.convert.results import Reason
from torch2ms.knowledge import extras, inventory
from torch2ms.rules.base import Rule, change, keep, tensor_method

_TIGHTER = (cst.Multiply, cst.Divide, cst.FloorDivide, cst.Modulo, cst.MatrixMultiply, cst.Power)
_ATOMS = (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString)


class InPlaceMethods(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            x = torch.tensor([1.0, 4.0, 9.0])
            alias = x
            x.add_(1)
            x.sqrt_()
            y = torch.ones(3)
            y.zero_()
            w = torch.ones(3, 2)
            w[:, 0].mul_(3)
            w[1].fill_(5.0)
            """,
            """
            import mindspore
            from mindspore import mint, ops

            x = mindspore.Tensor([1.0, 4.0, 9.0])
            alias = x
            x.copy_(x.add(1))
            x.copy_(x.sqrt())
            y = mint.ones(3)
            y.copy_(ops.zeros_like(y))
            w = mint.ones((3, 2))
            w[:, 0] = w[:, 0].mul(3)
            w[1] = 5.0
            """,
            run=("x", "alias", "y", "w"),
            note="the alias sees the change, as in torch",
        ),
        change(
            """
            import torch

            def bump(layers):
                layers[0].weight.add_(1)
            """,
            """

            def bump(layers):
                layers[0].weight.add_(1)  # torch2ms: torch.Tensor.add_ needs a manual rewrite (hint: MindSpore's add_ leaves the tensor unchanged on CPU; name it and write t.copy_(t.add(...)))
            """,
            note="a receiver that cannot be written twice is flagged, never half-rewritten",
        ),
        change(
            """
            import torch

            mask = torch.empty(3, 3).fill_(float("-inf")).triu_(1)
            """,
            """
            from mindspore import mint, ops

            mask = ops.full_like(mint.empty(3, 3), float("-inf")).triu(1)
            """,
            run=("mask",),
            note="a chain on a new tensor takes the out-of-place forms, triu_ included",
        ),
        change(
            """
            import torch


            class Quantize:
                def scale(self, x):
                    return x.div(6).add(0.5).clamp(0, 1)

                def run(self, x):
                    return self.scale(x).mul_(255).round_(), (x * 2).sub_(1)


            codes, shifted = Quantize().run(torch.tensor([-4.0, 0.3, 2.0]))
            """,
            """
            import mindspore


            class Quantize:
                def scale(self, x):
                    return x.div(6).add(0.5).clamp(0, 1)

                def run(self, x):
                    return self.scale(x).mul(255).round(), (x * 2).sub(1)


            codes, shifted = Quantize().run(mindspore.Tensor([-4.0, 0.3, 2.0]))
            """,
            run=("codes", "shifted"),
            note="nobody else holds these tensors: the out-of-place form is the same value",
        ),
        keep(
            """
            import torch

            w = torch.ones(4)
            w[[0, 2]].zero_()
            w.index_add_(0, torch.tensor([1]), torch.ones(1))
            """,
            """
            import mindspore
            from mindspore import mint

            w = mint.ones(4)
            w[[0, 2]].zero_()
            w.index_add_(0, mindspore.Tensor([1]), mint.ones(1))
            """,
            note="a list index is a copy in torch too (the statement changes nothing there); index_add_ is kept",
        ),
        change(
            """
            import torch

            ema = torch.ones(3)
            w = torch.arange(3.0)
            ema.mul_(0.9).add_(w, alpha=0.1).clamp_(0.0, 0.5)
            y = torch.zeros(3)
            y.copy_(w).sub_(1)
            """,
            """
            from mindspore import mint

            ema = mint.ones(3)
            w = mint.arange(3.0)
            ema.copy_(ema.mul(0.9).add(w, alpha=0.1).clamp(0.0, 0.5))
            y = mint.zeros(3)
            y.copy_(w.sub(1))
            """,
            run=("ema", "y"),
            note="a chain of in-place methods (an EMA update) is one copy_: each returns the tensor itself",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        method = tensor_method(ctx, original, updated)
        if method is None or not (extras.out_of_place(method) or method in extras.tensor_facts().fillers):
            return updated
        if _fresh(ctx, original.func.value):
            result = _on_a_temporary(ctx, updated, method)
        else:
            result = _in_place(ctx, updated, method)
        if result is not updated:
            ctx.withdraw_flag(updated.func)
            result = in_place_of(updated, result)
        return result

    def leave_Expr(self, ctx: FileContext, original: cst.Expr, updated: cst.Expr):
        """`w[i].zero_()` / `w[:, 0].mul_(2)` as statements -> `w[i] = 0` / `w[:, 0] = w[:, 0].mul(2)`."""
        node = updated.value
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute) or node.lpar:
            return updated
        method, part = node.func.attr.value, node.func.value
        fillers = extras.tensor_facts().fillers
        if not extras.out_of_place(method) and method not in fillers:
            return updated
        if not isinstance(part, cst.Subscript) or not is_plain_reference(part.value) or any(a.star for a in node.args):
            return updated
        if not all(_basic_index(e.slice) for e in part.slice) or ctx.not_a_tensor(part.value):
            return updated
        if method == "zero_" and not node.args:
            value = cst.Integer("0")
        elif method == "fill_" and len(node.args) == 1 and keyword(node.args[0]) in (None, "value"):
            value = node.args[0].value
        else:
            value = _new_content(ctx, node, method, part)
        if value is None:
            return updated
        ctx.withdraw_flag(node.func)
        ctx.withdraw_flag(node)  # a "manual rewrite" note on it
        return cst.Assign(targets=[cst.AssignTarget(target=part)], value=value, semicolon=updated.semicolon)


def _in_place(ctx: FileContext, node: cst.Call, method: str):
    receiver = node.func.value
    chained = _copied(receiver)
    if chained is not None and method not in extras.tensor_facts().fillers:
        # `x.mul_(a).add_(b)`: copy_ returns x, so `x.copy_(V).add_(b)` is `x.copy_(V.add(b))`
        target, value = chained
        value = cst.Call(func=cst.Attribute(value=value, attr=cst.Name(extras.out_of_place(method))),
                         args=last_without_comma(node.args))
        return cst.Call(func=cst.Attribute(value=target, attr=cst.Name("copy_")), args=[cst.Arg(value=value)])
    if not is_plain_reference(receiver):
        if method in extras.tensor_facts().not_mutating_on_cpu:
            ctx.flag(node, f"torch.Tensor.{method}", Reason.MANUAL,
                     f"MindSpore's {method} leaves the tensor unchanged on CPU; "
                     f"name it and write t.copy_(t.{extras.out_of_place(method)}(...))")
        elif extras.out_of_place(method) and not inventory.ms_kind(f"mindspore.Tensor.{method}"):
            ctx.flag(node, f"torch.Tensor.{method}", Reason.MANUAL,
                     f"MindSpore's Tensor has no {method}; name the tensor and write "
                     f"t.copy_(t.{extras.out_of_place(method)}(...))")
        return node
    value = _new_content(ctx, node, method, receiver)
    if value is None:
        return node
    return cst.Call(func=cst.Attribute(value=receiver, attr=cst.Name("copy_")), args=[cst.Arg(value=value)])


def _copied(node: cst.BaseExpression):
    """(x, V) for `x.copy_(V)` on a name or attribute chain, else None."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "copy_" \
            and is_plain_reference(node.func.value) and len(node.args) == 1 and not node.args[0].star \
            and not node.args[0].keyword and not node.lpar:
        return node.func.value, node.args[0].value
    return None


_FACTORIES = {"torch.empty", "torch.zeros", "torch.ones", "torch.full", "torch.arange", "torch.rand", "torch.randn",
              "torch.eye", "torch.tensor", "torch.linspace", "torch.empty_like", "torch.zeros_like",
              "torch.ones_like", "torch.full_like", "torch.rand_like", "torch.randn_like"}


def _fresh(ctx: FileContext, node: cst.BaseExpression) -> bool:
    """Does the expression make a tensor nobody else holds? An arithmetic result, a torch factory's
    result, an allocating method's result, an in-place method on such a tensor
    (`torch.empty(n, n).fill_(v)`), or a call of a method of the class whose every return is one."""
    if isinstance(node, (cst.BinaryOperation, cst.UnaryOperation)):
        return not isinstance(node, cst.UnaryOperation) or not isinstance(node.operator, cst.Not)
    if not isinstance(node, cst.Call):
        return False
    qualname = ctx.qualname(node.func)
    if qualname in _FACTORIES:
        return True
    if not isinstance(node.func, cst.Attribute) or qualname is not None:
        return False
    method, receiver = node.func.attr.value, node.func.value
    if dotted(receiver) == "self":
        return _returns_fresh(ctx, method)
    if ctx.not_a_tensor(receiver):
        return False
    if method.endswith("_") and not method.endswith("__"):
        return _fresh(ctx, receiver)  # torch's in-place methods return their receiver
    return method in _allocating()


@lru_cache(maxsize=None)
def _allocating() -> frozenset:
    """Tensor methods whose result is always a new tensor: the out-of-place twins of torch's in-place
    methods (add, clamp, round, ...; from the torch inventory), views aside (detach, as_strided and
    the shape-changing ones). `.to()`/`.float()`/`.contiguous()` may return the receiver itself."""
    facts = extras.tensor_facts()
    found = set()
    for path in inventory.torch_names("torch.Tensor."):
        method = path.rsplit(".", 1)[1]
        if method.endswith("_") and not method.endswith("__") and method not in facts.shape_changing:
            plain = method[:-1]
            if inventory.torch_kind(f"torch.Tensor.{plain}") == "method" and plain not in _VIEWS:
                found.add(plain)
    return frozenset(found)


_VIEWS = {"detach", "as_strided"}


def _returns_fresh(ctx: FileContext, method: str) -> bool:
    """Is every `return` of method `method` of the class being walked a tensor nobody else holds?"""
    cls = ctx.current_class
    if cls is None:
        return False
    for statement in ctx.module.body:
        if isinstance(statement, cst.ClassDef) and statement.name.value == cls.name:
            for item in statement.body.body:
                if isinstance(item, cst.FunctionDef) and item.name.value == method:
                    returns = _returns(item.body)
                    return bool(returns) and all(r.value is not None and _fresh(ctx, r.value) for r in returns)
    return False


def _returns(node: cst.CSTNode):
    """The return statements of a function body (not of functions nested in it)."""
    found, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Return):
            found.append(current)
        elif not isinstance(current, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            stack.extend(current.children)
    return found


def _on_a_temporary(ctx: FileContext, node: cst.Call, method: str):
    """An in-place method on a tensor nobody else holds: its out-of-place form (the same value)."""
    value = _new_content(ctx, node, method, node.func.value)
    return node if value is None else value


def _new_content(ctx: FileContext, node: cst.Call, method: str, receiver: cst.BaseExpression):
    """What an in-place method leaves in its receiver, as an expression (None: not expressible)."""
    if method in extras.tensor_facts().fillers:
        return _filler(ctx, node, method, receiver)
    return cst.Call(func=cst.Attribute(value=ctx.duplicate(receiver), attr=cst.Name(extras.out_of_place(method))),
                    args=last_without_comma(node.args))


def _filler(ctx: FileContext, node: cst.Call, method: str, receiver: cst.BaseExpression):
    """The new content of the tensor for zero_/fill_/normal_/uniform_/bernoulli_ (None: keep)."""
    given = _bind(node, extras.tensor_facts().fillers[method])
    if given is None:
        return None
    again = ctx.duplicate(receiver)
    if method == "zero_":
        return call(ctx.emit("mindspore.ops.zeros_like"), again)
    if method == "fill_":
        return call(ctx.emit("mindspore.ops.full_like"), again, given["value"]) if "value" in given else None
    if method == "bernoulli_":
        return call(ctx.emit("mindspore.ops.bernoulli"), again, *([given["p"]] if "p" in given else []))
    if method == "normal_":
        shape = cst.Attribute(value=again, attr=cst.Name("shape"))
        mean = given.get("mean", cst.Float("0.0"))
        std = given.get("std", cst.Float("1.0"))
        return call(ctx.emit("mindspore.ops.normal"), shape, mean, std)
    draw = call(ctx.emit("mindspore.ops.rand_like"), again)
    low, high = given.get("from"), given.get("to")
    if low is None and high is None:
        return draw
    low = low if low is not None else cst.Integer("0")
    high = high if high is not None else cst.Integer("1")
    width = cst.BinaryOperation(left=_operand(high, left=True), operator=cst.Subtract(),
                                right=_operand(low, left=False), lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    scaled = cst.BinaryOperation(left=draw, operator=cst.Multiply(), right=width)
    return cst.BinaryOperation(left=scaled, operator=cst.Add(), right=_operand(low.deep_clone(), left=False))


def _basic_index(part: cst.BaseSlice) -> bool:
    """An int, a slice, `...`, or a name (an index held in a variable): torch indexes a view.
    Lists, masks and calls index a copy in torch, so filling them changes nothing there."""
    if isinstance(part, cst.Slice):
        return True
    value = part.value
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        value = value.expression
    return isinstance(value, (cst.Integer, cst.Ellipsis)) or dotted(value) is not None


def _bind(node: cst.Call, names) -> Optional[Dict[str, cst.BaseExpression]]:
    """Arguments by parameter name; None if the call has others (generator=, ...)."""
    given: Dict[str, cst.BaseExpression] = {}
    for i, arg in enumerate(node.args):
        name = keyword(arg) if arg.keyword is not None else (names[i] if i < len(names) else None)
        if name not in names:
            return None
        given[name] = arg.value
    return given


def _operand(expr: cst.BaseExpression, left: bool) -> cst.BaseExpression:
    """`expr` as an operand of + or - (bracketed where precedence, or a sign, asks for it)."""
    if isinstance(expr, _ATOMS) or getattr(expr, "lpar", None):
        return expr
    if isinstance(expr, cst.BinaryOperation):
        if isinstance(expr.operator, _TIGHTER) or (left and isinstance(expr.operator, (cst.Add, cst.Subtract))):
            return expr
    return expr.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
