"""A transformer library in the style of timm and x-transformers (einops, factory keywords, jit.Final)."""
from .vit import TinyViT
