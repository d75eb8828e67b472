"""verify --train (torch2ms/verify/training.py): a training script against its conversion by the
loss curve; the shared random numbers and data order it relies on (verify/shared_random.py)."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # trains in torch and MindSpore

torch = pytest.importorskip("torch")
ms = pytest.importorskip("mindspore")

from torch2ms.verify import VerifyError  # noqa: E402
from torch2ms.verify.conversion import convert_to  # noqa: E402
from torch2ms.verify.shared_random import SharedRandomness  # noqa: E402
from torch2ms.verify.training import parse_train_spec, verify_training  # noqa: E402

SCRIPTS = Path(__file__).resolve().parents[1] / "benchmarks" / "training_scripts"


@pytest.mark.parametrize("script", ["adamw_tabular", "train_step_helper"])
def test_converted_scripts_train_like_the_originals(script):
    report = verify_training(f"{SCRIPTS / script}.py:build,train", steps=10)
    assert report.ok, report.text()
    assert report.compared == "loss curves" and report.weights["copied"] > 0
    assert len(report.layers["curve"]) == 10 and report.max_diff < 1e-4


def test_a_conversion_that_trains_differently_is_caught_at_its_first_step(tmp_path):
    converted, _ = convert_to(str(SCRIPTS / "adamw_tabular.py"), str(tmp_path))
    text = Path(converted).read_text()
    assert "lr=1e-2" in text
    Path(converted).write_text(text.replace("lr=1e-2", "lr=2e-2"))
    report = verify_training(f"{SCRIPTS / 'adamw_tabular.py'}:build,train", converted=converted, steps=10)
    assert report.verdict == "mismatch"
    assert "the curves part at step 1" in report.problems  # step 0 is computed before any update
    assert "<-- differs" in report.layers["curve"][1]


def test_a_converted_script_that_raises_is_an_error_naming_its_line(tmp_path):
    converted, _ = convert_to(str(SCRIPTS / "train_step_helper.py"), str(tmp_path))
    text = Path(converted).read_text().replace("optimizer(grads)", "optimizer(grads, 1)")
    Path(converted).write_text(text)
    report = verify_training(f"{SCRIPTS / 'train_step_helper.py'}:build,train", converted=converted, steps=10)
    assert report.verdict == "error"
    assert "mindspore: train() raised" in report.problems[-1] and "train_step_helper.py:" in report.problems[-1]


@pytest.mark.parametrize("spec", ["script.py", "script.py:build", "script.py:build,", "script.py:a,b,c"])
def test_the_spec_names_two_functions(spec):
    with pytest.raises(VerifyError) as error:
        parse_train_spec(spec)
    assert error.value.usage


def test_fewer_than_ten_steps_is_a_usage_error():
    with pytest.raises(VerifyError) as error:
        verify_training(f"{SCRIPTS / 'adamw_tabular.py'}:build,train", steps=5)
    assert error.value.usage


def test_cli_exit_status_and_json(tmp_path):
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, "-m", "torch2ms", "verify", "--train",
                           f"{SCRIPTS / 'train_step_helper.py'}:build,train", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS: loss curves match" in proc.stdout
    assert json.loads(out.read_text())["verdict"] == "match"


# ---- the shared randomness ---------------------------------------------------------------------------
def test_both_frameworks_draw_the_same_numbers_and_dropout_masks():
    from mindspore import mint

    with SharedRandomness(3) as shared:
        torch_draws = [torch.randn(2, 3), torch.rand(4), torch.randint(0, 5, (3,)), torch.randperm(6),
                       torch.nn.functional.dropout(torch.ones(20), 0.5)]
        shared.reset()
        ms_draws = [mint.randn(2, 3), mint.rand(4), mint.randint(0, 5, (3,)), mint.randperm(6),
                    mint.nn.Dropout(0.5).set_train(True)(mint.ones(20))]
    for t, m in zip(torch_draws, ms_draws):
        np.testing.assert_array_equal(t.numpy(), m.asnumpy())
    assert 0 < (torch_draws[-1] == 0).sum() < 20  # a real mask, scaled by 1 / (1 - p)
    assert set(torch_draws[-1].tolist()) == {0.0, 2.0}


def test_shuffled_loaders_see_the_same_batches_epoch_after_epoch():
    import mindspore.dataset as ds
    from torch.utils.data import DataLoader, TensorDataset

    data = np.arange(10)
    with SharedRandomness(0) as shared:
        loader = DataLoader(TensorDataset(torch.from_numpy(data)), batch_size=4, shuffle=True)
        torch_epochs = [[b[0].tolist() for b in loader] for _ in range(3)]
        shared.reset()
        pipeline = ds.GeneratorDataset(list(zip(data)), column_names=["x"], shuffle=True).batch(4)
        ms_epochs = [[b[0].asnumpy().tolist() for b in pipeline] for _ in range(3)]
    assert torch_epochs == ms_epochs
    assert torch_epochs[0] != torch_epochs[1]  # a new order every epoch, as torch's RandomSampler gives


MODULE_LEVEL = '''\
import torch
from torch import nn

data = torch.rand(24, 3)
target = torch.randn(24, 1)
loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(data, target), batch_size=4, shuffle=True)
model = nn.Linear(3, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)


def build():
    return model


def train(net, steps):
    losses = []
    while len(losses) < steps:
        for x, y in loader:
            optimizer.zero_grad()
            loss = ((net(x) - y) ** 2).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return losses[:steps]
'''


def test_data_loaders_and_models_made_at_import_share_the_random_state(tmp_path):
    # pytorch/examples' vae makes its loaders and model at module level: the import runs under
    # the shared randomness too, so both sides draw the same data and shuffle it the same way
    script = tmp_path / "module_level.py"
    script.write_text(MODULE_LEVEL)
    report = verify_training(f"{script}:build,train", steps=12)
    assert report.ok, report.text()
    assert len(report.layers["curve"]) == 12
