"""Stand-ins for `mindspore.mint.nn` layers whose CPU kernels are missing.

Each subclasses the mint.nn class of the same name and replaces only
`construct`: __init__, parameters and their names stay mint's own, so weights
copied by name from a torch state_dict land where they would in the real layer,
and an instance built before or after install() holds the same parameters.
"""
from __future__ import annotations

from mindspore import mint, ops

from torch2ms.fallback import functions as fn

LAYERS = ["Conv1d", "Conv2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding", "GELU", "Dropout",
          "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "AdaptiveAvgPool1d", "LogSoftmax", "CrossEntropyLoss"]

# Filled by torch2ms.fallback: called with "mint.nn.<Name>" each time a stand-in layer runs.
on_use = None


def _base(name):
    # If mint.nn is patched already, skip past our own class to mint's original.
    return next(c for c in getattr(mint.nn, name).__mro__ if c.__module__ != __name__)


def _counted(cls):
    construct, name = cls.construct, f"mint.nn.{cls.__name__}"

    def counted_construct(self, *args, **kwargs):
        if on_use is not None:
            on_use(name)
        return construct(self, *args, **kwargs)

    counted_construct.__wrapped__ = construct
    cls.construct = counted_construct
    return cls


@_counted
class Conv1d(_base("Conv1d")):
    def construct(self, input):
        if self.padding_mode != "zeros":  # reflect / replicate / circular: pad first, then a plain conv
            input = ops.pad(input, tuple(self._reversed_padding), self.padding_mode)
            return fn.conv1d(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


@_counted
class Conv2d(_base("Conv2d")):
    def construct(self, input):
        if self.padding_mode != "zeros":
            input = ops.pad(input, tuple(self._reversed_padding), self.padding_mode)
            return fn.conv2d(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


class _BatchNormMixin:
    """Batch norm from elementwise kernels; running statistics updated like torch's."""

    def construct(self, input):
        axes = (0,) + tuple(range(2, input.ndim))
        shape = (1, -1) + (1,) * (input.ndim - 2)
        if self.training or self.running_mean is None:
            mean = mint.mean(input, axes, keepdim=True)
            var = mint.mean((input - mean) ** 2, axes, keepdim=True)  # biased, for normalising
            if self.training and self.track_running_stats:
                self._update_running_stats(mean.reshape(-1), var.reshape(-1), input.size // input.shape[1])
        else:
            mean, var = self.running_mean.reshape(shape), self.running_var.reshape(shape)
        out = (input - mean) * mint.rsqrt(var + self.eps)
        if self.weight is not None:
            out = out * self.weight.reshape(shape) + self.bias.reshape(shape)
        return out

    def _update_running_stats(self, mean, var, n):
        ops.assign(self.num_batches_tracked, self.num_batches_tracked + 1)
        factor = self.momentum
        if factor is None:  # cumulative moving average
            factor = 1.0 / float(self.num_batches_tracked.asnumpy())
        unbiased = var * (n / max(n - 1, 1))
        ops.assign(self.running_mean, (1 - factor) * self.running_mean + factor * mean)
        ops.assign(self.running_var, (1 - factor) * self.running_var + factor * unbiased)


@_counted
class BatchNorm1d(_BatchNormMixin, _base("BatchNorm1d")):
    pass


@_counted
class BatchNorm2d(_BatchNormMixin, _base("BatchNorm2d")):
    pass


@_counted
class LayerNorm(_base("LayerNorm")):
    def construct(self, input):
        return fn.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)


@_counted
class Embedding(_base("Embedding")):
    def construct(self, input):
        return fn.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)


@_counted
class GELU(_base("GELU")):
    def construct(self, input):
        return fn.gelu(input, approximate=self.approximate)


@_counted
class Dropout(_base("Dropout")):
    def construct(self, input):
        return fn.dropout(input, self.p, self.training)


@_counted
class MaxPool2d(_base("MaxPool2d")):
    def construct(self, input):
        return fn.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                             self.return_indices)


@_counted
class AvgPool2d(_base("AvgPool2d")):
    def construct(self, input):
        return fn.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)


@_counted
class AdaptiveAvgPool2d(_base("AdaptiveAvgPool2d")):
    def construct(self, input):
        return fn.adaptive_avg_pool2d(input, self.output_size)


@_counted
class AdaptiveAvgPool1d(_base("AdaptiveAvgPool1d")):
    def construct(self, input):
        return fn.adaptive_avg_pool1d(input, self.output_size)


@_counted
class LogSoftmax(_base("LogSoftmax")):
    def construct(self, input):
        return fn.log_softmax(input, self.dim)


@_counted
class CrossEntropyLoss(_base("CrossEntropyLoss")):
    def construct(self, input, target):
        return fn.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)
