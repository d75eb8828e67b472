"""Second pass, over statements only: drop what the rules doomed, then fix the imports.

Torch imports whose names are no longer used go; `from torch.nn import Linear as L`
becomes `from mindspore.mint.nn import Linear as L`; `import mindspore` and
`from mindspore import mint, nn, ops` are added where the first torch import was.
Comments above a dropped statement move to the next one, and an emptied block gets
`pass`, so nothing the user wrote is lost with the code.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Set

import libcst as cst

from torch2ms.convert import cstutil as names
from torch2ms.convert import guards
from torch2ms.convert.context import ROOTS, FileContext
from torch2ms.convert.scopes import Binding
from torch2ms.knowledge import inventory, lookup
from torch2ms.convert.walk import transform

_CONTAINERS = (cst.Module, cst.IndentedBlock, cst.BaseCompoundStatement, cst.Else, cst.ExceptHandler, cst.Finally)


def settle_doomed(ctx: FileContext) -> Set[int]:
    """Ids of doomed statements that really go: a variable that still has readers stays."""
    dropped: Set[int] = set()
    changed = True
    while changed:  # dropping `device = x.device` may leave another device variable unread
        changed = False
        for key, (statement, binding) in ctx.doomed.items():
            if key not in dropped and (binding is None or binding.uses <= 0):
                dropped.add(key)
                ctx.discard(statement)
                changed = True
    return dropped


class Tidy:
    def __init__(self, ctx: FileContext) -> None:
        self.ctx = ctx
        self.dropped = settle_doomed(ctx)
        self.by_alias: Dict[int, Binding] = {id(b.alias): b for b in ctx.import_bindings if b.alias is not None}
        self.depth = 0
        self.first_torch_import: Optional[cst.CSTNode] = None
        # Nodes whose ids go into `dropped` stay referenced, so no node built later reuses an id.
        self._alive: List[cst.CSTNode] = []
        self.guarded: Set[int] = set()  # statements a `try: ... except ImportError:` already covers
        self.emptied: Set[int] = set()  # blocks whose every statement was dropped

    def run(self, module: cst.Module) -> cst.Module:
        return transform(module, self.on_visit, self.on_leave)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.IndentedBlock):
            self.depth += 1
        if isinstance(node, cst.Try):
            self.guarded |= guards.guarded_statements(node)
        return isinstance(node, _CONTAINERS)

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode):
        if isinstance(original, cst.IndentedBlock):
            self.depth -= 1
        if id(original) in self.dropped:
            self._drop(updated)  # a doomed compound statement was rebuilt on the way up
        if isinstance(updated, cst.SimpleStatementLine):
            updated = self._imports(updated)
        if isinstance(updated, (cst.IndentedBlock, cst.Module)):
            updated = self._sweep(updated)
        if isinstance(updated, cst.Try) and id(updated.body) in self.emptied:
            return self._fallback(updated)
        return updated

    def _fallback(self, node: cst.Try):
        """`try: from torch import _assert / except ImportError: def _assert(...)`: the torch import
        went, so the fallback is what runs now (as on a machine without that torch name)."""
        handler = next((h for h in node.handlers if guards.catches_import_error(cst.Try(
            body=node.body, handlers=[h]))), None)
        if handler is None or node.orelse is not None or node.finalbody is not None:
            return node
        body = handler.body
        statements = list(body.body) if isinstance(body, cst.IndentedBlock) else [cst.SimpleStatementLine(body.body)]
        statements[0] = statements[0].with_changes(leading_lines=[*node.leading_lines, *statements[0].leading_lines])
        return cst.FlattenSentinel(statements)

    def _drop(self, node: cst.CSTNode) -> None:
        self.dropped.add(id(node))
        self._alive.append(node)

    # ---- imports ------------------------------------------------------------
    def _imports(self, line: cst.SimpleStatementLine):
        if id(line) in self.dropped:
            return line
        body: List[cst.BaseSmallStatement] = []
        needs_guard: List[List[str]] = []  # per statement of body: the names a guard must bind
        touched = False
        for small in line.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)) and self._is_torch_import(small):
                touched = True
                statements, keeps_torch = self._rewrite_import(small)
                for index, new in enumerate(statements):
                    body.append(new)
                    needs_guard.append(guards.bound_names(new) if keeps_torch and index == 0 else [])
            elif id(small) in self.ctx.foreign_imports and self._unread(small):
                touched = True  # a PyTorch library's import whose every name the rules converted away
                self.ctx.withdraw_flag(small)
            else:
                body.append(small)
                foreign = self.ctx.foreign_imports.get(id(small))
                needs_guard.append(guards.bound_names(small) if foreign is not None else [])
                touched = touched or foreign is not None
        if not touched:
            return line
        if self.depth == 0 and self.first_torch_import is None:
            self.first_torch_import = line
        if not body:
            self._drop(line)
            return line
        guard = id(line) not in self.guarded and any(needs_guard)
        if len(body) > len(line.body) or (guard and len(body) > 1):
            # one torch import became several (torch leftovers, mint.nn, nn): one line each
            lines = [cst.SimpleStatementLine(body=[_without_semicolon(small)]) for small in body]
            lines[0] = lines[0].with_changes(leading_lines=line.leading_lines)
            lines[-1] = lines[-1].with_changes(trailing_whitespace=line.trailing_whitespace)
            if guard:
                lines = [self._guard(one, names) if names else one for one, names in zip(lines, needs_guard)]
            if line is self.first_torch_import:
                self.first_torch_import = lines[-1]
            return cst.FlattenSentinel(lines)
        if body[-1].semicolon is not cst.MaybeSentinel.DEFAULT:
            body[-1] = body[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        new = line.with_changes(body=body)
        if guard:
            new = self._guard(new, needs_guard[0])
        if line is self.first_torch_import:
            self.first_torch_import = new
        return new

    def _guard(self, line: cst.SimpleStatementLine, bound: List[str]) -> cst.Try:
        """A kept torch (or torch library) import, guarded: the file imports without torch."""
        self.ctx.kept_imports.append((line.body[0], bound))
        return guards.guard(line, bound)

    def _unread(self, node) -> bool:
        """Is no name this import binds read any more (nor imported from here by the project)?"""
        if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
            return False
        bindings = [self.by_alias.get(id(a)) for a in node.names]
        return all(b is not None and b.uses <= 0 and not self._exported(b) for b in bindings)

    def _exported(self, binding: Binding) -> bool:
        """Does another module of the project import this module-level name from this file?"""
        return binding.name in self.ctx.exported and self.ctx.is_module_import(binding)

    def _is_torch_import(self, node) -> bool:
        if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
            return False
        return any(self.by_alias.get(id(a)) is not None and self.by_alias[id(a)].is_torch for a in node.names)

    def _rewrite_import(self, node) -> List[cst.BaseSmallStatement]:
        kept, leaves = [], {}
        for alias in node.names:
            binding = self.by_alias.get(id(alias))
            if binding is not None and binding.is_torch and binding.uses <= 0 and self._exported(binding):
                continue_with = exported_target(binding)  # other modules import it from here
                if continue_with is not None:
                    binding.leaf_target, binding.new_name = continue_with, binding.name
                    leaves.setdefault(continue_with.rpartition(".")[0], []).append(binding)
                else:
                    kept.append(alias)
                continue
            if binding is None or not binding.is_torch:
                kept.append(alias)
            elif binding.uses > 0 and binding.leaf_target is not None:
                module = binding.leaf_target.rpartition(".")[0]
                leaves.setdefault(module, []).append(binding)
            elif binding.uses > 0:
                kept.append(alias)
        out: List[cst.BaseSmallStatement] = []
        keeps_torch = any(self.by_alias.get(id(a)) is not None and self.by_alias[id(a)].is_torch for a in kept)
        if kept:
            if len(kept) < len(node.names):
                kept[-1] = kept[-1].with_changes(comma=node.names[-1].comma)
            out.append(node.with_changes(names=kept))
        return out + [_leaf_import(module, bindings) for module, bindings in leaves.items()], keeps_torch

    # ---- blocks -------------------------------------------------------------
    def _sweep(self, block):
        body = list(block.body)
        if isinstance(block, cst.Module):
            body = self._add_imports(body)
        kept: List[cst.CSTNode] = []
        carried: List[cst.EmptyLine] = []
        for statement in body:
            if id(statement) in self.dropped:
                carried.extend(_comments_of(statement))
                continue
            if carried:
                statement = statement.with_changes(leading_lines=[*carried, *statement.leading_lines])
                carried = []
            kept.append(statement)
        if kept and not carried and len(kept) == len(block.body) and all(a is b for a, b in zip(kept, block.body)):
            # Nothing dropped or added: keep the very block. A copy (equal, byte for byte) made
            # the walk rebuild every statement around every block of the file.
            return block
        if isinstance(block, cst.Module):
            return block.with_changes(body=kept, footer=[*carried, *block.footer])
        if not kept:
            kept = [cst.SimpleStatementLine(body=[cst.Pass()], leading_lines=carried)]
            carried = []
            emptied = block.with_changes(body=kept, footer=[*carried, *block.footer])
            self.emptied.add(id(emptied))
            self._alive.append(emptied)
            return emptied
        return block.with_changes(body=kept, footer=[*carried, *block.footer])

    def _add_imports(self, body: List[cst.CSTNode]) -> List[cst.CSTNode]:
        new = self._needed_imports()
        if not new:
            return body
        if self.first_torch_import is not None:
            at = next(i for i, s in enumerate(body) if s is self.first_torch_import) + 1
        else:
            at = _after_header(body)
        return body[:at] + new + body[at:]

    def _needed_imports(self) -> List[cst.SimpleStatementLine]:
        ctx = self.ctx
        bound = ctx.module_scope.names
        statements = []
        for module in sorted(ctx.roots_used - set(ROOTS) - {"mindspore"}):  # torch, math, ...
            if not any(b.qualname == module for b in bound.values()):
                statement = cst.parse_statement(f"import {module}\n")
                if module == "torch":  # leftovers spelled in full: guarded like a kept import
                    statement = self._guard(statement, [module])
                statements.append(statement)
        if "mindspore" in ctx.roots_used and not any(b.qualname == "mindspore" for b in bound.values()):
            statements.append(cst.parse_statement("import mindspore\n"))
        by_parent: Dict[str, List[str]] = {}
        for root in sorted(ctx.roots_used & set(ROOTS)):
            if root in bound and bound[root].qualname == ROOTS[root]:
                continue
            parent, _, leaf = ROOTS[root].rpartition(".")
            by_parent.setdefault(parent, []).append(leaf if leaf == root else f"{leaf} as {root}")
        for parent, imported in sorted(by_parent.items(), key=lambda item: (item[0] != "mindspore", item[0])):
            statements.append(cst.parse_statement(f"from {parent} import {', '.join(imported)}\n"))
        by_module: Dict[str, List[str]] = {}  # objects emitted by name (ctx.emit_from)
        for path, binding in sorted(ctx.from_imports.items()):
            if binding.uses > 0:
                module, _, name = path.rpartition(".")
                by_module.setdefault(module, []).append(name)
        for module, imported in by_module.items():
            statements.append(cst.parse_statement(f"from {module} import {', '.join(imported)}\n"))
        return statements


def exported_target(binding: Binding) -> Optional[str]:
    """The MindSpore name an unused, re-exported torch import becomes (None: it stays torch's).
    Only a name importable from a module: `from mindspore.mint.nn import Linear`."""
    if isinstance(binding.alias.name, cst.Attribute) or binding.qualname.count(".") < 1:
        return None
    target = lookup.lookup(binding.qualname)
    if target is None or not target.path.startswith("mindspore."):
        return None
    parent = target.path.rpartition(".")[0]
    if inventory.ms_kind(parent) != "module" or target.path.rpartition(".")[2] != binding.qualname.rpartition(".")[2]:
        return None
    return target.path


def _without_semicolon(small: cst.BaseSmallStatement) -> cst.BaseSmallStatement:
    """The statement without a `;` after it (the same node when it has none: flags point at it)."""
    if small.semicolon is cst.MaybeSentinel.DEFAULT:
        return small
    return small.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)


def _leaf_import(module: str, bindings: List[Binding]) -> cst.ImportFrom:
    """`from mindspore.mint.nn import Linear, ReLU as R`: one statement per source module."""
    aliases = []
    for binding in bindings:
        leaf = binding.leaf_target.rpartition(".")[2]
        asname = None if binding.new_name == leaf else cst.AsName(name=cst.Name(binding.new_name))
        aliases.append(cst.ImportAlias(name=cst.Name(leaf), asname=asname))
    separated = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in aliases[:-1]]
    return cst.ImportFrom(module=names.build(module), names=[*separated, aliases[-1]])


def _comments_of(statement) -> List[cst.EmptyLine]:
    """The comment lines of a statement that goes away (blank lines are dropped with it)."""
    lines = [line for line in statement.leading_lines if line.comment is not None]
    trailing = getattr(statement, "trailing_whitespace", None)
    if trailing is not None and trailing.comment is not None:
        lines.append(cst.EmptyLine(comment=trailing.comment))
    return lines


def _after_header(body: List[cst.CSTNode]) -> int:
    """Index after the docstring, `from __future__` imports and the other imports."""
    at = 0
    for i, statement in enumerate(body):
        if not isinstance(statement, cst.SimpleStatementLine):
            break
        first = statement.body[0]
        is_docstring = i == 0 and isinstance(first, cst.Expr) and isinstance(first.value, cst.SimpleString)
        if is_docstring or isinstance(first, (cst.Import, cst.ImportFrom)):
            at = i + 1
        else:
            break
    return at
