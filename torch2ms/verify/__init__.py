"""Prove a conversion by execution: the PyTorch model and its MindSpore twin, same weights, same inputs.

See docs/verify.md. Needs torch and mindspore; the converter itself does not, so
nothing here is imported by `torch2ms convert`, and torch / mindspore are imported
only once a model is actually verified (a usage error is reported without paying
for them).

Modules, each importing only those listed before it:
    errors       VerifyError; where a model's own code raised
    report       Report (text and JSON), ATOL / RTOL
    loading      import model code from a file (with its package) or a dotted module
    building     a plain model from its class and the --args JSON
    conversion   convert the code under test through torch2ms.run.runner
    hf_loading   import a converted transformers file into mindone's mirror package
    hf           tiny config, main inputs and building of transformers models
    parity       copy weights by name, compare outputs (imports torch and mindspore)
    trace        hooks on every submodule; the first diverging one
    compare      inputs, nudged weights, both models run and compared; the CPU fallback
    plain        verify_module: a plain nn.Module file
    hf_model     verify_hf: a transformers model
    diffusers_config   a small config for a diffusers model (its constructor's defaults, shrunk by name)
    diffusers_inputs   its inputs, from forward's signature (the layout the torch model runs on)
    diffusers_model    verify_diffusers: a diffusers model
"""
from torch2ms.verify.compare import compare_models, make_inputs
from torch2ms.verify.diffusers_model import verify_diffusers
from torch2ms.verify.errors import VerifyError
from torch2ms.verify.hf_model import verify_hf
from torch2ms.verify.plain import verify_module
from torch2ms.verify.report import ATOL, RTOL, Report

_PARITY = ("compare", "compare_outputs", "copy_weights", "ms_state")

__all__ = ["ATOL", "RTOL", "Report", "VerifyError", "compare_models", "make_inputs", "verify_diffusers", "verify_hf",
           "verify_module",
           *_PARITY]


def __getattr__(name):
    if name in _PARITY:  # these import torch and mindspore
        from torch2ms.verify import parity

        return getattr(parity, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
