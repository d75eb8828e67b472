"""Per-API cases: a PyTorch snippet is converted by the tool, both versions run on CPU,
and the named results are compared. Shared by the tests (test_api_cases.py) and the
ledger (scripts/ledger.py).

A case's `mode` says what is proven:
- "exec":   values compared (atol 1e-5, rtol 1e-4 unless given), dtypes too unless `dtype=False`;
- "random": shapes and dtypes compared (random ops);
- "text":   the snippet cannot run on CPU (no kernel even through the fallback): the converted
            text must contain each of `expect` — marked as such in the ledger;
- "flag":   the row is wrong by meaning or has no counterpart: the conversion must carry a
            `# torch2ms:` note (or contain each of `expect`) instead of a silent rename.
"""
from __future__ import annotations

import importlib
import sys
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np

from torch2ms.convert.pipeline import convert_source

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


@dataclass(frozen=True)
class Case:
    api: str  # the torch API (table row) this case proves
    src: str  # PyTorch code; results are module-level variables
    outputs: Tuple[str, ...] = ("out",)
    mode: str = "exec"
    expect: Tuple[str, ...] = ()  # substrings the converted code must contain
    atol: float = 1e-5
    rtol: float = 1e-4
    dtype: bool = True  # compare dtypes too
    note: str = ""  # why (for text/flag cases, and quirks)

    @property
    def code(self) -> str:
        return textwrap.dedent(self.src).strip() + "\n"


@dataclass
class Outcome:
    case: Case
    ok: bool
    detail: str = ""
    converted: str = ""


def to_numpy(value: Any):
    if hasattr(value, "asnumpy"):
        return value.asnumpy()
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return value.detach().cpu().numpy()
    return value


def _compare(name: str, expected: Any, actual: Any, case: Case) -> Optional[str]:
    if isinstance(expected, (tuple, list)):
        if not isinstance(actual, (tuple, list)) or len(actual) != len(expected):
            return f"{name}: expected a sequence of {len(expected)}, got {type(actual).__name__}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            problem = _compare(f"{name}[{i}]", e, a, case)
            if problem:
                return problem
        return None
    e, a = to_numpy(expected), to_numpy(actual)
    if isinstance(e, np.ndarray) or isinstance(a, np.ndarray):
        e, a = np.asarray(e), np.asarray(a)
        if e.shape != a.shape:
            return f"{name}: shape {a.shape} != torch's {e.shape}"
        if case.dtype and e.dtype != a.dtype:
            return f"{name}: dtype {a.dtype} != torch's {e.dtype}"
        if case.mode == "random":
            return None
        if e.dtype.kind in "fc":
            if not np.allclose(a, e, atol=case.atol, rtol=case.rtol, equal_nan=True):
                return f"{name}: max diff {np.nanmax(np.abs(a.astype(np.float64) - e.astype(np.float64)))}"
        elif not np.array_equal(a, e):
            return f"{name}: values differ: {a!r} vs torch's {e!r}"
        return None
    if case.mode != "random" and e != a:
        return f"{name}: {a!r} != torch's {e!r}"
    return None


def run(case: Case) -> Outcome:
    converted = convert_source(case.code).code
    if case.mode in ("text", "flag"):
        try:  # the PyTorch side must at least be valid code that runs
            exec(compile(case.code, f"<torch {case.api}>", "exec"), {})
        except Exception as exc:
            return Outcome(case, False, f"torch side failed: {type(exc).__name__}: {exc}", converted)
        missing = [s for s in case.expect if s not in converted]
        if case.mode == "flag" and not case.expect and "# torch2ms:" not in converted:
            missing.append("# torch2ms:")
        return Outcome(case, not missing, f"missing {missing}" if missing else "", converted)
    missing = [s for s in case.expect if s not in converted]
    if missing:
        return Outcome(case, False, f"converted code lacks {missing}", converted)
    # a module, as a file has: MindSpore's autodiff keys functions by their module, and
    # dataclasses reads a class's module in sys.modules (string annotations)
    torch_ns = _module_namespace("torch_case")
    ms_ns = _module_namespace("mindspore_case")
    try:
        exec(compile(case.code, f"<torch {case.api}>", "exec"), torch_ns)
    except Exception as exc:  # the case itself is broken
        return Outcome(case, False, f"torch side failed: {type(exc).__name__}: {exc}", converted)
    try:
        exec(compile(converted, f"<mindspore {case.api}>", "exec"), ms_ns)
        for name in case.outputs:
            problem = _compare(name, torch_ns[name], ms_ns[name], case)
            if problem:
                return Outcome(case, False, problem, converted)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return Outcome(case, False, f"mindspore side failed: {type(exc).__name__}: {first}", converted)
    return Outcome(case, True, "", converted)


def _module_namespace(name: str) -> Dict[str, Any]:
    """The globals of a fresh module registered under `name` (the previous case's is replaced)."""
    module = types.ModuleType(name)
    sys.modules[name] = module
    return module.__dict__


def all_cases() -> Sequence[Case]:
    """Every CASES list of the tests/api/cases_*.py modules."""
    found = []
    for path in sorted(Path(__file__).parent.glob("cases_*.py")):
        module = importlib.import_module(f"{__package__}.{path.stem}" if __package__ else path.stem)
        found.extend(module.CASES)
    return found
