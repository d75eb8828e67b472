"""Hugging Face models for verify: a tiny config found generically, and the model's main input.

The config class's defaults are shrunk by field *name* (num_hidden_layers,
hidden_size / n_embd / d_model, num_attention_heads / n_head, intermediate_size /
n_inner / d_ff, vocab_size, image_size, patch_size, head_dim / d_kv, ...), in
nested sub-configs (text_config, vision_config, audio_config, ...) too, so any
architecture gets the same small shape without a table per model.
"""
from __future__ import annotations

import copy
import inspect
import re
from typing import Any, Dict, Optional, Tuple

import numpy as np

from torch2ms.verify.errors import VerifyError, raised_at

TINY = {"layers": 2, "hidden": 32, "heads": 4, "kv_heads": 2, "intermediate": 37, "vocab": 99, "image": 30,
        "patch": 2, "depths": 1, "window": 2}

# (pattern on the field name, key in TINY); the first match wins. Only ints above the target shrink.
_RULES = [
    (r"^(num_hidden_layers|num_layers|n_layers?|(encoder|decoder)_layers|num_(encoder|decoder)_layers)$", "layers"),
    (r"^num_key_value_heads$", "kv_heads"),
    (r"^(num_attention_heads|n_heads?|num_heads|(encoder|decoder)_attention_heads)$", "heads"),
    (r"^(hidden_size|n_embd|d_model|embed_dim|embedding_size|projection_dim)$", "hidden"),
    (r"^(intermediate_size|n_inner|ffn_dim|(encoder|decoder)_ffn_dim|d_ff)$", "intermediate"),
    (r"(^|_)vocab_size$", "vocab"),
    (r"^image_size$", "image"),
    (r"^patch_size$", "patch"),
    (r"^depths$", "depths"),  # blocks per stage (Swin-style): a list
    (r"^window_size$", "window"),  # attention windows that tile the small feature maps
]
_HEAD_DIM = re.compile(r"^(head_dim|d_kv|attention_head_size|rotary_dim)$")  # per-head widths follow hidden / heads
_TOKEN_ID = re.compile(r"_token_id$")


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_config(value) -> bool:
    return hasattr(value, "to_dict") and hasattr(value, "model_type")


def _power_of_two_at_most(value: int) -> int:
    return 1 << (max(value, 1).bit_length() - 1)


def _shrunk_list(key: str, value, small: int):
    """Per-stage lists: depths each at most `small`; head counts a power of two at most `small`
    (stage widths double from a power-of-two hidden size, so they divide every stage)."""
    if key == "heads":
        return type(value)(_power_of_two_at_most(min(v, small)) for v in value)
    return type(value)(min(v, small) for v in value)


def _constructor_params(config) -> frozenset:
    """The fields a config's constructor takes; the others it derives (Swin's hidden_size
    from embed_dim and depths), and overriding those would break its own arithmetic."""
    try:
        params = inspect.signature(type(config).__init__).parameters
    except (TypeError, ValueError):
        return frozenset()
    return frozenset(n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL))


def tiny_overrides(config) -> Dict[str, Any]:
    """Field -> small value for one (default) config instance; sub-configs as nested dicts."""
    fields = dict(vars(config))
    accepted = _constructor_params(config)
    out: Dict[str, Any] = {}
    for name, value in fields.items():
        if name.startswith("_"):
            continue
        if _is_config(value):
            sub = tiny_overrides(value)
            if sub:
                out[name] = sub
            continue
        if accepted and name not in accepted:
            continue
        for pattern, key in _RULES:
            if re.search(pattern, name):
                small = TINY[key]
                if _is_int(value) and value > small:
                    out[name] = small
                elif isinstance(value, (list, tuple)) and value and all(_is_int(v) for v in value):
                    shrunk = _shrunk_list(key, value, small)
                    if list(shrunk) != list(value):
                        out[name] = shrunk
                break
    vocab = out.get("vocab_size", fields.get("vocab_size"))
    heads = out.get("num_attention_heads", out.get("n_head", out.get("num_heads")))
    hidden = out.get("hidden_size", out.get("n_embd", out.get("d_model")))
    for name, value in fields.items():
        if _HEAD_DIM.search(name) and _is_int(value) and heads and hidden:
            out[name] = hidden // heads
        elif _TOKEN_ID.search(name) and _is_int(vocab):
            if _is_int(value) and value >= vocab:
                out[name] = vocab - 1
            elif isinstance(value, (list, tuple)) and any(_is_int(v) and v >= vocab for v in value):
                out[name] = [min(v, vocab - 1) for v in value]
    return out


def _apply(config, overrides: Dict[str, Any]) -> None:
    """Make sure each override holds (some constructors ignore or re-derive a field)."""
    for name, value in overrides.items():
        current = getattr(config, name, None)
        if isinstance(value, dict) and _is_config(current):
            _apply(current, value)
        elif not isinstance(value, dict) and current != value:
            setattr(config, name, value)


def _settle(config) -> None:
    """Outputs that compare cleanly: no cache objects, one attention path."""
    for cfg in [config] + [v for v in vars(config).values() if _is_config(v)]:
        if hasattr(cfg, "use_cache"):
            cfg.use_cache = False


def tiny_config(config_class) -> Tuple[Any, Dict[str, Any]]:
    """(a small instance of config_class, the overrides applied)."""
    default = config_class()
    overrides = tiny_overrides(default)
    try:
        config = config_class(**overrides)
    except Exception:  # a constructor that wants whole sub-config objects: shrink the default in place
        config = copy.deepcopy(default)
    _apply(config, overrides)
    _settle(config)
    return config, overrides


def config_class_of(model_class):
    cls = getattr(model_class, "config_class", None)
    if cls is None:
        raise VerifyError(f"{model_class.__name__} has no config_class: is it a transformers model?")
    return cls


def _field(config, name: str, default=None):
    """A field of the config or of its first sub-config that has it."""
    if getattr(config, name, None) is not None:
        return getattr(config, name)
    for value in vars(config).values():
        if _is_config(value) and getattr(value, name, None) is not None:
            return getattr(value, name)
    return default


def main_inputs(model_class, config, seed: int = 0, batch: int = 2, seq: int = 7,
                shape: Optional[Tuple[int, ...]] = None) -> Dict[str, np.ndarray]:
    """{main_input_name: array} (plus decoder_input_ids for encoder-decoder models, and both
    token ids and pixels for text-image models such as CLIP, whose forward needs the two)."""
    rng = np.random.default_rng(seed)
    name = getattr(model_class, "main_input_name", "input_ids")
    inputs = {name: _input(name, model_class, config, rng, batch, seq, shape)}
    try:
        accepted = inspect.signature(model_class.forward).parameters
    except (TypeError, ValueError):
        accepted = {}
    if shape is None and _field(config, "vision_config") is not None and {"input_ids", "pixel_values"} <= set(accepted):
        for other in ("input_ids", "pixel_values"):
            inputs.setdefault(other, _input(other, model_class, config, rng, batch, seq, None))
    if getattr(config, "is_encoder_decoder", False) and name != "decoder_input_ids":
        vocab = int(_field(config, "vocab_size", 99))
        inputs["decoder_input_ids"] = rng.integers(0, vocab, (batch, 5)).astype(np.int64)
    return inputs


def _input(name: str, model_class, config, rng, batch: int, seq: int, shape) -> np.ndarray:
    if name == "input_ids" or name.endswith("_ids"):
        vocab = int(_field(config, "vocab_size", 99))
        value = rng.integers(0, vocab, shape or (batch, seq)).astype(np.int64)
    elif name == "pixel_values":
        size = _field(config, "image_size", 30)
        size = tuple(size) if isinstance(size, (list, tuple)) else (size, size)
        value = rng.standard_normal(shape or (batch, int(_field(config, "num_channels", 3))) + size)
    elif name == "input_values":  # raw audio
        value = rng.standard_normal(shape or (batch, 1600))
    elif name == "input_features":  # log-mel frames; Whisper wants exactly 2 x max_source_positions
        frames = 2 * int(_field(config, "max_source_positions", 1500))
        value = rng.standard_normal(shape or (batch, int(_field(config, "num_mel_bins", 80)), frames))
    elif shape is not None:
        value = rng.standard_normal(shape)
    else:
        raise VerifyError(f"{model_class.__name__}: no default for main input {name!r}; give --input-shape")
    return value if value.dtype == np.int64 else value.astype(np.float32)


def build_torch(model_class, config):
    config = copy.deepcopy(config)
    try:
        config._attn_implementation = "eager"  # the plain reference path
    except Exception:  # noqa: BLE001  (older or unusual configs)
        pass
    model = model_class(config)
    model.eval()
    return model


def build_ms(model_class, config) -> Tuple[Any, Optional[str]]:
    """(the MindSpore model in inference mode, a note if its own weight init had to be skipped).

    Every weight is overwritten with torch's anyway; a port whose init code fails
    on this MindSpore version is rebuilt with init switched off (the module-level
    `_init_weights` flag transformers-style code keeps), then tied again.
    """
    import sys

    config = copy.deepcopy(config)
    try:
        model, note = model_class(config), None
    except Exception as exc:  # noqa: BLE001
        flags = [sys.modules[c.__module__] for c in model_class.__mro__
                 if getattr(sys.modules.get(c.__module__), "_init_weights", None) is True]
        if not flags:
            raise
        for module in flags:
            module._init_weights = False
        try:
            model = model_class(config)
        finally:
            for module in flags:
                module._init_weights = True
        if hasattr(model, "tie_weights"):
            model.tie_weights()
        note = (f"building {model_class.__name__} failed in its weight init ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:120]}){raised_at(exc, model_class)}; built without init "
                f"(all weights come from torch)")
    model.set_train(False)
    return model, note
