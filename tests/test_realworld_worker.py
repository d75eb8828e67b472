"""benchmarks/realworld_worker.py's torch side keeps a pass meaningful: weights nudged relative to
their own spread, BatchNorm statistics measured (activations stay O(1) however deep the network),
and outputs too large for atol/rtol to mean anything are refused, not compared."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import realworld_worker as worker  # noqa: E402


def deep_net(depth=24, width=16, std=0.2):
    """Convolutions + BatchNorm + ReLU, a wide init (std 0.2 on 144 inputs: the variance grows 2.9x a layer)."""
    layers = [nn.Conv2d(3, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    for _ in range(depth):
        layers += [nn.Conv2d(width, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
    net = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.trunc_normal_(m.weight, std=std)
    return net.eval()


ENTRY = {"name": "deep", "inputs": [{"shape": [1, 3, 16, 16]}]}


def run(net):
    with torch.no_grad():
        return net(*[torch.from_numpy(a) for a in worker.make_inputs(ENTRY)]).abs().max().item()


def test_a_freshly_built_deep_network_explodes_in_eval_mode_and_calibration_brings_it_back():
    torch.manual_seed(0)
    net = deep_net()
    assert run(net) > 1e3  # running var 1 normalises nothing
    worker.perturb(net)
    assert worker.calibrate_batchnorm(net, ENTRY) == 25
    assert run(net) < 10
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(not m.training and m.momentum == 0.1 for m in bns)  # back to evaluation, momentum restored
    assert all(m.num_batches_tracked.item() == 1 for m in bns)


def test_the_nudge_is_relative_to_each_weights_magnitude_and_moves_tiny_heads_and_constants():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(400, 8), nn.LayerNorm(8), nn.Linear(8, 3))
    nn.init.normal_(net[0].weight, std=0.5)  # above the unit-gain floor 1/sqrt(400) = 0.05
    nn.init.zeros_(net[2].weight)  # a zero-initialised head: below it
    before = {k: v.clone() for k, v in net.state_dict().items()}
    worker.perturb(net, scale=0.05)
    change = (net[0].weight - before["0.weight"]).std().item()
    assert 0.02 < change < 0.03  # 5% of the weight's own std (0.5), not an absolute 0.05
    head = net[2].weight.std().item()
    assert 0.012 < head < 0.024  # 5% of 1/sqrt(8) = 0.018: the head now passes the features on
    assert 0.02 < (net[1].weight - 1).abs().mean().item() < 0.08  # ones and zeros move by about 0.05
    assert (net[1].bias != 0).all()


def test_a_network_without_batchnorm_is_left_alone():
    net = nn.Sequential(nn.Linear(3, 3), nn.LayerNorm(3)).eval()
    before = {k: v.clone() for k, v in net.state_dict().items()}
    assert worker.calibrate_batchnorm(net, {"inputs": [{"shape": [1, 3]}]}) == 0
    assert not any(m.training for m in net.modules())
    assert all(torch.equal(v, before[k]) for k, v in net.state_dict().items())


def test_outputs_beyond_the_scale_limit_are_refused_not_compared(tmp_path, monkeypatch):
    """An original whose outputs are huge is reported as the original's failure ("not measured")."""
    huge = {"name": "huge", "call": "torch.nn:Linear", "args": [3, 2], "inputs": [{"shape": [1, 3]}]}
    small = {"name": "small", "call": "torch.nn:Linear", "args": [3, 4], "inputs": [{"shape": [1, 3]}]}
    nudge = worker.perturb

    def nudge_and_blow_up_the_first(model, *args, **kwargs):
        nudge(model, *args, **kwargs)
        if model.out_features == 2:
            with torch.no_grad():
                model.weight.mul_(1e6)

    monkeypatch.setattr(worker, "perturb", nudge_and_blow_up_the_first)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"models": [huge, small]}))
    worker.torch_side(str(spec), str(tmp_path))
    status = json.loads((tmp_path / "torch_status.json").read_text())
    assert status["small"] == "ok"
    assert status["huge"].startswith("ValueError: outputs reach") and "not measured" in status["huge"]
    assert not (tmp_path / "huge.npz").exists() and (tmp_path / "small.npz").exists()


def test_output_scale_is_the_largest_magnitude():
    assert worker.output_scale([("a", np.array([1.0, -7.5])), ("b", np.array(3.0)), ("c", np.zeros(0))]) == 7.5

