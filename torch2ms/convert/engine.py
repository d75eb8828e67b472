"""One pass over the tree: keeps scopes up to date and hands each node to the rules.

Rules are small objects with `visit_<Node>(ctx, node)` and
`leave_<Node>(ctx, original, updated)` hooks, called in the order the rules are
listed. A leave hook returns the node to keep; once a hook returns a node of
another type, later hooks for the old type are skipped.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Callable, Dict, Iterable, List, Tuple

import libcst as cst

from torch2ms.convert.context import ClassInfo, FileContext
from torch2ms.convert.scopes import Scope, import_bindings
from torch2ms.convert.walk import transform


def _target_names(node: cst.CSTNode) -> Iterable[cst.Name]:
    if isinstance(node, cst.Name):
        yield node
    elif isinstance(node, (cst.Tuple, cst.List)):
        for element in node.elements:
            yield from _target_names(element.value)
    elif isinstance(node, cst.StarredElement):
        yield from _target_names(node.value)


class Engine:
    def __init__(self, ctx: FileContext, rules: Iterable[object]) -> None:
        self.ctx = ctx
        self._visit: Dict[str, List[Callable]] = defaultdict(list)
        self._leave: Dict[str, List[Callable]] = defaultdict(list)
        for rule in rules:
            for attr in dir(rule):
                if attr.startswith("visit_"):
                    self._visit[attr[6:]].append(getattr(rule, attr))
                elif attr.startswith("leave_"):
                    self._leave[attr[6:]].append(getattr(rule, attr))
        self._plans: Dict[type, Tuple] = {}

    def run(self, module: cst.Module) -> cst.Module:
        return transform(module, self.on_visit, self.on_leave)

    # ---- dispatch -------------------------------------------------------
    def _plan(self, cls: type) -> Tuple:
        """Per node type: (tracker, visit hooks, leave hooks, untracker), looked up once."""
        kind = cls.__name__
        plan = (
            getattr(self, f"track_{kind}", None),
            tuple(self._visit.get(kind, ())),
            tuple(self._leave.get(kind, ())),
            getattr(self, f"untrack_{kind}", None),
        )
        self._plans[cls] = plan
        return plan

    def on_visit(self, node: cst.CSTNode) -> bool:
        cls = type(node)
        track, visits, _, _ = self._plans.get(cls) or self._plan(cls)
        if track is not None and track(node) is False:
            return False
        for hook in visits:
            hook(self.ctx, node)
        return True

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        cls = type(original)
        _, _, leaves, untrack = self._plans.get(cls) or self._plan(cls)
        if cls is cst.Name:
            self._count_use(original, updated)
        if not leaves:  # most node types: no rule leaves them (called for every node of the file)
            if untrack is not None:
                untrack(original)
            return updated
        result = updated
        flags_before = len(self.ctx.flags)
        passed = [updated]  # the forms this node took, hook after hook
        for hook in leaves:
            result = hook(self.ctx, original, result)
            passed.append(result)
            if type(result) is not cls:
                break
        if result is not updated or len(self.ctx.flags) > flags_before:
            self._rehome_flags(flags_before, passed, result)
        if untrack is not None:
            untrack(original)
        return result

    def _rehome_flags(self, start: int, passed, result) -> None:
        """A flag a hook put on this node in a form a later hook replaced moves to the node that
        stays, so no flag is lost on its way to the output (never silently wrong)."""
        if not isinstance(result, cst.CSTNode):
            return  # removed, or flattened into statements: nothing single to carry the note
        gone = {id(node) for node in passed if node is not result}
        for pending in self.ctx.flags if gone else ():
            if id(pending.node) in gone:
                pending.node = result

    # ---- scope bookkeeping (before the rules see a node) -------------------
    def _count_use(self, original: cst.Name, updated: cst.Name) -> None:
        ctx = self.ctx
        # Names with "device" in them may turn out to hold only a device: count them from the start.
        name = original.value
        if (name in ctx.interesting or "device" in name) and id(original) not in ctx.not_loads:
            binding = ctx.lookup(name)
            if binding is not None:
                ctx.count_use(updated, binding)

    def _not_load(self, name: cst.Name) -> None:
        if name.value in self.ctx.interesting or "device" in name.value:
            self.ctx.not_loads.add(id(name))

    def _push(self, kind: str) -> None:
        self.ctx.scope = Scope(kind, self.ctx.scope)

    def _pop(self, _node=None) -> None:
        self.ctx.scope = self.ctx.scope.parent

    def _bind_local(self, name: cst.Name) -> None:
        self._not_load(name)
        if self.ctx.scope is not self.ctx.module_scope:
            self.ctx.bind(name.value)

    def track_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._bind_local(node.name)
        self._push("function")

    untrack_FunctionDef = _pop

    def track_Lambda(self, node: cst.Lambda) -> None:
        self._push("function")

    untrack_Lambda = _pop

    def track_ClassDef(self, node: cst.ClassDef) -> None:
        self._bind_local(node.name)
        self.ctx.classes.append(ClassInfo(node.name.value, False))
        self._push("class")

    def untrack_ClassDef(self, node: cst.ClassDef) -> None:
        self._pop()
        self.ctx.classes.pop()

    def track_Param(self, node: cst.Param) -> None:
        self._not_load(node.name)

    def untrack_Param(self, node: cst.Param) -> None:
        self.ctx.bind(node.name.value)

    def _track_comprehension(self, node) -> None:
        self._push("comprehension")
        for_in = node.for_in
        while for_in is not None:
            for name in _target_names(for_in.target):
                self._bind_local(name)
            for_in = for_in.inner_for_in

    track_ListComp = track_SetComp = track_DictComp = track_GeneratorExp = _track_comprehension
    untrack_ListComp = untrack_SetComp = untrack_DictComp = untrack_GeneratorExp = _pop

    def track_AssignTarget(self, node: cst.AssignTarget) -> None:
        for name in _target_names(node.target):
            self._not_load(name)

    def untrack_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            for name in _target_names(target.target):
                self._bind_local(name)

    def track_AnnAssign(self, node: cst.AnnAssign) -> None:
        for name in _target_names(node.target):
            self._not_load(name)

    def untrack_AnnAssign(self, node: cst.AnnAssign) -> None:
        for name in _target_names(node.target):
            self._bind_local(name)

    def track_For(self, node: cst.For) -> None:
        for name in _target_names(node.target):
            self._bind_local(name)

    def track_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            for name in _target_names(node.asname.name):
                self._bind_local(name)

    def track_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None:
            self._bind_local(node.name.name)

    def track_NamedExpr(self, node: cst.NamedExpr) -> None:
        for name in _target_names(node.target):
            self._bind_local(name)

    def track_Global(self, node) -> bool:
        return False

    track_Nonlocal = track_Global

    def _track_import(self, node) -> bool:
        if self.ctx.scope is not self.ctx.module_scope:
            for local, full, alias in import_bindings(node):
                binding = self.ctx.bind(local, full, alias)
                self.ctx.import_bindings.append(binding)
        return False  # names inside an import are not references

    track_Import = track_ImportFrom = _track_import

    def track_Attribute(self, node: cst.Attribute) -> None:
        # Names and attributes that something is looked up on: not values on their own.
        if isinstance(node.value, (cst.Name, cst.Attribute)):
            self.ctx.chain_roots.add(id(node.value))

