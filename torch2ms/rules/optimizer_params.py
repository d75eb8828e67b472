"""What a torch optimizer is given, and what code reads back from it, in MindSpore's terms.

A torch optimizer takes `model.parameters()` (frozen ones included: it skips those without a
gradient); MindSpore's trains every Parameter it holds, so it gets `model.trainable_params()`
(`filter(lambda p: p.requires_grad, ...)` and `[p for p in ... if p.requires_grad]` say the
same and go). Parameter groups (`[{"params": ..., "weight_decay": 0.0}, ...]`) keep their
form. MindSpore keeps a group's learning rate as a Parameter, and a scheduler's
`get_last_lr()` as tensors: reading one as a number (`optimizer.param_groups[0]["lr"]`,
`scheduler.get_last_lr()[0]`) goes through `float()`.
"""
from __future__ import annotations

from typing import Set

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import COMMA, dotted, in_place_of, iter_names, keyword
from torch2ms.convert.results import Reason
from torch2ms.knowledge import inventory, training
from torch2ms.rules.base import Rule, change, keep

_PARAMETER_LISTS = {"parameters", "get_parameters"}


def is_optimizer_class(qualname: str) -> bool:
    """torch.optim.SGD, torch.optim.AdamW, ... (not the schedulers, not the base class)."""
    if not qualname.startswith("torch.optim.") or qualname.startswith("torch.optim.lr_scheduler."):
        return False
    name = qualname.rpartition(".")[2]
    return name != "Optimizer" and name[:1].isupper() and inventory.torch_kind(qualname) == "class"


def _requires_grad_test(expr: cst.BaseExpression, var: str) -> bool:
    """`p.requires_grad` for the loop/lambda variable p."""
    return (isinstance(expr, cst.Attribute) and expr.attr.value == "requires_grad"
            and isinstance(expr.value, cst.Name) and expr.value.value == var)


def _parameter_list(expr: cst.BaseExpression) -> bool:
    return (isinstance(expr, cst.Call) and not expr.args and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "parameters")


class OptimizerParams(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn

            torch.manual_seed(0)
            first = nn.Linear(3, 4)
            first.requires_grad_(False)
            model = nn.Sequential(first, nn.Linear(4, 2))
            opt = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.5)
            decay = [p for n, p in model.named_parameters() if n.endswith("weight")]
            rest = [p for n, p in model.named_parameters() if not n.endswith("weight")]
            adam = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}])
            lr = opt.param_groups[0]["lr"] * 2
            count = len(opt.param_groups[0]["params"])
            groups = len(adam.param_groups)
            """,
            """
            import mindspore
            from mindspore import mint, nn

            mindspore.manual_seed(0)
            first = mint.nn.Linear(3, 4)
            for param in first.get_parameters():
                param.requires_grad = False
            model = nn.SequentialCell(first, mint.nn.Linear(4, 2)).set_train(True)
            opt = mint.optim.SGD(model.trainable_params(), lr=0.5)
            decay = [p for n, p in model.parameters_and_names() if n.endswith("weight")]
            rest = [p for n, p in model.parameters_and_names() if not n.endswith("weight")]
            adam = mint.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}])
            lr = float(opt.param_groups[0]["lr"]) * 2
            count = len(opt.param_groups[0]["params"])
            groups = len(adam.param_groups)
            """,
            run=("lr", "count", "groups"),
            note="the frozen layer's parameters stay out of the optimizer; a learning rate read is a float",
        ),
        change(
            """
            import torch

            model = torch.nn.Linear(2, 1)
            opt = torch.optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.01}], lr=0.1)
            sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
            rates = []
            for step in range(6):
                sched.step()
                if step % 3 == 1:
                    opt.param_groups[1]["lr"] *= 0.8
                for group in opt.param_groups:
                    if step == 4:
                        group["lr"] = 0.05
                rates.append([opt.param_groups[0]["lr"], opt.param_groups[1]["lr"]])
            out = torch.tensor(rates)
            """,
            """
            import mindspore
            from mindspore import mint, ops

            model = mint.nn.Linear(2, 1)
            opt = mint.optim.SGD([{"params": [model.weight]}, {"params": [model.bias], "lr": 0.01}], lr=0.1)
            sched = mindspore.experimental.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
            rates = []
            for step in range(6):
                sched.step()
                if step % 3 == 1:
                    ops.assign(opt.param_groups[1]["lr"], mindspore.Tensor(float(opt.param_groups[1]["lr"]) * 0.8, mindspore.float32))
                for group in opt.param_groups:
                    if step == 4:
                        ops.assign(group["lr"], mindspore.Tensor(0.05, mindspore.float32))
                rates.append([float(opt.param_groups[0]["lr"]), float(opt.param_groups[1]["lr"])])
            out = mindspore.Tensor(rates)
            """,
            run=("out",),
            note="a rate written goes into the group's Parameter, which the scheduler keeps updating "
                 "(a float put in its place would leave the scheduler updating a Parameter nobody reads)",
        ),
        keep(
            """
            def weights(model):
                return [p for p in model.parameters() if p.requires_grad]
            """,
            note="parameters outside an optimizer's constructor are the other rules' business",
        ),
    )

    def __init__(self) -> None:
        self._lists: Set[int] = set()  # original `X.parameters()` calls inside an optimizer's params
        self._filters: Set[int] = set()  # original filter(...) calls / comprehensions that go
        self._stores: Set[int] = set()  # ids of assignment targets (a rate written, not read)
        self._floated: Set[int] = set()  # ids of expressions the code passes to float() already
        self._groups: Set[str] = set()  # loop variables over `X.param_groups`
        self._epoch_steps: dict = {}  # scheduler name -> the hint for its failing step(epoch)

    def visit_Assign(self, ctx: FileContext, node: cst.Assign) -> None:
        """`sched = CosineAnnealingWarmRestarts(opt, T_0, T_mult=2)`: its step(epoch) fails in MindSpore."""
        if len(node.targets) != 1 or not isinstance(node.value, cst.Call):
            return
        name = dotted(node.targets[0].target)
        form = training.scheduler_epoch_steps().get(ctx.qualname(node.value.func) or "")
        if name is None or form is None:
            return
        args = node.value.args
        given = next((a.value for a in args if keyword(a) == form.argument), None)
        if given is None and len(args) > form.position and all(keyword(a) is None and not a.star
                                                              for a in args[:form.position + 1]):
            given = args[form.position].value
        if any(a.star for a in args) or given is not None and _literal(given) != form.works_with:
            self._epoch_steps[name] = form.hint

    def visit_Call(self, ctx: FileContext, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "float" and len(node.args) == 1:
            self._floated.add(id(node.args[0].value))
        qualname = ctx.qualname(node.func)
        if qualname is None or not is_optimizer_class(qualname) or not node.args:
            return
        params = next((a.value for a in node.args if keyword(a) == "params"), None)
        if params is None and keyword(node.args[0]) is None and not node.args[0].star:
            params = node.args[0].value
        if params is not None:
            self._mark(params)

    def _mark(self, expr: cst.BaseExpression) -> None:
        """The parameter lists inside an optimizer's `params`: bare, filtered, listed, in groups."""
        if _parameter_list(expr):
            self._lists.add(id(expr))
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value in ("list", "tuple"):
            if len(expr.args) == 1:
                self._mark(expr.args[0].value)
        elif isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "filter":
            if len(expr.args) == 2 and isinstance(expr.args[0].value, cst.Lambda):
                fn = expr.args[0].value
                names = [p.name.value for p in fn.params.params]
                if len(names) == 1 and _requires_grad_test(fn.body, names[0]) and _parameter_list(expr.args[1].value):
                    self._filters.add(id(expr))
                    self._lists.add(id(expr.args[1].value))
        elif isinstance(expr, cst.ListComp) and expr.for_in.inner_for_in is None and len(expr.for_in.ifs) == 1:
            target, element = expr.for_in.target, expr.elt
            if (isinstance(target, cst.Name) and isinstance(element, cst.Name) and element.value == target.value
                    and _requires_grad_test(expr.for_in.ifs[0].test, target.value)
                    and _parameter_list(expr.for_in.iter)):
                self._filters.add(id(expr))
                self._lists.add(id(expr.for_in.iter))
        elif isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
            self._mark(expr.left)
            self._mark(expr.right)
        elif isinstance(expr, (cst.List, cst.Tuple)):
            for element in expr.elements:
                self._mark(element.value)
        elif isinstance(expr, cst.Dict):
            for element in expr.elements:
                if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString) \
                        and element.key.evaluated_value == "params":
                    self._mark(element.value)

    def _epoch_step(self, ctx: FileContext, original: cst.Call, updated: cst.Call) -> None:
        func = original.func
        if isinstance(func, cst.Attribute) and func.attr.value == "step" and original.args \
                and dotted(func.value) in self._epoch_steps:
            ctx.flag(updated, "torch.optim.lr_scheduler.LRScheduler.step", Reason.MANUAL,
                     self._epoch_steps[dotted(func.value)])

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        self._epoch_step(ctx, original, updated)
        if id(original) in self._lists and isinstance(updated.func, cst.Attribute) \
                and updated.func.attr.value in _PARAMETER_LISTS:
            return updated.with_changes(func=updated.func.with_changes(attr=cst.Name("trainable_params")))
        if id(original) in self._filters:
            return self._unfiltered(ctx, updated, updated.args[1].value)
        return updated

    def leave_ListComp(self, ctx: FileContext, original: cst.ListComp, updated: cst.ListComp):
        if id(original) in self._filters:
            return self._unfiltered(ctx, updated, updated.for_in.iter)
        return updated

    @staticmethod
    def _unfiltered(ctx: FileContext, whole: cst.BaseExpression, kept: cst.BaseExpression):
        """`filter(lambda p: p.requires_grad, m.trainable_params())` -> `m.trainable_params()`."""
        if not (isinstance(kept, cst.Call) and isinstance(kept.func, cst.Attribute)
                and kept.func.attr.value == "trainable_params"):
            return whole
        staying = {id(name) for name in iter_names(kept)}
        for name in iter_names(whole):
            if id(name) not in staying:
                ctx.discard(name)
        return in_place_of(whole, kept)

    # ---- reading learning rates back --------------------------------------------------------
    def visit_AssignTarget(self, ctx: FileContext, node: cst.AssignTarget) -> None:
        self._stores.add(id(node.target))

    def visit_For(self, ctx: FileContext, node: cst.For) -> None:
        if isinstance(node.target, cst.Name) and isinstance(node.iter, cst.Attribute) \
                and node.iter.attr.value == "param_groups":
            self._groups.add(node.target.value)

    def visit_AugAssign(self, ctx: FileContext, node: cst.AugAssign) -> None:
        self._stores.add(id(node.target))

    def leave_AugAssign(self, ctx: FileContext, original: cst.AugAssign, updated: cst.AugAssign):
        """`group["lr"] *= 0.5` -> `ops.assign(group["lr"], mindspore.Tensor(float(group["lr"]) * 0.5,
        mindspore.float32))` (see _write_rate)."""
        if not isinstance(original.target, cst.Subscript) or not self._reads_a_rate(original.target):
            return updated
        operator = type(updated.operator).__name__.replace("Assign", "")
        binary = getattr(cst, operator, None)
        if binary is None:
            return updated
        read = cst.Call(func=cst.Name("float"), args=[cst.Arg(value=ctx.duplicate(updated.target))])
        value = updated.value
        if isinstance(value, (cst.BinaryOperation, cst.BooleanOperation, cst.IfExp, cst.Lambda)):
            value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return _write_rate(ctx, updated.target, cst.BinaryOperation(left=read, operator=binary(), right=value))

    def leave_Assign(self, ctx: FileContext, original: cst.Assign, updated: cst.Assign):
        """`group["lr"] = lr` -> `ops.assign(group["lr"], mindspore.Tensor(lr, mindspore.float32))`."""
        if len(original.targets) != 1 or not isinstance(original.targets[0].target, cst.Subscript) \
                or not self._reads_a_rate(original.targets[0].target):
            return updated
        return _write_rate(ctx, updated.targets[0].target, updated.value)

    def leave_Subscript(self, ctx: FileContext, original: cst.Subscript, updated: cst.Subscript):
        if id(original) in self._stores or id(original) in self._floated or not self._reads_a_rate(original):
            return updated
        return cst.Call(func=cst.Name("float"), args=[cst.Arg(value=updated)])

    def _reads_a_rate(self, node: cst.Subscript) -> bool:
        """`X.param_groups[i]["lr"]`, `group["lr"]` in a loop over param_groups, `X.get_last_lr()[i]`."""
        if len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            index = node.slice[0].slice.value
            if isinstance(index, cst.SimpleString) and index.evaluated_value == "lr" \
                    and isinstance(node.value, cst.Name) and node.value.value in self._groups:
                return True
        return _reads_a_rate(node)


def _literal(node: cst.BaseExpression) -> str:
    return cst.Module(body=[]).code_for_node(node).strip()


def _write_rate(ctx: FileContext, target: cst.BaseExpression, value: cst.BaseExpression) -> cst.Expr:
    """A learning rate written into the group's Parameter: MindSpore's optimizers read that
    Parameter and its lr schedulers keep it and update it; a float put in its place trains
    (the optimizer reads the dict) but leaves the scheduler updating a Parameter nobody reads
    (measured: MultiStepLR after `group["lr"] = 0.8 * ...` never changed the rate again)."""
    rate = cst.Call(func=ctx.emit("mindspore.Tensor"),
                    args=[cst.Arg(value=value, comma=COMMA), cst.Arg(value=ctx.emit("mindspore.float32"))])
    return cst.Expr(cst.Call(func=ctx.emit("mindspore.ops.assign"),
                             args=[cst.Arg(value=target, comma=COMMA), cst.Arg(value=rate)]))


def _reads_a_rate(node: cst.Subscript) -> bool:
    """`X.param_groups[i]["lr"]`, or `X.get_last_lr()[i]`."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    index = node.slice[0].slice.value
    inner = node.value
    if isinstance(index, cst.SimpleString) and index.evaluated_value == "lr":
        return (isinstance(inner, cst.Subscript) and isinstance(inner.value, cst.Attribute)
                and inner.value.attr.value == "param_groups")
    return (isinstance(inner, cst.Call) and isinstance(inner.func, cst.Attribute)
            and inner.func.attr.value == "get_last_lr" and not inner.args)


