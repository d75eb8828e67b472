"""verify_module: a plain nn.Module file against its MindSpore conversion.

    report = verify_module("examples/resnet/model.py:ResNet", args='{"block": "@BasicBlock", "layers": [2, 2, 2]}',
                           inputs=[("shape", (2, 3, 32, 32))])
    print(report.text()); report.ok
"""
from __future__ import annotations

import tempfile
import time
from typing import Any, Optional, Sequence, Tuple

from torch2ms.verify.building import build, parse_args_json
from torch2ms.verify.compare import FallbackScope, compare_models, make_inputs
from torch2ms.verify.conversion import convert_to
from torch2ms.verify.errors import VerifyError
from torch2ms.verify.loading import load_module, parse_spec, unload
from torch2ms.verify.report import ATOL, RTOL, Report


def verify_module(module: str, converted: Optional[str] = None, args: Optional[str] = None,
                  inputs: Sequence[Tuple[str, Any]] = (), input_dtype: str = "float32", vocab: int = 100,
                  seed: int = 0, atol: float = ATOL, rtol: float = RTOL, fallback: str = "auto",
                  layers: bool = True, nudge: bool = True) -> Report:
    """module: "path/to/model.py:ClassOrFactory"; converted: the same for the MindSpore file
    (default: convert `module`'s file, with its package, into a temporary folder)."""
    start = time.perf_counter()
    spec = parse_spec(module)
    if not spec.is_file:
        raise VerifyError(f"{module}: --module wants a file, path/to/model.py:ClassName", usage=True)
    report = Report(spec.text, converted or "(converted now)", atol=atol, rtol=rtol)
    if not inputs:
        raise VerifyError("give the inputs: --input-shape 2,3,32,32 [--input-dtype float32] and/or "
                          "--input-ids 2,16 [--vocab 100]", usage=True)
    pos, kw = parse_args_json(args)
    loaded = []
    with tempfile.TemporaryDirectory(prefix="torch2ms-verify-") as tmp, FallbackScope(fallback) as installed:
        report.fallbacks_installed = installed
        try:
            if converted:
                ms_spec = parse_spec(converted, need_name=False)
                ms_spec.name = ms_spec.name or spec.name
                report.mindspore = ms_spec.text
            else:
                path, notes = convert_to(spec.target, tmp)
                report.notes += notes
                ms_spec = parse_spec(f"{path}:{spec.name}")
                report.mindspore = f"{spec.target} converted, :{spec.name}"
            torch_mod = load_module(spec, "torch")
            loaded.append(torch_mod)
            import torch

            torch.manual_seed(seed)
            torch_model = build(torch_mod, spec.name, pos, kw, spec.target)
            ms_mod = load_module(ms_spec, "ms")
            loaded.append(ms_mod)
            ms_model = build(ms_mod, ms_spec.name, pos, kw, ms_spec.target)
            if not isinstance(torch_model, torch.nn.Module):
                raise VerifyError(f"{spec.text} gave a {type(torch_model).__name__}, not a torch.nn.Module")
            arrays = make_inputs(inputs, input_dtype, vocab, seed)
            compare_models(torch_model, ms_model, arrays, {}, report, atol, rtol, seed, layers, nudge)
        finally:
            for mod in loaded:
                unload(mod)
    report.seconds = time.perf_counter() - start
    return report
