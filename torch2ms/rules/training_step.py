"""The training step: torch's zero_grad / backward / step become MindSpore's functional form.

torch accumulates gradients in `.grad` (`loss.backward()`), an optimizer reads them
(`opt.step()`) and `opt.zero_grad()` clears them; MindSpore's optimizers have neither
method: gradients come from `mindspore.value_and_grad(forward_fn, None, opt.parameters)`
and `opt(grads)` applies them. Per block of statements (a loop body, a function body):

1. the events: `L.backward()`, `O.step()`, `O.zero_grad()` (or a model's), gradient
   clipping (`clip_grad_norm_` / `clip_grad_value_`), directly in the block or, for
   steps, zero_grads and clipping, in an `if` of it (gradient accumulation);
2. per optimizer, which backward calls feed which step: the gradients since its last
   zero_grad (several backward calls sum, as in a GAN's discriminator step; a step inside
   an `if` reads a running sum kept across iterations);
3. per backward call, its forward function: the statements before it, since the previous
   step or backward, that the loss depends on *through the optimized parameters* (a call of
   the model, of anything unknown, of what those produced; `.detach()`, `.item()` and torch
   functions of plain data do not), with the statements that read what they produce; data
   preparation stays outside, and statements from before the previous step that the loss
   needs are computed again inside (noted: a random layer draws again there);
4. the rewrite: `forward_fn` returns the loss and every value the code reads afterwards
   (auxiliary outputs), `grad_fn = mindspore.value_and_grad(...)` is built once before the
   outermost loop (where the optimizer exists already), the backward becomes
   `(loss, aux), grads = grad_fn(...)`, clipping works on the gradient tuple
   (`ops.clip_by_global_norm`), the step becomes `optimizer(grads)`, zero_grad goes.

Whatever falls outside these shapes (`retain_graph`, a backward nested in a loop of its own,
gradients read from `.grad`, no zero_grad in the loop, ...) is left as written and flagged
with the reason; a block is restructured whole or not at all.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from torch2ms.convert import step_plan
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import code_children, dotted
from torch2ms.convert.step_plan import Event
from torch2ms.convert.results import Reason
from torch2ms.rules.base import Rule, change, keep

API_BACKWARD = "torch.Tensor.backward"
API_STEP = "torch.optim.Optimizer.step"
API_ZERO = "torch.optim.Optimizer.zero_grad"
API_MODULE_ZERO = "torch.nn.Module.zero_grad"


# ---- the rule ------------------------------------------------------------------------------------
class TrainingStep(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn

            torch.manual_seed(0)
            model = nn.Linear(3, 1)
            with torch.no_grad():
                model.weight.copy_(torch.tensor([[0.5, -0.2, 0.1]]))
                model.bias.fill_(0.1)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            x = torch.linspace(-1, 1, 12).reshape(4, 3)
            y = torch.tensor([[1.0], [0.0], [1.0], [0.5]])
            losses = []
            for step in range(5):
                optimizer.zero_grad()
                out = model(x)
                loss = ((out - y) ** 2).mean()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                losses.append(loss.item() + out.sum().item())
            curve = torch.tensor(losses)
            """,
            """
            import mindspore
            from mindspore import mint, ops

            mindspore.manual_seed(0)
            model = mint.nn.Linear(3, 1)
            with mindspore._no_grad():
                model.weight.copy_(mindspore.Tensor([[0.5, -0.2, 0.1]]))
                model.bias.copy_(ops.full_like(model.bias, 0.1))
            optimizer = mint.optim.SGD(model.trainable_params(), lr=0.1)
            x = mint.linspace(-1, 1, 12).reshape(4, 3)
            y = mindspore.Tensor([[1.0], [0.0], [1.0], [0.5]])
            losses = []
            def forward_fn():
                out = model(x)
                loss = ((out - y) ** 2).mean()
                return loss, (out,)
            grad_fn = mindspore.value_and_grad(forward_fn, None, optimizer.parameters, has_aux=True)
            for step in range(5):
                (loss, (out,)), grads = grad_fn()
                grads = ops.clip_by_global_norm(grads, 1.0)
                optimizer(grads)
                losses.append(loss.item() + out.sum().item())
            curve = mindspore.Tensor(losses)
            """,
            run=("curve",),
            note="the forward function returns what the loop reads afterwards; grad_fn is built once",
        ),
        change(
            """
            import torch
            import torch.nn as nn

            model = nn.Linear(3, 1)
            optimizer = torch.optim.Adam(model.parameters())

            def train(batches, accumulate):
                for i, (x, y) in enumerate(batches):
                    loss = nn.functional.mse_loss(model(x), y) / accumulate
                    loss.backward()
                    if (i + 1) % accumulate == 0:
                        optimizer.step()
                        optimizer.zero_grad()
            """,
            """
            import mindspore
            from mindspore import mint

            model = mint.nn.Linear(3, 1)
            optimizer = mint.optim.Adam(model.trainable_params())

            def train(batches, accumulate):
                def forward_fn(x, y):
                    loss = mint.nn.functional.mse_loss(model(x), y) / accumulate
                    return loss
                grad_fn = mindspore.value_and_grad(forward_fn, None, optimizer.parameters)
                accumulated_grads = None
                for i, (x, y) in enumerate(batches):
                    loss, grads = grad_fn(x, y)
                    accumulated_grads = grads if accumulated_grads is None else tuple(a + b for a, b in zip(accumulated_grads, grads))
                    if (i + 1) % accumulate == 0:
                        optimizer(accumulated_grads)
                        accumulated_grads = None
            """,
            note="gradient accumulation: a step inside an `if` reads a running sum of the gradients",
        ),
        change(
            """
            import torch

            def step(model, optimizer, x):
                loss = model(x).sum()
                loss.backward(retain_graph=True)
                optimizer.step()
            """,
            """

            def step(model, optimizer, x):
                loss = model(x).sum()
                loss.backward(retain_graph=True)  # torch2ms: torch.Tensor.backward needs a manual rewrite (hint: backward(retain_graph=...) is not restructured: MindSpore computes gradients with mindspore.value_and_grad(forward_fn, None, optimizer.parameters) and applies them with optimizer(grads))
                optimizer.step()  # torch2ms: torch.optim.Optimizer.step needs a manual rewrite (hint: MindSpore optimizers have no step(): optimizer(grads), with grads from mindspore.value_and_grad)
            """,
            note="what the rule does not restructure is left whole, each line flagged with the reason",
        ),
        keep(
            """
            def evaluate(model, scheduler, batches):
                scheduler.step()
                return [model(x) for x in batches]
            """,
            note="a scheduler's step() is MindSpore's too; no backward, nothing to restructure",
        ),
    )

    def __init__(self) -> None:
        self._functions: List[cst.FunctionDef] = []  # original defs around the walk
        self._loops: List[Tuple[int, cst.CSTNode]] = []  # (function depth, original loop) around the walk
        self._pending: Dict[int, List[cst.BaseStatement]] = {}  # id(original loop) -> statements before it
        self._taken: Set[str] = set()
        self._module: Optional[cst.Module] = None
        self._planned: Set[int] = set()  # ids of the defs (0: the module) with a restructured step
        self._planned_blocks: Set[int] = set()  # ids of the original blocks restructured
        self._current: Optional[cst.CSTNode] = None  # the original block being planned

    # ---- where the walk is --------------------------------------------------------------------
    def visit_Module(self, ctx: FileContext, node: cst.Module) -> None:
        self._module = node
        self._taken = {name.value for name in ctx.nodes_of(cst.Name)}

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        self._functions.pop()
        return updated

    def visit_For(self, ctx: FileContext, node) -> None:
        self._loops.append((len(self._functions), node))

    visit_While = visit_For

    def leave_For(self, ctx: FileContext, original, updated):
        self._loops.pop()
        before = self._pending.pop(id(original), None)
        if not before:
            return updated
        first = before[0].with_changes(leading_lines=[*updated.leading_lines, *before[0].leading_lines])
        return cst.FlattenSentinel([first, *before[1:], updated.with_changes(leading_lines=[])])

    leave_While = leave_For

    def leave_IndentedBlock(self, ctx: FileContext, original: cst.IndentedBlock, updated: cst.IndentedBlock):
        body = self._block(ctx, original, list(original.body), list(updated.body))
        return updated if body is None else updated.with_changes(body=body)

    def leave_Module(self, ctx: FileContext, original: cst.Module, updated: cst.Module):
        body = self._block(ctx, original, list(original.body), list(updated.body))
        return updated if body is None else updated.with_changes(body=body)

    # ---- one block ------------------------------------------------------------------------------
    def _block(self, ctx: FileContext, node: cst.CSTNode, original: List, updated: List) -> Optional[List]:
        self._current = node
        events = [e for e in (self._event(ctx, s, i) for i, s in enumerate(original)) if e is not None]
        if not any(e.kind in ("B", "S", "AMP", "G") or (e.kind == "IF" and any(x.kind == "S" for _, x in e.inner))
                   for e in events):
            self._flag_leftovers(ctx, events, updated, None)
            return None
        try:
            if len(original) != len(updated):
                raise step_plan.Refused("another rule changed the statements of this block")
            plan = step_plan.Planner(self, ctx, original, updated, events).plan()
        except step_plan.Refused as why:
            self._flag_leftovers(ctx, events, updated, str(why))
            return None
        self._planned.add(id(self.function()) if self.function() is not None else 0)
        self._planned_blocks.add(id(node))
        return plan

    def _event(self, ctx: FileContext, statement: cst.CSTNode, index: int) -> Optional[Event]:
        if isinstance(statement, cst.If):
            # An `if` holding steps, zero_grads or clipping (gradient accumulation); one that
            # holds a backward is a step block of its own.
            inner = []
            for branch, block in enumerate(step_plan.branches(statement)):
                found = [self._event(ctx, sub, index) if not isinstance(sub, cst.If) else None for sub in block]
                if any(e is not None and e.kind == "B" for e in found) and self._branch_planned(statement, branch):
                    return None  # the branch restructured its own step
                for position, event in enumerate(found):
                    if event is not None:
                        event.position = position
                        inner.append((branch, event))
            if inner:
                return Event("IF", index, inner=inner)
            return None
        manual = step_plan.manual_update(ctx, statement)
        if manual is not None:
            return Event("S", index, receiver=manual[0], manual=manual[1])
        if not isinstance(statement, cst.SimpleStatementLine):
            return None
        found = step_plan.expr_call(statement)
        if found is None:
            return None
        call, small = found
        qualname = ctx.qualname(call.func)
        if qualname in step_plan.CLIP_NORM or qualname in step_plan.CLIP_VALUE:
            return Event("C", index, call=call, small=small)
        if qualname in step_plan.AUTOGRAD_GRAD and isinstance(small, cst.Assign):
            return Event("G", index, call=call, small=small)
        if not isinstance(call.func, cst.Attribute) or qualname is not None:
            return None
        method, receiver = call.func.attr.value, call.func.value
        text = dotted(receiver)
        if method == "backward" and isinstance(small, cst.Expr):
            scaled = (isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute)
                      and receiver.func.attr.value == "scale" and ctx.kind_of(receiver.func.value) == "grad_scaler")
            return Event("B", index, call=call, loss=receiver, small=small, scaled=scaled)
        if text is None or not isinstance(small, cst.Expr):
            return None
        kind = ctx.kind_of(receiver)
        if kind == "grad_scaler" and method == "step":
            return Event("AMP", index, receiver=text, call=call, small=small)
        if method == "zero_grad":
            return Event("Z", index, receiver=text, call=call, small=small)
        if method == "step" and kind not in ("scheduler", "cell", "loader", "dataset"):
            return Event("S", index, receiver=text, call=call, small=small)
        return None

    # ---- what cannot be restructured -----------------------------------------------------------
    def _flag_leftovers(self, ctx: FileContext, events: List[Event], updated: List, why: Optional[str]) -> None:
        flat: List[Event] = []
        for event in events:
            flat.extend([x for _, x in event.inner] if event.kind == "IF" else [event])
        has_backward = any(e.kind == "B" for e in flat)
        for event in flat:
            if event.kind == "B":
                reason = why or "no optimizer step follows it in this block"
                node = self._updated_small(updated, event)
                if node is not None:
                    self._withdraw(ctx, node)
                    ctx.flag(node, API_BACKWARD, Reason.MANUAL, _backward_hint(reason))
            elif event.kind == "G":
                node = self._updated_small(updated, event)
                if node is not None:
                    self._withdraw(ctx, node)
                    ctx.flag(node, "torch.autograd.grad", Reason.MANUAL,
                             f"{why or 'not restructured'}: MindSpore differentiates a function: "
                             "mindspore.grad(fn, grad_position, weights) / mindspore.value_and_grad")
            elif event.kind == "AMP":
                node = self._updated_small(updated, event)
                if node is not None:
                    ctx.flag(node, "torch.amp.GradScaler.step", Reason.MANUAL, _AMP_HINT)
            elif event.kind == "S" and event.manual:
                continue  # its `.grad` reads carry their notes
            elif event.kind == "S" and (has_backward or ctx.kind_of(event.call.func.value) == "optimizer"):
                node = self._updated_small(updated, event)
                if node is not None:
                    ctx.flag(node, API_STEP, Reason.MANUAL, "MindSpore optimizers have no step(): optimizer(grads), "
                                                           "with grads from mindspore.value_and_grad")
            elif event.kind == "Z" and (has_backward or ctx.kind_of(event.call.func.value) in ("optimizer", "cell")):
                node = self._updated_small(updated, event)
                here = id(self.function()) if self.function() is not None else 0
                if node is not None and why is None and here in self._planned:
                    # gradients in this function come from value_and_grad now: nothing to zero
                    self._withdraw(ctx, updated[event.index])
                    ctx.discard(updated[event.index])
                    ctx.doom(updated[event.index])
                elif node is not None:
                    api = API_MODULE_ZERO if ctx.kind_of(event.call.func.value) == "cell" else API_ZERO
                    ctx.flag(node, api, Reason.MANUAL, "MindSpore keeps no gradients to zero: drop it once "
                                                       "the gradients come from mindspore.value_and_grad")

    @staticmethod
    def _updated_small(updated: List, event: Event) -> Optional[cst.CSTNode]:
        if event.index >= len(updated):
            return None
        statement = updated[event.index]
        if isinstance(statement, cst.SimpleStatementLine):
            return statement.body[0]
        return None  # inside an `if`: the `if` itself was rebuilt; the note goes on the statement

    @staticmethod
    def _withdraw(ctx: FileContext, node: cst.CSTNode) -> None:
        stack = [node]
        while stack:
            current = stack.pop()
            ctx.withdraw_flag(current)
            stack.extend(code_children(current))

    def _branch_planned(self, node: cst.If, branch: int) -> bool:
        current, index = node, 0
        while current is not None:
            body = current.body if isinstance(current, (cst.If, cst.Else)) else None
            if index == branch:
                return body is not None and id(body) in self._planned_blocks
            index += 1
            current = current.orelse
        return False

    # ---- for the planner -----------------------------------------------------------------------------
    def zeroed_before(self, clears) -> bool:
        """Does the loop around this block zero the gradients (`clears(receiver)`) earlier in each
        iteration, directly in its body, before the statement that holds this block?"""
        loops = self.enclosing_loops()
        if not loops or self._current is None or loops[-1].body is self._current:
            return False
        for statement in loops[-1].body.body:
            if any(node is self._current for node in _walk(statement)):
                return False
            found = step_plan.expr_call(statement)
            if found is not None and isinstance(found[0].func, cst.Attribute) \
                    and found[0].func.attr.value == "zero_grad" and clears(dotted(found[0].func.value) or ""):
                return True
        return False

    def fresh(self, base: str) -> str:
        name, number = base, 1
        while name in self._taken:
            number += 1
            name = f"{base}_{number}"
        self._taken.add(name)
        return name

    def function(self) -> Optional[cst.FunctionDef]:
        return self._functions[-1] if self._functions else None

    def enclosing_loops(self) -> List[cst.CSTNode]:
        """Original loops around the block, outermost first, inside the current function only."""
        depth = len(self._functions)
        return [loop for level, loop in self._loops if level == depth]

    def put_before(self, loop: cst.CSTNode, statements: List[cst.BaseStatement]) -> None:
        self._pending.setdefault(id(loop), []).extend(statements)

    def scope_body(self) -> Sequence[cst.CSTNode]:
        fn = self.function()
        return fn.body.body if fn is not None else self._module.body

    def module_body(self) -> Sequence[cst.CSTNode]:
        return self._module.body


_AMP_HINT = ("mixed-precision loss scaling: MindSpore scales and unscales around value_and_grad with "
             "mindspore.amp.DynamicLossScaler (scale, unscale, adjust) and checks mindspore.amp.all_finite(grads) "
             "before optimizer(grads); in float32 the scaler can simply go")


def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(code_children(current))


def _backward_hint(reason: str) -> str:
    return (f"{reason}: MindSpore computes gradients with mindspore.value_and_grad(forward_fn, None, "
            "optimizer.parameters) and applies them with optimizer(grads)")

