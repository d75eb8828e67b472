"""Give a MindSpore cell a torch module's weights, and compare their outputs.

Names line up because the converter keeps attribute names: torch's state_dict
key `layer1.0.bn1.running_mean` is the MindSpore name `layer1.0.bn1.running_mean`
(mint.nn.BatchNorm2d keeps running_mean / running_var / num_batches_tracked as
Parameters under torch's names). A torch `register_buffer` becomes MindSpore's
`Cell.register_buffer`; those buffers are plain Tensors in `cell._buffers`.

Hand-written ports (mindone) still use some legacy `mindspore.nn` layers, whose
parameters have other names (`gamma`/`beta`, `embedding_table`, `moving_mean`):
those are matched too, the way mindone's own checkpoint loader matches them.
"""
from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

import mindspore as ms
import numpy as np
import torch

from torch2ms.knowledge.param_names import LayerNames, legacy_layers


def legacy_layer(cell) -> Optional[LayerNames]:
    """How a legacy mindspore.nn layer names (and shapes) its parameters unlike torch
    (knowledge/data/param_names.json); None for any other cell."""
    for path, names in legacy_layers().items():
        module, _, name = path.rpartition(".")
        layer = getattr(importlib.import_module(module), name, None)
        if layer is not None and isinstance(cell, layer):
            return names
    return None


def _legacy_aliases(cell) -> Dict[str, Optional[str]]:
    """torch attribute -> MindSpore name (None: torch-only, dropped) for a legacy layer."""
    names = legacy_layer(cell)
    return names.rename if names is not None else {}


def ms_state(cell):
    """name -> (owning cell, attribute, is_parameter) for persistent parameters and buffers.

    Unlike parameters_and_names(), a tied Parameter is listed under every name
    it is reachable by, as torch's state_dict does.
    """
    found = {}
    for prefix, sub in cell.cells_and_names():
        dot = prefix + "." if prefix else ""
        for name, param in sub._params.items():
            if param is not None:
                found[dot + name] = (sub, name, True)
        transient = getattr(sub, "_non_persistent_buffers_set", set())
        for name, buf in getattr(sub, "_buffers", {}).items():
            if buf is not None and name not in transient:
                found[dot + name] = (sub, name, False)
    return found


def torch_to_ms_names(ms_cell) -> Dict[str, Optional[str]]:
    """torch-style name -> MindSpore name, for parameters of legacy mindspore.nn layers."""
    names = {}
    for prefix, sub in ms_cell.cells_and_names():
        dot = prefix + "." if prefix else ""
        for torch_attr, ms_attr in _legacy_aliases(sub).items():
            names[dot + torch_attr] = None if ms_attr is None else dot + ms_attr
    return names


def to_numpy(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return (value.float() if value.dtype == torch.bfloat16 else value).numpy()
    if isinstance(value, ms.Tensor):
        if value.dtype == ms.bfloat16:
            value = value.astype(ms.float32)
        return value.asnumpy()
    return np.asarray(value)


def _fit(value: np.ndarray, shape: Tuple[int, ...], name: str) -> np.ndarray:
    if tuple(value.shape) == tuple(shape):
        return value
    # legacy layers keep extra unit axes (nn.Conv1d weights are (out, in, 1, k)): same data, reshaped
    squeeze = lambda s: tuple(d for d in s if d != 1)  # noqa: E731
    if squeeze(value.shape) == squeeze(shape) and value.size == int(np.prod(shape)):
        return value.reshape(shape)
    raise ValueError(f"{name}: torch shape {tuple(value.shape)} != mindspore shape {tuple(shape)}")


def copy_weights(torch_module, ms_cell):
    """Copy torch state_dict entries onto same-named MindSpore parameters/buffers.

    Returns (copied_names, unmatched_torch, unmatched_ms), all in torch's naming
    except unmatched_ms. A shape mismatch on a matched name raises ValueError:
    that is a conversion bug, not a miss.
    """
    source = torch_module.state_dict()
    target = ms_state(ms_cell)
    aliases = torch_to_ms_names(ms_cell)
    copied, used_targets, dropped = [], set(), set()
    for name, tensor in source.items():
        ms_name = name if name in target else aliases.get(name, name)
        if name not in target and name in aliases and aliases[name] is None:
            dropped.add(name)  # e.g. num_batches_tracked of a legacy BatchNorm: torch-only bookkeeping
            continue
        if ms_name not in target:
            continue
        sub, attr, is_param = target[ms_name]
        current = getattr(sub, attr)
        value = _fit(to_numpy(tensor), tuple(current.shape), name)
        new = ms.Tensor(value, dtype=current.dtype)
        if is_param:
            current.set_data(new)
        else:
            sub._buffers[attr] = new
        copied.append(name)
        used_targets.add(ms_name)
    unmatched_torch = [n for n in source if n not in copied and n not in dropped]
    unmatched_ms = [n for n in target if n not in used_targets]
    return copied, unmatched_torch, unmatched_ms


# ---- comparing outputs -----------------------------------------------------------

def _flatten(value, path, out, ordered=False):
    """(path, leaf) pairs; containers are walked in a framework-neutral way.

    ordered=True walks a model output (anything with to_tuple(), e.g. a transformers
    ModelOutput) in its own field order and treats dicts' insertion order as
    meaningful, so that an output object and a plain tuple line up position by position.
    """
    if value is None or isinstance(value, (torch.Tensor, ms.Tensor, np.ndarray, int, float, bool)):
        out.append((path, value))
    elif ordered and hasattr(value, "to_tuple") and hasattr(value, "keys"):
        for key in value.keys():
            _flatten(value[key], f"{path}.{key}", out, ordered)
    elif isinstance(value, Mapping) or (hasattr(value, "keys") and hasattr(value, "__getitem__")):
        for key in (value.keys() if ordered else sorted(value.keys())):
            _flatten(value[key], f"{path}[{key!r}]", out, ordered)
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            _flatten(item, f"{path}[{i}]", out, ordered)
    elif ordered:
        out.append((path, value))  # an object we cannot compare (a cache, say): reported, not fatal
    else:
        raise TypeError(f"{path}: cannot compare a {type(value).__name__}")
    return out


def flatten(value, path="out", ordered=False):
    return _flatten(value, path, [], ordered)


def is_array(value) -> bool:
    return isinstance(value, (torch.Tensor, ms.Tensor, np.ndarray, int, float, bool))


def _brief(value) -> str:
    if value is None or isinstance(value, (int, float, bool)):
        return repr(value)
    array = to_numpy(value)
    return f"{type(value).__name__} {array.dtype} {tuple(array.shape)}"


def leaf_diff(a, b, atol, rtol) -> Tuple[Optional[str], float]:
    """(problem or None, largest |a - b|) for two leaves (tensors, arrays, numbers or None)."""
    if a is None or b is None:
        return (None if a is None and b is None else f"{_brief(a)} vs {_brief(b)}"), 0.0
    a, b = to_numpy(a), to_numpy(b)
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}", float("inf")
    if not (a.dtype.kind == b.dtype.kind or {a.dtype.kind, b.dtype.kind} <= {"i", "u"}):
        return f"dtype {a.dtype} vs {b.dtype}", float("inf")
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    both_inf = np.isinf(a64) & np.isinf(b64) & (np.sign(a64) == np.sign(b64))
    with np.errstate(invalid="ignore"):  # inf - inf: handled by both_inf
        diff = np.where(both_inf, 0.0, np.abs(a64 - b64))
    worst = float(np.nanmax(diff)) if diff.size and not np.isnan(diff).all() else 0.0
    if not np.allclose(a64, b64, atol=atol, rtol=rtol, equal_nan=True):
        return f"max |diff| {float(diff.max()):.3g} exceeds atol={atol}, rtol={rtol}", worst
    return None, worst


def compare(torch_out, ms_out, atol=1e-4, rtol=1e-3):
    """Assert two outputs match leaf by leaf (np.allclose); return the largest absolute difference."""
    left, right = flatten(torch_out), flatten(ms_out)
    paths = [p for p, _ in left], [p for p, _ in right]
    assert paths[0] == paths[1], f"structure differs: torch {paths[0]} vs mindspore {paths[1]}"
    worst = 0.0
    for (path, a), (_, b) in zip(left, right):
        problem, diff = leaf_diff(a, b, atol, rtol)
        assert problem is None, f"{path}: {problem}"
        worst = max(worst, diff)
    return worst


@dataclass
class Comparison:
    """compare_outputs()'s answer: ok, the largest difference, and what went wrong where."""
    ok: bool
    max_diff: float
    problems: List[str] = field(default_factory=list)  # "path: what" for each failing leaf
    notes: List[str] = field(default_factory=list)  # leaves that could not be compared
    leaves: int = 0


def compare_outputs(torch_out: Any, ms_out: Any, atol=1e-4, rtol=1e-3) -> Comparison:
    """Like compare(), but positional (a ModelOutput lines up with a tuple) and never raising."""
    left, right = flatten(torch_out, ordered=True), flatten(ms_out, ordered=True)
    result = Comparison(True, 0.0)
    if len(left) != len(right):
        result.ok = False
        result.problems.append(f"structure differs: torch gives {len(left)} values {[p for p, _ in left]}, "
                               f"mindspore {len(right)} {[p for p, _ in right]}")
    for (path, a), (_, b) in zip(left, right):
        if not (is_array(a) or a is None) or not (is_array(b) or b is None):
            result.notes.append(f"{path}: not compared ({type(a).__name__} vs {type(b).__name__})")
            continue
        problem, diff = leaf_diff(a, b, atol, rtol)
        result.leaves += 1
        if diff != float("inf"):
            result.max_diff = max(result.max_diff, diff)
        if problem:
            result.ok = False
            result.problems.append(f"{path}: {problem}")
    return result
