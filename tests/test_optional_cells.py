"""Which ModuleLists become OptionalCellList (rules/container_args.py): those some code may give
None, where they are built or later, and no other (tests/test_helpers.py runs the helper)."""
import re
import textwrap

import pytest

from conftest import convert

HELPER = "OptionalCellList("


def _lists(src):
    """The converted file's list constructions, in order: 'helper' or 'cells'."""
    out = convert(textwrap.dedent(src))
    assert convert(out) == out
    body = out.split("class OptionalCellList", 1)[-1].split("\n\n\n", 1)[-1] if HELPER in out else out
    found = ["helper" if match.group(1) else "cells" for match in re.finditer(r"\b(Optional)?CellList\(", body)]
    return found, out


@pytest.mark.parametrize("src, expected", [
    ("""
     import torch.nn as nn

     class Net(nn.Module):
         def __init__(self, n):
             super().__init__()
             layers = nn.ModuleList([])
             for i in range(n):
                 layers.append(nn.Linear(2, 2) if i else None)
             self.layers = layers
             self.heads = nn.ModuleList([nn.Linear(2, 2)])
     """, ["helper", "cells"]),
    ("""
     import torch.nn as nn

     class Net(nn.Module):
         def __init__(self):
             super().__init__()
             self.layers = nn.ModuleList([nn.Linear(2, 2)] * 2)
             self.other = nn.ModuleList([nn.Linear(2, 2)])

         def drop(self, i):
             self.layers[i] = None
     """, ["helper", "cells"]),
    ("""
     import torch.nn as nn

     def make(n):
         blocks = nn.ModuleList([None] * n)
         more = nn.ModuleList([None for _ in range(n)])
         tail = nn.ModuleList()
         tail += [nn.Linear(2, 2), None]
         kept = nn.ModuleList()
         kept.extend([nn.Linear(2, 2)])
         return blocks, more, tail, kept
     """, ["helper", "helper", "helper", "cells"]),
    ("""
     from torch.nn import Module, ModuleList, Linear

     class A(Module):
         def __init__(self):
             super().__init__()
             self.skips = ModuleList([])

         def add(self, skip=None):
             self.skips.insert(0, skip if skip is not None else None)

     class B(Module):
         def __init__(self):
             super().__init__()
             self.skips = ModuleList([Linear(2, 2)])
     """, ["helper", "cells"]),
    ("""
     import torch.nn as nn

     plain = nn.Sequential(nn.Linear(2, 2))
     optional = nn.ModuleList(modules=[nn.Linear(2, 2), None])
     """, ["helper"]),
])
def test_lists_given_none_become_the_helper(src, expected):
    found, out = _lists(src)
    assert found == expected, out
    assert "torch2ms:" not in out  # nothing left to a human (the helper takes torch's `modules=` too)
    assert (out.count("class OptionalCellList(") == 1) == ("helper" in expected)


def test_a_subclass_giving_none_to_its_bases_list():
    found, out = _lists("""
        import torch.nn as nn

        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.norms = nn.ModuleList([nn.LayerNorm(2)])
                self.heads = nn.ModuleList([nn.Linear(2, 2)])

        class Child(Base):
            def __init__(self):
                super().__init__()
                self.norms.append(None)

        class Other(nn.Module):
            def __init__(self):
                super().__init__()
                self.norms = nn.ModuleList([nn.LayerNorm(2)])
        """)
    assert found == ["helper", "cells", "cells"], out
    assert "torch2ms:" not in out
