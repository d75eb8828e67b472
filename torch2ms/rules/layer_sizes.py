"""A subclass of a torch 2-D/3-D conv or pool layer repeats a 1-element size before it reaches mint.

torch keeps `stride=[2]` as `(2,)` (`_pair` makes any sequence a tuple) and its kernels repeat a
1-element size over every spatial dim; mint's Conv2d / MaxPool2d take an int or exactly n values
and raise ("input sequence dimension must be 2, but got [1]"). Which value arrives is known only
at run time, and a layer subclass is where such values come in from its callers (efficientnet's
same-padding convs are built with `stride=[1]` from a block string): its __init__ forwards its own
parameters to super().__init__, so the sizes among them are repeated to n values first, which is
what torch computes with. Attributes the subclass reads afterwards (self.stride, self.kernel_size)
hold n values then, as torch's do for any size but a 1-element one.

Direct constructions (`nn.Conv2d(c, c, 3, stride=s)`) are left as they are: nearly every model
passes its sizes through variables, and a test on each would bury the code for a rare case.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.knowledge.inventory import torch_params
from torch2ms.rules.base import Rule, change, keep

# torch layers whose size arguments accept a 1-element sequence for n spatial dims (n from the name)
LAYER = re.compile(r"^torch\.nn\.(?:modules\.\w+\.)?(Conv|ConvTranspose|MaxPool|AvgPool)([23])d$")
# The sizes torch repeats: a conv's kernel_size is not one of them (its length sets the weight's shape).
SIZES = {"Conv": ("stride", "padding", "dilation", "output_padding"),
         "ConvTranspose": ("stride", "padding", "dilation", "output_padding"),
         "MaxPool": ("kernel_size", "stride", "padding", "dilation"),
         "AvgPool": ("kernel_size", "stride", "padding")}


def _is_super_init(call: cst.Call) -> bool:
    func = call.func
    return (isinstance(func, cst.Attribute) and func.attr.value == "__init__"
            and isinstance(func.value, cst.Call) and isinstance(func.value.func, cst.Name)
            and func.value.func.value == "super")


def _forwarded_sizes(call: cst.Call, params: List[str], own: set, sizes) -> List[str]:
    """The __init__'s own parameters that super().__init__ receives as a size."""
    found = []
    for i, arg in enumerate(call.args):
        if arg.star:
            if arg.star == "*":
                params = []  # positions after *args are unknown
            continue
        name = arg.keyword.value if arg.keyword else (params[i] if i < len(params) else None)
        if name in sizes and isinstance(arg.value, cst.Name) and arg.value.value in own:
            found.append(arg.value.value)
    return found


def _repeats(names: List[str], dims: int, layer: str) -> List[cst.BaseStatement]:
    """One line per size, under one comment saying why."""
    lines = [cst.parse_statement(f"{name} = tuple({name}) * {dims} if isinstance({name}, (list, tuple)) "
                                 f"and len({name}) == 1 else {name}\n") for name in names]
    why = cst.EmptyLine(comment=cst.Comment(
        f"# torch's {layer} repeats a 1-element size over its {dims} dims; mint's takes an int or {dims} values"))
    lines[0] = lines[0].with_changes(leading_lines=[why])
    return lines


def _is_docstring(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[0], cst.Expr) and \
        isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))


class LayerSizes(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn as nn

            class SameConv(nn.Conv2d):
                def __init__(self, cin, cout, kernel_size, stride=1):
                    super().__init__(cin, cout, kernel_size, stride=stride, bias=False)
                    self.stride = self.stride if len(self.stride) == 2 else [self.stride[0]] * 2

                def forward(self, x):
                    return nn.functional.conv2d(x, self.weight, None, self.stride, 1)

            conv = SameConv(2, 3, 3, stride=[2])
            y = conv(torch.ones(1, 2, 7, 7))
            strides = list(conv.stride)
            """,
            """
            from mindspore import mint

            class SameConv(mint.nn.Conv2d):
                def __init__(self, cin, cout, kernel_size, stride=1):
                    # torch's Conv2d repeats a 1-element size over its 2 dims; mint's takes an int or 2 values
                    stride = tuple(stride) * 2 if isinstance(stride, (list, tuple)) and len(stride) == 1 else stride
                    super().__init__(cin, out_channels=cout, kernel_size=kernel_size, stride=stride, bias=False)
                    self.stride = self.stride if len(self.stride) == 2 else [self.stride[0]] * 2

                def construct(self, x):
                    return mint.nn.functional.conv2d(x, self.weight, None, self.stride, 1)

            conv = SameConv(2, 3, 3, stride=[2]).set_train(True)
            y = conv(mint.ones((1, 2, 7, 7)))
            strides = list(conv.stride)
            """,
            run=("strides",),
        ),
        change(
            """
            import torch
            import torch.nn as nn

            class Pool(nn.MaxPool2d):
                def __init__(self, kernel_size, stride=None):
                    \"\"\"Pooling sizes may come as one-element lists.\"\"\"
                    super().__init__(kernel_size, stride)

            pooled = Pool([3], stride=(2,))(torch.arange(64.0).reshape(1, 1, 8, 8))
            """,
            """
            from mindspore import mint

            class Pool(mint.nn.MaxPool2d):
                def __init__(self, kernel_size, stride=None):
                    \"\"\"Pooling sizes may come as one-element lists.\"\"\"
                    # torch's MaxPool2d repeats a 1-element size over its 2 dims; mint's takes an int or 2 values
                    kernel_size = tuple(kernel_size) * 2 if isinstance(kernel_size, (list, tuple)) and len(kernel_size) == 1 else kernel_size
                    stride = tuple(stride) * 2 if isinstance(stride, (list, tuple)) and len(stride) == 1 else stride
                    super().__init__(kernel_size, stride=stride)

            pooled = Pool([3], stride=(2,)).set_train(True)(mint.arange(64.0).reshape(1, 1, 8, 8))
            """,
            run=("pooled",),
        ),
        keep(
            """
            import torch.nn as nn

            class Wide(nn.Conv1d):
                def __init__(self, cin, cout, kernel_size, stride=1):
                    super().__init__(cin, cout, kernel_size, stride)

            class Plain(nn.Conv2d):
                def __init__(self, cin, cout, **kwargs):
                    super().__init__(cin, cout, 3, **kwargs)

            class Padded(nn.Conv2d):
                def __init__(self, cin, cout, padding="same"):
                    padding = 1 if padding == "same" else padding
                    super().__init__(cin, cout, 3, padding=padding)
            """,
            """
            from mindspore import mint

            class Wide(mint.nn.Conv1d):
                def __init__(self, cin, cout, kernel_size, stride=1):
                    super().__init__(cin, out_channels=cout, kernel_size=kernel_size, stride=stride)

            class Plain(mint.nn.Conv2d):
                def __init__(self, cin, cout, **kwargs):
                    super().__init__(cin, out_channels=cout, kernel_size=3, **kwargs)

            class Padded(mint.nn.Conv2d):
                def __init__(self, cin, cout, padding="same"):
                    padding = 1 if padding == "same" else padding
                    super().__init__(cin, out_channels=cout, kernel_size=3, padding=padding)
            """,
            note="1-D layers take a 1-element size as it is; sizes in **kwargs, or rebound before, are not the caller's",
        ),
    )

    def __init__(self) -> None:
        self._layers: List[Optional[str]] = []  # per class being walked: its torch 2-D/3-D layer base

    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        layer = None
        for base in node.bases:
            qualname = ctx.qualname(base.value) if base.keyword is None and not base.star else None
            if qualname and LAYER.match(qualname):
                layer = qualname
        self._layers.append(layer)

    def leave_ClassDef(self, ctx: FileContext, original, updated):
        self._layers.pop()
        return updated

    def leave_FunctionDef(self, ctx: FileContext, original: cst.FunctionDef, updated: cst.FunctionDef):
        layer = self._layers[-1] if self._layers else None
        if layer is None or original.name.value != "__init__" or not isinstance(updated.body, cst.IndentedBlock):
            return updated
        if not ctx.in_class_body:  # a function nested in a method is no constructor of the class
            return updated
        own = {p.name.value for p in (*original.params.params, *original.params.kwonly_params,
                                      *original.params.posonly_params)} - _rebound(original.body)
        params = torch_params(layer) or []
        match = LAYER.match(layer)
        dims, short = int(match.group(2)), layer.rpartition(".")[2]
        sizes: Dict[str, None] = {}
        for call in _calls(original.body):
            if _is_super_init(call):
                sizes.update(dict.fromkeys(_forwarded_sizes(call, params, own, SIZES[match.group(1)])))
        if not sizes:
            return updated
        body = list(updated.body.body)
        at = 1 if body and _is_docstring(body[0]) else 0
        checks = _repeats(list(sizes), dims, short)
        return updated.with_changes(body=updated.body.with_changes(body=body[:at] + checks + body[at:]))


def _calls(body: cst.BaseSuite) -> List[cst.Call]:
    """The calls at the top of the __init__'s statements (super().__init__ is one such)."""
    found = []
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    found.append(small.value)
    return found


def _rebound(body: cst.BaseSuite) -> set:
    """Names the __init__ assigns: what reaches super().__init__ under them is no longer the caller's."""
    names = set()

    def add(target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            names.add(target.value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                add(element.value)
        elif isinstance(target, cst.StarredElement):
            add(target.value)

    class Assignments(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            add(node.target)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            add(node.target)

        def visit_AugAssign(self, node: cst.AugAssign) -> None:
            add(node.target)

        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            add(node.target)

    body.visit(Assignments())
    return names
