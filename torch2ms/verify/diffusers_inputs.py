"""Inputs for a diffusers model, made from its `forward` signature and its config.

Each parameter is recognised by its name (diffusers names them the same way across models):
the main input (the first parameter: sample / hidden_states / x), timestep, encoder_hidden_states
(its width from caption_channels / joint_attention_dim / text_embed_dim / ... / cross_attention_dim),
pooled_projections, text masks, image and text position ids, image shapes, the latent grid
(num_frames / height / width), added time ids, CogView's size conditions, ControlNet conditioning.
Required parameters get a value or the model is refused with their name; optional ones only
when pipelines always pass them (the text, the timestep, the ids), or when the model raises
without them (class labels, guidance).

What the names cannot say (an image, a video with channels or frames first, packed tokens;
which text length; float or integer timesteps) the torch model answers: candidates are
tried in a fixed order on the torch model, and the first it runs is used for both.
"""
from __future__ import annotations

import inspect
import itertools
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np

from torch2ms.verify.diffusers_config import SAMPLE, TEXT_SEQ
from torch2ms.verify.errors import VerifyError, first_line

BATCH = 2
TOKENS_SIDE = 4  # packed-token layouts: a 4 x 4 latent grid
MAX_TRIES = 400

# the width of encoder_hidden_states, by the first of these config fields that is set
TEXT_WIDTH = ("caption_channels", "joint_attention_dim", "text_embed_dim", "text_dim", "cap_feat_dim",
              "cross_attention_dim", "embedding_dim")
# optional inputs that pipelines always pass
ALWAYS = frozenset({"timestep", "encoder_hidden_states", "pooled_projections", "img_ids", "txt_ids", "img_shapes",
                    "txt_seq_lens", "num_frames", "height", "width", "encoder_hidden_states_mask"})
# optional inputs given only when the model raises without them
EXTRAS = ("class_labels", "guidance")


@dataclass(frozen=True)
class Layout:
    """How the main input is laid out: its shape from (channels, frames, side)."""
    name: str
    frames: int
    side: int

    def shape(self, channels: int) -> Tuple[int, ...]:
        f, s = self.frames, self.side
        return {"image": (BATCH, channels, s, s), "video": (BATCH, channels, f, s, s),
                "frames": (BATCH, f, channels, s, s), "tokens": (BATCH, f * s * s, channels),
                "vector": (BATCH, channels)}[self.name]


def layouts(config: Dict[str, Any]) -> List[Layout]:
    size = config.get("sample_size")
    side = size if isinstance(size, int) and 0 < size <= SAMPLE * 2 else SAMPLE
    return [Layout("image", 1, side), Layout("video", 5, side), Layout("frames", 2, side),
            Layout("video", 2, side), Layout("frames", 5, side), Layout("tokens", 1, TOKENS_SIDE),
            Layout("tokens", 2, TOKENS_SIDE), Layout("vector", 1, 1)]


def _int(config, *names, default=None):
    for name in names:
        value = config.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return default


@dataclass
class Plan:
    """One candidate: the layout and the choices the names leave open."""
    layout: Layout
    text_len: int
    int_timestep: bool
    cond_scale: int  # ControlNet conditioning image: side x cond_scale (0: same shape as the main input)
    extras: Tuple[str, ...]


class Maker:
    """Values for each recognised input name, for one plan."""

    def __init__(self, config: Dict[str, Any], plan: Plan, seed: int):
        self.config, self.plan = config, plan
        self.rng = np.random.default_rng(seed)
        self.channels = _int(config, "in_channels", "embedding_dim", default=4)

    def normal(self, *shape) -> np.ndarray:
        return self.rng.standard_normal(shape).astype(np.float32)

    def main(self) -> np.ndarray:
        return self.normal(*self.plan.layout.shape(self.channels))

    def timestep(self):
        if self.plan.int_timestep:
            return self.rng.integers(1, 10, BATCH).astype(np.int64)
        return self.rng.uniform(0.2, 1.0, BATCH).astype(np.float32)

    def encoder_hidden_states(self):
        width = next((self.config[n] for n in TEXT_WIDTH if _int(self.config, n)), 32)
        return self.normal(BATCH, self.plan.text_len, width)

    def pooled_projections(self):
        return self.normal(BATCH, _int(self.config, "pooled_projection_dim", default=32))

    def text_mask(self):
        return np.ones((BATCH, self.plan.text_len), np.int64)

    def img_ids(self):
        layout = self.plan.layout
        f, s = layout.frames if layout.name == "tokens" else 1, layout.side
        grid = np.stack(np.meshgrid(np.arange(f), np.arange(s), np.arange(s), indexing="ij"), -1).reshape(-1, 3)
        return grid.astype(np.float32)

    def txt_ids(self):
        return np.zeros((self.plan.text_len, 3), np.float32)

    def grid(self, name):
        layout = self.plan.layout
        return {"num_frames": layout.frames, "height": layout.side, "width": layout.side}[name]

    def img_shapes(self):
        layout = self.plan.layout
        return [(layout.frames, layout.side, layout.side)] * BATCH

    def controlnet_cond(self):
        if not self.plan.cond_scale:
            return self.main()
        side = self.plan.layout.side * self.plan.cond_scale
        return self.normal(BATCH, _int(self.config, "conditioning_channels", default=3), side, side)

    def class_labels(self):
        return self.rng.integers(0, 2, BATCH).astype(np.int64)

    def uniform(self, *shape):
        return self.rng.uniform(0.2, 1.0, shape).astype(np.float32)

    def make(self, name: str):
        makers: Dict[str, Callable[[], Any]] = {
            "timestep": self.timestep, "timesteps": self.timestep,
            "encoder_hidden_states": self.encoder_hidden_states, "pooled_projections": self.pooled_projections,
            "encoder_attention_mask": self.text_mask, "encoder_hidden_states_mask": self.text_mask,
            "img_ids": self.img_ids, "txt_ids": self.txt_ids, "img_shapes": self.img_shapes,
            "txt_seq_lens": lambda: [self.plan.text_len] * BATCH,
            "num_frames": lambda: self.grid("num_frames"), "height": lambda: self.grid("height"),
            "width": lambda: self.grid("width"),
            "added_time_ids": lambda: self.uniform(BATCH, 3),
            "proj_embedding": lambda: self.normal(BATCH, _int(self.config, "embedding_dim", default=32)),
            "original_size": lambda: self.uniform(BATCH, 2), "target_size": lambda: self.uniform(BATCH, 2),
            "crop_coords": lambda: self.uniform(BATCH, 2),
            "controlnet_cond": self.controlnet_cond, "class_labels": self.class_labels,
            "guidance": lambda: self.uniform(BATCH),
        }
        maker = makers.get(name)
        return None if maker is None else maker()


def forward_params(model_class) -> List[inspect.Parameter]:
    try:
        params = list(inspect.signature(model_class.forward).parameters.values())
    except (TypeError, ValueError) as exc:
        raise VerifyError(f"{model_class.__name__}: cannot read forward's signature: {exc}") from None
    return [p for p in params[1:] if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _plans(config: Dict[str, Any], params: List[inspect.Parameter]) -> Iterator[Plan]:
    names = {p.name for p in params}
    seq_fields = sorted({v for n, v in config.items() if ("seq" in n or n == "num_embeddings") and "max" not in n
                         and isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 512} - {TEXT_SEQ})
    text_lens = [TEXT_SEQ, *seq_fields] if names & {"encoder_hidden_states", "txt_ids"} else [TEXT_SEQ]
    scales = [0, 2, 4, 8] if "controlnet_cond" in names else [0]
    extras = [e for e in EXTRAS if e in names]
    extra_sets = [tuple(extras[:i]) for i in range(len(extras) + 1)]
    for layout, text_len, int_t, scale, more in itertools.product(
            layouts(config), text_lens, (False, True), scales, extra_sets):
        yield Plan(layout, text_len, int_t, scale, more)


def build_inputs(model_class, config: Dict[str, Any], plan: Plan, seed: int) -> Dict[str, Any]:
    maker = Maker(config, plan, seed)
    params = forward_params(model_class)
    inputs: Dict[str, Any] = {params[0].name: maker.main()}
    for param in params[1:]:
        wanted = param.default is param.empty or param.name in ALWAYS or param.name in plan.extras
        if not wanted:
            continue
        value = maker.make(param.name)
        if value is None and param.default is param.empty:
            raise VerifyError(f"{model_class.__name__}.forward: no default for its input {param.name!r}")
        if value is not None:
            inputs[param.name] = value
    if "return_dict" in {p.name for p in params}:
        inputs["return_dict"] = False  # plain tuples from both sides
    return inputs


def find_inputs(model, config: Dict[str, Any], seed: int = 0) -> Tuple[Dict[str, Any], str]:
    """(inputs the torch model runs on, a line describing the choice); VerifyError if none does."""
    import torch

    params = forward_params(type(model))
    first_error = None
    for tries, plan in enumerate(_plans(config, params)):
        if tries >= MAX_TRIES:
            break
        inputs = build_inputs(type(model), config, plan, seed)
        try:
            with torch.no_grad():
                out = model(**to_torch(inputs))
        except Exception as exc:  # noqa: BLE001  (a wrong guess: try the next)
            first_error = first_error or first_line(exc)
            continue
        if _finite(out):
            return inputs, _describe(plan, inputs)
    raise VerifyError(f"no inputs found that {type(model).__name__} runs on (first error: {first_error})")


def _describe(plan: Plan, inputs: Dict[str, Any]) -> str:
    """The choices the torch model settled, as far as the inputs use them."""
    parts = [f"{plan.layout.name} layout"]
    if {"encoder_hidden_states", "txt_ids"} & set(inputs):
        parts.append(f"text length {plan.text_len}")
    if {"timestep", "timesteps"} & set(inputs):
        parts.append(f"{'integer' if plan.int_timestep else 'float'} timesteps")
    if plan.cond_scale and "controlnet_cond" in inputs:
        parts.append(f"conditioning image {plan.cond_scale}x the sample")
    if plan.extras:
        parts.append(f"extra inputs {', '.join(plan.extras)}")
    return ", ".join(parts)


def _finite(out) -> bool:
    import torch

    if isinstance(out, (tuple, list)):
        return all(_finite(item) for item in out)
    return not isinstance(out, torch.Tensor) or bool(torch.isfinite(out).all())


def to_torch(inputs: Dict[str, Any]) -> Dict[str, Any]:
    import torch

    return {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in inputs.items()}
