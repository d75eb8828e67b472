import torch
import torch.nn.functional as F

_HAS_FUSED_ATTN = hasattr(F, "scaled_dot_product_attention") and hasattr(torch, "no_such_feature")


def use_fused_attn() -> bool:
    return _HAS_FUSED_ATTN
