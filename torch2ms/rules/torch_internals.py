"""Statements made of PyTorch internals go, with a note; the names they set are flagged.

`_keys = torch._C.DispatchKeySet(torch._C.DispatchKey.AutocastCPU)` or
`torch.library.define(...)` at the top of a module configure PyTorch's dispatcher: they mean
nothing in MindSpore, and left in place they would make the file fail to import. Such a
statement (at module level, with a flagged reference into torch's internals: data
torch_libraries.json `internals`), or one anywhere that only calls them (a registration), is
dropped; a `# torch2ms:` comment says what went, and every
later read of a name it assigned is flagged, so code that needed it fails visibly.
"""
from __future__ import annotations

from typing import Set

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import iter_nodes
from torch2ms.convert.results import Reason
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep


def _targets(statement: cst.SimpleStatementLine) -> Set[str]:
    names = set()
    for small in statement.body:
        targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else \
            [small.target] if isinstance(small, (cst.AnnAssign, cst.AugAssign)) else []
        for target in targets:
            if isinstance(target, cst.Name):
                names.add(target.value)
    return names


def _only_calls(ctx: FileContext, statement: cst.SimpleStatementLine) -> bool:
    """A statement that only calls torch internals (`torch.onnx.register_custom_op_symbolic(...)`):
    a registration, whose result nothing reads."""
    return all(isinstance(s, cst.Expr) and isinstance(s.value, cst.Call)
               and extras.is_torch_internal(ctx.qualname(s.value.func) or "") for s in statement.body)


class TorchInternals(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            _KEYS = torch._C.DispatchKeySet(torch._C.DispatchKey.AutocastCPU)
            WIDTH = 4

            def keys():
                return _KEYS
            """,
            """
            # torch2ms: dropped (PyTorch internals, no MindSpore meaning): _KEYS = torch._C.DispatchKeySet(torch._C.DispatchKey.AutocastCPU)
            WIDTH = 4

            def keys():
                return _KEYS  # torch2ms: _KEYS needs a manual rewrite (hint: set by a statement of PyTorch internals the converter dropped)
            """,
            note="the module imports without torch; what needed the dropped name is flagged",
        ),
        keep(
            """
            import torch

            def dispatch(x):
                return torch._C._get_tracing_state()
            """,
            """
            try:
                import torch  # torch2ms: torch still used on line 7 (flagged there)
            except ImportError:
                torch = None

            def dispatch(x):
                return torch._C._get_tracing_state()  # torch2ms: torch._C._get_tracing_state is not in the tables
            """,
            note="inside a function the flagged line stays: it fails only when it runs",
        ),
    )

    def __init__(self) -> None:
        self._dropped: Set[str] = set()

    def leave_SimpleStatementLine(self, ctx: FileContext, original: cst.SimpleStatementLine,
                                  updated: cst.SimpleStatementLine):
        if (ctx.scope is not ctx.module_scope or ctx.classes) and not _only_calls(ctx, original):
            return updated
        if any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in updated.body):
            return updated
        inside = {id(n) for n in iter_nodes(updated)}
        internal = [f for f in ctx.flags if id(f.node) in inside and extras.is_torch_internal(f.api)]
        if not internal:
            return updated
        ctx.withdraw_flags_in(updated)
        code = cst.Module([]).code_for_node(original.with_changes(leading_lines=[])).strip().splitlines()[0]
        comment = cst.EmptyLine(comment=cst.Comment(f"# torch2ms: dropped (PyTorch internals, no MindSpore meaning): {code}"))
        names = _targets(original)
        self._dropped |= names
        ctx.watch(names)
        marked = updated.with_changes(leading_lines=[*updated.leading_lines, comment])
        ctx.doom(marked)
        return marked

    def leave_Name(self, ctx: FileContext, original: cst.Name, updated: cst.Name):
        if original.value not in self._dropped:
            return updated
        binding = ctx.binding_of(original)
        if binding is None or binding is not ctx.module_binding(original.value):
            return updated
        ctx.flag(updated, original.value, Reason.MANUAL,
                 "set by a statement of PyTorch internals the converter dropped")
        return updated

