"""The child processes of benchmarks/realworld.py (run by the libraries' interpreter, not torch2ms').

    python realworld_worker.py torch   SPEC.json OUT_DIR          build each model in torch, save npz
    python realworld_worker.py imports RESULT.json ROOT PACKAGE...  import every module, torch hidden
    python realworld_worker.py ms      RESULT.json ROOT MODEL.json NPZ  the converted model, torch hidden

Torch is hidden from the MindSpore side by an import hook: `import torch` (and torchaudio,
functorch, triton) raises ModuleNotFoundError, so a converted package that still needs torch
fails the way it would on a machine without it. The converted packages come first on sys.path,
so `import timm` there is the converted timm. Only numpy, mindspore and the standard library
are used on that side (torch2ms itself is not imported: it is not what is measured).
"""
from __future__ import annotations

import ast
import importlib
import importlib.abc
import importlib.util
import json
import os
import sys
import traceback

import numpy as np

HIDDEN = ("torch", "torchaudio", "functorch", "triton", "torchgen")
MARK = "# torch2ms:"
ATOL, RTOL = 1e-4, 1e-3  # np.allclose; ATOL scaled by an output's largest |value| above 1 (compare); outputs kept O(1)
SCALE_LIMIT = 1e3  # torch outputs larger than this are not compared (reported as the original's failure)


# ---- building a model from its manifest entry ------------------------------------------
def resolve(call: str):
    module_name, _, attr = call.partition(":")
    obj = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def materialise(value):
    """{"@call": "m:f", "args": [...], "kwargs": {...}} values are built first (nested configs);
    {"@tuple": [...]} is a tuple (JSON has none)."""
    if isinstance(value, dict) and "@call" in value:
        return build(dict(value, call=value["@call"]))
    if isinstance(value, dict) and "@tuple" in value:
        return tuple(materialise(v) for v in value["@tuple"])
    if isinstance(value, dict):
        return {k: materialise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialise(v) for v in value]
    return value


def build(entry: dict):
    factory = resolve(entry["call"])
    return factory(*materialise(entry.get("args", [])), **materialise(entry.get("kwargs", {})))


def make_inputs(entry: dict, seed: int = 0):
    rng = np.random.default_rng(seed)
    out = []
    for spec in entry["inputs"]:
        if "ids" in spec:
            out.append(rng.integers(0, spec["high"], spec["ids"]).astype(np.int64))
        else:
            out.append(rng.standard_normal(spec["shape"]).astype(np.float32))
    return out


def flatten(value, path="out", out=None):
    """(path, leaf) pairs of an output: tensors, arrays and numbers; containers walked."""
    out = [] if out is None else out
    if hasattr(value, "asnumpy"):
        out.append((path, value.asnumpy()))
    elif hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach()
        out.append((path, (value.float() if str(value.dtype) == "torch.bfloat16" else value).numpy()))
    elif isinstance(value, (np.ndarray, int, float, bool)):
        out.append((path, np.asarray(value)))
    elif isinstance(value, dict):
        for key in sorted(value):
            flatten(value[key], f"{path}[{key!r}]", out)
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            flatten(item, f"{path}[{i}]", out)
    elif value is None:
        pass
    else:
        raise TypeError(f"{path}: cannot compare a {type(value).__name__}")
    return out


# ---- the torch side ------------------------------------------------------------------------
def perturb(model, seed: int = 0, scale: float = 0.05) -> None:
    """Weights off their initial values, so a swapped weight/bias cannot hide behind ones and zeros.

    The noise is relative to the magnitude the initialisation gave each weight matrix or kernel:
    `scale` times its spread (std), at least 1/sqrt(fan_in) (a unit-gain layer's), so a tiny or
    zero-initialised head (eva02's: std 2e-5) still passes the network's features on. A fixed 0.05
    on a conv with thousands of inputs multiplies the activations at every layer instead
    (inception_v3's outputs reached 6e10, where rtol 1e-3 lets a difference of 2e5 pass). Vectors
    (biases, norm weights, layer scales) move by `scale` (or their own spread, if larger)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, param in model.named_parameters():
            if not param.is_floating_point():
                continue
            spread = float(param.float().std()) if param.numel() > 1 else 0.0
            floor = (param.shape[0] / param.numel()) ** 0.5 if param.dim() >= 2 and param.numel() else 1.0
            noise = torch.randn(param.shape, generator=gen) * (scale * max(spread, floor))
            param.add_(noise.to(param.dtype))
        for name, buf in model.named_buffers():
            if buf.is_floating_point() and name.endswith("running_mean"):
                buf.add_(scale * torch.randn(buf.shape, generator=gen).to(buf.dtype))
            elif buf.is_floating_point() and name.endswith("running_var"):
                buf.mul_(torch.exp(scale * torch.randn(buf.shape, generator=gen)).to(buf.dtype))


def calibrate_batchnorm(model, entry: dict, seed: int = 1, batch: int = 8) -> int:
    """BatchNorm running statistics measured on a batch of other random inputs (the BatchNorm layers
    alone in training mode, cumulative average), as after training: with the initial mean 0 / var 1
    nothing normalises an evaluation-mode network, and activations grow layer after layer (a
    freshly built inception_v3 gives outputs of 1e9). Returns how many layers were calibrated."""
    import torch

    layers = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)
              and m.track_running_stats]
    if not layers:
        return 0
    rng = np.random.default_rng(seed)
    inputs = [torch.from_numpy(rng.integers(0, spec["high"], [batch, *spec["ids"][1:]]).astype(np.int64)
                               if "ids" in spec else rng.standard_normal([batch, *spec["shape"][1:]]).astype(np.float32))
              for spec in entry["inputs"]]
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.reset_running_stats()
        layer.momentum = None  # a cumulative average: one batch gives its own statistics
        layer.train()
    with torch.no_grad():
        model(*inputs)
    for layer, momentum in zip(layers, momenta):
        layer.momentum = momentum
        layer.eval()
    return len(layers)


def output_scale(leaves) -> float:
    """The largest magnitude among the output values (what rtol is relative to)."""
    return max((float(np.nanmax(np.abs(np.asarray(a, dtype=np.float64)))) for _, a in leaves if np.size(a)),
               default=0.0)


def torch_side(spec_path: str, out_dir: str) -> None:
    import torch

    spec = json.load(open(spec_path))
    status = {}
    for entry in spec["models"]:
        name = entry["name"]
        try:
            torch.manual_seed(0)
            model = build(entry).eval()
            perturb(model)
            calibrate_batchnorm(model, entry)
            inputs = make_inputs(entry)
            with torch.no_grad():
                output = model(*[torch.from_numpy(a) for a in inputs])
            leaves = flatten(output)
            if output_scale(leaves) > SCALE_LIMIT:
                raise ValueError(f"outputs reach {output_scale(leaves):.2g} (limit {SCALE_LIMIT:g}): activations "
                                 "exploded, atol/rtol would not mean anything; not measured")
            arrays = {f"input::{i}": a for i, a in enumerate(inputs)}
            for key, value in model.state_dict().items():
                value = value.detach()
                arrays[f"state::{key}"] = (value.float() if value.dtype == torch.bfloat16 else value).numpy()
            for path, leaf in leaves:
                arrays[f"output::{path}"] = leaf
            np.savez(os.path.join(out_dir, f"{name}.npz"), **arrays)
            status[name] = "ok"
        except Exception as exc:  # noqa: BLE001  (the original itself failed: reported, not measured)
            status[name] = f"{type(exc).__name__}: {exc}"[:300]
    json.dump(status, open(os.path.join(out_dir, "torch_status.json"), "w"), indent=1)


# ---- the MindSpore side: torch hidden ------------------------------------------------------
class HideTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in HIDDEN:
            raise ModuleNotFoundError(f"No module named {fullname!r} (torch is hidden)", name=fullname)
        return None


def hide_torch(root: str) -> None:
    sys.meta_path.insert(0, HideTorch())
    sys.path.insert(0, root)


def install_fallback() -> dict:
    """MindSpore's CPU backend lacks many mint kernels (Ascend has them): torch2ms's CPU stand-ins
    take their place, as `torch2ms verify` does (TORCH2MS_REPO: the checkout; never torch)."""
    repo = os.environ.get("TORCH2MS_REPO")
    if not repo:
        return {}
    sys.path.append(repo)
    os.environ["PYTHONPATH"] = repo  # the stand-ins' probe runs in a child interpreter
    from torch2ms import fallback

    return {"installed": len(fallback.install())}


def failing_line(exc: BaseException, root: str):
    """(file relative to root, line, code, noted) of the innermost converted line the error passed
    through; None when it never went through converted code. `noted`: the statement around that
    line carries a `# torch2ms:` note."""
    root = os.path.realpath(root)
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if os.path.realpath(f.filename).startswith(root + os.sep)]
    if isinstance(exc, SyntaxError) and exc.filename and os.path.realpath(exc.filename).startswith(root):
        frames.append(traceback.FrameSummary(exc.filename, exc.lineno or 0, "<module>"))
    if not frames:
        return None
    frame = frames[-1]
    lines = open(frame.filename, encoding="utf-8", errors="replace").read().splitlines()
    first, last = statement_lines(lines, frame.lineno)
    noted = any(MARK in lines[i - 1] for i in range(first, last + 1) if 0 < i <= len(lines))
    code = lines[frame.lineno - 1].strip() if 0 < frame.lineno <= len(lines) else ""
    return {"file": os.path.relpath(frame.filename, root), "line": frame.lineno, "code": code[:200], "noted": noted}


def statement_lines(lines, lineno: int):
    """The lines of the innermost statement at `lineno` (a compound statement: its header)."""
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return lineno, lineno
    best = (lineno, lineno)
    for node in ast.walk(tree):
        if not isinstance(node, ast.stmt) or not node.lineno <= lineno <= (node.end_lineno or node.lineno):
            continue
        end = node.end_lineno or node.lineno
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and not isinstance(node, ast.expr):
            end = body[0].lineno - 1
            if lineno > end:
                continue
            decorators = getattr(node, "decorator_list", [])
            start = min([node.lineno] + [d.lineno for d in decorators])
        else:
            start = node.lineno
        if end - start <= best[1] - best[0] or best == (lineno, lineno):
            best = (start, max(end, start))
    return best


def imports_side(result_path: str, root: str, *packages) -> None:
    hide_torch(root)
    result = {}
    for package in packages:
        base = os.path.join(root, package)
        names = []
        for folder, dirs, files in os.walk(base):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for file in sorted(files):
                if not file.endswith(".py"):
                    continue
                rel = os.path.relpath(os.path.join(folder, file), root)[:-3].replace(os.sep, ".")
                names.append(rel[: -len(".__init__")] if rel.endswith(".__init__") else rel)
        failed, skipped = {}, {}
        for name in names:
            try:
                importlib.import_module(name)
            except BaseException as exc:  # noqa: BLE001  (SystemExit too: a file is a script)
                error = f"{type(exc).__name__}: {exc}"[:300]
                needs = optional_package(exc, root)
                if needs:
                    skipped[name] = {"needs": needs, "error": error}
                    continue
                where = failing_line(exc, root) if isinstance(exc, Exception) else None
                failed[name] = {"error": error, "at": where}
        result[package] = {"files": len(names), "failed": failed, "skipped": skipped}
    json.dump(result, open(result_path, "w"), indent=1)


def optional_package(exc: BaseException, root: str):
    """The package a module needs that is not installed at all and is neither torch (hidden) nor a
    converted package (`import tensorflow` in timm's TFDS reader): the module is skipped, not a
    conversion failure. None for any other error."""
    if not isinstance(exc, ModuleNotFoundError) or not exc.name:
        return None
    top = exc.name.split(".")[0]
    if top in HIDDEN or os.path.exists(os.path.join(root, top)) or os.path.exists(os.path.join(root, top + ".py")):
        return None
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, HideTorch)]
    try:
        installed = importlib.util.find_spec(top) is not None
    finally:
        sys.meta_path.insert(0, HideTorch())
    return None if installed else top


def ms_side(result_path: str, root: str, entry_path: str, npz_path: str) -> None:
    entry = json.load(open(entry_path))
    result = {"stage": "import", "max_diff": None, "error": None, "at": None, "notes": []}
    try:
        hide_torch(root)
        import mindspore

        # errors at the op that raised them, not at a later .asnumpy(): the failing line is the right one
        mindspore.set_context(mode=mindspore.PYNATIVE_MODE, pynative_synchronize=True)
        result["fallback"] = install_fallback()
        saved = np.load(npz_path)
        module_name = entry["call"].partition(":")[0]
        importlib.import_module(module_name)
        result["stage"] = "build"
        mindspore.set_seed(0)
        model = build(entry)
        model.set_train(False)
        result["stage"] = "weights"
        state = {k[len("state::"):]: saved[k] for k in saved.files if k.startswith("state::")}
        unmatched = copy_weights(state, model)
        if unmatched:
            result["notes"].append(f"{len(unmatched)} torch weights matched nothing: {unmatched[:5]}")
        result["stage"] = "run"
        inputs = [mindspore.Tensor(saved[f"input::{i}"]) for i in range(len(entry["inputs"]))]
        output = model(*inputs)
        got = flatten(output)
        result["stage"] = "compare"
        expected = [(k[len("output::"):], saved[k]) for k in saved.files if k.startswith("output::")]
        result["scale"] = output_scale(expected)
        rounding = []
        result["max_diff"], problems = compare(expected, got, rounding)
        result["notes"] += rounding[:5]
        result["notes"] += problems[:5]
        result["stage"] = "pass" if not problems else "compare"
        if result["fallback"]:
            from torch2ms import fallback

            result["fallback"]["used"] = fallback.used()
    except BaseException as exc:  # noqa: BLE001
        result["error"] = f"{type(exc).__name__}: {exc}".strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        result["at"] = failing_line(exc, root) if isinstance(exc, Exception) else None
        result["traceback"] = traceback.format_exc()[-4000:]
    json.dump(result, open(result_path, "w"), indent=1)


def ms_state(cell):
    """name -> (owning cell, attribute, is_parameter): parameters and persistent buffers, by torch-style name."""
    found = {}
    for prefix, sub in cell.cells_and_names():
        dot = prefix + "." if prefix else ""
        for name, param in sub._params.items():
            if param is not None:
                found[dot + name] = (sub, name, True)
        transient = getattr(sub, "_non_persistent_buffers_set", set())
        for name, buf in getattr(sub, "_buffers", {}).items():
            if buf is not None and name not in transient:
                found[dot + name] = (sub, name, False)
    return found


def copy_weights(state, cell):
    """Copy the torch state by name; a shape mismatch raises. Returns the torch names that matched nothing."""
    import mindspore

    target = ms_state(cell)
    unmatched = []
    for name, value in state.items():
        if name not in target:
            unmatched.append(name)
            continue
        sub, attr, is_param = target[name]
        current = getattr(sub, attr)
        if tuple(value.shape) != tuple(current.shape):
            raise ValueError(f"weight {name}: torch shape {tuple(value.shape)} != mindspore {tuple(current.shape)}")
        new = mindspore.Tensor(value, dtype=current.dtype)
        if is_param:
            current.set_data(new)
        else:
            sub._buffers[attr] = new
    return unmatched


def compare(expected, got, notes=None):
    """(largest |diff|, problems). The absolute tolerance grows with the output's magnitude: float32
    keeps about 7 digits, so an output of size 1e5 (random weights in eval mode easily give that) has
    rounding differences around 1e-2 wherever two large terms cancel, in any correct port; a wrong
    conversion differs by a fair fraction of the magnitude. What passes only thanks to that goes in
    `notes`, with its relative size."""
    problems, worst = [], 0.0
    if [p for p, _ in expected] != [p for p, _ in got]:
        problems.append(f"structure differs: torch {[p for p, _ in expected][:6]} vs mindspore {[p for p, _ in got][:6]}")
    for (path, a), (_, b) in zip(expected, got):
        a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if a.shape != b.shape:
            problems.append(f"{path}: shape {a.shape} vs {b.shape}")
            continue
        diff = float(np.nanmax(np.abs(a - b))) if a.size else 0.0
        worst = max(worst, diff)
        if np.allclose(a, b, atol=ATOL, rtol=RTOL, equal_nan=True):
            continue
        magnitude = max(1.0, float(np.nanmax(np.abs(a)))) if a.size else 1.0
        if np.allclose(a, b, atol=ATOL * magnitude, rtol=RTOL, equal_nan=True):
            if notes is not None:
                notes.append(f"{path}: max |diff| {diff:.3g} is {diff / magnitude:.2g} of its largest value "
                             f"{magnitude:.3g} (float32 rounding)")
            continue
        problems.append(f"{path}: max |diff| {diff:.3g}")
    return worst, problems


if __name__ == "__main__":
    mode, *rest = sys.argv[1:]
    if mode == "torch":
        torch_side(*rest)
    elif mode == "imports":
        imports_side(*rest)
    elif mode == "ms":
        ms_side(*rest)
    else:
        sys.exit(f"unknown mode {mode}")
