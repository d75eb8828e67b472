"""torch2ms: migrate PyTorch source code to MindSpore source code."""

__version__ = "0.1.0"
