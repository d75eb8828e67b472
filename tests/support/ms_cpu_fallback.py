"""TEST-ONLY stand-ins for `mindspore.mint` APIs that have no CPU kernel in MindSpore 2.10.

Converted code targets `mint` first; on a CPU-only machine many of those ops
fail (see docs/cpu-kernels.md, produced by scripts/probe_cpu_kernels.py).  To
prove conversions by execution anyway, `install()` swaps each failing API for
an equivalent built from CPU-capable kernels (mostly `mindspore.ops`).

Rules the stand-ins keep:
* the *mint* signature, not torch's: a converted call that mint itself would
  reject (say `mint.ones(2, 3)`) must still fail here, or the test would hide
  a converter bug;
* no torch, no NumPy round trips;
* layer classes subclass the mint class and only replace `construct`, so the
  parameter names (and a torch state_dict copied by name) are unchanged.

Not covered (no example needs them yet): mint.einsum, mint.norm, mint.clone,
mint.normal, mint.randperm, mint.nonzero / one-argument mint.where, Conv1d,
and Tensor methods such as clone / normal_ / uniform_ / zero_.

The patch is on module attributes, so install() before importing code that
does `from mindspore.mint.nn import Conv2d`; `mint.nn.Conv2d(...)` style
look-ups are resolved at call time and need nothing special.
"""
from __future__ import annotations

import mindspore as ms
from mindspore import mint, ops

_INT_TYPES = (ms.int8, ms.int16, ms.int32, ms.int64, ms.uint8, ms.bool_)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


# ---- mint.nn.functional ---------------------------------------------------

def gelu(input, approximate="none"):
    return ops.gelu(input, approximate=approximate)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if isinstance(padding, str):  # 'same' / 'valid'
        return ops.conv2d(input, weight, bias, stride, padding, 0, dilation, groups)
    ph, pw = _pair(padding)  # ops.conv2d takes (h, w) and pads both sides
    return ops.conv2d(input, weight, bias, stride, "pad", (ph, pw), dilation, groups)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axis = input.ndim - len(shape)
    gamma = weight if weight is not None else ops.ones(shape, input.dtype)
    beta = bias if bias is not None else ops.zeros(shape, input.dtype)
    return ops.LayerNorm(axis, axis, eps)(input, gamma, beta)[0]


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False):
    # padding_idx and scale_grad_by_freq only change gradients; max_norm rewrites weight in place.
    if max_norm is not None:
        raise NotImplementedError("cpu fallback: embedding(max_norm=...) is not emulated")
    return ops.gather(weight, input, 0)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    stride = kernel_size if stride is None else stride
    out = ops.max_pool2d(input, kernel_size, stride, padding, dilation, return_indices, ceil_mode)
    return (out[0], out[1].astype(ms.int64)) if return_indices else out


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    stride = kernel_size if stride is None else stride
    return ops.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override or 0)


def adaptive_avg_pool2d(input, output_size):
    return ops.adaptive_avg_pool2d(input, output_size)


def pad(input, pad, mode="constant", value=None):
    return ops.pad(input, tuple(pad), mode, value)


def normalize(input, p=2.0, dim=1, eps=1e-12):
    norm = mint.pow(mint.sum(mint.pow(mint.abs(input), p), dim, keepdim=True), 1.0 / p)
    return input / mint.clamp(norm, min=eps)


def log_softmax(input, dim=None, *, dtype=None):
    if dtype is not None:
        input = input.astype(dtype)
    if dim is None:  # the legacy implicit choice torch and mint share
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return ops.log_softmax(input, dim)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    return ops.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)


def dropout(input, p=0.5, training=True, inplace=False):
    if not training or p == 0:
        return input
    return ops.dropout(input, p, True)


# ---- mint -------------------------------------------------------------------

def arange(start=0, end=None, step=1, *, dtype=None):
    return ops.arange(start, end, step, dtype=dtype)


def zeros_like(input, *, dtype=None):
    return ops.zeros_like(input, dtype=dtype)


def ones_like(input, *, dtype=None):
    return ops.ones_like(input, dtype=dtype)


def full(size, fill_value, *, dtype=None):
    if dtype is None:  # mint infers it from the fill value, as torch does; ops.full would say int64
        kind = type(fill_value.item() if isinstance(fill_value, ms.Tensor) else fill_value)
        dtype = {bool: ms.bool_, int: ms.int64}.get(kind, ms.float32)
    return ops.full(size, fill_value, dtype=dtype)


def linspace(start, end, steps, *, dtype=None):
    out = ops.linspace(float(start), float(end), steps)
    return out if dtype is None else out.astype(dtype)


def stack(tensors, dim=0):
    return ops.stack(tensors, dim)


def cumsum(input, dim, dtype=None):
    if dtype is None and input.dtype in _INT_TYPES:  # integer sums widen to int64, as in torch
        dtype = ms.int64
    return ops.cumsum(input if dtype is None else input.astype(dtype), dim)


def argmax(input, dim=None, keepdim=False):
    return ops.argmax(input, dim, keepdim).astype(ms.int64)


def topk(input, k, dim=-1, largest=True, sorted=True):
    values, indices = ops.topk(input, k, dim, largest, sorted)
    return values, indices.astype(ms.int64)


def sort(input, *, dim=-1, descending=False, stable=False):
    values, indices = ops.sort(input, dim, descending)
    return values, indices.astype(ms.int64)


def tril(input, diagonal=0):
    return ops.tril(input, diagonal)


def logsumexp(input, dim, keepdim=False):
    return ops.logsumexp(input, dim, keepdim)


def var(input, dim=None, *, correction=1, keepdim=False):
    return ops.var(input, dim, correction, keepdim)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    # `generator` is accepted but not honoured: only distributions can be compared anyway.
    return ops.multinomial(input, num_samples, replacement).astype(ms.int64)


def _size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def randn(*size, generator=None, dtype=None, device=None):
    return ops.randn(*_size(size), dtype=dtype)


def rand(*size, generator=None, dtype=None, device=None):
    return ops.rand(*_size(size), dtype=dtype)


def randint(*args, generator=None, dtype=None, device=None):
    low, high, size = (0, *args) if len(args) == 2 else args
    return ops.randint(low, high, tuple(size), dtype=dtype or ms.int64)


# ---- installation -------------------------------------------------------------

MINT_FUNCS = ["arange", "zeros_like", "ones_like", "full", "linspace", "stack", "cumsum", "argmax", "topk",
              "sort", "tril", "logsumexp", "var", "multinomial", "randn", "rand", "randint"]
FUNCTIONAL_FUNCS = ["gelu", "conv2d", "layer_norm", "embedding", "max_pool2d", "avg_pool2d",
                    "adaptive_avg_pool2d", "pad", "normalize", "log_softmax", "cross_entropy", "dropout"]

_saved: dict = {}  # (module, name) -> original


def _targets():
    from . import ms_cpu_layers  # imported late: it subclasses the *original* mint classes

    here = globals()
    yield from ((mint, "mint", n, here[n]) for n in MINT_FUNCS)
    # mint.nn.functional is also reachable as mint.nn.F (same module object)
    yield from ((mint.nn.functional, "mint.nn.functional", n, here[n]) for n in FUNCTIONAL_FUNCS)
    yield from ((mint.nn, "mint.nn", n, getattr(ms_cpu_layers, n)) for n in ms_cpu_layers.LAYERS)


def install():
    """Patch every listed mint API; return the dotted names replaced (idempotent)."""
    replaced = []
    for module, prefix, name, repl in _targets():
        if (module, name) not in _saved:
            _saved[(module, name)] = getattr(module, name)
        setattr(module, name, repl)
        replaced.append(f"{prefix}.{name}")
    return replaced


def uninstall():
    """Put every original mint API back."""
    for (module, name), original in _saved.items():
        setattr(module, name, original)
    _saved.clear()
