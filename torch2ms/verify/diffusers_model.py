"""verify_diffusers: a diffusers model against its MindSpore twin (converted now, or a given port).

    report = verify_diffusers("diffusers.models.autoencoders.autoencoder_kl:AutoencoderKL",
                              converted="mindone.diffusers.models.autoencoders.autoencoder_kl:AutoencoderKL")
    print(report.text()); report.ok

Both models are built from the same small configuration (diffusers_config: the constructor's
defaults shrunk by name), fed the same inputs (diffusers_inputs: made from `forward`'s
signature, the layout the torch model accepts), given the same weights, and compared.
Converting now converts the model's file and the model code it imports (other model files:
`.vae`, `..unets.unet_2d_blocks`), which stand in for mindone's own while the check runs; the
infrastructure (ModelMixin, attention, embeddings, ...) is mindone.diffusers'.
"""
from __future__ import annotations

import tempfile
import time
from typing import Optional

from torch2ms.verify.compare import FallbackScope, compare_models
from torch2ms.verify.conversion import convert_model_code
from torch2ms.verify.diffusers_config import tiny_kwargs
from torch2ms.verify.diffusers_inputs import find_inputs
from torch2ms.verify.errors import VerifyError, failing_line, first_line, raised_at
from torch2ms.verify.hf_loading import ConvertedSiblings, load_hf_file
from torch2ms.verify.loading import get_attr, load_module, parse_spec
from torch2ms.verify.report import ATOL, RTOL, Report


def verify_diffusers(model: str, converted: Optional[str] = None, seed: int = 0, atol: float = ATOL,
                     rtol: float = RTOL, fallback: str = "auto", layers: bool = True, nudge: bool = True) -> Report:
    """model: "diffusers.models.X:Class" (any module that has the class); converted: a dotted MindSpore
    module (mindone's port) or a converted file, ":Name" optional; default: convert the class's
    source file now."""
    start = time.perf_counter()
    spec = parse_spec(model)
    report = Report(spec.text, converted or "(converted now)", atol=atol, rtol=rtol)
    with tempfile.TemporaryDirectory(prefix="torch2ms-verify-") as tmp, FallbackScope(fallback) as installed, \
            ConvertedSiblings() as siblings:
        report.fallbacks_installed = installed
        torch_class = get_attr(load_module(spec, "torch"), spec.name, spec.target)
        kwargs, report.config = tiny_kwargs(torch_class)
        import torch

        torch.manual_seed(seed)
        try:
            torch_model = torch_class(**kwargs).eval()
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"building {spec.text} with the small config failed: {first_line(exc)}") from exc
        inputs, choice = find_inputs(torch_model, kwargs, seed)
        report.notes.append(f"inputs: {choice}")
        root = None if converted else tmp  # the converted code, to name the line a MindSpore error passed
        try:
            ms_class = _ms_class(torch_class, spec.name, converted, tmp, siblings, report)
        except VerifyError as exc:  # importing a converted file failed: where, in all the converted code
            if root and exc.__cause__ is not None:
                exc.failing_line = failing_line(exc.__cause__, root) or exc.failing_line
            raise
        try:
            ms_model = ms_class(**kwargs)
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"building {report.mindspore} failed: {first_line(exc)}{raised_at(exc, ms_class)}",
                              failing_line=failing_line(exc, root) if root else None) from exc
        ms_model.set_train(False)
        compare_models(torch_model, ms_model, (), inputs, report, atol, rtol, seed, layers, nudge, source_root=root)
    report.seconds = time.perf_counter() - start
    return report


def _ms_class(torch_class, name: str, converted: Optional[str], tmp: str, siblings: ConvertedSiblings,
              report: Report):
    """The MindSpore class: from `converted`, or from the class's file converted now."""
    import importlib

    torch_mod = importlib.import_module(torch_class.__module__)
    if converted:
        ms_spec = parse_spec(converted, need_name=False)
        report.mindspore = ms_spec.text
        return get_attr(load_module(ms_spec, "ms"), ms_spec.name or name, ms_spec.target)
    path, notes, model_code = convert_model_code(torch_mod, tmp)
    report.notes += notes
    report.mindspore = f"{torch_mod.__name__} converted now"
    siblings.register([(f"mindone.{module}", file) for module, file in model_code])
    ms_mod, note = load_hf_file(path, torch_mod, siblings, with_siblings=False)
    report.notes.append(note)
    return get_attr(ms_mod, name, path)
