"""A new Cell built outside a Cell trains from the start, as a new torch Module does.

A new torch Module is in training mode; a new MindSpore Cell is not. So a layer whose result
depends on the flag (dropout, batch statistics, RNNs; data: mode_dependent_layers), or one of
the file's own Cells, built outside a Cell class gets `.set_train(True)`. Inside a Cell class
nothing is added: submodules follow their parent's set_train. It wraps the finished call, so
it runs after every other rule (they rewrite the call's own arguments, not the wrapper's).
"""
from __future__ import annotations

import libcst as cst

from torch2ms import helpers
from torch2ms.convert.context import FileContext
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep


class TrainingFromTheStart(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn

            torch.manual_seed(0)
            drop = nn.Dropout(0.5)
            x = torch.ones(1000)
            out = (drop(x) == 0).float().mean().item() > 0.3
            """,
            """
            import mindspore
            from mindspore import mint

            mindspore.manual_seed(0)
            drop = mint.nn.Dropout(0.5).set_train(True)
            x = mint.ones(1000)
            out = (drop(x) == 0).float().mean().item() > 0.3
            """,
            run=("out",),
            note="torch drops about half; without set_train(True) MindSpore would drop nothing",
        ),
        keep(
            """
            import torch.nn as nn

            lin = nn.Linear(2, 3)
            model = nn.Dropout(0.1).eval()

            class Net(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.drop = nn.Dropout(0.1)
            """,
            """
            from mindspore import mint, nn

            lin = mint.nn.Linear(2, 3)
            model = mint.nn.Dropout(0.1).set_train(False)

            class Net(nn.Cell):
                def __init__(self):
                    super().__init__()
                    self.drop = mint.nn.Dropout(0.1)
            """,
            note="a Linear does not depend on the mode; a mode set by the code stays; inside a Cell the parent decides",
        ),
    )

    def __init__(self) -> None:
        self._moded: set = set()  # ids of calls whose mode the code sets itself (`Net().eval()`)
        self._helpers = None  # the helper layer classes the file holds (read when first needed)

    def _helper_classes(self, ctx: FileContext) -> frozenset:
        if self._helpers is None:
            # Rendering the file is the proof, but costs a codegen: only where it defines a class
            # of a helper's name at all (a converted file converted again).
            names = helpers.class_names()
            if any(type(s) is cst.ClassDef and s.name.value in names for s in ctx.module.body):
                self._helpers = helpers.written_in(ctx.module.code)
            else:
                self._helpers = frozenset()
        return self._helpers

    def visit_Attribute(self, ctx: FileContext, node: cst.Attribute) -> None:
        if node.attr.value in ("set_train", "eval", "train") and isinstance(node.value, cst.Call):
            self._moded.add(id(node.value))

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if id(original) in self._moded or ctx.inside_cell:
            return updated
        maker = ctx.cell_made_by(original)
        if maker is None or (maker.startswith("torch.") and maker not in extras.mode_dependent_layers()):
            return updated
        if maker in self._helper_classes(ctx):  # a layer torch2ms wrote (mode-free): as when it was written
            return updated
        set_train = cst.Attribute(value=updated, attr=cst.Name("set_train"))
        return cst.Call(func=set_train, args=[cst.Arg(value=cst.Name("True"))])
