"""Names that hold Cells, optimizers, schedulers, data loaders: learned from the whole file first.

Before the walk the file is read once (convert/kinds.py): what each name is assigned
(`model = Net().to(device)`, `opt = optim.SGD(...)`, `loader = DataLoader(...)`), what goes
into an optimizer (`optim.Adam(net.parameters())` makes `net` a Cell), how parameters are
annotated (`model: nn.Module`) and what every call of a function of the file passes to it
(`train(model, loader, opt)`). The walk then tells the context (`ctx.remember_kind`), so the
other rules know `model.train()` is a Cell's, `opt.step()` an optimizer's and `loader` a loader.
"""
from __future__ import annotations

from typing import List, Optional

import libcst as cst

from torch2ms.convert import kinds as object_kinds
from torch2ms.convert.context import FileContext
from torch2ms.knowledge import inventory
from torch2ms.rules.base import Rule, change, keep

_NOT_LAYERS = {"torch.nn.Parameter", "torch.nn.Buffer", "torch.nn.UninitializedParameter",
               "torch.nn.UninitializedBuffer"}


def is_layer(qualname: str) -> bool:
    """A torch nn.Module class (nn.Linear, nn.Sequential, ...), not nn.Parameter nor nn.utils."""
    return (qualname.startswith("torch.nn.") and not qualname.startswith("torch.nn.utils.")
            and qualname not in _NOT_LAYERS and inventory.torch_kind(qualname) == "class")


class ObjectKinds(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn

            class Net(nn.Module):
                def forward(self, x):
                    return x

            def fit(model, steps):
                model.train()
                return steps

            def check(model: nn.Module):
                model.eval()

            def main():
                device = torch.device("cpu")
                model = Net().to(device)
                fit(model, 3)
                check(model)
                model.eval()
            """,
            """
            from mindspore import nn

            class Net(nn.Cell):
                def construct(self, x):
                    return x

            def fit(model, steps):
                model.set_train(True)
                return steps

            def check(model: nn.Cell):
                model.set_train(False)

            def main():
                model = Net().set_train(True)
                fit(model, 3)
                check(model)
                model.set_train(False)
            """,
            note="`model` in fit is a Cell because every call passes one; in check by its annotation",
        ),
        change(
            """
            import torch.optim as optim
            from models import build

            model = build()
            optimizer = optim.SGD(model.parameters(), lr=0.1)
            model.train()
            """,
            """
            from mindspore import mint
            from models import build

            model = build()
            optimizer = mint.optim.SGD(model.trainable_params(), lr=0.1)
            model.set_train(True)
            """,
            note="whatever a torch optimizer takes `.parameters()` from is a Module",
        ),
        keep(
            """
            def fit(trainer, data):
                trainer.train(data)

            fit(object(), [])
            """,
            note="nothing says the trainer is a Cell: its train() stays",
        ),
    )

    def __init__(self) -> None:
        self._kinds: Optional[object_kinds.Kinds] = None
        self._scopes: List[str] = []
        self._params: List[int] = []  # ids of the Parameters nodes of the defs being walked

    def visit_Module(self, ctx: FileContext, node: cst.Module) -> None:
        self._kinds = object_kinds.infer(node, ctx.qualname, is_layer, ctx.is_library_cell,
                                         walrus=bool(ctx.nodes_of(cst.NamedExpr)))
        for name, kind in self._kinds.names.get("", {}).items():
            ctx.remember_kind(cst.Name(name), kind, module_level=True)

    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        self._scopes.append(node.name.value)
        if self._kinds is not None:
            for attr, kind in self._kinds.attrs.get(object_kinds.scope_key(self._scopes), {}).items():
                ctx.remember_kind(cst.Attribute(value=cst.Name("self"), attr=cst.Name(attr)), kind)

    def leave_ClassDef(self, ctx: FileContext, original, updated):
        self._scopes.pop()
        return updated

    def visit_FunctionDef(self, ctx: FileContext, node: cst.FunctionDef) -> None:
        self._scopes.append(node.name.value)
        self._params.append(id(node.params))

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        self._scopes.pop()
        self._params.pop()
        return updated

    def _here(self) -> dict:
        return self._kinds.names.get(object_kinds.scope_key(self._scopes), {}) if self._kinds else {}

    def leave_Parameters(self, ctx: FileContext, original: cst.Parameters, updated):
        if self._params and self._params[-1] == id(original):
            known = self._here()
            for param in (*original.posonly_params, *original.params, *original.kwonly_params):
                kind = known.get(param.name.value)
                if kind is not None:
                    ctx.remember_kind(param.name, kind)
        return updated

    def leave_SimpleStatementLine(self, ctx: FileContext, original: cst.SimpleStatementLine, updated):
        if not self._scopes:
            return updated  # module level: told at the start
        known = self._here()
        for small in original.body:
            if isinstance(small, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                for target in targets:
                    for name in object_kinds.target_names(target):
                        if name in known:
                            ctx.remember_kind(cst.Name(name), known[name])
        return updated
