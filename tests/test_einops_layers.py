"""einops calls and layers with literal patterns, converted and run in both frameworks.

Each case runs the original (torch + einops) and the converted file (MindSpore, no einops at run
time) on the same input and compares the values: the call form (`rearrange(x, ...)`) and the
layer form (`Rearrange(...)` inside an nn.Sequential of a Module: a Cell class of the file
holds the planned steps). Patterns cover grouping, ungrouping with axis sizes, unit axes,
ellipses, the reductions and repeat's new axes.
"""
from __future__ import annotations

import math

import pytest

from torch2ms.convert.einops_plan import PatternError, plan
from torch2ms.convert.pipeline import convert_source


CASES = [  # kind, pattern, sizes, reduction, input shape
    ("rearrange", "b c h w -> b h w c", {}, None, (2, 3, 4, 5)),
    ("rearrange", "b c h w -> b (c h w)", {}, None, (2, 3, 4, 5)),
    ("rearrange", "b (h d) n -> b h n d", {"h": 3}, None, (2, 6, 4)),
    ("rearrange", "b n (qk h d) -> qk b h n d", {"qk": 2, "d": 2}, None, (2, 3, 12)),
    ("rearrange", "b c (h p1) (w p2) -> b (c p1 p2) h w", {"p1": 2, "p2": 2}, None, (2, 3, 4, 6)),
    ("rearrange", "b c (h p1) (w p2) -> b h w (p1 p2 c)", {"p1": 2, "p2": 3}, None, (2, 3, 4, 6)),
    ("rearrange", "b d -> b 1 d", {}, None, (2, 5)),
    ("rearrange", "b 1 n -> n b", {}, None, (3, 1, 4)),
    ("rearrange", "... (k d) -> ... k d", {"k": 2}, None, (2, 3, 8)),
    ("rearrange", "... (views layers) -> views ... layers", {"views": 2}, None, (2, 3, 4)),
    ("rearrange", "... -> ... 1", {}, None, (2, 3)),
    ("rearrange", "b ... d -> (b d) ...", {}, None, (2, 3, 4, 5)),
    ("reduce", "b c h w -> b c", {}, "mean", (2, 3, 4, 5)),
    ("reduce", "b c (h p1) (w p2) -> b c h w", {"p1": 2, "p2": 2}, "max", (2, 3, 4, 6)),
    ("reduce", "b n d -> b d", {}, "sum", (2, 3, 4)),
    ("reduce", "b ... d -> b ...", {}, "min", (2, 3, 4)),
    ("reduce", "... (k d) -> ... d", {"k": 2}, "mean", (3, 8)),
    ("repeat", "b n -> b r n", {"r": 3}, None, (2, 4)),
    ("repeat", "... d -> ... (r d)", {"r": 2}, None, (2, 3, 4)),
    # an ellipsis inside an output group: its dimensions merged
    ("rearrange", "b (h d) ... -> b h (...) d", {"h": 2}, None, (2, 4, 3, 2)),
    ("rearrange", "... c -> (c ...)", {}, None, (2, 3, 4)),
    ("rearrange", "b ... -> b (...)", {}, None, (3,)),  # an empty ellipsis merges to size 1
    ("reduce", "b c ... -> b (...)", {}, "max", (2, 3, 4, 2)),
    ("repeat", "b c ... -> b (... r) c", {"r": 2}, None, (2, 3, 2, 2)),
    # an ellipsis on the input side only of a reduce: its dimensions reduced
    ("reduce", "b ... s -> b s", {}, "mean", (2, 3, 4, 5)),
    ("reduce", "b ... s -> b s", {}, "sum", (2, 5)),  # an empty ellipsis reduces nothing
    ("reduce", "... b (k c) -> b c", {"k": 2}, "max", (3, 2, 2, 6)),
]


def _source(kind, pattern, sizes, reduction, shape) -> str:
    arguments = "".join(f", {axis}={size}" for axis, size in sizes.items())
    if reduction:
        arguments = f", {reduction!r}{arguments}"
    lines = [
        "import torch",
        "from torch import nn",
        f"from einops import {kind}",
        "from einops.layers.torch import Rearrange, Reduce",
        "",
        f"x = (torch.arange({float(math.prod(shape))}) * 0.7).sin().reshape{shape}",
        f"called = {kind}(x, {pattern!r}{arguments})",
    ]
    if kind != "repeat":  # einops has no Repeat layer
        layer = "Rearrange" if kind == "rearrange" else "Reduce"
        lines += [
            "",
            "class Net(nn.Module):",
            "    def __init__(self):",
            "        super().__init__()",
            f"        self.body = nn.Sequential({layer}({pattern!r}{arguments}), nn.Identity())",
            "",
            "    def forward(self, t):",
            "        return self.body(t)",
            "",
            "layered = Net()(x)",
        ]
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.parametrize("kind, pattern, sizes, reduction, shape", CASES, ids=[c[1] for c in CASES])
def test_converted_einops_computes_what_einops_computes(kind, pattern, sizes, reduction, shape, cpu_fallback):
    pytest.importorskip("einops")
    from api.harness import Case, run

    outputs = ("called",) if kind == "repeat" else ("called", "layered")
    outcome = run(Case(f"einops.{kind}", _source(kind, pattern, sizes, reduction, shape), outputs))
    assert outcome.ok, f"{outcome.detail}\n--- converted ---\n{outcome.converted}"
    code = [line for line in outcome.converted.splitlines() if not line.strip().startswith('"""')]
    assert not any(f"{name}(" in line for line in code for name in ("rearrange", "reduce", "repeat", "Rearrange", "Reduce"))
    assert "# torch2ms:" not in outcome.converted


def test_a_pattern_is_planned_once_per_file_and_layer_sizes_stay_at_the_call():
    source = (
        "import torch\n"
        "from einops.layers.torch import Rearrange\n\n"
        "class Net(torch.nn.Module):\n"
        "    def __init__(self, heads, dim_head):\n"
        "        super().__init__()\n"
        "        self.q = Rearrange('b n (h d) -> b h n d', h = heads)\n"
        "        self.k = Rearrange('b n (h d) -> b h n d', h = heads * 2)\n"
        "        self.v = Rearrange('b n (h d) -> b h n d', d = dim_head)\n"
    )
    code = convert_source(source, "net.py").code
    assert code.count("class _EinopsRearrange") == 2  # sizes h and d make two plans
    assert "self.q = _EinopsRearrange1(h = heads)" in code
    assert "self.k = _EinopsRearrange1(h = heads * 2)" in code
    assert "self.v = _EinopsRearrange2(d = dim_head)" in code
    assert "einops" not in code.split("class _EinopsRearrange1")[0].replace("einops.layers.torch.Rearrange(", "")


@pytest.mark.parametrize("source, why", [
    ("Rearrange(pattern)", "the pattern is not a literal string"),
    ("Rearrange('b (h w) -> b h w')", "two unknown sizes in the group (h w)"),
    ("Rearrange('b (...) -> b ...')", "an ellipsis (...) inside brackets"),
    ("Reduce('b n d -> b d', reduction)", "the reduction is not a literal string"),
    ("Reduce('b n d -> b d', 'logsumexp')", "the reduction 'logsumexp'"),
])
def test_a_layer_that_cannot_be_planned_is_flagged_on_its_line(source, why):
    code = convert_source(
        "import torch\nfrom einops.layers.torch import Rearrange, Reduce\n\n"
        f"def make(pattern, reduction):\n    return {source}\n", "make.py").code
    line = next(l for l in code.splitlines() if l.strip().startswith("return"))
    assert f"einops has no MindSpore backend: {why}" in line


def test_the_planner_refuses_what_it_cannot_express_exactly():
    for pattern in ("b c -> b c ...", "b (h w) -> b h w", "b c -> b c -> b", "b (...) -> b ...",
                    "b ... -> b"):  # rearrange keeps every axis: an ellipsis on one side only is einops' error
        with pytest.raises(PatternError):
            plan("rearrange", pattern, {})
    with pytest.raises(PatternError):
        plan("repeat", "b n -> b r n", {})  # the new axis has no size


PACKS = [  # pattern, shapes of the tensors packed
    ("b * d", [(2, 3, 4), (2, 4), (2, 2, 5, 4)]),
    ("* n", [(3, 2, 5)]),
    ("*", [(2, 3), (4,)]),
    ("b h * d", [(2, 3, 1, 4), (2, 3, 6, 4)]),
]


@pytest.mark.slow
@pytest.mark.parametrize("pattern, shapes", PACKS, ids=[p for p, _ in PACKS])
def test_converted_pack_and_unpack_compute_what_einops_computes(pattern, shapes, cpu_fallback):
    pytest.importorskip("einops")
    from api.harness import Case, run

    made = "\n".join(f"t{i} = (torch.arange({float(math.prod(s))}) * 0.3).cos().reshape{s}" for i, s in enumerate(shapes))
    names = ", ".join(f"t{i}" for i in range(len(shapes)))
    source = (
        "import torch\nfrom einops import pack, unpack\n\n"
        f"{made}\n"
        f"packed, ps = pack([{names}], {pattern!r})\n"
        f"pieces = unpack(packed, ps, {pattern!r})\n"
    )
    outcome = run(Case("einops.pack", source, ("packed", "pieces")))
    assert outcome.ok, f"{outcome.detail}\n--- converted ---\n{outcome.converted}"
    assert "pack(" not in outcome.converted.replace("import pack, unpack", "")


def test_unpack_of_an_expression_goes_to_the_run_time_helper_not_guessed():
    code = convert_source(
        "import torch\nfrom einops import unpack\n\n"
        "def split(x, ps):\n    return unpack(x * 2, ps, 'b * d')\n", "split.py").code
    line = next(l for l in code.splitlines() if l.strip().startswith("return") and "x * 2" in l)
    assert line.strip() == "return _einops_unpack(x * 2, ps, 'b * d')"
    assert "def _einops_unpack(" in code


def test_a_file_whose_own_name_hides_the_packing_helper_is_flagged():
    code = convert_source(
        "import torch\nfrom einops import pack\n\n_einops_pack = None\n\n"
        "def join(ts, pattern):\n    return pack(ts, pattern)\n", "join.py").code
    line = next(l for l in code.splitlines() if "pack(ts, pattern)" in l)
    assert "# torch2ms: einops.pack needs a manual rewrite" in line and "the tensors are not a list written out" in line
    assert "class _EinopsMindSporeBackend(einops._backends.AbstractBackend):" in code  # einops still runs it
