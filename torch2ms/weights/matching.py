"""Checkpoint names -> the converted model's names, and what is left over on either side.

Names line up because the converter keeps attribute names (mint.nn layers keep torch's
parameter names too). What differs is data (knowledge/data/param_names.json: legacy
mindspore.nn layers' gamma/beta, moving_mean/moving_variance, embedding_table, nn.Conv1d's
extra unit axis) and a prefix: a checkpoint of `BertForMaskedLM` holds `bert.embeddings...`
where a `BertModel` wants `embeddings...` (or the reverse), and a DataParallel one `module.`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

import mindspore as ms
import numpy as np

from torch2ms.verify.parity import legacy_layer, ms_state, torch_to_ms_names


@dataclass
class Plan:
    tensors: Dict[str, ms.Tensor] = field(default_factory=dict)  # what to write, by the name MindSpore loads
    renamed: List[Tuple[str, str]] = field(default_factory=list)  # (checkpoint name, MindSpore name)
    reshaped: List[str] = field(default_factory=list)
    cast: List[str] = field(default_factory=list)
    dropped: List[str] = field(default_factory=list)  # torch-only bookkeeping (a legacy BatchNorm's counter)
    unmatched: List[str] = field(default_factory=list)  # checkpoint tensors no parameter took
    unfilled: List[str] = field(default_factory=list)  # model parameters the checkpoint had nothing for
    mismatched: List[str] = field(default_factory=list)  # "name: what differs"
    buffers: List[str] = field(default_factory=list)  # buffers load_param_into_net will not load, whose value differs
    prefix: Optional[str] = None  # how names were re-prefixed, in words


def _first(name: str) -> str:
    return name.split(".", 1)[0]


def _prefix_fix(names: List[str], known: set) -> Tuple[Callable[[str], str], Optional[str]]:
    """The renaming of prefixes that makes the most checkpoint names known (none if none helps)."""
    options: List[Tuple[Callable[[str], str], Optional[str]]] = [(lambda n: n, None)]
    for head, _ in Counter(_first(n) for n in names if "." in n).most_common(3):
        options.append((lambda n, h=head: n[len(h) + 1:] if n.startswith(h + ".") else n,
                        f"checkpoint prefix `{head}.` dropped"))
    for head, _ in Counter(_first(n) for n in known if "." in n).most_common(3):
        options.append((lambda n, h=head: f"{h}.{n}", f"prefix `{head}.` added to checkpoint names"))
    scores = [sum(fix(n) in known for n in names) for fix, _ in options]
    best = max(range(len(options)), key=lambda i: (scores[i], -i))
    return options[best]


def _unit_axis_weights(net) -> set:
    found = set()
    for prefix, sub in net.cells_and_names():
        names = legacy_layer(sub)
        if names is not None and names.unit_axis:
            found.add(f"{prefix}.weight" if prefix else "weight")
    return found


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(a.astype(ms.float32).asnumpy(), b.astype(ms.float32).asnumpy()))
    except Exception:  # noqa: BLE001  (a value that cannot be read counts as different)
        return False


def match(tensors: Dict[str, ms.Tensor], net, cast: bool = False) -> Plan:
    plan = Plan()
    state = ms_state(net)  # every name a parameter or persistent buffer is reachable by
    aliases = torch_to_ms_names(net)  # torch-style name -> legacy layer's name
    unit_axis = _unit_axis_weights(net)
    fix, plan.prefix = _prefix_fix(list(tensors), set(state) | set(aliases))
    filled = set()  # ids of parameters (a tied one is filled through any of its names)
    mismatched = set()  # ids of parameters already listed as mismatched (not also as unfilled)
    for name, tensor in tensors.items():
        key = fix(name)
        if key not in state and key in aliases:
            if aliases[key] is None:
                plan.dropped.append(name)
                continue
            plan.renamed.append((name, aliases[key]))
            key = aliases[key]
        if key not in state:
            plan.unmatched.append(name)
            continue
        sub, attr, is_param = state[key]
        current = getattr(sub, attr)
        value = tensor
        if tuple(value.shape) != tuple(current.shape):
            same_data = [d for d in value.shape if d != 1] == [d for d in current.shape if d != 1]
            if key in unit_axis and same_data:
                value = value.reshape(tuple(current.shape))
                plan.reshaped.append(f"{name}: {tuple(tensor.shape)} -> {tuple(current.shape)}")
            else:
                plan.mismatched.append(f"{name}: shape {tuple(tensor.shape)} in the checkpoint, "
                                       f"{tuple(current.shape)} in the model ({key})")
                mismatched.add(id(current))
                continue
        if value.dtype != current.dtype:
            if not cast:
                plan.mismatched.append(f"{name}: dtype {value.dtype} in the checkpoint, {current.dtype} in the model "
                                       f"({key}); --cast converts")
                mismatched.add(id(current))
                continue
            value = value.astype(current.dtype)
            plan.cast.append(f"{name}: {tensor.dtype} -> {current.dtype}")
        filled.add(id(current))
        if is_param:
            plan.tensors[current.name] = value  # the name load_param_into_net looks for
        elif not _same(value, current):
            # load_param_into_net loads parameters only: a buffer keeps what the model's constructor
            # made, which is fine when that is the checkpoint's value and a problem otherwise
            plan.buffers.append(key)
    seen = set()
    for key, (sub, attr, is_param) in state.items():
        current = getattr(sub, attr)
        if id(current) not in filled | mismatched and id(current) not in seen:
            plan.unfilled.append(key)
        seen.add(id(current))
    return plan
