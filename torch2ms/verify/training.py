"""verify_training: a training script against its conversion, by the loss curve.

The protocol (docs/training.md): the script defines

    def build():             -> the model (an nn.Module), or a tuple/list/dict of them
    def train(model, steps): -> the loss of each of `steps` training steps (numbers or 0-d tensors;
                                a tuple per step when several losses are reported, as a GAN does)

Both run twice, once per framework: torch on the original, MindSpore on the conversion.
The MindSpore models start from torch's initial weights (copied by name), both runs see the
same batches in the same order and draw the same noise (verify/shared_random.py), and the
per-step losses are compared (`rtol` 1e-3, `atol` 1e-4, at least 10 steps). The CPU stand-ins
of torch2ms.fallback are in force where MindSpore lacks a kernel, optimizers included.

    report = verify_training("train_mnist.py:build,train", steps=12)
    print(report.text()); report.ok
"""
from __future__ import annotations

import copy
import os
import tempfile
import time
from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from torch2ms.verify.compare import FallbackScope, drain_pending_errors
from torch2ms.verify.conversion import convert_to
from torch2ms.verify.errors import VerifyError, first_line, raised_at
from torch2ms.verify.loading import get_attr, load_module, parse_spec, unload
from torch2ms.verify.report import ATOL, RTOL, Report

MIN_STEPS = 10


def parse_train_spec(text: str) -> Tuple[str, str, str]:
    """"script.py:build,train" -> (path, build name, train name)."""
    path, sep, names = text.rpartition(":")
    parts = [p.strip() for p in names.split(",")] if sep else []
    if not sep or len(parts) != 2 or not all(p.isidentifier() for p in parts):
        raise VerifyError(f"{text}: expected SCRIPT.py:build,train (the function that builds the model and the "
                          f"one that trains it for N steps and returns the losses)", usage=True)
    return path, parts[0], parts[1]


def _models(built, framework: str) -> List[Any]:
    """The models inside what build() returned, in a stable order."""
    if isinstance(built, dict):
        return [v for _, v in sorted(built.items())]
    if isinstance(built, (tuple, list)):
        return list(built)
    return [built]


def _as_numbers(losses, framework: str, where: str) -> List[np.ndarray]:
    """Each step's losses as a flat float64 array."""
    if not isinstance(losses, (list, tuple)):
        raise VerifyError(f"{where} returned a {type(losses).__name__}, not a list of per-step losses")
    steps = []
    for value in losses:
        parts = value if isinstance(value, (tuple, list)) else [value]
        numbers = []
        for part in parts:
            if hasattr(part, "asnumpy"):
                part = part.asnumpy()
            elif hasattr(part, "detach"):
                part = part.detach().cpu().numpy()
            numbers.append(np.asarray(part, dtype=np.float64).reshape(-1))
        steps.append(np.concatenate(numbers) if numbers else np.zeros(0))
    return steps


def _seed(framework: str, seed: int) -> None:
    if framework == "torch":
        import torch

        torch.manual_seed(seed)
    else:
        import mindspore

        mindspore.manual_seed(seed)


def _load_side(spec, alias: str, shared, seed: int, workdir: str):
    """Import one side's script from the same random state, in its own folder."""
    shared.reset()
    _seed("torch" if alias == "torch" else "mindspore", seed)
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        return load_module(spec, alias)
    finally:
        os.chdir(cwd)


def _run_side(module, build_name: str, train_name: str, steps: int, shared, seed: int, framework: str,
              workdir: str, before_train=None):
    build = get_attr(module, build_name, f"the {framework} script")
    train = get_attr(module, train_name, f"the {framework} script")
    shared.reset()
    _seed(framework, seed)
    cwd = os.getcwd()
    os.chdir(workdir)  # files the script writes (checkpoints) stay in a folder of their own
    try:
        try:
            built = build()
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"{framework}: {build_name}() raised {first_line(exc)}{raised_at(exc, module)}") from exc
        if before_train is not None:
            before_train(built)
        shared.reset()
        try:
            losses = train(built, steps)
        except Exception as exc:  # noqa: BLE001
            raise VerifyError(f"{framework}: {train_name}() raised {first_line(exc)}{raised_at(exc, module)}") from exc
    finally:
        os.chdir(cwd)
    return built, _as_numbers(losses, framework, f"{framework} {train_name}()")


def verify_training(spec: str, converted: Optional[str] = None, steps: int = MIN_STEPS, seed: int = 0,
                    atol: float = ATOL, rtol: float = RTOL, fallback: str = "auto") -> Report:
    """spec: "script.py:build,train"; converted: the MindSpore script (default: convert it now)."""
    from torch2ms import fallback as stand_ins
    from torch2ms.verify.parity import copy_weights
    from torch2ms.verify.shared_random import SharedRandomness

    start = time.perf_counter()
    path, build_name, train_name = parse_train_spec(spec)
    if steps < MIN_STEPS:
        raise VerifyError(f"--steps {steps}: a loss curve needs at least {MIN_STEPS} steps", usage=True)
    report = Report(spec, converted or "(converted now)", atol=atol, rtol=rtol, compared="loss curves")
    loaded = []
    with tempfile.TemporaryDirectory(prefix="torch2ms-train-") as tmp, FallbackScope(fallback) as installed:
        report.fallbacks_installed = installed
        try:
            if converted:
                ms_path = converted
            else:
                ms_path, notes = convert_to(path, os.path.join(tmp, "converted"))
                report.notes += notes
            for side in ("torch", "mindspore"):
                os.makedirs(os.path.join(tmp, side), exist_ok=True)
            with SharedRandomness(seed) as shared:
                # imported under the shared randomness: data, loaders and models a script makes at
                # module level (pytorch/examples' vae) draw and shuffle as the rest does
                torch_mod = _load_side(parse_spec(f"{os.path.abspath(path)}:{build_name}"), "torch", shared, seed,
                                       os.path.join(tmp, "torch"))
                loaded.append(torch_mod)
                ms_mod = _load_side(parse_spec(f"{os.path.abspath(ms_path)}:{build_name}"), "ms", shared, seed,
                                    os.path.join(tmp, "mindspore"))
                loaded.append(ms_mod)
                initial = []  # torch's models as they were before training

                def keep_initial(torch_built):
                    initial.append(copy.deepcopy(torch_built))

                _, torch_losses = _run_side(torch_mod, build_name, train_name, steps, shared, seed, "torch",
                                            os.path.join(tmp, "torch"), before_train=keep_initial)
                stand_ins.reset_used()

                def same_weights(ms_built):
                    report.weights = _copy_all(copy_weights, _models(initial[0], "torch"),
                                               _models(ms_built, "mindspore"), report)
                    for error in drain_pending_errors():
                        report.notes.append(f"building the mindspore model left an error pending: {error}")

                _, ms_losses = _run_side(ms_mod, build_name, train_name, steps, shared, seed, "mindspore",
                                         os.path.join(tmp, "mindspore"), before_train=same_weights)
            report.fallbacks_used = stand_ins.used()
            _compare(torch_losses, ms_losses, steps, report)
        except VerifyError as exc:
            report.verdict = "error"
            report.problems.append(str(exc))
        finally:
            for mod in loaded:
                unload(mod)
    report.seconds = time.perf_counter() - start
    return report


def _copy_all(copy_weights, torch_models: Sequence, ms_models: Sequence, report: Report) -> dict:
    if len(torch_models) != len(ms_models):
        raise VerifyError(f"build() gave {len(torch_models)} models in torch and {len(ms_models)} in MindSpore")
    summary = {"copied": 0, "unmatched_torch": [], "unmatched_mindspore": []}
    for index, (t, m) in enumerate(zip(torch_models, ms_models)):
        if not hasattr(t, "state_dict") or not hasattr(m, "parameters_and_names"):
            continue  # not a model (a loss function, a config): nothing to copy
        try:
            copied, unmatched_t, unmatched_m = copy_weights(t, m)
        except ValueError as exc:
            raise VerifyError(f"weights of model {index}: {exc}") from exc
        prefix = f"[{index}]." if len(torch_models) > 1 else ""
        summary["copied"] += len(copied)
        summary["unmatched_torch"] += [prefix + n for n in unmatched_t]
        summary["unmatched_mindspore"] += [prefix + n for n in unmatched_m]
    if summary["unmatched_torch"] or summary["unmatched_mindspore"]:
        report.problems.append("some weights matched no name on the other side (they start apart)")
    return summary


def _compare(torch_losses: List[np.ndarray], ms_losses: List[np.ndarray], steps: int, report: Report) -> None:
    report.inputs = [f"{len(torch_losses)} torch steps, {len(ms_losses)} MindSpore steps (asked for {steps})"]
    if len(torch_losses) < MIN_STEPS:
        report.problems.append(f"train() returned {len(torch_losses)} losses; a curve needs at least {MIN_STEPS}")
        report.verdict = "error"
        return
    if len(torch_losses) != len(ms_losses):
        report.problems.append(f"torch gave {len(torch_losses)} losses, MindSpore {len(ms_losses)}")
        report.verdict = "mismatch"
        return
    worst, first_bad = 0.0, None
    rows = []
    for step, (t, m) in enumerate(zip(torch_losses, ms_losses)):
        if t.shape != m.shape:
            report.problems.append(f"step {step}: {t.size} losses in torch, {m.size} in MindSpore")
            report.verdict = "mismatch"
            return
        diff = float(np.max(np.abs(t - m))) if t.size else 0.0
        worst = max(worst, diff) if np.isfinite(diff) else float("inf")
        ok = bool(np.all(np.abs(t - m) <= report.atol + report.rtol * np.abs(t)))
        if not ok and first_bad is None:
            first_bad = step
        rows.append(f"step {step:3d}: torch {_fmt(t)}  mindspore {_fmt(m)}{'' if ok else '  <-- differs'}")
    report.max_diff = worst
    report.layers = {"curve": rows}
    report.notes += rows
    if first_bad is not None:
        report.problems.append(f"the curves part at step {first_bad}")
        report.verdict = "mismatch"
    else:
        report.verdict = "match"


def _fmt(values: np.ndarray) -> str:
    return " ".join(f"{v:.6g}" for v in values)
