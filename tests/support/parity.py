"""Tests' view of the parity helpers, which now live in the product: torch2ms/verify/parity.py."""
from torch2ms.verify.parity import _flatten, _to_numpy, compare, copy_weights, ms_state  # noqa: F401
