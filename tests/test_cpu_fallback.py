"""The CPU stand-ins of torch2ms.fallback must compute what torch computes, and be installed right.

Every case is one piece of code run twice: once against torch (`t.m` is torch,
`t.F` torch.nn.functional, `t.nn` torch.nn) and once against MindSpore with
the fallback installed (`t.m` is mint, `t.F` mint.nn.functional, `t.nn`
mint.nn), mirroring what the converter emits. The module fixture installs *every* stand-in
(which="all"), so each is checked even where MindSpore has the native kernel.
"""
import sys
from types import SimpleNamespace

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # runs layers in torch and MindSpore

torch = pytest.importorskip("torch")
ms = pytest.importorskip("mindspore")

from mindspore import mint  # noqa: E402

from support import ms_cpu_fallback  # noqa: E402
from support.parity import compare, copy_weights  # noqa: E402

from torch2ms import fallback as product_fallback  # noqa: E402
from torch2ms.fallback import probe, registry  # noqa: E402

TORCH = SimpleNamespace(m=torch, F=torch.nn.functional, nn=torch.nn, int64=torch.int64, float64=torch.float64,
                        tensor=lambda a: torch.from_numpy(np.ascontiguousarray(a)))
MS = SimpleNamespace(m=mint, F=mint.nn.functional, nn=mint.nn, int64=ms.int64, float64=ms.float64,
                     tensor=lambda a: ms.Tensor(np.ascontiguousarray(a)))

rng = np.random.default_rng(20240501)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def ints(*shape, high=10):
    return rng.integers(0, high, shape).astype(np.int64)


@pytest.fixture(scope="module", autouse=True)
def fallback():
    names = ms_cpu_fallback.install()
    yield names
    ms_cpu_fallback.uninstall()


def run_both(fn, arrays):
    """fn(t, *tensors) on both frameworks; returns (torch result, mindspore result)."""
    return fn(TORCH, *map(TORCH.tensor, arrays)), fn(MS, *map(MS.tensor, arrays))


def same_dtypes(a, b):
    if isinstance(a, (tuple, list)):
        return all(same_dtypes(x, y) for x, y in zip(a, b))
    return a.numpy().dtype == b.asnumpy().dtype


X4 = f32(2, 4, 9, 9)
LOGITS, TARGET = f32(6, 5), ints(6, high=5)
WITH_INFINITIES = f32(3, 4, 4)
WITH_INFINITIES[0, 1, 2], WITH_INFINITIES[2, 3, 0] = np.inf, -np.inf
TARGET_IGNORED = TARGET.copy()
TARGET_IGNORED[[1, 4]] = -100

FUNCTION_CASES = {
    "gelu": (lambda t, x: t.F.gelu(x), [f32(3, 7) * 3]),
    "hardtanh": (lambda t, x: t.F.hardtanh(x, -0.5, 2.0), [f32(3, 7) * 3]),
    "roll": (lambda t, x: t.m.roll(x, (2, -1), (1, 2)), [f32(2, 5, 4)]),
    "roll-flat": (lambda t, x: t.m.roll(x, 3), [f32(2, 5)]),
    "batch_norm-eval": (lambda t, x, m, v, w, b: t.F.batch_norm(x, m, v.abs() + 0.5, w, b), [f32(3, 4, 5), f32(4), f32(4), f32(4), f32(4)]),
    "batch_norm-batch-stats": (lambda t, x, w: t.F.batch_norm(x, None, None, w, None, True, 0.0, 1e-6),
                               [f32(2, 4, 3, 3), f32(4)]),
    "relu6": (lambda t, x: t.F.relu6(x), [f32(3, 7) * 5]),
    "gelu-tanh": (lambda t, x: t.F.gelu(x, approximate="tanh"), [f32(3, 7) * 3]),
    "conv2d": (lambda t, x, w, b: t.F.conv2d(x, w, b), [X4, f32(5, 4, 3, 3), f32(5)]),
    "conv2d-stride-pad": (lambda t, x, w, b: t.F.conv2d(x, w, b, stride=2, padding=1), [X4, f32(5, 4, 3, 3), f32(5)]),
    "conv2d-pad-pair-nobias": (lambda t, x, w: t.F.conv2d(x, w, None, 1, (1, 2)), [X4, f32(5, 4, 3, 3)]),
    "conv2d-same-dilated": (lambda t, x, w: t.F.conv2d(x, w, padding="same", dilation=2), [X4, f32(3, 4, 3, 3)]),
    "conv2d-groups": (lambda t, x, w: t.F.conv2d(x, w, groups=4, padding=1), [X4, f32(8, 1, 3, 3)]),
    "layer_norm": (lambda t, x, w, b: t.F.layer_norm(x, (8,), w, b), [f32(2, 3, 8) * 2 + 1, f32(8), f32(8)]),
    "layer_norm-2d-shape": (lambda t, x, w: t.F.layer_norm(x, [3, 8], w, eps=1e-3), [f32(2, 3, 8), f32(3, 8)]),
    "layer_norm-no-affine": (lambda t, x: t.F.layer_norm(x, (8,)), [f32(4, 8) * 5]),
    "embedding": (lambda t, i, w: t.F.embedding(i, w), [ints(2, 5), f32(10, 4)]),
    "embedding-padding-idx": (lambda t, i, w: t.F.embedding(i, w, padding_idx=0), [ints(3, 4), f32(10, 4)]),
    "max_pool2d": (lambda t, x: t.F.max_pool2d(x, 2), [X4]),
    "max_pool2d-3-2-1": (lambda t, x: t.F.max_pool2d(x, 3, 2, 1), [X4]),
    "max_pool2d-ceil-indices": (lambda t, x: t.F.max_pool2d(x, 2, ceil_mode=True, return_indices=True), [X4]),
    "avg_pool2d": (lambda t, x: t.F.avg_pool2d(x, 2), [X4]),
    "avg_pool2d-pad-exclude": (lambda t, x: t.F.avg_pool2d(x, 3, 2, 1, count_include_pad=False), [X4]),
    "adaptive_avg_pool2d-1": (lambda t, x: t.F.adaptive_avg_pool2d(x, 1), [X4]),
    "adaptive_avg_pool2d-uneven": (lambda t, x: t.F.adaptive_avg_pool2d(x, (2, 4)), [X4]),
    "adaptive_avg_pool1d-1": (lambda t, x: t.F.adaptive_avg_pool1d(x, 1), [f32(2, 3, 7)]),
    "adaptive_avg_pool1d-uneven": (lambda t, x: t.F.adaptive_avg_pool1d(x, 3), [f32(2, 3, 7)]),
    "pad-last-dim": (lambda t, x: t.F.pad(x, (1, 2)), [f32(2, 3, 4)]),
    "pad-value": (lambda t, x: t.F.pad(x, (1, 1, 2, 0), value=0.5), [X4]),
    "pad-reflect": (lambda t, x: t.F.pad(x, (2, 1, 1, 2), mode="reflect"), [X4]),
    "normalize": (lambda t, x: t.F.normalize(x, dim=-1), [f32(3, 6)]),
    "normalize-p1-dim1": (lambda t, x: t.F.normalize(x, p=1.0), [f32(3, 6, 2)]),
    "log_softmax": (lambda t, x: t.F.log_softmax(x, dim=-1), [f32(3, 6) * 4]),
    "log_softmax-dim0": (lambda t, x: t.F.log_softmax(x, 0), [f32(3, 6)]),
    "cross_entropy": (lambda t, x, y: t.F.cross_entropy(x, y), [LOGITS, TARGET]),
    "cross_entropy-weight-sum": (lambda t, x, y, w: t.F.cross_entropy(x, y, weight=w, reduction="sum"),
                                 [LOGITS, TARGET, np.abs(f32(5))]),
    "cross_entropy-ignore": (lambda t, x, y: t.F.cross_entropy(x, y, ignore_index=-100), [LOGITS, TARGET_IGNORED]),
    "cross_entropy-none-smooth": (lambda t, x, y: t.F.cross_entropy(x, y, reduction="none", label_smoothing=0.1),
                                  [LOGITS, TARGET]),
    "cross_entropy-nd": (lambda t, x, y: t.F.cross_entropy(x, y), [f32(2, 5, 3), ints(2, 3, high=5)]),
    "dropout-eval": (lambda t, x: t.F.dropout(x, p=0.5, training=False), [f32(3, 4)]),
    "bitwise_xor-int": (lambda t, a, b: t.m.bitwise_xor(a, b), [ints(2, 3), ints(2, 3)]),
    "bitwise_xor-bool": (lambda t, a, b: t.m.bitwise_xor(a > 4, b > 2), [ints(5), ints(5)]),
    "einsum-matmul": (lambda t, a, b: t.m.einsum("ij,jk->ik", a, b), [f32(2, 3), f32(3, 4)]),
    "einsum-outer-spaced": (lambda t, a, b: t.m.einsum("i , j -> i j", a, b), [f32(5), f32(4)]),
    "einsum-batched-attention": (lambda t, q, k: t.m.einsum("bhqd,bhkd->bhqk", q, k), [f32(2, 3, 4, 5), f32(2, 3, 6, 5)]),
    "einsum-transpose": (lambda t, a: t.m.einsum("ij->ji", a), [f32(2, 3)]),
    "einsum-sum-all": (lambda t, a: t.m.einsum("ij->", a), [f32(2, 3)]),
    "einsum-implicit": (lambda t, a, b: t.m.einsum("ij,jk", a, b), [f32(2, 3), f32(3, 4)]),
    "einsum-ellipsis": (lambda t, a, b: t.m.einsum("...ij,...jk->...ik", a, b), [f32(2, 2, 3), f32(2, 3, 4)]),
    "einsum-ellipsis-broadcast": (lambda t, a, b: t.m.einsum("...ij,jk->...ik", a, b), [f32(3, 2, 3), f32(3, 4)]),
    "einsum-three": (lambda t, a, b, c: t.m.einsum("ij,jk,kl->il", a, b, c), [f32(2, 3), f32(3, 4), f32(4, 5)]),
    "einsum-list-operands": (lambda t, a, b: t.m.einsum("bi,bi->b", [a, b]), [f32(3, 4), f32(3, 4)]),
    "einsum-free-sum": (lambda t, a, b: t.m.einsum("ij,kl->ik", a, b), [f32(2, 3), f32(4, 5)]),
    "repeat_interleave-dim": (lambda t, x: t.m.repeat_interleave(x, 2, 1), [f32(2, 3)]),
    "repeat_interleave-4d": (lambda t, x: t.m.repeat_interleave(x[:, :, None, :], 2, 3), [f32(2, 3, 4)]),
    "repeat_interleave-flat": (lambda t, x: t.m.repeat_interleave(x, 3), [ints(2, 2)]),
    "where-one-argument": (lambda t, x: t.m.where(x > 0), [f32(3, 4)]),
    "where-three-arguments": (lambda t, x, y: t.m.where(x > 0, x, y), [f32(3, 4), f32(3, 4)]),
    "arange-end": (lambda t: t.m.arange(5), []),
    "arange-start-end-dtype": (lambda t: t.m.arange(0, 7, dtype=t.int64), []),
    "arange-float-step": (lambda t: t.m.arange(1, 2.5, 0.5), []),
    "zeros_like": (lambda t, x: t.m.zeros_like(x), [f32(2, 3)]),
    "ones-0d": (lambda t: t.m.ones(()) * 2.5, []),
    "ones-list-int": (lambda t: t.m.ones([2, 3], dtype=t.int64), []),
    "zeros-0d-list": (lambda t: t.m.zeros([]), []),
    "zeros-shape": (lambda t: t.m.zeros((2, 1, 3)), []),
    "addcmul": (lambda t, x, a, b: t.m.addcmul(x, a, b), [f32(2, 3), f32(2, 3), f32(1, 3)]),
    "addcmul-value": (lambda t, x, a, b: t.m.addcmul(x, a, b, value=-0.5), [f32(2, 3), f32(2, 3), f32(2, 3)]),
    "ones_like-dtype": (lambda t, x: t.m.ones_like(x, dtype=t.int64), [f32(2, 3)]),
    "full-float": (lambda t: t.m.full((2, 3), 1.5), []),
    "full-int": (lambda t: t.m.full((2, 3), 7), []),
    "full-bool": (lambda t: t.m.full((4,), True), []),
    "full_like": (lambda t, x: t.m.full_like(x, 1.5), [f32(2, 3)]),
    "full_like-int-dtype": (lambda t, x: t.m.full_like(x, 3, dtype=t.int64), [f32(2, 3)]),
    "full_like-of-ints": (lambda t, x: t.m.full_like(x, 2), [ints(4)]),
    "one_hot": (lambda t, i: t.F.one_hot(i, 7), [ints(2, 3, high=7)]),
    "one_hot-inferred-classes": (lambda t, i: t.F.one_hot(i), [ints(5, high=4)]),
    "linspace": (lambda t: t.m.linspace(-2, 2, 7), []),
    "stack": (lambda t, a, b: t.m.stack([a, b]), [f32(2, 3), f32(2, 3)]),
    "stack-dim-neg": (lambda t, a, b: t.m.stack((a, b), dim=-1), [f32(2, 3), f32(2, 3)]),
    "cumsum": (lambda t, x: t.m.cumsum(x, dim=1), [f32(3, 5)]),
    "cumsum-int": (lambda t, x: t.m.cumsum(x, 0), [ints(4, 3)]),
    "cumsum-dtype": (lambda t, x: t.m.cumsum(x, dim=-1, dtype=t.float64), [f32(3, 5)]),
    "argmax-flat": (lambda t, x: t.m.argmax(x), [f32(4, 5)]),
    "argmax-dim-keepdim": (lambda t, x: t.m.argmax(x, dim=1, keepdim=True), [f32(4, 5)]),
    "topk": (lambda t, x: t.m.topk(x, 2), [f32(3, 6)]),
    "topk-dim0-smallest": (lambda t, x: t.m.topk(x, 3, dim=0, largest=False), [f32(5, 4)]),
    "sort": (lambda t, x: t.m.sort(x, dim=-1), [f32(3, 6)]),
    "sort-descending-dim0": (lambda t, x: t.m.sort(x, dim=0, descending=True), [f32(5, 2)]),
    "tril": (lambda t, x: t.m.tril(x), [f32(4, 4)]),
    "tril-diagonal": (lambda t, x: t.m.tril(x, diagonal=-1), [f32(2, 4, 5)]),
    "tril-of-ones": (lambda t: t.m.tril(t.m.ones((5, 5))), []),
    "logsumexp": (lambda t, x: t.m.logsumexp(x, dim=1), [f32(3, 6) * 10]),
    "logsumexp-keepdim": (lambda t, x: t.m.logsumexp(x, 0, keepdim=True), [f32(3, 6)]),
    "var": (lambda t, x: t.m.var(x, dim=1), [f32(3, 6)]),
    "var-biased-keepdim": (lambda t, x: t.m.var(x, dim=0, correction=0, keepdim=True), [f32(3, 6)]),
    "addmm": (lambda t, i, a, b: t.m.addmm(i, a, b), [f32(3, 4), f32(3, 5), f32(5, 4)]),
    "addmm-beta-alpha": (lambda t, i, a, b: t.m.addmm(i, a, b, beta=0.5, alpha=2.0), [f32(4), f32(3, 5), f32(5, 4)]),
    "addmm-beta0-ignores-nan": (lambda t, i, a, b: t.m.addmm(i, a, b, beta=0),
                                [np.full((3, 4), np.nan, np.float32), f32(3, 5), f32(5, 4)]),
    "baddbmm": (lambda t, i, a, b: t.m.baddbmm(i, a, b, alpha=0.5), [f32(2, 3, 4), f32(2, 3, 5), f32(2, 5, 4)]),
    "outer": (lambda t, a, b: t.m.outer(a, b), [f32(3), f32(5)]),
    "clone": (lambda t, x: t.m.clone(x), [f32(2, 3)]),
    "clone-int": (lambda t, x: t.m.clone(x), [ints(4)]),
    "norm-fro": (lambda t, x: t.m.norm(x), [f32(3, 4)]),
    "norm-p1-dim": (lambda t, x: t.m.norm(x, 1.0, 1), [f32(3, 4)]),
    "norm-p3-keepdim": (lambda t, x: t.m.norm(x, 3, dim=(0, 2), keepdim=True), [f32(3, 4, 2)]),
    "norm-inf-dim0": (lambda t, x: t.m.norm(x, float("inf"), dim=0), [f32(3, 4)]),
    "conv1d": (lambda t, x, w, b: t.F.conv1d(x, w, b), [f32(2, 4, 11), f32(5, 4, 3), f32(5)]),
    "conv1d-stride-pad-dilation": (lambda t, x, w: t.F.conv1d(x, w, None, 2, 2, 2), [f32(2, 4, 11), f32(3, 4, 3)]),
    "conv1d-groups-same": (lambda t, x, w: t.F.conv1d(x, w, padding="same", groups=2), [f32(2, 4, 11), f32(6, 2, 3)]),
    "multinomial-one-hot": (lambda t, p: t.m.multinomial(p, 1), [np.eye(4, dtype=np.float32)[[2, 0, 3]]]),
    "conv3d": (lambda t, x, w, b: t.F.conv3d(x, w, b), [f32(2, 3, 5, 6, 6), f32(4, 3, 3, 3, 3), f32(4)]),
    "conv3d-stride-pad-groups": (lambda t, x, w: t.F.conv3d(x, w, None, (1, 2, 2), (1, 0, 1), 1, 2),
                                 [f32(1, 4, 5, 7, 7), f32(6, 2, 3, 3, 3)]),
    "conv3d-same-dilation": (lambda t, x, w: t.F.conv3d(x, w, padding="same", dilation=(1, 2, 2)),
                             [f32(1, 2, 4, 7, 7), f32(3, 2, 3, 3, 3)]),
    "argmin-dim": (lambda t, x: t.m.argmin(x, 1), [f32(3, 5)]),
    "argmin-keepdim": (lambda t, x: t.m.argmin(x, dim=0, keepdim=True), [f32(3, 5)]),
    "argmin-flat": (lambda t, x: t.m.argmin(x), [f32(3, 5)]),
    "Tensor.repeat_interleave-output-size": (lambda t, x: x.repeat_interleave(3, dim=0, output_size=6), [f32(2, 3)]),
    "Tensor.repeat_interleave-plain": (lambda t, x: x.repeat_interleave(2, dim=1), [f32(2, 3)]),
    "unfold": (lambda t, x: t.F.unfold(x, 3), [f32(2, 3, 7, 6)]),
    "unfold-stride-pad-dilation": (lambda t, x: t.F.unfold(x, (2, 3), dilation=(2, 1), padding=(1, 2), stride=(2, 3)),
                                   [f32(1, 2, 9, 8)]),
    "unfold-unbatched-keeps-infinities": (lambda t, x: t.F.unfold(x, 2, stride=2), [WITH_INFINITIES]),
    "fold": (lambda t, x: t.F.fold(x, (5, 6), 2), [f32(2, 12, 20)]),
    "fold-overlap-stride-pad-dilation": (lambda t, x: t.F.fold(x, (7, 8), (3, 2), dilation=(1, 2), padding=1,
                                                               stride=(2, 3)), [f32(1, 12, 12)]),
    "fold-unbatched": (lambda t, x: t.F.fold(x, (4, 4), 2, stride=2), [f32(8, 4)]),
    "fold-of-unfold-counts-overlaps": (lambda t, x: t.F.fold(t.F.unfold(x, 3, padding=1), (5, 5), 3, padding=1),
                                       [f32(2, 2, 5, 5)]),
}


@pytest.mark.parametrize("case", sorted(FUNCTION_CASES))
def test_function_matches_torch(case):
    fn, arrays = FUNCTION_CASES[case]
    expected, got = run_both(fn, arrays)
    compare(expected, got, atol=1e-5, rtol=1e-4)
    assert same_dtypes(expected, got), (expected, got)


LAYER_CASES = {
    "Conv1d": (lambda t: t.nn.Conv1d(4, 6, 3, padding=1), (2, 4, 9)),
    "Conv1d-stride-groups-reflect": (lambda t: t.nn.Conv1d(4, 4, 3, stride=2, padding=1, groups=2,
                                                           padding_mode="reflect"), (2, 4, 9)),
    "Conv2d": (lambda t: t.nn.Conv2d(4, 6, 3, padding=1), (2, 4, 9, 9)),
    "Conv2d-stride-nobias": (lambda t: t.nn.Conv2d(4, 6, kernel_size=3, stride=2, bias=False), (2, 4, 9, 9)),
    "Conv2d-groups-reflect": (lambda t: t.nn.Conv2d(4, 4, 3, padding=1, groups=2, padding_mode="reflect"),
                              (2, 4, 9, 9)),
    "Conv2d-same-dilation": (lambda t: t.nn.Conv2d(4, 2, 3, padding="same", dilation=2), (1, 4, 9, 9)),
    "Conv3d": (lambda t: t.nn.Conv3d(3, 4, 3, padding=1), (2, 3, 5, 6, 6)),
    "Conv3d-stride-replicate": (lambda t: t.nn.Conv3d(4, 4, (3, 3, 3), stride=(1, 2, 2), padding=1, groups=2,
                                                      padding_mode="replicate"), (1, 4, 5, 7, 7)),
    "BatchNorm2d": (lambda t: t.nn.BatchNorm2d(4), (3, 4, 5, 5)),
    "BatchNorm2d-no-affine": (lambda t: t.nn.BatchNorm2d(4, affine=False), (3, 4, 5, 5)),
    "BatchNorm1d-2d-input": (lambda t: t.nn.BatchNorm1d(6, eps=1e-3, momentum=0.3), (5, 6)),
    "BatchNorm1d-3d-input": (lambda t: t.nn.BatchNorm1d(6), (2, 6, 7)),
    "LayerNorm": (lambda t: t.nn.LayerNorm(8), (2, 3, 8)),
    "LayerNorm-2d-no-bias": (lambda t: t.nn.LayerNorm((3, 8), bias=False), (2, 3, 8)),
    "LayerNorm-no-affine": (lambda t: t.nn.LayerNorm(8, elementwise_affine=False), (4, 8)),
    "GELU": (lambda t: t.nn.GELU(), (3, 7)),
    "Hardtanh": (lambda t: t.nn.Hardtanh(-0.5, 2.0), (3, 7)),
    "ReLU6": (lambda t: t.nn.ReLU6(), (3, 7)),
    "GELU-tanh": (lambda t: t.nn.GELU(approximate="tanh"), (3, 7)),
    "MaxPool2d": (lambda t: t.nn.MaxPool2d(kernel_size=3, stride=2, padding=1), (2, 4, 9, 9)),
    "AvgPool2d": (lambda t: t.nn.AvgPool2d(2), (2, 4, 9, 9)),
    "AdaptiveAvgPool2d": (lambda t: t.nn.AdaptiveAvgPool2d((1, 1)), (2, 4, 9, 9)),
    "AdaptiveAvgPool1d": (lambda t: t.nn.AdaptiveAvgPool1d(1), (2, 4, 9)),
    "LogSoftmax": (lambda t: t.nn.LogSoftmax(dim=1), (3, 6)),
    "Dropout": (lambda t: t.nn.Dropout(0.5), (3, 6)),
    "Unfold": (lambda t: t.nn.Unfold(kernel_size=(2, 3), padding=1, stride=2), (2, 3, 7, 8)),
    "Fold": (lambda t: t.nn.Fold(output_size=(6, 7), kernel_size=3, dilation=(1, 2), stride=1), (2, 18, 4 * 3)),
}


def randomise(module):
    """Non-default weights and statistics, so that copying them matters."""
    with torch.no_grad():
        for name, value in module.state_dict().items():
            if value.is_floating_point():
                value.copy_(torch.from_numpy(f32(*value.shape)))
                if name.endswith("running_var"):
                    value.abs_().add_(0.5)
            elif name.endswith("num_batches_tracked"):
                value.fill_(3)


def make_pair(build):
    tmod, mcell = build(TORCH), build(MS)
    randomise(tmod)
    copied, unmatched_torch, unmatched_ms = copy_weights(tmod, mcell)
    assert (unmatched_torch, unmatched_ms) == ([], [])
    assert sorted(copied) == sorted(tmod.state_dict())
    return tmod, mcell


@pytest.mark.parametrize("case", sorted(LAYER_CASES))
def test_layer_eval_matches_torch(case):
    build, shape = LAYER_CASES[case]
    tmod, mcell = make_pair(build)
    tmod.eval()
    mcell.set_train(False)
    x = f32(*shape)
    compare(tmod(TORCH.tensor(x)), mcell(MS.tensor(x)), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("case", ["BatchNorm2d", "BatchNorm1d-2d-input", "BatchNorm1d-3d-input"])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_training_updates_statistics_like_torch(case, momentum):
    build, shape = LAYER_CASES[case]
    tmod, mcell = make_pair(build)
    tmod.momentum = mcell.momentum = momentum
    tmod.train()
    mcell.set_train(True)
    for _ in range(2):
        x = f32(*shape) * 2 + 1
        compare(tmod(TORCH.tensor(x)), mcell(MS.tensor(x)), atol=1e-5, rtol=1e-4)
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        compare(getattr(tmod, name), getattr(mcell, name), atol=1e-5, rtol=1e-4)


def test_embedding_layer_with_copied_weights():
    tmod, mcell = make_pair(lambda t: t.nn.Embedding(12, 5, padding_idx=0))
    idx = ints(3, 4, high=12)
    compare(tmod(TORCH.tensor(idx)), mcell(MS.tensor(idx)), atol=0, rtol=0)


def test_cross_entropy_loss_layer():
    tmod, mcell = make_pair(lambda t: t.nn.CrossEntropyLoss(label_smoothing=0.1))
    compare(tmod(TORCH.tensor(LOGITS), TORCH.tensor(TARGET)), mcell(MS.tensor(LOGITS), MS.tensor(TARGET)),
            atol=1e-5, rtol=1e-4)


def _dropout_layer_in_training(t, x):
    layer = t.nn.Dropout(p=0.25)
    layer.set_train(True)  # unlike torch, a new MindSpore Cell starts in inference mode
    return layer(x)


@pytest.mark.parametrize("make", [lambda t, x: t.F.dropout(x, 0.25, True), _dropout_layer_in_training],
                         ids=["functional", "layer"])
def test_dropout_in_training_zeroes_about_p_and_rescales(make):
    x = np.ones((200, 200), np.float32)
    out = make(MS, MS.tensor(x)).asnumpy()
    kept = out != 0
    assert abs(1 - kept.mean() - 0.25) < 0.02
    np.testing.assert_allclose(out[kept], 1 / 0.75, rtol=1e-6)


def test_random_creation_shapes_dtypes_and_ranges():
    normal = mint.randn(200, 300).asnumpy()
    assert normal.shape == (200, 300) and normal.dtype == np.float32
    assert abs(normal.mean()) < 0.02 and abs(normal.std() - 1) < 0.02
    uniform = mint.rand((100, 50)).asnumpy()
    assert uniform.shape == (100, 50) and 0 <= uniform.min() and uniform.max() < 1
    draws = mint.randint(3, 7, (1000,)).asnumpy()
    assert draws.dtype == np.int64 and set(np.unique(draws)) == {3, 4, 5, 6}
    assert mint.randint(5, (2, 3)).asnumpy().max() < 5


def test_multinomial_follows_the_probabilities():
    probs = ms.Tensor(np.array([[0.0, 0.25, 0.75]] * 4000, np.float32))
    draws = mint.multinomial(probs, 1).asnumpy().ravel()
    assert draws.dtype == np.int64 and 0 not in draws
    assert abs((draws == 2).mean() - 0.75) < 0.03


def test_fallbacks_keep_mint_signatures_not_torch_ones():
    # torch.sort(x, -1) works, mint.sort takes dim by keyword only: the fallback must refuse it too,
    # or a converter that forgets the keyword would pass these tests and fail on real hardware.
    with pytest.raises(TypeError):
        mint.sort(MS.tensor(f32(3)), -1)
    with pytest.raises(TypeError):
        mint.stack([MS.tensor(f32(2))], axis=0)


def test_install_lists_patches_and_uninstall_restores(fallback):
    assert {"mint.arange", "mint.nn.functional.gelu", "mint.nn.Conv2d", "mint.nn.BatchNorm2d"} <= set(fallback)
    assert sorted(fallback) == sorted(product_fallback.available())  # the test shim installs all of them
    where = {"mint": mint, "ops": ms.ops, "Tensor": ms.Tensor}
    patched = {name: eval(name, where) for name in fallback}
    assert all(getattr(obj, "__module__", "").startswith("torch2ms.fallback.") for obj in patched.values())
    ms_cpu_fallback.uninstall()
    try:
        assert product_fallback.installed() == []
        for name, obj in patched.items():
            assert eval(name, where) is not obj, name
        assert mint.nn.Conv2d.__module__.startswith("mindspore.")
        assert "clone" not in vars(ms.Tensor)  # the inherited method is back, not a copy of it
    finally:
        assert ms_cpu_fallback.install() == fallback


def test_used_counts_the_stand_ins_that_ran(fallback):
    product_fallback.reset_used()
    x = MS.tensor(f32(1, 2, 5, 5))
    mint.nn.Conv2d(2, 3, 3)(x)
    mint.nn.Conv2d(2, 3, 3)(x)
    mint.arange(4)
    # a layer's stand-in does not also count the functional stand-in it calls internally
    assert product_fallback.used() == {"mint.nn.Conv2d": 2, "mint.arange": 1}


@pytest.fixture
def clean_install():
    """Start from the bare mint APIs; put the module fixture's full install back afterwards."""
    ms_cpu_fallback.uninstall()
    yield
    product_fallback.uninstall()
    ms_cpu_fallback.install()


def test_install_patches_only_what_the_probe_finds_missing(clean_install, monkeypatch):
    asked = []

    def fake_missing(target=None, refresh=False):
        asked.append(target)
        return {"mint.arange": "RuntimeError: The kernel Arange unregistered.",
                "mint.nn.LayerNorm": "RuntimeError: Create kernelmod for op LayerNormExt failed"}

    monkeypatch.setattr(product_fallback, "device_target", lambda: "CPU")
    monkeypatch.setattr(product_fallback, "missing_kernels", fake_missing)
    original_stack = mint.stack
    assert product_fallback.install() == ["mint.arange", "mint.nn.LayerNorm"]
    assert asked == [None]
    assert mint.arange.__module__ == "torch2ms.fallback.functions"
    assert mint.nn.LayerNorm.__module__ == "torch2ms.fallback.layers"
    assert mint.stack is original_stack  # its kernel "exists": left alone
    compare(torch.arange(0, 7), mint.arange(0, 7), atol=0, rtol=0)


def test_install_on_a_native_device_installs_nothing_and_probes_nothing(clean_install, monkeypatch):
    monkeypatch.setattr(product_fallback, "device_target", lambda: "Ascend")
    monkeypatch.setattr(product_fallback, "missing_kernels", lambda *a, **k: pytest.fail("probed on Ascend"))
    before = (mint.arange, mint.nn.Conv2d, mint.nn.functional.gelu)
    assert product_fallback.install() == []
    assert (mint.arange, mint.nn.Conv2d, mint.nn.functional.gelu) == before


@pytest.mark.skipif(ms.get_context("device_target") != "CPU", reason="the probes below assume MindSpore's CPU kernels")
def test_probe_tells_native_from_missing_and_survives_a_dying_interpreter():
    """The real probe, in child interpreters: a kernel CPU has, one it lacks, one whose probe kills
    the interpreter, and one after that (answered by a fresh interpreter)."""
    found = probe.run_probes({
        "has-kernel": "force(mint.zeros((2, 3)))",
        "lacks-kernel": "force(mint.arange(5))",
        "late-error": "mint.nn.MaxPool2d(3, 2, 1)(t(1, 2, 8, 8))",  # unforced: it raises at the *next* op
        "kills": "import os; os._exit(9)",
        "after": "force(mint.ones((2,)))",
    }, "CPU")
    assert found["has-kernel"] is None and found["after"] is None
    assert "Arange" in found["lacks-kernel"]
    assert "MaxPool2D" in found["late-error"]
    assert "died" in found["kills"]


@pytest.mark.skipif(ms.get_context("device_target") != "CPU", reason="the probes below assume MindSpore's CPU kernels")
def test_probes_run_synchronously_where_rounded_division_by_a_number_fails():
    """mint.div(x, 2, rounding_mode="floor") fails on CPU only with pynative_synchronize=True
    (asynchronous execution settles on another kernel): the probes run that way, so the
    stand-in is installed wherever code runs synchronously (the realworld benchmark does)."""
    found = probe.run_probes({"floor": "force(mint.div(t(2, 3), 2, rounding_mode='floor'))",
                              "tensor-divisor": "force(mint.div(t(2, 3), t(2, 3) + 5, rounding_mode='floor'))"}, "CPU")
    assert "FloorDiv" in found["floor"] and found["tensor-divisor"] is None


def test_missing_kernels_caches_per_version_and_device(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH2MS_CACHE_DIR", str(tmp_path))
    calls = []
    monkeypatch.setattr(probe, "run_probes", lambda names, target: calls.append(list(names)) or
                        {n: ("RuntimeError: no kernel" if n == "mint.arange" else None) for n in names})
    names = ["mint.arange", "mint.stack"]
    assert probe.missing_kernels("CPU", names) == {"mint.arange": "RuntimeError: no kernel"}
    assert probe.missing_kernels("CPU", names) == {"mint.arange": "RuntimeError: no kernel"}
    assert calls == [names]  # the second answer came from the cache
    assert probe.missing_kernels("CPU", names + ["mint.tril"]) == {"mint.arange": "RuntimeError: no kernel"}
    assert calls == [names, ["mint.tril"]]  # only the new name was probed
    assert [p.name for p in tmp_path.iterdir()] == [f"mint-kernels-{ms.__version__}-CPU-py"
                                                    f"{sys.version_info[0]}{sys.version_info[1]}-sync.json"]


def test_the_registry_is_the_single_source_of_stand_ins_and_probes(tmp_path, monkeypatch):
    stand_ins = registry.stand_ins()
    assert product_fallback.available() == list(stand_ins)
    assert all(entry.probe.strip() for entry in stand_ins.values())
    assert registry.probes() == {name: entry.probe for name, entry in stand_ins.items()}
    for name, entry in stand_ins.items():
        owner_path, _, attribute = name.rpartition(".")
        assert entry.attribute == attribute
        assert entry.owner is eval(owner_path, {"mint": mint, "ops": ms.ops, "Tensor": ms.Tensor})
        assert getattr(entry.owner, attribute) is entry.replacement, name  # the module fixture installed all
    # what missing_kernels() probes by default is exactly the registry's probes
    monkeypatch.setenv("TORCH2MS_CACHE_DIR", str(tmp_path))
    asked = {}
    monkeypatch.setattr(probe, "run_probes", lambda probes, target: asked.update(probes) or dict.fromkeys(probes))
    assert probe.missing_kernels("CPU") == {}
    assert asked == registry.probes()


def test_the_registry_refuses_a_duplicate_a_missing_probe_and_an_unknown_owner():
    before = registry.stand_ins()
    with pytest.raises(ValueError, match="registered twice"):
        registry.stand_in("mint.arange", probe="force(mint.arange(5))")(lambda *a, **k: None)
    with pytest.raises(ValueError, match="no probe"):
        registry.stand_in("mint.not_registered", probe="")
    with pytest.raises(ValueError, match="no probe"):
        registry.stand_in("mint.not_registered", probe=None)
    with pytest.raises(ValueError, match="owner"):  # the same module as mint.nn.functional, under another name
        registry.stand_in("mint.nn.F.gelu", probe="force(F.gelu(t(2, 4)))")
    assert registry.stand_ins() == before


DIVISION_CASES = {
    "mint.div-floor-float": lambda t, x, i: t.m.div(x, 2, rounding_mode="floor"),
    "mint.div-trunc-negative-divisor": lambda t, x, i: t.m.div(x, -3, rounding_mode="trunc"),
    "mint.div-floor-ints": lambda t, x, i: t.m.div(i - 5, 3, rounding_mode="floor"),
    "mint.div-floor-ints-by-float": lambda t, x, i: t.m.div(i, 2.5, rounding_mode="floor"),
    "mint.div-true": lambda t, x, i: t.m.div(i, 4),
    "mint.div-tensor-divisor": lambda t, x, i: t.m.div(x, x.abs() + 1, rounding_mode="floor"),
    "mint.floor_divide-float": lambda t, x, i: t.m.floor_divide(x, 1.5),
    "mint.floor_divide-ints": lambda t, x, i: t.m.floor_divide(i - 5, 2),
    "Tensor.div-floor": lambda t, x, i: x.div(2, rounding_mode="floor"),
    "Tensor.div-true": lambda t, x, i: x.div(2),
    "Tensor.divide-trunc-ints": lambda t, x, i: (i - 5).divide(2, rounding_mode="trunc"),
    "Tensor.floor_divide": lambda t, x, i: x.floor_divide(2),
}


@pytest.mark.parametrize("case", sorted(DIVISION_CASES))
def test_rounded_division_by_a_number_matches_torch_values_and_dtype(case):
    """torch2ms/fallback/division.py: the number becomes a 0-d tensor of the dtype torch's promotion
    gives (an integer tensor stays integer by an int, becomes float32 by a float)."""
    expected, got = run_both(DIVISION_CASES[case], [f32(3, 5) * 7, ints(3, 5)])
    assert same_dtypes(expected, got), (expected.dtype, got.dtype)
    compare(expected, got, atol=1e-6, rtol=1e-6)


def test_ops_rms_norm_matches_torch():
    x, w = f32(2, 3, 8) * 3, f32(8)
    y, rstd = ms.ops.rms_norm(MS.tensor(x), MS.tensor(w), 1e-5)
    compare(torch.nn.functional.rms_norm(TORCH.tensor(x), (8,), TORCH.tensor(w), eps=1e-5), y, atol=1e-5, rtol=1e-4)
    compare(torch.rsqrt(TORCH.tensor(x).pow(2).mean(-1, keepdim=True) + 1e-5), rstd, atol=1e-5, rtol=1e-4)
    y2, _ = ms.ops.rms_norm(MS.tensor(x), MS.tensor(f32(3, 8)))  # gamma over the last two axes
    assert y2.shape == (2, 3, 8)


def test_tensor_clone_copies():
    x = MS.tensor(f32(2, 3))
    y = x.clone()
    assert y is not x
    compare(torch.from_numpy(x.asnumpy()).clone(), y, atol=0, rtol=0)
    assert MS.tensor(ints(4)).clone().dtype == ms.int64


@pytest.mark.parametrize("sizes", [(2, 1), ((1, 2, 2),), (3, 1, 2)])
def test_tensor_repeat_tiles_like_torch(fallback, sizes):
    x = f32(2, 3)
    compare(torch.from_numpy(x).repeat(*sizes), MS.tensor(x).repeat(*sizes), atol=0, rtol=0)


@pytest.mark.parametrize("dim, alpha", [(0, 1), (1, 1), (0, 0.5)])
def test_tensor_index_add_adds_into_the_tensor_like_torch(fallback, dim, alpha):
    base, index = f32(4, 4), np.array([0, 2, 0, 3], np.int64)
    source = f32(4, 4)
    t_x, m_x = torch.from_numpy(base.copy()), MS.tensor(base.copy())
    t_x.index_add_(dim, torch.from_numpy(index), torch.from_numpy(source), alpha=alpha)
    same = m_x
    m_x.index_add_(dim, MS.tensor(index), MS.tensor(source), alpha=alpha)
    compare(t_x, same, atol=1e-6, rtol=1e-6)


def test_tensor_index_add_with_nothing_to_add_leaves_the_tensor(fallback):
    base = f32(4, 3)
    x = MS.tensor(base.copy())
    x.index_add_(0, MS.tensor(np.zeros(0, np.int64)), MS.tensor(np.zeros((0, 3), np.float32)))
    np.testing.assert_array_equal(x.asnumpy(), base)


def test_tensor_erfinv_changes_the_tensor_like_torch(fallback):
    values = np.tanh(f32(3, 4)).astype(np.float32) * 0.9
    t_x, m_x = torch.from_numpy(values.copy()), MS.tensor(values.copy())
    same = m_x
    t_x.erfinv_()
    m_x.erfinv_()
    compare(t_x, same, atol=1e-5, rtol=1e-4)


def test_tensor_fillers_change_the_tensor_itself(fallback):
    x = MS.tensor(f32(400, 50))
    same = x
    assert x.uniform_(-2.0, 3.0) is x
    values = same.asnumpy()
    assert values.min() >= -2.0 and values.max() <= 3.0 and abs(values.mean() - 0.5) < 0.05
    x.normal_(1.0, 0.5)
    values = same.asnumpy()
    assert abs(values.mean() - 1.0) < 0.02 and abs(values.std() - 0.5) < 0.02
    x.zero_()
    assert not same.asnumpy().any()


# ---- the parity helpers these tests and test_examples_exec.py rely on ----------

class _TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(5, 3)
        self.head = torch.nn.Linear(3, 5, bias=False)
        self.emb.weight = self.head.weight  # tied: state_dict lists it under both names
        self.register_buffer("mask", torch.tril(torch.ones(3, 3)))
        self.register_buffer("scratch", torch.zeros(2), persistent=False)
        self.only_torch = torch.nn.Parameter(torch.ones(1))


class _MsNet(ms.nn.Cell):
    def __init__(self):
        super().__init__()
        self.emb = mint.nn.Embedding(5, 3)
        self.head = mint.nn.Linear(3, 5, bias=False)
        self.emb.weight = self.head.weight
        self.register_buffer("mask", mint.zeros((3, 3)))
        self.register_buffer("scratch", mint.zeros((2,)), persistent=False)
        self.only_ms = ms.Parameter(ms.Tensor(np.ones(1, np.float32)))


def test_copy_weights_fills_buffers_and_tied_weights_and_reports_leftovers():
    tnet, mnet = _TorchNet(), _MsNet()
    copied, unmatched_torch, unmatched_ms = copy_weights(tnet, mnet)
    assert sorted(copied) == ["emb.weight", "head.weight", "mask"]
    assert (unmatched_torch, unmatched_ms) == (["only_torch"], ["only_ms"])
    np.testing.assert_array_equal(mnet.mask.asnumpy(), np.tril(np.ones((3, 3))))
    np.testing.assert_array_equal(mnet.head.weight.asnumpy(), tnet.head.weight.detach().numpy())
    assert mnet.emb.weight is mnet.head.weight


def test_copy_weights_refuses_a_shape_mismatch():
    with pytest.raises(ValueError, match="weight"):
        copy_weights(torch.nn.Linear(3, 4), mint.nn.Linear(4, 3))


def test_compare_walks_nested_outputs_and_reports_differences():
    a = np.array([[1.0, -np.inf], [3.0, 4.0]], np.float32)
    torch_out = (torch.from_numpy(a), None, {"logits": torch.from_numpy(a)})
    assert compare(torch_out, (ms.Tensor(a), None, {"logits": ms.Tensor(a + 1e-6)})) < 1e-5
    with pytest.raises(AssertionError, match="diff"):
        compare(torch_out, (ms.Tensor(a), None, {"logits": ms.Tensor(a + 0.01)}))
    with pytest.raises(AssertionError, match="shape"):
        compare(torch.from_numpy(a), ms.Tensor(a.T.copy()[:1]))
    with pytest.raises(AssertionError, match="None vs"):
        compare(torch_out, (ms.Tensor(a), ms.Tensor(a), {"logits": ms.Tensor(a)}))
    with pytest.raises(AssertionError, match="structure"):
        compare(torch_out, (ms.Tensor(a), None, {"scores": ms.Tensor(a)}))
    with pytest.raises(AssertionError, match="dtype"):
        compare(torch.ones(2, dtype=torch.int64), ms.Tensor(np.ones(2, np.float32)))


# ---- in-place methods MindSpore's CPU build leaves undone, float32 exp, fused attention ---------------

IN_PLACE_CASES = {
    "add_": (lambda x: x.add_(2.0, alpha=3), None),
    "add_-tensor": (lambda x, y: x.add_(y), f32(3, 4)),
    "sub_": (lambda x, y: x.sub_(y), f32(3, 4)),
    "mul_": (lambda x: x.mul_(2.5), None),
    "div_": (lambda x, y: x.div_(y), np.abs(f32(3, 4)) + 1),
    "div_-floor": (lambda x: x.div_(0.7, rounding_mode="floor"), None),
    "exp_": (lambda x: x.exp_(), None),
    "floor_divide_": (lambda x: x.floor_divide_(0.7), None),
    "remainder_": (lambda x: x.remainder_(0.7), None),
    "clamp_": (lambda x: x.clamp_(-0.5, 0.5), None),
    "fill_": (lambda x: x.fill_(1.25), None),
    "masked_fill_": (lambda x, m: x.masked_fill_(m, 0.0), f32(3, 4) > 0),
}


@pytest.mark.parametrize("case", sorted(IN_PLACE_CASES))
def test_in_place_methods_change_the_tensor_itself_like_torch(fallback, case):
    call, other = IN_PLACE_CASES[case]
    values = f32(3, 4)
    t_x, m_x = torch.from_numpy(values.copy()), MS.tensor(values.copy())
    extra = () if other is None else (other,)
    t_result = call(t_x, *(TORCH.tensor(o) for o in extra))
    m_result = call(m_x, *(MS.tensor(o) for o in extra))
    assert m_result is m_x  # torch's `_` methods return the tensor itself
    compare(t_x, m_x, atol=1e-6, rtol=1e-5)
    compare(t_result, m_result, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("call", [lambda t, x: t.m.exp(x), lambda t, x: x.exp(), "ops"])
def test_float32_exp_is_as_precise_as_torchs(fallback, call):
    from mindspore import ops

    values = np.linspace(-20, 20, 8001).astype(np.float32)
    expected = np.exp(values.astype(np.float64))
    got = ops.exp(MS.tensor(values)) if call == "ops" else call(MS, MS.tensor(values))
    theirs = torch.exp(torch.from_numpy(values)).double().numpy()
    ours = got.asnumpy().astype(np.float64)
    assert got.dtype == ms.float32
    assert np.abs(ours / expected - 1).max() <= max(2e-7, np.abs(theirs / expected - 1).max())


def _attention(query, key, value, mask, layout, heads):
    from mindspore import ops

    head_dim = query.shape[-1] if layout == "BNSD" else query.shape[-1] // heads
    primitive = ops.operations.nn_ops.FlashAttentionScore(heads, scale_value=head_dim ** -0.5, input_layout=layout)
    return primitive(query, key, value, None, None, None, mask)


@pytest.mark.parametrize("layout", ["BNSD", "BSH"])
@pytest.mark.parametrize("kv_heads", [4, 2])
@pytest.mark.parametrize("masked", [False, True])
def test_flash_attention_score_computes_scaled_dot_product_attention(fallback, layout, kv_heads, masked):
    q, k, v = f32(2, 4, 5, 8), f32(2, kv_heads, 7, 8), f32(2, kv_heads, 7, 8)
    keep = rng.random((2, 1, 5, 7)) > 0.3
    keep[..., 0] = True  # no row left without a key
    with torch.no_grad():
        expected = torch.nn.functional.scaled_dot_product_attention(
            *(TORCH.tensor(a) for a in (q, k, v)), attn_mask=TORCH.tensor(keep) if masked else None,
            enable_gqa=kv_heads != 4)
    mask = MS.tensor(~keep) if masked else None  # MindSpore's: True leaves a position out
    if layout == "BSH":
        to_bsh = lambda a: a.transpose(0, 2, 1, 3).reshape(a.shape[0], a.shape[2], -1)  # noqa: E731
        out = _attention(*(MS.tensor(to_bsh(a)) for a in (q, k, v)), mask, "BSH", 4)[3]
        out = out.reshape(2, 5, 4, 8).swapaxes(1, 2)
    else:
        out = _attention(*(MS.tensor(a) for a in (q, k, v)), mask, "BNSD", 4)[3]
    compare(expected, out, atol=1e-5, rtol=1e-4)


def test_flash_attention_score_keeps_half_precision_inputs_half(fallback):
    q = MS.tensor(f32(1, 2, 3, 8)).astype(ms.float16)
    softmax_max, softmax_sum, _, out = _attention(q, q, q, None, "BNSD", 2)
    assert out.dtype == ms.float16 and out.shape == q.shape
    assert softmax_max.shape == softmax_sum.shape == (1, 2, 3, 8)
# ---- training: every stand-in's gradient, and the optimizers ------------------------------------
# Training runs the backward of each stand-in: its gradient (with respect to every float input)
# must be torch's. Losses reduce to a scalar; other outputs are weighted by a fixed tensor first.
GRAD_CASES = {
    "conv_transpose2d": (lambda t, x, w, b: t.F.conv_transpose2d(x, w, b, 2, 1), [f32(2, 3, 4, 4), f32(3, 4, 4, 4),
                                                                                    f32(4)]),
    "conv_transpose2d-groups-outpad": (lambda t, x, w: t.F.conv_transpose2d(x, w, None, 2, 1, 1, 2),
                                       [f32(2, 4, 3, 3), f32(4, 3, 3, 3)]),
    "conv_transpose2d-dilation": (lambda t, x, w: t.F.conv_transpose2d(x, w, None, 1, 0, 0, 1, 2),
                                  [f32(1, 2, 3, 3), f32(2, 2, 3, 3)]),
    "mse_loss": (lambda t, a, b: t.F.mse_loss(a, b), [f32(4, 5), f32(4, 5)]),
    "mse_loss-none": (lambda t, a, b: t.F.mse_loss(a, b, reduction="none"), [f32(4, 5), f32(4, 5)]),
    "l1_loss-sum": (lambda t, a, b: t.F.l1_loss(a, b, reduction="sum"), [f32(4, 5), f32(4, 5)]),
    "kl_div-batchmean": (lambda t, a, p: t.F.kl_div(t.F.log_softmax(a, dim=1), t.F.softmax(p, dim=1),
                                                    reduction="batchmean"), [f32(4, 5), f32(4, 5)]),
    "kl_div-log-target": (lambda t, a, p: t.F.kl_div(a, p, reduction="sum", log_target=True), [f32(4, 5), f32(4, 5)]),
    "softplus": (lambda t, x: t.F.softplus(x * 10), [f32(4, 5)]),
    "softplus-beta-threshold": (lambda t, x: t.F.softplus(x * 10, beta=2, threshold=5), [f32(4, 5)]),
    "elu": (lambda t, x: t.F.elu(x * 3, alpha=0.5), [f32(4, 5)]),
    "leaky_relu": (lambda t, x: t.F.leaky_relu(x, 0.2), [f32(4, 5)]),
    "hardtanh": (lambda t, x: t.F.hardtanh(x * 2, -0.5, 1.5), [f32(4, 5)]),
    "mish": (lambda t, x: t.F.mish(x * 3), [f32(4, 5)]),
    "std": (lambda t, x: t.m.std(x, 1), [f32(4, 5)]),
    "index_select": (lambda t, x, i: t.m.index_select(x, 1, i), [f32(4, 5), ints(3, high=5)]),
    "mm": (lambda t, a, b: t.m.mm(a, b), [f32(3, 4), f32(4, 5)]),
    "unfold-stride-pad": (lambda t, x: t.F.unfold(x, 3, padding=1, stride=2), [f32(2, 2, 7, 6)]),
    "fold-overlapping": (lambda t, x: t.F.fold(x, (5, 7), 3, stride=(2, 1), padding=(0, 1)), [f32(2, 9, 14)]),
    # stand-ins from before, now under training too
    "gelu": (lambda t, x: t.F.gelu(x), [f32(3, 7)]),
    "conv2d": (lambda t, x, w, b: t.F.conv2d(x, w, b, stride=2, padding=1), [X4, f32(5, 4, 3, 3), f32(5)]),
    "conv1d": (lambda t, x, w: t.F.conv1d(x, w, None, 1, 1), [f32(2, 4, 9), f32(3, 4, 3)]),
    "layer_norm": (lambda t, x, w, b: t.F.layer_norm(x, (8,), w, b), [f32(2, 3, 8), f32(8), f32(8)]),
    "embedding": (lambda t, i, w: t.F.embedding(i, w), [ints(2, 5), f32(10, 4)]),
    "max_pool2d": (lambda t, x: t.F.max_pool2d(x, 2), [X4]),
    "avg_pool2d": (lambda t, x: t.F.avg_pool2d(x, 3, 2, 1), [X4]),
    "adaptive_avg_pool2d": (lambda t, x: t.F.adaptive_avg_pool2d(x, (2, 3)), [X4]),
    "pad-reflect": (lambda t, x: t.F.pad(x, (2, 1, 1, 2), mode="reflect"), [X4]),
    "normalize": (lambda t, x: t.F.normalize(x, dim=-1), [f32(3, 6)]),
    "log_softmax": (lambda t, x: t.F.log_softmax(x, dim=-1), [f32(3, 6)]),
    "cross_entropy-smooth": (lambda t, x, y: t.F.cross_entropy(x, y, label_smoothing=0.1), [LOGITS, TARGET]),
    "logsumexp": (lambda t, x: t.m.logsumexp(x, 1), [f32(3, 6)]),
    "var": (lambda t, x: t.m.var(x, 1), [f32(3, 6)]),
    "norm": (lambda t, x: t.m.norm(x), [f32(3, 6)]),
    "stack": (lambda t, a, b: t.m.stack([a, b], 1), [f32(3, 4), f32(3, 4)]),
    "cumsum": (lambda t, x: t.m.cumsum(x, 1), [f32(3, 4)]),
    "einsum": (lambda t, a, b: t.m.einsum("bij,bjk->bik", a, b), [f32(2, 3, 4), f32(2, 4, 5)]),
    "tril": (lambda t, x: t.m.tril(x), [f32(4, 4)]),
}


def _grads(framework, fn, arrays):
    """The output, and the gradient of sum(output * weights) with respect to each float input."""
    floats = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    if framework is TORCH:
        inputs = [torch.tensor(a, requires_grad=i in floats) for i, a in enumerate(arrays)]
        out = fn(TORCH, *inputs)
        weight = torch.from_numpy(np.linspace(-1, 1, out.numel(), dtype=np.float32).reshape(tuple(out.shape)))
        (out * weight).sum().backward()
        return out.detach(), [inputs[i].grad for i in floats]

    def scalar(*values):
        full = [MS.tensor(a) for a in arrays]
        for i, v in zip(floats, values):
            full[i] = v
        out = fn(MS, *full)
        weight = ms.Tensor(np.linspace(-1, 1, out.size, dtype=np.float32).reshape(tuple(out.shape)))
        return (out * weight).sum()

    values = [MS.tensor(arrays[i]) for i in floats]
    grads = ms.grad(scalar, grad_position=tuple(range(len(floats))))(*values)
    grads = grads if isinstance(grads, tuple) else (grads,)
    full = [MS.tensor(a) for a in arrays]
    return fn(MS, *full), list(grads)


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_stand_in_values_and_gradients_match_torch(case):
    fn, arrays = GRAD_CASES[case]
    t_out, t_grads = _grads(TORCH, fn, arrays)
    m_out, m_grads = _grads(MS, fn, arrays)
    compare(t_out, m_out, atol=1e-5, rtol=1e-4)
    assert len(t_grads) == len(m_grads)
    for t_grad, m_grad in zip(t_grads, m_grads):
        compare(t_grad, m_grad, atol=1e-4, rtol=1e-4)


TRAINING_LAYERS = {
    "ConvTranspose2d": (lambda t: t.nn.ConvTranspose2d(3, 4, 4, 2, 1), (2, 3, 4, 4)),
    "ConvTranspose2d-output-size": (lambda t: t.nn.ConvTranspose2d(2, 2, 3, 2, 1, output_padding=1), (1, 2, 3, 3)),
    "ELU": (lambda t: t.nn.ELU(alpha=0.7), (3, 6)),
    "Hardtanh": (lambda t: t.nn.Hardtanh(-0.5, 0.5), (3, 6)),
    "Mish": (lambda t: t.nn.Mish(), (3, 6)),
}


@pytest.mark.parametrize("case", sorted(TRAINING_LAYERS))
def test_training_layer_values_and_weight_gradients_match_torch(case):
    build, shape = TRAINING_LAYERS[case]
    tmod, mcell = make_pair(build)
    x = f32(*shape) * 2
    t_in = torch.tensor(x, requires_grad=True)
    tmod(t_in).sum().backward()
    params = mcell.trainable_params()
    value, (x_grad, weight_grads) = ms.value_and_grad(lambda v: mcell(v).sum(), 0, params)(MS.tensor(x))
    compare(tmod(TORCH.tensor(x)).sum(), value, atol=1e-4, rtol=1e-4)
    compare(t_in.grad, x_grad, atol=1e-4, rtol=1e-4)
    torch_grads = dict(tmod.named_parameters())
    assert len(weight_grads) == len(torch_grads)
    for param, grad in zip(params, weight_grads):
        compare(torch_grads[param.name].grad, grad, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("loss", ["MSELoss", "L1Loss", "KLDivLoss"])
def test_loss_layers_match_torch_with_gradients(loss):
    a, b = f32(4, 5), np.abs(f32(4, 5)) + 0.1
    t_in = torch.tensor(a, requires_grad=True)
    t_val = getattr(torch.nn, loss)()(t_in, torch.tensor(b))
    t_val.backward()
    m_val, m_grad = ms.value_and_grad(lambda v: getattr(mint.nn, loss)()(v, ms.Tensor(b)))(ms.Tensor(a))
    compare(t_val, m_val, atol=1e-5, rtol=1e-4)
    compare(t_in.grad, m_grad, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name, options", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.1, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("Adam", {"lr": 0.1, "amsgrad": True}),  # experimental.Adam ignores amsgrad; the stand-in does not
    ("AdamW", {"lr": 0.1, "weight_decay": 0.05, "amsgrad": True}),
])
def test_optimizer_stand_ins_step_like_torch(name, options):
    w0 = f32(3, 4)
    tw = torch.nn.Parameter(torch.tensor(w0))
    t_opt = getattr(torch.optim, name)([tw], **options)
    mw = ms.Parameter(ms.Tensor(w0), name="w")
    m_opt = getattr(mint.optim, name)([mw], **options)
    for scale in (1.0, 3.0, 0.5, 1.0):
        grad = f32(3, 4) * scale
        tw.grad = torch.tensor(grad)
        t_opt.step()
        m_opt((ms.Tensor(grad),))
    compare(tw.detach(), mw, atol=1e-5, rtol=1e-4)


def test_optimizer_stand_ins_are_mints_names_for_working_classes(fallback):
    import mindspore.experimental.optim as experimental

    for name in ("SGD", "Adam", "AdamW"):
        assert f"mint.optim.{name}" in fallback
        assert issubclass(getattr(mint.optim, name), getattr(experimental, name))


# ---- resizing (fallback/resize.py): linear / bilinear / bicubic by interpolation matrices ----------

RESIZE_CASES = {
    # (input shape, keyword arguments of interpolate)
    "bilinear-x2": ((2, 3, 4, 5), dict(scale_factor=2.0, mode="bilinear")),
    "bilinear-x2-corners": ((2, 3, 4, 5), dict(scale_factor=2.0, mode="bilinear", align_corners=True)),
    "bilinear-size-down": ((1, 2, 9, 7), dict(size=(4, 3), mode="bilinear")),
    "bilinear-size-up-corners": ((1, 2, 5, 6), dict(size=(11, 8), mode="bilinear", align_corners=True)),
    "bilinear-size-1": ((1, 2, 5, 6), dict(size=(1, 1), mode="bilinear", align_corners=True)),
    "bilinear-odd-factor": ((1, 2, 5, 7), dict(scale_factor=(1.5, 2.3), mode="bilinear")),
    "bilinear-odd-factor-recomputed": ((1, 2, 5, 7), dict(scale_factor=1.7, mode="bilinear",
                                                           recompute_scale_factor=True)),
    "linear": ((2, 3, 6), dict(size=13, mode="linear")),
    "linear-corners-factor": ((2, 3, 6), dict(scale_factor=2.5, mode="linear", align_corners=True)),
    "bicubic": ((1, 2, 5, 6), dict(size=(9, 13), mode="bicubic")),
    "bicubic-corners-down": ((1, 2, 9, 8), dict(size=(4, 5), mode="bicubic", align_corners=True)),
    "nearest-goes-to-mint": ((1, 2, 4, 5), dict(scale_factor=2.0, mode="nearest")),
}


@pytest.mark.parametrize("case", sorted(RESIZE_CASES))
def test_interpolate_matches_torch(case):
    shape, kwargs = RESIZE_CASES[case]
    x = f32(*shape)
    expected = torch.nn.functional.interpolate(TORCH.tensor(x), **kwargs)
    compare(expected, mint.nn.functional.interpolate(MS.tensor(x), **kwargs), atol=1e-5, rtol=1e-4)


def test_resizing_layers_match_torch():
    x = f32(2, 3, 4, 5)
    for torch_layer, mint_layer in (
        (torch.nn.Upsample(scale_factor=2, mode="bilinear"), mint.nn.Upsample(scale_factor=2.0, mode="bilinear")),
        (torch.nn.Upsample(size=(7, 9), mode="bicubic", align_corners=True),
         mint.nn.Upsample(size=(7, 9), mode="bicubic", align_corners=True)),
        (torch.nn.Upsample(scale_factor=2, mode="nearest"), mint.nn.Upsample(scale_factor=2.0, mode="nearest")),
        (torch.nn.UpsamplingBilinear2d(scale_factor=2), mint.nn.UpsamplingBilinear2d(scale_factor=(2.0, 2.0))),
        (torch.nn.UpsamplingBilinear2d(size=(6, 11)), mint.nn.UpsamplingBilinear2d(size=(6, 11))),
    ):
        compare(torch_layer(TORCH.tensor(x)), mint_layer(MS.tensor(x)), atol=1e-5, rtol=1e-4)


def test_resizing_gradients_match_torch():
    fn = lambda t, x: t.F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=False)  # noqa: E731
    arrays = [f32(1, 2, 4, 5)]
    t_out, (t_grad,) = _grads(TORCH, fn, arrays)
    m_out, (m_grad,) = _grads(MS, fn, arrays)
    compare(t_out, m_out, atol=1e-5, rtol=1e-4)
    compare(t_grad, m_grad, atol=1e-4, rtol=1e-4)


def test_resizing_keeps_mints_refusal_of_an_int_scale_factor():
    with pytest.raises(TypeError):
        mint.nn.functional.interpolate(MS.tensor(f32(1, 2, 4, 4)), scale_factor=2, mode="bilinear")
