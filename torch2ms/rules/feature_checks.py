"""Feature checks on torch modules are answered for the converted code.

`hasattr(torch.nn.functional, "scaled_dot_product_attention")` asks whether the framework has
an API; once converted, the question is whether the tool maps that API to MindSpore, so the
check becomes True or False (and the device rule folds the branch it guards). Only a literal
name on a torch module (or class) is answered; anything else stays as written. A device module's
API without a counterpart is no exception (`hasattr(torch.cuda, "default_generators")` is False:
the CPU branch stays). An API the active profile's port supplies (diffusers mode: mindone's
scaled_dot_product_attention, ctx.supplied) is there: `if not hasattr(F,
"scaled_dot_product_attention"): raise ImportError(...)` folds away. A version check
(`version.parse(torch.__version__) >= version.parse("2.0")`) asks the same of a whole release:
`torch.__version__` reads the version of the torch whose API the tool's tables describe
(knowledge inventory), so the branch written for that API is the one that runs.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import in_place_of
from torch2ms.knowledge import extras, inventory, record
from torch2ms.rules.base import Rule, change, keep


class FeatureChecks(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn.functional as F

            FUSED = hasattr(F, "scaled_dot_product_attention")
            SILU = "silu" in dir(F)
            if hasattr(torch, "no_such_api"):
                kind = "new"
            else:
                kind = "old"
            """,
            """

            FUSED = False
            SILU = True
            kind = "old"
            """,
            run=("SILU", "kind"),
            note="the converted code has what the tool maps (not the fused attention: its other branch runs); "
                 "the branch is folded",
        ),
        change(
            """
            import torch
            from packaging import version

            if version.parse(torch.__version__) >= version.parse("2.0"):
                attention = "fused"
            else:
                attention = "manual"
            MAJOR = int(torch.__version__.split(".")[0])
            """,
            f"""
            from packaging import version

            if version.parse({inventory.torch_version()!r}) >= version.parse("2.0"):
                attention = "fused"
            else:
                attention = "manual"
            MAJOR = int({inventory.torch_version()!r}.split(".")[0])
            """,
            run=("attention", "MAJOR"),
            note="a torch version check reads the version of the torch API the tool converts",
        ),
        keep(
            """
            def has_head(model):
                return hasattr(model, "head")
            """,
            note="a check on anything but a torch module stays",
        ),
    )

    def leave_Comparison(self, ctx: FileContext, original: cst.Comparison, updated: cst.Comparison):
        """`"silu" in dir(torch.nn.functional)`: the same question."""
        if len(original.comparisons) != 1 or not isinstance(original.comparisons[0].operator, (cst.In, cst.NotIn)):
            return updated
        name, listing = original.left, original.comparisons[0].comparator
        if not (isinstance(listing, cst.Call) and isinstance(listing.func, cst.Name) and listing.func.value == "dir"
                and len(listing.args) == 1 and ctx.lookup("dir") is None):
            return updated
        answer = self._has(ctx, listing.args[0].value, name)
        if answer is None:
            return updated
        ctx.discard(updated)
        ctx.withdraw_flags_in(updated)
        return in_place_of(updated, ctx.literal(answer == isinstance(original.comparisons[0].operator, cst.In)))

    @staticmethod
    def _has(ctx: FileContext, owner: cst.BaseExpression, name: cst.BaseExpression):
        """Does the converted code have torch's `owner.name`? None: not a question about torch."""
        qualname = ctx.qualname(owner)
        if qualname is None or not isinstance(name, cst.SimpleString) or not isinstance(name.evaluated_value, str):
            return None
        api = f"{qualname}.{name.evaluated_value}"
        # a helper written into the file stands for it too (torch2ms/helpers: weight_norm, ...)
        return record(api).target is not None or api in ctx.supplied or api in extras.helpers()

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if not (isinstance(original.func, cst.Name) and original.func.value == "hasattr" and len(original.args) == 2
                and not any(a.star or a.keyword for a in original.args)):
            return updated
        if ctx.lookup("hasattr") is not None:
            return updated  # the file defines its own hasattr
        answer = self._has(ctx, original.args[0].value, original.args[1].value)
        if answer is None:
            return updated
        ctx.discard(updated)
        ctx.withdraw_flags_in(updated)
        return in_place_of(updated, ctx.literal(answer))

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        """`torch.__version__`: the version of the torch API the tables describe."""
        if ctx.qualname(original) not in ("torch.__version__", "torch.version.__version__"):
            return updated
        ctx.discard(updated)
        ctx.withdraw_flags_in(updated)
        return in_place_of(updated, cst.SimpleString(repr(inventory.torch_version())))
