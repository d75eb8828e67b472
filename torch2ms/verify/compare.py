"""The comparison: the same inputs and weights into both models, every output compared.

Nudge the torch weights off their initial values (so that a swapped weight/bias
or mean/var cannot hide behind ones and zeros); copy them into the MindSpore model
by name, reporting names that match nothing; run both in inference mode; compare
every output. On a mismatch (or a MindSpore error) both run again with hooks on
every submodule, and the first submodule whose output diverges is named.
"""
from __future__ import annotations

import traceback
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from torch2ms.verify.errors import VerifyError, failing_line, first_line, raised_at
from torch2ms.verify.report import ATOL, RTOL, Report


# ---- inputs ------------------------------------------------------------------------

def make_inputs(specs: Sequence[Tuple[str, Any]], dtype: str = "float32", vocab: int = 100,
                seed: int = 0) -> List[np.ndarray]:
    """specs: ("shape", dims) -> random normal of `dtype`; ("ids", dims) -> ints in [0, vocab)."""
    try:
        np.dtype(dtype)
    except TypeError:
        raise VerifyError(f"--input-dtype {dtype!r} is not a NumPy dtype name (float32, float16, int64, ...)",
                          usage=True) from None
    rng = np.random.default_rng(seed)
    out = []
    for kind, dims in specs:
        dims = tuple(int(d) for d in dims)
        if kind == "ids":
            out.append(rng.integers(0, vocab, dims).astype(np.int64))
        elif np.issubdtype(np.dtype(dtype), np.integer):
            out.append(rng.integers(0, vocab, dims).astype(dtype))
        elif np.dtype(dtype) == np.bool_:
            out.append(rng.integers(0, 2, dims).astype(bool))
        else:
            out.append(rng.standard_normal(dims).astype(dtype))
    return out


def _describe(name: str, value) -> str:
    if not isinstance(value, np.ndarray):  # a plain Python input (a flag, sizes, shapes): as it is
        return f"{name}={value!r}"
    return f"{name} {value.dtype} {tuple(value.shape)}"


def _to_torch(value):
    import torch

    if not isinstance(value, np.ndarray):
        return value
    return torch.from_numpy(np.ascontiguousarray(value))


def _to_ms(value):
    import mindspore as ms

    if not isinstance(value, np.ndarray):
        return value
    return ms.Tensor(np.ascontiguousarray(value))


def _call(model, args, kwargs, framework):
    if framework == "torch":
        import torch

        with torch.no_grad():
            return model(*[_to_torch(a) for a in args], **{k: _to_torch(v) for k, v in kwargs.items()})
    return model(*[_to_ms(a) for a in args], **{k: _to_ms(v) for k, v in kwargs.items()})


# ---- weights -------------------------------------------------------------------------

def perturb(model, seed: int = 0, scale: float = 0.05) -> None:
    """Move float parameters and BatchNorm statistics off their initial values (variances stay positive)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, param in model.named_parameters():
            if param.is_floating_point():
                param.add_(scale * torch.randn(param.shape, generator=gen).to(param.dtype))
        for name, buf in model.named_buffers():
            if buf.is_floating_point() and name.endswith("running_mean"):
                buf.add_(scale * torch.randn(buf.shape, generator=gen).to(buf.dtype))
            elif buf.is_floating_point() and name.endswith("running_var"):
                buf.mul_(torch.exp(scale * torch.randn(buf.shape, generator=gen)).to(buf.dtype))


def drain_pending_errors() -> List[str]:
    """MindSpore can raise a failed kernel's error only at the *next* op (say, an init-time `zero_()`
    that surfaces in the first forward). Run a trivial op until it is clean; return what it raised."""
    import mindspore as ms

    errors = []
    for _ in range(3):
        try:
            (ms.Tensor(np.ones(2, np.float32)) + 1).asnumpy()
            break
        except Exception as exc:  # noqa: BLE001
            errors.append(first_line(exc))
    return errors


# ---- both models ---------------------------------------------------------------------

def compare_models(torch_model, ms_model, args=(), kwargs=None, report: Optional[Report] = None,
                   atol=ATOL, rtol=RTOL, seed=0, layers=True, nudge=True, source_root: Optional[str] = None) -> Report:
    """Copy weights, run both, compare; fills (and returns) report. source_root: where the converted code
    lies, to name the converted line a MindSpore error passed through last (report.failing_line)."""
    from torch2ms import fallback
    from torch2ms.verify.parity import compare_outputs, copy_weights

    report = report or Report(type(torch_model).__name__, type(ms_model).__name__)
    report.atol, report.rtol = atol, rtol
    kwargs = kwargs or {}
    torch_model.eval()
    ms_model.set_train(False)
    if nudge:
        perturb(torch_model, seed)
    try:
        copied, unmatched_torch, unmatched_ms = copy_weights(torch_model, ms_model)
    except ValueError as exc:  # a shape mismatch on a matched name
        report.problems.append(f"weights: {exc}")
        report.verdict = "mismatch"
        return report
    report.weights = {"copied": len(copied), "unmatched_torch": unmatched_torch,
                      "unmatched_mindspore": unmatched_ms}
    for error in drain_pending_errors():
        report.notes.append(f"building the mindspore model left an error pending (its weights were then "
                            f"replaced by torch's): {error}")
    report.inputs = [_describe(f"arg{i}", a) for i, a in enumerate(args)]
    report.inputs += [_describe(k, v) for k, v in kwargs.items()]

    try:
        expected = _call(torch_model, args, kwargs, "torch")
    except Exception as exc:  # noqa: BLE001
        raise VerifyError(f"the torch model itself raised {first_line(exc)} (are the inputs right?)") from exc
    fallback.reset_used()
    crashed = None
    try:
        got = _call(ms_model, args, kwargs, "mindspore")
        result = compare_outputs(expected, got, atol, rtol)
        report.max_diff = result.max_diff
        report.problems += result.problems
        report.notes += result.notes
        report.verdict = "match" if result.ok and result.leaves else "mismatch"
        if not result.leaves:
            report.problems.append("no output values to compare")
    except Exception as exc:  # noqa: BLE001  (any failure of the converted model is a finding)
        crashed = exc
        report.verdict = "error"
        report.problems.append(f"mindspore model raised {first_line(exc)}{raised_at(exc, type(ms_model))}")
        report.traceback = "".join(traceback.format_exception(exc))
        if source_root:
            report.failing_line = failing_line(exc, source_root)
    report.fallbacks_used = fallback.used()
    if report.verdict != "match" and layers:
        _find_divergence(torch_model, ms_model, args, kwargs, report, crashed)
    return report


def _find_divergence(torch_model, ms_model, args, kwargs, report: Report, crashed) -> None:
    """Run both again with hooks on every submodule; name the first whose output differs."""
    from torch2ms.verify.trace import Recorder, first_divergence

    torch_rec, ms_rec = Recorder().attach_torch(torch_model), Recorder().attach_ms(ms_model)
    try:
        _call(torch_model, args, kwargs, "torch")
        try:
            _call(ms_model, args, kwargs, "mindspore")
        except Exception:  # noqa: BLE001  (already reported; the hooks saw how far it got)
            pass
    finally:
        torch_rec.detach()
        ms_rec.detach()
    layer_report = first_divergence(torch_rec, ms_rec, report.atol, report.rtol)
    report.layers = {"compared": layer_report.compared, "torch_only": layer_report.torch_only,
                     "mindspore_only": layer_report.ms_only, "not_called": layer_report.not_called}
    if layer_report.first is not None:
        report.first_divergence = layer_report.first.describe()
    inner = ms_rec.innermost_unfinished()
    if crashed is not None and inner is not None:
        report.notes.append(f"the mindspore error was raised inside {inner.name or '<the model itself>'} "
                            f"({inner.kind})")


# ---- the CPU fallback ----------------------------------------------------------------

class FallbackScope:
    """install() for the length of one verify; what this verify installed is taken out again after."""

    def __init__(self, mode: str):
        if mode not in ("auto", "all", "off"):
            raise VerifyError(f"fallback must be auto, all or off, not {mode!r}", usage=True)
        self.mode = mode

    def __enter__(self) -> List[str]:
        from torch2ms import fallback

        self.before = fallback.installed()
        if self.mode == "off":
            return self.before
        return fallback.install("all" if self.mode == "all" else "missing")

    def __exit__(self, *exc) -> None:
        from torch2ms import fallback

        if not self.before:
            fallback.uninstall()
