"""`torch2ms verify` must pass correct conversions and fail broken ones, naming where they break.

The examples are converted (on the fly, or into tmp and then sabotaged); the HF
path is checked on mindone's hand-written BertModel against transformers'.
Most checks call torch2ms.verify in-process; two run the real command line.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # runs models in torch and MindSpore

torch = pytest.importorskip("torch")
ms = pytest.importorskip("mindspore")

from torch2ms import fallback  # noqa: E402
from torch2ms.verify import VerifyError, verify_hf, verify_module  # noqa: E402
from torch2ms.verify.hf import main_inputs, tiny_config  # noqa: E402
from torch2ms.verify.conversion import convert_to  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
RESNET = "examples/resnet/model.py:ResNet"
RESNET_ARGS = '{"block": "@BasicBlock", "layers": [2, 2, 2]}'
RESNET_INPUT = [("shape", (2, 3, 32, 32))]
GPT = "examples/gpt/model.py:GPT"
GPT_ARGS = "[65, 16]"  # vocab_size, block_size
GPT_INPUT = [("ids", (2, 16))]
ON_CPU = ms.get_context("device_target") == "CPU"


@pytest.fixture(autouse=True)
def no_leftover_fallback():
    """verify installs the fallback itself, and takes out what it installed."""
    fallback.uninstall()
    yield
    assert fallback.installed() == []


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    """examples converted once: {"resnet": path, "gpt": path}; tests copy and sabotage them."""
    out = tmp_path_factory.mktemp("converted")
    return {name: Path(convert_to(str(REPO / "examples" / name / "model.py"), str(out / name))[0])
            for name in ("resnet", "gpt")}


def sabotage(tmp_path, original: Path, old: str, new: str) -> str:
    """A copy of the converted package with one line changed; returns the model file's path."""
    package = tmp_path / original.parent.name
    package.mkdir()
    for file in original.parent.glob("*.py"):
        (package / file.name).write_text(file.read_text())
    model = package / original.name
    text = model.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in the converted code:\n{text}"
    model.write_text(text.replace(old, new))
    return str(model)


# ---- correct conversions pass --------------------------------------------------------------

def test_resnet_converted_on_the_fly_matches_and_says_which_fallbacks_ran():
    report = verify_module(RESNET, args=RESNET_ARGS, inputs=RESNET_INPUT)
    assert report.verdict == "match", report.text()
    assert report.max_diff < 1e-4
    assert report.weights["copied"] == len(torch.nn.Module.state_dict(_torch_resnet()))
    assert report.weights["unmatched_torch"] == [] and report.weights["unmatched_mindspore"] == []
    if ON_CPU:  # these mint kernels are missing on CPU: their stand-ins must have run
        assert {"mint.nn.Conv2d", "mint.nn.BatchNorm2d", "mint.nn.MaxPool2d"} <= set(report.fallbacks_used)
        assert report.fallbacks_used["mint.nn.Conv2d"] == 15  # 13 3x3 convolutions + 2 shortcuts
    assert "PASS" in report.text() and "mint.nn.Conv2d x15" in report.text()


def _torch_resnet():
    sys.path.insert(0, str(REPO / "examples"))
    try:
        from resnet.model import BasicBlock, ResNet
    finally:
        sys.path.remove(str(REPO / "examples"))
    return ResNet(BasicBlock, [2, 2, 2])


def test_gpt_with_a_given_converted_file_matches(converted):
    report = verify_module(GPT, converted=str(converted["gpt"]), args=GPT_ARGS, inputs=GPT_INPUT, vocab=65)
    assert report.verdict == "match", report.text()
    assert report.inputs == ["arg0 int64 (2, 16)"]
    assert report.weights["copied"] == 31 and not report.weights["unmatched_torch"]


def test_an_error_left_pending_by_the_constructor_is_drained_and_noted(converted, tmp_path):
    """MindSpore raises a failed kernel's error at the *next* op: an unforced call in __init__ would
    otherwise blow up the first forward pass, far from its cause."""
    model = sabotage(tmp_path, converted["gpt"], "self.wte.weight = self.lm_head.weight",
                     "self.wte.weight = self.lm_head.weight\n        mint.randperm(4)  # no CPU kernel, never forced")
    report = verify_module(GPT, converted=model, args=GPT_ARGS, inputs=GPT_INPUT, vocab=65)
    assert report.verdict == "match", report.text()
    if ON_CPU:  # where randperm has a kernel nothing is pending
        assert any("left an error pending" in n and "RandpermExt" in n for n in report.notes), report.notes


# ---- broken conversions fail, and the culprit is named ---------------------------------------

def test_a_layer_built_wrong_is_named_with_matching_inputs(converted, tmp_path):
    broken = sabotage(tmp_path, converted["gpt"], "self.ln_f = mint.nn.LayerNorm(n_embd)",
                      "self.ln_f = mint.nn.LayerNorm(n_embd, eps=0.5)")
    report = verify_module(GPT, converted=broken, args=GPT_ARGS, inputs=GPT_INPUT, vocab=65)
    assert report.verdict == "mismatch", report.text()
    assert report.first_divergence.startswith("ln_f (LayerNorm)"), report.first_divergence
    assert "its inputs match, so the fault is in this layer" in report.first_divergence
    assert "FAIL" in report.text() and "first diverging submodule: ln_f" in report.text()


def test_a_sign_flipped_in_a_blocks_code_blames_that_block(converted, tmp_path):
    broken = sabotage(tmp_path, converted["resnet"], "out = self.bn2(out)", "out = -self.bn2(out)")
    report = verify_module(RESNET, converted=broken, args=RESNET_ARGS, inputs=RESNET_INPUT)
    assert report.verdict == "mismatch"
    assert report.max_diff > 0.01
    # the first module that sees different numbers is the block's second ReLU call, fed by its own code
    assert report.first_divergence.startswith("layer1.0.relu (ReLU, call 2 of 2)"), report.first_divergence
    assert "own code of layer1.0 (BasicBlock)" in report.first_divergence


def test_a_sign_flipped_in_attention_blames_the_first_attention(converted, tmp_path):
    broken = sabotage(tmp_path, converted["gpt"], "* (1.0 / math.sqrt(", "* (-1.0 / math.sqrt(")
    report = verify_module(GPT, converted=broken, args=GPT_ARGS, inputs=GPT_INPUT, vocab=65)
    assert report.verdict == "mismatch"
    assert report.first_divergence.startswith("h.0.attn."), report.first_divergence
    assert "own code of h.0.attn (CausalSelfAttention)" in report.first_divergence


def test_renamed_weights_are_reported_on_both_sides(converted, tmp_path):
    broken = sabotage(tmp_path, converted["gpt"], "x = self.ln_f(x)", "x = self.norm_f(x)")
    Path(broken).write_text(Path(broken).read_text().replace("self.ln_f = ", "self.norm_f = "))
    report = verify_module(GPT, converted=broken, args=GPT_ARGS, inputs=GPT_INPUT, vocab=65)
    assert report.weights["unmatched_torch"] == ["ln_f.weight", "ln_f.bias"]
    assert report.weights["unmatched_mindspore"] == ["norm_f.weight", "norm_f.bias"]
    assert report.verdict == "mismatch"  # norm_f kept its own (unnudged) weights
    assert report.layers["torch_only"] == ["ln_f"] and report.layers["mindspore_only"] == ["norm_f"]
    assert "unmatched torch (kept their own values): ln_f.weight, ln_f.bias" in report.text()


def test_a_converted_model_that_raises_is_an_error_located_in_its_layer(converted, tmp_path):
    broken = sabotage(tmp_path, converted["gpt"], "x = mint.nn.functional.gelu(self.c_fc(x))",
                      "x = mint.nn.functional.gelu(self.c_fc(x)).reshape(7, -1, 3)")
    report = verify_module(GPT, converted=broken, args=GPT_ARGS, inputs=GPT_INPUT, vocab=65)
    assert report.verdict == "error"
    assert "mindspore model raised" in report.problems[0]
    assert any("raised inside h.0.mlp (MLP)" in n for n in report.notes), report.notes


# ---- the command line -------------------------------------------------------------------------

def run_cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "torch2ms", "verify", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)


def test_cli_fails_a_broken_conversion_with_exit_1_and_writes_json(converted, tmp_path):
    broken = sabotage(tmp_path, converted["gpt"], "x = x + self.mlp(self.ln_2(x))", "x = x - self.mlp(self.ln_2(x))")
    out = tmp_path / "report.json"
    proc = run_cli("--module", GPT, "--converted", broken, "--args", GPT_ARGS, "--input-ids", "2,16", "--vocab", "65",
                   "--json", str(out))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL: outputs differ" in proc.stdout
    # the MLP and everything in h.0 match; the sum in h.0's own code does not
    assert "first diverging submodule: h.0 (Block)" in proc.stdout
    assert "all its submodules match, so the fault is in its own code" in proc.stdout
    data = json.loads(out.read_text())
    assert data["verdict"] == "mismatch" and data["first_divergence"].startswith("h.0 (Block)")


def test_cli_usage_errors_exit_2():
    proc = run_cli("--module", GPT, "--args", GPT_ARGS)  # no inputs given
    assert proc.returncode == 2 and "--input-shape" in proc.stderr
    proc = run_cli("--module", "examples/gpt/model.py", "--input-ids", "2,3")  # no :ClassName
    assert proc.returncode == 2 and "ClassName" in proc.stderr


def test_verify_refuses_a_dotted_module_for_plain_mode():
    with pytest.raises(VerifyError, match="wants a file"):
        verify_module("examples.gpt.model:GPT", inputs=GPT_INPUT)


# ---- Hugging Face ---------------------------------------------------------------------------------

def test_tiny_config_is_found_by_field_names():
    from transformers import CLIPConfig, GPT2Config, LlamaConfig, ViTConfig

    llama, overrides = tiny_config(LlamaConfig)
    assert (llama.num_hidden_layers, llama.hidden_size, llama.num_attention_heads, llama.num_key_value_heads,
            llama.intermediate_size, llama.vocab_size, llama.head_dim) == (2, 32, 4, 2, 37, 99, 8)
    assert llama.use_cache is False and overrides["head_dim"] == 8
    gpt2, _ = tiny_config(GPT2Config)
    assert (gpt2.n_layer, gpt2.n_embd, gpt2.n_head, gpt2.vocab_size, gpt2.bos_token_id) == (2, 32, 4, 99, 98)
    vit, _ = tiny_config(ViTConfig)
    assert (vit.image_size, vit.patch_size, vit.hidden_size) == (30, 2, 32)
    from transformers import ViTModel

    assert main_inputs(ViTModel, vit)["pixel_values"].shape == (2, 3, 30, 30)
    clip, overrides = tiny_config(CLIPConfig)  # nested sub-configs shrink too
    text, vision = clip.text_config, clip.vision_config
    assert (text.hidden_size, text.num_hidden_layers, text.vocab_size) == (32, 2, 99)
    assert (vision.hidden_size, vision.image_size, vision.patch_size) == (32, 30, 2)
    assert overrides["vision_config"]["intermediate_size"] == 37
    from transformers import CLIPModel

    assert set(main_inputs(CLIPModel, clip)) == {"input_ids", "pixel_values"}  # its forward needs both


def test_tiny_config_shrinks_per_stage_lists_and_leaves_derived_fields_to_the_constructor():
    from transformers import GPTJConfig, SwinConfig, WhisperConfig, WhisperModel

    swin, overrides = tiny_config(SwinConfig)
    assert swin.embed_dim == 32 and swin.depths == [1, 1, 1, 1] and swin.window_size == 2
    # stage widths 32, 64, 128, 256: every head count (a power of two) divides its stage
    assert swin.num_heads == [2, 4, 4, 4]
    assert "hidden_size" not in overrides and swin.hidden_size == 32 * 2 ** 3  # derived by SwinConfig
    gptj, _ = tiny_config(GPTJConfig)
    assert gptj.rotary_dim == gptj.n_embd // gptj.n_head == 8
    whisper, _ = tiny_config(WhisperConfig)
    features = main_inputs(WhisperModel, whisper)
    assert features["input_features"].shape == (2, whisper.num_mel_bins, 2 * whisper.max_source_positions)
    assert "decoder_input_ids" in features


@pytest.fixture(scope="module")
def bert_report():
    pytest.importorskip("transformers")
    pytest.importorskip("mindone.transformers.models.bert.modeling_bert")
    fallback.uninstall()
    report = verify_hf("transformers.models.bert.modeling_bert:BertModel",
                       converted="mindone.transformers.models.bert.modeling_bert:BertModel")
    assert fallback.installed() == []
    return report


def test_hf_bert_mindone_port_matches_transformers(bert_report):
    """mindone's hand port of BertModel, tiny config, same weights: last_hidden_state and pooler_output agree."""
    report = bert_report
    assert report.verdict == "match", report.text()
    assert report.config == {"hidden_size": 32, "intermediate_size": 37, "num_attention_heads": 4,
                             "num_hidden_layers": 2, "vocab_size": 99}
    assert report.inputs == ["input_ids int64 (2, 7)"]
    assert report.weights["unmatched_torch"] == [] and report.weights["unmatched_mindspore"] == []
    assert report.max_diff < 1e-5
    if ON_CPU:
        assert {"mint.nn.Embedding", "mint.nn.LayerNorm"} <= set(report.fallbacks_used)


def test_hf_broken_port_is_caught_at_the_right_layer(monkeypatch):
    """The layer matching works through HF's keyword-heavy calls: sabotage one mindone layer."""
    from mindone.transformers.models.bert import modeling_bert

    original = modeling_bert.BertIntermediate.construct
    monkeypatch.setattr(modeling_bert.BertIntermediate, "construct", lambda self, h: -original(self, h))
    report = verify_hf("transformers.models.bert.modeling_bert:BertModel",
                       converted="mindone.transformers.models.bert.modeling_bert:BertModel")
    assert report.verdict == "mismatch"
    assert report.first_divergence.startswith("encoder.layer.0.intermediate (BertIntermediate)")
    assert "its inputs and all its submodules match" in report.first_divergence


# ---- zero-touch conversions of real transformers models, end to end ------------------------
# A handful of the dev set (benchmarks/hf_parity.py runs all 40 outside CI): an encoder, a
# decoder with RoPE and grouped-query attention, an encoder-decoder, a vision model, and a
# text-image model whose converted file needs its converted sibling (modeling_blip_text).
HF_ZERO_TOUCH = ["bert:BertModel", "llama:LlamaModel", "t5:T5Model", "vit:ViTModel", "blip:BlipModel"]


@pytest.mark.parametrize("model", HF_ZERO_TOUCH)
def test_hf_model_converted_by_the_tool_matches_transformers(model):
    pytest.importorskip("mindone.transformers")
    name, cls = model.split(":")
    report = verify_hf(f"transformers.models.{name}.modeling_{name}:{cls}")  # converted now, no edits
    assert report.verdict == "match", report.text()
    assert report.max_diff < 1e-4
    assert report.weights["unmatched_torch"] == [] or name == "t5", report.weights  # t5 ties its embeddings
    assert any(n.startswith("converted ") for n in report.notes)
    if name == "blip":
        assert any("converted siblings used: modeling_blip_text" in n for n in report.notes), report.notes
