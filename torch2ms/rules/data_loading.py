"""Data loading: torch Datasets and DataLoaders become a mindspore.dataset pipeline.

A `torch.utils.data.Dataset` subclass loses its base (MindSpore takes any object with
`__getitem__` and `__len__`, or any iterable) and turns its index into an int (MindSpore's
pipeline passes numpy integers, which MindSpore tensors reject as an index); `TensorDataset(x, y)` becomes the list of its
rows; `DataLoader(source, batch_size=B, shuffle=S, drop_last=D, num_workers=W)` becomes
`mindspore.dataset.GeneratorDataset(source, column_names=[...], shuffle=S,
num_parallel_workers=W).batch(B, drop_remainder=D)` (data/training.json). Iterating it
yields a list of tensors per batch, one per column, as a torch loader over tuples does, and
`len()` counts batches in both; `loader.dataset` is the source (`loader.children[0].source`).
The columns come from what the source's `__getitem__` (or `__iter__`) returns: a tuple of
n values makes n columns; a dict, a single value or an unknown source is flagged, as are
loader arguments with no counterpart (collate_fn, batch_sampler, worker_init_fn, ...).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import COMMA, TIGHT_EQUAL, code_children, dotted, in_place_of, keyword
from torch2ms.convert.results import Reason
from torch2ms.knowledge import training
from torch2ms.rules.base import Rule, change, keep

LOADER = {"torch.utils.data.DataLoader", "torch.utils.data.dataloader.DataLoader"}
TENSOR_DATASET = {"torch.utils.data.TensorDataset", "torch.utils.data.dataset.TensorDataset"}


class DataLoading(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            from torch.utils.data import DataLoader, Dataset, TensorDataset

            class Squares(Dataset):
                def __init__(self, n):
                    self.x = torch.arange(n, dtype=torch.float32)

                def __len__(self):
                    return len(self.x)

                def __getitem__(self, i):
                    return self.x[i], self.x[i] ** 2

            features = torch.linspace(0, 1, 10).reshape(5, 2)
            labels = torch.tensor([0, 1, 0, 1, 1])
            pairs = DataLoader(TensorDataset(features, labels), batch_size=2, drop_last=True)
            loader = DataLoader(Squares(5), batch_size=2, num_workers=0)
            xs = torch.cat([x for x, _ in pairs])
            ys = torch.cat([y for _, y in loader])
            batches, size = len(loader), len(loader.dataset)
            """,
            """
            import mindspore
            from mindspore import mint

            class Squares:
                def __init__(self, n):
                    self.x = mint.arange(n, dtype=mindspore.float32)

                def __len__(self):
                    return len(self.x)

                def __getitem__(self, i):
                    i = int(i)
                    return self.x[i], self.x[i] ** 2

            features = mint.linspace(0, 1, 10).reshape(5, 2)
            labels = mindspore.Tensor([0, 1, 0, 1, 1])
            pairs = mindspore.dataset.GeneratorDataset(list(zip(features.asnumpy(), labels.asnumpy())), column_names=["features", "labels"], shuffle=False).batch(2, drop_remainder=True)
            loader = mindspore.dataset.GeneratorDataset(Squares(5), column_names=["column_0", "column_1"], shuffle=False).batch(2)
            xs = mint.cat([x for x, _ in pairs])
            ys = mint.cat([y for _, y in loader])
            batches, size = len(loader), len(loader.children[0].source)
            """,
            run=("xs", "ys", "batches", "size"),
            note="the same batches in the same order; len() counts batches, .dataset is the source",
        ),
        change(
            """
            from torch.utils.data import DataLoader, Dataset

            class Records(Dataset):
                def __getitem__(self, i):
                    return {"x": i}

            loader = DataLoader(Records(), batch_size=4, collate_fn=lambda rows: rows)
            """,
            """
            try:
                from torch.utils.data import DataLoader  # torch2ms: DataLoader still used on line 11 (flagged there)
            except ImportError:
                DataLoader = None

            class Records:
                def __getitem__(self, i):
                    i = int(i)
                    return {"x": i}

            loader = DataLoader(Records(), batch_size=4, collate_fn=lambda rows: rows)  # torch2ms: torch.utils.data.DataLoader needs a manual rewrite (hint: `collate_fn=`: MindSpore stacks each column itself; a custom collate_fn becomes GeneratorDataset(..., batch_sampler=..., collate_fn=...) or .batch(..., per_batch_map=...), whose arguments are numpy arrays per column)
            """,
            note="what has no counterpart keeps the torch call, flagged (here the import stays too, guarded: the file imports without torch)",
        ),
        change(
            """
            import torch
            from torch.utils.data import DataLoader, TensorDataset

            def loaders(fast):
                train_kwargs = {"batch_size": 2}
                test_kwargs = {"batch_size": 3}
                if fast:
                    extra = {"num_workers": 1, "pin_memory": True, "drop_last": True}
                    train_kwargs.update(extra)
                    test_kwargs.update(extra)
                data = TensorDataset(torch.arange(10.0).reshape(5, 2), torch.arange(5))
                return DataLoader(data, **train_kwargs), DataLoader(data, shuffle=False, **test_kwargs)

            slow_train, slow_test = loaders(False)
            fast_train, fast_test = loaders(True)
            xs = torch.cat([x for x, _ in slow_train] + [x for x, _ in fast_test])
            sizes = [len(slow_train), len(slow_test), len(fast_train), len(fast_test)]
            """,
            """
            import mindspore
            from mindspore import mint

            def loaders(fast):
                train_kwargs = {"batch_size": 2}
                test_kwargs = {"batch_size": 3}
                if fast:
                    extra = {"num_workers": 1, "pin_memory": True, "drop_last": True}
                    train_kwargs.update(extra)
                    test_kwargs.update(extra)
                data = list(zip(mint.arange(10.0).reshape(5, 2).asnumpy(), mint.arange(5).asnumpy()))
                return mindspore.dataset.GeneratorDataset(data, column_names=["column_0", "column_1"], shuffle=False, num_parallel_workers=max(1, train_kwargs.get("num_workers", 0))).batch(train_kwargs["batch_size"], drop_remainder=train_kwargs.get("drop_last", False)), mindspore.dataset.GeneratorDataset(data, column_names=["column_0", "column_1"], shuffle=False, num_parallel_workers=max(1, test_kwargs.get("num_workers", 0))).batch(test_kwargs["batch_size"], drop_remainder=test_kwargs.get("drop_last", False))

            slow_train, slow_test = loaders(False)
            fast_train, fast_test = loaders(True)
            xs = mint.cat([x for x, _ in slow_train] + [x for x, _ in fast_test])
            sizes = [len(slow_train), len(slow_test), len(fast_train), len(fast_test)]
            """,
            run=("xs", "sizes"),
            note="pytorch/examples' mnist: a loader's keywords from a dict the file spells (literal, update); "
                 "a key added later reads kwargs.get(key, torch's default)",
        ),
        keep(
            """
            def batches(items, size):
                return [items[i:i + size] for i in range(0, len(items), size)]

            class Loader:
                dataset = None
            """,
            note="the project's own loaders and datasets are not torch's",
        ),
    )

    def __init__(self) -> None:
        self._datasets: Dict[str, cst.ClassDef] = {}  # the file's Dataset classes
        self._module: Optional[cst.Module] = None
        self._functions: List[cst.FunctionDef] = []
        self._unbatched = False  # some loader has batch_size=None: `.dataset` cannot be found the same way
        self._stores: set = set()

    def visit_Module(self, ctx: FileContext, node: cst.Module) -> None:
        self._module = node
        bases = set(training.dataset_bases())
        classes = ctx.nodes_of(cst.ClassDef)
        changed = True
        while changed:
            changed = False
            for cls in classes:
                if cls.name.value in self._datasets:
                    continue
                for base in cls.bases:
                    if ctx.qualname(base.value) in bases or dotted(base.value) in self._datasets:
                        self._datasets[cls.name.value] = cls
                        changed = True
                        break

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._functions.append(node)

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        self._functions.pop()
        return updated

    # ---- Dataset classes ------------------------------------------------------------------------
    def leave_ClassDef(self, ctx: FileContext, original: cst.ClassDef, updated: cst.ClassDef):
        bases = set(training.dataset_bases())
        kept = [b for o, b in zip(original.bases, updated.bases) if ctx.qualname(o.value) not in bases]
        if len(kept) == len(updated.bases):
            return updated
        for o, b in zip(original.bases, updated.bases):
            if ctx.qualname(o.value) in bases:
                ctx.discard(b)
                for node in _walk(b):
                    ctx.withdraw_flag(node)
        updated = _int_index(updated)
        if not kept:
            return updated.with_changes(bases=[], lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT)
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(bases=kept)

    # ---- TensorDataset and DataLoader ------------------------------------------------------------
    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        qualname = ctx.qualname(original.func)
        if qualname in TENSOR_DATASET:
            return self._tensor_dataset(ctx, original, updated)
        if qualname in LOADER:
            return self._loader(ctx, original, updated, qualname)
        return updated

    @staticmethod
    def _tensor_dataset(ctx: FileContext, original: cst.Call, updated: cst.Call):
        """`TensorDataset(x, y)` -> `list(zip(x.asnumpy(), y.asnumpy()))`: row i is (x[i], y[i])."""
        if not updated.args or any(a.star or a.keyword for a in updated.args):
            return updated
        parts = [cst.Arg(value=cst.Call(func=cst.Attribute(value=a.value, attr=cst.Name("asnumpy"))), comma=COMMA)
                 for a in updated.args]
        parts[-1] = parts[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        ctx.discard(updated.func)
        _withdraw(ctx, updated)
        rows = cst.Call(func=cst.Name("list"), args=[cst.Arg(value=cst.Call(func=cst.Name("zip"), args=parts))])
        return in_place_of(updated, rows)

    def _loader(self, ctx: FileContext, original: cst.Call, updated: cst.Call, api: str):
        form = training.loader_form()
        args = _by_name(updated.args, form.params)
        old = _by_name(original.args, form.params)
        if args is None:  # `DataLoader(ds, **kwargs)`: the keys the file puts in the dict
            args, old = self._spread(ctx, original, form, updated), self._spread(ctx, original, form)
        if args is None or "dataset" not in args:
            ctx.flag(updated, api, Reason.MANUAL, "the arguments are not spelled out (*args / **kwargs)")
            return updated
        for name in args:
            if name in form.flag:
                _withdraw(ctx, updated)
                ctx.flag(updated, api, Reason.MANUAL, f"`{name}=`: {form.flag[name]}")
                return updated
        columns = self._columns(ctx, old["dataset"])
        if isinstance(columns, str):
            _withdraw(ctx, updated)
            ctx.flag(updated, api, Reason.MANUAL, columns)
            return updated
        dataset_kw: List[cst.Arg] = [_kw("column_names", _string_list(columns))]
        sampler = self._sampler(ctx, old.get("sampler"), args.get("sampler"))
        if isinstance(sampler, str):
            _withdraw(ctx, updated)
            ctx.flag(updated, api, Reason.MANUAL, sampler)
            return updated
        shuffle = args.get("shuffle")
        if sampler is not None and sampler[0] == "shuffle":
            shuffle = sampler[1]
        if sampler is not None and sampler[0] == "sampler":
            dataset_kw.append(_kw("sampler", sampler[1]))  # MindSpore takes a sampler or a shuffle flag
        else:
            dataset_kw.append(_kw("shuffle", shuffle if shuffle is not None else cst.Name("False")))
        workers = args.get("num_workers")
        if workers is not None and not (isinstance(workers, cst.Integer) and workers.value == "0"):
            if not isinstance(workers, cst.Integer):
                workers = cst.Call(func=cst.Name("max"), args=[cst.Arg(value=cst.Integer("1"), comma=COMMA),
                                                               cst.Arg(value=workers)])
            dataset_kw.append(_kw("num_parallel_workers", workers))
        for name in form.drop:
            if name in args:
                ctx.discard(args[name])
        if "sampler" in args and sampler is not None and sampler[0] == "shuffle":
            ctx.discard(args["sampler"])
        source = args["dataset"]
        made = cst.Call(func=ctx.emit("mindspore.dataset.GeneratorDataset"),
                        args=_join([cst.Arg(value=source), *dataset_kw]))
        size = args.get("batch_size", cst.Integer("1"))
        if isinstance(size, cst.Name) and size.value == "None":
            self._unbatched = True
            result = made
        else:
            batch_args = [cst.Arg(value=size)]
            if "drop_last" in args:
                batch_args.append(_kw("drop_remainder", args["drop_last"]))
            result = cst.Call(func=cst.Attribute(value=made, attr=cst.Name("batch")), args=_join(batch_args))
        ctx.discard(updated.func)
        _withdraw(ctx, updated)
        return in_place_of(updated, result)

    def _spread(self, ctx: FileContext, original: cst.Call, form, updated: Optional[cst.Call] = None):
        """The arguments of `DataLoader(ds, **kwargs)` where the file spells the dict: one literal
        with string keys, `kwargs.update({...})` / `kwargs.update(other_literal)` / `kwargs["k"] = v`
        (pytorch/examples' mnist: `train_kwargs.update(cuda_kwargs)` under `if use_cuda:`), and no
        other use. A key the first literal sets at the top of the scope is read `kwargs["k"]`, one
        added later `kwargs.get("k", torch's default)`. None when the dict is not known this way."""
        stars = [a for a in original.args if a.star]
        if len(stars) != 1 or stars[0].star != "**" or not isinstance(stars[0].value, cst.Name):
            return None
        name = stars[0].value.value
        keys = self._dict_keys(ctx, name)
        if keys is None:
            return None
        always, maybe = keys
        spelled = [a for a in (updated or original).args if not a.star]
        found = _by_name(spelled, form.params)
        for key in sorted(always | maybe):
            if key in found or key in ("dataset", "sampler") or key not in set(form.params) | set(form.drop):
                return None  # a key given twice, the source or sampler hidden, or a keyword unknown here
            if key in always:
                found[key] = cst.parse_expression(f'{name}["{key}"]')
            elif key in form.defaults:
                found[key] = cst.parse_expression(f'{name}.get("{key}", {form.defaults[key]!r})')
            elif key not in form.drop:
                found[key] = cst.parse_expression(f'{name}["{key}"]')  # flagged below with its hint
        return found

    def _dict_keys(self, ctx: FileContext, name: str):
        """(keys always set, keys maybe set) of a dict the scope spells whole, or None."""
        scope = self._functions[-1].body.body if self._functions else self._module.body
        literals = {}  # name -> the one dict literal assigned to it in the scope
        counts: Dict[str, int] = {}
        for statement, top in _all_small(scope):
            if isinstance(statement, cst.Assign) and len(statement.targets) == 1 \
                    and isinstance(statement.targets[0].target, cst.Name):
                target = statement.targets[0].target.value
                counts[target] = counts.get(target, 0) + 1
                if isinstance(statement.value, cst.Dict):
                    literals[target] = (statement.value, top)
        if counts.get(name) != 1 or name not in literals:
            return None
        always, maybe = set(), set()
        first, top = literals[name]
        keys = _literal_keys(first)
        if keys is None:
            return None
        (always if top else maybe).update(keys)
        expected = 1
        for statement, _ in _all_small(scope):
            call = statement.value if isinstance(statement, cst.Expr) else None
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "update" \
                    and isinstance(call.func.value, cst.Name) and call.func.value.value == name:
                if len(call.args) != 1 or call.args[0].keyword or call.args[0].star:
                    return None
                value = call.args[0].value
                if isinstance(value, cst.Name) and counts.get(value.value) == 1 and value.value in literals:
                    value = literals[value.value][0]
                added = _literal_keys(value) if isinstance(value, cst.Dict) else None
                if added is None:
                    return None
                maybe |= added - always
                expected += 1
            elif isinstance(statement, cst.Assign) and len(statement.targets) == 1 \
                    and isinstance(statement.targets[0].target, cst.Subscript):
                target = statement.targets[0].target
                if isinstance(target.value, cst.Name) and target.value.value == name:
                    index = target.slice[0].slice if len(target.slice) == 1 else None
                    key = index.value.evaluated_value if isinstance(index, cst.Index) \
                        and isinstance(index.value, cst.SimpleString) else None
                    if not isinstance(key, str):
                        return None
                    maybe |= {key} - always
                    expected += 1
        spreads = sum(1 for node in _code_nodes(scope) if isinstance(node, cst.Call) and any(
            a.star == "**" and isinstance(a.value, cst.Name) and a.value.value == name for a in node.args)
            and ctx.qualname(node.func) in LOADER)
        uses = sum(1 for node in _code_nodes(scope) if isinstance(node, cst.Name) and node.value == name)
        return (always, maybe) if uses == expected + spreads else None

    def _sampler(self, ctx: FileContext, original: Optional[cst.BaseExpression], updated):
        """("shuffle", True/False), ("sampler", expr), None (no sampler), or a reason to flag."""
        if original is None:
            return None
        forms = training.sampler_forms()
        qualname = ctx.qualname(original.func) if isinstance(original, cst.Call) else None
        form = forms.get(qualname)
        if form is None:
            return ("`sampler=`: a sampler MindSpore does not know; GeneratorDataset(sampler=...) takes "
                    "mindspore.dataset samplers or any iterable of indices")
        args = _by_name(original.args, form.only)
        if args is None or set(args) - set(form.only):
            return f"`sampler=`: {qualname} with arguments beyond {', '.join(form.only)}"
        if form.shuffle is not None:
            return "shuffle", cst.Name("True" if form.shuffle else "False")
        new_args = [a.with_changes(comma=COMMA) for a in updated.args]
        new_args[-1] = new_args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        ctx.discard(updated.func)
        return "sampler", cst.Call(func=ctx.emit(form.to), args=new_args)

    # ---- the columns a source yields ------------------------------------------------------------
    def _columns(self, ctx: FileContext, source: cst.BaseExpression, depth: int = 0):
        """Column names for the rows the source yields, or the reason they are unknown."""
        if isinstance(source, cst.Call):
            qualname = ctx.qualname(source.func)
            if qualname in TENSOR_DATASET:
                names = [a.value.value if isinstance(a.value, cst.Name) else None for a in source.args]
                return _unique(names)
            name = dotted(source.func)
            if name in self._datasets:
                return self._class_columns(self._datasets[name])
        if isinstance(source, cst.Name) and depth < 3:
            value = self._assigned(source.value)
            if value is not None:
                return self._columns(ctx, value, depth + 1)
        return ("the source's rows are unknown here: GeneratorDataset(source, column_names=[...]) needs one name "
                "per value each row holds")

    def _assigned(self, name: str) -> Optional[cst.BaseExpression]:
        scopes = [self._functions[-1].body.body] if self._functions else []
        scopes.append(self._module.body)
        for body in scopes:
            for statement in _flat(body):
                if isinstance(statement, cst.Assign) and len(statement.targets) == 1 \
                        and isinstance(statement.targets[0].target, cst.Name) \
                        and statement.targets[0].target.value == name:
                    return statement.value
        return None

    def _class_columns(self, cls: cst.ClassDef):
        method = _method(cls, "__getitem__") or _method(cls, "__iter__")
        for base in cls.bases:  # a method inherited from another Dataset class of the file
            if method is None and dotted(base.value) in self._datasets:
                parent = self._datasets[dotted(base.value)]
                method = _method(parent, "__getitem__") or _method(parent, "__iter__")
        if method is None:
            return f"{cls.name.value} has no __getitem__ or __iter__ here: its rows are unknown"
        rows = [n.value for n in _walk(method.body) if isinstance(n, (cst.Return, cst.Yield)) and n.value is not None]
        if not rows:
            return f"{cls.name.value}.{method.name.value} returns nothing the tool can read"
        shapes = set()
        names: List[Optional[str]] = []
        for value in rows:
            if isinstance(value, cst.Dict):
                return (f"{cls.name.value} yields a dict: MindSpore's pipeline takes tuples: return a tuple and "
                        f"name the columns (column_names=[...])")
            if not isinstance(value, (cst.Tuple, cst.List)) \
                    or any(isinstance(e, cst.StarredElement) for e in value.elements):
                return (f"{cls.name.value} yields one value per row: MindSpore's iterator would yield a list of "
                        f"one column; return a 1-tuple and unpack `for (x,) in loader`")
            shapes.add(len(value.elements))
            names = [e.value.value if isinstance(e.value, cst.Name) else None for e in value.elements]
        if len(shapes) != 1:
            return f"{cls.name.value} yields rows of different lengths"
        return _unique(names)

    # ---- reading a loader's dataset ------------------------------------------------------------
    def visit_AssignTarget(self, ctx: FileContext, node: cst.AssignTarget) -> None:
        self._stores.add(id(node.target))

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        """`loader.dataset` -> `loader.children[0].source`: the pipeline's first node holds the source."""
        if original.attr.value != "dataset" or id(original) in self._stores:
            return updated
        if ctx.kind_of(original.value) != "loader" or ctx.qualname(original) is not None:
            return updated
        if self._unbatched:
            ctx.flag(updated, "torch.utils.data.DataLoader.dataset", Reason.MANUAL,
                     "a loader without batch_size here: its source is loader.source")
            return updated
        children = cst.Attribute(value=updated.value, attr=cst.Name("children"))
        first = cst.Subscript(value=children, slice=[cst.SubscriptElement(slice=cst.Index(value=cst.Integer("0")))])
        return in_place_of(updated, cst.Attribute(value=first, attr=cst.Name("source")))


# ---- helpers -------------------------------------------------------------------------------------
def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and current is not node:
            continue
        yield current
        stack.extend(code_children(current))


def _withdraw(ctx: FileContext, node: cst.CSTNode) -> None:
    for current in _walk(node):
        ctx.withdraw_flag(current)


def _int_index(cls: cst.ClassDef) -> cst.ClassDef:
    """`__getitem__(self, i)` starts with `i = int(i)`: MindSpore's pipeline passes numpy integers,
    which MindSpore tensors do not take as an index (torch's samplers pass Python ints)."""
    method = _method(cls, "__getitem__")
    params = method.params.params if method is not None else ()
    if len(params) != 2 or not isinstance(method.body, cst.IndentedBlock):
        return cls
    name = params[1].name.value
    body = list(method.body.body)
    at = 1 if body and _is_docstring(body[0]) else 0
    line = cst.parse_statement(f"{name} = int({name})\n")
    if at < len(body):
        line = line.with_changes(leading_lines=body[at].leading_lines)
        body[at] = body[at].with_changes(leading_lines=[])
    body.insert(at, line)
    new = method.with_changes(body=method.body.with_changes(body=body))
    return cls.with_changes(body=cls.body.with_changes(body=[new if s is method else s for s in cls.body.body]))


def _is_docstring(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def _method(cls: cst.ClassDef, name: str) -> Optional[cst.FunctionDef]:
    for statement in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        if isinstance(statement, cst.FunctionDef) and statement.name.value == name:
            return statement
    return None


def _flat(body) -> List[cst.BaseSmallStatement]:
    found = []
    for node in body:
        if isinstance(node, cst.SimpleStatementLine):
            found.extend(node.body)
        elif isinstance(node, (cst.If, cst.With, cst.Try)) and isinstance(node.body, cst.IndentedBlock):
            found.extend(_flat(node.body.body))
    return found


def _all_small(body, top: bool = True):
    """(small statement, directly in `body`?) for every simple statement of a scope, not inside defs."""
    for node in body:
        if isinstance(node, cst.SimpleStatementLine):
            for small in node.body:
                yield small, top
        elif isinstance(node, (cst.If, cst.For, cst.While, cst.With, cst.Try, cst.Else)):
            inner = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
            yield from _all_small(inner, False)
            orelse = getattr(node, "orelse", None)
            if orelse is not None:
                yield from _all_small([orelse], False)
            for handler in getattr(node, "handlers", ()):
                yield from _all_small(handler.body.body, False)


def _code_nodes(body):
    """Every node of a scope's statements, not inside nested defs, classes or lambdas."""
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        yield node
        stack.extend(node.children)


def _literal_keys(node: cst.Dict) -> Optional[set]:
    keys = set()
    for element in node.elements:
        if not isinstance(element, cst.DictElement) or not isinstance(element.key, cst.SimpleString):
            return None
        keys.add(element.key.evaluated_value)
    return keys


def _by_name(args: Sequence[cst.Arg], params: Sequence[str]) -> Optional[Dict[str, cst.BaseExpression]]:
    """The arguments by parameter name; None if a star argument hides some."""
    found: Dict[str, cst.BaseExpression] = {}
    for index, arg in enumerate(args):
        if arg.star:
            return None
        name = keyword(arg) or (params[index] if index < len(params) else f"#{index}")
        found[name] = arg.value
    return found


def _unique(names: List[Optional[str]]) -> List[str]:
    out: List[str] = []
    for index, name in enumerate(names):
        name = name or f"column_{index}"
        out.append(name if name not in out else f"{name}_{index}")
    return out


def _string_list(names: List[str]) -> cst.List:
    elements = [cst.Element(value=cst.SimpleString(f'"{n}"'), comma=COMMA) for n in names]
    elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return cst.List(elements=elements)


def _kw(name: str, value: cst.BaseExpression) -> cst.Arg:
    return cst.Arg(keyword=cst.Name(name), value=value, equal=TIGHT_EQUAL)


def _join(args: List[cst.Arg]) -> List[cst.Arg]:
    out = [a.with_changes(comma=COMMA, whitespace_after_arg=cst.SimpleWhitespace("")) for a in args]
    out[-1] = out[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return out
