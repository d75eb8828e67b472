"""Where the tests find the specification document (the Markdown with the reference tables).

It is not part of the repository: it sits in the `shared/` folder beside the checkout, or
wherever TORCH2MS_SPEC points. Without it the tests that read it skip and say where to put
it; when CI=true they fail instead, so that a CI run never goes green without them.
"""
import os
from pathlib import Path

import pytest

SPEC_NAME = "000_6821ae3f453f2457.txt"
ENV = "TORCH2MS_SPEC"
REPO = Path(__file__).resolve().parents[2]
BESIDE_THE_CHECKOUT = REPO.parent / "shared" / "seed" / SPEC_NAME


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def spec_path() -> Path:
    """The specification document; skips the calling test when it is missing (fails on CI,
    and fails when TORCH2MS_SPEC names a file that is not there)."""
    named = os.environ.get(ENV)
    path = Path(named) if named else BESIDE_THE_CHECKOUT
    if path.is_file():
        return path
    where = (f"the specification document is not at {path}: put it at ../shared/seed/{SPEC_NAME} "
             f"beside the checkout ({BESIDE_THE_CHECKOUT}) or set {ENV} to its path")
    if named:
        pytest.fail(f"{ENV} is set but {where}")
    if on_ci():
        pytest.fail(f"CI=true and {where}")
    pytest.skip(where)
