"""Stand-ins for `mindspore.mint` functions, built from MindSpore's own CPU kernels.

Rules every stand-in keeps:
* the *mint* signature, not torch's: a converted call that mint itself would
  reject (say `mint.ones(2, 3)` or `mint.sort(x, -1)`) must still fail, or a
  conversion bug would pass on CPU and break on the real device;
* built from MindSpore kernels only (mostly `mindspore.ops`, or mint APIs that
  do have CPU kernels): no torch, no NumPy round trips;
* the same results as torch (tests/test_cpu_fallback.py compares each one).

Each is registered by @stand_in (registry.py) with the public name it replaces
and its probe. The names here stay the raw implementations (other stand-ins call
them without counting); `torch2ms.fallback.install()` puts the registry's counting
wrappers of them on the mint modules, so `used()` can say which ones ran.
"""
from __future__ import annotations

import mindspore as ms
from mindspore import mint, ops

from torch2ms.fallback.in_place import write as _write
from torch2ms.fallback.registry import stand_in

_INT_TYPES = (ms.int8, ms.int16, ms.int32, ms.int64, ms.uint8, ms.bool_)


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def _single(v):
    return v[0] if isinstance(v, (tuple, list)) else v


# ---- mint.nn.functional ---------------------------------------------------

@stand_in("mint.nn.functional.gelu", probe="force(F.gelu(t(2, 4))); force(F.gelu(t(2, 4), approximate='tanh'))")
def gelu(input, approximate="none"):
    return ops.gelu(input, approximate=approximate)


@stand_in("mint.nn.functional.batch_norm",
          probe="force(F.batch_norm(t(3, 4, 5), ms.ops.zeros(4), ms.ops.ones(4)))")
def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05):
    """Batch statistics when training (or without running statistics), else the running ones;
    training updates running_mean / running_var in place, as torch does."""
    axes = (0,) + tuple(range(2, input.ndim))
    shape = (1, -1) + (1,) * (input.ndim - 2)
    if training or running_mean is None:
        mean = mint.mean(input, axes, keepdim=True)
        var = mint.mean((input - mean) ** 2, axes, keepdim=True)
        if training and running_mean is not None:
            n = input.size // input.shape[1]
            ops.assign(running_mean, (1 - momentum) * running_mean + momentum * mean.reshape(-1))
            ops.assign(running_var, (1 - momentum) * running_var + momentum * var.reshape(-1) * (n / max(n - 1, 1)))
    else:
        mean, var = running_mean.reshape(shape), running_var.reshape(shape)
    out = (input - mean) * mint.rsqrt(var + eps)
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out


@stand_in("mint.roll", probe="force(mint.roll(t(4, 5), 2, 1))")
def roll(input, shifts, dims=None):
    """Each rolled axis is two slices swapped (ops.roll has no CPU kernel either)."""
    if dims is None:
        return roll(input.reshape(-1), shifts, 0).reshape(input.shape)
    shifts = tuple(shifts) if isinstance(shifts, (tuple, list)) else (shifts,)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    out = input
    for shift, dim in zip(shifts, dims):
        size = out.shape[dim]
        shift = shift % size if size else 0
        if shift:
            out = mint.cat([mint.narrow(out, dim, size - shift, shift), mint.narrow(out, dim, 0, size - shift)], dim)
    return out


@stand_in("mint.nn.functional.relu6", probe="force(F.relu6(t(2, 4)))")
def relu6(input, inplace=False):
    return mint.clamp(input, 0.0, 6.0)


@stand_in("mint.nn.functional.conv2d", probe="force(F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), None, 1, 1))")
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if isinstance(padding, str):  # 'same' / 'valid'
        return ops.conv2d(input, weight, bias, stride, padding, 0, dilation, groups)
    ph, pw = _pair(padding)  # ops.conv2d takes (h, w) and pads both sides
    return ops.conv2d(input, weight, bias, stride, "pad", (ph, pw), dilation, groups)


@stand_in("mint.nn.functional.conv1d", probe="force(F.conv1d(t(1, 3, 8), t(4, 3, 3), None, 1, 1))")
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    # A 1-D convolution is a 2-D one over a height-1 image.
    pad = padding if isinstance(padding, str) else (0, _single(padding))
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, _single(stride)), pad,
                 (1, _single(dilation)), groups)
    return out.squeeze(-2)


def _triple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v, v)


@stand_in("mint.nn.functional.conv3d", probe="force(F.conv3d(t(1, 2, 4, 5, 5), t(3, 2, 3, 3, 3), None, 1, 1))")
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    if isinstance(padding, str):  # 'same' / 'valid'
        return ops.conv3d(input, weight, bias, stride, padding, 0, dilation, groups)
    return ops.conv3d(input, weight, bias, stride, "pad", _triple(padding), dilation, groups)


@stand_in("mint.nn.functional.layer_norm", probe="force(F.layer_norm(t(2, 8), (8,)))")
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    axis = input.ndim - len(shape)
    gamma = weight if weight is not None else ops.ones(shape, input.dtype)
    beta = bias if bias is not None else ops.zeros(shape, input.dtype)
    return ops.LayerNorm(axis, axis, eps)(input, gamma, beta)[0]


@stand_in("mint.nn.functional.embedding", probe="force(F.embedding(i(2, 3), t(10, 4)))")
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False):
    # padding_idx and scale_grad_by_freq only change gradients; max_norm rewrites weight in place.
    if max_norm is not None:
        raise NotImplementedError("torch2ms cpu fallback: embedding(max_norm=...) is not emulated")
    return ops.gather(weight, input, 0)


@stand_in("mint.nn.functional.max_pool2d", probe="force(F.max_pool2d(t(1, 2, 8, 8), 2))")
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    stride = kernel_size if stride is None else stride
    out = ops.max_pool2d(input, kernel_size, stride, padding, dilation, return_indices, ceil_mode)
    return (out[0], out[1].astype(ms.int64)) if return_indices else out


@stand_in("mint.nn.functional.avg_pool2d", probe="force(F.avg_pool2d(t(1, 2, 8, 8), 2))")
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    stride = kernel_size if stride is None else stride
    return ops.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override or 0)


@stand_in("mint.nn.functional.adaptive_avg_pool2d", probe="force(F.adaptive_avg_pool2d(t(1, 2, 5, 5), 1))")
def adaptive_avg_pool2d(input, output_size):
    return ops.adaptive_avg_pool2d(input, output_size)


@stand_in("mint.nn.functional.adaptive_avg_pool1d", probe="force(F.adaptive_avg_pool1d(t(1, 2, 7), 3))")
def adaptive_avg_pool1d(input, output_size):
    # A 1-D pool is a 2-D one over a height-1 image.
    return ops.adaptive_avg_pool2d(input.unsqueeze(-2), (1, _single(output_size))).squeeze(-2)


@stand_in("mint.nn.functional.pad",
          probe="force(F.pad(t(1, 2, 3), (1, 2))); force(F.pad(t(1, 2, 4, 4), (1, 1, 1, 1), 'reflect'))")
def pad(input, pad, mode="constant", value=None):
    return ops.pad(input, tuple(pad), mode, value)


@stand_in("mint.nn.functional.normalize", probe="force(F.normalize(t(2, 4), dim=-1))")
def normalize(input, p=2.0, dim=1, eps=1e-12):
    norm = mint.pow(mint.sum(mint.pow(mint.abs(input), p), dim, keepdim=True), 1.0 / p)
    return input / mint.clamp(norm, min=eps)


@stand_in("mint.nn.functional.log_softmax", probe="force(F.log_softmax(t(2, 4), dim=-1))")
def log_softmax(input, dim=None, *, dtype=None):
    if dtype is not None:
        input = input.astype(dtype)
    if dim is None:  # the legacy implicit choice torch and mint share
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return ops.log_softmax(input, dim)


@stand_in("mint.nn.functional.cross_entropy", probe="force(F.cross_entropy(t(4, 5), i(4, high=5)))")
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    return ops.cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)


@stand_in("mint.nn.functional.dropout",
          probe="force(F.dropout(t(2, 4), 0.1, True)); force(F.dropout(t(2, 4), 0.1, False))")
def dropout(input, p=0.5, training=True, inplace=False):
    if not training or p == 0:
        return input
    return ops.dropout(input, p, True)


# ---- mint -------------------------------------------------------------------

@stand_in("mint.arange", probe="force(mint.arange(0, 5, dtype=ms.int64)); force(mint.arange(5))")
def arange(start=0, end=None, step=1, *, dtype=None):
    return ops.arange(start, end, step, dtype=dtype)


@stand_in("mint.zeros_like", probe="force(mint.zeros_like(t(2, 3)))")
def zeros_like(input, *, dtype=None):
    return ops.zeros_like(input, dtype=dtype)


@stand_in("mint.ones_like", probe="force(mint.ones_like(t(2, 3)))")
def ones_like(input, *, dtype=None):
    return ops.ones_like(input, dtype=dtype)


@stand_in("mint.full", probe="force(mint.full((2, 3), 1.5))")
def full(size, fill_value, *, dtype=None):
    if dtype is None:  # mint infers it from the fill value, as torch does; ops.full would say int64
        kind = type(fill_value.item() if isinstance(fill_value, ms.Tensor) else fill_value)
        dtype = {bool: ms.bool_, int: ms.int64}.get(kind, ms.float32)
    return ops.full(size, fill_value, dtype=dtype)


@stand_in("mint.full_like", probe="force(mint.full_like(t(2, 3), 1.5)); force(mint.full_like(i(2, 3), 2))")
def full_like(input, fill_value, *, dtype=None):
    return ops.full(input.shape, fill_value, dtype=dtype or input.dtype)


@stand_in("mint.ones", probe="force(mint.ones(())); force(mint.ones([2, 3]))")
def ones(size, *, dtype=None):
    # mint.ones(()) (a 0-d tensor: `Parameter(ones([]) * scale)`) has no CPU kernel; ops.ones has
    return ops.ones(tuple(size) if isinstance(size, list) else size, dtype or ms.float32)


@stand_in("mint.zeros", probe="force(mint.zeros(())); force(mint.zeros([2, 3]))")
def zeros(size, *, dtype=None):
    return ops.zeros(tuple(size) if isinstance(size, list) else size, dtype or ms.float32)


@stand_in("mint.linspace", probe="force(mint.linspace(0, 1, 5))")
def linspace(start, end, steps, *, dtype=None):
    out = ops.linspace(float(start), float(end), steps)
    return out if dtype is None else out.astype(dtype)


@stand_in("mint.stack", probe="force(mint.stack([t(2), t(2)]))")
def stack(tensors, dim=0):
    return ops.stack(tensors, dim)


@stand_in("mint.argmin", probe="force(mint.argmin(t(2, 3), 1)); force(mint.argmin(t(2, 3)))")
def argmin(input, dim=None, keepdim=False):
    if dim is None:
        return ops.argmin(input.reshape(-1), 0).astype(ms.int64)
    return ops.argmin(input, dim, keepdim).astype(ms.int64)  # mint's indices are int64, as torch's


@stand_in("mint.cumsum", probe="force(mint.cumsum(t(2, 3), 1))")
def cumsum(input, dim, dtype=None):
    if dtype is None and input.dtype in _INT_TYPES:  # integer sums widen to int64, as in torch
        dtype = ms.int64
    return ops.cumsum(input if dtype is None else input.astype(dtype), dim)


@stand_in("mint.argmax", probe="force(mint.argmax(t(2, 3), 1))")
def argmax(input, dim=None, keepdim=False):
    return ops.argmax(input, dim, keepdim).astype(ms.int64)


@stand_in("mint.topk", probe="force(mint.topk(t(2, 5), 2))")
def topk(input, k, dim=-1, largest=True, sorted=True):
    values, indices = ops.topk(input, k, dim, largest, sorted)
    return values, indices.astype(ms.int64)


@stand_in("mint.sort", probe="force(mint.sort(t(2, 5), dim=-1))")
def sort(input, *, dim=-1, descending=False, stable=False):
    values, indices = ops.sort(input, dim, descending)
    return values, indices.astype(ms.int64)


@stand_in("mint.tril", probe="force(mint.tril(t(3, 3)))")
def tril(input, diagonal=0):
    return ops.tril(input, diagonal)


@stand_in("mint.logsumexp", probe="force(mint.logsumexp(t(2, 3), 1))")
def logsumexp(input, dim, keepdim=False):
    return ops.logsumexp(input, dim, keepdim)


@stand_in("mint.var", probe="force(mint.var(t(2, 3), 1))")
def var(input, dim=None, *, correction=1, keepdim=False):
    return ops.var(input, dim, correction, keepdim)


def _scaled(value, factor):
    return value if factor == 1 else value * factor


@stand_in("mint.mm", probe="force(mint.mm(t(2, 3), t(3, 4)))")
def mm(input, mat2):
    # MindSpore 2.10 on CPU: "The kernel Mm unregistered" (a SimCLR loss's similarity matrix)
    if input.ndim != 2 or mat2.ndim != 2:
        raise ValueError(f"mint.mm takes two 2-D tensors, got {input.ndim}-D and {mat2.ndim}-D")
    return mint.matmul(input, mat2)


@stand_in("mint.addmm", probe="force(mint.addmm(t(2, 4), t(2, 3), t(3, 4)))")
def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    # beta == 0 ignores input entirely (nan/inf included), as torch documents.
    product = _scaled(mint.matmul(mat1, mat2), alpha)
    return product if beta == 0 else _scaled(input, beta) + product


@stand_in("mint.baddbmm", probe="force(mint.baddbmm(t(2, 2, 4), t(2, 2, 3), t(2, 3, 4)))")
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    product = _scaled(mint.bmm(batch1, batch2), alpha)
    return product if beta == 0 else _scaled(input, beta) + product


@stand_in("mint.addcmul", probe="force(mint.addcmul(t(3), t(3), t(3), value=0.5))")
def addcmul(input, tensor1, tensor2, *, value=1):
    return input + _scaled(tensor1 * tensor2, value)


@stand_in("mint.outer", probe="force(mint.outer(t(3), t(4)))")
def outer(input, vec2):
    return input.reshape(-1, 1) * vec2.reshape(1, -1)


@stand_in("mint.clone", probe="force(mint.clone(t(2, 3)))")
def clone(input):
    return ops.deepcopy(input)


@stand_in("mint.norm", probe="force(mint.norm(t(2, 3))); force(mint.norm(t(2, 3), 1.0, 1))")
def norm(input, p="fro", dim=None, keepdim=False, *, dtype=None):
    if dtype is not None:
        input = input.astype(dtype)
    if p == "fro":
        p = 2.0
    if not isinstance(p, (int, float)):
        raise NotImplementedError(f"torch2ms cpu fallback: norm(p={p!r}) is not emulated")
    axes = tuple(range(input.ndim)) if dim is None else dim
    size = mint.abs(input)
    if p == float("inf"):
        return mint.amax(size, axes, keepdim)
    if p == float("-inf"):
        return mint.amin(size, axes, keepdim)
    if p == 0:
        return mint.sum((size != 0).astype(input.dtype), axes, keepdim)
    return mint.pow(mint.sum(mint.pow(size, p), axes, keepdim), 1.0 / p)


@stand_in("mint.multinomial", probe="force(mint.multinomial(mint.softmax(t(2, 4), -1), 1))")
def multinomial(input, num_samples, replacement=False, *, generator=None):
    # `generator` is accepted but not honoured: only distributions can be compared anyway.
    return ops.multinomial(input, num_samples, replacement).astype(ms.int64)


def _size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


@stand_in("mint.randn", probe="force(mint.randn(2, 3))")
def randn(*size, generator=None, dtype=None, device=None):
    return ops.randn(*_size(size), dtype=dtype)


@stand_in("mint.rand", probe="force(mint.rand(2, 3))")
def rand(*size, generator=None, dtype=None, device=None):
    return ops.rand(*_size(size), dtype=dtype)


@stand_in("mint.randint", probe="force(mint.randint(0, 5, (2, 3)))")
def randint(*args, generator=None, dtype=None, device=None):
    low, high, size = (0, *args) if len(args) == 2 else args
    return ops.randint(low, high, tuple(size), dtype=dtype or ms.int64)


# ---- beyond mint: APIs hand-written ports (mindone) call that CPU also lacks --------------

@stand_in("ops.rms_norm", probe="force(ops.rms_norm(t(2, 8), t(8)))")
def rms_norm(x, gamma, epsilon=1e-06):
    """mindspore.ops.rms_norm: (x * rstd * gamma, rstd), normalising over gamma's trailing axes."""
    axes = tuple(range(x.ndim - gamma.ndim, x.ndim))
    rstd = mint.rsqrt(mint.mean(mint.square(x), axes, keepdim=True) + epsilon)
    return x * rstd * gamma, rstd


@stand_in("mint.nn.functional.one_hot", probe="force(F.one_hot(i(2, 3), 10)); force(F.one_hot(i(4)))")
def one_hot(tensor, num_classes=-1):
    depth = int(tensor.max()) + 1 if num_classes == -1 else num_classes
    return ops.one_hot(tensor, depth, ms.Tensor(1, ms.int64), ms.Tensor(0, ms.int64))


@stand_in("mint.bitwise_xor",
          probe="force(mint.bitwise_xor(i(2, 3), i(2, 3))); force(mint.bitwise_xor(i(3) > 4, i(3) > 2))")
def bitwise_xor(input, other):
    if not isinstance(other, ms.Tensor):
        other = ms.Tensor(other, input.dtype)
    if input.dtype == ms.bool_:
        return ops.logical_xor(input, other)
    return ops.bitwise_xor(input, other)


@stand_in("mint.einsum", probe="force(mint.einsum('ij,jk->ik', t(2, 3), t(3, 4)))")
def einsum(equation, *operands):
    """torch/mint einsum from permutes, reshapes, sums and batched matmuls, a pair at a time.
    Repeated indices within one operand (diagonals, `ii->i`) are not supported: they raise."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    terms, out = _einsum_terms(equation.replace(" ", ""), operands)
    sizes = {}
    for term, operand in zip(terms, operands):
        if len(set(term)) != len(term):
            raise NotImplementedError(f"einsum stand-in: repeated index in {term!r}")
        if len(term) != operand.ndim:
            raise ValueError(f"einsum: {term!r} does not match an operand of {operand.ndim} dims")
        for letter, size in zip(term, operand.shape):
            sizes[letter] = max(sizes.get(letter, 1), size)  # size-1 dims broadcast
    term, result = terms[0], operands[0]
    for index in range(1, len(operands)):
        keep = set(out).union(*terms[index + 1:])
        term, result = _contract(term, result, terms[index], operands[index], keep, sizes)
    term, result = _sum_out(term, result, set(out))
    return ops.transpose(result, tuple(term.index(c) for c in out)) if term != out else result


def _einsum_terms(equation, operands):
    lhs, arrow, out = equation.partition("->")
    terms = lhs.split(",")
    if "..." in equation:
        spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if c not in equation]
        width = max(op.ndim - len(t) + 3 for t, op in zip(terms, operands) if "..." in t)
        fill = "".join(spare[:width])
        terms = [t.replace("...", fill[width - (op.ndim - len(t) + 3):]) if "..." in t else t
                 for t, op in zip(terms, operands)]
        out = out.replace("...", fill) if arrow else fill
    elif not arrow:
        out = ""
    if not arrow:  # implicit output: broadcast dims, then the letters seen once, alphabetically
        letters = "".join(terms)
        out += "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in out))
    return terms, out


def _sum_out(term, tensor, keep):
    gone = tuple(i for i, c in enumerate(term) if c not in keep)
    if not gone:
        return term, tensor
    return "".join(c for c in term if c in keep), tensor.sum(axis=gone)


def _contract(a_term, a, b_term, b, keep, sizes):
    a_term, a = _sum_out(a_term, a, keep | set(b_term))
    b_term, b = _sum_out(b_term, b, keep | set(a_term))
    batch = [c for c in a_term if c in b_term and c in keep]
    inner = [c for c in a_term if c in b_term and c not in keep]
    a_free = [c for c in a_term if c not in b_term]
    b_free = [c for c in b_term if c not in a_term]

    def arranged(term, tensor, order):
        tensor = ops.transpose(tensor, tuple(term.index(c) for c in order)) if order else tensor
        return ops.broadcast_to(tensor, tuple(sizes[c] for c in order))

    def size(letters):
        total = 1
        for c in letters:
            total *= sizes[c]
        return total

    left = arranged(a_term, a, batch + a_free + inner).reshape(size(batch), size(a_free), size(inner))
    right = arranged(b_term, b, batch + inner + b_free).reshape(size(batch), size(inner), size(b_free))
    result = ops.bmm(left, right).reshape(tuple(sizes[c] for c in batch + a_free + b_free))
    return "".join(batch + a_free + b_free), result


@stand_in("mint.repeat_interleave",
          probe="force(mint.repeat_interleave(t(2, 3), 2, 1)); force(mint.repeat_interleave(t(2, 3), 2))")
def repeat_interleave(input, repeats, dim=None, *, output_size=None):
    """Each element `repeats` times along dim (flattened when dim is None), by broadcasting.
    Per-element counts (a tensor of several repeats) are not supported: they raise."""
    if isinstance(repeats, ms.Tensor):
        if repeats.size != 1:
            raise NotImplementedError("repeat_interleave stand-in: per-element repeats")
        repeats = int(repeats.reshape(()))
    if dim is None:
        input, dim = input.reshape(-1), 0
    dim = dim % input.ndim
    shape = tuple(input.shape)
    spread = ops.broadcast_to(input.unsqueeze(dim + 1), shape[:dim + 1] + (repeats,) + shape[dim + 1:])
    return spread.reshape(shape[:dim] + (shape[dim] * repeats,) + shape[dim + 1:])


_tensor_repeat_interleave = ms.Tensor.repeat_interleave  # the original


@stand_in("Tensor.repeat_interleave", probe="force(t(2, 3).repeat_interleave(2, dim=0, output_size=4))")
def tensor_repeat_interleave(self, repeats, dim=None, *, output_size=None):
    """Tensor.repeat_interleave with an output_size (that form has no CPU kernel): as the mint stand-in;
    without one, MindSpore's own method (which runs)."""
    if output_size is None:
        return _tensor_repeat_interleave(self, repeats, dim)
    return repeat_interleave(self, repeats, dim, output_size=output_size)


_mint_where = mint.where  # the original (this module is imported before any stand-in is installed)


@stand_in("mint.where", probe="force(mint.where(t(2, 3) > 0)[0]); force(mint.where(t(2, 3) > 0, t(2, 3), t(2, 3)))")
def where(condition, input=None, other=None):
    """One argument: the indices of the non-zero elements, a tensor per dimension (nonzero
    as_tuple); three: mint's own where, which has CPU kernels."""
    if input is None and other is None:
        found = ops.nonzero(condition)
        return tuple(found[:, d] for d in range(condition.ndim))
    return _mint_where(condition, input, other)


@stand_in("Tensor.repeat", probe="force(t(2, 3).repeat(2, 1)); force(t(2, 3).repeat((1, 2, 2)))")
def tensor_repeat(self, *repeats):
    """Tensor.repeat(*sizes) (torch's meaning: tile the tensor), sizes spread or as one tuple."""
    if len(repeats) == 1 and isinstance(repeats[0], (tuple, list)):
        repeats = tuple(repeats[0])
    return ops.tile(self, tuple(repeats))


@stand_in("Tensor.uniform_", probe="force(t(2, 3).uniform_()); force(t(2, 3).uniform_(-1, 1))")
def tensor_uniform_(self, from_=0, to=1, *, generator=None):
    """In place, as MindSpore's uniform_ (no CPU kernel)."""
    return _write(self, (ops.rand_like(self, dtype=ms.float32) * (to - from_) + from_).astype(self.dtype))


@stand_in("Tensor.normal_", probe="force(t(2, 3).normal_()); force(t(2, 3).normal_(1.0, 0.5))")
def tensor_normal_(self, mean=0, std=1, *, generator=None):
    drawn = ops.normal(self.shape, ms.Tensor(mean, ms.float32), ms.Tensor(std, ms.float32))
    return _write(self, drawn.astype(self.dtype))


@stand_in("Tensor.zero_", probe="force(t(2, 3).zero_())")
def tensor_zero_(self):
    return _write(self, ops.zeros_like(self))


@stand_in("Tensor.erfinv_", probe="force((t(2, 3) * 0.3).erfinv_())")
def tensor_erfinv_(self):
    return _write(self, ops.erfinv(self))


@stand_in("Tensor.index_add_", probe="force(t(4, 3).index_add_(0, i(3, high=4), t(3, 3)))")
def tensor_index_add_(self, dim, index, source, *, alpha=1):
    """In place: rows `index` along dim get `alpha * source` added (repeated indices add up)."""
    if index.size == 0:
        return self  # nothing to add (IndexAdd rejects an empty source)
    added = source if alpha == 1 else source * alpha
    return _write(self, ops.index_add(self, index.astype(ms.int32), added.astype(self.dtype), dim))


@stand_in("Tensor.clone", probe="force(t(2, 3).clone())")
def tensor_clone(self):
    """Tensor.clone(): a copy with its own memory."""
    return ops.deepcopy(self)


# ---- precision: float32 kernels whose answers drift ---------------------------------------

_ops_exp = ops.exp  # the original (this module is imported before any stand-in is installed)


def _exp(input):
    """exp of float32 through float64: MindSpore 2.10's CPU float32 exp is off by up to ~5e-6
    (relative), which a timestep embedding (t * exp(...), t up to 1000) turns into 1e-3."""
    if input.dtype == ms.float32:
        return _ops_exp(input.astype(ms.float64)).astype(ms.float32)
    return _ops_exp(input)


_EXP_PROBE = ("a = np.linspace(-10, 10, 4001).astype(np.float32); "
              "got = force({call}); assert np.abs(got / np.exp(a.astype(np.float64)) - 1).max() < 1e-6, 'imprecise'")


@stand_in("mint.exp", probe=_EXP_PROBE.format(call="mint.exp(ms.Tensor(a))"))
def exp(input):
    return _exp(input)


@stand_in("ops.exp", probe=_EXP_PROBE.format(call="ops.exp(ms.Tensor(a))"))
def ops_exp(input):
    return _exp(input)


@stand_in("Tensor.exp", probe=_EXP_PROBE.format(call="ms.Tensor(a).exp()"))
def tensor_exp(self):
    return _exp(self)


# ---- what training needs: forward and backward on CPU --------------------------------------
# Each of these has no CPU kernel in MindSpore 2.10 (or, softplus, no CPU gradient); they are
# built from kernels whose gradients CPU has, and tests/test_cpu_fallback.py compares their
# values *and gradients* with torch's.

def _reduce(value, reduction):
    if reduction == "mean":
        return value.mean()
    if reduction == "sum":
        return value.sum()
    if reduction == "none":
        return value
    raise ValueError(f"reduction must be 'none', 'mean' or 'sum', not {reduction!r}")


def _grad_probe(expr: str) -> str:
    """Probe code running `expr` (a function of x) forward and backward."""
    return f"force(ms.grad(lambda x: ({expr}).sum())(t(4, 5)))"


@stand_in("mint.nn.functional.conv_transpose2d",
          probe="force(F.conv_transpose2d(t(1, 3, 4, 4), t(3, 4, 4, 4), None, 2, 1)); "
                + _grad_probe("F.conv_transpose2d(x.reshape(1, 4, 5, 1), t(4, 2, 3, 3), None, 1, 1)"))
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """The gradient of a convolution with respect to its input (Conv2DTranspose, whose weight is
    laid out as torch's: in, out/groups, kh, kw), with torch's output size."""
    sh, sw = _pair(stride)
    ph, pw = _pair(padding)
    oph, opw = _pair(output_padding)
    dh, dw = _pair(dilation)
    n, c, h, w = input.shape
    kh, kw = weight.shape[2], weight.shape[3]
    out_h = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1
    out_w = (w - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1
    op = ops.Conv2DTranspose(out_channel=c, kernel_size=(kh, kw), pad_mode="pad", pad=(ph, ph, pw, pw),
                             stride=(sh, sw), dilation=(dh, dw), group=groups)
    out = op(input, weight, (n, weight.shape[1] * groups, out_h, out_w))
    return out if bias is None else out + bias.reshape(1, -1, 1, 1)


@stand_in("mint.nn.functional.mse_loss", probe=_grad_probe("F.mse_loss(x, t(4, 5), reduction='none')"))
def mse_loss(input, target, reduction="mean"):
    return _reduce((input - target) ** 2, reduction)


@stand_in("mint.nn.functional.l1_loss", probe=_grad_probe("F.l1_loss(x, t(4, 5), reduction='none')"))
def l1_loss(input, target, reduction="mean"):
    return _reduce(mint.abs(input - target), reduction)


@stand_in("mint.nn.functional.kl_div",
          probe=_grad_probe("F.kl_div(F.log_softmax(x, dim=1), mint.softmax(t(4, 5), 1), reduction='none')"))
def kl_div(input, target, reduction="mean", log_target=False):
    """Pointwise target * (log target - input); 0 where target is 0 (torch's xlogy convention)."""
    if log_target:
        pointwise = mint.exp(target) * (target - input)
    else:
        safe = mint.where(target > 0, target, target * 0 + 1)  # log(1) = 0 where target is 0: no -inf
        pointwise = mint.where(target > 0, target * (mint.log(safe) - input), input * 0)
    if reduction == "batchmean":
        return pointwise.sum() / input.shape[0]
    return _reduce(pointwise, reduction)


@stand_in("mint.nn.functional.softplus", probe=_grad_probe("F.softplus(x)"))
def softplus(input, beta=1, threshold=20):
    """log(1 + exp(beta x)) / beta, linear above threshold, written so no branch overflows
    (CPU has the forward kernel but not its gradient)."""
    scaled = input * beta
    smooth = (mint.nn.functional.relu(scaled) + mint.log(1 + mint.exp(-mint.abs(scaled)))) / beta
    return mint.where(scaled > threshold, input, smooth)


@stand_in("mint.nn.functional.elu", probe=_grad_probe("F.elu(x)"))
def elu(input, alpha=1.0, inplace=False):
    return mint.where(input > 0, input, alpha * (mint.exp(mint.clamp(input, max=0.0)) - 1))


@stand_in("mint.nn.functional.leaky_relu", probe=_grad_probe("F.leaky_relu(x, 0.2)"))
def leaky_relu(input, negative_slope=0.01):
    return ops.leaky_relu(input, negative_slope)


@stand_in("mint.nn.functional.hardtanh", probe=_grad_probe("F.hardtanh(x)"))
def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return mint.clamp(input, min_val, max_val)


@stand_in("mint.nn.functional.mish", probe=_grad_probe("F.mish(x)"))
def mish(input):
    """x * tanh(softplus(x)), with tanh(softplus(x)) = n / (n + 2), n = e^x (e^x + 2): the same value,
    and a gradient that keeps float32 precision where tanh saturates."""
    e = mint.exp(mint.clamp(input, max=20.0))
    n = e * (e + 2)
    return input * n / (n + 2)


@stand_in("mint.std", probe=_grad_probe("mint.std(x, 1)"))
def std(input, dim=None, *, correction=1, keepdim=False):
    return mint.sqrt(ops.var(input, dim, correction, keepdim))


@stand_in("mint.index_select", probe=_grad_probe("mint.index_select(x, 1, i(3, high=5))"))
def index_select(input, dim, index):
    return ops.gather(input, index, dim)


def _sliding(size, kernel, dilation, padding, stride):
    """How many windows fit along one side (torch's formula for unfold/fold)."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _window(kernel_size, dilation, padding, stride):
    """unfold's and fold's sizes, each as a (height, width) pair."""
    return tuple(_pair(size) for size in (kernel_size, dilation, padding, stride))


@stand_in("mint.nn.functional.unfold",
          probe="force(F.unfold(t(1, 2, 6, 6), 2)); " + _grad_probe("F.unfold(x.reshape(1, 1, 4, 5), 2, stride=2)"))
def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col by slices of the padded image, one per kernel position: (N, C*kh*kw, L), channel-major as
    torch; exact (no arithmetic, so infinities and NaNs stay where they were)."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = _window(kernel_size, dilation, padding, stride)
    batched = input.ndim == 4
    if not batched:
        input = input.unsqueeze(0)
    n, c, h, w = input.shape
    oh, ow = _sliding(h, kh, dh, ph, sh), _sliding(w, kw, dw, pw, sw)
    # Pad so that every window's run of oh * sh rows (ow * sw columns) fits: a stride is then a reshape
    # and an index, not a strided slice (whose gradient fails on this CPU backend).
    extra_h = max(0, (kh - 1) * dh + sh * oh - (h + 2 * ph))
    extra_w = max(0, (kw - 1) * dw + sw * ow - (w + 2 * pw))
    if ph or pw or extra_h or extra_w:
        input = ops.pad(input, (pw, pw + extra_w, ph, ph + extra_h))
    cols = [input[:, :, i * dh:i * dh + sh * oh, j * dw:j * dw + sw * ow].reshape(n, c, oh, sh, ow, sw)[:, :, :, 0, :, 0]
            for i in range(kh) for j in range(kw)]
    out = mint.stack(cols, 2).reshape(n, c * kh * kw, oh * ow)
    return out if batched else out.squeeze(0)


@stand_in("mint.nn.functional.fold",
          probe="force(F.fold(t(1, 8, 9), (6, 6), 2, stride=2)); "
                + _grad_probe("F.fold(x.reshape(1, 4, 5), (2, 6), 2, stride=(1, 1))"))
def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, unfold's adjoint: each kernel position's column spread over the strided grid it came from
    (zeros between, by padding), shifted to its offset and summed; the padding is cut off last."""
    out_h, out_w = _pair(output_size)
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = _window(kernel_size, dilation, padding, stride)
    batched = input.ndim == 3
    if not batched:
        input = input.unsqueeze(0)
    n, ckk, _ = input.shape
    c = ckk // (kh * kw)
    oh, ow = _sliding(out_h, kh, dh, ph, sh), _sliding(out_w, kw, dw, pw, sw)
    hp, wp = out_h + 2 * ph, out_w + 2 * pw
    cols = input.reshape(n, c, kh, kw, oh, ow)
    span_h, span_w = sh * (oh - 1) + 1, sw * (ow - 1) + 1
    out = None
    for i in range(kh):
        for j in range(kw):
            v = cols[:, :, i, j]
            if sh > 1 or sw > 1:  # put stride-1 zeros between the values
                v = ops.pad(v.reshape(n, c, oh, 1, ow, 1), (0, sw - 1, 0, 0, 0, sh - 1))
                v = v.reshape(n, c, oh * sh, ow * sw)[:, :, :span_h, :span_w]
            v = ops.pad(v, (j * dw, wp - j * dw - span_w, i * dh, hp - i * dh - span_h))
            out = v if out is None else out + v
    out = out[:, :, ph:ph + out_h, pw:pw + out_w]
    return out if batched else out.squeeze(0)
