"""torch references become their MindSpore targets; what has none stays and is flagged.

    F.relu(x)                 ->  mint.nn.functional.relu(x)
    torch.float32             ->  mindspore.float32
    class Net(nn.Module)      ->  class Net(nn.Cell)
    from torch.nn import Linear as L ; L(2, 3)   ->  import rewritten, `L(2, 3)` kept
    torch.finfo(t).min        ->  kept, `# torch2ms: review torch.finfo (not in the tables)`
"""
from __future__ import annotations

import libcst as cst

from torch2ms.knowledge import inventory, lookup as mapping
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import chain_root, in_place_of


class ApiNames:
    def leave_Name(self, ctx: FileContext, original: cst.Name, updated: cst.Name):
        if original.value not in ctx.interesting or id(original) in ctx.not_loads:
            return updated
        binding = ctx.lookup(original.value)
        if binding is None or not binding.is_torch:
            return updated
        qualname = binding.qualname
        if not inventory.torch_is_module(qualname):
            ctx.seen[qualname] += 1
        if inventory.torch_is_module(qualname):
            if id(original) not in ctx.chain_roots:
                ctx.flag(updated, qualname, mapping.MANUAL, "a torch module used as a value")
            return updated
        target = mapping.lookup(qualname)
        if target is None:
            reason, hint = mapping.why_unmapped(qualname)
            ctx.flag(updated, qualname, reason, hint)
            return updated
        parent, _, leaf = target.path.rpartition(".")
        if inventory.ms_kind(parent) != "module" and parent not in ("mindspore", "math"):
            ctx.discard(updated)
            return in_place_of(updated, ctx.emit(target.path))  # not importable by name: spell it out
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
            return self._lengthen_flag(ctx, updated, qualname, owner)
        if inventory.torch_is_module(qualname):
            if id(original) in ctx.chain_roots:
                return updated  # a prefix: the longer chain around it decides
            root = chain_root(original)
            if ctx.lookup(root.value) in ctx.taken_over.values():
                ctx.discard(updated)
                updated = in_place_of(updated, ctx.emit_torch(qualname))
            ctx.flag(updated, qualname, mapping.MANUAL, "a torch module used as a value")
            return updated
        ctx.seen[qualname] += 1
        target = mapping.lookup(qualname)
        if target is not None:
            ctx.discard(updated)
            return in_place_of(updated, ctx.emit(target.path))
        reason, hint = mapping.why_unmapped(qualname)
        root = chain_root(original)
        if ctx.lookup(root.value) in ctx.taken_over.values():
            # `nn` now means mindspore.nn: say torch.nn.X in full for what stays torch.
            ctx.discard(updated)
            updated = in_place_of(updated, ctx.emit_torch(qualname))
        ctx.flag(updated, qualname, reason, hint)
        return updated

    def _lengthen_flag(self, ctx: FileContext, updated: cst.Attribute, qualname: str, owner: str):
        """`torch._dynamo.is_compiling` is reported whole, not as `torch._dynamo`."""
        flagged = ctx.flags[-1] if ctx.flags else None
        if flagged is not None and flagged.node is updated.value and inventory.torch_kind(owner) is None:
            ctx.flags.pop()
            ctx.flag(updated, qualname, mapping.NOT_IN_TABLES)
        return updated
