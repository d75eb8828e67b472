"""Tests' view of the parity helpers, which now live in the product: torch2ms/verify/parity.py."""
from torch2ms.verify.parity import compare, copy_weights  # noqa: F401
