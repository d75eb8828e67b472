"""What each import of transformers' infrastructure becomes, decided once per file and shared
by the profile's rules (imports.py rewrites the imports and uses, signatures.py the calls).

An import goes where mindone.transformers has the module and the name; configurations and
what mindone lacks stay in transformers (absolute), except decorators mindone's own ports
drop, which go with their import. A name that stays in transformers but needs torch is
flagged at each use.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Set, Tuple, Union

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted
from torch2ms.convert.results import Reason
from torch2ms.convert.scopes import Binding
from torch2ms.profiles.transformers.data import config_modules, module_entry
from torch2ms.profiles.transformers.layout import Layout, layout_of, resolve

NEEDS_TORCH_HINT = "mindone.transformers has no counterpart; transformers' own needs torch"
UNKNOWN_HINT = "not in the HF map (data/hf_map.json)"  # the profile folder's data/


@dataclass(frozen=True)
class Decision:
    kind: str  # "mindone" | "transformers" | "drop" | "leave"
    module: Optional[str] = None  # where the name is imported from now
    name: Optional[str] = None  # the name imported there (differs when mindone renamed it)
    source: Optional[str] = None  # transformers' own path of the name (the data's key)
    flag: Optional[Tuple[Reason, str]] = None  # (reason, hint) for each use, when it needs torch


def decide(absolute: Optional[str], sibling: bool, name: str) -> Decision:
    if absolute is None or sibling:
        return Decision("leave")
    source = f"{absolute}.{name}"
    entry = module_entry(absolute)
    if entry is None:
        if absolute in config_modules() or absolute.rpartition(".")[2].startswith("configuration_"):
            return Decision("transformers", absolute, name, source)
        return Decision("transformers", absolute, name, source, (Reason.NOT_IN_TABLES, UNKNOWN_HINT))
    if name in entry.to_mindone:
        return Decision("mindone", entry.mindone_module, name, source)
    if name in entry.moved:
        module, _, new = entry.moved[name].rpartition(".")
        return Decision("mindone", module, new, source)
    if name in entry.drop:
        return Decision("drop", absolute, name, source)
    if name in entry.keep or absolute == "transformers":
        # the top level is recorded for what modeling files import only: the rest (tokenizers,
        # configurations, ...) stays silently
        return Decision("transformers", absolute, name, source)
    if name in entry.keep_at:
        return Decision("transformers", entry.keep_at[name], name, source)
    if name in entry.needs_torch:
        return Decision("transformers", absolute, name, source, (Reason.NO_COUNTERPART, NEEDS_TORCH_HINT))
    return Decision("transformers", absolute, name, source, (Reason.NOT_IN_TABLES, UNKNOWN_HINT))


def decide_kept(decision: Decision) -> Decision:
    """A droppable decorator the file also uses otherwise: it stays, from transformers."""
    entry = module_entry(decision.module or "")
    usable = entry is not None and decision.name in entry.keep
    flag = None if usable else (Reason.NO_COUNTERPART, NEEDS_TORCH_HINT)
    return Decision("transformers", decision.module, decision.name, decision.source, flag)


def module_text(node: cst.ImportFrom) -> Tuple[int, str]:
    return len(node.relative), (dotted(node.module) or "") if node.module is not None else ""


def _import_froms(body: Iterable[cst.CSTNode]) -> Iterable[cst.ImportFrom]:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.ImportFrom):
                    yield small
        elif isinstance(statement, (cst.If, cst.Try)):
            yield from _import_froms(statement.body.body)


def imports_internals(module: cst.Module, path: str) -> bool:
    """Does the file import transformers internals that need torch (modeling_utils, ...)?

    Relative imports count from two dots up (`...modeling_utils`): a project's own
    `.utils` is never mistaken for transformers'.
    """
    layout = layout_of(path)
    for node in _import_froms(module.body):
        dots, text = module_text(node)
        if dots == 1:
            continue
        absolute, _ = resolve(dots, text, layout)
        entry = module_entry(absolute) if absolute else None
        if entry is not None and entry.imports_torch:
            return True
    return False


class ImportDecisions:
    """Per file: what each import alias becomes, and the names its uses take now."""

    def __init__(self, path: str, source: Union[str, bytes, None]) -> None:
        self.layout: Layout = layout_of(path)
        self.source = source  # the file's text, to read with ast (cheaper than rendering the tree)
        self.decisions: Dict[int, Decision] = {}  # id(ImportAlias) -> what becomes of it
        self.decorator_only: Set[str] = set()  # names the file uses only as decorators
        self.renamed: Dict[int, str] = {}  # id(ImportAlias) -> the local name its uses take now

    def prescan(self, ctx: FileContext, node: cst.Module) -> None:
        """Before the walk: which names are used only as decorators, and a decision per import."""
        try:
            tree = ast.parse(self.source if self.source is not None else node.code)
        except (SyntaxError, ValueError):  # libcst accepted what this Python's ast does not
            tree = None
        if tree is not None:
            self.decorator_only, hf_names = _prescan(tree)
            ctx.watch(hf_names)  # names imported inside functions are resolved too
        for binding in ctx.import_bindings:
            self.of_binding(ctx, binding)

    def of_binding(self, ctx: FileContext, binding: Binding) -> Decision:
        alias = binding.alias
        key = id(alias)
        found = self.decisions.get(key)
        if found is not None:
            return found
        decision = Decision("leave")
        qualname = binding.qualname or ""
        name = dotted(alias.name) if alias is not None else None
        if name and qualname.endswith(name) and (qualname.startswith(".") or qualname.startswith("transformers")):
            module = qualname[: len(qualname) - len(name)]
            dots = len(module) - len(module.lstrip("."))
            text = module.lstrip(".").rstrip(".")
            if dots or module.endswith("."):
                decision = decide(*resolve(dots, text, self.layout), name)
        if decision.kind == "drop" and binding.name not in self.decorator_only:
            decision = decide_kept(decision)
        self.decisions[key] = decision
        if decision.kind == "mindone" and decision.name != name and alias.asname is None:
            if ctx.module_binding(decision.name) is None:
                self.renamed[key] = decision.name
        return decision

    def of_name(self, ctx: FileContext, name: str) -> Tuple[Optional[Binding], Optional[Decision]]:
        """(binding, decision) for a name as the walk sees it now; no decision for non-imports."""
        binding = ctx.lookup(name)
        if binding is None or binding.alias is None or not isinstance(binding.alias, cst.ImportAlias):
            return binding, None
        return binding, self.of_binding(ctx, binding)


def _prescan(tree: ast.AST) -> Tuple[Set[str], Set[str]]:
    """(names used only as decorators, or imported and never used; names transformers imports bind)."""
    decorating: Set[int] = set()
    names = []
    imported: Set[str] = set()
    hf_names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Name):
                    decorating.add(id(target))
        elif isinstance(node, ast.ImportFrom):
            local = {alias.asname or alias.name for alias in node.names}
            imported |= local
            if node.level or (node.module or "").startswith("transformers"):
                hf_names |= local
    used = {n.id for n in names if id(n) in decorating}
    other = {n.id for n in names if id(n) not in decorating}
    return (used | imported) - other, hf_names
