"""Imports of a library's infrastructure point where its mindone port has it.

Relative imports (as inside the library) and absolute ones are rewritten: names mindone has
are imported from there (renamed where mindone renamed them: `torch_int` -> `mindspore_int`,
and the uses follow), what the port keeps importing from the library and what mindone lacks
stay in the library, decorators mindone's ports drop go with their import, names that stay in
the library but need torch are flagged at each use, and library constants with a fixed answer
without torch become that answer. What each import becomes is decided in decisions.py; each
profile subclasses the rule with examples in its own words.
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import build, decorator_callee, dotted, without_decorators
from torch2ms.convert.scopes import Binding
from torch2ms.profiles._common.decisions import Decision, ImportDecisions, module_text
from torch2ms.rules.base import Rule


class PortImports(Rule):
    def __init__(self, decisions: ImportDecisions) -> None:
        self.decisions = decisions

    def visit_Module(self, ctx: FileContext, node: cst.Module) -> None:
        self.decisions.prescan(ctx, node)

    # ---- import statements --------------------------------------------------------------
    def leave_SimpleStatementLine(self, ctx: FileContext, original, updated):
        if ctx.is_doomed(updated) or not any(isinstance(s, cst.ImportFrom) for s in updated.body):
            return updated
        body: List[cst.BaseSmallStatement] = []
        touched = False
        for small in updated.body:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                pieces = self._rewrite_import(ctx, small)
                if pieces is not None:
                    touched = True
                    body.extend(pieces)
                    continue
            body.append(small)
        if not touched:
            return updated
        lost = _comments(updated.body, exclude=body)
        if lost:  # comments beside names that went (or lost their brackets) move above the import
            updated = updated.with_changes(leading_lines=[*updated.leading_lines, *lost])
        if not body:
            ctx.doom(updated)  # tidy drops it, keeps its comments, and fills an emptied block
            return updated
        if len(body) == 1:
            return updated.with_changes(body=[body[0].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)])
        lines = [cst.SimpleStatementLine(body=[s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)]) for s in body]
        lines[0] = lines[0].with_changes(leading_lines=updated.leading_lines)
        lines[-1] = lines[-1].with_changes(trailing_whitespace=updated.trailing_whitespace)
        return cst.FlattenSentinel(lines)

    def _rewrite_import(self, ctx: FileContext, node: cst.ImportFrom) -> Optional[List[cst.ImportFrom]]:
        """The statements that replace one from-import (None: not the library's, left alone)."""
        groups: Dict[str, List[cst.ImportAlias]] = {}
        any_change = False
        for alias in node.names:
            binding = _binding_of(ctx, alias)
            decision = self.decisions.of_binding(ctx, binding) if binding is not None else Decision("leave")
            if decision.kind == "leave":
                groups.setdefault(_spelled(node), []).append(alias)
                continue
            any_change = True
            if decision.kind in ("drop", "answer"):
                continue
            if decision.name != dotted(alias.name):
                new_alias = alias.with_changes(name=cst.Name(decision.name))
                if id(alias) not in self.decisions.renamed and alias.asname is None:
                    new_alias = new_alias.with_changes(asname=cst.AsName(name=cst.Name(dotted(alias.name))))
                alias = new_alias
            groups.setdefault(decision.module, []).append(alias)
        if not any_change:
            return None
        last_comma = node.names[-1].comma
        out = []
        for module, aliases in groups.items():
            target = node if module == _spelled(node) else node.with_changes(module=build(module), relative=())
            if len(aliases) == 1 and len(node.names) > 1:
                # one name out of several: `from m import (\n    A,\n)` reads better as `from m import A`
                alias = aliases[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                out.append(target.with_changes(names=[alias], lpar=None, rpar=None))
                continue
            if aliases[-1] is not node.names[-1]:
                aliases = [*aliases[:-1], aliases[-1].with_changes(comma=last_comma)]
            out.append(target.with_changes(names=aliases))
        return out

    # ---- decorators mindone's ports drop -----------------------------------------------
    def _strip(self, ctx: FileContext, updated):
        def doomed(decorator: cst.Decorator) -> bool:
            expr = decorator_callee(decorator)
            if not isinstance(expr, cst.Name):
                return False
            _binding, decision = self.decisions.of_name(ctx, expr.value)
            return decision is not None and decision.kind == "drop"

        return without_decorators(ctx, updated, doomed)

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        return self._strip(ctx, updated)

    def leave_ClassDef(self, ctx: FileContext, original, updated):
        return self._strip(ctx, updated)

    # ---- names: renamed by mindone, answered, or needing torch ----------------------------
    def leave_Name(self, ctx: FileContext, original: cst.Name, updated: cst.Name):
        binding = ctx.binding_of(original)
        if binding is None or not isinstance(binding.alias, cst.ImportAlias):
            return updated
        decision = self.decisions.of_binding(ctx, binding)
        if decision.kind == "leave":
            return updated
        if decision.kind == "answer":
            answer = self.decisions.lib.answers[decision.source]
            if answer.get("call"):
                return updated  # the call around it is answered (leave_Call)
            ctx.discard(updated)
            return ctx.literal(answer["value"])
        if decision.flag is not None:
            reason, hint = decision.flag
            ctx.flag(updated, decision.source, reason, hint)
            return updated
        new = self.decisions.renamed.get(id(binding.alias))
        if new is None or new == updated.value:
            return updated
        renamed = updated.with_changes(value=new)
        ctx.discard(updated)
        ctx.count_use(renamed, binding)
        return renamed


    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if not isinstance(original.func, cst.Name) or original.args:
            return updated
        binding = ctx.binding_of(original.func)
        if binding is None or not isinstance(binding.alias, cst.ImportAlias):
            return updated
        decision = self.decisions.of_binding(ctx, binding)
        if decision.kind != "answer" or not self.decisions.lib.answers[decision.source].get("call"):
            return updated
        ctx.discard(updated)
        return ctx.literal(self.decisions.lib.answers[decision.source]["value"])


def _binding_of(ctx: FileContext, alias: cst.ImportAlias) -> Optional[Binding]:
    local = alias.asname.name.value if alias.asname is not None else dotted(alias.name)
    binding = ctx.lookup(local) if local else None
    if binding is not None and binding.alias is alias:
        return binding
    for candidate in reversed(ctx.import_bindings):  # shadowed later in the file
        if candidate.alias is alias:
            return candidate
    return None


def _comments(old: Iterable[cst.CSTNode], exclude: Iterable[cst.CSTNode]) -> List[cst.EmptyLine]:
    """Comment lines for the comments inside `old` that `exclude` no longer holds."""
    kept_ids = {id(node) for node in exclude}
    if all(type(node) is cst.ImportFrom and node.lpar is None for node in old if id(node) not in kept_ids):
        # What went or changed has no brackets, so no line break, so no comment inside it: the
        # comments of `old` are those of what stayed (the walk below uses libcst's slow children).
        return []

    def found(nodes):
        out: List[str] = []
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Comment):
                out.append(node.value)
            else:
                stack.extend(node.children)
        return out

    kept = found(exclude)
    lost = []
    for text in reversed(found(old)):  # the walk pops in reverse: restore source order
        if text in kept:
            kept.remove(text)
        else:
            lost.append(cst.EmptyLine(comment=cst.Comment(text)))
    return lost


def _spelled(node: cst.ImportFrom) -> str:
    """The module as written (relative dots included): the key for names left where they are."""
    dots, text = module_text(node)
    return "." * dots + text
