"""Tests' view of the layer stand-ins, which now live in torch2ms/fallback/layers.py."""
from torch2ms.fallback.layers import *  # noqa: F401,F403
from torch2ms.fallback.layers import LAYERS  # noqa: F401
