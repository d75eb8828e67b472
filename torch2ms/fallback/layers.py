"""Stand-ins for `mindspore.mint.nn` layers whose CPU kernels are missing.

Each subclasses the mint.nn class of the same name and replaces only
`construct`: __init__, parameters and their names stay mint's own, so weights
copied by name from a torch state_dict land where they would in the real layer,
and an instance built before or after install() holds the same parameters.
Each is registered by @stand_in with the mint.nn name it replaces and its probe;
the registry counts each call of its construct as a use.
"""
from __future__ import annotations

from mindspore import mint, ops

from torch2ms.fallback import functions as fn
from torch2ms.fallback.registry import stand_in


def _base(name):
    # If mint.nn is patched already, skip past our own class to mint's original.
    return next(c for c in getattr(mint.nn, name).__mro__ if c.__module__ != __name__)


@stand_in("mint.nn.ReLU6", probe="force(mint.nn.ReLU6()(t(2, 4)))")
class ReLU6(_base("ReLU6")):
    def construct(self, input):
        return fn.relu6(input)


@stand_in("mint.nn.Conv1d", probe="force(mint.nn.Conv1d(3, 4, 3, padding=1)(t(1, 3, 8)))")
class Conv1d(_base("Conv1d")):
    def construct(self, input):
        if self.padding_mode != "zeros":  # reflect / replicate / circular: pad first, then a plain conv
            input = ops.pad(input, tuple(self._reversed_padding), self.padding_mode)
            return fn.conv1d(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn.conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


@stand_in("mint.nn.Conv2d", probe="force(mint.nn.Conv2d(3, 4, 3, padding=1)(t(1, 3, 8, 8)))")
class Conv2d(_base("Conv2d")):
    def construct(self, input):
        if self.padding_mode != "zeros":
            input = ops.pad(input, tuple(self._reversed_padding), self.padding_mode)
            return fn.conv2d(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


@stand_in("mint.nn.Conv3d", probe="force(mint.nn.Conv3d(2, 4, 3, padding=1)(t(1, 2, 4, 6, 6)))")
class Conv3d(_base("Conv3d")):
    def construct(self, input):
        if self.padding_mode != "zeros":
            input = ops.pad(input, tuple(self._reversed_padding), self.padding_mode)
            return fn.conv3d(input, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
        return fn.conv3d(input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)


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


@stand_in("mint.nn.BatchNorm1d",
          probe="m = mint.nn.BatchNorm1d(3); force(m(t(4, 3))); m.set_train(False); force(m(t(4, 3)))")
class BatchNorm1d(_BatchNormMixin, _base("BatchNorm1d")):
    pass


@stand_in("mint.nn.BatchNorm2d",
          probe=("m = mint.nn.BatchNorm2d(3); m.set_train(True); force(m(t(2, 3, 4, 4))); m.set_train(False);"
                 " force(m(t(2, 3, 4, 4)))"))
class BatchNorm2d(_BatchNormMixin, _base("BatchNorm2d")):
    pass


@stand_in("mint.nn.LayerNorm", probe="force(mint.nn.LayerNorm(8)(t(2, 8)))")
class LayerNorm(_base("LayerNorm")):
    def construct(self, input):
        return fn.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)


@stand_in("mint.nn.Embedding", probe="force(mint.nn.Embedding(10, 4)(i(2, 3)))")
class Embedding(_base("Embedding")):
    def construct(self, input):
        return fn.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type)


@stand_in("mint.nn.GELU", probe="force(mint.nn.GELU()(t(2, 4))); force(mint.nn.GELU(approximate='tanh')(t(2, 4)))")
class GELU(_base("GELU")):
    def construct(self, input):
        return fn.gelu(input, approximate=self.approximate)


@stand_in("mint.nn.Dropout", probe="m = mint.nn.Dropout(0.1); m.set_train(True); force(m(t(2, 4)))")
class Dropout(_base("Dropout")):
    def construct(self, input):
        return fn.dropout(input, self.p, self.training)


@stand_in("mint.nn.MaxPool2d", probe="force(mint.nn.MaxPool2d(3, 2, 1)(t(1, 2, 8, 8)))")
class MaxPool2d(_base("MaxPool2d")):
    def construct(self, input):
        return fn.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
                             self.return_indices)


@stand_in("mint.nn.AvgPool2d", probe="force(mint.nn.AvgPool2d(2)(t(1, 2, 8, 8)))")
class AvgPool2d(_base("AvgPool2d")):
    def construct(self, input):
        return fn.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)


@stand_in("mint.nn.AdaptiveAvgPool2d", probe="force(mint.nn.AdaptiveAvgPool2d((1, 1))(t(1, 2, 5, 5)))")
class AdaptiveAvgPool2d(_base("AdaptiveAvgPool2d")):
    def construct(self, input):
        return fn.adaptive_avg_pool2d(input, self.output_size)


@stand_in("mint.nn.AdaptiveAvgPool1d", probe="force(mint.nn.AdaptiveAvgPool1d(1)(t(2, 3, 5)))")
class AdaptiveAvgPool1d(_base("AdaptiveAvgPool1d")):
    def construct(self, input):
        return fn.adaptive_avg_pool1d(input, self.output_size)


@stand_in("mint.nn.LogSoftmax", probe="force(mint.nn.LogSoftmax(dim=1)(t(2, 4)))")
class LogSoftmax(_base("LogSoftmax")):
    def construct(self, input):
        return fn.log_softmax(input, self.dim)


@stand_in("mint.nn.CrossEntropyLoss", probe="force(mint.nn.CrossEntropyLoss()(t(4, 5), i(4, high=5)))")
class CrossEntropyLoss(_base("CrossEntropyLoss")):
    def construct(self, input, target):
        return fn.cross_entropy(input, target, self.weight, self.ignore_index, self.reduction, self.label_smoothing)


@stand_in("mint.nn.ConvTranspose2d",
          probe="m = mint.nn.ConvTranspose2d(3, 4, 4, 2, 1); force(m(t(1, 3, 4, 4))); "
                "force(ms.grad(lambda x: m(x).sum())(t(1, 3, 4, 4)))")
class ConvTranspose2d(_base("ConvTranspose2d")):
    def construct(self, input, output_size=None):
        if self.padding_mode != "zeros":
            raise NotImplementedError("torch2ms cpu fallback: ConvTranspose2d supports only zero padding")
        output_padding = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size, 2,
                                              self.dilation)
        return fn.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                   self.groups, self.dilation)


@stand_in("mint.nn.MSELoss", probe="force(ms.grad(lambda x: mint.nn.MSELoss()(x, t(4, 5)))(t(4, 5)))")
class MSELoss(_base("MSELoss")):
    def construct(self, input, target):
        return fn.mse_loss(input, target, self.reduction)


@stand_in("mint.nn.L1Loss", probe="force(ms.grad(lambda x: mint.nn.L1Loss()(x, t(4, 5)))(t(4, 5)))")
class L1Loss(_base("L1Loss")):
    def construct(self, logits, labels):
        return fn.l1_loss(logits, labels, self.reduction)


@stand_in("mint.nn.KLDivLoss",
          probe="force(ms.grad(lambda x: mint.nn.KLDivLoss(reduction='batchmean')(x, mint.softmax(t(4, 5), 1)))(t(4, 5)))")
class KLDivLoss(_base("KLDivLoss")):
    def construct(self, input, target):
        return fn.kl_div(input, target, self.reduction, self.log_target)


@stand_in("mint.nn.ELU", probe="force(ms.grad(lambda x: mint.nn.ELU()(x).sum())(t(4, 5)))")
class ELU(_base("ELU")):
    def construct(self, input):
        return fn.elu(input, self.alpha)


@stand_in("mint.nn.Hardtanh", probe="force(ms.grad(lambda x: mint.nn.Hardtanh()(x).sum())(t(4, 5)))")
class Hardtanh(_base("Hardtanh")):
    def construct(self, input):
        return fn.hardtanh(input, self.min_val, self.max_val)


@stand_in("mint.nn.Mish", probe="force(ms.grad(lambda x: mint.nn.Mish()(x).sum())(t(4, 5)))")
class Mish(_base("Mish")):
    def construct(self, input):
        return fn.mish(input)


@stand_in("mint.nn.Unfold", probe="force(mint.nn.Unfold(2, stride=2)(t(1, 2, 6, 6)))")
class Unfold(_base("Unfold")):
    def construct(self, input):
        return fn.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)


@stand_in("mint.nn.Fold", probe="force(mint.nn.Fold((6, 6), 2, stride=2)(t(1, 8, 9)))")
class Fold(_base("Fold")):
    def construct(self, input):
        return fn.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)
