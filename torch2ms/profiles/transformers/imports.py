"""The transformers profile's PortImports: the shared rule (profiles/_common/imports.py), shown on
transformers' own imports."""
from __future__ import annotations

from torch2ms.profiles._common import imports as common
from torch2ms.rules.base import change, keep

MODEL = "transformers/models/bert/modeling_bert.py"


class PortImports(common.PortImports):
    EXAMPLES = (
        change(
            """
            import torch

            from ...modeling_utils import PreTrainedModel
            from ...pytorch_utils import Conv1D
            from ...utils import auto_docstring, logging, torch_int
            from .configuration_bert import BertConfig


            @auto_docstring
            class BertThing(PreTrainedModel):
                config_class = BertConfig

                def forward(self, x):
                    return torch_int(x.shape[0]) + Conv1D(2, 3)(x) + torch.ones(1)
            """,
            """
            from mindspore import mint

            from mindone.transformers.modeling_utils import PreTrainedModel
            from mindone.transformers.mindspore_utils import Conv1D
            from transformers.utils import logging
            from mindone.transformers.utils import mindspore_int
            from transformers.models.bert.configuration_bert import BertConfig


            class BertThing(PreTrainedModel):
                config_class = BertConfig

                def construct(self, x):
                    return mindspore_int(x.shape[0]) + Conv1D(2, 3)(x) + mint.ones(1)
            """,
            path=MODEL,
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
            note="a project's own `.utils` is not transformers'",
        ),
    )
