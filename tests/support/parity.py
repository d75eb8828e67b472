"""TEST-ONLY: give a MindSpore cell a torch module's weights, and compare their outputs.

Names line up because the converter keeps attribute names: torch's state_dict
key `layer1.0.bn1.running_mean` is the MindSpore name `layer1.0.bn1.running_mean`
(mint.nn.BatchNorm2d keeps running_mean / running_var / num_batches_tracked as
Parameters under torch's names, so no renaming is needed). A torch
`register_buffer` becomes MindSpore's `Cell.register_buffer`, which 2.10 has;
those buffers are plain Tensors in `cell._buffers`, not Parameters.
"""
from __future__ import annotations

from collections.abc import Mapping

import mindspore as ms
import numpy as np
import torch


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


def _to_numpy(value):
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return (value.float() if value.dtype == torch.bfloat16 else value).numpy()
    if isinstance(value, ms.Tensor):
        return value.asnumpy()
    return np.asarray(value)


def copy_weights(torch_module, ms_cell):
    """Copy torch state_dict entries onto same-named MindSpore parameters/buffers.

    Returns (copied_names, unmatched_torch, unmatched_ms). A shape mismatch on a
    matched name raises ValueError: that is a conversion bug, not a miss.
    """
    source = torch_module.state_dict()
    target = ms_state(ms_cell)
    copied = []
    for name, tensor in source.items():
        if name not in target:
            continue
        sub, attr, is_param = target[name]
        current = getattr(sub, attr)
        value = _to_numpy(tensor)
        if tuple(value.shape) != tuple(current.shape):
            raise ValueError(f"{name}: torch shape {tuple(value.shape)} != mindspore shape {tuple(current.shape)}")
        new = ms.Tensor(value, dtype=current.dtype)
        if is_param:
            current.set_data(new)
        else:
            sub._buffers[attr] = new
        copied.append(name)
    unmatched_torch = [n for n in source if n not in target]
    unmatched_ms = [n for n in target if n not in source]
    return copied, unmatched_torch, unmatched_ms


def _flatten(value, path, out):
    """Yield (path, leaf) pairs; containers are walked in a framework-neutral way."""
    if value is None or isinstance(value, (torch.Tensor, ms.Tensor, np.ndarray, int, float, bool)):
        out.append((path, value))
    elif isinstance(value, Mapping) or (hasattr(value, "keys") and hasattr(value, "__getitem__")):
        for key in sorted(value.keys()):
            _flatten(value[key], f"{path}[{key!r}]", out)
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            _flatten(item, f"{path}[{i}]", out)
    else:
        raise TypeError(f"{path}: cannot compare a {type(value).__name__}")
    return out


def compare(torch_out, ms_out, atol=1e-4, rtol=1e-3):
    """Assert two outputs match leaf by leaf (np.allclose); return the largest absolute difference."""
    left, right = _flatten(torch_out, "out", []), _flatten(ms_out, "out", [])
    paths = [p for p, _ in left], [p for p, _ in right]
    assert paths[0] == paths[1], f"structure differs: torch {paths[0]} vs mindspore {paths[1]}"
    worst = 0.0
    for (path, a), (_, b) in zip(left, right):
        if a is None or b is None:
            assert a is None and b is None, f"{path}: {a!r} vs {b!r}"
            continue
        a, b = _to_numpy(a), _to_numpy(b)
        assert a.shape == b.shape, f"{path}: shape {a.shape} vs {b.shape}"
        assert a.dtype.kind == b.dtype.kind or {a.dtype.kind, b.dtype.kind} <= {"i", "u"}, (
            f"{path}: dtype {a.dtype} vs {b.dtype}")
        a64, b64 = a.astype(np.float64), b.astype(np.float64)
        both_inf = np.isinf(a64) & np.isinf(b64) & (np.sign(a64) == np.sign(b64))
        with np.errstate(invalid="ignore"):  # inf - inf: handled by both_inf
            diff = np.where(both_inf, 0.0, np.abs(a64 - b64))
        if diff.size:
            worst = max(worst, float(np.nanmax(diff)) if not np.isnan(diff).all() else 0.0)
        ok = np.allclose(a64, b64, atol=atol, rtol=rtol, equal_nan=True)
        assert ok, f"{path}: max |diff| {float(diff.max()):.3g} exceeds atol={atol}, rtol={rtol}"
    return worst
