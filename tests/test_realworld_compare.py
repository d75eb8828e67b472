"""benchmarks/realworld_worker.py's comparison: float32 rounding of large outputs passes (with a
note saying so), a difference of a real size fails, at any magnitude."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import realworld_worker  # noqa: E402

rng = np.random.default_rng(0)


def _large_output():
    return (rng.standard_normal((2, 64)) * 1e5).astype(np.float32)


def test_rounding_of_a_large_output_passes_with_a_note():
    a = _large_output()
    b = a.copy()
    b[0, :3] = [1e5, -0.5, 0.25]  # cancellations: large values that come out near zero differ by ~1
    a[0, :3] = [1e5 + 0.5, 0.5, -0.75]
    notes = []
    worst, problems = realworld_worker.compare([("out", a)], [("out", b)], notes)
    assert problems == [] and worst == 1.0
    assert len(notes) == 1 and "float32 rounding" in notes[0]


def test_a_real_difference_fails_at_any_magnitude():
    a = _large_output()
    b = a * 1.001  # within rtol everywhere; one value off by 1% of the largest value is an error
    b[1, 5] = a[1, 5] + 0.01 * np.abs(a).max()
    worst, problems = realworld_worker.compare([("out", a)], [("out", b)], [])
    assert problems and problems[0].startswith("out: max |diff|")
    small = rng.standard_normal(8).astype(np.float32)
    worst, problems = realworld_worker.compare([("out", small)], [("out", small + 1e-3)], [])
    assert problems  # below magnitude 1 the absolute tolerance stays 1e-4
