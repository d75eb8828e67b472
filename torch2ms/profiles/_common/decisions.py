"""What each import of a library's infrastructure becomes, decided once per file and shared by the
profile's rules (imports.py rewrites the imports and uses, signatures.py the calls).

An import goes where the mindone port has the module and the name; what the port keeps
importing from the library (configurations) and what mindone lacks stay in the library
(absolute), except decorators mindone's own ports drop, which go with their import. A name
that stays in the library but needs torch is flagged at each use. A library constant whose
value is fixed wherever torch is absent (`USE_PEFT_BACKEND`, `is_torch_npu_available()`) is
answered with that value (the library's `answers`), so the branches it guards fold away.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, Optional, Set, Tuple, Union

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import dotted, walk_code
from torch2ms.convert.results import Reason
from torch2ms.convert.scopes import Binding
from torch2ms.profiles._common.library import Layout, Library


@dataclass(frozen=True)
class Decision:
    kind: str  # "mindone" | "library" | "drop" | "answer" | "leave"
    module: Optional[str] = None  # where the name is imported from now
    name: Optional[str] = None  # the name imported there (differs when mindone renamed it)
    source: Optional[str] = None  # the library's own path of the name (the data's key)
    flag: Optional[Tuple[Reason, str]] = None  # (reason, hint) for each use, when it needs torch


def decide(lib: Library, absolute: Optional[str], sibling: bool, name: str) -> Decision:
    if absolute is None or sibling:
        return Decision("leave")
    source = f"{absolute}.{name}"
    if source in lib.answers:
        return Decision("answer", absolute, name, source)
    entry = lib.map.module_entry(absolute)
    if entry is None:
        if lib.stays_silently(absolute):
            return Decision("library", absolute, name, source)
        return Decision("library", absolute, name, source, (Reason.NOT_IN_TABLES, lib.unknown_hint))
    if name in entry.to_mindone:
        return Decision("mindone", entry.mindone_module, name, source)
    if name in entry.moved:
        module, _, new = entry.moved[name].rpartition(".")
        return Decision("mindone", module, new, source)
    if name in entry.drop:
        return Decision("drop", absolute, name, source)
    if name in entry.keep or absolute == lib.name:
        # the top level is recorded for what modeling files import only: the rest (tokenizers,
        # configurations, ...) stays silently
        return Decision("library", absolute, name, source)
    if name in entry.keep_at:
        return Decision("library", entry.keep_at[name], name, source)
    if name in entry.needs_torch:
        return Decision("library", absolute, name, source, (Reason.NO_COUNTERPART, lib.needs_torch_hint))
    return Decision("library", absolute, name, source, (Reason.NOT_IN_TABLES, lib.unknown_hint))


def decide_kept(lib: Library, decision: Decision) -> Decision:
    """A droppable decorator the file also uses otherwise: it stays, from the library."""
    entry = lib.map.module_entry(decision.module or "")
    usable = entry is not None and decision.name in entry.keep
    flag = None if usable else (Reason.NO_COUNTERPART, lib.needs_torch_hint)
    return Decision("library", decision.module, decision.name, decision.source, flag)


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


def imports_internals(lib: Library, module: cst.Module, path: str, torch_only: bool = True,
                      placed: bool = False) -> bool:
    """Does the file import library internals that need torch (modeling_utils, ...)? With
    torch_only=False, any module of the library's infrastructure counts (`..modeling_outputs`).

    Relative imports count from two dots up (`...modeling_utils`): a project's own
    `.utils` is never mistaken for the library's. placed=True: relative imports count only for a
    file the path places inside the library (another library's files import `...utils` too).
    """
    layout = lib.layout_of(path)
    for node in _import_froms(module.body):
        dots, text = module_text(node)
        if dots == 1 or (dots and placed and layout.package is None):
            continue
        absolute, _ = lib.resolve(dots, text, layout)
        entry = lib.map.module_entry(absolute) if absolute else None
        if entry is not None and (entry.imports_torch or not torch_only):
            return True
    return False


class ImportDecisions:
    """Per file: what each import alias becomes, and the names its uses take now."""

    def __init__(self, lib: Library, path: str, source: Union[str, bytes, None]) -> None:
        self.lib = lib
        self.layout: Layout = lib.layout_of(path)
        self.source = source  # the file's text (docstrings.codegen_retext reads it)
        self.decisions: Dict[int, Decision] = {}  # id(ImportAlias) -> what becomes of it
        self.decorator_only: Set[str] = set()  # names the file uses only as decorators
        self.renamed: Dict[int, str] = {}  # id(ImportAlias) -> the local name its uses take now
        self.called_only: Set[str] = set()  # names the file only calls, without arguments

    def prescan(self, ctx: FileContext, node: cst.Module) -> None:
        """Before the walk: which names are used only as decorators, and a decision per import."""
        self.decorator_only, library_names, self.called_only = _prescan(ctx, self.lib.name)
        ctx.watch(library_names)  # names imported inside functions are resolved too
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
        if name and qualname.endswith(name) and (qualname.startswith(".") or qualname.startswith(self.lib.name)):
            module = qualname[: len(qualname) - len(name)]
            dots = len(module) - len(module.lstrip("."))
            text = module.lstrip(".").rstrip(".")
            if dots or module.endswith("."):
                decision = decide(self.lib, *self.lib.resolve(dots, text, self.layout), name)
        if decision.kind == "drop" and binding.name not in self.decorator_only:
            decision = decide_kept(self.lib, decision)
        if decision.kind == "answer" and self.lib.answers[decision.source].get("call") \
                and binding.name not in self.called_only:
            decision = Decision("library", decision.module, decision.name, decision.source)  # used otherwise too
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


# Name nodes that are not references (no variable is read or bound through them): attribute
# and keyword names, def/class/parameter names, what imports and `except ... as` name, global
# and nonlocal lists, match captures, type parameters. (Python's ast has a str there.)
def _not_references(ctx: FileContext) -> Set[int]:
    found: Set[int] = set()
    add = found.add
    for node in ctx.nodes_of(cst.Attribute):
        add(id(node.attr))
    for node in ctx.nodes_of(cst.Arg):
        if node.keyword is not None:
            add(id(node.keyword))
    for node in ctx.nodes_of(cst.FunctionDef, cst.ClassDef, cst.Param, cst.NameItem, cst.TypeVar,
                             cst.TypeVarTuple, cst.ParamSpec):
        add(id(node.name))
    for node in ctx.nodes_of(cst.Import, cst.ImportFrom):
        found.update(id(n) for n in walk_code(node) if type(n) is cst.Name)
    for node in ctx.nodes_of(cst.ExceptHandler, cst.ExceptStarHandler, cst.MatchAs, cst.MatchStar):
        name = node.name
        if name is not None:
            add(id(name.name if type(name) is cst.AsName else name))
    for node in ctx.nodes_of(cst.MatchMapping):
        if node.rest is not None:
            add(id(node.rest))
    for node in ctx.nodes_of(cst.MatchKeywordElement):
        add(id(node.key))
    return found


def _prescan(ctx: FileContext, library: str) -> Tuple[Set[str], Set[str], Set[str]]:
    """(names used only as decorators, or imported and never used; names the library's imports bind;
    names only called without arguments). Read from the file as parsed (ctx.nodes_of: one walk
    the rules share), every name that reads or binds a variable counted."""
    decorating: Set[int] = set()
    for decorator in ctx.nodes_of(cst.Decorator):
        target = decorator.decorator
        if type(target) is cst.Call:
            target = target.func
        if type(target) is cst.Name:
            decorating.add(id(target))
    calling = {id(call.func) for call in ctx.nodes_of(cst.Call) if type(call.func) is cst.Name and not call.args}
    imported: Set[str] = set()
    library_names: Set[str] = set()
    for node in ctx.nodes_of(cst.ImportFrom):
        if isinstance(node.names, cst.ImportStar):
            local = {"*"}
        else:
            local = {a.asname.name.value if a.asname is not None else dotted(a.name) for a in node.names}
        imported |= local
        if node.relative or (dotted(node.module) if node.module is not None else "").startswith(library):
            library_names |= local
    skip = _not_references(ctx)
    names = [n for n in ctx.nodes_of(cst.Name) if id(n) not in skip]
    used = {n.value for n in names if id(n) in decorating}
    other = {n.value for n in names if id(n) not in decorating}
    called = {n.value for n in names if id(n) in calling} - {n.value for n in names if id(n) not in calling}
    return (used | imported) - other, library_names, called


