"""The shared library-port rules (profiles/_common), each shown on diffusers files."""
from __future__ import annotations

from torch2ms.profiles._common import compat, imports, signatures
from torch2ms.rules.base import change, keep

MODEL = "diffusers/models/autoencoders/autoencoder_foo.py"  # as inside an installed diffusers


class DiffusersImports(imports.PortImports):
    EXAMPLES = (
        change(
            """
            import torch
            from torch import nn

            from ...configuration_utils import ConfigMixin, register_to_config
            from ...utils import USE_PEFT_BACKEND, logging, scale_lora_layers
            from ...utils.accelerate_utils import apply_forward_hook
            from ...utils.torch_utils import maybe_allow_in_graph
            from ..modeling_utils import ModelMixin
            from .vae import Decoder

            logger = logging.get_logger(__name__)


            @maybe_allow_in_graph
            class FooModel(ModelMixin, ConfigMixin):
                @register_to_config
                def __init__(self, dim: int = 4):
                    super().__init__()
                    self.proj = nn.Linear(dim, dim)
                    self.decoder = Decoder(dim)

                @apply_forward_hook
                def encode(self, x):
                    return self.proj(x)

                def forward(self, x, scale=1.0):
                    if USE_PEFT_BACKEND:
                        scale_lora_layers(self, scale)
                    return self.decoder(self.encode(x))
            """,
            """
            from mindspore import mint

            from mindone.diffusers.configuration_utils import ConfigMixin, register_to_config
            from mindone.diffusers.utils import logging, scale_lora_layers
            from mindone.diffusers.models.modeling_utils import ModelMixin
            from .vae import Decoder

            logger = logging.get_logger(__name__)


            class FooModel(ModelMixin, ConfigMixin):
                @register_to_config
                def __init__(self, dim: int = 4):
                    super().__init__()
                    self.proj = mint.nn.Linear(dim, dim)
                    self.decoder = Decoder(dim)

                def encode(self, x):
                    return self.proj(x)

                def construct(self, x, scale=1.0):
                    return self.decoder(self.encode(x))
            """,
            path=MODEL,
            note="infrastructure from mindone (ModelMixin makes a Cell), decorators mindone's ports drop go, "
                 "USE_PEFT_BACKEND is False without torch (its branch folds away), the sibling .vae stays",
        ),
        keep(
            """
            import torch

            from .utils import helper


            def run(x):
                return helper(torch.ones(2))
            """,
            """
            from mindspore import mint

            from .utils import helper


            def run(x):
                return helper(mint.ones(2))
            """,
            path="project/model.py",
            note="a project's own `.utils` is not diffusers'",
        ),
    )


class DiffusersSignatures(signatures.PortSignatures):
    EXAMPLES = (
        change(
            """
            import torch

            from ..embeddings import get_2d_sincos_pos_embed


            def positions(dim, size, device):
                return get_2d_sincos_pos_embed(dim, size, output_type="pt", device=device) + torch.zeros(1)
            """,
            """
            from mindspore import mint

            from mindone.diffusers.models.embeddings import get_2d_sincos_pos_embed


            def positions(dim, size, device):
                return get_2d_sincos_pos_embed(dim, size, output_type="pt") + mint.zeros(1)
            """,
            path=MODEL,
            note="mindone's get_2d_sincos_pos_embed has no device parameter",
        ),
        keep(
            """
            import torch


            def get_2d_sincos_pos_embed(dim, size, output_type="np", device=None):
                return torch.zeros(dim)


            pos = get_2d_sincos_pos_embed(4, 2, device="cpu")
            """,
            """
            from mindspore import mint


            def get_2d_sincos_pos_embed(dim, size, output_type="np", device=None):
                return mint.zeros(dim)


            pos = get_2d_sincos_pos_embed(4, 2, device="cpu")
            """,
            path=MODEL,
            note="the file's own function of that name keeps its signature",
        ),
    )


class DiffusersCompat(compat.PortCompat):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn.functional as F
            from torch import nn

            from ..modeling_utils import ModelMixin


            class SelfAttention(ModelMixin):
                def __init__(self, dim=8, heads=2):
                    super().__init__()
                    self.heads = heads
                    self.norm = torch.nn.RMSNorm(dim // heads, eps=1e-6)
                    self.to_qkv = nn.Linear(dim, 3 * dim)

                def forward(self, x):
                    q, k, v = self.to_qkv(x).chunk(3, dim=-1)
                    q, k, v = (t.unflatten(-1, (self.heads, -1)).transpose(1, 2) for t in (q, k, v))
                    out = F.scaled_dot_product_attention(self.norm(q), self.norm(k), v)
                    return out.transpose(1, 2).flatten(2)
            """,
            """
            from mindspore import mint
            from mindone.diffusers.models.layers_compat import RMSNorm, math_attention_op, unflatten

            from mindone.diffusers.models.modeling_utils import ModelMixin


            class SelfAttention(ModelMixin):
                def __init__(self, dim=8, heads=2):
                    super().__init__()
                    self.heads = heads
                    self.norm = RMSNorm(dim // heads, eps=1e-6)
                    self.to_qkv = mint.nn.Linear(dim, 3 * dim)

                def construct(self, x):
                    q, k, v = self.to_qkv(x).chunk(3, dim=-1)
                    q, k, v = (unflatten(t, -1, (self.heads, -1)).transpose(1, 2) for t in (q, k, v))
                    out = math_attention_op(self.norm(q), self.norm(k), v)
                    return out.transpose(1, 2).flatten(2)
            """,
            path="diffusers/models/transformers/transformer_foo.py",
            note="torch APIs MindSpore lacks reach mindone.diffusers' own (models/layers_compat.py; for attention "
                 "its float32-faithful one, data/compat_overrides.json)",
        ),
        change(
            """
            import torch
            from diffusers.models.modeling_utils import ModelMixin


            class Norm(ModelMixin):
                def __init__(self, heads=3):
                    super().__init__()
                    self.heads = heads
                    self.norm = torch.nn.RMSNorm(4, eps=1e-6)

                def forward(self, x):
                    return self.norm(x.unflatten(-1, (self.heads, -1)))


            out = Norm()(torch.arange(24.0).reshape(2, 12))
            """,
            """
            from mindspore import mint
            from mindone.diffusers.models.layers_compat import RMSNorm, unflatten
            from mindone.diffusers.models.modeling_utils import ModelMixin


            class Norm(ModelMixin):
                def __init__(self, heads=3):
                    super().__init__()
                    self.heads = heads
                    self.norm = RMSNorm(4, eps=1e-6)

                def construct(self, x):
                    return self.norm(unflatten(x, -1, (self.heads, -1)))


            out = Norm().set_train(True)(mint.arange(24.0).reshape(2, 12))
            """,
            run=("out",),
            path="project/norm.py",
            note="a project's model on diffusers' ModelMixin: the profile is on, and runs as torch's does",
        ),
        keep(
            """
            import torch


            def chunked(x):
                return x.unflatten(-1, (2, -1)), torch.nn.functional.silu(x)
            """,
            """
            from mindspore import mint


            def chunked(x):
                return x.unflatten(-1, (2, -1)), mint.nn.functional.silu(x)  # torch2ms: torch.Tensor.unflatten is not in the tables (hint: MindSpore's Tensor has no unflatten, nor torch.unflatten)
            """,
            path="project/model.py",
            note="outside a diffusers file mindone's stand-ins are not reached for: the core rules flag it",
        ),
    )
