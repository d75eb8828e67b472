"""Which names statements read and bind: the facts statement-level rewrites reason with.

Python's rules, as far as one file shows them: a statement binds the names of its assignment
targets (plain, augmented, annotated, `for`, `with ... as`, `:=`, imports, defs, classes);
it reads every name it loads, nested functions and comprehensions included (they read the
enclosing scope), but a comprehension's own loop variables are its own. A statement also
changes a name in place when it assigns into it (`x[0] = ...`, `x.attr = ...`) or calls one
of its in-place methods (`x.fill_(0)`, `x.copy_(y)`): for ordering, that is a write too.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Iterator, List, Sequence, Set

import libcst as cst

from torch2ms.convert.cstutil import code_children

# Fields that hold names which are no loads: attribute names, keywords, def/class/param names.
_NOT_LOADS = {
    cst.Attribute: ("attr",),
    cst.Arg: ("keyword",),
    cst.FunctionDef: ("name",),
    cst.ClassDef: ("name",),
    cst.Param: ("name",),
    cst.ImportAlias: ("name", "asname"),
    cst.ImportFrom: ("module",),
    cst.AsName: ("name",),
}
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


def target_names(target: cst.CSTNode) -> Iterator[str]:
    """Names an assignment target binds: `a`, `a, (b, *c)`; none for `x[0]` or `x.y`."""
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from target_names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from target_names(target.value)


def _changed_through(target: cst.CSTNode) -> Iterator[str]:
    """`x[0] = ...`, `x.a.b = ...`: the name whose object changes."""
    if isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _changed_through(element.value)
        return
    if isinstance(target, cst.StarredElement):
        yield from _changed_through(target.value)
        return
    node = target
    while isinstance(node, (cst.Attribute, cst.Subscript)):
        node = node.value
    if node is not target and isinstance(node, cst.Name):
        yield node.value


def _children(node: cst.CSTNode, skip: Sequence[str]) -> List[cst.CSTNode]:
    return code_children(node, tuple(skip))


def reads(node: cst.CSTNode) -> Set[str]:
    """Every name the code loads (targets of its own comprehensions excepted)."""
    found: Set[str] = set()
    _reads(node, found, frozenset())
    return found


def _reads(node: cst.CSTNode, found: Set[str], local: frozenset) -> None:
    if isinstance(node, cst.Name):
        if node.value not in local:
            found.add(node.value)
        return
    if isinstance(node, _COMPREHENSIONS):
        inner = set(local)
        for_in = node.for_in
        while for_in is not None:
            inner.update(target_names(for_in.target))
            for_in = for_in.inner_for_in
        for child in _children(node, ()):
            _reads(child, found, frozenset(inner))
        return
    if isinstance(node, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        for target in targets:  # a subscript or attribute target reads its base
            if not isinstance(target, (cst.Name, cst.Tuple, cst.List, cst.StarredElement)):
                _reads(target, found, local)
            elif isinstance(node, cst.AugAssign):
                _reads(target, found, local)
            else:
                for element in _subscript_parts(target):
                    _reads(element, found, local)
        for field in ("value", "annotation"):
            value = getattr(node, field, None)
            if value is not None:
                _reads(value, found, local)
        return
    if isinstance(node, cst.For):
        for part in _subscript_parts(node.target):
            _reads(part, found, local)
        for child in (node.iter, node.body, node.orelse):
            if child is not None:
                _reads(child, found, local)
        return
    if isinstance(node, cst.WithItem):
        _reads(node.item, found, local)
        return
    if isinstance(node, cst.NamedExpr):
        _reads(node.value, found, local)
        return
    if isinstance(node, cst.Lambda):
        inner = set(local) | {p.name.value for p in _lambda_params(node.params)}
        _reads(node.body, found, frozenset(inner))
        return
    if isinstance(node, cst.Param):
        for child in (node.annotation, node.default):
            if child is not None:
                _reads(child, found, local)
        return
    if isinstance(node, (cst.Import, cst.ImportFrom)):
        return
    for child in _children(node, _NOT_LOADS.get(type(node), ())):
        _reads(child, found, local)


def _lambda_params(params: cst.Parameters) -> Iterator[cst.Param]:
    yield from params.posonly_params
    yield from params.params
    yield from params.kwonly_params
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            yield star


def _subscript_parts(target: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Inside a tuple target, the parts that are loads (`x[i]` reads x and i)."""
    if isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _subscript_parts(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _subscript_parts(target.value)
    elif not isinstance(target, cst.Name):
        yield target


def binds(statement: cst.CSTNode, walrus: bool = True) -> Set[str]:
    """Names a statement (compound ones: anywhere in their blocks) binds in its scope.

    `walrus=False`: the caller knows the file has no `:=`, the one expression that binds a
    name, so expressions are not searched (most of the nodes of a file).
    """
    found: Set[str] = set()
    _binds(statement, found, walrus)
    return found


_IS_EXPRESSION: dict = {}


def _binds(node: cst.CSTNode, found: Set[str], walrus: bool = True) -> None:
    if not walrus:
        cls = type(node)
        is_expression = _IS_EXPRESSION.get(cls)
        if is_expression is None:
            is_expression = _IS_EXPRESSION[cls] = issubclass(cls, cst.BaseExpression)
        if is_expression:
            return
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        found.add(node.name.value)
        return
    if isinstance(node, cst.Lambda) or isinstance(node, _COMPREHENSIONS):
        _walrus(node, found)
        return
    if isinstance(node, cst.Assign):
        for target in node.targets:
            found.update(target_names(target.target))
    elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
        found.update(target_names(node.target))
    elif isinstance(node, cst.For):
        found.update(target_names(node.target))
    elif isinstance(node, cst.WithItem) and node.asname is not None:
        found.update(target_names(node.asname.name))
    elif isinstance(node, cst.ExceptHandler) and node.name is not None:
        found.update(target_names(node.name.name))
    elif isinstance(node, cst.NamedExpr):
        found.update(target_names(node.target))
    elif isinstance(node, (cst.Import, cst.ImportFrom)):
        if isinstance(node, cst.ImportFrom) and isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            if alias.asname is not None:
                found.update(target_names(alias.asname.name))
            else:
                found.add((_dotted(alias.name) or "").split(".")[0])
        return
    for child in _children(node, ()):
        _binds(child, found, walrus)


def _walrus(node: cst.CSTNode, found: Set[str]) -> None:
    """`:=` inside a comprehension binds in the enclosing scope."""
    for child in _children(node, ()):
        if isinstance(child, cst.NamedExpr):
            found.update(target_names(child.target))
        _walrus(child, found)


def _dotted(node) -> str:
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return ""


def changes(statement: cst.CSTNode, in_place_methods: Iterable[str] = ()) -> Set[str]:
    """Names a statement binds or changes in place (`x[0] = ...`, `x.fill_(0)`)."""
    found = binds(statement)
    methods = set(in_place_methods)
    stack = [statement]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.Assign):
            for target in node.targets:
                found.update(_changed_through(target.target))
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
            found.update(_changed_through(node.target))
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method in methods or (method.endswith("_") and not method.endswith("__")):
                root = node.func.value
                while isinstance(root, (cst.Attribute, cst.Subscript)):
                    root = root.value
                if isinstance(root, cst.Name):
                    found.add(root.value)
        stack.extend(_children(node, ()))
    return found


def free_reads(statements: Sequence[cst.CSTNode]) -> List[str]:
    """Names the statements read before they have surely bound them, in order of first read.
    A name bound only inside an `if` (or a loop, a `try`) may still be unbound after it; a loop's
    own variable is bound inside its body."""
    free: List[str] = []
    _free_in(statements, set(), free)
    return free


def _note(names, bound: Set[str], free: List[str]) -> None:
    for name in sorted(names):
        if name not in bound and name not in free:
            free.append(name)


def _block_body(block) -> Sequence[cst.CSTNode]:
    if block is None:
        return ()
    if isinstance(block, (cst.Else, cst.Finally)):
        block = block.body
    return block.body if isinstance(block, (cst.IndentedBlock, cst.SimpleStatementSuite)) else ()


def _free_in(statements: Sequence[cst.CSTNode], bound: Set[str], free: List[str]) -> None:
    for statement in statements:
        if isinstance(statement, (cst.SimpleStatementLine, cst.BaseSmallStatement)):
            _note(reads(statement), bound, free)
            bound |= binds(statement)
        elif isinstance(statement, cst.For):
            _note(reads(statement.iter), bound, free)
            _free_in(_block_body(statement.body), bound | set(target_names(statement.target)), free)
            _free_in(_block_body(statement.orelse), set(bound), free)
        elif isinstance(statement, cst.While):
            _note(reads(statement.test), bound, free)
            _free_in(_block_body(statement.body), set(bound), free)
            _free_in(_block_body(statement.orelse), set(bound), free)
        elif isinstance(statement, cst.If):
            _note(reads(statement.test), bound, free)
            _free_in(_block_body(statement.body), set(bound), free)
            orelse = statement.orelse
            if isinstance(orelse, cst.If):
                _free_in([orelse], set(bound), free)
            else:
                _free_in(_block_body(orelse), set(bound), free)
        elif isinstance(statement, cst.With):
            inner = set(bound)
            for item in statement.items:
                _note(reads(item.item), inner, free)
                if item.asname is not None:
                    inner |= set(target_names(item.asname.name))
            _free_in(_block_body(statement.body), inner, free)
            bound |= binds(statement)
        elif isinstance(statement, cst.Try):
            _free_in(_block_body(statement.body), set(bound), free)
            for handler in statement.handlers:
                inner = set(bound) | (set(target_names(handler.name.name)) if handler.name else set())
                if handler.type is not None:
                    _note(reads(handler.type), bound, free)
                _free_in(_block_body(handler.body), inner, free)
            _free_in(_block_body(statement.orelse), set(bound), free)
            _free_in(_block_body(statement.finalbody), set(bound), free)
        else:  # defs, classes and the rest: every read counts, then the name is bound
            _note(reads(statement), bound, free)
            bound |= binds(statement)


def escapes(statement: cst.CSTNode) -> bool:
    """Does control leave the statement other than by falling through (return, break, continue,
    yield, raise is fine) or does it declare global/nonlocal names? Loops' own break/continue
    do not count."""
    return _escapes(statement, in_loop=False)


def _escapes(node: cst.CSTNode, in_loop: bool) -> bool:
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return False
    if isinstance(node, (cst.Return, cst.Global, cst.Nonlocal, cst.Yield, cst.Await)):
        return True
    if isinstance(node, (cst.Break, cst.Continue)):
        return not in_loop
    if isinstance(node, (cst.For, cst.While)):
        return any(_escapes(child, True) for child in (node.body,)) or (
            node.orelse is not None and _escapes(node.orelse, in_loop)) or _escapes(
            node.iter if isinstance(node, cst.For) else node.test, in_loop)
    return any(_escapes(child, in_loop) for child in _children(node, ()))


def read_counts(node: cst.CSTNode) -> Counter:
    """How many times each name is loaded in the code (comprehension variables excepted)."""
    found: Counter = Counter()

    class _Counting(set):
        def add(self, name):  # _reads adds one name per load
            found[name] += 1

    _reads(node, _Counting(), frozenset())
    return found
