"""What the file's own names hold, learned before the walk: Cells, optimizers, schedulers, data
loaders and datasets.

A source-to-source tool cannot know types, but a training script says a lot about its
objects: `model = Net().to(device)` is a Cell (Net derives from nn.Module), so is anything
whose `.parameters()` go into a torch optimizer; `optimizer = optim.Adam(...)` is an
optimizer; `train(model, loader, optimizer)` hands those kinds to `train`'s parameters (when
every call in the file agrees); a parameter annotated `nn.Module` is a Cell. Functions of the
file whose every `return` gives one kind make that kind. Names are kept per scope: "" is the
module, "f" a module-level function, "C.m" a method, "f.g" a nested function.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, Iterator, List, Optional, Set, Tuple

import libcst as cst

from torch2ms.convert.cstutil import code_children, dotted, keyword
from torch2ms.convert.dataflow import binds, target_names

# Node types are tested with `type(x) is cst.X`: libcst's node classes are final, and isinstance
# on them goes through ABCMeta (a Python call each), which was a fifth of the inference's time.
CELL, OPTIMIZER, SCHEDULER, LOADER, DATASET = "cell", "optimizer", "scheduler", "loader", "dataset"
GRAD_SCALER = "grad_scaler"

# Methods that return their receiver (nn.Module's, and what torch code chains on a model).
SELF_RETURNING = {"to", "cuda", "cpu", "train", "eval", "float", "double", "half", "bfloat16",
                  "requires_grad_", "share_memory", "apply", "type"}
# The standard library's copies (`import copy` / `from copy import deepcopy`).
COPIES = {"copy.deepcopy", "copy.copy", "deepcopy"}
# Methods only nn.Module has.
MODULE_ONLY = {"named_parameters", "named_modules", "named_buffers", "named_children", "register_forward_hook",
               "register_forward_pre_hook", "register_buffer", "register_module", "load_state_dict_pre_hook"}
# Names other objects in a training script carry too (optimizers, schedulers, dicts): a file's
# Cell class defining one says nothing about a receiver calling it.
SHARED_METHODS = {"step", "zero_grad", "state_dict", "load_state_dict", "update", "reset", "get", "items", "keys",
                  "values", "append", "pop", "copy", "save", "load", "run", "fit", "predict", "evaluate", "test",
                  "close", "forward", "parameters"}
# torch base classes whose subclasses are datasets.
DATASET_BASES = {"torch.utils.data.Dataset", "torch.utils.data.IterableDataset",
                 "torch.utils.data.dataset.Dataset", "torch.utils.data.dataset.IterableDataset"}
# torch callables that make datasets and loaders.
MAKERS = {
    "torch.utils.data.DataLoader": LOADER,
    "torch.utils.data.dataloader.DataLoader": LOADER,
    "torch.utils.data.TensorDataset": DATASET,
    "torch.utils.data.dataset.TensorDataset": DATASET,
    "torch.cuda.amp.GradScaler": GRAD_SCALER,
    "torch.amp.GradScaler": GRAD_SCALER,
    "torch.cpu.amp.GradScaler": GRAD_SCALER,
}

Resolve = Callable[[cst.BaseExpression], Optional[str]]  # a Name/Attribute chain -> torch qualname
IsLayer = Callable[[str], bool]  # a torch qualname -> is it an nn.Module class?


@dataclass
class Kinds:
    names: Dict[str, Dict[str, str]] = field(default_factory=dict)  # scope key -> name -> kind
    cell_classes: Set[str] = field(default_factory=set)
    dataset_classes: Set[str] = field(default_factory=set)
    locals: Dict[str, Set[str]] = field(default_factory=dict)  # scope key -> names bound there (as asked)
    attrs: Dict[str, Dict[str, str]] = field(default_factory=dict)  # class key -> self.<attr> -> kind
    # scope key -> the names bound there, worked out on demand: most names never get a kind, and
    # finding every scope's bindings up front was a third of the inference's time.
    binder: Optional[Callable[[str], Set[str]]] = None

    def bound(self, key: str) -> Set[str]:
        """The names bound in a scope (a function's parameters and assignments; the module's)."""
        found = self.locals.get(key)
        if found is None:
            found = self.locals[key] = self.binder(key) if self.binder is not None else set()
        return found

    def of(self, scope: str, name: str) -> Optional[str]:
        """The kind of `name` read in `scope` (enclosing function scopes, then the module)."""
        if not any(name in known for known in self.names.values()):
            return None  # no scope gives it a kind: where it is bound does not matter
        key = scope
        while True:
            if key == "" or name in self.bound(key):
                return self.names.get(key, {}).get(name)
            key = key.rpartition(".")[0] if "." in key else ""


@dataclass
class _Function:
    key: str
    node: cst.FunctionDef
    params: List[str]
    is_method: bool


def _base_qualnames(cls: cst.ClassDef, resolve: Resolve) -> Iterator[Tuple[Optional[str], Optional[str]]]:
    for base in cls.bases:
        yield resolve(base.value), dotted(base.value)


def _classes(module: cst.Module, resolve: Resolve, is_layer: IsLayer, module_bases: Callable[[str], bool]):
    """The file's Cell classes and Dataset classes (bases resolved, file classes followed)."""
    classes = [s for s in _walk_defs(module.body) if type(s) is cst.ClassDef]
    cells: Set[str] = set()
    datasets: Set[str] = set()
    changed = True
    while changed:
        changed = False
        for cls in classes:
            name = cls.name.value
            for qualname, text in _base_qualnames(cls, resolve):
                is_cell = (qualname is not None and (qualname == "torch.nn.Module" or is_layer(qualname))) or (
                    text is not None and (text in cells or module_bases(text)))
                is_data = (qualname in DATASET_BASES) or (text is not None and text in datasets)
                if is_cell and name not in cells:
                    cells.add(name)
                    changed = True
                if is_data and name not in datasets:
                    datasets.add(name)
                    changed = True
    return cells, datasets


def _own_methods(module: cst.Module, cells: Set[str]) -> Set[str]:
    """Methods only the file's Cell classes define (`training_step`, `init_hidden`): a name
    they are called on (`model.training_step(batch)`) holds one of those Cells."""
    in_cells: Set[str] = set()
    elsewhere: Set[str] = set()
    for cls in (s for s in _walk_defs(module.body) if type(s) is cst.ClassDef):
        body = cls.body.body if type(cls.body) is cst.IndentedBlock else ()
        names = {s.name.value for s in body if type(s) is cst.FunctionDef}
        (in_cells if cls.name.value in cells else elsewhere).update(names)
    return {n for n in in_cells - elsewhere - SHARED_METHODS - SELF_RETURNING - MODULE_ONLY
            if not n.startswith("__")}


def _walk_defs(body) -> Iterator[cst.CSTNode]:
    """Every def and class of the file, at any depth."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if type(node) in (cst.FunctionDef, cst.ClassDef):
            yield node
        if type(node) in (cst.FunctionDef, cst.ClassDef, cst.If, cst.For, cst.While, cst.With, cst.Try):
            inner = node.body.body if type(node.body) is cst.IndentedBlock else ()
            stack.extend(inner)
            for part in ("orelse", "finalbody"):
                other = getattr(node, part, None)
                if other is not None and type(getattr(other, "body", None)) is cst.IndentedBlock:
                    stack.extend(other.body.body)
            for handler in getattr(node, "handlers", ()):
                stack.extend(handler.body.body)


def _functions(module: cst.Module) -> Dict[str, _Function]:
    found: Dict[str, _Function] = {}

    def visit(body, prefix: str, in_class: bool) -> None:
        for node in _statements(body):
            if type(node) is cst.FunctionDef:
                key = f"{prefix}.{node.name.value}" if prefix else node.name.value
                params = [p.name.value for p in (*node.params.posonly_params, *node.params.params)]
                params += [p.name.value for p in node.params.kwonly_params]
                found[key] = _Function(key, node, params, in_class)
                visit(node.body.body, key, False)
            elif type(node) is cst.ClassDef:
                key = f"{prefix}.{node.name.value}" if prefix else node.name.value
                visit(node.body.body, key, True)

    visit(module.body, "", False)
    return found


def _statements(body) -> Iterator[cst.CSTNode]:
    """Statements of a block, descending into if/for/while/with/try blocks (not into defs)."""
    for node in body:
        yield node
        if type(node) in (cst.If, cst.For, cst.While, cst.With, cst.Try):
            blocks = [node.body]
            orelse = getattr(node, "orelse", None)
            while orelse is not None:
                blocks.append(orelse.body)
                orelse = orelse.orelse if type(orelse) is cst.If else None
            blocks += [h.body for h in getattr(node, "handlers", ())]
            if getattr(node, "finalbody", None) is not None:
                blocks.append(node.finalbody.body)
            for block in blocks:
                if type(block) is cst.IndentedBlock:
                    yield from _statements(block.body)


def _small_statements(body) -> Iterator[cst.BaseSmallStatement]:
    for node in _statements(body):
        if type(node) is cst.SimpleStatementLine:
            yield from node.body


def _calls(node: cst.CSTNode) -> Iterator[cst.Call]:
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) and current is not node:
            continue
        if type(current) is cst.Call:
            yield current
        stack.extend(code_children(current))


# Nodes with no code under them (Name aside, tested first).
_LEAVES = frozenset({cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Pass, cst.Ellipsis,
                     cst.Break, cst.Continue})


class _Inference:
    def __init__(self, module: cst.Module, resolve: Resolve, is_layer: IsLayer,
                 module_bases: Callable[[str], bool], walrus: bool = True) -> None:
        self.module = module
        self.resolve = resolve
        self.is_layer = is_layer
        self.kinds = Kinds()
        self.kinds.cell_classes, self.kinds.dataset_classes = _classes(module, resolve, is_layer, module_bases)
        self.functions = _functions(module)
        self.cell_methods = _own_methods(module, self.kinds.cell_classes)
        self.returns: Dict[str, str] = {}  # function key -> the kind every return gives
        self._scope_code: Dict[str, Tuple[List[cst.Call], List[cst.Return]]] = {}
        self.walrus = walrus
        self.kinds.binder = self._bindings

    def _bindings(self, key: str) -> Set[str]:
        if key == "":
            body, bound = self.module.body, set()
        elif key in self.functions:
            fn = self.functions[key]
            body, bound = fn.node.body.body, set(fn.params)
        else:
            return set()  # a class body: its names are not the methods' variables
        for node in body:
            bound |= binds(node, self.walrus)
        return bound

    # ---- what an expression makes ----------------------------------------------------
    def kind_of(self, expr: cst.BaseExpression, scope: str) -> Optional[str]:
        if type(expr) is cst.Name:
            return self.kinds.of(scope, expr.value)
        attr = _self_attr(expr)
        if attr is not None and self._method_of(scope) is not None:
            return self.kinds.attrs.get(self._method_of(scope), {}).get(attr)
        if type(expr) is not cst.Call:
            return None
        func = expr.func
        if type(func) is cst.Attribute and func.attr.value in SELF_RETURNING and self.resolve(func) is None:
            inner = self.kind_of(func.value, scope)
            return inner if inner == CELL else None
        qualname = self.resolve(func)
        if qualname is not None:
            if qualname in MAKERS:
                return MAKERS[qualname]
            if qualname.startswith("torch.optim.lr_scheduler."):
                return SCHEDULER
            if qualname.startswith("torch.optim.") and qualname.rpartition(".")[2][:1].isupper():
                return OPTIMIZER
            return CELL if self.is_layer(qualname) else None
        name = dotted(func)
        if name in COPIES and len(expr.args) == 1 and not expr.args[0].keyword and not expr.args[0].star:
            inner = self.kind_of(expr.args[0].value, scope)  # `ema = copy.deepcopy(model)`: a Cell too
            return inner if inner == CELL else None
        if name in self.kinds.cell_classes:
            return CELL
        if name in self.kinds.dataset_classes:
            return DATASET
        if name is not None:
            key = self._function_key(name, scope)
            if key is not None:
                return self.returns.get(key)
        return None

    def _method_of(self, scope: str) -> Optional[str]:
        """The class key of a method's scope ("Trainer" for "Trainer.step"), else None."""
        fn = self.functions.get(scope)
        return scope.rpartition(".")[0] if fn is not None and fn.is_method else None

    def _function_key(self, name: str, scope: str) -> Optional[str]:
        """The function a name called in `scope` refers to (nested ones first, then the module's)."""
        key = scope
        while True:
            candidate = f"{key}.{name}" if key else name
            if candidate in self.functions and not self.functions[candidate].is_method:
                return candidate
            if not key:
                return None
            key = key.rpartition(".")[0]

    def _annotation_kind(self, annotation: Optional[cst.Annotation]) -> Optional[str]:
        if annotation is None:
            return None
        expr = annotation.annotation
        if type(expr) is cst.SimpleString:
            return None
        qualname = self.resolve(expr)
        if qualname is not None:
            if qualname == "torch.nn.Module" or self.is_layer(qualname):
                return CELL
            if qualname in ("torch.optim.Optimizer", "torch.optim.optimizer.Optimizer"):
                return OPTIMIZER
            if qualname in MAKERS:
                return MAKERS[qualname]
            return None
        name = dotted(expr)
        if name in self.kinds.cell_classes:
            return CELL
        return DATASET if name in self.kinds.dataset_classes else None

    # ---- one pass over every scope ------------------------------------------------------
    def run(self) -> Kinds:
        for _ in range(4):  # kinds flow through calls and returns: a few rounds settle them
            before = repr(sorted((k, sorted(v.items())) for k, v in self.kinds.names.items()))
            self._scope("", self.module.body)
            for key, fn in self.functions.items():
                self._params(fn)
                self._scope(key, fn.node.body.body)
                self._returns(fn)
            self._call_sites()
            if repr(sorted((k, sorted(v.items())) for k, v in self.kinds.names.items())) == before:
                break
        return self.kinds

    def _set(self, scope: str, name: str, kind: Optional[str]) -> None:
        if kind is not None:
            self.kinds.names.setdefault(scope, {})[name] = kind

    def _scope(self, scope: str, body) -> None:
        for small in _small_statements(body):
            if type(small) is cst.Assign and len(small.targets) == 1:
                target = small.targets[0].target
                if type(target) is cst.Name:
                    self._set(scope, target.value, self.kind_of(small.value, scope))
                elif self._method_of(scope) is not None and _self_attr(target) is not None:
                    kind = self.kind_of(small.value, scope)
                    if kind is not None:
                        self.kinds.attrs.setdefault(self._method_of(scope), {})[_self_attr(target)] = kind
                elif type(target) is cst.Tuple and type(small.value) is cst.Tuple:
                    for element, value in zip(target.elements, small.value.elements):
                        if type(element.value) is cst.Name:
                            self._set(scope, element.value.value, self.kind_of(value.value, scope))
            elif type(small) is cst.AnnAssign and type(small.target) is cst.Name:
                kind = self._annotation_kind(small.annotation)
                if kind is None and small.value is not None:
                    kind = self.kind_of(small.value, scope)
                self._set(scope, small.target.value, kind)
        calls = self._calls_in(scope, body)
        for call in calls:
            self._optimizer_evidence(call, scope)
        self._module_evidence(calls, scope)

    def _optimizer_evidence(self, call: cst.Call, scope: str) -> None:
        """`optim.Adam(model.parameters())`: model is a Cell (torch optimizers take module parameters)."""
        if self.kind_of(call, scope) != OPTIMIZER or not call.args:
            return
        params = next((a.value for a in call.args if keyword(a) == "params"), None)
        if params is None and keyword(call.args[0]) is None:
            params = call.args[0].value
        if params is None:
            return
        for inner in _calls(params):
            func = inner.func
            if type(func) is cst.Attribute and func.attr.value in ("parameters", "named_parameters"):
                if _self_attr(func.value) is not None and self._method_of(scope) is not None:
                    self._set_attr(scope, _self_attr(func.value))
                elif type(func.value) is cst.Name and self.resolve(func.value) is None:
                    name = func.value.value
                    owner = scope if name in self.kinds.bound(scope) else ""
                    if owner == "" and name not in self.kinds.bound(""):
                        continue
                    self._set(owner, name, CELL)

    def _module_evidence(self, calls: List[cst.Call], scope: str) -> None:
        """`m.named_parameters()` and friends are nn.Module's; so is a name the code both calls
        (`model(x)`) and switches to training or evaluation (`model.train()`, `model.eval()`)."""
        called, switched = set(), set()
        for call in calls:
            func = call.func
            if type(func) is cst.Name or _self_attr(func) is not None:
                called.add(dotted(func))
            elif type(func) is cst.Attribute and (type(func.value) is cst.Name or _self_attr(func.value)) \
                    and self.resolve(func.value) is None:
                name, method = dotted(func.value), func.attr.value
                if method in MODULE_ONLY or method in self.cell_methods:
                    self._evidence(scope, name)
                elif method in ("train", "eval") and len(call.args) <= 1:
                    switched.add(name)
        for name in called & switched:
            self._evidence(scope, name)

    def _evidence(self, scope: str, name: str) -> None:
        if name.startswith("self."):
            if self._method_of(scope) is not None:
                self._set_attr(scope, name[5:])
        else:
            self._set_evidence(scope, name)

    def _set_attr(self, scope: str, attr: str) -> None:
        known = self.kinds.attrs.setdefault(self._method_of(scope), {})
        if known.get(attr) in (None, CELL):
            known[attr] = CELL

    def _set_evidence(self, scope: str, name: str) -> None:
        owner = scope if name in self.kinds.bound(scope) else ""
        if owner == "" and name not in self.kinds.bound(""):
            return
        if self.kinds.names.get(owner, {}).get(name) in (None, CELL):
            self._set(owner, name, CELL)

    def _params(self, fn: _Function) -> None:
        params = (*fn.node.params.posonly_params, *fn.node.params.params, *fn.node.params.kwonly_params)
        for param in params:
            self._set(fn.key, param.name.value, self._annotation_kind(param.annotation))

    def _own_code(self, scope: str, body) -> Tuple[List[cst.Call], List[cst.Return]]:
        """The calls and returns of a scope's own code (not of the defs inside it), in one walk;
        the tree does not change while kinds are inferred, and the rounds of `run` ask again:
        found once."""
        found = self._scope_code.get(scope)
        if found is None:
            calls: List[cst.Call] = []
            returns: List[cst.Return] = []
            stack = list(body)
            while stack:
                node = stack.pop()
                kind = type(node)
                if kind is cst.Name or kind in _LEAVES:
                    continue  # the most common nodes, and nothing under them
                if kind is cst.FunctionDef or kind is cst.ClassDef or kind is cst.Lambda:
                    continue
                if kind is cst.Call:
                    calls.append(node)
                elif kind is cst.Return:
                    returns.append(node)
                stack.extend(code_children(node))
            found = self._scope_code[scope] = (calls, returns)
        return found

    def _calls_in(self, scope: str, body) -> List[cst.Call]:
        return self._own_code(scope, body)[0]

    def _returns(self, fn: _Function) -> None:
        returns = self._own_code(fn.key, fn.node.body.body)[1]
        kinds = {self.kind_of(node.value, fn.key) if node.value is not None else None for node in returns}
        if len(kinds) == 1 and None not in kinds:
            self.returns[fn.key] = kinds.pop()

    def _call_sites(self) -> None:
        """Arguments of every call to a module-level function of the file: a parameter gets a kind
        when every call that passes it agrees."""
        seen: Dict[Tuple[str, str], Set[Optional[str]]] = {}
        scopes = [("", self.module.body)] + [(k, f.node.body.body) for k, f in self.functions.items()]
        for scope, body in scopes:
            for call in self._calls_in(scope, body):
                name = dotted(call.func)
                key = self._function_key(name, scope) if name else None
                skip = 0
                if key is None and name is not None and f"{name}.__init__" in self.functions:
                    key, skip = f"{name}.__init__", 1  # a class of the file: its __init__ takes the arguments
                if key is None:
                    continue
                fn = self.functions[key]
                position = skip
                for arg in call.args:
                    if arg.star:
                        break
                    word = keyword(arg)
                    if word is None:
                        if position >= len(fn.params):
                            break
                        word = fn.params[position]
                        position += 1
                    if word in fn.params:
                        seen.setdefault((key, word), set()).add(self.kind_of(arg.value, scope))
        for (key, param), kinds in seen.items():
            if len(kinds) == 1 and None not in kinds and param not in self.kinds.names.get(key, {}):
                self._set(key, param, next(iter(kinds)))


def _self_attr(node: cst.CSTNode) -> Optional[str]:
    if type(node) is cst.Attribute and type(node.value) is cst.Name and node.value.value == "self":
        return node.attr.value
    return None


def infer(module: cst.Module, resolve: Resolve, is_layer: IsLayer,
          module_bases: Callable[[str], bool] = lambda name: False, walrus: bool = True) -> Kinds:
    """The kinds of the file's names, scope by scope (`walrus=False`: the file has no `:=`)."""
    return _Inference(module, resolve, is_layer, module_bases, walrus).run()


def scope_key(stack: List[str]) -> str:
    """The key of the scope a walk is in, from the names of the defs and classes around it."""
    return ".".join(stack)


__all__ = ["CELL", "OPTIMIZER", "SCHEDULER", "LOADER", "DATASET", "Kinds", "infer", "scope_key", "target_names"]
