"""Statements made of PyTorch internals go, with a note; the names they set are flagged.

`_keys = torch._C.DispatchKeySet(torch._C.DispatchKey.AutocastCPU)` or
`torch.library.define(...)` at the top of a module configure PyTorch's dispatcher: they mean
nothing in MindSpore, and left in place they would make the file fail to import. Such a
statement (at module level, with a flagged reference into torch's internals: data
torch_libraries.json `internals`), or one anywhere that only calls them (a registration), is
dropped; a `# torch2ms:` comment says what went, and every
later read of a name it assigned is flagged, so code that needed it fails visibly.

A feature probe of those internals, `_HAS_X = hasattr(torch._C, "_x")` (or `getattr(torch._C,
"_x", None)`), is answered instead of dropped: MindSpore has none of PyTorch's internals, so
the probe says no (False, or getattr's default), with the note, and the code takes the path
its authors wrote for a PyTorch without the feature.
"""
from __future__ import annotations

from typing import Optional, Set

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


def _probe_answer(ctx: FileContext, statement: cst.SimpleStatementLine, internal) -> Optional[cst.BaseExpression]:
    """`name = hasattr(<torch internals>, "x")` -> False; `name = getattr(<torch internals>, "x", default)`
    -> default: what the probe answers without PyTorch. None when the statement is no such probe
    (every internal reference must be inside the probed object, the first argument)."""
    if len(statement.body) != 1 or not isinstance(statement.body[0], (cst.Assign, cst.AnnAssign)):
        return None
    value = statement.body[0].value
    if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.args
            and all(a.keyword is None and not a.star for a in value.args)):
        return None
    probed = {id(n) for n in iter_nodes(value.args[0].value)}
    if not all(id(f.node) in probed for f in internal):
        return None
    if value.func.value == "hasattr" and len(value.args) == 2:
        return cst.Name("False")
    if value.func.value == "getattr" and len(value.args) == 3:
        default = value.args[2].value
        return None if _reads_names(default) else default
    return None


def _reads_names(expr: cst.BaseExpression):
    """Names an expression reads (a default that reads any could need torch itself)."""
    return [n for n in iter_nodes(expr) if isinstance(n, cst.Name) and n.value not in ("None", "True", "False")]


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
        change(
            """
            import torch

            _HAS_L2 = hasattr(getattr(torch._C, "_CudaDeviceProperties", None), "L2_cache_size")
            _FUSED: bool = getattr(torch._C, "_fused_step", None)

            def chunked(fn):
                if not _HAS_L2:
                    return fn
                return lambda *a: fn(*a)
            """,
            """

            # torch2ms: a probe of PyTorch internals, answered as without them (MindSpore has none): _HAS_L2 = hasattr(getattr(torch._C, "_CudaDeviceProperties", None), "L2_cache_size")
            _HAS_L2 = False
            # torch2ms: a probe of PyTorch internals, answered as without them (MindSpore has none): _FUSED: bool = getattr(torch._C, "_fused_step", None)
            _FUSED: bool = None

            def chunked(fn):
                if not _HAS_L2:
                    return fn
                return lambda *a: fn(*a)
            """,
            note="a feature probe says no, and the code takes its own path for a PyTorch without the feature",
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
        answer = _probe_answer(ctx, updated, internal)
        if answer is not None:
            ctx.discard(updated.body[0].value)
            comment = cst.EmptyLine(comment=cst.Comment(
                f"# torch2ms: a probe of PyTorch internals, answered as without them (MindSpore has none): {code}"))
            return updated.with_changes(body=[updated.body[0].with_changes(value=answer)],
                                        leading_lines=[*updated.leading_lines, comment])
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

