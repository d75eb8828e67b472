"""`torch.ones(2, 3)` -> `mint.ones((2, 3))`: MindSpore wants the size as one tuple.

Which APIs need it is data (data/extra_mappings.json, "pack_size_args"), proven by
running both frameworks in tests.
"""
from __future__ import annotations

import libcst as cst

from torch2ms import mapping
from torch2ms.context import FileContext


class SizeArgs:
    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if ctx.qualname(original.func) not in mapping.size_packing_apis():
            return updated
        count = 0
        for arg in updated.args:
            if arg.keyword is not None or arg.star:
                break
            count += 1
        if count < 2:
            return updated
        sizes = updated.args[:count]
        elements = [cst.Element(value=a.value, comma=a.comma) for a in sizes[:-1]]
        elements.append(cst.Element(value=sizes[-1].value))
        packed = cst.Arg(value=cst.Tuple(elements=elements), comma=sizes[-1].comma)
        return updated.with_changes(args=[packed, *updated.args[count:]])
