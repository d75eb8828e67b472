"""`torch2ms weights`: a PyTorch checkpoint becomes a safetensors file the converted model loads
by name (mindspore.load_checkpoint(..., format="safetensors") + load_param_into_net), and the
loaded model computes the torch model's numbers. Legacy mindspore.nn layers' names and shapes
come from knowledge/data/param_names.json, checked here against the real layers."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from torch2ms import cli
from torch2ms.knowledge.param_names import legacy_layers

pytestmark = pytest.mark.slow  # builds models in both frameworks
torch = pytest.importorskip("torch")
ms = pytest.importorskip("mindspore")

REPO = Path(__file__).resolve().parents[1]

# A legacy layer, its torch counterpart, and arguments both accept.
TWINS = {
    "BatchNorm1d": ("BatchNorm1d", (4,)), "BatchNorm2d": ("BatchNorm2d", (4,)), "BatchNorm3d": ("BatchNorm3d", (4,)),
    "InstanceNorm1d": ("InstanceNorm1d", (4,)), "InstanceNorm2d": ("InstanceNorm2d", (4,)),
    "InstanceNorm3d": ("InstanceNorm3d", (4,)), "LayerNorm": ("LayerNorm", ((4,),)),
    "GroupNorm": ("GroupNorm", (2, 4)), "Embedding": ("Embedding", (10, 4)), "PReLU": ("PReLU", (4,)),
    "Conv1d": ("Conv1d", (4, 6, 3)), "Conv1dTranspose": ("ConvTranspose1d", (4, 6, 3)),
}
TORCH_KWARGS = {"InstanceNorm1d": {"affine": True, "track_running_stats": True},
                "InstanceNorm2d": {"affine": True, "track_running_stats": True},
                "InstanceNorm3d": {"affine": True, "track_running_stats": True}}


@pytest.mark.parametrize("path", sorted(legacy_layers()))
def test_the_data_matches_the_real_layers(path):
    names = legacy_layers()[path]
    short = path.rpartition(".")[2]
    torch_name, args = TWINS[short]
    ms_layer = getattr(ms.nn, short)(*args)
    torch_args = args[0] if short == "LayerNorm" else args
    torch_layer = getattr(torch.nn, torch_name)(*torch_args, **TORCH_KWARGS.get(short, {}))
    ms_params = dict(ms_layer.parameters_and_names())
    torch_state = torch_layer.state_dict()
    for torch_attr, ms_attr in names.rename.items():
        assert torch_attr in torch_state, (path, torch_attr)
        if ms_attr is not None:
            assert ms_attr in ms_params, (path, ms_attr, list(ms_params))
            assert tuple(ms_params[ms_attr].shape) == tuple(torch_state[torch_attr].shape)
    if names.unit_axis:
        torch_shape, ms_shape = tuple(torch_state["weight"].shape), tuple(ms_params["weight"].shape)
        assert ms_shape != torch_shape and [d for d in ms_shape if d != 1] == [d for d in torch_shape if d != 1]
    for name in ms_params:  # every MindSpore parameter is reached (same name, or a rename)
        assert name in torch_state or name in names.rename.values() or names.unit_axis, (path, name)


LEGACY_PORT = '''
import mindspore
from mindspore import nn


class Net(nn.Cell):
    """A hand-written port (mindone style) on legacy mindspore.nn layers."""

    def __init__(self, vocab=11, dim=8):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.norm = nn.LayerNorm((dim,))
        self.conv = nn.Conv1d(dim, dim, 3, pad_mode="valid", has_bias=True)
        self.bn = nn.BatchNorm1d(dim)
        self.act = nn.PReLU(dim)
        self.group = nn.GroupNorm(2, dim)

    def construct(self, ids):
        x = self.norm(self.embed(ids)).transpose(0, 2, 1)
        x = self.act(self.bn(self.conv(x)))
        return self.group(x.expand_dims(-1)).squeeze(-1).mean(axis=2)
'''


class TorchNet(torch.nn.Module):
    def __init__(self, vocab=11, dim=8):
        super().__init__()
        self.embed = torch.nn.Embedding(vocab, dim)
        self.norm = torch.nn.LayerNorm(dim)
        self.conv = torch.nn.Conv1d(dim, dim, 3)
        self.bn = torch.nn.BatchNorm1d(dim)
        self.act = torch.nn.PReLU(dim)
        self.group = torch.nn.GroupNorm(2, dim)

    def forward(self, ids):
        x = self.norm(self.embed(ids)).transpose(1, 2)
        x = self.act(self.bn(self.conv(x)))
        return self.group(x.unsqueeze(-1)).squeeze(-1).mean(dim=2)


def load_into(net, path):
    not_loaded = ms.load_param_into_net(net, ms.load_checkpoint(str(path), format="safetensors"))
    assert not_loaded == ([], []), not_loaded
    return net


def test_legacy_layers_are_renamed_and_reshaped_from_data(tmp_path, capsys):
    torch.manual_seed(0)
    model = TorchNet()
    gen = torch.Generator().manual_seed(3)
    ids = torch.randint(0, 11, (4, 9), generator=gen)
    with torch.no_grad():
        for param in model.parameters():
            param.add_(0.1 * torch.randn(param.shape, generator=gen))
        model.train()
        model(ids)  # running statistics off their initial values
    model.eval()
    torch.save({"state_dict": model.state_dict(), "epoch": 3}, tmp_path / "net.pt")  # a training checkpoint
    (tmp_path / "port.py").write_text(LEGACY_PORT, encoding="utf-8")
    code = cli.main(["weights", str(tmp_path / "net.pt"), "-o", str(tmp_path / "net.safetensors"),
                     "--model", f"{tmp_path / 'port.py'}:Net", "--json", str(tmp_path / "result.json")])
    out = capsys.readouterr().out
    assert code == 0, out
    result = json.loads((tmp_path / "result.json").read_text("utf-8"))
    assert ["norm.weight", "norm.gamma"] in result["renamed"] and ["embed.weight", "embed.embedding_table"] in \
        result["renamed"] and ["bn.running_var", "bn.moving_variance"] in result["renamed"]
    assert result["reshaped"] == ["conv.weight: (8, 8, 3) -> (8, 8, 1, 3)"]
    assert result["dropped"] == ["bn.num_batches_tracked"] and result["unfilled"] == result["unmatched"] == []
    sys.path.insert(0, str(tmp_path))
    try:
        import port  # noqa: PLC0415
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("port", None)
    net = load_into(port.Net(), tmp_path / "net.safetensors")
    net.set_train(False)
    with torch.no_grad():
        expected = model(ids).numpy()
    got = net(ms.Tensor(ids.numpy())).asnumpy()
    np.testing.assert_allclose(got, expected, atol=1e-5, rtol=1e-4)


def test_what_does_not_fit_is_listed_and_fails(tmp_path, capsys):
    torch.manual_seed(0)
    state = TorchNet().state_dict()
    state["norm.bias"] = state["norm.bias"].half()  # a dtype the model does not have
    state["conv.bias"] = torch.zeros(5)  # a wrong shape
    del state["act.weight"]  # a parameter that gets nothing
    state["head.weight"] = torch.zeros(2, 2)  # a tensor no parameter takes
    torch.save(state, tmp_path / "net.bin")
    (tmp_path / "port.py").write_text(LEGACY_PORT, encoding="utf-8")
    argv = ["weights", str(tmp_path / "net.bin"), "-o", str(tmp_path / "out.safetensors"),
            "--model", f"{tmp_path / 'port.py'}:Net"]
    code = cli.main(argv)
    out = capsys.readouterr().out
    assert code == 1
    assert "PARAMETERS THAT GOT NOTHING (they keep their initial values): 1\n  act.w\n" in out
    assert "norm.bias: dtype Float16 in the checkpoint, Float32 in the model (norm.beta); --cast converts" in out
    assert "conv.bias: shape (5,) in the checkpoint, (8,) in the model (conv.bias)" in out
    assert "checkpoint tensors that matched nothing: 1\n  head.weight" in out
    code = cli.main(argv + ["--cast", "--allow-unused"])
    out = capsys.readouterr().out
    assert code == 1 and "cast to the model's dtype: 1\n  norm.bias: Float16 -> Float32" in out  # act.w: still nothing
    assert "MISMATCHED (not written): 1\n  conv.bias: shape" in out
    code = cli.main(["weights", str(tmp_path / "net.bin"), "-o", str(tmp_path / "out.bin"), "--model", "x.py:Net"])
    assert code == 2 and "the output is a .safetensors file" in capsys.readouterr().err


# ---- a real transformers checkpoint through the converted modeling file -------------------------------
def _tiny_bert(tmp_path, head: bool):
    from transformers import BertConfig, BertForMaskedLM, BertModel

    config = BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=37, max_position_embeddings=64, attn_implementation="eager")
    torch.manual_seed(0)
    model = (BertForMaskedLM if head else BertModel)(config).eval()
    with torch.no_grad():  # nudge every weight off its initial value, so that copying them is tested
        for param in model.parameters():
            param.add_(0.02 * torch.randn(param.shape))
    return model


@pytest.fixture(scope="module")
def converted_bert(tmp_path_factory):
    import transformers

    out = tmp_path_factory.mktemp("converted")
    source = Path(transformers.__file__).parent / "models" / "bert" / "modeling_bert.py"
    proc = subprocess.run([sys.executable, "-m", "torch2ms", "convert", str(source), "-o",
                           str(out / "modeling_bert.py"), "-q"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out / "modeling_bert.py"


def _run_converted(converted_bert, checkpoint, weights, ids, **kwargs):
    from transformers import BertConfig

    from torch2ms.verify.compare import FallbackScope
    from torch2ms.verify.loading import load_file, unload

    with FallbackScope("auto"):
        module = load_file(str(converted_bert), "ms")
        try:
            config = BertConfig.from_pretrained(checkpoint)
            config._attn_implementation = "eager"
            net = load_into(module.BertModel(config, **kwargs), weights)
            net.set_train(False)
            return net(ms.Tensor(ids))
        finally:
            unload(module)


@pytest.mark.parametrize("safe", [True, False], ids=["safetensors", "pytorch_model.bin"])
def test_a_transformers_checkpoint_for_the_converted_model(tmp_path, capsys, converted_bert, safe):
    from torch2ms.verify.parity import compare_outputs

    model = _tiny_bert(tmp_path, head=False)
    checkpoint = tmp_path / "checkpoint"
    model.save_pretrained(checkpoint, safe_serialization=safe)
    weights = tmp_path / "bert.safetensors"
    code = cli.main(["weights", str(checkpoint), "-o", str(weights), "--model", f"{converted_bert}:BertModel"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"built from {checkpoint / 'config.json'} (BertConfig)" in out
    ids = np.random.default_rng(0).integers(0, 99, (2, 7))
    with torch.no_grad():
        expected = model(torch.tensor(ids))
    comparison = compare_outputs(expected, _run_converted(converted_bert, checkpoint, weights, ids))
    print(f"max |torch - converted| over {comparison.leaves} outputs: {comparison.max_diff:.3g}")
    assert comparison.ok and comparison.leaves == 2, comparison.problems


def test_a_checkpoint_with_a_head_for_the_base_model(tmp_path, capsys, converted_bert):
    model = _tiny_bert(tmp_path, head=True)
    checkpoint = tmp_path / "checkpoint"
    model.save_pretrained(checkpoint)
    weights = tmp_path / "bert.safetensors"
    argv = ["weights", str(checkpoint), "-o", str(weights), "--model", f"{converted_bert}:BertModel"]
    code = cli.main(argv)
    out = capsys.readouterr().out
    assert code == 1
    assert "names: checkpoint prefix `bert.` dropped" in out
    assert "checkpoint tensors that matched nothing: " in out and "cls.predictions.bias" in out  # the head
    assert "PARAMETERS THAT GOT NOTHING (they keep their initial values): 2\n  pooler.dense.weight" in out  # no pooler
    argv += ["--args", '{"config": "@config", "add_pooling_layer": false}', "--allow-unused"]
    code = cli.main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    ids = np.random.default_rng(1).integers(0, 99, (2, 5))
    with torch.no_grad():
        expected = model.bert(torch.tensor(ids)).last_hidden_state.numpy()
    got = _run_converted(converted_bert, checkpoint, weights, ids, add_pooling_layer=False)[0].asnumpy()
    np.testing.assert_allclose(got, expected, atol=1e-4, rtol=1e-3)


def test_usage_errors(tmp_path, capsys):
    assert cli.main(["weights", str(tmp_path / "none"), "-o", str(tmp_path / "w.safetensors"), "--model",
                     "m.py:Net"]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert cli.main(["weights", str(tmp_path / "empty"), "-o", str(tmp_path / "w.safetensors"), "--model",
                     "m.py:Net"]) == 2
    assert "no model.safetensors, model.safetensors.index.json, pytorch_model.bin" in capsys.readouterr().err
    torch.save(TorchNet().state_dict(), tmp_path / "net.pt")
    assert cli.main(["weights", str(tmp_path / "net.pt"), "-o", str(tmp_path / "w.safetensors"), "--model",
                     str(tmp_path / "missing.py") + ":Net"]) == 2
    assert "missing.py: no such file" in capsys.readouterr().err
    (tmp_path / "bad.py").write_text(textwrap.dedent('''
        from mindspore import nn
        class Net(nn.Cell):
            def __init__(self):
                super().__init__()
                raise ValueError("needs a size")
        '''), encoding="utf-8")
    assert cli.main(["weights", str(tmp_path / "net.pt"), "-o", str(tmp_path / "w.safetensors"), "--model",
                     str(tmp_path / "bad.py") + ":Net"]) == 1
    assert "failed: ValueError: needs a size" in capsys.readouterr().err
