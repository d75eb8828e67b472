"""Layer by layer: record what every submodule received and returned, in both frameworks.

torch modules get forward pre-hooks and hooks; MindSpore cells get the same
(Cell.register_forward_pre_hook / register_forward_hook, PyNative mode), and
both are keyed by their dotted name, which the converter keeps. Values are
copied to NumPy at once, so later in-place updates (`out += identity`,
ReLU(inplace=True)) cannot change what was seen.

The first diverging submodule is the first one, in the order torch *finished*
calls, whose output differs: children finish before their parents, so this is
the innermost module where the numbers go wrong. If its inputs differ already,
the fault lies in code of the enclosing module between its submodules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from torch2ms.verify.parity import flatten, is_array, leaf_diff, to_numpy

_MAX_LEAVES = 64  # per call; enough for any layer's inputs and outputs


def _snapshot(value) -> List[Tuple[str, Any]]:
    """(path, NumPy copy or None or type name) for the leaves of a call's inputs or outputs."""
    leaves = []
    for path, leaf in flatten(value, "", ordered=True)[:_MAX_LEAVES]:
        if leaf is None:
            leaves.append((path, None))
        elif is_array(leaf):
            leaves.append((path, np.array(to_numpy(leaf), copy=True)))
        else:
            leaves.append((path, f"<{type(leaf).__name__}>"))
    return leaves


@dataclass
class Call:
    name: str  # dotted submodule name; "" is the model itself
    kind: str  # its class name
    index: int  # 0 for its first call, 1 for the second...
    inputs: Dict[str, Any] = field(default_factory=dict)  # {"args": leaves, "kwargs": {name: leaves}}
    outputs: List[Tuple[str, Any]] = field(default_factory=list)


class Recorder:
    """Hooks on every submodule; `calls` in the order they finished."""

    def __init__(self):
        self.calls: List[Call] = []
        self.names: List[str] = []
        self._open: List[Call] = []
        self._count: Dict[str, int] = {}
        self._handles = []

    def _pre(self, name):
        def hook(module, args, kwargs):
            index = self._count.get(name, 0)
            self._count[name] = index + 1
            call = Call(name, type(module).__name__, index)
            call.inputs = {"args": _snapshot(tuple(args)),
                           "kwargs": {k: _snapshot(v) for k, v in kwargs.items()}}
            self._open.append(call)
        return hook

    def _post(self, name):
        def hook(module, args, kwargs, output):
            call = next((c for c in reversed(self._open) if c.name == name), None)
            if call is None:
                return
            self._open.remove(call)
            call.outputs = _snapshot(output)
            self.calls.append(call)
        return hook

    def attach_torch(self, model) -> "Recorder":
        for name, module in model.named_modules():
            self.names.append(name)
            self._handles.append(module.register_forward_pre_hook(self._pre(name), with_kwargs=True))
            self._handles.append(module.register_forward_hook(self._post(name), with_kwargs=True))
        return self

    def attach_ms(self, model) -> "Recorder":
        for name, cell in model.cells_and_names():
            self.names.append(name)
            self._handles.append(cell.register_forward_pre_hook(self._pre(name), with_kwargs=True))
            self._handles.append(cell.register_forward_hook(self._post(name), with_kwargs=True))
        return self

    def detach(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles.clear()

    def innermost_unfinished(self) -> Optional[Call]:
        """The deepest call still open: where an error raised inside the model left it."""
        return self._open[-1] if self._open else None

    def by_key(self) -> Dict[Tuple[str, int], Call]:
        return {(c.name, c.index): c for c in self.calls}


def _compare_leaves(left, right, atol, rtol) -> Tuple[List[str], float]:
    """(problems, largest difference) over the common prefix of two snapshots.

    Only the common prefix counts: ports legitimately return extra values
    (attention weights, caches) that the other side leaves out.
    """
    problems, worst = [], 0.0
    for (path, a), (_, b) in zip(left, right):
        if isinstance(a, str) or isinstance(b, str):  # an object we do not compare
            continue
        if (a is None) != (b is None):  # an optional extra (position bias, weights) one side leaves out
            continue
        problem, diff = leaf_diff(a, b, atol, rtol)
        if diff != float("inf"):
            worst = max(worst, diff)
        if problem:
            problems.append(f"{path or 'output'}: {problem}" if path else problem)
    return problems, worst


def _compare_inputs(left, right, atol, rtol) -> List[str]:
    problems, _ = _compare_leaves(left["args"], right["args"], atol, rtol)
    for key in sorted(set(left["kwargs"]) & set(right["kwargs"])):
        more, _ = _compare_leaves(left["kwargs"][key], right["kwargs"][key], atol, rtol)
        problems += [f"{key}{p}" if p.startswith("[") else f"{key}: {p}" for p in more]
    return problems


@dataclass
class Divergence:
    name: str
    kind: str
    index: int
    calls: int  # how often torch called it
    detail: str  # the output problem
    max_diff: float
    inputs_differ: Optional[str] = None  # the input problem, when its inputs already differ
    parent_kind: str = ""
    has_children: bool = False

    def describe(self) -> str:
        who = self.name or "<the model itself>"
        call = f", call {self.index + 1} of {self.calls}" if self.calls > 1 else ""
        text = f"{who} ({self.kind}{call}): {self.detail}"
        if self.inputs_differ:
            parent = self.name.rpartition(".")[0] if self.name else ""
            owner = f"{parent or '<the model itself>'}" + (f" ({self.parent_kind})" if self.parent_kind else "")
            text += (f"; its inputs differ already ({self.inputs_differ}), so the fault is in the own code of "
                     f"{owner}, before it calls {self.name.rpartition('.')[2] or 'it'}")
        elif self.has_children:
            text += "; its inputs and all its submodules match, so the fault is in its own code"
        else:
            text += "; its inputs match, so the fault is in this layer"
        return text


@dataclass
class LayerReport:
    first: Optional[Divergence]
    compared: int  # calls compared
    torch_only: List[str]  # torch submodules with no MindSpore cell of that name
    ms_only: List[str]
    not_called: List[str]  # calls torch finished and MindSpore did not (the same name exists)


def first_divergence(torch_rec: Recorder, ms_rec: Recorder, atol=1e-4, rtol=1e-3) -> LayerReport:
    ms_calls = ms_rec.by_key()
    ms_names = set(ms_rec.names)
    torch_counts: Dict[str, int] = {}
    kinds: Dict[str, str] = {}
    for call in torch_rec.calls:
        torch_counts[call.name] = torch_counts.get(call.name, 0) + 1
        kinds[call.name] = call.kind
    first, compared, not_called = None, 0, []
    for call in torch_rec.calls:
        twin = ms_calls.get((call.name, call.index))
        if twin is None:
            if call.name in ms_names and call.name not in not_called:
                not_called.append(call.name)
            continue
        compared += 1
        problems, worst = _compare_leaves(call.outputs, twin.outputs, atol, rtol)
        if not problems or first is not None:
            continue
        inputs = _compare_inputs(call.inputs, twin.inputs, atol, rtol)
        first = Divergence(call.name, call.kind, call.index, torch_counts[call.name], "; ".join(problems[:2]),
                           worst, "; ".join(inputs[:1]) or None, kinds.get(call.name.rpartition(".")[0], ""),
                           any(n != call.name and (not call.name or n.startswith(call.name + "."))
                               for n in torch_rec.names))
    torch_only = [n for n in torch_rec.names if n not in ms_names]
    ms_only = [n for n in ms_rec.names if n not in set(torch_rec.names)]
    return LayerReport(first, compared, torch_only, ms_only, not_called)
