"""Helpers every test file shares.

    convert(src, path=..., profile=...)   the converted text of a (dedented) source
    check(before, after, ...)             convert(before) == after, and converting `after`
                                          again changes nothing (idempotence)
    cpu_fallback                          (fixture) MindSpore's missing CPU kernels patched for a
                                          test module that runs converted code
"""
from __future__ import annotations

import textwrap

import pytest

from torch2ms.convert.pipeline import AUTO, convert_source


def convert(src: str, path: str = "<string>", profile=AUTO) -> str:
    return convert_source(textwrap.dedent(src), path, profile=profile).code


def check(before: str, after: str, path: str = "<string>", profile=AUTO) -> str:
    out = convert(before, path, profile)
    assert out == textwrap.dedent(after)
    assert convert(out, path, profile) == out, "converting the output again changed it"
    return out


@pytest.fixture(name="check")
def _check_fixture():
    return check


@pytest.fixture(scope="module")
def cpu_fallback():
    pytest.importorskip("torch")
    pytest.importorskip("mindspore")
    from support import ms_cpu_fallback

    ms_cpu_fallback.install()
    yield
    ms_cpu_fallback.uninstall()
