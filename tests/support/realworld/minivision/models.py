from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F

from .ops import ConvNormActivation, _log_api_usage_once


class BasicBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = ConvNormActivation(channels, channels)
        self.conv2 = ConvNormActivation(channels, channels, activation_layer=None)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(x + self.conv2(self.conv1(x)))


class TinyResNet(nn.Module):
    def __init__(self, num_classes: int = 10, width: int = 8) -> None:
        super().__init__()
        _log_api_usage_once(self)
        self.stem = ConvNormActivation(3, width, stride=2, activation_layer=nn.Hardswish)
        self.layer1 = nn.Sequential(BasicBlock(width), BasicBlock(width))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(width, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.avgpool(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(x, 1))


class _Transition(nn.Sequential):
    def __init__(self, num_input_features: int, num_output_features: int) -> None:
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)


class _DenseBlock(nn.ModuleDict):
    def __init__(self, num_layers: int, channels: int, growth: int) -> None:
        super().__init__()
        for i in range(num_layers):
            self.add_module("denselayer%d" % (i + 1), ConvNormActivation(channels + i * growth, growth))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [x]
        for name, layer in self.items():
            features.append(layer(torch.cat(features, 1)))
        return torch.cat(features, 1)


class TinyDenseNet(nn.Module):
    def __init__(self, num_classes: int = 10, growth: int = 4) -> None:
        super().__init__()
        self.features = nn.Sequential(OrderedDict([("conv0", nn.Conv2d(3, 8, 3, padding=1, bias=False))]))
        self.features.add_module("denseblock1", _DenseBlock(2, 8, growth))
        self.features.add_module("transition1", _Transition(8 + 2 * growth, 8))
        self.classifier = nn.Linear(8, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.relu(self.features(x), inplace=True)
        out = F.adaptive_avg_pool2d(out, (1, 1))
        return self.classifier(torch.flatten(out, 1))


def tiny_resnet(**kwargs) -> TinyResNet:
    return TinyResNet(**kwargs)


def tiny_densenet(**kwargs) -> TinyDenseNet:
    return TinyDenseNet(**kwargs)
