"""Tests' view of the CPU fallback (torch2ms/fallback/): every stand-in installed, whatever the device.

install() patches *every* stand-in (which="all"), so the tests that compare each
stand-in with torch exercise all of them; the product's default,
torch2ms.fallback.install(), patches only the APIs that fail here.
"""
from __future__ import annotations

from torch2ms import fallback as _fallback

uninstall = _fallback.uninstall


def install():
    """Patch every mint API that has a stand-in; return the dotted names patched (idempotent)."""
    return _fallback.install("all")
