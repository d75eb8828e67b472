"""Torch base classes and decorators with no MindSpore counterpart leave the definition.

`class ChunkSampler(torch.utils.data.Sampler)` and `@parse_args("v", "f")` (torch.onnx) run
when the module is imported, so a base or a decorator that still names torch would make the
whole file need torch. It goes (the class derives from what else it named, or from object;
the function is no longer wrapped), and the definition's line is flagged with what it lost:
code that relied on it fails where it uses it, not at import. A parameter default that still
needs torch (`op=torch.distributed.ReduceOp.SUM`) is evaluated when the function is called
instead: the default becomes None and the body starts with `if op is None: op = ...`.
"""
from __future__ import annotations

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import without_decorators
from torch2ms.convert.results import Reason
from torch2ms.rules.base import Rule, change, keep


def _spelled(ctx: FileContext, original, decorator: cst.Decorator, inner: cst.BaseExpression) -> str:
    """The torch name a decorator calls, read on the original decorator where it can be found."""
    for old in original.decorators:
        if old.decorator.deep_equals(decorator.decorator):
            found = ctx.qualname(old.decorator.func if isinstance(old.decorator, cst.Call) else old.decorator)
            if found:
                return found
    return cst.Module([]).code_for_node(inner)


def _is_docstring(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr) and \
        isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


class ClassBases(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            class Squares(torch.utils.data.Sampler):
                def __len__(self):
                    return 3

                def __getitem__(self, i):
                    return i * i

            items = [Squares()[i] for i in range(len(Squares()))]
            """,
            """

            class Squares:  # torch2ms: torch.utils.data.Sampler needs a manual rewrite (hint: no MindSpore counterpart: the class no longer derives from it; mindspore.dataset.GeneratorDataset takes any object with __getitem__ and __len__)
                def __len__(self):
                    return 3

                def __getitem__(self, i):
                    return i * i

            items = [Squares()[i] for i in range(len(Squares()))]
            """,
            run=("items",),
        ),
        change(
            """
            from torch.onnx.symbolic_helper import parse_args

            @parse_args("v", "f")
            def symbolic(g, x, alpha):
                return x
            """,
            """

            def symbolic(g, x, alpha):  # torch2ms: torch.onnx.symbolic_helper.parse_args needs a manual rewrite (hint: no MindSpore counterpart: the function is no longer wrapped by it)
                return x
            """,
        ),
        change(
            """
            import torch

            def reduce(tensor, op=torch.distributed.ReduceOp.SUM):
                \"\"\"Sum over the processes.\"\"\"
                return torch.distributed.all_reduce(tensor, op)
            """,
            """
            try:
                import torch  # torch2ms: torch still used on lines 9, 10 (flagged there)
            except ImportError:
                torch = None

            def reduce(tensor, op=None):
                \"\"\"Sum over the processes.\"\"\"
                if op is None:
                    op = torch.distributed.ReduceOp.SUM  # torch2ms: torch.distributed.ReduceOp.SUM is not in the tables
                return torch.distributed.all_reduce(tensor, op)  # torch2ms: torch.distributed.all_reduce is not in the tables
            """,
            note="the default runs when the function is called, not at import",
        ),
        keep(
            """
            import torch.nn as nn

            class Block(nn.Module):
                pass
            """,
            """
            from mindspore import nn

            class Block(nn.Cell):
                pass
            """,
            note="a base with a MindSpore counterpart is renamed by the other rules",
        ),
    )

    def leave_FunctionDef(self, ctx: FileContext, original: cst.FunctionDef, updated: cst.FunctionDef):
        return self._defaults(ctx, self._decorators(ctx, original, updated))

    @staticmethod
    def _defaults(ctx: FileContext, node: cst.FunctionDef) -> cst.FunctionDef:
        """Defaults that need torch are evaluated at call time (they no longer run at import)."""
        late, params = [], node.params
        groups = {}
        for field in ("posonly_params", "params", "kwonly_params"):
            changed = []
            for param in getattr(params, field):
                if param.default is not None and ctx.still_torch(param.default) and isinstance(param.name, cst.Name):
                    late.append((param.name.value, param.default))
                    param = param.with_changes(default=cst.Name("None"))
                changed.append(param)
            groups[field] = changed
        if not late or not isinstance(node.body, cst.IndentedBlock):
            return node
        body = list(node.body.body)
        at = 1 if body and _is_docstring(body[0]) else 0
        checks = []
        for name, default in late:
            check = cst.parse_statement(f"if {name} is None:\n    {name} = None\n")
            assign = check.body.body[0].body[0].with_changes(value=default)
            checks.append(check.with_changes(body=check.body.with_changes(
                body=[check.body.body[0].with_changes(body=[assign])])))
        node = node.with_changes(params=params.with_changes(**groups))
        return node.with_changes(body=node.body.with_changes(body=body[:at] + checks + body[at:]))

    @staticmethod
    def _decorators(ctx: FileContext, original, updated):
        lost = [d for d in updated.decorators if ctx.still_torch(d.decorator)]
        if not lost:
            return updated
        apis = []
        for decorator in lost:
            inner = decorator.decorator.func if isinstance(decorator.decorator, cst.Call) else decorator.decorator
            apis.append(_spelled(ctx, original, decorator, inner))
        node = without_decorators(ctx, updated, lambda d: any(d is x for x in lost))
        for decorator in lost:
            ctx.withdraw_flags_in(decorator)
        for api in apis:
            ctx.flag(node.name, api, Reason.MANUAL, "no MindSpore counterpart: the function is no longer wrapped by it")
        return node

    def leave_ClassDef(self, ctx: FileContext, original: cst.ClassDef, updated: cst.ClassDef):
        updated = self._decorators(ctx, original, updated)
        kept, lost = [], []
        for old, new in zip(original.bases, updated.bases):
            if new.keyword is None and not new.star and ctx.still_torch(new.value):
                lost.append((old, new))
            else:
                kept.append(new)
        if not lost:
            return updated
        for old, new in lost:
            ctx.discard(new)
            ctx.withdraw_flags_in(new)
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        node = updated.with_changes(bases=kept)
        if not kept and not updated.keywords:
            node = node.with_changes(lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT)
        for old, _ in lost:
            api = ctx.qualname(old.value) or cst.Module([]).code_for_node(old.value)
            hint = "no MindSpore counterpart: the class no longer derives from it"
            if api.startswith("torch.utils.data."):
                hint += "; mindspore.dataset.GeneratorDataset takes any object with __getitem__ and __len__"
            ctx.flag(node.name, api, Reason.MANUAL, hint)
        return node
