"""Calls into a library's infrastructure take its mindone port's signatures.

`self.rope_init_fn(self.config, device)` -> `self.rope_init_fn(self.config)`: mindone's
functions and methods lack parameters the library's have (`device`, mostly); those are
dropped by keyword, or by position where the orders agree, and keywords mindone renamed
are renamed. Where mindone needs something else, or the position of a dropped argument
cannot be known (`*args`), the call is flagged. Calls reach these functions by name, through
a value looked up in a table (`ROPE_INIT_FUNCTIONS[...]`, remembered per attribute), or as
methods of the library's base classes a class derives from (not overridden in the file). Each
profile subclasses the rule with examples in its own words.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Set

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted, drop_args
from torch2ms.convert.results import Reason
from torch2ms.profiles._common.decisions import ImportDecisions
from torch2ms.rules.base import Rule


class PortSignatures(Rule):
    def __init__(self, decisions: ImportDecisions) -> None:
        self.decisions = decisions
        self.rope_like: Dict[str, dict] = {}  # `self.rope_init_fn` -> the signature change of what it holds
        self.library_bases: Dict[str, List[str]] = {}  # class name -> library classes it derives from
        self.own_methods: Dict[str, Set[str]] = {}  # class name -> methods it (or a base in the file) defines

    # ---- classes: which library bases, which methods of their own -------------------------
    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        name = node.name.value
        bases: List[str] = []
        own: Set[str] = {
            s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)
        } if isinstance(node.body, cst.IndentedBlock) else set()
        for arg in node.bases:
            path = dotted(arg.value)
            if arg.keyword is not None or path is None:
                continue
            if path in self.library_bases:  # a class of this file
                bases.extend(self.library_bases[path])
                own |= self.own_methods.get(path, set())
                continue
            _binding, decision = self.decisions.of_name(ctx, path)
            if decision is not None and decision.kind == "mindone" and "." not in path:
                bases.append(decision.source)
        self.library_bases[name] = bases
        self.own_methods[name] = own

    # ---- values that hold such functions ---------------------------------------------------
    def leave_Assign(self, ctx: FileContext, original: cst.Assign, updated: cst.Assign):
        # `self.rope_init_fn = ROPE_INIT_FUNCTIONS[self.rope_type]`: calls through it change too
        value = original.value
        if isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name):
            found = self._change_of_name(ctx, value.value.value, values=True)
            if found is not None:
                for target in original.targets:
                    path = dotted(target.target)
                    if path is not None:
                        self.rope_like[path] = found
        return updated

    def _change_of_name(self, ctx: FileContext, name: str, values: bool = False) -> Optional[dict]:
        _binding, decision = self.decisions.of_name(ctx, name)
        if decision is None or decision.kind != "mindone":
            return None
        found = self.decisions.lib.map.signature_change(decision.source)
        if found is None or bool(found.get("values")) != values:
            return None
        return found

    def _change_of_call(self, ctx: FileContext, func: cst.BaseExpression) -> Optional[dict]:
        if isinstance(func, cst.Name):
            return self._change_of_name(ctx, func.value)
        if isinstance(func, cst.Subscript) and isinstance(func.value, cst.Name):
            return self._change_of_name(ctx, func.value.value, values=True)
        path = dotted(func)
        if path is not None and path in self.rope_like:
            return self.rope_like[path]
        if isinstance(func, cst.Attribute) and _is_self_or_super(func.value):
            return self._method_change(ctx, func.attr.value)
        return None

    def _method_change(self, ctx: FileContext, method: str) -> Optional[dict]:
        cls = ctx.current_class
        if cls is None or method in self.own_methods.get(cls.name, ()):
            return None
        for base in self.library_bases.get(cls.name, ()):
            found = self.decisions.lib.map.method_change(base, method)
            if found is not None:
                return found
        return None

    # ---- the calls ------------------------------------------------------------------------------
    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        found = self._change_of_call(ctx, original.func)
        if found is None:
            return updated
        if found.get("needs"):  # mindone's takes something else: no dropping fixes the call
            what = dotted(original.func) or "this call"
            ctx.flag(updated, what, Reason.MANUAL, f"mindone's signature differs: it needs {', '.join(found['needs'])}")
            return updated
        drop, at, rename = set(found["drop"]), set(found["at"]), found.get("rename", {})
        positions: Dict[int, int] = {}  # index among the args -> index among the positional ones
        for i, arg in enumerate(updated.args):
            if arg.star == "*":
                positions = {}
                if at:  # where the positional arguments land is unknown
                    return _unsure(ctx, original, updated, drop)
                break
            if arg.keyword is None and not arg.star:
                positions[i] = len(positions)
        hits = [p for p in positions.values() if p in at]
        if at and not found["positional"] and any(p >= min(at) for p in positions.values()):
            return _unsure(ctx, original, updated, drop)
        if not hits and not any(a.keyword is not None and a.keyword.value in drop for a in updated.args):
            new = updated
        else:
            new = drop_args(
                ctx, updated,
                lambda i, a: positions.get(i) in at if a.keyword is None else a.keyword.value in drop,
            )
        if rename and any(a.keyword is not None and a.keyword.value in rename for a in new.args):
            new = new.with_changes(args=[
                a.with_changes(keyword=cst.Name(rename[a.keyword.value]))
                if a.keyword is not None and a.keyword.value in rename else a
                for a in new.args
            ])
        return new


def _unsure(ctx: FileContext, original: cst.Call, updated: cst.Call, drop: Set[str]) -> cst.Call:
    what = dotted(original.func) or "this call"
    ctx.flag(updated, what, Reason.MANUAL, f"mindone's signature has no {', '.join(sorted(drop))}")
    return updated


def _is_self_or_super(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "self"
    return isinstance(node, cst.Call) and dotted(node.func) == "super"
