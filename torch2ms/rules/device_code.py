"""Device code goes: MindSpore places tensors through mindspore.set_context.

`.to(device)` / `.cuda()` / `.cpu()` moves go (a dtype in `.to(device, dtype)` stays),
`torch.device` in a type annotation is `str` (a MindSpore tensor's `.device` is a string),
`device=` / `pin_memory=` / `non_blocking=` leave calls into torch, variables that only hold
a device go once nothing reads them, `torch.cuda.*` statements go, and questions about the
accelerator (`torch.cuda.is_available()`, `x.is_cuda`, `x.device.type == "cuda"`, tracing and
compiling, torch.backends flags such as cudnn.enabled) are answered False, so their
device-agnostic branch is what stays.

Only calls into torch (and tensor methods that take a device) lose their `device=`
arguments: the project's own helpers keep their signatures.
"""
from __future__ import annotations

from typing import Optional

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import code_children, dotted, drop_args, in_place_of, keyword, walk_code
from torch2ms.knowledge import extras
from torch2ms.rules.base import Rule, change, keep

DEVICE_KEYWORDS = {"device", "pin_memory", "non_blocking"}
TENSOR_METHODS_WITH_DEVICE = {"new_zeros", "new_ones", "new_full", "new_empty", "new_tensor", "to"}
DEVICE_NAMES = {"cuda", "cpu", "mps", "xpu", "npu", "meta"}
DEVICE_ONLY_MODULES = ("torch.cuda.", "torch.backends.", "torch.mps.", "torch.xpu.", "torch.npu.")
ACCELERATOR_FLAGS = {"is_cuda", "is_mps", "is_xpu"}
DEVICE_METHODS = {"cuda", "cpu", "xpu", "mps", "npu", "pin_memory"}  # nn.Module methods that only move it
DEVICE_TYPE = "torch.device"


def _string(node: cst.CSTNode) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        return node.evaluated_value if isinstance(node.evaluated_value, str) else None
    return None


def is_device_value(ctx: FileContext, node: cst.CSTNode) -> bool:
    """A torch.device, a device string, or a variable/attribute named for a device."""
    if isinstance(node, cst.Call):
        return ctx.qualname(node.func) == "torch.device"
    if isinstance(node, cst.IfExp):
        return is_device_value(ctx, node.body) and is_device_value(ctx, node.orelse)
    text = _string(node)
    if text is not None:
        return text.split(":")[0] in DEVICE_NAMES
    path = dotted(node)
    return path is not None and "device" in path.rsplit(".", 1)[-1]


class DeviceCode(Rule):
    EXAMPLES = (
        change(
            """
            import torch

            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            x = torch.ones(2, 3).to(device)
            y = x.cpu() + torch.arange(3, device=x.device).to(device, torch.float16)
            x, y = x.to(device), y.to(device)
            if torch.cuda.is_available():
                torch.cuda.manual_seed(0)
                where = "gpu"
            else:
                where = "cpu"
            out = y
            """,
            """
            import mindspore
            from mindspore import mint
            x = mint.ones((2, 3))
            y = x + mint.arange(3).to(mindspore.float16)
            where = "cpu"
            out = y
            """,
            run=("out", "where"),
            note="the device variable goes with its last reader; the cuda branch goes, its else stays",
        ),
        change(
            """
            import functools
            import torch
            import torch.nn as nn

            class Net(nn.Module):
                @functools.wraps(nn.Module.cuda)
                def cuda(self, *args, **kwargs):
                    self.on_gpu = True
                    return super().cuda(*args, **kwargs)

                def forward(self, x):
                    return x * 2

            def pinned(batch):
                return batch.pin_memory()

            out = Net()(torch.ones(2))
            """,
            """
            import functools
            from mindspore import mint, nn

            class Net(nn.Cell):

                def construct(self, x):
                    return x * 2

            def pinned(batch):
                return batch

            out = Net().set_train(True)(mint.ones(2))
            """,
            run=("out",),
            note="an override of a device move goes whole; pin_memory() is the tensor itself",
        ),
        change(
            """
            import torch

            def place(x):
                if x.is_cuda or x.device.type == "cuda":
                    return "accelerator"
                return "host"
            """,
            """

            def place(x):
                return "host"
            """,
        ),
        change(
            """
            import torch
            import torch.nn as nn

            def block(width, device=None, dtype=None):
                dd = {"device": device, "dtype": dtype}
                kw = dict(device=device, dtype=dtype)
                return nn.Linear(width, width, **dd), nn.LayerNorm(width, **kw)

            linear, norm = block(4, device=torch.device("cpu"))
            out = linear.weight.shape, norm.weight.dtype == torch.float32
            """,
            """
            import mindspore
            from mindspore import mint

            def block(width, device=None, dtype=None):
                dd = {"dtype": dtype}
                kw = dict(dtype=dtype)
                return mint.nn.Linear(width, width, **dd), mint.nn.LayerNorm(width, **kw)

            linear, norm = block(4, device=None)
            out = linear.weight.shape, norm.weight.dtype == mindspore.float32
            """,
            run=("out",),
            note="factory keywords threaded into layers lose the device; torch.device(...) values are None",
        ),
        change(
            """
            import torch
            from typing import Dict, Optional, Union

            def place(x: torch.Tensor, device: Optional[torch.device] = None) -> torch.Tensor:
                return x

            def where(device: Union[str, torch.device]) -> torch.device:
                return device

            def table(devices: Union[torch.device, Dict[str, torch.device]]) -> dict:
                return devices
            """,
            """
            import mindspore
            from typing import Dict, Optional, Union

            def place(x: mindspore.Tensor, device: Optional[str] = None) -> mindspore.Tensor:
                return x

            def where(device: str) -> str:
                return device

            def table(devices: Union[str, Dict[str, str]]) -> dict:
                return devices
            """,
            note="a device in an annotation is a string: MindSpore names devices by strings (x.device == 'CPU'); "
                 "every one in it",
        ),
        change(
            """
            import torch

            torch.backends.cudnn.benchmark = True
            torch.backends.cuda.matmul.allow_tf32 = True

            def fused(x):
                if torch.backends.cudnn.enabled and torch.backends.cuda.flash_sdp_enabled():
                    return x * 2
                return x + x

            tf32 = torch.backends.cuda.matmul.allow_tf32
            """,
            """

            def fused(x):
                return x + x

            tf32 = False
            """,
            note="settings of cuDNN and CUDA kernels go; read back, they are False on MindSpore (no cuDNN, "
                 "no TF32 matmuls, no flash kernel)",
        ),
        keep(
            """
            import torch

            def helper(x, device):
                return x

            def run(x, device):
                return helper(x, device=device)
            """,
            """

            def helper(x, device):
                return x

            def run(x, device):
                return helper(x, device=device)
            """,
            note="the project's own helpers keep their device arguments, and a read parameter stays",
        ),
    )

    def __init__(self) -> None:
        self._stores: set = set()  # ids of attributes assigned to (targets are no reads)

    # ---- annotations: a device is a string ------------------------------------
    def leave_Annotation(self, ctx: FileContext, original: cst.Annotation, updated: cst.Annotation):
        """`device: Optional[torch.device]` -> `device: Optional[str]`, once the names in it are resolved
        (the torch.device the other rules flagged is what goes)."""
        devices = {id(f.node) for f in ctx.flags if f.api == DEVICE_TYPE}
        if not devices:
            return updated
        found = [n for n in walk_code(updated.annotation) if id(n) in devices]
        if not found:
            return updated
        for node in found:
            ctx.withdraw_flag(node)
            ctx.discard(node)
        # all in one walk: a walk rebuilds the tree, so a node found before it is in no later copy
        # (`Union[torch.device, Dict[str, torch.device]]` kept its first torch.device)
        annotation = updated.annotation.visit(_AsString({id(n) for n in found}))
        return updated.with_changes(annotation=_one_of_each(annotation))

    # ---- calls ------------------------------------------------------------
    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        qualname = ctx.qualname(original.func)
        if qualname in extras.known_false():  # knowledge/data/extra_mappings.json
            ctx.discard(updated)
            return in_place_of(updated, ctx.literal(False))
        if qualname == "torch.device":
            # a device value means nothing once placement is MindSpore's (set_context): what read
            # it (moves, device= arguments) goes; what is left holds None
            ctx.discard(updated)
            ctx.withdraw_flags_in(updated)
            return in_place_of(updated, cst.Name("None"))
        if isinstance(original.func, cst.Attribute) and qualname is None:
            method = original.func.attr.value
            if method in ("cuda", "cpu", "pin_memory") and not _is_super(original.func.value):
                receiver = updated.func.value
                ctx.discard(updated.with_changes(func=cst.Name("_")))  # forget the args only
                return in_place_of(updated, receiver)
            if method == "to":
                return self._to(ctx, updated)
        if (qualname is not None) or (
            isinstance(original.func, cst.Attribute) and original.func.attr.value in TENSOR_METHODS_WITH_DEVICE
        ):
            return drop_args(ctx, updated, lambda i, a: keyword(a) in DEVICE_KEYWORDS)
        if isinstance(original.func, cst.Name) and original.func.value == "dict" and ctx.lookup("dict") is None:
            # `dd = dict(device=device, dtype=dtype)`, spread into layers later (`nn.Conv2d(..., **dd)`)
            return drop_args(ctx, updated, lambda i, a: keyword(a) == "device" and is_device_value(ctx, a.value))
        return updated

    def leave_Dict(self, ctx: FileContext, original: cst.Dict, updated: cst.Dict):
        """`dd = {"device": device, "dtype": dtype}`: factory keywords threaded into layers later
        (`nn.Conv2d(..., **dd)`); MindSpore's layers take no device."""
        kept = [e for e in updated.elements
                if not (isinstance(e, cst.DictElement) and _string(e.key) == "device" and is_device_value(ctx, e.value))]
        if len(kept) == len(updated.elements):
            return updated
        for element in updated.elements:
            if element not in kept:
                ctx.discard(element)
        if kept and kept[-1].comma is not cst.MaybeSentinel.DEFAULT and updated.elements[-1].comma is cst.MaybeSentinel.DEFAULT:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(elements=kept)

    def _to(self, ctx: FileContext, call: cst.Call):
        def doomed(_i: int, arg: cst.Arg) -> bool:
            if arg.keyword is not None:
                return arg.keyword.value in DEVICE_KEYWORDS or arg.keyword.value == "memory_format"
            return not arg.star and is_device_value(ctx, arg.value)

        new = drop_args(ctx, call, doomed)
        if not new.args and call.args:
            return in_place_of(call, new.func.value)  # `.to(device)` alone: the receiver itself
        return new

    # ---- overrides of device moves -----------------------------------------
    def leave_FunctionDef(self, ctx: FileContext, original: cst.FunctionDef, updated: cst.FunctionDef):
        """`def cuda(self, *args, **kwargs): ...; return super().cuda(*args, **kwargs)` in a Cell:
        an override of a device move, which MindSpore's Cell does not have: it goes whole (with
        its `@wraps(nn.Module.cuda)`)."""
        cls = ctx.current_class
        if cls is not None and cls.is_cell and ctx.in_class_body and original.name.value in DEVICE_METHODS:
            ctx.doom(updated)
        return updated

    # ---- questions about the accelerator ---------------------------------
    def visit_AssignTarget(self, ctx: FileContext, node: cst.AssignTarget) -> None:
        self._stores.add(id(node.target))  # `self.is_cuda = ...` sets an attribute: no question

    def visit_AnnAssign(self, ctx: FileContext, node: cst.AnnAssign) -> None:
        self._stores.add(id(node.target))

    def visit_AugAssign(self, ctx: FileContext, node: cst.AugAssign) -> None:
        self._stores.add(id(node.target))

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        if id(original) in self._stores:
            return updated
        if original.attr.value in ACCELERATOR_FLAGS and ctx.qualname(original) is None:
            ctx.discard(updated)
            return in_place_of(updated, ctx.literal(False))
        if ctx.qualname(original) in extras.known_false_flags():  # `torch.backends.cudnn.benchmark`, read
            ctx.discard(updated)
            ctx.withdraw_flags_in(updated)
            return in_place_of(updated, ctx.literal(False))
        return updated

    def leave_Comparison(self, ctx: FileContext, original: cst.Comparison, updated: cst.Comparison):
        # `x.device.type == "cuda"`: never true once tensors are MindSpore's.
        if len(updated.comparisons) != 1:
            return updated
        target = updated.comparisons[0]
        left, right = dotted(updated.left), _string(target.comparator)
        if left is None or right is None or not left.endswith("device.type"):
            return updated
        if right.split(":")[0] not in DEVICE_NAMES - {"cpu"}:
            return updated
        if isinstance(target.operator, (cst.Equal, cst.NotEqual)):
            ctx.discard(updated)
            return in_place_of(updated, ctx.literal(isinstance(target.operator, cst.NotEqual)))
        return updated

    def leave_UnaryOperation(self, ctx: FileContext, original, updated: cst.UnaryOperation):
        value = ctx.decided(updated.expression)
        if value is not None and isinstance(updated.operator, cst.Not):
            return in_place_of(updated, ctx.literal(not value))
        return updated

    def leave_BooleanOperation(self, ctx: FileContext, original, updated: cst.BooleanOperation):
        is_and = isinstance(updated.operator, cst.And)
        left, right = ctx.decided(updated.left), ctx.decided(updated.right)
        if left is not None:
            if left is (not is_and):  # `True or x`, `False and x`
                ctx.discard(updated)
                return in_place_of(updated, ctx.literal(left))
            return in_place_of(updated, updated.right)  # `True and x`, `False or x`
        if right is not None:
            if right is (not is_and):
                ctx.discard(updated)
                return in_place_of(updated, ctx.literal(right))
            return in_place_of(updated, updated.left)
        return updated

    def leave_IfExp(self, ctx: FileContext, original, updated: cst.IfExp):
        value = ctx.decided(updated.test)
        if value is None:
            return updated
        kept, dropped = (updated.body, updated.orelse) if value else (updated.orelse, updated.body)
        ctx.discard(dropped)
        result = in_place_of(updated, kept)
        for pending in ctx.withdraw_flag(kept) if result is not kept else ():
            ctx.flag(result, pending.api, pending.reason, pending.hint)  # the branch kept keeps its notes
        return result

    def leave_If(self, ctx: FileContext, original: cst.If, updated: cst.If):
        updated = _settle_elif(ctx, updated)
        value = ctx.decided(updated.test)
        if value is None:
            return updated
        if value:
            if updated.orelse is not None:
                ctx.discard(updated.orelse)
            return _inline(updated.body, updated.leading_lines)
        ctx.discard(updated.body)
        if updated.orelse is None:
            ctx.doom(updated)
            return updated
        if isinstance(updated.orelse, cst.If):  # the `elif` becomes the `if`
            return updated.orelse.with_changes(leading_lines=updated.leading_lines)
        return _inline(updated.orelse.body, updated.leading_lines)

    # ---- whole statements ----------------------------------------------------
    def leave_SimpleStatementLine(self, ctx: FileContext, original, updated: cst.SimpleStatementLine):
        for old, new in zip(original.body, updated.body):
            if not self._device_only(ctx, old, new):
                return updated
        if len(updated.body) == 1 and isinstance(updated.body[0], cst.Assign):
            target = updated.body[0].targets[0].target
            if isinstance(target, cst.Name) and target.value != dotted(updated.body[0].value):
                binding = ctx.local_binding(target.value)
                if binding is not None:
                    ctx.doom(updated, unless_used=binding)
                    return updated
        ctx.doom(updated)
        return updated

    def _device_only(self, ctx: FileContext, old: cst.BaseSmallStatement, new) -> bool:
        """Does this small statement only move things between devices or configure one?"""
        if isinstance(old, cst.Expr):
            if isinstance(old.value, cst.Call):
                qualname = ctx.qualname(old.value.func)
                if qualname is not None and qualname.startswith(DEVICE_ONLY_MODULES):
                    return True
                return isinstance(new, cst.Expr) and isinstance(new.value, (cst.Name, cst.Attribute))
            return False
        if isinstance(old, cst.Assign) and len(old.targets) == 1:
            target = old.targets[0].target
            qualname = ctx.qualname(target)
            if qualname is not None and qualname.startswith(DEVICE_ONLY_MODULES):
                return True
            if isinstance(target, (cst.Tuple, cst.List)) and _same_names(target, new.value) \
                    and not _same_names(target, old.value):
                return True  # `x, y = x.to(device), y.to(device)` became `x, y = x, y`
            if isinstance(target, cst.Name):
                if isinstance(old.value, cst.Call) and dotted(new.value) == target.value:
                    return True  # `model = model.to(device)` became `model = model`
                made_by = ctx.qualname(old.value.func) if isinstance(old.value, cst.Call) else None
                if made_by is not None and made_by.startswith(DEVICE_ONLY_MODULES) and isinstance(new.value, cst.Call) \
                        and ctx.local_binding(target.value) is not None:
                    return True  # `stream = torch.cuda.Stream()` in a function: dropped if unread
                if "device" in target.value and _mentions_device(old.value):
                    return True  # `device_type = x.device.type if ... else "cpu"`: dropped if unread
                return is_device_value(ctx, old.value) and not isinstance(old.value, cst.SimpleString)
        return False


def _is_super(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "super"


class _AsString(cst.CSTTransformer):
    """Replaces the nodes whose ids it is given by `str`."""

    def __init__(self, ids) -> None:
        super().__init__()
        self.ids = ids

    def on_leave(self, original_node, updated_node):
        return cst.Name("str") if id(original_node) in self.ids else updated_node


def _one_of_each(annotation: cst.BaseExpression) -> cst.BaseExpression:
    """`Union[str, str]` -> `str`, `Union[str, str, None]` -> `Union[str, None]` (a device that was
    `Union[str, torch.device]` is one type now)."""
    if not isinstance(annotation, cst.Subscript) or dotted(annotation.value) not in ("Union", "typing.Union"):
        return annotation
    kept, seen = [], set()
    for element in annotation.slice:
        code = cst.Module([]).code_for_node(element.slice)
        if code not in seen:
            seen.add(code)
            kept.append(element)
    if len(kept) == len(annotation.slice):
        return annotation
    if len(kept) == 1 and isinstance(kept[0].slice, cst.Index):
        return kept[0].slice.value
    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return annotation.with_changes(slice=kept)


def _mentions_device(node: cst.CSTNode) -> bool:
    """Does an expression read a `.device` or spell a device name?"""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Attribute) and current.attr.value == "device":
            return True
        text = _string(current)
        if text is not None and text.split(":")[0] in DEVICE_NAMES:
            return True
        stack.extend(code_children(current))
    return False


def _settle_elif(ctx: FileContext, node: cst.If) -> cst.If:
    """An `elif` this rule already decided: its kept statements become the `else`, or it goes."""
    orelse = node.orelse
    if isinstance(orelse, cst.FlattenSentinel):
        statements = list(orelse.nodes)
        if not statements:
            return node.with_changes(orelse=None)
        return node.with_changes(orelse=cst.Else(body=cst.IndentedBlock(body=statements)))
    if isinstance(orelse, cst.If) and ctx.is_doomed(orelse):
        ctx.spare(orelse)
        return node.with_changes(orelse=None)
    return node


def _inline(block: cst.BaseSuite, leading_lines) -> cst.FlattenSentinel:
    if isinstance(block, cst.SimpleStatementSuite):
        statements = [cst.SimpleStatementLine(body=block.body)]
    else:
        statements = list(block.body)
    if not statements:
        return cst.FlattenSentinel([])
    first = statements[0]
    statements[0] = first.with_changes(leading_lines=[*leading_lines, *first.leading_lines])
    return cst.FlattenSentinel(statements)


def _same_names(target: cst.CSTNode, value: cst.CSTNode) -> bool:
    """`a, b` and `a, b`: an unpacking that assigns each name to itself."""
    if not isinstance(target, (cst.Tuple, cst.List)) or not isinstance(value, (cst.Tuple, cst.List)):
        return False
    if len(target.elements) != len(value.elements) or not target.elements:
        return False
    return all(isinstance(t.value, cst.Name) and isinstance(v.value, cst.Name) and t.value.value == v.value.value
               for t, v in zip(target.elements, value.elements))
