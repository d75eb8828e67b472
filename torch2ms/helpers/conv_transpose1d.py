"""torch.nn.ConvTranspose1d for MindSpore, which has mint.nn.ConvTranspose2d but no 1-d form:
torch's parameters (weight (in, out // groups, k), bias (out)) under torch's names and shapes,
torch's initialisation, and the 1-d transposed convolution computed by mint's 2-d one over a
unit height.

torch2ms writes this code into converted files that build the layer.
"""
from __future__ import annotations

import mindspore


def _one(value):
    # torch takes an int or a 1-tuple for each size of a 1-d layer
    return value[0] if isinstance(value, (tuple, list)) else value


class ConvTranspose1d(mindspore.nn.Cell):
    """torch.nn.ConvTranspose1d (padding_mode "zeros", the only one torch allows here)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {type(self).__name__}')
        if in_channels % groups or out_channels % groups:
            raise ValueError("in_channels and out_channels must be divisible by groups")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = (_one(kernel_size),), (_one(stride),)
        self.padding, self.output_padding = (_one(padding),), (_one(output_padding),)
        self.dilation, self.padding_mode = (_one(dilation),), padding_mode
        dtype = dtype or mindspore.float32
        # torch's reset_parameters: kaiming_uniform_(a=sqrt(5)) and a bias in +-1/sqrt(fan_in), where
        # fan_in is weight.shape[1] * k: both are uniform in +-1/sqrt(fan_in)
        bound = 1.0 / ((out_channels // groups) * self.kernel_size[0]) ** 0.5
        uniform = mindspore.common.initializer.Uniform(bound)
        shape = (in_channels, out_channels // groups, self.kernel_size[0])
        self.weight = mindspore.Parameter(mindspore.common.initializer.initializer(uniform, shape, dtype), name="weight")
        self.bias = mindspore.Parameter(mindspore.common.initializer.initializer(uniform, (out_channels,), dtype),
                                        name="bias") if bias else None

    def construct(self, input, output_size=None):
        batched = input.ndim == 3
        x = input if batched else input.unsqueeze(0)
        output_padding = self.output_padding[0]
        if output_size is not None:  # torch's choice of output_padding for a requested length
            smallest = (x.shape[-1] - 1) * self.stride[0] - 2 * self.padding[0] \
                + self.dilation[0] * (self.kernel_size[0] - 1) + 1
            output_padding = output_size[-1] - smallest
            if not 0 <= output_padding < max(self.stride[0], self.dilation[0]):
                raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {smallest} "
                                 f"to {smallest + max(self.stride[0], self.dilation[0]) - 1}")
        out = mindspore.mint.nn.functional.conv_transpose2d(
            x.unsqueeze(2), self.weight.unsqueeze(2), self.bias, (1, self.stride[0]), (0, self.padding[0]),
            (0, output_padding), self.groups, (1, self.dilation[0])).squeeze(2)
        return out if batched else out.squeeze(0)
