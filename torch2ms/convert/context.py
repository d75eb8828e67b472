"""Per-file state shared by the pipeline and the rules, and the API rules use to cooperate.

Rules never call each other and never edit each other's state: what one rule learns or
decides reaches the others only through the methods of `FileContext` marked "rule API"
below (and the few read-only attributes listed in its docstring). The engine and tidy
keep the bookkeeping (scopes, uses, doomed statements) up to date through the rest.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple

import libcst as cst

from torch2ms.convert import cstutil
from torch2ms.convert.results import Reason
from torch2ms.convert.scopes import Binding, Scope, is_torch, prescan_module
from torch2ms.knowledge import extras, inventory

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


def _top_level_names(module: cst.Module) -> Set[str]:
    """Names the file's top level defines (classes, functions, assignments, imports)."""
    names: Set[str] = set()
    for statement in module.body:
        if isinstance(statement, (cst.ClassDef, cst.FunctionDef)):
            names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets = small.targets if isinstance(small, cst.Assign) else ()
                for target in targets:
                    if isinstance(target.target, cst.Name):
                        names.add(target.target.value)
                if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        local = alias.asname.name if alias.asname is not None else alias.name
                        if isinstance(local, cst.Name):
                            names.add(local.value)
    return names


def self_attribute(node: cst.BaseExpression) -> Optional[str]:
    """`self.embed` -> "embed"; anything else -> None."""
    path = cstutil.dotted(node)
    if path is None or not path.startswith("self.") or path.count(".") != 1:
        return None
    return path[5:]


@dataclass
class PendingFlag:
    node: cst.CSTNode
    api: str
    reason: Reason
    hint: Optional[str] = None


@dataclass
class ClassInfo:
    name: str
    is_cell: bool
    # `self.<attr> = nn.ModuleList(...)` and the like: attribute -> what made it (a torch
    # qualname, or the name of one of the file's own Cell classes)
    cell_attrs: Dict[str, str] = field(default_factory=dict)
    # `self.<attr>` -> what it holds where known ("cell", "optimizer", ...; convert/kinds.py)
    attr_kinds: Dict[str, str] = field(default_factory=dict)


@dataclass
class FileContext:
    """What the rules may read: `module` (the parsed file, untouched), `import_bindings`
    (the file's import bindings), `current_class` / `classes` (the classes being walked,
    innermost last). Everything else goes through the methods marked "rule API"."""

    module: cst.Module
    # library classes that are nn.Module subclasses, as dotted tails (profiles.module_bases())
    module_bases: FrozenSet[str] = frozenset()
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
    helpers: List[str] = field(default_factory=list)  # torch2ms/helpers modules the file needs, in first-use order
    # Uses of the names converted code reaches MindSpore through (and of a re-added `torch`).
    root_uses: Dict[str, Binding] = field(default_factory=dict)
    root_names: Dict[str, Optional[str]] = field(default_factory=dict)
    taken_over: Dict[str, Binding] = field(default_factory=dict)  # torch `nn` that mindspore's nn replaces
    # Objects imported by name for the output (`from mindone.x import RMSNorm`): path -> binding.
    from_imports: Dict[str, Binding] = field(default_factory=dict)
    introduced: Set[int] = field(default_factory=set)  # ids of literals the rules wrote (True/False)
    # Statements to drop when the tree is finished: always (None), or only if a binding ends unused.
    doomed: Dict[int, Tuple[cst.CSTNode, Optional[Binding]]] = field(default_factory=dict)
    # Top-level packages of the project being converted (`timm` while converting timm): their
    # imports point into the converted tree, whatever the names say.
    own_packages: FrozenSet[str] = frozenset()
    # torch names a `from .mod import *` binds (read from the project by the runner)
    star_names: Tuple[Tuple[str, str], ...] = ()
    exported: FrozenSet[str] = frozenset()  # names the project's other modules import from this file
    # torch APIs the active profile's port supplies (profiles' supplies()): the converted code has them
    supplied: FrozenSet[str] = frozenset()
    # Imports of other PyTorch libraries (ids of Import/ImportFrom nodes -> the hint): guarded.
    foreign_imports: Dict[int, str] = field(default_factory=dict)
    # Guarded imports tidy kept (the import node, the names it binds): annotate notes their users.
    kept_imports: List[Tuple[cst.CSTNode, List[str]]] = field(default_factory=list)
    # Nodes whose id() is remembered above stay referenced here, so an id is never reused.
    _keep_alive: List[cst.CSTNode] = field(default_factory=list)
    _by_type: Optional[Dict[type, List[cst.CSTNode]]] = None  # nodes_of's index, made on first use

    def __post_init__(self) -> None:
        self.scope = self.module_scope
        self.import_bindings = prescan_module(self.module, self.module_scope)
        self._module_imports = {id(b) for b in self.import_bindings}
        for binding in self.import_bindings:
            self.interesting.add(binding.name)
        for name, qualname in self.star_names:
            binding = self.module_scope.names.get(name)
            if binding is None:  # a star import's
                self.module_scope.bind(name, qualname)
                self.interesting.add(name)
            elif binding.alias is not None and not binding.is_torch and not binding.qualname.startswith("torch"):
                binding.qualname = qualname  # `from .utils import F`: F is torch.nn.functional
                self.interesting.add(name)
        self._choose_root_names()

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

    # ==== for the engine: scopes ===================================================================
    def bind(self, name: str, qualname: Optional[str] = None, alias=None) -> Binding:
        binding = self.scope.bind(name, qualname, alias)
        if is_torch(qualname):
            self.interesting.add(name)
        return binding

    # ==== rule API: what names refer to ========================================================
    def nodes_of(self, *types: type) -> List[cst.CSTNode]:
        """Rule API: every node of these exact types in the file as parsed, in source
        order (for several types: grouped by type, each in source order).

        For rules that read the whole file before the walk (which names hold checkpoints,
        which classes are Datasets): one walk of the file, made on the first request, serves
        them all instead of a walk each.
        """
        if self._by_type is None:
            index: Dict[type, List[cst.CSTNode]] = {}
            stack: List[cst.CSTNode] = [self.module]
            name = cst.Name
            while stack:
                node = stack.pop()
                kind = type(node)
                bucket = index.get(kind)
                if bucket is None:
                    bucket = index[kind] = []
                bucket.append(node)
                if kind is not name:  # a third of the nodes, with no code under them
                    children = cstutil.code_children(node)
                    children.reverse()
                    stack.extend(children)
            self._by_type = index
        if len(types) == 1:
            return list(self._by_type.get(types[0], ()))
        return [node for t in types for node in self._by_type.get(t, ())]

    def lookup(self, name: str) -> Optional[Binding]:
        """The binding a name has where the walk is now (Python's scoping rules)."""
        return self.scope.lookup(name)

    def local_binding(self, name: str) -> Optional[Binding]:
        """The binding of a name in the current scope only (None if bound in an outer one)."""
        return self.scope.names.get(name)

    def is_module_import(self, binding: Binding) -> bool:
        """Was this binding made by an import at module level (in a top-level if/try too)?"""
        return id(binding) in self._module_imports

    def module_binding(self, name: str) -> Optional[Binding]:
        return self.module_scope.names.get(name)

    def binding_of(self, name: cst.Name) -> Optional[Binding]:
        """The binding a Name node reads, for names worth resolving; None for stores, attribute
        names, keywords and names nothing interesting is bound to."""
        if name.value not in self.interesting or id(name) in self.not_loads:
            return None
        return self.scope.lookup(name.value)

    def watch(self, names) -> None:
        """Resolve these names too (a profile's own imports, say): uses are counted from now on."""
        self.interesting.update(names)

    def qualname(self, node: cst.CSTNode) -> Optional[str]:
        """Fully qualified torch name an expression refers to, or None."""
        root = cstutil.chain_root(node)
        if root is None or root.value not in self.interesting:
            return None
        binding = self.lookup(root.value)
        if binding is None or not binding.is_torch:
            return None
        path = cstutil.dotted(node)
        if path is None:
            return None
        return inventory.canonical(binding.qualname + path[len(root.value):])

    def is_chain_root(self, node: cst.CSTNode) -> bool:
        """Is an attribute looked up on this node (`torch` in `torch.nn`)? Then it is no value on its own."""
        return id(node) in self.chain_roots

    def alias_taken_over(self, node: cst.CSTNode) -> bool:
        """Does the chain start with a torch alias whose name MindSpore's now takes (`nn`)?"""
        root = cstutil.chain_root(node)
        return root is not None and self.lookup(root.value) in self.taken_over.values()

    def api_of(self, call: cst.Call) -> Optional[str]:
        """The torch API a call goes to: its qualified name, or `torch.Tensor.<method>` for a method
        call whose receiver may be a tensor."""
        qualname = self.qualname(call.func)
        if qualname is not None:
            return qualname
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value not in extras.tensor_facts().common_elsewhere:
            if not self.not_a_tensor(func.value):
                return f"torch.Tensor.{func.attr.value}"
        return None

    def not_a_tensor(self, receiver: cst.BaseExpression) -> bool:
        """`self.relu(x)`, `super().relu`, `ms.ops.relu(x)`: a method or module function, no Tensor's.
        (A source-to-source tool cannot know a receiver's type: anything else may be a tensor.)"""
        if isinstance(receiver, cst.Call):
            return isinstance(receiver.func, cst.Name) and receiver.func.value == "super"
        root = cstutil.chain_root(receiver)
        if root is None:
            return False
        if root.value in ("self", "cls") and root is receiver:
            return True
        binding = self.lookup(root.value)
        return binding is not None and binding.alias is not None  # reached through an import

    # ==== rule API: classes and Cells =============================================================
    @property
    def current_class(self) -> Optional[ClassInfo]:
        return self.classes[-1] if self.classes else None

    @property
    def inside_cell(self) -> bool:
        """Is the walk inside a Cell class (at any depth)?"""
        return any(cls.is_cell for cls in self.classes)

    @property
    def in_class_body(self) -> bool:
        """Is the current scope a function defined directly in a class body (a method)?"""
        return self.scope.parent is not None and self.scope.parent.kind == "class"

    def mark_cell_class(self) -> None:
        """The class being walked is a Cell."""
        self.current_class.is_cell = True
        self.cell_classes.add(self.current_class.name)

    def is_cell_class(self, name: str) -> bool:
        """Is this one of the file's own Cell classes?"""
        return name in self.cell_classes

    def is_library_cell(self, qualname: str) -> bool:
        """Does an import (absolute, or relative as inside a library) name a library class that
        derives from nn.Module (the profiles' module bases)? Their ports (a converted file converted
        again, `mindone....`) count too."""
        name = qualname.lstrip(".")
        bases = self.module_bases
        return name in bases or name.startswith("mindone.") and name[8:] in bases

    def cell_made_by(self, call: cst.Call) -> Optional[str]:
        """What made the Cell this call builds (a torch layer's qualname, a Cell class of the file,
        or a library's Cell class it imports: `TimestepEmbedding` from diffusers' embeddings), or
        None when the call builds no Cell we know of."""
        qualname = self.qualname(call.func)
        if qualname is not None:
            is_layer = qualname.startswith("torch.nn.") and inventory.torch_kind(qualname) == "class"
            return qualname if is_layer else None
        name = cstutil.dotted(call.func)
        if name in self.cell_classes:
            return name
        binding = self.lookup(name) if isinstance(call.func, cst.Name) else None
        if binding is not None and binding.alias is not None and binding.qualname \
                and self.is_library_cell(binding.qualname):
            return binding.qualname
        return None

    def remember_cell(self, target: cst.BaseExpression, maker: str) -> None:
        """`target = <a Cell>` was assigned: a local name, or `self.<attr>` in a Cell class."""
        if isinstance(target, cst.Name):
            binding = self.scope.names.get(target.value)
            if binding is not None:
                binding.holds_cell = True
                binding.cell_maker = maker
            return
        attr = self_attribute(target)
        if attr is not None and self.current_class is not None and self.current_class.is_cell:
            self.current_class.cell_attrs[attr] = maker

    def remember_kind(self, target: cst.BaseExpression, kind: str, module_level: bool = False) -> None:
        """The name (or `self.<attr>` of the class being walked) holds a `kind` of object ("cell",
        "optimizer", "scheduler", "loader", "dataset"; convert/kinds.py): in the current scope,
        or at module level."""
        attr = self_attribute(target)
        if attr is not None:
            if self.current_class is not None:
                self.current_class.attr_kinds[attr] = kind
                if kind == "cell":
                    self.current_class.cell_attrs.setdefault(attr, "inferred")
            return
        if not isinstance(target, cst.Name):
            return
        scope = self.module_scope if module_level else self.scope
        binding = scope.names.get(target.value)
        if binding is None and module_level:  # `a, b = ...` at module level: prescan binds plain names only
            binding = scope.bind(target.value)
        if binding is not None and binding.qualname is None:
            binding.kind = kind
            if kind == "cell":
                binding.holds_cell = True

    def kind_of(self, expr: cst.BaseExpression) -> Optional[str]:
        """What a name (or `self.<attr>` in a Cell class) is known to hold, or None."""
        if isinstance(expr, cst.Name):
            binding = self.lookup(expr.value)
            if binding is None:
                return None
            return binding.kind or ("cell" if binding.holds_cell else None)
        attr = self_attribute(expr)
        if attr is None or self.current_class is None:
            return None
        return self.current_class.attr_kinds.get(attr) or ("cell" if self.is_cell(expr) else None)

    def is_cell(self, receiver: cst.BaseExpression) -> bool:
        """Is this receiver known to be a Cell: `self` in a Cell class, a variable the same scope
        assigned a Cell to (`model = Net()`), or `self.<attr>` the class assigned a layer to?"""
        cls, attr = self.current_class, self_attribute(receiver)
        if attr is not None and cls is not None:
            return attr in cls.cell_attrs
        if isinstance(receiver, cst.Name):
            if receiver.value == "self":
                return self.inside_cell
            binding = self.lookup(receiver.value)
            return binding is not None and binding.holds_cell
        return False

    def still_torch(self, subtree: cst.CSTNode) -> bool:
        """Does converted code still read a torch name here (one no rule mapped)? An import that
        the tools turns into MindSpore's (`from torch import Tensor`) is no torch name any more."""
        for name in cstutil.iter_names(subtree):
            entry = self.use_of.get(id(name))
            if entry is not None and entry[1].is_torch and entry[1].leaf_target is None:
                return True
        return False

    def cell_maker(self, receiver: cst.BaseExpression) -> Optional[str]:
        """What made the Cell a receiver holds (`self.features` assigned `nn.Sequential(...)`, a local
        `seq = nn.Sequential()`): a torch layer's qualname or a class of the file; None if unknown."""
        cls, attr = self.current_class, self_attribute(receiver)
        if attr is not None and cls is not None:
            return cls.cell_attrs.get(attr)
        if isinstance(receiver, cst.Name) and receiver.value != "self":
            binding = self.lookup(receiver.value)
            return binding.cell_maker if binding is not None else None
        return None

    # ==== rule API: uses of names ================================================================
    def count_use(self, node: cst.Name, binding: Binding) -> None:
        """A Name node in the output reads `binding` (so its import stays)."""
        binding.uses += 1
        self.use_of[id(node)] = (node, binding)

    def discard(self, subtree: cst.CSTNode) -> None:
        """Forget the uses inside a subtree a rule removed from the output."""
        for name in cstutil.iter_names(subtree):
            entry = self.use_of.pop(id(name), None)
            if entry is not None:
                entry[1].uses -= 1

    def duplicate(self, node: cst.BaseExpression) -> cst.BaseExpression:
        """A copy of an expression for a second use in the output; its names count as uses too."""
        clone = node.deep_clone()
        for old, new in zip(cstutil.iter_names(node), cstutil.iter_names(clone)):
            entry = self.use_of.get(id(old))
            if entry is not None:
                self.count_use(new, entry[1])
        return clone

    # ==== rule API: emitting MindSpore references =================================================
    def emit(self, path: str) -> cst.BaseExpression:
        """An expression for a MindSpore path, through the short roots where possible."""
        if not path.startswith("mindspore."):
            return self._emit_python(path)
        root, rest = root_of(path)
        local = self.root_names.get(root) if root != "mindspore" else None
        if local is None or self._shadowed(local):
            root, local, rest = "mindspore", self.root_names["mindspore"], path[len("mindspore") + 1:]
        node = cstutil.build(f"{local}.{rest}")
        self.count_use(cstutil.chain_root(node), self._root_binding(root))
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
        node = cstutil.build(f"{local}.{name}")
        self.count_use(cstutil.chain_root(node), binding)
        return node

    def emit_from(self, path: str) -> cst.BaseExpression:
        """A name for a library object imported by name (`RMSNorm`, with `from mindone.x import
        RMSNorm` added), or spelled in full (`import mindone.x`) where the file takes that name."""
        module, _, name = path.rpartition(".")
        binding = self.from_imports.get(path)
        if binding is None:
            if self.lookup(name) is not None or name in _top_level_names(self.module) or any(
                    b.name == name for b in self.from_imports.values()):
                return self._emit_python(path)
            binding = self.from_imports[path] = Binding(name, path)
        elif self._shadowed(name) or (self.lookup(name) is not None and self.lookup(name) is not binding):
            return self._emit_python(path)
        node = cst.Name(name)
        self.count_use(node, binding)
        return node

    def emit_torch(self, qualname: str) -> cst.BaseExpression:
        """A fully qualified torch reference (for leftovers whose alias mindspore took over)."""
        binding = self.module_scope.names.get("torch")
        if binding is None or binding.qualname != "torch":
            binding = self._root_binding("torch")
        node = cstutil.build(qualname)
        self.count_use(cstutil.chain_root(node), binding)
        return node

    def literal(self, value: bool) -> cst.Name:
        """A True/False the tool decided (the device rule folds conditions on it)."""
        node = cst.Name("True" if value else "False")
        self.introduced.add(id(node))
        self._keep_alive.append(node)
        return node

    def decided(self, node: cst.CSTNode) -> Optional[bool]:
        """The value of a True/False `literal()` wrote; None for anything the user wrote."""
        if id(node) in self.introduced and isinstance(node, cst.Name):
            return node.value == "True"
        return None

    def _root_binding(self, root: str) -> Binding:
        if root not in self.root_uses:
            self.root_uses[root] = Binding(root, ROOTS.get(root, root))
        return self.root_uses[root]

    def _shadowed(self, local: str) -> bool:
        binding = self.lookup(local)
        return binding is not None and binding is not self.module_scope.names.get(local)

    # ==== rule API: statements that go =============================================================
    def doom(self, statement: cst.CSTNode, unless_used: Optional[Binding] = None) -> None:
        """Drop this statement when the tree is finished (only if `unless_used` ends unread)."""
        self.doomed[id(statement)] = (statement, unless_used)
        if unless_used is not None:
            self.interesting.add(unless_used.name)

    def is_doomed(self, statement: cst.CSTNode) -> bool:
        return id(statement) in self.doomed

    def spare(self, statement: cst.CSTNode) -> None:
        """Take back a doom (the statement was folded into another)."""
        self.doomed.pop(id(statement), None)

    # ==== rule API: imports of other PyTorch libraries ===============================================
    def is_own_module(self, module: str) -> bool:
        """Is this (absolute or relative) module part of the project being converted?"""
        return module.startswith(".") or module.split(".")[0] in self.own_packages

    def guard_import(self, node: cst.CSTNode) -> None:
        """Keep this import, guarded by `try/except ImportError` (the file imports without it)."""
        self.foreign_imports[id(node)] = ""
        self._keep_alive.append(node)

    # ==== rule API: flags and figures ================================================================
    def flag(self, node: cst.CSTNode, api: str, reason: Reason, hint: Optional[str] = None) -> None:
        """Leave `node` for a human: a `# torch2ms:` note on its line and an entry in the report."""
        self.flags.append(PendingFlag(node, api, reason, hint))

    def withdraw_flags_in(self, subtree: cst.CSTNode) -> List[PendingFlag]:
        """Take back every flag on a node inside `subtree` (a rule dropped or replaced it)."""
        inside = {id(n) for n in cstutil.iter_nodes(subtree)}
        withdrawn = [f for f in self.flags if id(f.node) in inside]
        if withdrawn:
            self.flags[:] = [f for f in self.flags if id(f.node) not in inside]
        return withdrawn

    def withdraw_flag(self, node: cst.CSTNode) -> List[PendingFlag]:
        """Take back the flags on `node` (a later rule rewrote it after all); returns them."""
        withdrawn = [f for f in self.flags if f.node is node]
        if withdrawn:
            self.flags[:] = [f for f in self.flags if f.node is not node]
        return withdrawn

    def saw(self, api: str) -> None:
        """Count a torch API the source references (for the frequency ledger)."""
        self.seen[api] += 1

    def need_helper(self, module: str) -> None:
        """The output calls a name torch2ms/helpers/<module>.py defines: its code is written into
        the file (rule HelperCalls, at the end of the walk)."""
        if module not in self.helpers:
            self.helpers.append(module)

    def hit(self, kind: str) -> None:
        """Count an argument-rule kind applied (for the figures)."""
        self.rule_hits[kind] += 1

    # ==== for the pipeline ====================================================================
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
