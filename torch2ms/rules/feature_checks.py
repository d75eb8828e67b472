"""Checks for a torch feature are answered: `hasattr(F, "scaled_dot_product_attention")` is True.

Code written for several torch versions asks whether the torch it runs on has an API
(`hasattr(torch.nn.functional, "scaled_dot_product_attention")`, `hasattr(torch, "compile")`).
Once converted it runs on MindSpore, and every use of that API has been converted to its
MindSpore counterpart or flagged where it is used, so the question is the one the code was
written to ask of a torch that has the API: True. The condition then folds like the device
rule's questions (`if not hasattr(F, ...): raise ImportError(...)` goes), and the file no
longer needs torch for it. Only names the torch inventory knows are answered; a name torch
lacks (or a receiver that is not a torch module, or a device module: `torch.cuda`) is left
as written.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import in_place_of
from torch2ms.knowledge import inventory
from torch2ms.rules.base import Rule, change, keep


# asked of the accelerator, not of torch: the device rule answers these (rules do not import each other)
DEVICE_ONLY_MODULES = ("torch.cuda.", "torch.backends.", "torch.mps.", "torch.xpu.", "torch.npu.")


class FeatureChecks(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn.functional as F


            class Scaled:
                def __init__(self):
                    if not hasattr(F, "scaled_dot_product_attention"):
                        raise ImportError("needs PyTorch 2.0")
                    self.fused = hasattr(torch, "compile")

                def __call__(self, x):
                    return F.softmax(x, dim=-1)


            scaled = Scaled()
            out = scaled(torch.arange(6.0).reshape(2, 3))
            fused = scaled.fused
            """,
            """
            from mindspore import mint


            class Scaled:
                def __init__(self):
                    self.fused = True

                def __call__(self, x):
                    return mint.nn.functional.softmax(x, dim=-1)


            scaled = Scaled()
            out = scaled(mint.arange(6.0).reshape(2, 3))
            fused = scaled.fused
            """,
            run=("out", "fused"),
            note="the torch the code was written for has these APIs; their uses are converted or flagged",
        ),
        keep(
            """
            import torch


            def has(module, name):
                return hasattr(module, name) or hasattr(torch, "no_such_api")
            """,
            """
            import torch


            def has(module, name):
                return hasattr(module, name) or hasattr(torch, "no_such_api")  # torch2ms: torch needs a manual rewrite (hint: a torch module used as a value)
            """,
            note="a receiver that is not a torch module, or a name torch lacks, is left as written",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if not (isinstance(original.func, cst.Name) and original.func.value == "hasattr"
                and ctx.lookup("hasattr") is None and len(original.args) == 2
                and not any(a.star or a.keyword for a in original.args)):
            return updated
        receiver, name = original.args[0].value, original.args[1].value
        module = ctx.qualname(receiver)
        if module is None or inventory.torch_kind(module) != "module" or not isinstance(name, cst.SimpleString):
            return updated
        if (module + ".").startswith(DEVICE_ONLY_MODULES):  # `hasattr(torch.cuda, ...)`: the device rule's
            return updated
        if inventory.torch_kind(f"{module}.{name.evaluated_value}") is None:
            return updated
        ctx.discard(updated)
        return in_place_of(updated, ctx.literal(True))
