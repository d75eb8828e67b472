"""Example project: a small ResNet for 32x32 images."""
from .model import BasicBlock, ResNet, build_model, example_inputs

__all__ = ["BasicBlock", "ResNet", "build_model", "example_inputs"]
