"""Tests' view of the CPU fallback, which now lives in the product: torch2ms/fallback/.

install() here patches *every* stand-in whatever the device (which="all"), so the
tests that compare each stand-in with torch exercise all of them; the product's
default, torch2ms.fallback.install(), patches only the APIs that fail here.
"""
from __future__ import annotations

from torch2ms import fallback as _fallback
from torch2ms.fallback.functions import *  # noqa: F401,F403  (the stand-ins, by mint name)
from torch2ms.fallback.functions import FUNCTIONAL_FUNCS, MINT_FUNCS  # noqa: F401

uninstall = _fallback.uninstall


def install():
    """Patch every mint API that has a stand-in; return the dotted names patched (idempotent)."""
    return _fallback.install("all")
