"""The transformers profile's PortSignatures: the shared rule (profiles/_common/signatures.py),
shown on transformers' own functions."""
from __future__ import annotations

from torch2ms.profiles._common import signatures as common
from torch2ms.rules.base import change, keep

MODEL = "transformers/models/llama/modeling_llama.py"


class PortSignatures(common.PortSignatures):
    EXAMPLES = (
        change(
            """
            import torch
            from torch import nn

            from ...modeling_rope_utils import ROPE_INIT_FUNCTIONS
            from ...modeling_utils import PreTrainedModel


            class Rotary(nn.Module):
                def __init__(self, config, device=None):
                    super().__init__()
                    self.rope_init_fn = ROPE_INIT_FUNCTIONS["default"]
                    inv_freq, self.scaling = self.rope_init_fn(config, device)
            """,
            """
            from mindspore import nn

            from mindone.transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS
            from mindone.transformers.modeling_utils import PreTrainedModel


            class Rotary(nn.Cell):
                def __init__(self, config, device=None):
                    super().__init__()
                    self.rope_init_fn = ROPE_INIT_FUNCTIONS["default"]
                    inv_freq, self.scaling = self.rope_init_fn(config)
            """,
            path=MODEL,
        ),
        keep(
            """
            import torch

            def rope_init_fn(config, device):
                return torch.ones(2)

            inv_freq = rope_init_fn(None, "cpu")
            """,
            """
            from mindspore import mint

            def rope_init_fn(config, device):
                return mint.ones(2)

            inv_freq = rope_init_fn(None, "cpu")
            """,
            path=MODEL,
            note="the file's own function of that name keeps its signature",
        ),
    )
