"""Which mint APIs lack a kernel on this machine? Ask a fresh interpreter, once, and remember.

MindSpore reports a missing kernel lazily (often only when a result is read),
and a failed kernel can leave a process unusable, so the probes never run in
the caller's process: one child interpreter runs them all in turn (each result
forced with .asnumpy()) and reports one JSON line per API; if it dies, a new
child carries on after the API that killed it. Answers are cached on disk per
MindSpore version, device target and interpreter.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Dict, Iterable, Optional

# One statement list per fallback, exercising every path the stand-in replaces.
PROBES: Dict[str, str] = {
    "mint.einsum": "force(mint.einsum('ij,jk->ik', t(2, 3), t(3, 4)))",
    "mint.bitwise_xor": "force(mint.bitwise_xor(i(2, 3), i(2, 3))); force(mint.bitwise_xor(i(3) > 4, i(3) > 2))",
    "mint.repeat_interleave": "force(mint.repeat_interleave(t(2, 3), 2, 1)); force(mint.repeat_interleave(t(2, 3), 2))",
    "mint.where": "force(mint.where(t(2, 3) > 0)[0]); force(mint.where(t(2, 3) > 0, t(2, 3), t(2, 3)))",
    "mint.arange": "force(mint.arange(0, 5, dtype=ms.int64)); force(mint.arange(5))",
    "mint.zeros_like": "force(mint.zeros_like(t(2, 3)))",
    "mint.ones_like": "force(mint.ones_like(t(2, 3)))",
    "mint.full": "force(mint.full((2, 3), 1.5))",
    "mint.full_like": "force(mint.full_like(t(2, 3), 1.5)); force(mint.full_like(i(2, 3), 2))",
    "mint.linspace": "force(mint.linspace(0, 1, 5))",
    "mint.stack": "force(mint.stack([t(2), t(2)]))",
    "mint.cumsum": "force(mint.cumsum(t(2, 3), 1))",
    "mint.argmax": "force(mint.argmax(t(2, 3), 1))",
    "mint.topk": "force(mint.topk(t(2, 5), 2))",
    "mint.sort": "force(mint.sort(t(2, 5), dim=-1))",
    "mint.tril": "force(mint.tril(t(3, 3)))",
    "mint.logsumexp": "force(mint.logsumexp(t(2, 3), 1))",
    "mint.var": "force(mint.var(t(2, 3), 1))",
    "mint.addmm": "force(mint.addmm(t(2, 4), t(2, 3), t(3, 4)))",
    "mint.baddbmm": "force(mint.baddbmm(t(2, 2, 4), t(2, 2, 3), t(2, 3, 4)))",
    "mint.outer": "force(mint.outer(t(3), t(4)))",
    "mint.clone": "force(mint.clone(t(2, 3)))",
    "mint.norm": "force(mint.norm(t(2, 3))); force(mint.norm(t(2, 3), 1.0, 1))",
    "mint.multinomial": "force(mint.multinomial(mint.softmax(t(2, 4), -1), 1))",
    "mint.randn": "force(mint.randn(2, 3))",
    "mint.rand": "force(mint.rand(2, 3))",
    "mint.randint": "force(mint.randint(0, 5, (2, 3)))",
    "mint.nn.functional.gelu": "force(F.gelu(t(2, 4))); force(F.gelu(t(2, 4), approximate='tanh'))",
    "mint.nn.functional.conv1d": "force(F.conv1d(t(1, 3, 8), t(4, 3, 3), None, 1, 1))",
    "mint.nn.functional.conv2d": "force(F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3), None, 1, 1))",
    "mint.nn.functional.layer_norm": "force(F.layer_norm(t(2, 8), (8,)))",
    "mint.nn.functional.embedding": "force(F.embedding(i(2, 3), t(10, 4)))",
    "mint.nn.functional.max_pool2d": "force(F.max_pool2d(t(1, 2, 8, 8), 2))",
    "mint.nn.functional.avg_pool2d": "force(F.avg_pool2d(t(1, 2, 8, 8), 2))",
    "mint.nn.functional.adaptive_avg_pool2d": "force(F.adaptive_avg_pool2d(t(1, 2, 5, 5), 1))",
    "mint.nn.functional.adaptive_avg_pool1d": "force(F.adaptive_avg_pool1d(t(1, 2, 7), 3))",
    "mint.nn.functional.pad": "force(F.pad(t(1, 2, 3), (1, 2))); force(F.pad(t(1, 2, 4, 4), (1, 1, 1, 1), 'reflect'))",
    "mint.nn.functional.normalize": "force(F.normalize(t(2, 4), dim=-1))",
    "mint.nn.functional.log_softmax": "force(F.log_softmax(t(2, 4), dim=-1))",
    "mint.nn.functional.cross_entropy": "force(F.cross_entropy(t(4, 5), i(4, high=5)))",
    "mint.nn.functional.dropout": "force(F.dropout(t(2, 4), 0.1, True)); force(F.dropout(t(2, 4), 0.1, False))",
    "mint.nn.functional.one_hot": "force(F.one_hot(i(2, 3), 10)); force(F.one_hot(i(4)))",
    "mint.nn.Conv1d": "force(mint.nn.Conv1d(3, 4, 3, padding=1)(t(1, 3, 8)))",
    "mint.nn.Conv2d": "force(mint.nn.Conv2d(3, 4, 3, padding=1)(t(1, 3, 8, 8)))",
    "mint.nn.BatchNorm1d": "m = mint.nn.BatchNorm1d(3); force(m(t(4, 3))); m.set_train(False); force(m(t(4, 3)))",
    "mint.nn.BatchNorm2d": ("m = mint.nn.BatchNorm2d(3); m.set_train(True); force(m(t(2, 3, 4, 4)));"
                            " m.set_train(False); force(m(t(2, 3, 4, 4)))"),
    "mint.nn.LayerNorm": "force(mint.nn.LayerNorm(8)(t(2, 8)))",
    "mint.nn.Embedding": "force(mint.nn.Embedding(10, 4)(i(2, 3)))",
    "mint.nn.GELU": "force(mint.nn.GELU()(t(2, 4))); force(mint.nn.GELU(approximate='tanh')(t(2, 4)))",
    "mint.nn.Dropout": "m = mint.nn.Dropout(0.1); m.set_train(True); force(m(t(2, 4)))",
    "mint.nn.MaxPool2d": "force(mint.nn.MaxPool2d(3, 2, 1)(t(1, 2, 8, 8)))",
    "mint.nn.AvgPool2d": "force(mint.nn.AvgPool2d(2)(t(1, 2, 8, 8)))",
    "mint.nn.AdaptiveAvgPool2d": "force(mint.nn.AdaptiveAvgPool2d((1, 1))(t(1, 2, 5, 5)))",
    "mint.nn.AdaptiveAvgPool1d": "force(mint.nn.AdaptiveAvgPool1d(1)(t(2, 3, 5)))",
    "mint.nn.LogSoftmax": "force(mint.nn.LogSoftmax(dim=1)(t(2, 4)))",
    "mint.nn.CrossEntropyLoss": "force(mint.nn.CrossEntropyLoss()(t(4, 5), i(4, high=5)))",
    "ops.rms_norm": "force(ops.rms_norm(t(2, 8), t(8)))",
    "Tensor.clone": "force(t(2, 3).clone())",
    "Tensor.uniform_": "force(t(2, 3).uniform_()); force(t(2, 3).uniform_(-1, 1))",
    "Tensor.normal_": "force(t(2, 3).normal_()); force(t(2, 3).normal_(1.0, 0.5))",
    "Tensor.zero_": "force(t(2, 3).zero_())",
    "Tensor.erfinv_": "force((t(2, 3) * 0.3).erfinv_())",
    "Tensor.index_add_": "force(t(4, 3).index_add_(0, i(3, high=4), t(3, 3)))",
    "Tensor.repeat": "force(t(2, 3).repeat(2, 1)); force(t(2, 3).repeat((1, 2, 2)))",
}

# What probe code may use: mint/ops/F, random tensors t(...) and int tensors i(...), and
# force(), which reads a result so that a missing kernel raises (scripts/probe_cpu_kernels.py too).
TENSOR_HELPERS = r"""
import numpy as np, mindspore as ms
from mindspore import mint, ops
F = mint.nn.functional
_r = np.random.default_rng(0)
def t(*s): return ms.Tensor(_r.standard_normal(s).astype(np.float32))
def i(*s, high=10): return ms.Tensor(_r.integers(0, high, s).astype(np.int64))
def force(o):
    if isinstance(o, (tuple, list)):
        return [force(v) for v in o]
    return o.asnumpy() if isinstance(o, ms.Tensor) else o
"""

# Runs in the child. Reads {"device_target": ..., "probes": [[name, code], ...]} on stdin.
CHILD = r"""
import json, sys
request = json.loads(sys.stdin.read())
""" + TENSOR_HELPERS + r"""
ms.set_context(device_target=request["device_target"])
def report(name, error):
    sys.stdout.write("@@probe " + json.dumps([name, error]) + "\n")
    sys.stdout.flush()
def first_line(exc):
    return (f"{type(exc).__name__}: {exc}".strip().splitlines() or ["?"])[0][:300]
def control():
    force(mint.add(t(2), t(2)))
try:
    control()  # if even this fails, nothing else means anything
except Exception as exc:
    report("<control>", first_line(exc))
    sys.exit(3)
sys.stdout.write("@@ready\n")
for name, code in request["probes"]:
    error = None
    try:
        exec(code, dict(globals()))
    except Exception as exc:
        error = first_line(exc)
    # A failed kernel may raise only at the *next* op: run the control until it is clean again,
    # and blame what it raises on this probe.
    for attempt in range(3):
        try:
            control()
            break
        except Exception as exc:
            error = error or first_line(exc)
    else:
        report(name, error)
        sys.exit(4)  # still poisoned: let a fresh interpreter take the rest
    report(name, error)
"""


class ProbeError(RuntimeError):
    """The probing interpreter could not run at all (MindSpore broken, or not importable)."""


def cache_path(device_target: str) -> str:
    import mindspore

    root = os.environ.get("TORCH2MS_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "torch2ms")
    tag = f"{mindspore.__version__}-{device_target}-py{sys.version_info[0]}{sys.version_info[1]}"
    return os.path.join(root, f"mint-kernels-{tag}.json")


def _load(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) and data.get("python") == sys.executable else {}
    except (OSError, ValueError):
        return {}


def _save(path: str, data: dict) -> None:
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache we cannot write only costs the next run a probe


def run_probes(names: Iterable[str], device_target: str, timeout: float = 300) -> Dict[str, Optional[str]]:
    """name -> None (runs natively) or the first error line, probing in child interpreters."""
    todo = list(names)
    results: Dict[str, Optional[str]] = {}
    env = dict(os.environ, GLOG_v=os.environ.get("GLOG_v", "3"))
    while todo:
        request = json.dumps({"device_target": device_target, "probes": [[n, PROBES[n]] for n in todo]})
        try:
            proc = subprocess.run([sys.executable, "-c", CHILD], input=request, capture_output=True,
                                  text=True, timeout=timeout, env=env)
            stdout, stderr, code = proc.stdout, proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            stderr, code = "timed out", "timeout"
        ready = False
        for line in stdout.splitlines():
            if line == "@@ready":
                ready = True
            elif line.startswith("@@probe "):
                name, error = json.loads(line[len("@@probe "):])
                if name == "<control>":
                    raise ProbeError(f"mindspore cannot run even mint.add on {device_target}: {error}")
                results[name] = error
        if not ready:
            tail = (stderr.strip().splitlines() or ["no output"])[-1]
            raise ProbeError(f"the probing interpreter failed before probing (exit {code}): {tail}")
        todo = [n for n in todo if n not in results]
        if todo and code != 4:  # 4: it stopped on purpose, poisoned; otherwise it died (or hung) on todo[0]
            results[todo[0]] = f"the probing interpreter died on it (exit {code})"
            todo = todo[1:]
    return results


def missing_kernels(device_target: str, names: Optional[Iterable[str]] = None,
                    refresh: bool = False) -> Dict[str, str]:
    """The APIs among `names` (default: all probed ones) that fail on device_target, with their errors."""
    names = list(PROBES if names is None else names)
    path = cache_path(device_target)
    cache = {} if refresh else _load(path)
    known = cache.get("results", {})
    todo = [n for n in names if n not in known]
    if todo:
        known.update(run_probes(todo, device_target))
        _save(path, {"python": sys.executable, "device_target": device_target, "results": known})
    return {n: known[n] for n in names if known.get(n)}
