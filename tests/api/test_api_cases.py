"""Every per-API case, converted by the tool and run in both frameworks (see harness.py)."""
import pytest

pytestmark = pytest.mark.slow  # runs every per-API case in torch and MindSpore

pytest.importorskip("torch")
pytest.importorskip("mindspore")

from support import ms_cpu_fallback  # noqa: E402
from api.harness import all_cases, run  # noqa: E402

CASES = all_cases()


@pytest.fixture(scope="module", autouse=True)
def cpu_fallback():
    ms_cpu_fallback.install()
    yield
    ms_cpu_fallback.uninstall()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.api}-{i}" for i, c in enumerate(CASES)])
def test_case(case):
    outcome = run(case)
    assert outcome.ok, f"{outcome.detail}\n--- converted ---\n{outcome.converted}"
