from typing import Callable, Optional

import torch
from torch import nn


class ConvNormActivation(nn.Sequential):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, stride: int = 1,
                 norm_layer: Optional[Callable[..., nn.Module]] = nn.BatchNorm2d,
                 activation_layer: Optional[Callable[..., nn.Module]] = nn.ReLU, inplace: Optional[bool] = True):
        layers = [nn.Conv2d(in_channels, out_channels, kernel_size, stride, kernel_size // 2, bias=norm_layer is None)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            params = {} if inplace is None else {"inplace": inplace}
            layers.append(activation_layer(**params))
        super().__init__(*layers)
        self.out_channels = out_channels


def _log_api_usage_once(obj) -> None:
    if not obj.__module__.startswith("minivision"):
        return
    torch._C._log_api_usage_once(f"{obj.__module__}.{obj.__class__.__name__}")
