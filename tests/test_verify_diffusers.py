"""verify --diffusers: the small config (by parameter name, no table per model), the inputs (from
forward's signature, the layout found on the torch model), and three real models end to end
(the dev set's benchmark is benchmarks/diffusers_parity.py; CI runs these three)."""
from __future__ import annotations

import numpy as np
import pytest

from torch2ms.verify.diffusers_config import HEAD_DIM, HEADS, WIDTH, tiny_kwargs


class Unet:
    def __init__(self, in_channels=4, block_out_channels=(320, 640, 1280, 1280),
                 down_block_types=("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
                 layers_per_block=2, num_attention_heads=(5, 10, 20, 20), norm_num_groups=32, sample_size=64,
                 temporal_downsample=(True, True, False), per_block_and_mid=(4, 3, 3, 3, 4)):
        pass


class Dit:
    def __init__(self, num_layers=19, num_single_layers=38, attention_head_dim=128, num_attention_heads=24,
                 joint_attention_dim=4096, axes_dims_rope=(16, 56, 56), caption_projection_dim=3072, patch_size=4,
                 in_channels=None):
        pass


class Lumina:
    def __init__(self, hidden_size=2304, num_attention_heads=24, num_kv_heads=8, axes_dim_rope=(32, 32, 32)):
        pass


def test_layers_heads_and_text_widths_shrink_by_name():
    kwargs, changed = tiny_kwargs(Dit)
    assert kwargs["num_layers"] == 2 and kwargs["num_single_layers"] == 1
    assert kwargs["num_attention_heads"] == HEADS and kwargs["joint_attention_dim"] == WIDTH
    assert kwargs["patch_size"] == 2 and kwargs["in_channels"] == WIDTH  # a channel count left None gets one
    assert set(changed) <= set(kwargs)


def test_a_rope_split_of_the_head_dim_stays_a_split_into_even_parts():
    kwargs, _ = tiny_kwargs(Dit)
    assert sum(kwargs["axes_dims_rope"]) == kwargs["attention_head_dim"] >= HEAD_DIM
    assert all(part % 2 == 0 for part in kwargs["axes_dims_rope"])
    # a field that was heads x head dim follows them (the blocks' width must match)
    assert kwargs["caption_projection_dim"] == kwargs["num_attention_heads"] * kwargs["attention_head_dim"]


def test_an_implied_head_dim_shrinks_with_the_width():
    kwargs, _ = tiny_kwargs(Lumina)
    head_dim = kwargs["hidden_size"] // kwargs["num_attention_heads"]
    assert sum(kwargs["axes_dim_rope"]) == head_dim and all(part % 2 == 0 for part in kwargs["axes_dim_rope"])
    assert kwargs["num_kv_heads"] == 1


def test_per_block_lists_keep_their_first_blocks_and_channels_shrink_in_proportion():
    kwargs, _ = tiny_kwargs(Unet)
    assert kwargs["block_out_channels"] == (WIDTH, 2 * WIDTH)
    assert kwargs["down_block_types"] == ("CrossAttnDownBlock2D", "CrossAttnDownBlock2D")
    assert kwargs["num_attention_heads"] == (HEADS, HEADS) and kwargs["layers_per_block"] == 1
    assert kwargs["temporal_downsample"] == (True,)  # one entry per gap between blocks
    assert kwargs["per_block_and_mid"] == (4, 3, 4)  # one per block, and the mid block's
    assert kwargs["norm_num_groups"] == 32 and all(c % 32 == 0 for c in kwargs["block_out_channels"])
    assert kwargs["sample_size"] == 16


torch = pytest.importorskip("torch")


class VideoNet(torch.nn.Module):
    """Wants frames second: (batch, frames, channels, h, w), a text and a timestep."""

    def __init__(self, in_channels=3, cross_attention_dim=6):
        super().__init__()
        self.proj = torch.nn.Linear(cross_attention_dim, in_channels)

    def forward(self, sample, timestep, encoder_hidden_states, class_labels=None, return_dict=True):
        batch, frames, channels = sample.shape[:3]
        assert channels == 3 and sample.ndim == 5, "not my layout"
        text = self.proj(encoder_hidden_states).mean(1)
        out = sample + text[:, None, :, None, None] + timestep[:, None, None, None, None]
        return (out,) if not return_dict else {"sample": out}


def test_inputs_come_from_forwards_signature_in_the_layout_torch_accepts():
    from torch2ms.verify.diffusers_inputs import find_inputs

    inputs, choice = find_inputs(VideoNet().eval(), {"in_channels": 3, "cross_attention_dim": 6})
    assert inputs["sample"].shape[:3] == (2, 2, 3) and inputs["sample"].ndim == 5
    assert inputs["encoder_hidden_states"].shape == (2, 8, 6) and inputs["timestep"].shape == (2,)
    assert "class_labels" not in inputs and inputs["return_dict"] is False
    assert choice.startswith("frames layout")


def test_a_model_no_input_fits_is_refused_with_torchs_error():
    from torch2ms.verify.diffusers_inputs import find_inputs
    from torch2ms.verify.errors import VerifyError

    class Picky(torch.nn.Module):
        def forward(self, sample):
            raise ValueError("never")

    with pytest.raises(VerifyError, match="never"):
        find_inputs(Picky(), {})


# ---- three real models end to end: the tool's conversion, zero touch -------------------------------------
E2E = ("diffusers.models.autoencoders.autoencoder_kl:AutoencoderKL",
       "diffusers.models.transformers.dit_transformer_2d:DiTTransformer2DModel",
       "diffusers.models.controlnets.controlnet:ControlNetModel")


@pytest.mark.slow
@pytest.mark.parametrize("model", E2E, ids=lambda m: m.rpartition(":")[2])
def test_converted_diffusers_models_compute_what_torch_computes(model):
    pytest.importorskip("diffusers")
    pytest.importorskip("mindone")
    from torch2ms.verify import verify_diffusers

    report = verify_diffusers(model)
    assert report.ok, report.text()
    assert report.weights["unmatched_torch"] == [] and report.weights["copied"] > 10
    assert report.max_diff is not None and np.isfinite(report.max_diff)
