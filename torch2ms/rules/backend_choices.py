"""Choices of device, stream and kernel go: MindSpore places tensors through set_context and picks
its own kernels.

A `with` whose context manager only makes such a choice (`sdpa_kernel(...)`,
`torch.backends.cuda.sdp_kernel(...)`, `torch.backends.cudnn.flags(...)`, `torch.cuda.device(i)`,
`torch.device(d)`: knowledge/data/extra_mappings.json "backend_contexts") becomes its body; the
other context managers of the same `with` stay. A member of an enum naming torch's kernels
(`SDPBackend.FLASH_ATTENTION`, "backend_enums") is read as its name, a string: such values only
feed the kernel choices, which go, and as strings they stay distinct and printable.

`with torch.device("meta"):` is no placement (its tensors hold no data) and a context bound with
`as` may be used in the block: both stay, flagged.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import in_place_of, with_body
from torch2ms.convert.results import Reason
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep

_META_HINT = "tensors made under torch.device('meta') hold no data; MindSpore has no meta device " \
             "(build the layers normally, or with mindspore's no_init_parameters)"
_BOUND_HINT = "the context manager is bound with `as` and may be used in the block; MindSpore chooses " \
              "devices and kernels itself (set_context)"


class BackendChoices(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            from torch.nn.attention import SDPBackend, sdpa_kernel

            BACKENDS = [SDPBackend.FLASH_ATTENTION, SDPBackend.MATH]

            def attend(q, k):
                with sdpa_kernel(BACKENDS):  # pick the fastest
                    return torch.softmax(q @ k.transpose(-1, -2), dim=-1)

            with torch.backends.cuda.sdp_kernel(enable_flash=False, enable_math=True), torch.no_grad():
                out = attend(torch.ones(2, 3), torch.arange(6.0).reshape(2, 3))
            distinct = BACKENDS[0] != BACKENDS[1]
            """,
            """
            import mindspore
            from mindspore import mint

            BACKENDS = ["FLASH_ATTENTION", "MATH"]

            def attend(q, k):
                # pick the fastest
                return mint.softmax(q @ k.transpose(-1, -2), dim=-1)

            with mindspore._no_grad():
                out = attend(mint.ones((2, 3)), mint.arange(6.0).reshape(2, 3))
            distinct = BACKENDS[0] != BACKENDS[1]
            """,
            run=("out", "distinct"),
            note="kernel choices go: the block stays, the other context manager too; the enum's members "
                 "are their names",
        ),
        change(
            """
            import torch

            def make(device, stream=None):
                with torch.device(device):
                    x = torch.ones(3)
                with torch.cuda.stream(stream), torch.backends.cudnn.flags(enabled=False, benchmark=True):
                    y = x * 2
                return y

            out = make("cpu")
            """,
            """
            from mindspore import mint

            def make(device, stream=None):
                x = mint.ones(3)
                y = x * 2
                return y

            out = make("cpu")
            """,
            run=("out",),
            note="a default device, a stream and cuDNN's flags are placement choices",
        ),
        change(
            """
            import torch

            def on(index, x):
                side = torch.cuda.Stream()
                with torch.cuda.device(index), torch.cuda.stream(side):
                    return x * 2
            """,
            """

            def on(index, x):
                return x * 2
            """,
            note="the stream made for the block goes with it (nothing else reads it)",
        ),
        change(
            """
            import torch
            import torch.nn as nn

            def empty_model():
                with torch.device("meta"):
                    return nn.Linear(2, 2)
            """,
            """
            from mindspore import mint

            def empty_model():
                with None:  # torch2ms: torch.device needs a manual rewrite (hint: tensors made under torch.device('meta') hold no data; MindSpore has no meta device (build the layers normally, or with mindspore's no_init_parameters))
                    return mint.nn.Linear(2, 2)
            """,
            note="the meta device is no placement: flagged where it stands",
        ),
        keep(
            """
            import contextlib

            def guarded(x):
                with contextlib.suppress(ValueError):
                    x = int(x)
                return x
            """,
        ),
    )

    def leave_With(self, ctx: FileContext, original: cst.With, updated: cst.With):
        kept, dropped = [], []
        for old, new in zip(original.items, updated.items):
            (dropped if self._only_chooses(ctx, old, new) else kept).append(new)
        if not dropped:
            return updated
        for item in dropped:
            ctx.withdraw_flags_in(item)
            ctx.discard(item)
        if not kept:
            return with_body(updated)
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(items=kept)

    def _only_chooses(self, ctx: FileContext, old: cst.WithItem, new: cst.WithItem) -> bool:
        """Does this context manager only choose a device, stream or kernel? (The ones that do
        but cannot go are flagged here.)"""
        if not isinstance(old.item, cst.Call):
            return False
        qualname = ctx.qualname(old.item.func)
        if qualname not in extras.backend_contexts():
            return False
        if old.asname is not None:
            ctx.flag(new.item, qualname, Reason.MANUAL, _BOUND_HINT)
            return False
        if qualname == "torch.device" and _first_string(old.item) == "meta":
            ctx.flag(new.item, qualname, Reason.MANUAL, _META_HINT)
            return False
        return True

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        qualname = ctx.qualname(original)
        if qualname is None or qualname.rpartition(".")[0] not in extras.backend_enums():
            return updated
        ctx.withdraw_flags_in(updated)
        ctx.discard(updated)
        return in_place_of(updated, cst.SimpleString(f'"{original.attr.value}"'))


def _first_string(call: cst.Call) -> Optional[str]:
    """The device a `torch.device("meta")` / `torch.device(type="meta")` names, when a literal."""
    for arg in call.args[:1]:
        if isinstance(arg.value, cst.SimpleString) and isinstance(arg.value.evaluated_value, str):
            return arg.value.evaluated_value.split(":")[0]
    return None
