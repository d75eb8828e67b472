"""Name resolution: which torch object (if any) a name refers to, scope by scope.

Python's rules, simplified to what a single top-to-bottom pass can know: a name is
looked up in the current scope, then in enclosing function scopes (class scopes are
skipped, as Python does), then at module level. Module-level imports are collected
before the pass, so functions may use names imported below them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Tuple, Union

import libcst as cst

from torch2ms.convert.cstutil import dotted
from torch2ms.knowledge import inventory


def is_torch(qualname: Optional[str]) -> bool:
    return qualname is not None and (qualname == "torch" or qualname.startswith("torch."))


@dataclass(eq=False)
class Binding:
    name: str
    qualname: Optional[str]  # what an import bound ("torch.nn"); None for plain variables
    alias: Optional[cst.ImportAlias] = None  # the import alias that made it
    uses: int = 0  # loads of this binding that survive into the output
    leaf_target: Optional[str] = None  # for `from torch.x import Y`: the MindSpore path now imported
    new_name: Optional[str] = None  # the local name that leaf import binds now
    holds_cell: bool = False  # assigned a Cell instance (`model = Net()`)
    cell_maker: Optional[str] = None  # what made that Cell (a torch layer's qualname, or a class of the file)
    kind: Optional[str] = None  # what it holds, where known: "cell", "optimizer", "loader", ... (convert/kinds.py)

    @property
    def is_torch(self) -> bool:
        return is_torch(self.qualname)


@dataclass(eq=False)
class Scope:
    kind: str  # "module" | "class" | "function" | "comprehension"
    parent: Optional["Scope"] = None
    names: Dict[str, Binding] = field(default_factory=dict)

    def bind(self, name: str, qualname: Optional[str] = None, alias=None) -> Binding:
        # A plain local assigned again (in each branch of an if, say) stays one binding, so a
        # read after the branches counts for every assignment that may have reached it.
        old = self.names.get(name)
        if old is not None and qualname is None and alias is None and old.qualname is None and old.alias is None:
            return old
        if old is not None and qualname is None and alias is None and old.alias is not None:
            # `except ImportError: torch = None` after `import torch`: the import's binding stays
            # what the name means (the fallback only matters where the import failed)
            return old
        binding = Binding(name, qualname, alias)
        self.names[name] = binding
        return binding

    def lookup(self, name: str) -> Optional[Binding]:
        scope: Optional[Scope] = self
        innermost = True
        while scope is not None:
            if (innermost or scope.kind != "class") and name in scope.names:
                return scope.names[name]
            innermost = False
            scope = scope.parent
        return None


ImportNode = Union[cst.Import, cst.ImportFrom]


def module_of(node: cst.ImportFrom) -> str:
    """Dotted source module of a from-import; relative imports keep their leading dots."""
    dots = "." * len(node.relative)
    return dots + (dotted(node.module) or "") if node.module is not None else dots


def import_bindings(node: ImportNode) -> Iterator[Tuple[str, str, cst.ImportAlias]]:
    """(local name, qualified name, alias) for each name an import statement binds."""
    if isinstance(node, cst.Import):
        for alias in node.names:
            full = dotted(alias.name) or ""
            if alias.asname is not None:
                yield alias.asname.name.value, full, alias
            else:
                head = full.split(".")[0]
                yield head, head, alias
        return
    if isinstance(node.names, cst.ImportStar):
        return
    base = module_of(node)
    for alias in node.names:
        name = dotted(alias.name) or ""
        local = alias.asname.name.value if alias.asname is not None else name
        full = f"{base}.{name}" if not base.endswith(".") else base + name
        yield local, inventory.canonical(full), alias  # `from torch.nn.modules.conv import Conv2d`: torch.nn.Conv2d


def _statements(body) -> Iterator[cst.CSTNode]:
    """Module-level statements, descending into if/try/with/for blocks but not defs."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (cst.If, cst.Try, cst.With, cst.For, cst.While)):
            blocks: List = [stmt.body]
            orelse = getattr(stmt, "orelse", None)
            while orelse is not None:
                blocks.append(orelse.body)
                orelse = getattr(orelse, "orelse", None) if isinstance(orelse, cst.If) else None
            for handler in getattr(stmt, "handlers", ()):
                blocks.append(handler.body)
            if getattr(stmt, "finalbody", None) is not None:
                blocks.append(stmt.finalbody.body)
            for block in blocks:
                inner = block.body if isinstance(block, cst.IndentedBlock) else [block]
                yield from _statements(inner)


def prescan_module(module: cst.Module, scope: Scope) -> List[Binding]:
    """Bind module-level imports, defs and simple assignments; returns the import bindings."""
    imports: List[Binding] = []
    for stmt in _statements(module.body):
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            if stmt.name.value not in scope.names:
                scope.bind(stmt.name.value)
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                for local, full, alias in import_bindings(small):
                    imports.append(scope.bind(local, full, alias))
            elif isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name) and target.target.value not in scope.names:
                        scope.bind(target.target.value)
    return imports
