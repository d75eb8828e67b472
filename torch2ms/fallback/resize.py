"""Stand-ins for mint's linear / bilinear / bicubic resizing, whose CPU kernels are missing.

MindSpore's CPU build registers no UpsampleLinear1D, UpsampleBilinear2D nor UpsampleBicubic2D
kernel (mint's interpolate, Upsample and UpsamplingBilinear2d all reach them); 'nearest' and
'area' do run. Resizing along one axis is a fixed linear map, so each axis becomes one matrix
product with an interpolation matrix (out x in) whose weights follow torch's source-index
formula exactly (align_corners both ways, a user scale_factor used as given, borders clamped):

    align_corners:     src = dst * (in - 1) / (out - 1)
    otherwise:         src = (dst + 0.5) * scale - 0.5, scale = 1 / scale_factor if given else in / out
                       (linear modes clamp src at 0; cubic does not, it clamps the four taps)

Built from mint.matmul (a CPU kernel) and plain Python for the weights, which depend on shapes only.
Other modes go to mint's own interpolate, untouched.
"""
from __future__ import annotations

import math

import mindspore as ms
from mindspore import mint
from mindspore.ops.function import nn_func

from torch2ms.fallback.registry import stand_in

_original_interpolate = mint.nn.functional.interpolate  # functions stay unpatched while this module imports
_SPATIAL_RANK = {"linear": 1, "bilinear": 2, "bicubic": 2}
_CUBIC_A = -0.75  # torch's bicubic coefficient


def _source_index(dst, scale, align_corners, cubic):
    if align_corners:
        return dst * scale
    src = (dst + 0.5) * scale - 0.5
    return src if cubic else max(src, 0.0)


def _axis_scale(in_size, out_size, align_corners, scale_factor):
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    if scale_factor is not None and scale_factor > 0:
        return 1.0 / scale_factor
    return in_size / out_size


def _cubic_weights(t):
    def near(x):  # |x| <= 1
        return ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A

    return (far(t + 1), near(t), near(1 - t), far(2 - t))


def _axis_matrix(in_size, out_size, mode, align_corners, scale_factor):
    """The (out_size, in_size) weights that resize one axis as torch does."""
    scale = _axis_scale(in_size, out_size, align_corners, scale_factor)
    cubic = mode == "bicubic"
    rows = []
    for dst in range(out_size):
        row = [0.0] * in_size
        src = _source_index(dst, scale, align_corners, cubic)
        if cubic:
            low = math.floor(src)
            for offset, weight in enumerate(_cubic_weights(src - low)):
                row[min(max(low - 1 + offset, 0), in_size - 1)] += weight
        else:
            low = min(int(src), in_size - 1)
            high = low + 1 if low < in_size - 1 else low
            frac = min(max(src - low, 0.0), 1.0)
            row[low] += 1.0 - frac
            row[high] += frac
        rows.append(row)
    return rows


def _as_tuple(value, rank):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,) * rank


def resize(input, size, scale_factor, mode, align_corners, recompute_scale_factor=None):
    """torch's linear/bilinear/bicubic interpolation of the last 1 or 2 axes, by matrix products."""
    rank = _SPATIAL_RANK[mode]
    if input.ndim != rank + 2:
        raise ValueError(f"interpolate: mode {mode!r} takes a {rank + 2}-D input, got {input.ndim}-D")
    if (size is None) == (scale_factor is None):
        raise ValueError("For 'interpolate', exactly one of 'size' and 'scale_factor' must be set")
    in_sizes = tuple(input.shape[2:])
    if size is not None:
        out_sizes, factors = _as_tuple(size, rank), (None,) * rank
    else:
        factors = _as_tuple(scale_factor, rank)
        if not all(isinstance(f, float) for f in factors):
            # mint's kernels take float scales only (UpsampleBilinear2D scales=<tuple of float>): keep refusing
            raise TypeError(f"For 'interpolate', 'scale_factor' must be float or a tuple of floats, got {scale_factor!r}")
        out_sizes = tuple(math.floor(n * f) for n, f in zip(in_sizes, factors))
        if recompute_scale_factor:
            factors = (None,) * rank
    out = input
    for axis, (n_in, n_out, factor) in enumerate(zip(in_sizes, out_sizes, factors)):
        weights = ms.Tensor(_axis_matrix(n_in, n_out, mode, bool(align_corners), factor), input.dtype)
        if axis == rank - 1:  # the last axis: x @ W^T
            out = mint.matmul(out, weights.swapaxes(0, 1))
        else:  # the height of a 2-D image: W @ x
            out = mint.matmul(weights, out)
    return out


@stand_in("mint.nn.functional.interpolate",
          probe="force(F.interpolate(t(1, 2, 4, 5), scale_factor=2.0, mode='bilinear')); "
                "force(F.interpolate(t(1, 2, 4, 5), size=(7, 9), mode='bilinear', align_corners=True)); "
                "force(F.interpolate(t(1, 2, 5), size=9, mode='linear')); "
                "force(F.interpolate(t(1, 2, 4, 5), size=(7, 9), mode='bicubic'))")
def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None):
    if mode not in _SPATIAL_RANK:
        return _original_interpolate(input, size, scale_factor, mode, align_corners, recompute_scale_factor)
    return resize(input, size, scale_factor, mode, align_corners, recompute_scale_factor)


def _base(name):
    # If mint.nn is patched already, skip past our own class to mint's original.
    return next(c for c in getattr(mint.nn, name).__mro__ if c.__module__ != __name__)


@stand_in("mint.nn.Upsample", probe="force(mint.nn.Upsample(scale_factor=2.0, mode='bilinear')(t(1, 2, 4, 4)))")
class Upsample(_base("Upsample")):
    def construct(self, input):
        if self.mode not in _SPATIAL_RANK:
            return nn_func.interpolate_ext(input, self.size, self.scale_factor, self.mode, self.align_corners,
                                           self.recompute_scale_factor)
        return resize(input, self.size, self.scale_factor, self.mode, self.align_corners,
                      self.recompute_scale_factor)


@stand_in("mint.nn.UpsamplingBilinear2d",
          probe="force(mint.nn.UpsamplingBilinear2d(scale_factor=(2.0, 2.0))(t(1, 2, 4, 4)))")
class UpsamplingBilinear2d(_base("UpsamplingBilinear2d")):
    def construct(self, input):
        return resize(input, self.size, self.scale_factor, "bilinear", True)
