"""verify_module: a plain nn.Module file against its MindSpore conversion.

    report = verify_module("examples/resnet/model.py:ResNet", args='{"block": "@BasicBlock", "layers": [2, 2, 2]}',
                           inputs=[("shape", (2, 3, 32, 32))])
    print(report.text()); report.ok
"""
from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from typing import Any, Optional, Sequence, Tuple

from torch2ms.verify.building import build, parse_args_json
from torch2ms.verify.compare import FallbackScope, compare_models, make_inputs
from torch2ms.verify.conversion import convert_package, convert_to
from torch2ms.verify.errors import VerifyError
from torch2ms.verify.loading import load_module, parse_spec, unload
from torch2ms.verify.report import ATOL, RTOL, Report


def verify_module(module: str, converted: Optional[str] = None, args: Optional[str] = None,
                  inputs: Sequence[Tuple[str, Any]] = (), input_dtype: str = "float32", vocab: int = 100,
                  seed: int = 0, atol: float = ATOL, rtol: float = RTOL, fallback: str = "auto",
                  layers: bool = True, nudge: bool = True, package: Optional[str] = None,
                  factory: bool = False) -> Report:
    """module: "path/to/model.py:ClassOrFactory"; converted: the same for the MindSpore file
    (default: convert `module`'s file, with its package, into a temporary folder).
    factory=True: `module` is "pkg.module:function" of an importable package (or of the package
    folder `package`), which is converted whole; the model is built from it on both sides."""
    if factory or (package and not parse_spec(module).is_file):
        return verify_factory(module, args, inputs, input_dtype, vocab, seed, atol, rtol, fallback, layers, nudge,
                              package)
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


def package_folder(module: str, package: Optional[str]) -> str:
    """The folder of the package `module` belongs to: --package, or where Python finds it."""
    if package:
        if not os.path.isfile(os.path.join(package, "__init__.py")):
            raise VerifyError(f"--package {package}: not a package folder (no __init__.py)", usage=True)
        return os.path.abspath(package)
    top = module.split(".")[0]
    found = importlib.util.find_spec(top)
    if found is None or not found.submodule_search_locations:
        raise VerifyError(f"{top}: no such package (give its folder with --package)", usage=True)
    return os.path.abspath(list(found.submodule_search_locations)[0])


def _forget_package(top: str) -> None:
    for name in [n for n in sys.modules if n == top or n.startswith(top + ".")]:
        del sys.modules[name]


def verify_factory(module: str, args, inputs, input_dtype, vocab, seed, atol, rtol, fallback, layers, nudge,
                   package: Optional[str]) -> Report:
    """The model built by a function of a package (timm:create_model), in the package and in its
    conversion (the whole folder, converted by the runner into a temporary folder)."""
    start = time.perf_counter()
    spec = parse_spec(module)
    if spec.is_file:
        raise VerifyError(f"{module}: --factory wants module:function (timm:create_model)", usage=True)
    if not inputs:
        raise VerifyError("give the inputs: --input-shape 2,3,32,32 and/or --input-ids 2,16", usage=True)
    folder = package_folder(spec.target, package)
    top = os.path.basename(folder)
    if spec.target.split(".")[0] != top:
        raise VerifyError(f"{spec.target} is not a module of the package {top} ({folder})", usage=True)
    report = Report(spec.text, f"{top} converted, {spec.text}", atol=atol, rtol=rtol)
    pos, kw = parse_args_json(args)
    saved_path = list(sys.path)
    with tempfile.TemporaryDirectory(prefix="torch2ms-verify-") as tmp, FallbackScope(fallback) as installed:
        report.fallbacks_installed = installed
        report.notes += convert_package(folder, os.path.join(tmp, top))
        try:
            import torch

            _forget_package(top)
            sys.path.insert(0, os.path.dirname(folder))
            torch_mod = load_module(spec, "torch")
            torch.manual_seed(seed)
            torch_model = build(torch_mod, spec.name, pos, kw, spec.target)
            if not isinstance(torch_model, torch.nn.Module):
                raise VerifyError(f"{spec.text} gave a {type(torch_model).__name__}, not a torch.nn.Module")
            _forget_package(top)  # the converted package has the same name: it comes next
            sys.path[:] = [tmp] + saved_path
            ms_mod = load_module(spec, "ms")
            ms_model = build(ms_mod, spec.name, pos, kw, spec.target)
            arrays = make_inputs(inputs, input_dtype, vocab, seed)
            compare_models(torch_model, ms_model, arrays, {}, report, atol, rtol, seed, layers, nudge)
        finally:
            sys.path[:] = saved_path
            _forget_package(top)
    report.seconds = time.perf_counter() - start
    return report
