"""Containers take what MindSpore's accept: a generator given to a ModuleList becomes a list;
a ModuleDict holding a ModuleList / ModuleDict / Sequential is flagged (CellDict rejects them).

`nn.ModuleList(Block() for _ in range(n))` is a ModuleList in torch; MindSpore's CellList takes
a list of Cells only (a generator or a tuple raises TypeError), so the generator argument of a
ModuleList / Sequential / ModuleDict becomes the list comprehension it stands for, and what
surely is another iterable given to a ModuleList (the function's `*args`, a
tuple, `map(...)`, `filter(...)`, `reversed(...)`, `tuple(...)`) is made a list, `list(fns)`
(torch's list copies it the same way). torch's
ModuleList also holds None (`nn.ModuleList([norm, None])`, `skips.append(skip)` where `skip`
may be None: optional layers), and CellList raises TypeError on it when the model is built. A
ModuleList given something that may be None (None, `x if c else None`, a name the function
assigned such a value), where it is built or later (append, insert, extend, `+=`, `lst[i] =`;
`self.<attr>` in any method of the class), is built as OptionalCellList
(torch2ms/helpers/optional_cells.py: torch's None semantics and parameter names) instead. Where
the file's own name hides the helper, the call is flagged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from torch2ms import helpers
from torch2ms.convert.context import FileContext, self_attribute
from torch2ms.convert.cstutil import code_children, in_place_of
from torch2ms.convert.results import Reason
from torch2ms.rules.base import Rule, change, keep

_NESTED = {"torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.ModuleDict"}
_NESTED_HINT = ("MindSpore's CellDict takes no CellList, CellDict or SequentialCell as a value: hold it in a "
                "small Cell subclass (an attribute of it), or keep the containers as attributes of the model")
_NONE_HINT = ("torch's ModuleList holds None, MindSpore's CellList takes Cells only: an element here may be None "
              "(keep the optional layers as attributes, or give mint.nn.Identity() where the code calls it the same way)")
_HELPER = "OptionalCellList"  # torch2ms/helpers/optional_cells.py
_CONTAINERS = {"torch.nn.ModuleList", "torch.nn.Sequential", "torch.nn.ModuleDict", "torch.nn.ParameterList"}
_LISTS = {"torch.nn.ModuleList"}  # CellList: a list only
_ITERABLES = {"tuple", "map", "filter", "reversed"}  # builtins whose result CellList refuses


class ContainerArgs(Rule):
    EXAMPLES = (
        change(
            """
            import torch.nn as nn

            blocks = nn.ModuleList(nn.Linear(2, 2) for _ in range(3))
            count = len(blocks)
            """,
            """
            from mindspore import mint, nn

            blocks = nn.CellList([mint.nn.Linear(2, 2) for _ in range(3)]).set_train(True)
            count = len(blocks)
            """,
            run=("count",),
        ),
        change(
            """
            import torch.nn as nn

            class Branches(nn.Module):
                def __init__(self, *fns):
                    super().__init__()
                    self.fns = nn.ModuleList(fns)

            pair = (nn.Linear(2, 2), nn.ReLU())
            counts = (len(Branches(*pair).fns), len(nn.ModuleList(reversed(pair))), len(nn.ModuleList((nn.ReLU(),))))
            """,
            """
            from mindspore import mint, nn

            class Branches(nn.Cell):
                def __init__(self, *fns):
                    super().__init__()
                    self.fns = nn.CellList(list(fns))

            pair = (mint.nn.Linear(2, 2), mint.nn.ReLU())
            counts = (len(Branches(*pair).set_train(True).fns), len(nn.CellList(list(reversed(pair))).set_train(True)), len(nn.CellList(list((mint.nn.ReLU(),))).set_train(True)))
            """,
            run=("counts",),
            note="a tuple (the function's *args, a tuple literal) or an iterator given to a ModuleList: made a list",
        ),
        change(
            """
            import torch.nn as nn

            heads = nn.ModuleDict({"cls": nn.Linear(2, 2), "stages": nn.ModuleList([nn.Linear(2, 2)])})
            """,
            """
            from mindspore import mint, nn

            heads = nn.CellDict({"cls": mint.nn.Linear(2, 2), "stages": nn.CellList([mint.nn.Linear(2, 2)]).set_train(True)}).set_train(True)  # torch2ms: torch.nn.ModuleList needs a manual rewrite (hint: MindSpore's CellDict takes no CellList, CellDict or SequentialCell as a value: hold it in a small Cell subclass (an attribute of it), or keep the containers as attributes of the model)
            """,
            note="a container MindSpore's CellDict rejects is flagged where it is put in",
        ),
        change(
            """
            import torch
            import torch.nn as nn

            class Stack(nn.Module):
                def __init__(self, dim, pre, post):
                    super().__init__()
                    first = nn.Linear(dim, dim) if pre else None
                    self.norms = nn.ModuleList([first, nn.Linear(dim, dim) if post else None, nn.Linear(dim, dim)])
                    self.skips = nn.ModuleList([])
                    skip = None
                    if post:
                        skip = nn.Linear(dim, dim)
                    self.skips.append(skip)
                    self.skips.append(nn.Linear(dim, dim))

                def forward(self, x):
                    for norm in self.norms:
                        if norm is not None:
                            x = norm(x)
                    return x, [skip is None for skip in self.skips], len(self.norms[1:])

            stack = Stack(2, True, False)
            names = [name for name, _ in stack.named_parameters()]
            with torch.no_grad():
                for i, (_, param) in enumerate(stack.named_parameters()):
                    param.copy_(torch.linspace(-1, 1, param.numel()).reshape(param.shape) * (i + 1))
            out = stack(torch.ones(3, 2))
            """,
            """
            import mindspore
            from mindspore import mint, nn

            HELPERS

            class Stack(nn.Cell):
                def __init__(self, dim, pre, post):
                    super().__init__()
                    first = mint.nn.Linear(dim, dim) if pre else None
                    self.norms = OptionalCellList([first, mint.nn.Linear(dim, dim) if post else None, mint.nn.Linear(dim, dim)])
                    self.skips = OptionalCellList([])
                    skip = None
                    if post:
                        skip = mint.nn.Linear(dim, dim)
                    self.skips.append(skip)
                    self.skips.append(mint.nn.Linear(dim, dim))

                def construct(self, x):
                    for norm in self.norms:
                        if norm is not None:
                            x = norm(x)
                    return x, [skip is None for skip in self.skips], len(self.norms[1:])

            stack = Stack(2, True, False).set_train(True)
            names = [name for name, _ in stack.parameters_and_names()]
            with mindspore._no_grad():
                for i, (_, param) in enumerate(stack.parameters_and_names()):
                    param.copy_(mint.linspace(-1, 1, param.numel()).reshape(param.shape) * (i + 1))
            out = stack(mint.ones((3, 2)))
            """.replace("HELPERS", helpers.source("optional_cells").replace("\n", "\n            ").rstrip()),
            run=("names", "out"),
            note="optional layers: a ModuleList given None (built with it, or appended later) is the helper "
                 "list with torch's None semantics; parameters keep torch's indices (norms.2.weight)",
        ),
        change(
            """
            import torch
            import torch.nn as nn

            def shortcut(dim, every, i):
                if i % every == 0:
                    return nn.Linear(dim, dim)

            class Tower(nn.Module):
                def __init__(self, dim, depth, gated):
                    super().__init__()
                    make_gate = lambda: (nn.Linear(dim, dim) if gated else None)
                    self.blocks, self.gates, self.shortcuts = nn.ModuleList([]), nn.ModuleList([]), nn.ModuleList()
                    for i in range(depth):
                        self.blocks.append(self._block(dim))
                        self.gates.append(make_gate())
                        self.shortcuts.append(shortcut(dim, 2, i))

                def _block(self, dim):
                    return nn.Linear(dim, dim)

                def forward(self, x):
                    for block, gate, skip in zip(self.blocks, self.gates, self.shortcuts):
                        y = block(x)
                        y = y * gate(x).sigmoid() if gate is not None else y
                        x = y + skip(x) if skip is not None else y
                    return x

            tower = Tower(2, 3, False)
            names = [name for name, _ in tower.named_parameters()]
            with torch.no_grad():
                for i, (_, param) in enumerate(tower.named_parameters()):
                    param.copy_(torch.linspace(-1, 1, param.numel()).reshape(param.shape) / (i + 1))
            out = tower(torch.ones(3, 2))
            """,
            """
            import mindspore
            from mindspore import mint, nn

            HELPERS

            def shortcut(dim, every, i):
                if i % every == 0:
                    return mint.nn.Linear(dim, dim)

            class Tower(nn.Cell):
                def __init__(self, dim, depth, gated):
                    super().__init__()
                    make_gate = lambda: (mint.nn.Linear(dim, dim) if gated else None)
                    self.blocks, self.gates, self.shortcuts = nn.CellList([]), OptionalCellList([]), OptionalCellList()
                    for i in range(depth):
                        self.blocks.append(self._block(dim))
                        self.gates.append(make_gate())
                        self.shortcuts.append(shortcut(dim, 2, i))

                def _block(self, dim):
                    return mint.nn.Linear(dim, dim)

                def construct(self, x):
                    for block, gate, skip in zip(self.blocks, self.gates, self.shortcuts):
                        y = block(x)
                        y = y * gate(x).sigmoid() if gate is not None else y
                        x = y + skip(x) if skip is not None else y
                    return x

            tower = Tower(2, 3, False).set_train(True)
            names = [name for name, _ in tower.parameters_and_names()]
            with mindspore._no_grad():
                for i, (_, param) in enumerate(tower.parameters_and_names()):
                    param.copy_(mint.linspace(-1, 1, param.numel()).reshape(param.shape) / (i + 1))
            out = tower(mint.ones((3, 2)))
            """.replace("HELPERS", helpers.source("optional_cells").replace("\n", "\n            ").rstrip()),
            run=("names", "out"),
            note="layers from factories that may return None (a lambda with a None branch, a function that runs "
                 "off its end): their lists are the helper list; a method returning a layer keeps CellList",
        ),
        keep(
            """
            import torch.nn as nn

            def stack(layers, extra):
                blocks = nn.ModuleList(layers)
                blocks.append(extra)
                return blocks
            """,
            """
            from mindspore import nn

            def stack(layers, extra):
                blocks = nn.CellList(layers).set_train(True)
                blocks.append(extra)
                return blocks
            """,
            note="nothing says None comes here: a plain CellList",
        ),
        change(
            """
            import torch.nn as nn

            class OptionalCellList:
                pass

            norms = nn.ModuleList([nn.LayerNorm(2), None])
            """,
            """
            from mindspore import mint, nn

            class OptionalCellList:
                pass

            norms = nn.CellList([mint.nn.LayerNorm(2), None]).set_train(True)  # torch2ms: torch.nn.ModuleList needs a manual rewrite (hint: HINT)
            """.replace("HINT", _NONE_HINT),
            note="the file's own OptionalCellList hides the helper: flagged, CellList rejects None",
        ),
        keep(
            """
            import torch.nn as nn

            blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
            """,
            """
            from mindspore import mint, nn

            blocks = nn.CellList([mint.nn.Linear(2, 2) for _ in range(3)]).set_train(True)
            """,
            note="a list already",
        ),
    )

    def __init__(self) -> None:
        self._maybe_none = [set()]  # per function being walked (the module first): names that may hold None
        self._optional = _OptionalLists(set(), set())
        self._varargs: List[Optional[str]] = [None]  # per function being walked: the name of its *args

    def visit_Module(self, ctx: FileContext, node: cst.Module) -> None:
        if any(name.value == "ModuleList" for name in ctx.nodes_of(cst.Name)):
            self._optional = _optional_lists(ctx, node)
            self._maybe_none[0].update(self._optional.factories)

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._maybe_none.append(set(self._optional.factories))
        star = node.params.star_arg
        self._varargs.append(star.name.value if isinstance(star, cst.Param) else None)

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        self._maybe_none.pop()
        self._varargs.pop()
        return updated

    def visit_Assign(self, ctx: FileContext, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) and _may_be_none(node.value, set()):
            self._maybe_none[-1].add(node.targets[0].target.value)

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        qualname = ctx.qualname(original.func)
        if qualname == "torch.nn.ModuleList" and (id(original) in self._optional.made or (
                len(original.args) == 1 and _holds_none(original.args[0].value, self._maybe_none[-1]))):
            updated = self._optional_list(ctx, updated)
        elif self._appends_none(ctx, original) and id(original) not in self._optional.given:
            ctx.flag(updated, "torch.nn.ModuleList.append", Reason.MANUAL, _NONE_HINT)
        if qualname == "torch.nn.ModuleDict" and original.args and isinstance(original.args[0].value, cst.Dict):
            self._flag_nested(ctx, original.args[0].value, updated.args[0].value)
        if qualname not in _CONTAINERS or len(updated.args) != 1:
            return updated
        arg = updated.args[0]
        if arg.keyword is not None or arg.star:
            return updated
        if qualname in _LISTS and self._other_iterable(ctx, arg.value):
            listed = cst.Call(func=cst.Name("list"), args=[cst.Arg(value=arg.value)])
            return updated.with_changes(args=[arg.with_changes(value=listed)])
        if not isinstance(arg.value, cst.GeneratorExp):
            return updated
        generator = arg.value
        as_list = cst.ListComp(elt=generator.elt, for_in=generator.for_in)
        return updated.with_changes(args=[arg.with_changes(value=as_list)])

    def _other_iterable(self, ctx: FileContext, value: cst.BaseExpression) -> bool:
        """Surely an iterable other than a list (CellList raises TypeError on it): the function's *args,
        a tuple, or a call of a builtin that makes one (not where the file binds that name)."""
        if isinstance(value, cst.Tuple):
            return True
        if isinstance(value, cst.Name):
            return value.value == self._varargs[-1]
        return (isinstance(value, cst.Call) and isinstance(value.func, cst.Name)
                and value.func.value in _ITERABLES and ctx.lookup(value.func.value) is None)

    @staticmethod
    def _optional_list(ctx: FileContext, updated: cst.Call) -> cst.Call:
        """A ModuleList that may be given None: the helper list with torch's None semantics (flagged
        where the file's own name hides it)."""
        binding = ctx.lookup(_HELPER)
        if binding is not None and not binding.is_torch:
            ctx.flag(updated, "torch.nn.ModuleList", Reason.MANUAL, _NONE_HINT)
            return updated
        ctx.withdraw_flags_in(updated.func)
        for flag in ctx.withdraw_flag(updated):  # the helper takes torch's `modules=` keyword; CellList does not
            if "modules=" not in (flag.hint or ""):
                ctx.flag(updated, flag.api, flag.reason, flag.hint)
        ctx.discard(updated.func)
        ctx.need_helper("optional_cells")
        return updated.with_changes(func=in_place_of(updated.func, cst.Name(_HELPER)))

    def _appends_none(self, ctx: FileContext, call: cst.Call) -> bool:
        """`self.skips.append(skip)` on a ModuleList, where `skip` may be None."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "append" and len(call.args) == 1):
            return False
        return ctx.cell_maker(func.value) == "torch.nn.ModuleList" and _may_be_none(call.args[0].value, self._maybe_none[-1])

    @staticmethod
    def _flag_nested(ctx: FileContext, original: cst.Dict, updated) -> None:
        """`nn.ModuleDict({"a": nn.ModuleList([...])})`: MindSpore's CellDict rejects a CellList,
        CellDict or SequentialCell as a value (TypeError when the model is built)."""
        if not isinstance(updated, cst.Dict) or len(updated.elements) != len(original.elements):
            return
        for old, new in zip(original.elements, updated.elements):
            value = old.value if isinstance(old, cst.DictElement) else None
            if isinstance(value, cst.Call) and ctx.qualname(value.func) in _NESTED:
                ctx.flag(new.value, ctx.qualname(value.func), Reason.MANUAL, _NESTED_HINT)


@dataclass
class _OptionalLists:
    made: Set[int]  # id() of the calls that build a list some code gives None (a ModuleList: the helper)
    given: Set[int]  # id() of the calls giving None to a list built by one of those
    factories: Set[str] = field(default_factory=set)  # "make()", "self.make()": calls that may return None


_GIVING = {"append", "insert", "extend"}


def _optional_lists(ctx: FileContext, module: cst.Module) -> _OptionalLists:
    """Read the file before the walk: which lists are given None (`skips.append(skip)`, `skip`
    maybe None; `norms[1] = None`; `layers += [None]`), and which calls build those lists
    (`self.skips = nn.ModuleList([])` in any method of the class or of a class of the file it
    derives from or that derives from it, `skips = ...` in the function). Flow-insensitive on
    purpose: the helper list is a CellList where no None comes."""
    owner = {}  # id(method) -> its class's family (the classes of the file related by inheritance)
    family = _families(ctx.nodes_of(cst.ClassDef))
    for cls in ctx.nodes_of(cst.ClassDef):
        for statement in cls.body.body:
            if isinstance(statement, cst.FunctionDef):
                owner[id(statement)] = family[cls.name.value]
    scopes = [(None, [s for s in module.body if not isinstance(s, (cst.FunctionDef, cst.ClassDef))])]
    scopes += [(owner.get(id(f)), [f.body]) for f in ctx.nodes_of(cst.FunctionDef)]
    factories = _factories(ctx, owner)
    read = [(cls, _scope_facts(body, factories)) for cls, body in scopes]
    self_keys: Dict[Optional[str], Set[str]] = {}
    for cls, facts in read:
        self_keys.setdefault(cls, set()).update(key for key, _ in facts.giving if key.startswith("self."))
    made, given, built = set(), set(), {}
    for cls, facts in read:
        receivers = {key for key, _ in facts.giving if not key.startswith("self.")}
        for _ in range(2):  # `layers = ModuleList([]); ...; self.layers = layers`, either way round
            for target, value in facts.assigns:
                if isinstance(value, cst.Name) and target.startswith("self.") and target in self_keys[cls]:
                    receivers.add(value.value)
                if isinstance(value, cst.Name) and value.value in receivers and target.startswith("self."):
                    self_keys[cls].add(target)
        for target, value in facts.assigns:
            if isinstance(value, cst.Call) and (target in receivers or target in self_keys[cls]):
                made.add(id(value))
                built.setdefault(cls if target.startswith("self.") else id(facts), set()).add(target)
    for cls, facts in read:
        for key, call in facts.giving:
            if key in built.get(cls if key.startswith("self.") else id(facts), ()):
                given.add(id(call))
    return _OptionalLists(made, given, factories)


def _factories(ctx: FileContext, owner) -> Set[str]:
    """The file's functions and lambdas that may return None, as their calls read: `make()` for a
    function or a name bound to a lambda, `self.make()` for a method (`lambda: Block() if c else
    None`; a function that returns None, or a value on some paths and runs off its end on others).
    By name, whatever the scope: optional layers come from such factories (`layers.append(make())`)."""
    bodies = [(f"self.{f.name.value}()" if id(f) in owner else f"{f.name.value}()", f.body)
              for f in ctx.nodes_of(cst.FunctionDef)]
    lambdas = [(f"{t.target.value}()", a.value.body) for a in ctx.nodes_of(cst.Assign) if type(a.value) is cst.Lambda
               for t in a.targets if type(t.target) is cst.Name]
    found: Set[str] = set()
    for _ in range(2):  # `def a(): return b()`, `b` a factory
        for call, body in bodies:
            returns = list(_returns(body.body))
            if returns and (_runs_off(body.body) or any(r.value is None or _may_be_none(r.value, found) for r in returns)):
                found.add(call)
        found.update(call for call, value in lambdas if _may_be_none(value, found))
    return found


def _returns(statements):
    """The return statements of a function body (not of the functions and classes inside it)."""
    for statement in statements:
        kind = type(statement)
        if kind is cst.SimpleStatementLine:
            yield from (small for small in statement.body if type(small) is cst.Return)
        elif kind is cst.Return:  # in a one-line block (`if c: return None`)
            yield statement
        elif kind not in _OTHER_SCOPES:
            for block in _blocks(statement):
                yield from _returns(block)


def _blocks(statement) -> List[Sequence[cst.BaseStatement]]:
    """The statement lists inside a compound statement (if/elif/else, loops, with, try)."""
    blocks, stack = [], [statement]
    while stack:
        node = stack.pop()
        body = getattr(node, "body", None)
        if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)):
            blocks.append(body.body)
        for part in ("orelse", "finalbody"):
            extra = getattr(node, part, None)
            if extra is not None:
                stack.append(extra)
        stack.extend(getattr(node, "handlers", ()))
    return blocks


def _runs_off(statements) -> bool:
    """Whether the end of this block can be reached (then a function returns None there):
    conservative, only a last return/raise, or an if/else or with whose blocks all end so, stop it."""
    if not statements:
        return True
    last = statements[-1]
    kind = type(last)
    if kind in (cst.Return, cst.Raise):  # a one-line block's last small statement
        return False
    if kind is cst.SimpleStatementLine:
        return not any(type(small) in (cst.Return, cst.Raise) for small in last.body)
    if kind is cst.If:
        if last.orelse is None:
            return True
        rest = last.orelse.body.body if type(last.orelse) is cst.Else else [last.orelse]
        return _runs_off(last.body.body) or _runs_off(rest)
    if kind is cst.With:
        return _runs_off(last.body.body)
    return True


def _families(classes) -> Dict[str, str]:
    """Class name -> a name standing for every class of the file it derives from or that derives
    from it (a `self.<attr>` list may be built in one and given None in another)."""
    root = {cls.name.value: cls.name.value for cls in classes}

    def find(name):
        while root[name] != name:
            name = root[name]
        return name
    for cls in classes:
        for base in cls.bases:
            if isinstance(base.value, cst.Name) and base.value.value in root:
                root[find(cls.name.value)] = find(base.value.value)
    return {name: find(name) for name in root}


@dataclass
class _Facts:
    assigns: List[Tuple[str, cst.BaseExpression]]  # target ("name" or "self.attr") -> value
    giving: List[Tuple[str, cst.CSTNode]]  # (the list's key, the node giving it something that may be None)


# Nodes the walk of a scope skips: nothing under them (Name aside, tested first), or their own scope.
_NOTHING_UNDER = frozenset({cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.Pass, cst.Ellipsis})
_OTHER_SCOPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


def _scope_facts(body, factories: Set[str] = frozenset()) -> _Facts:
    """Assignments and None given to lists in one function body (nested defs are theirs)."""
    assigns, gifts, stack = [], [], list(reversed(body))
    while stack:
        node = stack.pop()
        kind = type(node)  # exact types: isinstance on libcst's classes goes through ABCMeta
        if kind is cst.Name or kind in _NOTHING_UNDER or kind in _OTHER_SCOPES:
            continue
        if kind is cst.Assign:
            for target in node.targets:
                assigns.extend(_pairs(target.target, node.value))
        elif kind is cst.AnnAssign and node.value is not None:
            assigns.append((node.target, node.value))
        elif kind is cst.AugAssign and type(node.operator) is cst.AddAssign:
            gifts.append((node.target, node.value, node, _holds_none))
        elif kind is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value in _GIVING:
            values = [a.value for a in node.args if a.keyword is None and not a.star]
            value = values[-1] if values else None
            test = _holds_none if node.func.attr.value == "extend" else _may_be_none
            if value is not None:
                gifts.append((node.func.value, value, node, test))
        stack.extend(reversed(code_children(node)))
    names: Set[str] = set(factories)
    for _ in range(3):  # `a = None`, `b = a if c else d`, ...
        names.update(t.value for t, v in assigns if isinstance(t, cst.Name) and _may_be_none(v, names))
    for target, value in assigns:
        if isinstance(target, cst.Subscript):  # `norms[1] = None`
            gifts.append((target.value, value, target, _may_be_none))
    keyed = [(_key(t), v) for t, v in assigns]
    giving = [(_key(receiver), node) for receiver, value, node, test in gifts
              if _key(receiver) is not None and test(value, names)]
    return _Facts([(k, v) for k, v in keyed if k is not None], giving)


def _pairs(target: cst.BaseExpression, value: cst.BaseExpression) -> List[Tuple[cst.BaseExpression, cst.BaseExpression]]:
    """`a, self.b = x, y` as `a = x` and `self.b = y` (a target and a value of the same length)."""
    if type(target) in (cst.Tuple, cst.List) and type(value) in (cst.Tuple, cst.List) \
            and len(target.elements) == len(value.elements) \
            and not any(type(e) is cst.StarredElement for e in (*target.elements, *value.elements)):
        return [pair for t, v in zip(target.elements, value.elements) for pair in _pairs(t.value, v.value)]
    return [(target, value)]


def _key(node: cst.BaseExpression) -> Optional[str]:
    if isinstance(node, cst.Name):
        return node.value
    attr = self_attribute(node)
    return None if attr is None else "self." + attr


def _holds_none(value: cst.BaseExpression, names) -> bool:
    """A list or tuple with an element that may be None (`[norm, None]`, `[None] * n`, `[None for _ in x]`)."""
    if isinstance(value, (cst.List, cst.Tuple)):
        return any(isinstance(e, cst.Element) and _may_be_none(e.value, names) for e in value.elements)
    if isinstance(value, cst.ListComp):
        return _may_be_none(value.elt, names)
    if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Multiply, cst.Add)):
        return _holds_none(value.left, names) or _holds_none(value.right, names)
    return False


def _may_be_none(value: cst.BaseExpression, names) -> bool:
    """None, a conditional with a None branch, a name known to hold one of those, or a call of a
    factory that may return None (`make()`, `self.make()`: names holds them with their parentheses)."""
    if isinstance(value, cst.Name):
        return value.value == "None" or value.value in names
    if isinstance(value, cst.IfExp):
        return _may_be_none(value.body, names) or _may_be_none(value.orelse, names)
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Name):
            return func.value + "()" in names
        return isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self" \
            and f"self.{func.attr.value}()" in names
    return False
