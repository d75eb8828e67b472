"""verify: run a PyTorch model and its MindSpore conversion on the same inputs, with the same weights.

    report = verify_module("examples/resnet/model.py:ResNet", args='{"block": "@BasicBlock", "layers": [2, 2, 2]}',
                           inputs=[("shape", (2, 3, 32, 32))])
    report = verify_hf("transformers.models.bert.modeling_bert:BertModel",
                       converted="mindone.transformers.models.bert.modeling_bert:BertModel")
    print(report.text()); report.ok

Steps: install the CPU fallback where mint lacks kernels (torch2ms.fallback);
build both models; nudge the torch weights off their initial values (so that a
swapped weight/bias or mean/var cannot hide behind ones and zeros); copy them
into the MindSpore model by name, reporting names that match nothing; run both
in inference mode; compare every output (atol 1e-4, rtol 1e-3 by default). On
a mismatch (or a MindSpore error) both run again with hooks on every submodule,
and the first submodule whose output diverges is named.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from torch2ms.verify.loading import (VerifyError, convert_to, get_attr, load_file, load_module, package_root,
                                     parse_spec, unload)

ATOL, RTOL = 1e-4, 1e-3


@dataclass
class Report:
    torch: str
    mindspore: str
    verdict: str = "error"  # match | mismatch | error
    max_diff: Optional[float] = None
    atol: float = ATOL
    rtol: float = RTOL
    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    inputs: List[str] = field(default_factory=list)
    weights: Dict[str, Any] = field(default_factory=dict)
    fallbacks_installed: List[str] = field(default_factory=list)
    fallbacks_used: Dict[str, int] = field(default_factory=dict)
    first_divergence: Optional[str] = None
    layers: Dict[str, Any] = field(default_factory=dict)
    config: Dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.verdict == "match"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)

    def text(self) -> str:
        lines = [f"torch:     {self.torch}", f"mindspore: {self.mindspore}"]
        if self.config:
            lines.append(f"config:    {json.dumps(self.config, sort_keys=True)}")
        if self.inputs:
            lines.append(f"inputs:    {'; '.join(self.inputs)}")
        if self.weights:
            w = self.weights
            lines.append(f"weights:   {w.get('copied', 0)} copied by name")
            for side in ("unmatched_torch", "unmatched_mindspore"):
                names = w.get(side) or []
                if names:
                    shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
                    lines.append(f"  {side.replace('_', ' ')} (kept their own values): {shown}")
        used = ", ".join(f"{k} x{v}" for k, v in self.fallbacks_used.items()) or "none"
        lines.append(f"fallback:  {len(self.fallbacks_installed)} CPU stand-ins installed; used: {used}")
        lines += [f"note:      {n}" for n in self.notes]
        lines += [f"problem:   {p}" for p in self.problems[:20]]
        if self.first_divergence:
            lines.append(f"first diverging submodule: {self.first_divergence}")
        for key, label in (("torch_only", "torch submodules without a same-named cell"),
                           ("not_called", "cells whose call torch finished but MindSpore did not")):
            names = self.layers.get(key) or []
            if names:
                lines.append(f"  {label}: {', '.join(names[:10])}{' ...' if len(names) > 10 else ''}")
        diff = "n/a" if self.max_diff is None else f"{self.max_diff:.3g}"
        verdict = {"match": "PASS: outputs match", "mismatch": "FAIL: outputs differ",
                   "error": "ERROR: could not compare"}[self.verdict]
        lines.append(f"{verdict} (max |diff| {diff}; atol {self.atol:g}, rtol {self.rtol:g}; {self.seconds:.1f} s)")
        return "\n".join(lines)


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


def _describe(name: str, value: np.ndarray) -> str:
    return f"{name} {value.dtype} {tuple(value.shape)}"


def _to_torch(value):
    import torch

    return torch.from_numpy(np.ascontiguousarray(value))


def _to_ms(value):
    import mindspore as ms

    return ms.Tensor(np.ascontiguousarray(value))


# ---- constructor arguments ---------------------------------------------------------

def parse_args_json(text: Optional[str]) -> Tuple[list, dict]:
    """'[1, 2]' -> positional; '{"a": 1}' -> keywords; '{"args": [...], "kwargs": {...}}' -> both."""
    if not text:
        return [], {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise VerifyError(f"--args is not JSON: {exc}", usage=True) from None
    if isinstance(value, list):
        return value, {}
    if isinstance(value, dict):
        if set(value) <= {"args", "kwargs"} and value:
            return list(value.get("args", [])), dict(value.get("kwargs", {}))
        return [], value
    raise VerifyError("--args must be a JSON list (positional) or object (keywords)", usage=True)


def _resolve(value, module):
    """"@Name" in constructor arguments means module.Name, looked up in each framework's own module."""
    if isinstance(value, str) and value.startswith("@") and value[1:].isidentifier():
        return get_attr(module, value[1:], module.__name__)
    if isinstance(value, list):
        return [_resolve(v, module) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, module) for k, v in value.items()}
    return value


def _build(module, name: str, args: list, kwargs: dict, where: str):
    factory = get_attr(module, name, where)
    try:
        return factory(*_resolve(args, module), **_resolve(kwargs, module))
    except VerifyError:
        raise
    except Exception as exc:
        raise VerifyError(f"building {where}:{name} failed: {type(exc).__name__}: {exc}") from exc


# ---- the comparison ------------------------------------------------------------------

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


def _call(model, args, kwargs, framework):
    if framework == "torch":
        import torch

        with torch.no_grad():
            return model(*[_to_torch(a) for a in args], **{k: _to_torch(v) for k, v in kwargs.items()})
    return model(*[_to_ms(a) for a in args], **{k: _to_ms(v) for k, v in kwargs.items()})


def _first_line(exc: BaseException) -> str:
    return (f"{type(exc).__name__}: {exc}".strip().splitlines() or ["?"])[0][:300]


def _raised_at(exc: BaseException, owner) -> str:
    """` (at modeling_x.py:123: `code`)`: the innermost line of the model's own file the error passed
    through, so a user sees which converted line to look at without a traceback."""
    import inspect
    import linecache
    import traceback

    try:
        own = os.path.realpath(inspect.getsourcefile(owner) or "")  # a class or a module
    except TypeError:
        return ""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.realpath(f.filename) == own]
    if not frames:
        return ""
    frame = frames[-1]
    code = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    return f" (at {os.path.basename(frame.filename)}:{frame.lineno}: `{code[:120]}`)"


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
            errors.append(_first_line(exc))
    return errors


def compare_models(torch_model, ms_model, args=(), kwargs=None, report: Optional[Report] = None,
                   atol=ATOL, rtol=RTOL, seed=0, layers=True, nudge=True) -> Report:
    """Copy weights, run both, compare; fills (and returns) report."""
    from torch2ms import fallback
    from torch2ms.verify.parity import compare_outputs, copy_weights
    from torch2ms.verify.trace import Recorder, first_divergence

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
        raise VerifyError(f"the torch model itself raised {_first_line(exc)} (are the inputs right?)") from exc
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
        report.problems.append(f"mindspore model raised {_first_line(exc)}{_raised_at(exc, type(ms_model))}")
    report.fallbacks_used = fallback.used()
    if report.verdict == "match" or not layers:
        return report

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
    layer_report = first_divergence(torch_rec, ms_rec, atol, rtol)
    report.layers = {"compared": layer_report.compared, "torch_only": layer_report.torch_only,
                     "mindspore_only": layer_report.ms_only, "not_called": layer_report.not_called}
    if layer_report.first is not None:
        report.first_divergence = layer_report.first.describe()
    if crashed is not None and ms_rec._open:
        inner = ms_rec._open[-1]
        report.notes.append(f"the mindspore error was raised inside {inner.name or '<the model itself>'} "
                            f"({inner.kind})")
    return report


class _Fallback:
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


# ---- plain nn.Module files -----------------------------------------------------------

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
    with tempfile.TemporaryDirectory(prefix="torch2ms-verify-") as tmp, _Fallback(fallback) as installed:
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
            torch_model = _build(torch_mod, spec.name, pos, kw, spec.target)
            ms_mod = load_module(ms_spec, "ms")
            loaded.append(ms_mod)
            ms_model = _build(ms_mod, ms_spec.name, pos, kw, ms_spec.target)
            if not isinstance(torch_model, torch.nn.Module):
                raise VerifyError(f"{spec.text} gave a {type(torch_model).__name__}, not a torch.nn.Module")
            arrays = make_inputs(inputs, input_dtype, vocab, seed)
            compare_models(torch_model, ms_model, arrays, {}, report, atol, rtol, seed, layers, nudge)
        finally:
            for mod in loaded:
                unload(mod)
    report.seconds = time.perf_counter() - start
    return report


# ---- Hugging Face models ----------------------------------------------------------------

def verify_hf(model: str, converted: Optional[str] = None, seed: int = 0, atol: float = ATOL, rtol: float = RTOL,
              fallback: str = "auto", layers: bool = True, nudge: bool = True,
              input_shape: Optional[Tuple[int, ...]] = None) -> Report:
    """model: "transformers.models.bert.modeling_bert:BertModel"; converted: a dotted MindSpore module
    (e.g. mindone's port) or a converted file, ":Name" optional (default: the same class name);
    default: convert the transformers source file now."""
    from torch2ms.verify import hf

    start = time.perf_counter()
    spec = parse_spec(model)
    report = Report(spec.text, converted or "(converted now)", atol=atol, rtol=rtol)
    with tempfile.TemporaryDirectory(prefix="torch2ms-verify-") as tmp, _Fallback(fallback) as installed, \
            _Siblings() as siblings:
        report.fallbacks_installed = installed
        torch_mod = load_module(spec, "torch")
        torch_class = get_attr(torch_mod, spec.name, spec.target)
        if converted:
            ms_spec = parse_spec(converted, need_name=False)
            report.mindspore = ms_spec.text
        else:
            path, notes = _convert_hf_file(torch_mod, tmp)
            report.notes += notes
            ms_spec = parse_spec(path, need_name=False)
            report.mindspore = f"{spec.target} converted now"
        ms_spec.name = ms_spec.name or spec.name
        if ms_spec.is_file and len(package_root(ms_spec.target)[1]) == 1:
            ms_mod, note = _load_hf_file(ms_spec.target, torch_mod, siblings)  # a lone file: relative imports go to mindone
            report.notes.append(note)
        else:
            ms_mod = load_module(ms_spec, "ms")
        ms_class = get_attr(ms_mod, ms_spec.name, ms_spec.target)

        config, overrides = hf.tiny_config(hf.config_class_of(torch_class))
        report.config = overrides
        import torch

        torch.manual_seed(seed)
        try:
            torch_model = hf.build_torch(torch_class, config)
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"building {spec.text} with the tiny config failed: {_first_line(exc)}") from exc
        try:
            ms_model, note = hf.build_ms(ms_class, config)
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"building {ms_spec.text} failed: {_first_line(exc)}{_raised_at(exc, ms_class)}") from exc
        if note:
            report.notes.append(note)
        kwargs = hf.main_inputs(torch_class, config, seed, shape=input_shape)
        compare_models(torch_model, ms_model, (), kwargs, report, atol, rtol, seed, layers, nudge)
    report.seconds = time.perf_counter() - start
    return report


_SIBLING = re.compile(rb"^\s*from \.(modeling_\w+) import", re.M)


def _convert_hf_file(torch_mod, out_dir: str) -> Tuple[str, List[str]]:
    """Convert the source file of a transformers modeling module into out_dir, with the sibling
    modeling files it imports (`from .modeling_blip_text import ...`), as a user converting the
    model's folder would; (its path, notes)."""
    import inspect

    from torch2ms.convert.pipeline import ConversionError, convert_source

    first = inspect.getsourcefile(torch_mod)
    folder, todo, notes = os.path.dirname(first), [first], []
    while todo:
        source_path = todo.pop()
        with open(source_path, "rb") as fh:
            source = fh.read()
        try:
            result = convert_source(source, source_path)
        except ConversionError as exc:
            raise VerifyError(f"converting {source_path} failed: {exc}") from exc
        code = result.code if isinstance(result.code, bytes) else result.code.encode("utf-8")
        with open(os.path.join(out_dir, os.path.basename(source_path)), "wb") as fh:
            fh.write(code)
        notes.append(f"converted {source_path}: {len(result.flags)} `# torch2ms:` note(s)")
        for name in _SIBLING.findall(source):
            sibling = os.path.join(folder, name.decode() + ".py")
            done = os.path.exists(os.path.join(out_dir, os.path.basename(sibling)))
            if os.path.exists(sibling) and not done and sibling not in todo:
                todo.append(sibling)
    return os.path.join(out_dir, os.path.basename(first)), notes


class _Siblings:
    """Converted sibling modules stand in for mindone's own under their real names while one
    verify runs (`from .modeling_blip_text import X` in the converted file finds the converted
    one); exit puts mindone's back."""

    def __init__(self):
        self.saved: Dict[str, Any] = {}

    def __enter__(self):
        return self

    def load(self, path: str, twin: str, loaded: Optional[set] = None) -> None:
        """Register the converted siblings `path` imports (from its folder), depth first."""
        import sys

        loaded = loaded if loaded is not None else set()
        with open(path, "rb") as fh:
            names = [n.decode() for n in _SIBLING.findall(fh.read())]
        for name in names:
            sibling = os.path.join(os.path.dirname(path), name + ".py")
            full = f"{twin}.{name}"
            if name in loaded or not os.path.exists(sibling) or os.path.samefile(sibling, path):
                continue
            loaded.add(name)
            self.load(sibling, twin, loaded)
            self.saved.setdefault(full, sys.modules.get(full))
            _exec_as(full, sibling, twin)

    def __exit__(self, *exc) -> None:
        import sys

        for name, original in self.saved.items():
            if original is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = original


def _exec_as(name: str, path: str, twin: str):
    """Import the file at `path` as module `name` (inside package `twin`, so its relative imports
    resolve there); a failure is a VerifyError naming the file's failing line."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001
        del sys.modules[name]
        raise VerifyError(f"importing the converted {os.path.basename(path)} as part of {twin} failed: "
                          f"{_first_line(exc)}{_raised_at(exc, module)}") from exc
    return module


def _load_hf_file(path: str, torch_mod, siblings: Optional[_Siblings] = None):
    """Import a converted transformers modeling file that is not inside a package.

    Its relative imports (`from ...modeling_utils import X`) are meant for the
    package it came from; they are resolved in mindone.transformers' mirror of
    that package (mindone.transformers.models.bert for transformers.models.bert),
    when mindone has it; converted siblings beside the file (`from .modeling_x`)
    are used in place of mindone's. Returns (module, note).
    """
    import importlib

    package = torch_mod.__name__.rpartition(".")[0]
    twin = "mindone." + package if package.split(".")[0] == "transformers" else None
    if twin:
        try:
            importlib.import_module(twin)
        except ImportError:
            twin = None
    if twin is None:
        return load_file(path, "ms"), f"imported {path} on its own (no mindone package mirrors {package})"
    if siblings is not None:
        siblings.load(path, twin)
    name = f"{twin}._t2ms_verify_{os.path.splitext(os.path.basename(path))[0]}_{uuid.uuid4().hex[:8]}"
    module = _exec_as(name, path, twin)
    mirrored = [n.split(".")[-1] for n in siblings.saved] if siblings else []
    also = f"; converted siblings used: {', '.join(mirrored)}" if mirrored else ""
    return module, f"imported {os.path.basename(path)} into {twin} (its relative imports resolve there){also}"
