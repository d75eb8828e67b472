"""nn.init calls and `param.data.<init>_()` become MindSpore initializers: proven by running both."""
import textwrap

import numpy as np
import pytest

from torch2ms.convert.pipeline import convert_source

torch = pytest.importorskip("torch")
mindspore = pytest.importorskip("mindspore")

SETUP = """\
import torch
import torch.nn as nn
layer = nn.Linear(300, 200)
"""


def run_both(body: str):
    src = SETUP + textwrap.dedent(body)
    converted = convert_source(src).code
    assert "torch" not in converted, converted
    torch_ns, ms_ns = {}, {}
    torch.manual_seed(0)
    mindspore.set_seed(0)  # MindSpore's initializers draw from the seeded host RNG: a stable test
    exec(compile(src, "<torch>", "exec"), torch_ns)
    exec(compile(converted, "<mindspore>", "exec"), ms_ns)
    t = torch_ns["layer"].weight.detach().numpy()
    m = ms_ns["layer"].weight.asnumpy()
    assert t.shape == m.shape and t.dtype == m.dtype
    return t, m


@pytest.mark.parametrize(
    "body",
    [
        "nn.init.constant_(layer.weight, 0.25)",
        "nn.init.constant_(layer.weight, val=-1.5)",
        "nn.init.zeros_(layer.weight)",
        "nn.init.ones_(layer.weight)",
        "nn.init.eye_(layer.weight)",
        "layer.weight.data.zero_()",
        "layer.weight.data.fill_(3.0)",
        "torch.nn.init.constant_(tensor=layer.weight, val=2)",
    ],
)
def test_deterministic_initialisers_give_identical_weights(body):
    t, m = run_both(body)
    np.testing.assert_array_equal(m, t)


@pytest.mark.parametrize(
    "body",
    [
        "nn.init.normal_(layer.weight, mean=0.5, std=0.02)",
        "nn.init.normal_(layer.weight, 0.5, 0.02)",
        "layer.weight.data.normal_(mean=0.0, std=0.02)",
        "nn.init.trunc_normal_(layer.weight, std=0.5)",
        "nn.init.xavier_uniform_(layer.weight)",
        "nn.init.xavier_normal_(layer.weight, gain=2.0)",
        "nn.init.kaiming_uniform_(layer.weight, a=0.1)",
        "nn.init.kaiming_normal_(layer.weight, mode='fan_out', nonlinearity='relu')",
        "nn.init.uniform_(layer.weight, -0.3, 0.3)",
        "layer.weight.data.uniform_(-0.3, 0.3)",
        # the HF vision models' form: a float32 copy initialised, then assigned back
        "layer.weight.data = nn.init.trunc_normal_(layer.weight.data.to(torch.float32), mean=0.0, std=0.02)"
        ".to(layer.weight.dtype)",
    ],
)
def test_random_initialisers_draw_from_the_same_distribution(body):
    t, m = run_both(body)
    # 60,000 draws: mean and spread agree to a few standard errors, and so do the extremes.
    assert abs(m.mean() - t.mean()) < 5 * t.std() / np.sqrt(t.size) + 1e-6
    assert abs(m.std() - t.std()) < 0.03 * t.std()
    assert abs(np.abs(m).max() - np.abs(t).max()) < 0.3 * np.abs(t).max()


def test_orthogonal_initialiser_gives_orthonormal_rows():
    t, m = run_both("nn.init.orthogonal_(layer.weight)")
    np.testing.assert_allclose(m @ m.T, np.eye(200), atol=1e-4)
    np.testing.assert_allclose(t @ t.T, np.eye(200), atol=1e-4)


def test_what_cannot_be_expressed_is_flagged():
    out = convert_source(SETUP + "nn.init.uniform_(layer.weight)\nnn.init.normal_(w[i])\n").code
    assert "nn.init.uniform_(layer.weight)  # torch2ms: torch.nn.init.uniform_ needs a manual rewrite" in out
    assert out.count("# torch2ms:") == 3  # two flagged calls (w[i]: no literal index), and the guarded import
