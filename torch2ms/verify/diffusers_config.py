"""A small configuration for any diffusers model, found from its constructor's defaults.

A diffusers model's config is its `__init__`'s keyword arguments (`@register_to_config`).
Their defaults are shrunk by parameter *name*, never by model:

    layers       num_layers -> 2; num_single_layers, num_refiner_layers, ... -> 1;
                 layers_per_block, num_res_blocks, transformer_layers_per_block (ints or lists) -> 1
    heads        num_attention_heads, num_cross_attention_heads -> 2; num_kv_heads -> 1
    head dim     attention_head_dim, cross_attention_head_dim -> 8, or the smallest width that still
                 splits a rope list (axes_dims_rope = (16, 56, 56) sums to the head dim) into even parts
    widths       hidden_size -> heads x head dim; a field whose default *is* heads x head dim
                 (PixArt's cross_attention_dim, SD3's caption_projection_dim) follows it
    text dims    joint_attention_dim, pooled_projection_dim, caption_channels, text_dim, ... -> 32
    per block    lists as long as the block list (block_out_channels, down_block_types, ...) keep their
                 first two entries (one longer: and the mid block's, last; one shorter: the first gap);
                 channel lists then scale so the first is 32 (norm groups of 32 still divide them)
    sizes        sample_size (and sample_height/width) -> 16, sample_frames -> 5, patch_size -> 2,
                 max_text_seq_length -> 8; a channel count left None (in_channels) -> 32
"""
from __future__ import annotations

import inspect
import math
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

from torch2ms.verify.errors import VerifyError

WIDTH = 32  # first block's channels, text widths
HEAD_DIM = 8
HEADS = 2
TEXT_SEQ = 8
SAMPLE = 16
KEEP_BLOCKS = 2

_MAIN_LAYERS = re.compile(r"^num_layers$")
_OTHER_LAYERS = re.compile(r"^num_\w+_layers$")
_BLOCK_LAYERS = re.compile(r"^((encoder|decoder)_)?layers_per_block$|^num_res_blocks$|^transformer_layers_per_block$"
                           r"|^num_(encoder|decoder)_blocks$")
_HEADS = re.compile(r"^num_(attention|cross_attention)_heads$|^num_heads$")
_KV_HEADS = re.compile(r"^num_(kv|key_value)_heads$")
_HEAD_DIM = re.compile(r"^(attention_head_dim|cross_attention_head_dim)$")
_TEXT = re.compile(r"^(joint_attention_dim|pooled_projection_dim|caption_channels|text_embed_dim|text_dim|cap_feat_dim"
                   r"|ffn_dim)$")
_ROPE = re.compile(r"^(axes_dims?_rope|rope_axes_dims?)$")
_BLOCK_LIST = re.compile(r"^((encoder|decoder)_)?block_out_channels$|^channels$|^dim_mult$")
_CHANNELS = re.compile(r"(^|_)channels$|^base_dim$")
_SIZES = {"sample_size": SAMPLE, "sample_height": SAMPLE, "sample_width": SAMPLE, "sample_frames": 5,
          "patch_size": 2, "max_text_seq_length": TEXT_SEQ}


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _int_list(value) -> bool:
    return isinstance(value, (list, tuple)) and bool(value) and all(_is_int(v) for v in value)


def defaults(model_class) -> Dict[str, Any]:
    """The constructor's keyword defaults (what `register_to_config` records)."""
    try:
        params = inspect.signature(model_class.__init__).parameters
    except (TypeError, ValueError) as exc:
        raise VerifyError(f"{model_class.__name__}: cannot read its constructor: {exc}") from None
    return {n: p.default for n, p in params.items()
            if n != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.default is not p.empty}


def _head_dim(old: Optional[int], rope: Optional[Sequence[int]]) -> int:
    """HEAD_DIM, or the smallest width >= HEAD_DIM splitting `rope` (which sums to `old`) into even parts."""
    if not old or not rope or sum(rope) != old:
        return HEAD_DIM
    step = old * 2 // math.gcd(*rope)  # scaling each part by k*2/gcd keeps it an even integer
    return step * max(1, -(-HEAD_DIM // step)) if old * 2 % math.gcd(*rope) == 0 else HEAD_DIM


def _keep(length: int, blocks: int) -> Optional[Tuple[int, ...]]:
    """Which entries of a per-block list stay when `blocks` blocks become their first two (adjacent
    blocks are made to fit each other: channel ratios, up/down pairs)."""
    if blocks <= KEEP_BLOCKS:
        return None
    if length == blocks:
        return tuple(range(KEEP_BLOCKS))
    if length == blocks + 1:  # one entry per block and one for the mid block, last
        return tuple(range(KEEP_BLOCKS)) + (blocks,)
    if length == blocks - 1:  # one entry per gap between blocks
        return tuple(range(KEEP_BLOCKS - 1))
    return None


def tiny_kwargs(model_class) -> Tuple[Dict[str, Any], Dict[str, Any]]:
    """(every constructor keyword with its tiny value, the ones changed from the defaults)."""
    base = defaults(model_class)
    out: Dict[str, Any] = {}
    rope_name = next((n for n in base if _ROPE.match(n) and _int_list(base[n])), None)
    rope = base.get(rope_name) if rope_name else None
    heads_old = next((base[n] for n in base if _HEADS.match(n) and _is_int(base[n])), None)
    head_dim_old = base.get("attention_head_dim") if _is_int(base.get("attention_head_dim")) else None
    if head_dim_old is None and _is_int(base.get("hidden_size")) and heads_old:
        head_dim_old = base["hidden_size"] // heads_old  # the head dim is implied
    head_dim = _head_dim(head_dim_old, rope)
    if rope and head_dim_old and sum(rope) == head_dim_old:
        out[rope_name] = type(rope)(v * head_dim // head_dim_old for v in rope)

    for name, value in base.items():
        if _MAIN_LAYERS.match(name) and _is_int(value) and value > 2:
            out[name] = 2
        elif (_OTHER_LAYERS.match(name) and _is_int(value) and value > 1) or _BLOCK_LAYERS.match(name):
            if _is_int(value) and value > 1:
                out[name] = 1
            elif _int_list(value) and any(v > 1 for v in value):
                out[name] = type(value)(min(v, 1) for v in value)
        elif _HEADS.match(name) and (_is_int(value) and value > HEADS or _int_list(value)):
            out[name] = HEADS if _is_int(value) else type(value)(min(v, HEADS) for v in value)
        elif _KV_HEADS.match(name) and _is_int(value) and value > 1:
            out[name] = 1
        elif _HEAD_DIM.match(name) and (_is_int(value) or _int_list(value)):
            if _is_int(value) and value > head_dim:
                out[name] = head_dim
            elif _int_list(value):
                out[name] = type(value)(min(v, head_dim) for v in value)
        elif _TEXT.match(name) and _is_int(value) and value > WIDTH:
            out[name] = WIDTH
        elif name in _SIZES and _is_int(value) and value > _SIZES[name]:
            out[name] = _SIZES[name]
        elif name == "base_dim" and _is_int(value) and value > WIDTH:
            out[name] = WIDTH
        elif _CHANNELS.search(name) and value is None and name in ("in_channels",):
            out[name] = WIDTH
    heads = {n: out.get(n, base[n]) for n in base if _HEADS.match(n)}
    if _is_int(base.get("hidden_size")) and heads_old:
        out["hidden_size"] = HEADS * head_dim
    _follow_products(base, out)
    _per_block(base, out)
    changed = {n: v for n, v in out.items() if base.get(n) != v}
    return {**base, **out}, changed


def _follow_products(base: Dict[str, Any], out: Dict[str, Any]) -> None:
    """A field whose default equals heads x head dim (of some pair of fields) stays equal to it."""
    pairs = [(h, d) for h in base if _HEADS.match(h) and _is_int(base[h])
             for d in base if _HEAD_DIM.match(d) and _is_int(base[d])]
    for name, value in base.items():
        if name in out or not _is_int(value) or _HEADS.match(name) or _HEAD_DIM.match(name):
            continue
        for h, d in pairs:
            if value == base[h] * base[d] and value > 1:
                out[name] = out.get(h, base[h]) * out.get(d, base[d])
                break


def _per_block(base: Dict[str, Any], out: Dict[str, Any]) -> None:
    """Keep the first two blocks of every per-block list; scale the channel lists down."""
    current = {**base, **out}
    lengths = [len(current[n]) for n in current if _BLOCK_LIST.match(n) and isinstance(current[n], (list, tuple))]
    blocks = max(lengths) if lengths else 0
    for name, value in current.items():
        if not isinstance(value, (list, tuple)) or isinstance(value, str):
            continue
        keep = _keep(len(value), blocks)
        if keep is not None:
            value = type(value)(value[i] for i in keep)
        if (_BLOCK_LIST.match(name) or _CHANNELS.search(name)) and _int_list(value) and name != "dim_mult":
            value = _scaled(value)
        if value != current[name]:
            out[name] = value


def _scaled(channels: Sequence[int]) -> List[int]:
    """Channel widths scaled down so the first is WIDTH (multiples of 8; never scaled up)."""
    factor = min(1.0, WIDTH / channels[0]) if channels[0] else 1.0
    return type(channels)(max(8, int(round(c * factor / 8)) * 8) if c * factor >= 8 else c for c in channels)
