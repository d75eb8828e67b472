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

Each stand-in is declared once, where it is written: a function in functions.py
or a layer class in layers.py decorated with `registry.stand_in(name, probe=...)`;
everything here (and the probes) reads that registry. Its comparison with torch
goes in tests/test_cpu_fallback.py.

Beyond mint, two APIs that hand-written ports (mindone) use are covered too:
mindspore.ops.rms_norm and Tensor.clone (Tensor.repeat too). Not covered (no stand-in):
mint.normal, mint.randperm, and Tensor methods beyond clone, repeat, uniform_,
normal_ and zero_.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Tuple

from torch2ms.fallback import registry  # no MindSpore at import: the stand-ins register when first needed

__all__ = ["install", "uninstall", "installed", "used", "reset_used", "available", "device_target",
           "missing_kernels"]

# Device targets whose mint kernels are native: nothing is probed or installed there.
NATIVE_TARGETS = frozenset({"Ascend"})

_saved: Dict[Tuple[object, str], object] = {}  # (module or class, attribute) -> the original
_ABSENT = object()  # the attribute was inherited (Tensor methods live on the C base class), not set
_installed: List[str] = []


def available() -> List[str]:
    """Every mint API that has a stand-in, by dotted name."""
    return list(registry.stand_ins())


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
    # mint.nn.functional stand-ins show through mint.nn.F as well: it is the same module object.
    for name, entry in registry.stand_ins().items():
        if wanted is not None and name not in wanted:
            continue
        owner, attr = entry.owner, entry.attribute
        if (owner, attr) not in _saved:
            _saved[(owner, attr)] = vars(owner).get(attr, _ABSENT)
        setattr(owner, attr, entry.replacement)
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
    return dict(sorted(registry.uses.items()))


def reset_used() -> None:
    registry.uses.clear()
