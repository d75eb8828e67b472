"""Run converted code where `mindspore.mint` lacks kernels (MindSpore's CPU backend, chiefly).

Converted code targets `mint`, whose kernels are written for Ascend; on a CPU
(or GPU) build many of them are missing and fail lazily (see docs/cpu-kernels.md).
`install()` replaces exactly those mint APIs that fail on the current device
with stand-ins built from MindSpore's own CPU kernels (`mindspore.ops` mostly;
never torch), each checked against torch by tests/test_cpu_fallback.py:

    from torch2ms import fallback
    fallback.install()      # -> ["mint.arange", "mint.nn.Conv2d", ...]; [] on Ascend
    ...build and run the converted model...
    fallback.used()         # -> {"mint.nn.Conv2d": 12, ...}: the stand-ins that actually ran
    fallback.uninstall()

Which APIs fail is found by probing them in a child interpreter once per
MindSpore version, device and interpreter (cached under ~/.cache/torch2ms; set
TORCH2MS_CACHE_DIR to move it). On Ascend nothing is probed or installed.

The patch is on module attributes: call install() before building the model,
and before importing code that does `from mindspore.mint.nn import Conv2d`;
`mint.nn.Conv2d(...)` look-ups are resolved at call time and need nothing more.
Layer stand-ins subclass the mint class and replace only `construct`, so
parameter names (and weights copied by name) are mint's own.

Beyond mint, two APIs that hand-written ports (mindone) use are covered too:
mindspore.ops.rms_norm and Tensor.clone (Tensor.repeat too). Not covered (no stand-in):
mint.normal, mint.randperm, and Tensor methods beyond clone, repeat, uniform_,
normal_ and zero_.
"""
from __future__ import annotations

import functools
from collections import Counter
from typing import Callable, Dict, Iterator, List, Optional, Tuple

__all__ = ["install", "uninstall", "installed", "used", "reset_used", "available", "device_target",
           "missing_kernels"]

# Device targets whose mint kernels are native: nothing is probed or installed there.
NATIVE_TARGETS = frozenset({"Ascend"})

_saved: Dict[Tuple[object, str], object] = {}  # (module or class, attribute) -> the original
_ABSENT = object()  # the attribute was inherited (Tensor methods live on the C base class), not set
_installed: List[str] = []
_used: Counter = Counter()


def _record_use(name: str) -> None:
    _used[name] += 1


def _counting(name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)  # keeps the stand-in's (mint's) signature visible through __wrapped__
    def wrapper(*args, **kwargs):
        _used[name] += 1
        return fn(*args, **kwargs)

    return wrapper


def _targets() -> Iterator[Tuple[object, str, str, object]]:
    """(module, attribute, dotted name, replacement) for every stand-in."""
    import mindspore
    from mindspore import mint, ops

    from torch2ms.fallback import functions, layers  # layers subclasses the *original* mint classes

    layers.on_use = _record_use
    for n in functions.MINT_FUNCS:
        yield mint, n, f"mint.{n}", getattr(functions, n)
    # mint.nn.functional is also reachable as mint.nn.F (the same module object)
    for n in functions.FUNCTIONAL_FUNCS:
        yield mint.nn.functional, n, f"mint.nn.functional.{n}", getattr(functions, n)
    for n in layers.LAYERS:
        yield mint.nn, n, f"mint.nn.{n}", getattr(layers, n)
    for n in functions.OPS_FUNCS:
        yield ops, n, f"ops.{n}", getattr(functions, n)
    for method, impl in functions.TENSOR_METHODS.items():
        yield mindspore.Tensor, method, f"Tensor.{method}", getattr(functions, impl)


def available() -> List[str]:
    """Every mint API that has a stand-in, by dotted name."""
    return [name for _, _, name, _ in _targets()]


def device_target() -> str:
    import mindspore

    return mindspore.get_context("device_target")


def missing_kernels(target: Optional[str] = None, refresh: bool = False) -> Dict[str, str]:
    """Among the APIs with a stand-in, those failing on `target` (default: the current one), with errors."""
    from torch2ms.fallback import probe

    return probe.missing_kernels(target or device_target(), available(), refresh=refresh)


def install(which: str = "missing", *, refresh: bool = False) -> List[str]:
    """Patch mint APIs with their stand-ins; return the dotted names patched now (in force, sorted).

    which="missing" (default): only APIs whose kernel fails on this device, as probed
        (nothing at all on Ascend);
    which="all": every stand-in, whatever the device (how tests check the stand-ins themselves).
    Idempotent; a second install() with another `which` patches the union.
    """
    if which not in ("missing", "all"):
        raise ValueError(f"which must be 'missing' or 'all', not {which!r}")
    if which == "all":
        wanted = None
    elif device_target() in NATIVE_TARGETS:
        wanted = set()
    else:
        wanted = set(missing_kernels(refresh=refresh))
    for module, attr, name, repl in _targets():
        if wanted is not None and name not in wanted:
            continue
        if (module, attr) not in _saved:
            _saved[(module, attr)] = vars(module).get(attr, _ABSENT)
        if not isinstance(repl, type):
            repl = _counting(name, repl)
        setattr(module, attr, repl)
        if name not in _installed:
            _installed.append(name)
    return installed()


def installed() -> List[str]:
    """The dotted names of the stand-ins in force."""
    return sorted(_installed)


def uninstall() -> None:
    """Put every original mint API back."""
    for (module, attr), original in _saved.items():
        if original is _ABSENT:
            delattr(module, attr)
        else:
            setattr(module, attr, original)
    _saved.clear()
    _installed.clear()


def used() -> Dict[str, int]:
    """Stand-in name -> how many times it ran since install() / reset_used()."""
    return dict(sorted(_used.items()))


def reset_used() -> None:
    _used.clear()
