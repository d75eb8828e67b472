"""Per-file state shared by the rules: scopes, uses, flags, emitted MindSpore names."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Set, Tuple

import libcst as cst

from torch2ms.convert import cstutil as names
from torch2ms.convert.scopes import Binding, Scope, is_torch, prescan_module

# The short names converted code reaches MindSpore through, and the module each stands for.
ROOTS = {
    "mint": "mindspore.mint",
    "ops": "mindspore.ops",
    "nn": "mindspore.nn",
    "init": "mindspore.common.initializer",
}


def root_of(path: str) -> Tuple[str, str]:
    """("init", "Normal") for "mindspore.common.initializer.Normal"; ("mindspore", ...) otherwise."""
    for root, module in ROOTS.items():
        if path.startswith(module + "."):
            return root, path[len(module) + 1:]
    return "mindspore", path[len("mindspore") + 1:]


@dataclass
class PendingFlag:
    node: cst.CSTNode
    api: str
    reason: str
    hint: Optional[str] = None


@dataclass
class ClassInfo:
    name: str
    is_cell: bool
    # `self.<attr> = nn.ModuleList(...)` and the like: attribute -> what made it (a torch
    # qualname, or the name of one of the file's own Cell classes)
    cell_attrs: Dict[str, str] = field(default_factory=dict)


@dataclass
class FileContext:
    module: cst.Module
    module_scope: Scope = field(default_factory=lambda: Scope("module"))
    scope: Scope = None  # type: ignore[assignment]
    import_bindings: List[Binding] = field(default_factory=list)
    interesting: Set[str] = field(default_factory=set)  # names worth resolving at all
    not_loads: Set[int] = field(default_factory=set)  # ids of Name nodes that are not references
    chain_roots: Set[int] = field(default_factory=set)  # ids of nodes an attribute is looked up on
    use_of: Dict[int, Tuple[cst.Name, Binding]] = field(default_factory=dict)  # surviving uses
    classes: List[ClassInfo] = field(default_factory=list)
    cell_classes: Set[str] = field(default_factory=set)
    flags: List[PendingFlag] = field(default_factory=list)
    seen: Counter = field(default_factory=Counter)  # every torch API referenced (for the frequency ledger)
    rule_hits: Counter = field(default_factory=Counter)  # argument-rule kinds applied (for the figures)
    # Uses of the names converted code reaches MindSpore through (and of a re-added `torch`).
    root_uses: Dict[str, Binding] = field(default_factory=dict)
    root_names: Dict[str, Optional[str]] = field(default_factory=dict)
    taken_over: Dict[str, Binding] = field(default_factory=dict)  # torch `nn` that mindspore's nn replaces
    introduced: Set[int] = field(default_factory=set)  # ids of literals the rules wrote (True/False)
    # Statements to drop when the tree is finished: always (None), or only if a binding ends unused.
    doomed: Dict[int, Tuple[cst.CSTNode, Optional[Binding]]] = field(default_factory=dict)
    # Nodes whose id() is remembered above stay referenced here, so an id is never reused.
    _keep_alive: List[cst.CSTNode] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.scope = self.module_scope
        self.import_bindings = prescan_module(self.module, self.module_scope)
        for binding in self.import_bindings:
            self.interesting.add(binding.name)
        self._choose_root_names()

    # ---- names and scopes -------------------------------------------------
    def _choose_root_names(self) -> None:
        bound = self.module_scope.names
        ms_alias = next((b.name for b in bound.values() if b.qualname == "mindspore"), None)
        self.root_names["mindspore"] = ms_alias or "mindspore"
        for root in ROOTS:
            binding = bound.get(root)
            if binding is None or binding.qualname == ROOTS[root]:
                self.root_names[root] = root
            elif binding.is_torch:
                self.root_names[root] = root
                self.taken_over[root] = binding
            else:
                self.root_names[root] = None  # the file uses that name for its own thing
        self.interesting.update(r for r in self.root_names.values() if r)

    def lookup(self, name: str) -> Optional[Binding]:
        return self.scope.lookup(name)

    def qualname(self, node: cst.CSTNode) -> Optional[str]:
        """Fully qualified torch name an expression refers to, or None."""
        root = names.chain_root(node)
        if root is None or root.value not in self.interesting:
            return None
        binding = self.lookup(root.value)
        if binding is None or not binding.is_torch:
            return None
        path = names.dotted(node)
        if path is None:
            return None
        return binding.qualname + path[len(root.value):]

    def bind(self, name: str, qualname: Optional[str] = None, alias=None) -> Binding:
        binding = self.scope.bind(name, qualname, alias)
        if is_torch(qualname):
            self.interesting.add(name)
        return binding

    def count_use(self, node: cst.Name, binding: Binding) -> None:
        binding.uses += 1
        self.use_of[id(node)] = (node, binding)

    def discard(self, subtree: cst.CSTNode) -> None:
        """Forget the uses inside a subtree a rule removed from the output."""
        for name in names.iter_names(subtree):
            entry = self.use_of.pop(id(name), None)
            if entry is not None:
                entry[1].uses -= 1

    # ---- emitting MindSpore references -------------------------------------
    def emit(self, path: str) -> cst.BaseExpression:
        """An expression for a MindSpore path, through the short roots where possible."""
        if not path.startswith("mindspore."):
            return self._emit_python(path)
        root, rest = root_of(path)
        local = self.root_names.get(root) if root != "mindspore" else None
        if local is None or self._shadowed(local):
            root, local, rest = "mindspore", self.root_names["mindspore"], path[len("mindspore") + 1:]
        node = names.build(f"{local}.{rest}")
        self.count_use(names.chain_root(node), self._root_binding(root))
        return node

    def _emit_python(self, path: str) -> cst.BaseExpression:
        """Python's own: `builtins.tuple` -> `tuple`, `math.inf` -> `math.inf` (+ `import math`)."""
        module, _, name = path.rpartition(".")
        if module == "builtins":
            return cst.Name(name)
        binding = next((b for b in self.module_scope.names.values() if b.qualname == module), None)
        if binding is None or self._shadowed(binding.name):
            binding, local = self._root_binding(module), module  # `import numpy` is added
        else:
            local = binding.name  # the file's own `import numpy as np`
        node = names.build(f"{local}.{name}")
        self.count_use(names.chain_root(node), binding)
        return node

    def _root_binding(self, root: str) -> Binding:
        if root not in self.root_uses:
            self.root_uses[root] = Binding(root, ROOTS.get(root, root))
        return self.root_uses[root]

    @property
    def roots_used(self) -> Set[str]:
        return {root for root, binding in self.root_uses.items() if binding.uses > 0}

    def mapped_counts(self) -> Counter:
        """Surviving references to MindSpore, by the namespace they go through."""
        counts = Counter({r: b.uses for r, b in self.root_uses.items() if (r in ROOTS or r == "mindspore") and b.uses > 0})
        for binding in self.import_bindings:
            if binding.leaf_target and binding.uses > 0:
                counts[root_of(binding.leaf_target)[0]] += binding.uses
        return counts

    def emit_torch(self, qualname: str) -> cst.BaseExpression:
        """A fully qualified torch reference (for leftovers whose alias mindspore took over)."""
        binding = self.module_scope.names.get("torch")
        if binding is None or binding.qualname != "torch":
            binding = self._root_binding("torch")
        node = names.build(qualname)
        self.count_use(names.chain_root(node), binding)
        return node

    def _shadowed(self, local: str) -> bool:
        binding = self.lookup(local)
        return binding is not None and binding is not self.module_scope.names.get(local)

    def doom(self, statement: cst.CSTNode, unless_used: Optional[Binding] = None) -> None:
        self.doomed[id(statement)] = (statement, unless_used)
        if unless_used is not None:
            self.interesting.add(unless_used.name)

    # ---- reporting ------------------------------------------------------
    def flag(self, node: cst.CSTNode, api: str, reason: str, hint: Optional[str] = None) -> None:
        self.flags.append(PendingFlag(node, api, reason, hint))

    def literal(self, value: bool) -> cst.Name:
        node = cst.Name("True" if value else "False")
        self.introduced.add(id(node))
        self._keep_alive.append(node)
        return node

    @property
    def current_class(self) -> Optional[ClassInfo]:
        return self.classes[-1] if self.classes else None

