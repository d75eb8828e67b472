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
from typing import Dict, Iterable, Mapping, Optional

from torch2ms.fallback import registry

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
# Synchronous execution: some kernels fail only there (the tensor-by-scalar FloorDiv: asynchronous
# execution silently settles on another kernel), and code runs synchronously wherever an error must name
# the op that raised it (benchmarks/realworld_worker.py, a user debugging). A stand-in is right in both.
ms.set_context(device_target=request["device_target"], mode=ms.PYNATIVE_MODE, pynative_synchronize=True)
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
    # "sync": probed with synchronous execution (CHILD); caches from asynchronous probing are not reused
    tag = f"{mindspore.__version__}-{device_target}-py{sys.version_info[0]}{sys.version_info[1]}-sync"
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


def run_probes(probes: Mapping[str, str], device_target: str, timeout: float = 300) -> Dict[str, Optional[str]]:
    """name -> None (runs natively) or the first error line, running each probe code (name -> code)
    in child interpreters."""
    todo = list(probes)
    results: Dict[str, Optional[str]] = {}
    env = dict(os.environ, GLOG_v=os.environ.get("GLOG_v", "3"))
    while todo:
        request = json.dumps({"device_target": device_target, "probes": [[n, probes[n]] for n in todo]})
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
    """The APIs among `names` (default: every stand-in's) that fail on device_target, with their errors."""
    probes = registry.probes()
    names = list(probes if names is None else names)
    path = cache_path(device_target)
    cache = {} if refresh else _load(path)
    known = cache.get("results", {})
    todo = [n for n in names if n not in known]
    if todo:
        known.update(run_probes({n: probes[n] for n in todo}, device_target))
        _save(path, {"python": sys.executable, "device_target": device_target, "results": known})
    return {n: known[n] for n in names if known.get(n)}
