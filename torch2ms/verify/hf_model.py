"""verify_hf: a transformers model against its MindSpore twin (converted now, or a given port).

    report = verify_hf("transformers.models.bert.modeling_bert:BertModel",
                       converted="mindone.transformers.models.bert.modeling_bert:BertModel")
    print(report.text()); report.ok
"""
from __future__ import annotations

import tempfile
import time
from typing import Optional, Tuple

from torch2ms.verify.compare import FallbackScope, compare_models
from torch2ms.verify.conversion import convert_hf_file
from torch2ms.verify.errors import VerifyError, first_line, raised_at
from torch2ms.verify.hf import build_ms, build_torch, config_class_of, main_inputs, tiny_config
from torch2ms.verify.hf_loading import ConvertedSiblings, load_hf_file
from torch2ms.verify.loading import get_attr, load_module, package_root, parse_spec
from torch2ms.verify.report import ATOL, RTOL, Report


def verify_hf(model: str, converted: Optional[str] = None, seed: int = 0, atol: float = ATOL, rtol: float = RTOL,
              fallback: str = "auto", layers: bool = True, nudge: bool = True,
              input_shape: Optional[Tuple[int, ...]] = None) -> Report:
    """model: "transformers.models.bert.modeling_bert:BertModel"; converted: a dotted MindSpore module
    (e.g. mindone's port) or a converted file, ":Name" optional (default: the same class name);
    default: convert the transformers source file now."""
    start = time.perf_counter()
    spec = parse_spec(model)
    report = Report(spec.text, converted or "(converted now)", atol=atol, rtol=rtol)
    with tempfile.TemporaryDirectory(prefix="torch2ms-verify-") as tmp, FallbackScope(fallback) as installed, \
            ConvertedSiblings() as siblings:
        report.fallbacks_installed = installed
        torch_mod = load_module(spec, "torch")
        torch_class = get_attr(torch_mod, spec.name, spec.target)
        if converted:
            ms_spec = parse_spec(converted, need_name=False)
            report.mindspore = ms_spec.text
        else:
            path, notes = convert_hf_file(torch_mod, tmp)
            report.notes += notes
            ms_spec = parse_spec(path, need_name=False)
            report.mindspore = f"{spec.target} converted now"
        ms_spec.name = ms_spec.name or spec.name
        if ms_spec.is_file and len(package_root(ms_spec.target)[1]) == 1:
            # a lone file: its relative imports go to mindone's mirror of its package
            ms_mod, note = load_hf_file(ms_spec.target, torch_mod, siblings)
            report.notes.append(note)
        else:
            ms_mod = load_module(ms_spec, "ms")
        ms_class = get_attr(ms_mod, ms_spec.name, ms_spec.target)

        config, overrides = tiny_config(config_class_of(torch_class))
        report.config = overrides
        import torch

        torch.manual_seed(seed)
        try:
            torch_model = build_torch(torch_class, config)
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"building {spec.text} with the tiny config failed: {first_line(exc)}") from exc
        try:
            ms_model, note = build_ms(ms_class, config)
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"building {ms_spec.text} failed: {first_line(exc)}{raised_at(exc, ms_class)}") from exc
        if note:
            report.notes.append(note)
        kwargs = main_inputs(torch_class, config, seed, shape=input_shape)
        compare_models(torch_model, ms_model, (), kwargs, report, atol, rtol, seed, layers, nudge)
    report.seconds = time.perf_counter() - start
    return report
