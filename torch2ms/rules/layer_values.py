"""A torch layer class passed as a value still takes `inplace=` where it is called.

`activation_layer=nn.ReLU` is called later as `activation_layer(inplace=True)`, often far away
(another function, another module), where no rule can see that it is a torch layer. MindSpore's
layers take no `inplace` (it only saved memory in torch), so a torch layer class whose
signature has `inplace` becomes, where it is used as a value, a small adapter that accepts and
ignores it: `(lambda *args, inplace=False, **kwargs: mint.nn.ReLU(*args, **kwargs))`. Where the
MindSpore class names or defaults an argument otherwise (argument rules `rename`/`defaults`:
`nn.LeakyReLU`'s alpha=0.2 for torch's negative_slope=0.01), the adapter has torch's signature
and passes MindSpore's names; a class with such a rule whose torch defaults are not known stays,
flagged (`nn.LSTM`: bias is has_bias). Calls, base classes, `isinstance`/`issubclass`,
comparisons and annotations keep the class itself.
"""
from __future__ import annotations

from typing import Set

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.results import Reason
from torch2ms.knowledge import extras, inventory, record
from torch2ms.rules.base import Rule, change, keep

_CLASS_CHECKS = {"isinstance", "issubclass", "type"}


class LayerValues(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn

            def activations(act_layer=nn.LeakyReLU):
                return act_layer(inplace=True), act_layer(0.3), act_layer(negative_slope=2.0)

            x = torch.linspace(-2, 2, 6)
            out = [act(x.clone()) for act in activations()]
            """,
            """
            from mindspore import mint, nn

            def activations(act_layer=(lambda negative_slope=0.01, inplace=False: nn.LeakyReLU(alpha=negative_slope))):
                return act_layer(inplace=True), act_layer(0.3), act_layer(negative_slope=2.0)

            x = mint.linspace(-2, 2, 6)
            out = [act(x.clone()) for act in activations()]
            """,
            run=("out",),
            note="a layer whose MindSpore class renames an argument and defaults it otherwise: the adapter has torch's signature",
        ),
        change(
            """
            import torch.nn as nn

            kinds = {"softmin": nn.Softmin, "pool": nn.MaxPool2d}

            def pick(m):
                return isinstance(m, nn.Softmin)
            """,
            """
            from mindspore import mint, nn

            kinds = {"softmin": nn.Softmin, "pool": mint.nn.MaxPool2d}  # torch2ms: torch.nn.Softmin needs a manual rewrite (hint: mindspore.nn.Softmin takes other arguments: dim is axis in MindSpore)

            def pick(m):
                return isinstance(m, nn.Softmin)
            """,
            note="a class whose legacy mindspore.nn namesake takes other arguments (data signature_gaps.json), "
                 "passed as a value: flagged, its calls are not known here; a type check keeps it as it is",
        ),
        keep(
            """
            import torch.nn as nn

            def norm_of(kind: type[nn.ReLU | nn.MaxPool1d]) -> type[nn.ReLU]:
                return kind
            """,
            """
            from mindspore import mint, nn

            def norm_of(kind: type[mint.nn.ReLU | nn.MaxPool1d]) -> type[mint.nn.ReLU]:
                return kind
            """,
            note="an annotation names a type: the class stays itself (no adapter, no note)",
        ),
        change(
            """
            import torch.nn as nn

            def recurrent(kind=nn.LSTM):
                return kind
            """,
            """
            from mindspore import nn

            def recurrent(kind=nn.LSTM):  # torch2ms: torch.nn.LSTM needs a manual rewrite (hint: passed as a value, its calls keep torch's argument names: bias is has_bias in MindSpore)
                return kind
            """,
            note="a renamed argument whose torch default is not known here: the class stays, flagged",
        ),
        change(
            """
            import torch
            import torch.nn as nn

            def block(act_layer=nn.ReLU):
                return nn.Sequential(nn.Linear(3, 3), act_layer(inplace=True))

            x = torch.tensor([[1.0, -2.0, 3.0]])
            out = block()[1](x)
            """,
            """
            import mindspore
            from mindspore import mint, nn

            def block(act_layer=(lambda *args, inplace=False, **kwargs: mint.nn.ReLU(*args, **kwargs))):
                return nn.SequentialCell(mint.nn.Linear(3, 3), act_layer(inplace=True)).set_train(True)

            x = mindspore.Tensor([[1.0, -2.0, 3.0]])
            out = block()[1](x)
            """,
            run=("out",),
        ),
        keep(
            """
            import torch.nn as nn

            def relu_layers(model):
                return [m for m in model.cells() if isinstance(m, (nn.ReLU, nn.GELU)) or type(m) is nn.ReLU]

            act = nn.ReLU(inplace=True)
            """,
            """
            from mindspore import mint

            def relu_layers(model):
                return [m for m in model.cells() if isinstance(m, (mint.nn.ReLU, mint.nn.GELU)) or type(m) is mint.nn.ReLU]

            act = mint.nn.ReLU()
            """,
            note="calls, isinstance and comparisons keep the class",
        ),
    )

    def __init__(self) -> None:
        self._kept: Set[int] = set()  # ids of expressions that must stay the class itself
        self._annotations = 0  # depth inside annotations, which name types, not values

    def visit_Annotation(self, ctx: FileContext, node: cst.Annotation) -> None:
        self._annotations += 1

    def leave_Annotation(self, ctx: FileContext, original, updated):
        self._annotations -= 1
        return updated

    def visit_Call(self, ctx: FileContext, node: cst.Call) -> None:
        self._kept.add(id(node.func))
        if isinstance(node.func, cst.Name) and node.func.value in _CLASS_CHECKS:
            for arg in node.args:
                self._keep_all(arg.value)

    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        for base in node.bases:
            self._kept.add(id(base.value))

    def visit_Comparison(self, ctx: FileContext, node: cst.Comparison) -> None:
        self._kept.add(id(node.left))
        for target in node.comparisons:
            self._kept.add(id(target.comparator))

    def _keep_all(self, node: cst.BaseExpression) -> None:
        self._kept.add(id(node))
        if isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                self._kept.add(id(element.value))

    def _adapter(self, ctx: FileContext, original, updated):
        if id(original) in self._kept or self._annotations or ctx.is_chain_root(original):
            return updated
        qualname = ctx.qualname(original)
        if qualname is None or not qualname.startswith("torch.nn.") or inventory.torch_kind(qualname) != "class":
            return updated
        if ctx.still_torch(updated):
            return updated
        rule = record(qualname).arg_rule
        if rule is not None and (rule.rename or rule.defaults):
            return self._renaming_adapter(ctx, updated, qualname, rule)
        gap = extras.signature_gap(qualname) if rule is None else ""
        if gap:  # its legacy mindspore.nn class takes other arguments: how it is called is not known here
            ctx.flag(updated, qualname, Reason.MANUAL, f"{record(qualname).target.path} takes other arguments: {gap}")
            return updated
        if "inplace" not in (inventory.torch_params(qualname) or []):
            return updated
        adapter = cst.parse_expression("lambda *args, inplace=False, **kwargs: LAYER(*args, **kwargs)")
        call = adapter.body.with_changes(func=updated.with_changes(lpar=[], rpar=[]))
        # bracketed: inside `A if c else B` (or any larger expression) a bare lambda would swallow the rest
        return adapter.with_changes(body=call, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])

    @staticmethod
    def _renaming_adapter(ctx: FileContext, updated, qualname: str, rule):
        """A layer whose MindSpore class names an argument otherwise or defaults it otherwise
        (`nn.LeakyReLU`: alpha=0.2 for torch's negative_slope=0.01): the adapter has torch's
        signature and passes MindSpore's names, `(lambda negative_slope=0.01, inplace=False:
        nn.LeakyReLU(alpha=negative_slope))`. Where a parameter's torch default is not known,
        the class stays, flagged: its calls are not rewritten."""
        back = {ms: torch for torch, ms in rule.rename.items()}
        defaults = {back.get(name, name): value for name, value in rule.defaults.items()}
        params = list(rule.params)
        if not params or any(p != "inplace" and p not in defaults for p in params):
            ctx.flag(updated, qualname, Reason.MANUAL, "passed as a value, its calls keep torch's argument names: "
                     + ", ".join(f"{t} is {m} in MindSpore" for t, m in rule.rename.items()))
            return updated
        signature = ", ".join(f"{p}=False" if p == "inplace" else f"{p}={defaults[p]}" for p in params)
        passed = ", ".join(f"{rule.rename.get(p, p)}={p}" for p in params if p != "inplace")
        adapter = cst.parse_expression(f"lambda {signature}: LAYER({passed})")
        call = adapter.body.with_changes(func=updated.with_changes(lpar=[], rpar=[]))
        return adapter.with_changes(body=call, lpar=[cst.LeftParen()], rpar=[cst.RightParen()])

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated):
        return self._adapter(ctx, original, updated)

    def leave_Name(self, ctx: FileContext, original: cst.Name, updated):
        if ctx.binding_of(original) is None:
            return updated  # a store, a keyword, a name no import binds
        return self._adapter(ctx, original, updated)
