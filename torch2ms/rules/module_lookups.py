"""A torch module searched by name (`getattr(nn, activation)`) is searched in MindSpore's.

Research code picks layers and functions by name: `act = getattr(nn, "ELU")(alpha=1.0)`,
`getattr(F, name)(x)`. With a literal name the reference is what the knowledge maps it to
(`mint.nn.ELU`). With a name known only when the code runs, the module is its MindSpore
counterpart (knowledge/data/extra_mappings.json "module_lookups": torch.nn -> mindspore.mint.nn),
flagged: mint.nn lacks some of torch.nn's names (LeakyReLU) and some of its layers take other
arguments, so the names the code passes need a look.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import in_place_of
from torch2ms.convert.results import Reason
from torch2ms.knowledge import extras, record
from torch2ms.rules.base import Rule, change, keep



class ModuleLookups(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn

            def build(activation, params):
                return getattr(nn, activation)(**params)

            act = build("ELU", {"alpha": 0.5})
            fixed = getattr(nn, "Tanh")()
            out = act(torch.linspace(-2, 2, 5)), fixed(torch.linspace(-2, 2, 5))
            """,
            """
            from mindspore import mint

            def build(activation, params):
                return getattr(mint.nn, activation)(**params)  # torch2ms: torch.nn needs a manual rewrite (hint: looked up by name in mindspore.mint.nn, which lacks some of torch.nn's names or takes other arguments: check the names passed here)

            act = build("ELU", {"alpha": 0.5})
            fixed = mint.nn.Tanh()
            out = act(mint.linspace(-2, 2, 5)), fixed(mint.linspace(-2, 2, 5))
            """,
            run=("out",),
            note="a literal name is the mapped reference; a name known only at run time is looked up in "
                 "mint.nn, flagged",
        ),
        keep(
            """
            import math

            pi = getattr(math, "pi")
            """,
            note="a module that is not torch's",
        ),
    )

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if not (isinstance(original.func, cst.Name) and original.func.value == "getattr"
                and ctx.lookup("getattr") is None) or len(original.args) < 2:
            return updated
        module = ctx.qualname(original.args[0].value)
        counterpart = extras.module_lookups().get(module or "")
        if counterpart is None or any(a.keyword or a.star for a in original.args[:2]):
            return updated
        name = original.args[1].value
        if isinstance(name, cst.SimpleString) and isinstance(name.evaluated_value, str):
            found = record(f"{module}.{name.evaluated_value}")
            target = found.target if found.arg_rule is None else None  # arguments that change: not here
            if target is not None and len(original.args) == 2:
                ctx.withdraw_flags_in(updated)
                ctx.discard(updated)
                return in_place_of(updated, ctx.emit(target.path))  # `getattr(nn, "Tanh")` is nn.Tanh
        ctx.withdraw_flags_in(updated.args[0])
        ctx.discard(updated.args[0])
        first = updated.args[0].with_changes(value=ctx.emit(counterpart))
        new = updated.with_changes(args=[first, *updated.args[1:]])
        ctx.flag(new, module, Reason.MANUAL,
                 f"looked up by name in {counterpart}, which lacks some of {module}'s names or takes other "
                 "arguments: check the names passed here")
        return new
