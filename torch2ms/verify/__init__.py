"""Prove a conversion by execution: the PyTorch model and its MindSpore twin, same weights, same inputs.

See torch2ms/verify/core.py (and docs/verify.md). Needs torch and mindspore; the
converter itself does not, so nothing here is imported by `torch2ms convert`, and
torch / mindspore are imported only once a model is actually verified (a usage
error is reported without paying for them).
"""
from torch2ms.verify.core import ATOL, RTOL, Report, compare_models, make_inputs, verify_hf, verify_module
from torch2ms.verify.loading import VerifyError

_PARITY = ("compare", "compare_outputs", "copy_weights", "ms_state")

__all__ = ["ATOL", "RTOL", "Report", "VerifyError", "compare_models", "make_inputs", "verify_hf", "verify_module",
           *_PARITY]


def __getattr__(name):
    if name in _PARITY:  # these import torch and mindspore
        from torch2ms.verify import parity

        return getattr(parity, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
