"""The one list of CPU stand-ins: which public API each replaces, with what, and how to probe for it.

A stand-in is declared once, where it is written:

    @stand_in("mint.nn.functional.gelu", probe="force(F.gelu(t(2, 4)))")
    def gelu(input, approximate="none"): ...

`name` is the dotted public name the fallback patches: its owner ("mint",
"mint.nn", "mint.nn.functional", "ops", "ops.operations.nn_ops" (primitives) or
"Tensor", all under mindspore) and
the attribute on it. `probe` is child-interpreter code (see probe.py) that runs
every path the stand-in replaces, so that a missing kernel raises.

This module imports no MindSpore at import time: owners are looked up when a
stand-in is registered, and registering happens only when functions.py, layers.py,
in_place.py, attention.py, division.py and optimizers.py (which import MindSpore themselves) are imported,
by stand_ins().
"""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, TypeVar

# The objects stand-ins may patch, by the dotted path under `mindspore`. mint.nn.F is the same
# module as mint.nn.functional: patching one patches both, so only the second is a valid owner.
OWNERS = ("mint", "mint.nn", "mint.nn.functional", "mint.optim", "ops", "ops.operations.nn_ops", "Tensor")

# Stand-in name -> how many times it ran; torch2ms.fallback's used() / reset_used() read and clear it.
uses: Counter = Counter()


@dataclass(frozen=True)
class StandIn:
    name: str            # "mint.arange", "mint.nn.Conv2d", "Tensor.clone", ...
    owner: object        # the module or class patched: mindspore.mint, mindspore.Tensor, ...
    attribute: str       # the attribute replaced on it
    replacement: object  # what install() puts there: a counting function wrapper, or a layer class
    probe: str           # child-interpreter code exercising every path the stand-in replaces


_registry: Dict[str, StandIn] = {}

Declared = TypeVar("Declared")


def stand_in(name: str, *, probe: str) -> Callable[[Declared], Declared]:
    """Register the decorated function or mint.nn layer class as the stand-in for `name`.

    Returns the decorated object itself, uncounted for a function (so that other stand-ins
    calling it do not count as uses of it); a layer class has its construct counted in place.
    """
    owner_path, _, attribute = name.rpartition(".")
    if owner_path not in OWNERS or not attribute:
        raise ValueError(f"stand-in {name!r}: the owner must be one of {', '.join(OWNERS)}")
    if not isinstance(probe, str) or not probe.strip():
        raise ValueError(f"stand-in {name!r} has no probe: install() could not tell when it is needed")

    def register(declared: Declared) -> Declared:
        if name in _registry:
            raise ValueError(f"stand-in {name!r} is registered twice")
        if isinstance(declared, type):
            _count_construct(declared, name)
            replacement = declared
        else:
            replacement = _counting(name, declared)
        _registry[name] = StandIn(name, _resolve(owner_path), attribute, replacement, probe)
        return declared

    return register


def stand_ins() -> Dict[str, StandIn]:
    """Every registered stand-in, by name, in registration order (imports MindSpore)."""
    from torch2ms.fallback import attention, division, functions, in_place, layers, optimizers, resize  # noqa: F401  (importing registers them)

    return dict(_registry)


def probes() -> Dict[str, str]:
    """Stand-in name -> its probe code."""
    return {name: entry.probe for name, entry in stand_ins().items()}


def _resolve(owner_path: str) -> object:
    import mindspore

    return functools.reduce(getattr, owner_path.split("."), mindspore)


def _counting(name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)  # keeps the stand-in's (mint's) signature visible through __wrapped__
    def wrapper(*args, **kwargs):
        uses[name] += 1
        return fn(*args, **kwargs)

    return wrapper


def _count_construct(cls: type, name: str) -> None:
    construct = cls.construct

    def counted_construct(self, *args, **kwargs):
        uses[name] += 1
        return construct(self, *args, **kwargs)

    counted_construct.__wrapped__ = construct
    cls.construct = counted_construct
