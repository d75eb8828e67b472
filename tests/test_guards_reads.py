"""guards.reads finds the names a tree reads as variables: the same as Python's ast Names in
Load context (the reference, here), on made-up code covering every place a name can stand,
and on real files (torch.nn's, transformers' modeling utilities)."""
from __future__ import annotations

import ast
import importlib.util
import pathlib

import libcst as cst
import pytest

from torch2ms.convert import guards


def ast_lines(code: str, names) -> list:
    tree = ast.parse(code)
    return sorted({n.lineno for n in ast.walk(tree)
                   if isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)})


def cst_lines(code: str, names) -> list:
    module = cst.parse_module(code)
    found = {id(n) for n in guards.reads(module, names)}
    lines = set()
    wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(cst.metadata.PositionProvider)
    for node, position in positions.items():
        if id(node) in found:
            lines.add(position.start.line)
    return sorted(lines)


CASES = [
    "import torch\nimport torch.nn as nn\nfrom torch import nn as torch\n",
    "try:\n    import torch\nexcept ImportError:\n    torch = None\nx = torch.ones(1)\n",
    "def torch(torch=torch, *torch2, **kw):\n    return torch\nclass torch(torch): torch = 1\n",
    "x.torch = torch.y\nf(torch=torch)\ndel torch\ndel x[torch], torch.y\n",
    "for torch in torch:\n    pass\n[torch for torch in torch if torch]\n{torch: 1 for torch in y}\n",
    "with torch as torch, a as (b, torch):\n    pass\n(torch := torch)\ntorch += torch\n",
    "torch: torch = torch\na, *torch = torch\n[torch, (x, torch)] = 1, 2\nx[torch] = torch\n",
    "global torch\ndef f():\n    nonlocal torch\n    global torch\n",
    "try:\n    pass\nexcept torch as torch:\n    pass\n",
    "match torch:\n    case torch.X(torch=torch):\n        pass\n    case {1: torch, **torch}:\n        pass\n"
    "    case [torch, *torch] if torch:\n        pass\n    case torch:\n        pass\n",
    "lambda torch, y=torch: torch\n@torch\n@torch.jit\n@torch()\ndef f(x: torch) -> torch: ...\n",
    "f'{torch} {x!r:{torch}}'\nx = (\n    torch\n).y\nx = (  # c\n  torch)\n",
    "import torch.nn\nx = torch.nn.Linear\ntorch.nn.y = 1\n",
]


@pytest.mark.parametrize("code", CASES)
def test_reads_are_the_loads_of_python(code):
    assert cst_lines(code, {"torch"}) == ast_lines(code, {"torch"}), code


def test_reads_finds_names_after_brackets_on_their_own_line():
    code = "x = (\n    torch\n)\n"
    assert cst_lines(code, {"torch"}) == [2]


@pytest.mark.slow
def test_reads_on_real_files():
    roots = [pathlib.Path(importlib.util.find_spec("torch").origin).parent / "nn",
             pathlib.Path(importlib.util.find_spec("transformers").origin).parent / "utils"]
    checked = 0
    for root in roots:
        for path in sorted(root.rglob("*.py"))[:80]:
            code = path.read_text(encoding="utf-8")
            names = {"torch", "nn", "F", "self", "x", "os", "logger"}
            assert cst_lines(code, names) == ast_lines(code, names), path
            checked += 1
    assert checked > 100
