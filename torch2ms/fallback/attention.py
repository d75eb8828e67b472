"""A stand-in for MindSpore's fused attention primitive, FlashAttentionScore, which is Ascend-only.

mindone's attention (its dispatch, its Attention processors, layers_compat's
scaled_dot_product_attention) calls
`ops.operations.nn_ops.FlashAttentionScore(head_num, ..., input_layout=...)(q, k, v, ...)`,
whose kernel MindSpore's CPU build lacks. The stand-in computes the same attention from CPU
kernels, in float32 whatever the inputs' dtype: softmax(q @ k^T * scale_value + real_shift,
masked where attn_mask is True) @ v, in the BNSD, BSND, BSH and SBH layouts, with fewer
key/value heads than query heads (grouped queries) as FlashAttentionScore allows. It returns
FlashAttentionScore's four outputs: softmax_max and softmax_sum (per query row, repeated 8
times as the primitive lays them out), an empty softmax_out, and the attention output in the
query's dtype and layout.
"""
from __future__ import annotations

import mindspore as ms
from mindspore import mint, ops

from torch2ms.fallback.registry import stand_in

_PROBE = ("q = t(1, 2, 4, 8).astype(ms.float16); "
          "force(ops.operations.nn_ops.FlashAttentionScore(2, input_layout='BNSD')(q, q, q, None, None, None, None)[3])")


class _Attention:
    def __init__(self, head_num, keep_prob=1.0, scale_value=1.0, input_layout="BSH"):
        if input_layout not in ("BNSD", "BSND", "BSH", "SBH"):
            raise NotImplementedError(f"FlashAttentionScore stand-in: input_layout {input_layout!r}")
        self.head_num, self.keep_prob, self.scale, self.layout = head_num, keep_prob, scale_value, input_layout

    def _to_bnsd(self, x, head_dim):
        if self.layout == "BNSD":
            return x
        if self.layout == "BSND":
            return x.swapaxes(1, 2)
        if self.layout == "SBH":
            x = x.swapaxes(0, 1)
        batch, seq, hidden = x.shape
        return x.reshape(batch, seq, hidden // head_dim, head_dim).swapaxes(1, 2)

    def _from_bnsd(self, x):
        if self.layout == "BNSD":
            return x
        if self.layout == "BSND":
            return x.swapaxes(1, 2)
        batch, heads, seq, dim = x.shape
        x = x.swapaxes(1, 2).reshape(batch, seq, heads * dim)
        return x.swapaxes(0, 1) if self.layout == "SBH" else x

    def __call__(self, query, key, value, real_shift=None, drop_mask=None, padding_mask=None, attn_mask=None,
                 prefix=None, actual_seq_qlen=None, actual_seq_kvlen=None):
        head_dim = query.shape[-1] if self.layout in ("BNSD", "BSND") else query.shape[-1] // self.head_num
        q, k, v = (self._to_bnsd(x, head_dim).astype(ms.float32) for x in (query, key, value))
        if k.shape[1] != q.shape[1]:  # grouped queries: each key/value head serves several query heads
            k, v = (mint.repeat_interleave(x, q.shape[1] // x.shape[1], 1) for x in (k, v))
        scores = ops.matmul(q, k.swapaxes(-1, -2)) * self.scale
        if real_shift is not None:
            scores = scores + real_shift.astype(ms.float32)
        if attn_mask is not None:  # True (or 1) marks a position to leave out
            scores = ops.masked_fill(scores, attn_mask.astype(ms.bool_), ms.Tensor(float("-inf"), ms.float32))
        row_max = scores.max(axis=-1, keepdims=True)
        weights = ops.exp(scores - row_max)
        row_sum = weights.sum(axis=-1, keepdims=True)
        probs = weights / row_sum
        if self.keep_prob < 1.0:
            probs = ops.dropout(probs, p=1.0 - self.keep_prob)[0]
        out = self._from_bnsd(ops.matmul(probs, v)).astype(query.dtype)
        repeat = lambda x: ops.broadcast_to(x, x.shape[:-1] + (8,))  # noqa: E731  (the primitive's layout)
        return repeat(row_max), repeat(row_sum), ms.Tensor([], query.dtype), out


@stand_in("ops.operations.nn_ops.FlashAttentionScore", probe=_PROBE)
def flash_attention_score(head_num, keep_prob=1.0, scale_value=1.0, pre_tokens=2147483647, next_tokens=2147483647,
                          inner_precise=0, input_layout="BSH", sparse_mode=0):
    """FlashAttentionScore(...)'s constructor: an object called like the primitive (sparse_mode 0 only)."""
    if sparse_mode != 0:
        raise NotImplementedError(f"FlashAttentionScore stand-in: sparse_mode {sparse_mode}")
    return _Attention(head_num, keep_prob, scale_value, input_layout)
