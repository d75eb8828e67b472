"""torch APIs that MindSpore lacks but its own APIs can express are a helper (a function or a
layer class) written into the converted file.

`weight_norm(conv)` (torch.nn.utils) has no MindSpore counterpart; torch2ms/helpers/weight_norm.py
does the same with MindSpore's APIs under torch's parameter names. A reference to such an API
(knowledge/data/extra_mappings.json "helpers": torch API -> helper module.name) becomes the
helper's name, called or not (`norm = nn.utils.weight_norm`, `isinstance(m, nn.ConvTranspose1d)`:
the helper takes torch's arguments), and the helper module's code is written once after the
file's imports. Where the file already uses the helper's name for something else, the
reference stays flagged.
"""
from __future__ import annotations

from functools import lru_cache

import libcst as cst

from torch2ms import helpers
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import in_place_of
from torch2ms.convert.results import Reason
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep


@lru_cache(maxsize=None)
def _last_parts() -> frozenset:
    """`weight_norm`, `ConvTranspose1d`, ...: the last part of every torch API a helper stands for."""
    return frozenset(api.rpartition(".")[2] for api in extras.helpers())


class HelperCalls(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn
            from torch.nn.utils import weight_norm

            conv, linear = nn.Conv1d(2, 3, 3), nn.Linear(4, 2)
            with torch.no_grad():
                conv.weight.copy_(torch.linspace(-1, 1, 18).reshape(3, 2, 3))
                linear.weight.copy_(torch.linspace(-2, 1, 8).reshape(2, 4))
            conv = weight_norm(conv, dim=0)
            linear = nn.utils.parametrizations.weight_norm(linear)
            names = sorted(name for name, _ in conv.named_parameters()) + sorted(dict(linear.named_parameters()))
            out = conv(torch.linspace(-1, 1, 16).reshape(1, 2, 8)) - conv.bias[:, None], linear(torch.ones(3, 4)) - linear.bias
            """,
            """
            import mindspore
            from mindspore import mint

            HELPERS

            conv, linear = mint.nn.Conv1d(2, 3, 3), mint.nn.Linear(4, 2)
            with mindspore._no_grad():
                conv.weight.copy_(mint.linspace(-1, 1, 18).reshape(3, 2, 3))
                linear.weight.copy_(mint.linspace(-2, 1, 8).reshape(2, 4))
            conv = _weight_norm(conv, dim=0)
            linear = _parametrized_weight_norm(linear)
            names = sorted(name for name, _ in conv.parameters_and_names()) + sorted(dict(linear.parameters_and_names()))
            out = conv(mint.linspace(-1, 1, 16).reshape(1, 2, 8)) - conv.bias[:, None], linear(mint.ones((3, 4))) - linear.bias
            """.replace("HELPERS", helpers.source("weight_norm").replace("\n", "\n            ").rstrip()),
            run=("names", "out"),
            note="weight norm under torch's parameter names (weight_g/weight_v; parametrizations.weight."
                 "original0/1), written once into the file",
        ),
        change(
            """
            import torch
            from torch import nn

            class Up(nn.Module):
                def __init__(self, channels):
                    super().__init__()
                    self.up = nn.ConvTranspose1d(channels, channels, 4, stride=2, padding=1)
                    with torch.no_grad():
                        self.up.weight.copy_(torch.linspace(-1, 1, channels * channels * 4).reshape(channels, channels, 4))
                        self.up.bias.zero_()

                def forward(self, x):
                    return self.up(x)

            out = Up(2)(torch.linspace(-1, 1, 10).reshape(1, 2, 5))
            """,
            """
            import mindspore
            from mindspore import mint, nn, ops

            HELPERS

            class Up(nn.Cell):
                def __init__(self, channels):
                    super().__init__()
                    self.up = ConvTranspose1d(channels, channels, 4, stride=2, padding=1)
                    with mindspore._no_grad():
                        self.up.weight.copy_(mint.linspace(-1, 1, channels * channels * 4).reshape(channels, channels, 4))
                        self.up.bias.copy_(ops.zeros_like(self.up.bias))

                def construct(self, x):
                    return self.up(x)

            out = Up(2).set_train(True)(mint.linspace(-1, 1, 10).reshape(1, 2, 5))
            """.replace("HELPERS", helpers.source("conv_transpose1d").replace("\n", "\n            ").rstrip()),
            run=("out",),
            note="a torch layer MindSpore has only in 2-d: the helper class, torch's parameter names and shapes",
        ),
        change(
            """
            import torch.nn as nn

            def norm_of(kind):
                return {"weight": nn.utils.weight_norm}[kind]

            def is_transposed(layer):
                return isinstance(layer, nn.ConvTranspose1d)
            """,
            """

            HELPERS

            def norm_of(kind):
                return {"weight": _weight_norm}[kind]

            def is_transposed(layer):
                return isinstance(layer, ConvTranspose1d)
            """.replace("HELPERS", (helpers.source("weight_norm") + "\n\n" + helpers.source("conv_transpose1d"))
                        .replace("\n", "\n            ").rstrip()),
            note="a reference that is not called is the helper too: it takes torch's arguments",
        ),
        keep(
            """
            def weight_norm(module):
                return module
            """,
            note="the file's own weight_norm is no torch API",
        ),
    )

    # Called for every name and attribute of the file: most end in no helper API's last part.
    def leave_Name(self, ctx: FileContext, original: cst.Name, updated: cst.Name):
        binding = ctx.binding_of(original)
        if binding is None or not binding.qualname:  # a store, an attribute's name, a keyword
            return updated
        if binding.qualname.rpartition(".")[2] not in _last_parts():
            return updated
        return self._reference(ctx, original, updated)

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        if original.attr.value not in _last_parts():
            return updated
        return self._reference(ctx, original, updated)

    def _reference(self, ctx: FileContext, original, updated):
        """`weight_norm(conv)`, `norm = nn.utils.weight_norm`, `isinstance(m, nn.ConvTranspose1d)`: the
        helper has torch's signature, so a reference becomes the helper's name wherever it is (after
        ApiNames, whose flag on it is withdrawn)."""
        qualname = ctx.qualname(original)
        target = extras.helpers().get(qualname or "")
        if target is None:
            return updated
        module, _, name = target.rpartition(".")
        binding = ctx.lookup(name)
        if binding is not None and not binding.is_torch:
            ctx.withdraw_flags_in(updated)
            ctx.flag(updated, qualname, Reason.MANUAL, f"the file's own {name} hides the helper of that name")
            return updated
        ctx.withdraw_flags_in(updated)
        ctx.discard(updated)
        ctx.need_helper(module)
        return in_place_of(updated, cst.Name(name))

    def leave_Module(self, ctx: FileContext, original: cst.Module, updated: cst.Module):
        if not ctx.helpers:  # modules this rule or another asked for (ctx.need_helper)
            return updated
        written = []
        # A helper the file already holds (a converted file converted again) is not written twice.
        present = {s.name.value for s in updated.body if isinstance(s, (cst.FunctionDef, cst.ClassDef))}
        present.update(t.target.value for s in updated.body if isinstance(s, cst.SimpleStatementLine)
                       for small in s.body if isinstance(small, cst.Assign)
                       for t in small.targets if isinstance(t.target, cst.Name))
        for module in ctx.helpers:
            if set(helpers.defined(module)) <= present:
                continue
            statements = list(cst.parse_module(helpers.source(module)).body)
            gap = [cst.EmptyLine()] * (2 if written else 1)  # two blank lines between helper modules
            statements[0] = statements[0].with_changes(leading_lines=gap)
            written.extend(statements)
        if not written:
            return updated
        body = list(updated.body)
        at = _after_imports(body)
        if at < len(body) and not any(line.comment is None for line in body[at].leading_lines):
            body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine(), cst.EmptyLine(), *body[at].leading_lines])
        return updated.with_changes(body=[*body[:at], *written, *body[at:]])


def _after_imports(body) -> int:
    """Where the module's leading docstring and imports (guarded ones too) end."""
    at = 0
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
                isinstance(s, (cst.Import, cst.ImportFrom)) or (isinstance(s, cst.Expr) and isinstance(s.value, cst.SimpleString))
                for s in statement.body):
            at = index + 1
        elif isinstance(statement, cst.Try) and all(
                isinstance(s, cst.SimpleStatementLine) and all(isinstance(i, (cst.Import, cst.ImportFrom)) for i in s.body)
                for s in statement.body.body):
            at = index + 1
        else:
            break
    return at
