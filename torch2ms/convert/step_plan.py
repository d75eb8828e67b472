"""The plan behind rules/training_step.py: which statements of a block make each forward
function, which backward calls feed which optimizer step, and the statements that result.

The rule finds the events (backward, step, zero_grad, clipping); the Planner works on the
block's original statements (where torch names still resolve) for the analysis and emits the
rule's output from the updated ones (what the other rules made of each statement), index for
index. It raises Refused, with the reason, for any shape it does not restructure safely.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from torch2ms.convert import dataflow
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import COMMA, code_children, dotted, iter_names, keyword
from torch2ms.convert.results import Reason

CLIP_NORM = {"torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad.clip_grad_norm_"}
CLIP_VALUE = {"torch.nn.utils.clip_grad_value_", "torch.nn.utils.clip_grad.clip_grad_value_"}
AUTOGRAD_GRAD = {"torch.autograd.grad"}
NO_GRAD_CONTEXTS = {"torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad"}
# Methods whose result carries no gradient.
NO_GRAD_METHODS = {"detach", "item", "tolist", "numpy", "size", "dim", "numel", "data_ptr", "get_device"}
# Builtins that pass their arguments' gradients through, and ones whose result has none.
PLAIN_BUILTINS = {"range", "enumerate", "zip", "min", "max", "abs", "list", "tuple", "dict", "set", "sum",
                  "sorted", "reversed", "getattr", "pow", "map", "filter", "iter", "next"}
CUTTING_BUILTINS = {"len", "int", "float", "bool", "str", "print", "isinstance", "round", "type", "repr",
                    "hasattr", "id", "hash", "callable", "format"}
API_BACKWARD = "torch.Tensor.backward"


class Refused(Exception):
    """The block has a training step the rule does not restructure; the message says why."""


@dataclass
class Event:
    kind: str  # "B" backward, "S" step, "Z" zero_grad, "C" clip, "IF" an `if` holding S/Z/C
    index: int  # position in the block
    receiver: str = ""  # the optimizer (S, Z) or model (Z) as written
    call: Optional[cst.Call] = None  # the original call
    loss: Optional[cst.BaseExpression] = None  # B: what backward() is called on
    inner: List[Tuple[int, "Event"]] = field(default_factory=list)  # IF: (branch, event), in order
    small: Optional[cst.BaseSmallStatement] = None  # the small statement holding the call
    position: int = -1  # inside an IF: position in its branch
    scaled: bool = False  # B: `scaler.scale(loss).backward()` (mixed-precision loss scaling)
    guarded: bool = False  # IF: it holds a whole step (its backward too), run when its test is true
    manual: str = ""  # S: a hand-written update `for p in model.parameters(): ... p.grad ...` (the loop variable)


def manual_update(ctx: FileContext, statement: cst.CSTNode) -> Optional[Tuple[str, str]]:
    """`for p in model.parameters(): p.data.add_(p.grad, alpha=-lr)`, pytorch/examples'
    word_language_model's SGD without an optimizer: (the model, the loop variable), or None."""
    if not isinstance(statement, cst.For) or statement.orelse is not None or not isinstance(statement.target, cst.Name):
        return None
    loop = statement.iter
    if not (isinstance(loop, cst.Call) and not loop.args and isinstance(loop.func, cst.Attribute)
            and loop.func.attr.value == "parameters" and ctx.qualname(loop.func) is None):
        return None
    model = dotted(loop.func.value)
    variable = statement.target.value
    if model is None or not any(_is_grad_of(node, variable) for node in _walk(statement.body)):
        return None
    return model, variable


def _is_grad_of(node: cst.CSTNode, variable: str) -> bool:
    return (isinstance(node, cst.Attribute) and node.attr.value == "grad" and isinstance(node.value, cst.Name)
            and node.value.value == variable)


def expr_call(statement: cst.CSTNode) -> Optional[Tuple[cst.Call, cst.BaseSmallStatement]]:
    """The call of `call(...)` or `x = call(...)` written alone on a line."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return small.value, small
    if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) and len(small.targets) == 1:
        return small.value, small
    return None


def branches(node: cst.If) -> List[Sequence[cst.CSTNode]]:
    """The statements of each branch of an if/elif/else chain."""
    blocks, current = [], node
    while current is not None:
        body = current.body
        blocks.append(body.body if isinstance(body, cst.IndentedBlock) else ())
        orelse = current.orelse
        if isinstance(orelse, cst.If):
            current = orelse
        else:
            if orelse is not None:
                blocks.append(orelse.body.body if isinstance(orelse.body, cst.IndentedBlock) else ())
            current = None
    return blocks


def _with_branches(node: cst.If, blocks: List[List[cst.BaseStatement]]) -> cst.If:
    """The if/elif/else chain with each branch's statements replaced."""
    body = node.body.with_changes(body=blocks[0])
    orelse = node.orelse
    if isinstance(orelse, cst.If):
        orelse = _with_branches(orelse, blocks[1:])
    elif orelse is not None:
        orelse = orelse.with_changes(body=orelse.body.with_changes(body=blocks[1]))
    return node.with_changes(body=body, orelse=orelse)


# ---- what depends on the optimized parameters ------------------------------------------------
class Taint:
    """Does an expression depend on the parameters an optimizer updates? `sources` are the
    models the optimizer was given (`netD` for `optim.Adam(netD.parameters())`), None when
    unknown: then every model and every call of the file's own functions counts."""

    def __init__(self, ctx: FileContext, sources: Optional[Set[str]]) -> None:
        self.ctx = ctx
        self.sources = sources
        self.names: Set[str] = set()  # names holding values that depend on the parameters

    def _source(self, text: Optional[str]) -> bool:
        if text is None:
            return False
        if self.sources is None:
            root = text.split(".")[0]
            return root == "self" and "." in text or self.ctx.kind_of(cst.Name(root)) == "cell" \
                and self._is_cell_name(root)
        return any(text == s or text.startswith(s + ".") or s.startswith(text + ".") for s in self.sources)

    def _is_cell_name(self, name: str) -> bool:
        binding = self.ctx.lookup(name)
        return binding is not None and (binding.kind == "cell" or binding.holds_cell)

    def expr(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name):
            return node.value in self.names or self._source(node.value)
        if isinstance(node, cst.Attribute):
            return self._source(dotted(node)) or self.expr(node.value)
        if isinstance(node, cst.Lambda):
            return False
        if isinstance(node, cst.Call):
            return self._call(node)
        return any(self.expr(child) for child in _code_children(node))

    def _args(self, call: cst.Call) -> bool:
        return any(self.expr(arg.value) for arg in call.args)

    def _call(self, call: cst.Call) -> bool:
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in NO_GRAD_METHODS:
            return False
        if self.ctx.qualname(func) is not None:
            return self._args(call)  # a torch function: it depends on what it is given
        if isinstance(func, cst.Name):
            if func.value in CUTTING_BUILTINS:
                return False
            if func.value in PLAIN_BUILTINS or func.value in self.names:
                return func.value in self.names or self._args(call)
            if self._is_cell_name(func.value):
                return self._source(func.value) or self._args(call)
            return True  # the file's own function, or something unknown: it may use the model
        if isinstance(func, cst.Attribute):
            receiver = func.value
            if self.expr(receiver):
                return True
            root = receiver
            while isinstance(root, (cst.Attribute, cst.Subscript, cst.Call)):
                root = root.func if isinstance(root, cst.Call) else root.value
            if isinstance(root, cst.Name) and root.value == "self":
                return self.sources is None or self._source(dotted(receiver)) or self._args(call)
            return self._args(call)
        return True

    def statement(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.With) and all(
                isinstance(item.item, cst.Call) and self.ctx.qualname(item.item.func) in NO_GRAD_CONTEXTS
                for item in node.items):
            return False
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return False
        if isinstance(node, cst.SimpleStatementLine):
            return any(self._small(small) for small in node.body)
        return self.expr(node)

    def _small(self, node: cst.BaseSmallStatement) -> bool:
        """What a simple statement computes (the names it assigns to are no reads)."""
        if isinstance(node, cst.Assign):
            bases = [t.target.value for t in node.targets if isinstance(t.target, (cst.Attribute, cst.Subscript))]
            return self.expr(node.value) or any(self.expr(b) for b in bases)
        if isinstance(node, cst.AnnAssign):
            return node.value is not None and self.expr(node.value)
        if isinstance(node, cst.AugAssign):
            return self.expr(node.value) or self.expr(node.target)
        return self.expr(node)


def _code_children(node: cst.CSTNode):
    for child in code_children(node):
        if isinstance(child, (cst.FunctionDef, cst.ClassDef)):
            continue
        yield child


# ---- the planner ------------------------------------------------------------------------------------
@dataclass
class Region:
    """One backward call's forward function."""
    event: Event
    consumers: List[str]  # the optimizers whose steps read its gradients
    dups: List[int] = field(default_factory=list)  # statements before the window, computed again
    moved: List[int] = field(default_factory=list)  # statements that go into the forward function
    hoisted: List[int] = field(default_factory=list)  # window statements that stay before the call
    params: List[str] = field(default_factory=list)
    aux: List[str] = field(default_factory=list)
    forward: str = ""
    grad_fn: str = ""
    grads: str = ""
    inputs: Optional[List[str]] = None  # autograd.grad: the tensors differentiated for (None: parameters)
    single: bool = False  # autograd.grad(out, x): one tensor, a 1-tuple of gradients


class Planner:
    def __init__(self, host, ctx: FileContext, original: List, updated: List, events: List[Event]) -> None:
        self.host = host  # the rule: fresh names, the enclosing loops, where definitions go
        self.ctx = ctx
        self.original = original
        self.updated = updated
        self.events = events
        self.top = {e.index: e for e in events}
        self.in_place = dataflow.changes
        self._taints: Dict = {}

    # ---- the plan ---------------------------------------------------------------------------------
    def plan(self) -> List[cst.BaseStatement]:
        self._check_calls()
        self.manual = {e.receiver for e in self._all_events() if e.kind == "S" and e.manual}
        if any(e.kind == "S" and not e.manual and e.receiver in self.manual for e in self._all_events()):
            raise Refused("a model's parameters updated by hand and by an optimizer's step")
        loops = self.host.enclosing_loops()
        regions = [self._grad_region(e) for e in self.events if e.kind == "G"]
        if not any(e.kind in ("B", "S") for e in self._all_events()):
            if any(e.kind in ("Z", "C", "IF") for e in self.events):
                raise Refused("zero_grad or clipping beside autograd.grad, with no optimizer step")
            return self._emit(regions, [], {}, set(), {}, loops)
        optimizers = self._optimizers()
        coverage = {o: self._coverage(o) for o in optimizers}
        zeros = self._zero_targets(optimizers, coverage)
        buffered = {o for o in optimizers if self._conditional(o, zeros)}
        consumers, consumed = self._simulate(optimizers, zeros, buffered, coverage)
        if buffered and not loops:
            raise Refused("a step inside an `if` accumulates gradients across calls, and no loop is around")
        if buffered and len(optimizers) > 1:
            raise Refused("gradient accumulation with several optimizers")
        regions += [self._region(e, consumers[e.index], coverage) for e in self._backwards()]
        regions.sort(key=lambda r: r.event.index)
        return self._emit(regions, optimizers, zeros, buffered, consumed, loops)

    # ---- torch.autograd.grad -----------------------------------------------------------------------
    def _grad_region(self, event: Event) -> Region:
        """`g = torch.autograd.grad(out, inputs)`: inputs are model parameters (`m.parameters()`)
        or tensors the code computes `out` from (which the forward function then takes)."""
        call = event.call
        args = {keyword(a) or ("outputs", "inputs", "grad_outputs")[i]: a.value
                for i, a in enumerate(call.args) if i < 3 or keyword(a)}
        extra = sorted(set(args) - {"outputs", "inputs", "grad_outputs"})
        if extra:
            raise Refused(f"autograd.grad({extra[0]}=...) is not restructured")
        if "grad_outputs" in args and not _ones_like(self.ctx, args["grad_outputs"], args.get("outputs")):
            raise Refused("autograd.grad with grad_outputs other than ones_like(outputs)")
        outputs, inputs = args.get("outputs"), args.get("inputs")
        if isinstance(outputs, (cst.List, cst.Tuple)) and len(outputs.elements) == 1:
            outputs = outputs.elements[0].value
        if not isinstance(outputs, cst.Name) or inputs is None:
            raise Refused("autograd.grad of something other than one named value")
        if isinstance(inputs, cst.Call) and isinstance(inputs.func, cst.Attribute) \
                and inputs.func.attr.value == "parameters" and not inputs.args and dotted(inputs.func.value):
            sources, positions = {dotted(inputs.func.value)}, None
        else:
            items = inputs.elements if isinstance(inputs, (cst.List, cst.Tuple)) else [cst.Element(value=inputs)]
            names = [e.value.value if isinstance(e.value, cst.Name) else None for e in items]
            if not all(names):
                raise Refused("autograd.grad with respect to something other than named tensors or parameters()")
            sources, positions = set(names), names
        event.loss = outputs
        region = self._region(event, [], None, sources=sources)
        region.inputs = positions
        region.single = positions is not None and not isinstance(args.get("inputs"), (cst.List, cst.Tuple))
        return region

    def _check_calls(self) -> None:
        for event in self._all_events():
            call = event.call
            if event.kind == "AMP" or event.scaled:
                raise Refused("the loss is scaled for mixed precision (torch.amp.GradScaler)")
            if event.kind == "B" and call.args:
                words = ", ".join(keyword(a) or "gradient" for a in call.args)
                raise Refused(f"backward({words}=...) is not restructured")
            if event.kind == "S" and call is not None and call.args:
                raise Refused("step(closure) re-evaluates the loss inside the optimizer")
            if event.kind == "C":
                qualname = self.ctx.qualname(call.func)
                norm = next((a for i, a in enumerate(call.args) if keyword(a) == "norm_type"
                             or (keyword(a) is None and i == 2)), None)
                if qualname in CLIP_NORM and norm is not None and not _is_two(norm.value):
                    raise Refused("clip_grad_norm_ with a norm other than 2")
                if len([a for a in call.args if keyword(a) not in ("error_if_nonfinite", "foreach")]) < 2:
                    raise Refused("gradient clipping without its limit")
        for event in self.events:
            if event.kind != "IF" or all(x.kind in ("S", "Z", "C") for _, x in event.inner):
                continue
            # a guarded step: `if training: loss.backward(); opt.step()`, all in one branch
            kinds = [x.kind for _, x in event.inner]
            if set(kinds) - {"S", "Z", "C", "B"} or kinds.count("B") != 1 or len({b for b, _ in event.inner}) != 1:
                raise Refused("an `if` around part of the step")
            event.guarded = True

    def _sequence(self) -> List[Event]:
        """The events in the order they run, a guarded step's inside its `if`."""
        found = []
        for event in self.events:
            found.extend([x for _, x in event.inner] if event.kind == "IF" and event.guarded else [event])
        return found

    def _backwards(self) -> List[Event]:
        return [e for e in self._sequence() if e.kind == "B"]

    def _all_events(self) -> List[Event]:
        found = []
        for event in self.events:
            found.extend([x for _, x in event.inner] if event.kind == "IF" else [event])
        return found

    def _optimizers(self) -> List[str]:
        found: List[str] = []
        for event in self._all_events():
            if event.kind == "S" and event.receiver not in found:
                found.append(event.receiver)
        if not found:
            raise Refused("no optimizer step follows it in this block")
        if not self._backwards():
            raise Refused("no backward in this block feeds the step")
        return found

    def _coverage(self, optimizer: str) -> Optional[Set[str]]:
        """The models an optimizer was built from (`optim.Adam(netD.parameters())` -> {"netD"}), or
        None when its construction is not in this function or the module, or gives anything else."""
        if optimizer in self.manual:  # `for p in model.parameters()` updates the model's own parameters
            return {optimizer}
        for body in (self.host.scope_body(), self.host.module_body()):
            for statement in _flat(body):
                if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
                    continue
                if dotted(statement.targets[0].target) != optimizer or not isinstance(statement.value, cst.Call):
                    continue
                call = statement.value
                params = next((a.value for a in call.args if keyword(a) == "params"), None)
                if params is None and call.args and keyword(call.args[0]) is None:
                    params = call.args[0].value
                return _models_in(params) if params is not None else None
        return None

    def _zero_targets(self, optimizers: List[str], coverage) -> Dict[int, Optional[str]]:
        """id(zero_grad event) -> the optimizer whose gradients it clears (None: no step here reads them)."""
        targets: Dict[int, Optional[str]] = {}
        for event in self._all_events():
            if event.kind != "Z":
                continue
            if event.receiver in optimizers:
                targets[id(event)] = event.receiver
                continue
            hits = [o for o in optimizers if coverage[o] is not None and any(
                _related(event.receiver, model) for model in coverage[o])]
            if not hits and len(optimizers) == 1 and coverage[optimizers[0]] is None:
                hits = optimizers
            if len(hits) > 1:
                raise Refused(f"{event.receiver}.zero_grad() clears the gradients of several optimizers")
            targets[id(event)] = hits[0] if hits else None
        return targets

    def _conditional(self, optimizer: str, zeros) -> bool:
        for event in self.events:
            if event.kind != "IF" or event.guarded:
                continue
            for _, inner in event.inner:
                if (inner.kind == "S" and inner.receiver == optimizer) or (
                        inner.kind == "Z" and zeros.get(id(inner)) == optimizer):
                    return True
        return False

    def _taint(self, sources: Optional[Set[str]]) -> Tuple[List[bool], List[Set[str]]]:
        """Per statement: does it depend on the parameters, and the names that do before it."""
        key = None if sources is None else tuple(sorted(sources))
        if key in self._taints:
            return self._taints[key]
        taint = Taint(self.ctx, sources)
        flags, before = [], []
        for index, statement in enumerate(self.original):
            before.append(set(taint.names))
            if index in self.top:
                flags.append(False)
                continue
            tainted = taint.statement(statement)
            flags.append(tainted)
            if tainted:
                taint.names |= self.in_place(statement)
            elif isinstance(statement, cst.SimpleStatementLine):
                taint.names -= dataflow.binds(statement)
        self._taints[key] = (flags, before)
        return flags, before

    def _depends(self, event: Event, sources: Optional[Set[str]]) -> bool:
        """Can this backward's loss depend on the parameters of a model among `sources`?"""
        _, before = self._taint(sources)
        probe = Taint(self.ctx, sources)
        probe.names = before[event.index]
        return probe.expr(event.loss)

    def _simulate(self, optimizers, zeros, buffered, coverage):
        """Which backward calls each step reads (direct) or adds to its running sum (buffered)."""
        consumers: Dict[int, List[str]] = {e.index: [] for e in self._backwards()}
        consumed: Dict[int, List[int]] = {}  # id(step event) -> backward indexes it reads
        for optimizer in optimizers:
            has_zero = any(zeros.get(id(e)) == optimizer for e in self._all_events() if e.kind == "Z")
            models = coverage[optimizer]
            zeroed = self.host.zeroed_before(lambda r: r == optimizer or models is None and len(optimizers) == 1
                                             or models is not None and any(_related(r, m) for m in models))
            if not has_zero and not zeroed:
                raise Refused(f"no {optimizer}.zero_grad() in this block: torch would add up the gradients of "
                              f"every iteration")
            if optimizer in buffered:
                for event in self._backwards():
                    if self._depends(event, coverage[optimizer]):
                        consumers[event.index].append(optimizer)
                continue
            pending: List[int] = []
            for event in self._sequence():
                if event.kind == "Z" and zeros.get(id(event)) == optimizer:
                    pending = []
                elif event.kind == "B" and self._depends(event, coverage[optimizer]):
                    pending.append(event.index)
                elif event.kind == "S" and event.receiver == optimizer:
                    if not pending:
                        raise Refused(f"{optimizer}.step() has no gradients since its zero_grad()")
                    consumed[id(event)] = list(pending)
                    for index in pending:
                        if optimizer not in consumers[index]:
                            consumers[index].append(optimizer)
        for index, who in consumers.items():
            if not who:
                raise Refused("no step in this block reads the gradients of this backward")
        return consumers, consumed

    # ---- one backward's forward function -----------------------------------------------------------
    def _region(self, event: Event, consumers: List[str], coverage, sources: Optional[Set[str]] = None) -> Region:
        if coverage is not None:
            sources = set()
            for optimizer in consumers:
                if coverage[optimizer] is None:
                    sources = None
                    break
                sources |= coverage[optimizer]
        tainted, _ = self._taint(sources)
        b = event.index
        barrier = max((e.index for e in self.events if e.index < b and e.kind != "Z"), default=-1)
        in_slice = self._slice(event.loss, b)
        window = [j for j in range(barrier + 1, b) if j not in self.top]
        first = next((j for j in window if in_slice[j] and tainted[j]), None)
        dups = [j for j in range(0, barrier + 1) if j not in self.top and in_slice[j] and tainted[j]]
        if first is None and not dups and not self._depends(event, sources):
            raise Refused("the loss does not depend on the optimized parameters in this block")
        region = Region(event, consumers, dups=dups)
        moved_binds: Set[str] = set()
        moved_reads: Set[str] = set()
        if first is not None:
            for j in window:
                if j < first:
                    continue
                statement = self.original[j]
                reads = dataflow.reads(statement)
                if tainted[j] or reads & moved_binds or self.in_place(statement) & moved_reads:
                    region.moved.append(j)
                    moved_binds |= self.in_place(statement)
                    moved_reads |= reads
                else:
                    region.hoisted.append(j)
        for j in region.dups + region.moved:
            if dataflow.escapes(self.original[j]):
                raise Refused("a return, break or continue among the statements that compute the loss")
            if any(isinstance(n, cst.Attribute) and n.attr.value == "backward" for n in _walk(self.original[j])):
                raise Refused("a backward nested among the statements that compute the loss")
        for j in region.dups:  # what they read must still hold the same values at the backward
            changed_later = set()
            for k in range(j + 1, b):
                if k not in region.dups and k not in self.top:
                    changed_later |= self.in_place(self.original[k])
            if dataflow.reads(self.original[j]) & changed_later - {self._loss_name(event)}:
                raise Refused("a statement the loss needs from before the previous step reads values "
                              "that change before the backward")
        return region

    def _slice(self, loss: cst.BaseExpression, end: int) -> List[bool]:
        """Statements before `end` that the loss depends on (through the names they set)."""
        need = set(dataflow.reads(loss))
        found = [False] * len(self.original)
        for j in range(end - 1, -1, -1):
            if j in self.top:
                continue
            statement = self.original[j]
            changed = self.in_place(statement)
            if changed & need:
                found[j] = True
                rebound = dataflow.binds(statement) if _plain_assignment(statement) else set()
                need = (need - rebound) | dataflow.reads(statement)
        return found

    @staticmethod
    def _loss_name(event: Event) -> Optional[str]:
        return event.loss.value if isinstance(event.loss, cst.Name) else None

    # ---- the output -----------------------------------------------------------------------------------
    def _emit(self, regions: List[Region], optimizers, zeros, buffered, consumed, loops) -> List[cst.BaseStatement]:
        anchor = self._anchor(loops, optimizers)
        bound_around = self._bound_around(anchor, regions)
        scope_reads = dataflow.read_counts(cst.Module(body=list(self.host.scope_body())))
        definitions: List[cst.BaseStatement] = []
        replace: Dict[int, List[cst.BaseStatement]] = {}
        removed: Set[int] = set()
        buffer = {o: self.host.fresh("accumulated_grads") for o in optimizers if o in buffered}
        for region in regions:
            self._names(region)
            self._io(region, scope_reads, bound_around)
            definitions += self._definitions(region)
            removed |= set(region.moved)
            removed |= set(region.hoisted)
            replace[region.event.index] = [*(self.updated[j] for j in region.hoisted), self._call(region)]
            if region.event.kind == "G":
                replace[region.event.index].append(self._grad_result(region))
            for optimizer in region.consumers:
                if optimizer in buffer:
                    replace[region.event.index].append(_accumulate(buffer[optimizer], region.grads))
        definitions += [_statement(f"{name} = None") for name in buffer.values()]
        grads_of = {r.event.index: r for r in regions}
        self._steps(replace, removed, grads_of, consumed, buffer, zeros)
        if anchor is None:  # no loop around: the definitions go just before the step's statements
            first = min(min([*r.moved, *r.hoisted, r.event.index]) for r in regions)
            kept = replace.get(first, [] if first in removed else [self.updated[first]])
            replace[first] = definitions + kept
        else:
            self.host.put_before(anchor, definitions)
        return self._assemble(replace, removed)

    def _anchor(self, loops: List[cst.CSTNode], optimizers: List[str]) -> Optional[cst.CSTNode]:
        """The outermost loop around the block that does not rebind an optimizer."""
        roots = {o.split(".")[0] for o in optimizers}
        for loop in loops:
            if not dataflow.binds(loop) & roots:
                return loop
        return None

    def _bound_around(self, anchor, regions: List[Region]) -> Set[str]:
        """Names that change from one step to the next: bound inside the anchor loop, or (without
        one) in the block before the step and by the loops around it."""
        if anchor is not None:
            return dataflow.binds(anchor)
        first = min(min([*r.moved, *r.hoisted, r.event.index]) for r in regions)
        bound: Set[str] = set()
        if self.host.function() is not None:  # a function's own locals (module globals are read as they are)
            for statement in self.original[:first]:
                bound |= dataflow.binds(statement)
        for loop in self.host.enclosing_loops():
            bound |= dataflow.binds(loop.target) if isinstance(loop, cst.For) else set()
        return bound

    def _names(self, region: Region) -> None:
        region.forward = self.host.fresh("forward_fn")
        region.grad_fn = self.host.fresh("grad_fn")
        region.grads = self.host.fresh("grads")

    def _io(self, region: Region, scope_reads: Counter, bound_around: Set[str]) -> None:
        statements = [self.original[j] for j in region.dups + region.moved]
        inside = Counter()
        for j in region.moved:
            inside.update(dataflow.read_counts(self.original[j]))
        assigned: List[str] = []
        for j in region.moved:
            for name in sorted(dataflow.binds(self.original[j])):
                if name not in assigned:
                    assigned.append(name)
        loss_read = cst.SimpleStatementLine(body=[cst.Expr(self.original[region.event.index].body[0].value
                                                            if region.event.kind == "G" else region.event.loss)])
        free = dataflow.free_reads(statements + [loss_read])
        assigned_set = set(assigned)
        for j in region.dups:
            assigned_set |= dataflow.binds(self.original[j])
        if region.inputs and any(n in assigned_set for n in region.inputs):
            raise Refused("autograd.grad with respect to a tensor computed among the statements it needs")
        forced = list(region.inputs or [])
        # a name bound only among the moved statements (`output` from `for ...: output, h = rnn(...)`)
        # is the forward function's own: free_reads counts it because a loop may run no times
        outside = self._bound_outside({id(self.original[j]) for j in region.moved})
        region.params = forced + [n for n in free if n not in forced and (n in bound_around or n in assigned_set)
                                  and (n in outside or n not in assigned_set)]
        loss = self._loss_name(region.event)
        region.aux = [n for n in assigned if n != loss and (scope_reads[n] > inside[n] or n in region.params)]

    def _bound_outside(self, skip: Set[int]) -> Set[str]:
        """Names the scope binds anywhere but in the statements `skip` (and its parameters)."""
        found: Set[str] = set()
        fn = self.host.function()
        if fn is not None:
            params = fn.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                found.add(param.name.value)
            for star in (params.star_arg, params.star_kwarg):
                if isinstance(star, cst.Param):
                    found.add(star.name.value)

        def visit(node: cst.CSTNode) -> None:
            if id(node) in skip:
                return
            if not any(id(n) in skip for n in _walk(node)):
                found.update(dataflow.binds(node))
                return
            if isinstance(node, cst.For):
                found.update(dataflow.target_names(node.target))
            for child in node.children:
                visit(child)

        for statement in self.host.scope_body():
            visit(statement)
        return found

    def _definitions(self, region: Region) -> List[cst.BaseStatement]:
        ctx = self.ctx
        body: List[cst.BaseStatement] = []
        for j in region.dups:
            clone = ctx.duplicate(self.updated[j])
            clone = clone.with_changes(leading_lines=[])
            ctx.flag(clone.body[0] if isinstance(clone, cst.SimpleStatementLine) else clone, API_BACKWARD,
                     Reason.MANUAL, f"computed again in {region.forward} for the gradient of "
                     f"{_code(region.event.loss)}: a random layer draws again here, batch statistics update "
                     f"twice; move it into the forward function if that matters")
            body.append(clone)
        for j in region.moved:
            body.append(self.updated[j])
        if body:
            body[0] = body[0].with_changes(leading_lines=[l for l in body[0].leading_lines if l.comment])
        loss = self._updated_loss(region)
        if region.aux:  # MindSpore takes any auxiliary values (objects, None) when they come as one tuple
            returned = cst.Tuple(elements=[cst.Element(value=loss, comma=COMMA),
                                           cst.Element(value=cst.parse_expression(_aux_tuple(region.aux)))],
                                 lpar=[], rpar=[])
        else:
            returned = loss
        body.append(cst.SimpleStatementLine(body=[cst.Return(value=returned)]))
        params = [cst.Param(name=cst.Name(p), comma=COMMA) for p in region.params[:-1]]
        if region.params:
            params.append(cst.Param(name=cst.Name(region.params[-1])))
        forward = cst.FunctionDef(name=cst.Name(region.forward), params=cst.Parameters(params=params),
                                  body=cst.IndentedBlock(body=body))
        aux = ", has_aux=True" if region.aux else ""
        if region.event.kind == "G":
            position, weights = self._differentiated(region)
        else:
            position, weights = "None", " + ".join(self._weights(o) for o in region.consumers)
        grad_fn = _statement(f"{region.grad_fn} = VALUE_AND_GRAD({region.forward}, {position}, {weights}{aux})")
        grad_fn = _replace_name(grad_fn, "VALUE_AND_GRAD", ctx.emit("mindspore.value_and_grad"))
        return [forward, grad_fn]

    def _weights(self, optimizer: str) -> str:
        """What an optimizer updates, as value_and_grad's weights (a hand-written update: the model's)."""
        return f"{optimizer}.trainable_params()" if optimizer in self.manual else f"{optimizer}.parameters"

    def _differentiated(self, region: Region) -> Tuple[str, str]:
        """(grad_position, weights) for an autograd.grad region."""
        if region.inputs is None:  # model.parameters(): the Cell's trainable parameters
            inputs = self.updated[region.event.index].body[0].value.args[1].value
            return "None", f"{_code(inputs.func.value)}.trainable_params()"
        positions = [region.params.index(n) for n in region.inputs]
        if region.single:
            return str(positions[0]), "None"
        return f"({', '.join(str(p) for p in positions)},)", "None"

    def _grad_result(self, region: Region) -> cst.BaseStatement:
        """The autograd.grad call's own target gets torch's tuple of gradients."""
        small = self.updated[region.event.index].body[0]
        value = f"({region.grads},)" if region.single else region.grads
        targets = "".join(f"{_code(t.target)} = " for t in small.targets)
        return _statement(f"{targets}{value}").with_changes(
            trailing_whitespace=self.updated[region.event.index].trailing_whitespace)

    def _updated_loss(self, region: Region) -> cst.BaseExpression:
        statement = self._updated_line(region.event) if region.event.position >= 0 else self.updated[region.event.index]
        if region.event.kind == "G":
            self.ctx.discard(statement)
            self._withdraw(statement)
            return cst.Name(region.event.loss.value)
        call = statement.body[0].value if isinstance(statement, cst.SimpleStatementLine) else None
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            raise Refused("another rule rewrote the backward call")
        loss = self.ctx.duplicate(call.func.value)
        self.ctx.discard(statement)
        self._withdraw(statement)
        return loss

    def _call(self, region: Region) -> cst.BaseStatement:
        loss = self._loss_name(region.event) or "_"
        outputs = f"({loss}, {_aux_tuple(region.aux)})" if region.aux else loss
        text = f"{outputs}, {region.grads} = {region.grad_fn}({', '.join(region.params)})"
        statement = _statement(text)
        original = self.updated[region.event.index]
        if region.event.position >= 0:  # a guarded step: the call goes before its `if`
            return statement.with_changes(leading_lines=original.leading_lines)
        return statement.with_changes(leading_lines=original.leading_lines,
                                      trailing_whitespace=original.trailing_whitespace)

    # ---- steps, zero_grads, clipping ------------------------------------------------------------------
    def _steps(self, replace, removed, regions: Dict[int, Region], consumed, buffer, zeros) -> None:
        summed: Set[int] = set()
        for event in self.events:
            if event.kind == "Z":
                replace[event.index] = self._zero(event, buffer, zeros)
            elif event.kind in ("S", "C"):
                replace[event.index] = self._step_or_clip(event, regions, consumed, buffer, summed)
            elif event.kind == "IF":
                new_if = self._if(event, regions, consumed, buffer, zeros, summed)
                if event.guarded:  # the gradients come first, then the `if` uses them
                    replace[event.index] = [*replace[event.index], new_if.with_changes(leading_lines=[])]
                else:
                    replace[event.index] = [new_if]

    def _step_target(self, event: Event) -> Optional[Event]:
        """The step a clip call prepares: the next step after it (in its branch, or the block)."""
        if event.kind == "S":
            return event
        later = [e for e in self._all_events() if e.kind == "S" and (e.index, e.position) > (event.index, event.position)]
        same = [e for e in later if e.index == event.index] if event.position >= 0 else later
        return (same or later or [None])[0]

    def _grads_for(self, step: Event, regions, consumed, buffer, summed: Set[int], out: List) -> cst.BaseExpression:
        optimizer = step.receiver
        if optimizer in buffer:
            return cst.Name(buffer[optimizer])
        indexes = consumed[id(step)]
        first = regions[indexes[0]]
        if len(indexes) > 1 and id(step) not in summed:
            summed.add(id(step))
            names = [regions[i].grads for i in indexes]
            parts = [f"g{k + 1}" for k in range(len(names))]
            out.append(_statement(f"{first.grads} = tuple({' + '.join(parts)} for {', '.join(parts)} in "
                                  f"zip({', '.join(names)}))"))
        grads: cst.BaseExpression = cst.Name(first.grads)
        if len(first.consumers) > 1:
            at = first.consumers.index(optimizer)
            start = " + ".join(f"len({self._weights(o)})" for o in first.consumers[:at]) or ""
            stop = " + ".join(f"len({self._weights(o)})" for o in first.consumers[:at + 1])
            grads = cst.parse_expression(f"{first.grads}[{start}:{stop if at + 1 < len(first.consumers) else ''}]")
        return grads

    def _step_or_clip(self, event: Event, regions, consumed, buffer, summed) -> List[cst.BaseStatement]:
        ctx = self.ctx
        out: List[cst.BaseStatement] = []
        step = self._step_target(event)
        if step is None:
            raise Refused("gradient clipping with no step after it")
        grads = self._grads_for(step, regions, consumed, buffer, summed, out)
        if event.kind == "S" and event.manual:
            return out + [self._manual_step(event, grads)]
        small = self._updated_small(event)
        if event.kind == "S":
            statement = cst.SimpleStatementLine(body=[cst.Expr(cst.Call(func=small.value.func.value,
                                                                         args=[cst.Arg(value=grads)]))])
        else:
            if not isinstance(grads, cst.Name):
                raise Refused("gradient clipping on the gradients of several optimizers")
            statement = self._clip(event, small, grads.value, out)
        original = self._updated_line(event)
        ctx.discard(small.with_changes())
        self._withdraw(original)
        out.append(statement)
        out[0] = out[0].with_changes(leading_lines=original.leading_lines)
        out[-1] = out[-1].with_changes(trailing_whitespace=original.trailing_whitespace)
        return out

    def _manual_step(self, event: Event, grads: cst.BaseExpression) -> cst.BaseStatement:
        """`for p in model.parameters(): ...p.grad...` -> `for p, p_grad in zip(model.trainable_params(),
        grads): ...p_grad...`: the same update, each parameter paired with its gradient."""
        loop = self._updated_node(event)
        if not isinstance(loop, cst.For) or not isinstance(loop.target, cst.Name) \
                or loop.target.value != event.manual or not isinstance(loop.iter, cst.Call) \
                or not isinstance(loop.iter.func, cst.Attribute):
            raise Refused("another rule rewrote the loop that updates the parameters")
        self._withdraw(loop)
        grad = self.host.fresh(f"{event.manual}_grad")
        body = loop.body
        for node in [n for n in _walk(body) if _is_grad_of(n, event.manual)]:
            body = body.deep_replace(node, cst.Name(grad))
        self.ctx.discard(loop.iter)
        pairs = _statement(f"for _ in zip(MODEL.trainable_params(), GRADS): pass").iter
        pairs = _replace_name(pairs, "MODEL", self.ctx.duplicate(loop.iter.func.value))
        pairs = _replace_name(pairs, "GRADS", grads)
        target = cst.Tuple(elements=[cst.Element(value=loop.target, comma=COMMA), cst.Element(value=cst.Name(grad))],
                           lpar=[], rpar=[])
        return loop.with_changes(target=target, iter=pairs, body=body)

    def _clip(self, event: Event, small, grads: str, out: List) -> cst.BaseStatement:
        ctx = self.ctx
        call = small.value
        qualname = ctx.qualname(event.call.func)
        limit = next((a.value for a in call.args if keyword(a) in ("max_norm", "clip_value")), None)
        if limit is None:
            positional = [a for a in call.args if keyword(a) is None]
            limit = positional[1].value if len(positional) > 1 else None
        if limit is None:
            raise Refused("gradient clipping without its limit")
        limit = ctx.duplicate(limit)
        if qualname in CLIP_NORM:
            if isinstance(small, cst.Assign):  # `norm = clip_grad_norm_(...)`: the norm before clipping
                norm = _statement(f"TARGET = OUTER(STACK([INNER(g) for g in {grads}]))")
                norm = _replace_name(norm, "TARGET", small.targets[0].target)
                norm = _replace_name(norm, "STACK", ctx.emit("mindspore.mint.stack"))
                norm = _replace_name(norm, "OUTER", ctx.emit("mindspore.mint.norm"))
                norm = _replace_name(norm, "INNER", ctx.emit("mindspore.mint.norm"))
                out.append(norm)
            statement = _statement(f"{grads} = CLIP({grads}, LIMIT)")
            statement = _replace_name(statement, "CLIP", ctx.emit("mindspore.ops.clip_by_global_norm"))
        else:
            if isinstance(small, cst.Assign):
                raise Refused("the result of clip_grad_value_ is used")
            statement = _statement(f"{grads} = tuple(CLAMP(g, -LOW, LIMIT) for g in {grads})")
            statement = _replace_name(statement, "CLAMP", ctx.emit("mindspore.mint.clamp"))
            low = ctx.duplicate(limit)
            if not isinstance(low, (cst.Name, cst.Integer, cst.Float, cst.Attribute)):
                low = low.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
            statement = _replace_name(statement, "LOW", low)
        return _replace_name(statement, "LIMIT", limit)

    def _zero(self, event: Event, buffer, zeros) -> List[cst.BaseStatement]:
        original = self._updated_line(event)
        self.ctx.discard(original)
        self._withdraw(original)
        optimizer = zeros.get(id(event))
        if optimizer in buffer:
            statement = _statement(f"{buffer[optimizer]} = None")
            return [statement.with_changes(leading_lines=original.leading_lines,
                                           trailing_whitespace=original.trailing_whitespace)]
        return [_carrier(original)] if _comments(original) else []

    def _if(self, event: Event, regions, consumed, buffer, zeros, summed) -> cst.If:
        node = self.updated[event.index]
        if not isinstance(node, cst.If):
            raise Refused("another rule rewrote the `if` around the step")
        blocks = [list(b) for b in branches(node)]
        originals = branches(self.original[event.index])
        if [len(b) for b in blocks] != [len(b) for b in originals]:
            raise Refused("another rule changed the statements of the `if` around the step")
        new_blocks = []
        for branch, block in enumerate(blocks):
            out: List[cst.BaseStatement] = []
            for position, statement in enumerate(block):
                inner = next((x for b, x in event.inner if b == branch and x.position == position), None)
                if inner is None:
                    out.append(statement)
                elif inner.kind == "B":
                    continue  # computed before the `if` (_updated_loss took its uses and notes)
                elif inner.kind == "Z":
                    out += self._zero(inner, buffer, zeros)
                else:
                    out += self._step_or_clip(inner, regions, consumed, buffer, summed)
            new_blocks.append(out or [cst.SimpleStatementLine(body=[cst.Pass()])])
        return _with_branches(node, new_blocks)

    # ---- bookkeeping -------------------------------------------------------------------------------------
    def _updated_node(self, event: Event) -> cst.CSTNode:
        if event.position < 0:
            return self.updated[event.index]
        node = self.updated[event.index]
        branch = next(b for b, x in self._if_event(event).inner if x is event)
        return branches(node)[branch][event.position]

    def _updated_line(self, event: Event) -> cst.SimpleStatementLine:
        line = self._updated_node(event)
        if not isinstance(line, cst.SimpleStatementLine):
            raise Refused("another rule rewrote a statement of the step")
        return line

    def _if_event(self, event: Event) -> Event:
        return self.top[event.index]

    def _updated_small(self, event: Event):
        return self._updated_line(event).body[0]

    def _withdraw(self, node: cst.CSTNode) -> None:
        for current in _walk(node):
            self.ctx.withdraw_flag(current)

    def _assemble(self, replace: Dict[int, List], removed: Set[int]) -> List[cst.BaseStatement]:
        body: List[cst.BaseStatement] = []
        carried: List[cst.EmptyLine] = []
        for index, statement in enumerate(self.updated):
            if index in replace:
                new = [s for s in replace[index] if s is not None]
            elif index in removed:
                continue
            else:
                new = [statement]
            new = [s for s in new if not (_is_carrier(s) and not carried.extend(_comments(s)))]
            if carried and new:
                new[0] = new[0].with_changes(leading_lines=[*carried, *new[0].leading_lines])
                carried = []
            body += new
        if carried:
            body.append(cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried))
        return body or [cst.SimpleStatementLine(body=[cst.Pass()])]


# ---- small helpers ------------------------------------------------------------------------------------
def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(code_children(current))


def _flat(body) -> List[cst.BaseSmallStatement]:
    """Small statements of a block and the blocks inside it (not inside defs)."""
    found = []
    stack = list(body)
    while stack:
        node = stack.pop(0)
        if isinstance(node, cst.SimpleStatementLine):
            found.extend(node.body)
        elif isinstance(node, (cst.If, cst.For, cst.While, cst.With, cst.Try)):
            inner = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
            stack = list(inner) + stack
            orelse = getattr(node, "orelse", None)
            if orelse is not None and isinstance(getattr(orelse, "body", None), cst.IndentedBlock):
                stack += list(orelse.body.body)
    return found


def _models_in(params: cst.BaseExpression) -> Optional[Set[str]]:
    """`netD.parameters()`, `list(a.parameters()) + list(b.parameters())` -> the models; None when
    the parameters come from anything else (a list built elsewhere, parameter groups)."""
    if isinstance(params, cst.Call) and isinstance(params.func, cst.Attribute) \
            and params.func.attr.value in ("parameters", "named_parameters", "trainable_params", "get_parameters"):
        text = dotted(params.func.value)
        return {text} if text is not None else None
    if isinstance(params, cst.Call) and isinstance(params.func, cst.Name) and params.func.value in ("list", "tuple") \
            and len(params.args) == 1:
        return _models_in(params.args[0].value)
    if isinstance(params, cst.BinaryOperation) and isinstance(params.operator, cst.Add):
        left, right = _models_in(params.left), _models_in(params.right)
        return None if left is None or right is None else left | right
    if isinstance(params, (cst.List, cst.Tuple)) and params.elements:  # `[w, b]`: the parameters themselves
        names = [dotted(e.value) for e in params.elements if not isinstance(e, cst.StarredElement)]
        if len(names) == len(params.elements) and all(names):
            return set(names)
    return None


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _is_two(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Integer, cst.Float)) and float(node.value) == 2.0


def _plain_assignment(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Assign))


def _statement(text: str) -> cst.SimpleStatementLine:
    return cst.parse_statement(text + "\n")


def _replace_name(node: cst.CSTNode, name: str, new: cst.CSTNode) -> cst.CSTNode:
    """`node` with the (one) placeholder Name `name` replaced by `new`."""
    target = next(n for n in iter_names(node) if n.value == name)
    return node.deep_replace(target, new)


def _aux_tuple(names: List[str]) -> str:
    return f"({names[0]},)" if len(names) == 1 else f"({', '.join(names)})"


def _ones_like(ctx: FileContext, expr: cst.BaseExpression, outputs) -> bool:
    """`torch.ones_like(out)`: the gradient of the output's sum, MindSpore's default too."""
    return (isinstance(expr, cst.Call) and ctx.qualname(expr.func) == "torch.ones_like" and len(expr.args) == 1
            and outputs is not None and expr.args[0].value.deep_equals(outputs))


def _accumulate(buffer: str, grads: str) -> cst.BaseStatement:
    return _statement(f"{buffer} = {grads} if {buffer} is None else "
                      f"tuple(a + b for a, b in zip({buffer}, {grads}))")


def _comments(statement: cst.CSTNode) -> List[cst.EmptyLine]:
    lines = [line for line in getattr(statement, "leading_lines", ()) if line.comment is not None]
    trailing = getattr(statement, "trailing_whitespace", None)
    if trailing is not None and trailing.comment is not None:
        lines.append(cst.EmptyLine(comment=trailing.comment))
    return lines


_CARRIER = "__torch2ms_comments__"


def _carrier(statement: cst.CSTNode) -> cst.SimpleStatementLine:
    """A placeholder that hands a removed statement's comments to the next statement."""
    return cst.SimpleStatementLine(body=[cst.Expr(cst.Name(_CARRIER))], leading_lines=_comments(statement))


def _is_carrier(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr) and isinstance(statement.body[0].value, cst.Name)
            and statement.body[0].value.value == _CARRIER)


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)
