"""torch references become their MindSpore targets; what has none stays and is flagged.

What a name becomes is the knowledge layer's record of it (corrections, the reference
tables, verified mappings, then the priority rule). A from-import of a mapped name is
rewritten (`from torch.nn import Linear as L` -> `from mindspore.mint.nn import Linear as L`,
the uses keep `L`); a reference with no target stays as written, flagged with the reason
and the table's hint; a torch module used as a value is flagged.
"""
from __future__ import annotations

import libcst as cst

from torch2ms import helpers
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import COMMA, in_place_of
from torch2ms.convert.results import Reason
from torch2ms.knowledge import inventory, record
from torch2ms.rules.base import Rule, change, keep


# argument rules that rewrite a call's arguments (the others only flag or drop keywords)
_CHANGING_FIELDS = ("pack_size", "positional", "keyword_only", "rename", "defaults", "cast_result", "tuple_args",
                    "int_as_tuple", "float_args", "size_form", "same_value", "result_when", "zero_as_none")


def _sized(ctx: FileContext, factory: cst.BaseExpression) -> cst.Call:
    """`_sized(mint.zeros)`: the factory taking torch's sizes, from the helper written into the file."""
    ctx.need_helper("sized")
    return cst.Call(func=cst.Name("_sized"), args=[cst.Arg(value=factory)])


class ApiNames(Rule):
    EXAMPLES = (
        change(
            """
            import torch
            import torch.nn.functional as F
            from torch.nn import Linear as L

            layer = L(2, 3)
            x = torch.ones(4, 2)
            shape = tuple(layer(x).shape)
            out = F.relu(x * 2 - 3).to(torch.float16)
            """,
            """
            import mindspore
            from mindspore import mint
            from mindspore.mint.nn import Linear as L

            layer = L(2, 3)
            x = mint.ones((4, 2))
            shape = tuple(layer(x).shape)
            out = mint.nn.functional.relu(x * 2 - 3).to(mindspore.float16)
            """,
            run=("shape", "out"),
        ),
        change(
            """
            import torch
            import torch.nn as nn
            from torch.nn.modules.activation import GELU
            from torch.nn.parameter import Parameter

            acts = {"relu": nn.modules.ReLU, "gelu": GELU, "tanh": torch.nn.modules.activation.Tanh}
            scale = Parameter(torch.full((3,), 2.0))
            out = [acts[name]()(torch.linspace(-2, 2, 3) * scale) for name in ("relu", "gelu", "tanh")]
            """,
            """
            from mindspore import mint
            from mindspore.mint.nn import GELU
            from mindspore import Parameter

            acts = {"relu": (lambda *args, inplace=False, **kwargs: mint.nn.ReLU(*args, **kwargs)), "gelu": GELU, "tanh": mint.nn.Tanh}
            scale = Parameter(mint.full((3,), 2.0))
            out = [acts[name]()(mint.linspace(-2, 2, 3) * scale) for name in ("relu", "gelu", "tanh")]
            """,
            run=("out",),
            note="a class reached through the torch.nn submodule defining it is torch.nn's (torch re-exports it)",
        ),
        change(
            """
            import torch

            def smallest(x):
                return torch.finfo(x.dtype).min, torch.sparse_coo_tensor
            """,
            """
            try:
                import torch  # torch2ms: torch still used on line 9 (flagged there)
            except ImportError:
                torch = None
            import numpy
            import mindspore

            def smallest(x):
                return float(numpy.finfo(mindspore.dtype_to_nptype(x.dtype)).min), torch.sparse_coo_tensor  # torch2ms: torch.sparse_coo_tensor is not in the tables
            """,
            note="what has no verified counterpart stays, with a note; torch stays imported for it, guarded: the file imports without torch",
        ),
        change(
            """
            import torch

            def init(n, d, empty):
                make = torch.zeros if empty else torch.ones
                return make(n, d), make((d, n)), torch.zeros(n, d)

            out = init(2, 3, True) + init(3, 2, False)
            """,
            """
            from mindspore import mint

            HELPERS

            def init(n, d, empty):
                make = _sized(mint.zeros) if empty else _sized(mint.ones)
                return make(n, d), make((d, n)), mint.zeros((n, d))

            out = init(2, 3, True) + init(3, 2, False)
            """.replace("HELPERS", helpers.source("sized").replace("\n", "\n            ").rstrip()),
            run=("out",),
            note="a tensor factory passed around as a value takes torch's sizes (a helper written into the file)",
        ),
        change(
            """
            import torch

            def ranked(x):
                order = torch.sort
                return order(x, 1)
            """,
            """
            from mindspore import mint

            def ranked(x):
                order = mint.sort  # torch2ms: torch.sort needs a manual rewrite (hint: used as a value: calls through it keep torch's arguments, which mindspore.mint.sort takes otherwise (keyword_only))
                return order(x, 1)  # torch2ms: torch.sort needs a manual rewrite (hint: order may be mindspore.mint.sort, called here with torch's arguments, which it takes otherwise)
            """,
            note="another function whose arguments change, passed around as a value: flagged there and where the "
                 "name holding it is called",
        ),
        keep(
            """
            import torch.nn.functional as F

            def act(F, x):
                return F.silu(x)
            """,
            """

            def act(F, x):
                return F.silu(x)
            """,
            note="a parameter named F is not torch.nn.functional (the unused import goes)",
        ),
    )

    def __init__(self) -> None:
        self._called: set = set()  # ids of the callee expressions of calls
        self._targets: list = []  # names each assignment being visited binds (innermost last)
        self._carriers: dict = {}  # (scope id, name) -> (torch API, target) a name holds as a value
        self._presence: set = set()  # ids of names tested against None (`torch is not None`)

    def visit_Comparison(self, ctx: FileContext, node: cst.Comparison) -> None:
        if type(node.left) is cst.Name and all(
                type(c.operator) in (cst.Is, cst.IsNot) and type(c.comparator) is cst.Name and c.comparator.value == "None"
                for c in node.comparisons):
            self._presence.add(id(node.left))

    def leave_Name(self, ctx: FileContext, original: cst.Name, updated: cst.Name):
        binding = ctx.binding_of(original)
        if binding is None or not binding.is_torch:
            return updated
        qualname = binding.qualname
        if inventory.torch_is_module(qualname):
            # `torch is not None`: whether a guarded import found torch, no use of its API
            if not ctx.is_chain_root(original) and id(original) not in self._presence:
                if ctx.alias_taken_over(original):  # `nn` is mindspore's now: say torch.nn in full
                    ctx.discard(updated)
                    updated = in_place_of(updated, ctx.emit_torch(qualname))
                ctx.flag(updated, qualname, Reason.MANUAL, "a torch module used as a value")
            return updated
        ctx.saw(qualname)
        found = record(qualname)
        if found.target is None:
            reason, hint = found.unmapped
            ctx.flag(updated, qualname, reason, hint)
            return updated
        target = found.target
        if self._value_use(ctx, original, updated, qualname, found):  # a sized factory passed around
            ctx.discard(updated)
            return in_place_of(updated, _sized(ctx, ctx.emit(target.path)))
        parent, _, leaf = target.path.rpartition(".")
        if (inventory.ms_kind(parent) != "module" and parent not in ("mindspore", "math")) or binding.alias is None:
            # not importable by name, or bound by another module's `import *`: spell it out
            ctx.discard(updated)
            return in_place_of(updated, ctx.emit(target.path))
        binding.leaf_target = target.path
        binding.new_name = binding.name if binding.alias.asname is not None else leaf
        if binding.new_name == updated.value:
            return updated
        renamed = updated.with_changes(value=binding.new_name)
        ctx.discard(updated)
        ctx.count_use(renamed, binding)
        return renamed

    def leave_Attribute(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute):
        qualname = ctx.qualname(original)
        if qualname is None:
            return updated
        owner = qualname.rpartition(".")[0]
        if not inventory.torch_is_module(owner):
            if inventory.torch_kind(owner) == "class" and not ctx.is_chain_root(original):
                return self._class_member(ctx, original, updated, qualname, owner)
            return self._lengthen_flag(ctx, updated, qualname, owner)
        if inventory.torch_is_module(qualname):
            if ctx.is_chain_root(original):
                return updated  # a prefix: the longer chain around it decides
            if ctx.alias_taken_over(original):
                ctx.discard(updated)
                updated = in_place_of(updated, ctx.emit_torch(qualname))
            ctx.flag(updated, qualname, Reason.MANUAL, "a torch module used as a value")
            return updated
        ctx.saw(qualname)
        found = record(qualname)
        if found.target is not None:
            ctx.discard(updated)
            new = in_place_of(updated, ctx.emit(found.target.path))
            if self._value_use(ctx, original, new, qualname, found):  # a sized factory passed around
                return in_place_of(updated, _sized(ctx, new))
            return new
        reason, hint = found.unmapped
        if ctx.alias_taken_over(original):
            # `nn` now means mindspore.nn: say torch.nn.X in full for what stays torch.
            ctx.discard(updated)
            updated = in_place_of(updated, ctx.emit_torch(qualname))
        ctx.flag(updated, qualname, reason, hint)
        return updated

    def visit_Call(self, ctx: FileContext, node: cst.Call) -> None:
        self._called.add(id(node.func))

    def visit_Assign(self, ctx: FileContext, node: cst.Assign) -> None:
        self._targets.append([t.target.value for t in node.targets if isinstance(t.target, cst.Name)])

    def leave_Assign(self, ctx: FileContext, original, updated):
        self._targets.pop()
        return updated

    def visit_AnnAssign(self, ctx: FileContext, node: cst.AnnAssign) -> None:
        self._targets.append([node.target.value] if isinstance(node.target, cst.Name) and node.value else [])

    def leave_AnnAssign(self, ctx: FileContext, original, updated):
        self._targets.pop()
        return updated

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        """`init_fn(n, d)` where `init_fn = ... torch.zeros ...` in the same scope: the call that
        passes torch's arguments is flagged too (it is the line that fails)."""
        if isinstance(original.func, cst.Name) and self._carriers:
            held = self._carriers.get((id(ctx.scope), original.func.value))
            if held is not None:
                ctx.flag(updated, held[0], Reason.MANUAL, f"{original.func.value} may be {held[1]}, called here with "
                         "torch's arguments, which it takes otherwise")
        return updated

    def _value_use(self, ctx: FileContext, original: cst.CSTNode, node: cst.CSTNode, qualname: str, found) -> bool:
        """`init = torch.zeros if ... else f`, then `init(n, d)`: a function whose arguments change
        (the argument rule) passed around as a value: calls through it keep torch's arguments. True
        where only the sizes' form changes (the value becomes `_sized(mint.zeros)`); flagged otherwise."""
        rule = found.arg_rule
        if id(original) in self._called or rule is None or inventory.torch_kind(qualname) != "function":
            return False
        changes = [name for name in _CHANGING_FIELDS if getattr(rule, name)]
        if changes == ["pack_size"]:
            return True  # `torch.zeros` as a value: the mint factory taking torch's sizes (helpers/sized.py)
        if changes:
            ctx.flag(node, qualname, Reason.MANUAL, f"used as a value: calls through it keep torch's arguments, "
                     f"which {found.target.path} takes otherwise ({', '.join(changes)})")
            for name in self._targets[-1] if self._targets else ():
                self._carriers[(id(ctx.scope), name)] = (qualname, found.target.path)
        return False

    def _class_member(self, ctx: FileContext, original: cst.Attribute, updated: cst.Attribute, qualname: str,
                      owner: str):
        """`torch.Tensor.detach` read from a class the tables map (`mindspore.Tensor`): the member
        must exist there too. A missing one is flagged; read as a value (not called) it becomes
        `getattr(mindspore.Tensor, "detach", None)`, so the line itself runs (at import, say)."""
        target = record(owner).target
        member = original.attr.value
        if target is None or not target.path.startswith("mindspore.") or \
                inventory.ms_exists(f"{target.path}.{member}") or updated.value is original.value:
            return self._lengthen_flag(ctx, updated, qualname, owner)
        hint = f"{target.path} has no {member}"
        if id(original) in self._called:
            ctx.flag(updated, qualname, Reason.NO_COUNTERPART, hint)
            return updated
        value = cst.Call(func=cst.Name("getattr"), args=[
            cst.Arg(value=updated.value, comma=COMMA), cst.Arg(value=cst.SimpleString(repr(member)), comma=COMMA),
            cst.Arg(value=cst.Name("None"))])
        value = in_place_of(updated, value)
        ctx.flag(value, qualname, Reason.NO_COUNTERPART, hint + "; read here as None")
        return value

    @staticmethod
    def _lengthen_flag(ctx: FileContext, updated: cst.Attribute, qualname: str, owner: str):
        """`torch._dynamo.is_compiling` is reported whole, not as `torch._dynamo`."""
        if inventory.torch_kind(owner) is None and ctx.withdraw_flag(updated.value):
            ctx.flag(updated, qualname, Reason.NOT_IN_TABLES)
        return updated

