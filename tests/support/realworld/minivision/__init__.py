"""A model library in the style of torchvision (for the end-to-end test of tests/test_realworld.py)."""
from .models import tiny_densenet, tiny_resnet
