"""Property tests: generated programs through convert_source.

(a) hypothesmith programs (arbitrary valid Python): the converter raises nothing but
    ConversionError, what it returns parses, and code without "torch" comes back as is;
    the same programs with torch imports prepended and some names turned into torch
    names exercise the rules on odd syntax.
(b) small PyTorch-style modules built from the mapping tables' APIs, with the common
    import styles, aliases, nested calls, chains, device code, multi-line calls,
    comments and parameters that shadow the aliases. On those: output parses and
    compiles, converting again changes nothing, every `torch` name left in code sits on
    a line with a `# torch2ms:` note (imports aside), no table API that has a MindSpore
    target is still referenced through torch, and shadowed aliases are left alone.
(c) one deterministic regression test per converter bug the generators found (all fixed:
    a `# torch2ms:` inside a string, id reuse in Tidy, `x = x` taken for device code, a torch
    module used as a value, notes after trailing whitespace, notes of a second pass).

Examples: 150 per test by default (profile "ci", derandomized: the same examples on
every run), a fifth of that for the hypothesmith tests, whose programs are slow to draw;
HYPOTHESIS_PROFILE=long for 2,000 (random, with the example database), dev for 30.
scripts/fuzz.py runs the same properties for longer without stopping at a failure.
"""
from __future__ import annotations

import io
import os
import tokenize
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Set, Tuple

import hypothesmith
import libcst as cst
import pytest

pytestmark = pytest.mark.slow  # hypothesis searches generated programs
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider, QualifiedNameSource

from torch2ms.knowledge import inventory, tables
from torch2ms.convert.pipeline import ConversionError, convert_source

MARK = "# torch2ms:"

# ---------------------------------------------------------------- settings profiles
_PROFILES = {"dev": 30, "ci": 150, "long": 2000}
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
_MAX = _PROFILES.get(_PROFILE, 150)
# One settings object applied per test (no global load_profile: other test files keep theirs).
SETTINGS = settings(
    max_examples=_MAX,
    deadline=None,
    derandomize=_PROFILE == "ci",  # CI: the same examples on every run
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
# hypothesmith programs are costlier to draw; fewer of them keeps the file under a minute.
SETTINGS_HYPOTHESMITH = settings(SETTINGS, max_examples=max(10, _MAX // 5))


# ---------------------------------------------------------------- the checks
def convert(code: str) -> Optional[str]:
    """convert_source's output, or None for a ConversionError (any other exception fails)."""
    try:
        return convert_source(code).code
    except ConversionError:
        return None


def compiles(code: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SyntaxWarning on generated nonsense like `1()`
        try:
            compile(code, "<generated>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def torch_lines_without_note(code: str) -> List[Tuple[int, str]]:
    """(line, text) of each line with a NAME token `torch` outside import statements
    and without a `# torch2ms:` comment."""
    noted: Set[int] = set()
    torch_at: List[int] = []
    first_of_logical: Optional[str] = None
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
            first_of_logical = None
            continue
        if tok.type == tokenize.COMMENT:
            if tok.string.startswith(MARK):
                noted.add(tok.start[0])
            continue
        if tok.type in (tokenize.NL,):
            continue
        if first_of_logical is None:
            first_of_logical = tok.string
        if tok.type == tokenize.NAME and tok.string == "torch" and first_of_logical not in ("import", "from"):
            torch_at.append(tok.start[0])
    lines = code.splitlines()
    return [(n, lines[n - 1]) for n in sorted(set(torch_at)) if n not in noted]


_MAPPED_TORCH = {row.torch for row in tables.rows() if row.mindspore and not row.torch.startswith("torch.Tensor.")}


class _MappedLeft(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (QualifiedNameProvider, PositionProvider)

    def __init__(self) -> None:
        self.found: List[Tuple[str, cst.CSTNode, int]] = []

    def _check(self, node: cst.CSTNode) -> None:
        for qn in self.get_metadata(QualifiedNameProvider, node, set()):
            if qn.source is QualifiedNameSource.IMPORT and qn.name in _MAPPED_TORCH:
                self.found.append((qn.name, node, self.get_metadata(PositionProvider, node).start.line))

    def visit_Name(self, node: cst.Name) -> None:
        self._check(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._check(node)


def mapped_torch_left(code: str) -> List[Tuple[str, str, int]]:
    """(qualified name, code, line) of each expression that still reaches a table API that
    has a MindSpore target through a torch import (scope-aware: shadowing parameters count)."""
    wrapper = MetadataWrapper(cst.parse_module(code))
    visitor = _MappedLeft()
    wrapper.visit(visitor)
    return [(name, wrapper.module.code_for_node(node), line) for name, node, line in visitor.found]


def check_converted(src: str, *, expect_clean: bool) -> str:
    """All properties of a generated torch program; returns the output for further checks."""
    note(f"--- input ---\n{src}")
    result = convert_source(src)  # generated programs are valid: a ConversionError is a failure
    out = result.code
    note(f"--- output ---\n{out}")
    cst.parse_module(out)
    assert compiles(out), "the output does not compile"
    again = convert_source(out).code
    assert again == out, "converting the output again changed it"
    if expect_clean:
        left = torch_lines_without_note(out)
        assert not left, f"torch left on lines without a {MARK} note: {left}"
        # gone, or deliberately kept with a note that names it (the tool's corrections, e.g.
        # torch.index_add, whose MindSpore counterpart needs int32 indices)
        noted = {i + 1: line[line.index(MARK):] for i, line in enumerate(out.splitlines()) if MARK in line}
        mapped = [(api, code, line) for api, code, line in mapped_torch_left(out) if api not in noted.get(line, "")]
        assert not mapped, f"table APIs with a MindSpore target still reached through torch: {mapped}"
    return out


# ---------------------------------------------------------------- (a) hypothesmith
_GRAMMAR = hypothesmith.from_grammar()  # built once: each call compiles a lark parser (seconds)


@SETTINGS_HYPOTHESMITH
@given(_GRAMMAR)
def test_grammar_programs_convert_or_raise_conversion_error(src):
    out = convert(src)
    if out is None:
        return
    if "torch" not in src:
        assert out == src
    if out != src:  # (CPython accepts a few programs libcst cannot parse; returned as is, fine)
        cst.parse_module(out)


@SETTINGS_HYPOTHESMITH
@given(hypothesmith.from_node())
def test_node_programs_convert_or_raise_conversion_error(src):
    out = convert(src)
    if out is None:
        return
    if "torch" not in src:
        assert out == src
    if out != src:  # (CPython accepts a few programs libcst cannot parse; returned as is, fine)
        cst.parse_module(out)


_TORCHY_NAMES = ["torch", "nn", "F", "th", "device", "forward", "inplace", "x"]
_TORCHY_ATTRS = sorted({row.torch.rpartition(".")[2] for row in tables.rows()} | {"nn", "functional", "cuda", "to", "device"})
_PRELUDE = "import torch\nimport torch as th\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


class _Torchify(cst.CSTTransformer):
    """Renames Names and attribute leaves to torch-flavoured ones, driven by drawn choices."""

    def __init__(self, choices: List[int]) -> None:
        self.choices = choices
        self.i = 0

    def _pick(self, options: List[str]) -> Optional[str]:
        if not self.choices:
            return None
        c = self.choices[self.i % len(self.choices)]
        self.i += 1
        return options[c % len(options)] if c % 3 == 0 else None  # a third of the sites

    def leave_Name(self, original, updated):
        new = self._pick(_TORCHY_NAMES)
        return updated.with_changes(value=new) if new else updated

    def leave_Attribute(self, original, updated):
        new = self._pick(_TORCHY_ATTRS)
        return updated.with_changes(attr=cst.Name(new)) if new else updated


@st.composite
def torchified_programs(draw):
    src = draw(_GRAMMAR)
    try:
        module = cst.parse_module(src)
    except Exception:
        assume(False)
    choices = draw(st.lists(st.integers(0, 10_000), min_size=1, max_size=40))
    try:
        changed = module.visit(_Torchify(choices)).code
    except Exception:
        changed = src
    return _PRELUDE + changed


@SETTINGS_HYPOTHESMITH
@given(torchified_programs())
def test_torchified_grammar_programs(src):
    note(src)
    try:
        result = convert_source(src)
    except ConversionError:
        return
    out = result.code
    note(f"--- output ---\n{out}")
    cst.parse_module(out)
    if compiles(src):
        assert compiles(out), "input compiles, output does not"
    assert convert_source(out).code == out, "not idempotent"


# ---------------------------------------------------------------- (b) table-driven modules
_IMPORT_STYLES = {
    "import torch": {"torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional"},
    "import torch as th": {"torch": "th", "nn": "th.nn", "F": "th.nn.functional"},
    "import torch.nn as nn": {"nn": "nn", "F": "nn.functional"},
    "from torch import nn": {"nn": "nn", "F": "nn.functional"},
    "import torch.nn.functional as F": {"F": "F"},
    "from torch.nn import functional as F": {"F": "F"},
}
_NN_STYLES = ["import torch.nn as nn", "from torch import nn"]
_F_STYLES = ["import torch.nn.functional as F", "from torch.nn import functional as F"]
_NAMESPACE = {"torch": "torch", "torch.nn": "nn", "torch.nn.functional": "F"}


@dataclass
class Spelling:
    prefixes: Dict[str, List[str]] = field(default_factory=dict)  # "torch"/"nn"/"F" -> spellings
    direct: Dict[str, str] = field(default_factory=dict)  # qualname -> local name (from-imports)
    shadowable: List[str] = field(default_factory=list)  # aliases a parameter may shadow

    def options(self, qualname: str) -> List[str]:
        ns, _, leaf = qualname.rpartition(".")
        out = [f"{p}.{leaf}" for p in self.prefixes.get(_NAMESPACE.get(ns, ""), [])]
        if qualname in self.direct:
            out.append(self.direct[qualname])
        return out


def _rows(pred: Callable[[tables.Row, Optional[str]], bool]) -> List[tables.Row]:
    seen, out = set(), []
    for row in tables.rows():
        if row.torch in seen:
            continue
        seen.add(row.torch)
        if pred(row, inventory.torch_kind(row.torch)):
            out.append(row)
    return out


_CALLABLE = _rows(lambda r, k: r.torch.rpartition(".")[0] in _NAMESPACE and k in ("function", "class") and r.torch != "torch.no_grad")
_VALUES = _rows(lambda r, k: r.torch.rpartition(".")[0] == "torch" and k == "other")
_METHODS = _rows(lambda r, k: r.torch.startswith("torch.Tensor.") and k == "method" and not r.torch.rpartition(".")[2].startswith("__"))
_PROPERTIES = _rows(lambda r, k: r.torch.startswith("torch.Tensor.") and k == "property")
_NN_CLASSES = [r for r in _CALLABLE if r.torch.startswith("torch.nn.") and r.torch.count(".") == 2]
_DTYPES = [r.torch for r in _VALUES if r.mindspore and r.mindspore.split(".")[-1] not in ("dtype",)]


@st.composite
def import_block(draw) -> Tuple[List[str], Spelling]:
    lines: List[str] = []
    if draw(st.booleans()):
        lines.append("import torch")
    if draw(st.booleans()):
        lines.append("import torch as th")
    nn_style = draw(st.sampled_from([None] + _NN_STYLES))
    if nn_style:
        lines.append(nn_style)
    f_style = draw(st.sampled_from([None] + _F_STYLES))
    if f_style:
        lines.append(f_style)
    spelling = Spelling()
    if draw(st.booleans()):
        row = draw(st.sampled_from(_NN_CLASSES))
        alias = "L" if row.torch == "torch.nn.Linear" or draw(st.booleans()) else None
        leaf = row.torch.rpartition(".")[2]
        lines.append(f"from torch.nn import {leaf}" + (f" as {alias}" if alias else ""))
        spelling.direct[row.torch] = alias or leaf
    if draw(st.booleans()):
        row = draw(st.sampled_from([r for r in _CALLABLE if r.torch.count(".") == 1]))
        leaf = row.torch.rpartition(".")[2]
        lines.append(f"from torch import {leaf}")
        spelling.direct[row.torch] = leaf
    if not any(s in lines for s in ("import torch", "import torch as th")) and not nn_style:
        lines.insert(0, "import torch")  # something must spell nn.Module
    for line in lines:
        for kind, prefix in _IMPORT_STYLES.get(line, {}).items():
            spelling.prefixes.setdefault(kind, []).append(prefix)
    for kind in ("nn", "F"):
        if any(p == kind for p in spelling.prefixes.get(kind, [])):
            spelling.shadowable.append(kind)
    lines = draw(st.permutations(lines))
    return list(lines), spelling


_COMMENTS = st.sampled_from(["", "  # note", "  # torch.zeros in a comment", "  # (x, y)"])
_SIMPLE_ARGS = st.sampled_from(["x", "y", "1", "2", "-1", "0.5", "(2, 3)", "[x, y]", "self.w", "n"])
_KWARGS = st.sampled_from(["dim=1", "keepdim=True", "device=device", "device=x.device", "inplace=True", "p=0.1", "bias=False"])
_CHAINS = st.sampled_from(
    [".to(device)", ".to(x.device)", ".cuda()", ".cpu()", ".view(-1)", ".size(0)", ".size()", ".float()",
     ".contiguous()", ".detach()", ".sum(dim=1)", ".to(device, non_blocking=True)"]
)


def _render_call(func: str, args: List[str], multiline: bool, trailing: bool, comments: List[str], indent: str) -> str:
    if not multiline or not args:
        return f"{func}({', '.join(args)})"
    inner = indent + "    "
    body = ""
    for i, arg in enumerate(args):
        last = i == len(args) - 1
        comma = "," if (not last or trailing) else ""
        body += f"{inner}{arg}{comma}{comments[i % len(comments)] if comments else ''}\n"
    return f"{func}(\n{body}{indent})"


@st.composite
def expression(draw, spelling: Spelling, depth: int = 0, indent: str = "        ") -> str:
    kind = draw(st.sampled_from(["call", "call", "call", "method", "value", "property"] if depth < 2 else ["method", "value"]))
    if kind == "value":
        if _DTYPES and draw(st.booleans()):
            opts = spelling.options(draw(st.sampled_from(_DTYPES)))
            if opts:
                return draw(st.sampled_from(opts))
        return draw(_SIMPLE_ARGS)
    if kind == "property":
        prop = draw(st.sampled_from(_PROPERTIES)).torch.rpartition(".")[2]
        return f"x.{prop}"
    if kind == "method":
        meth = draw(st.sampled_from(_METHODS)).torch.rpartition(".")[2]
        args = draw(st.lists(_SIMPLE_ARGS, max_size=2))
        return f"x.{meth}({', '.join(args)})"
    row = draw(st.sampled_from(_CALLABLE))
    opts = spelling.options(row.torch)
    if not opts:
        return draw(_SIMPLE_ARGS)
    func = draw(st.sampled_from(opts))
    args = draw(st.lists(st.one_of(_SIMPLE_ARGS, expression(spelling, depth + 1, indent + "    ")), max_size=3))
    args += draw(st.lists(_KWARGS, max_size=2, unique=True))
    multiline = draw(st.booleans()) and depth == 0
    text = _render_call(func, args, multiline, draw(st.booleans()), draw(st.lists(_COMMENTS, max_size=2)), indent)
    for chain in draw(st.lists(_CHAINS, max_size=2)):
        text += chain
    return text


_DEVICE_TESTS = ['x.device.type == "cuda"', "x.is_cuda", 'x.device.type != "cpu" and n > 1']


@dataclass
class Generated:
    source: str
    shadow_lines: List[str]  # lines using a parameter that shadows a torch alias: code unchanged
    plain_lines: List[str]  # lines of statements with nothing torch in them: kept verbatim


@st.composite
def torch_module(draw) -> Generated:
    imports, spelling = draw(import_block())
    nn = draw(st.sampled_from(spelling.prefixes["nn"]))
    lines = list(imports) + ["", ""]
    shadow: List[str] = []
    plain: List[str] = []
    if draw(st.booleans()):
        lines += ["device = " + draw(st.sampled_from(['"cuda"', '"cpu"', "None"])), ""]
    else:
        lines += ["device = None", ""]
    if draw(st.booleans()):
        lines += [f"GLOBAL = {draw(expression(spelling, 1, ''))}", ""]
    lines += [f"class Net({nn}.Module):", "    def __init__(self, n):", "        super().__init__()", "        self.w = n"]
    for i in range(draw(st.integers(0, 3))):
        row = draw(st.sampled_from(_NN_CLASSES))
        opts = spelling.options(row.torch)
        if opts:
            args = draw(st.lists(_SIMPLE_ARGS.filter(lambda a: not a.startswith(("x", "y", "["))), max_size=2))
            args += draw(st.lists(st.sampled_from(["inplace=True", "bias=False", "device=device"]), max_size=1))
            lines.append(f"        self.layer{i} = {draw(st.sampled_from(opts))}({', '.join(args)}){draw(_COMMENTS)}")
    lines += ["", "    def forward(self, x, y=None):", "        n = x.size(0)"]
    device_tests = list(_DEVICE_TESTS)
    if "torch" in spelling.prefixes:
        device_tests.append(f"{spelling.prefixes['torch'][0]}.cuda.is_available()")
    for i in range(draw(st.integers(1, 5))):
        stmt = draw(st.sampled_from(["assign", "assign", "device", "with", "device_if", "plain_if"]))
        expr = draw(expression(spelling))
        if stmt == "device":
            lines.append(f"        x = x{draw(st.sampled_from(['.to(device)', '.cuda()', '.to(x.device)']))}")
        elif stmt == "with" and "torch" in spelling.prefixes:
            lines += [f"        with {spelling.prefixes['torch'][0]}.no_grad():", f"            z{i} = {expr}"]
        elif stmt == "device_if":
            lines += [f"        if {draw(st.sampled_from(device_tests))}:", "            x = x.contiguous()"]
            if draw(st.booleans()):
                lines += ["        else:", "            x = x + 1"]
        elif stmt == "plain_if":
            block = [f"        if n > {i}:", f"            q{i} = n * {i}"]
            lines += block
            plain += block
        else:
            lines.append(f"        z{i} = {expr}{draw(_COMMENTS)}")
    lines += ["        return x", ""]
    if spelling.shadowable and draw(st.booleans()):
        alias = draw(st.sampled_from(spelling.shadowable))
        ns = "torch.nn.functional" if alias == "F" else "torch.nn"
        row = draw(st.sampled_from([r for r in _CALLABLE if r.torch.rpartition(".")[0] == ns]))
        body = f"    return {alias}.{row.torch.rpartition('.')[2]}(x)"
        lines += ["", f"def helper(x, {alias}):", body, ""]
        shadow += [f"def helper(x, {alias}):", body]
    if draw(st.booleans()):
        block = ["    if y is not None:", "        y = y * 2"]
        lines += ["", "def tail(x, y):", f'    if {draw(st.sampled_from(_DEVICE_TESTS))}:', "        x = x.contiguous()",
                  *block, "    return x, y", ""]
        plain += block
    return Generated("\n".join(lines), shadow, plain)


def _code_lines(out: str) -> List[str]:
    # a `# torch2ms:` note may be appended to a line; its code must stay as it was
    return [line.split(MARK)[0].rstrip() for line in out.splitlines()]


@SETTINGS
@given(torch_module())
def test_table_programs(generated):
    out = check_converted(generated.source, expect_clean=True)
    out_lines = _code_lines(out)
    for line in generated.shadow_lines:
        assert line in out_lines, f"a line using a parameter that shadows a torch alias was changed: {line!r}"


def check_unrelated_kept(generated: Generated) -> None:
    """Statements with nothing torch in them come out verbatim. Not a CI test: the known
    failure (see test_unrelated_if_survives_removed_device_branch) depends on memory
    reuse, so hypothesis reports it as flaky; scripts/fuzz.py checks it on every example."""
    out_lines = _code_lines(convert_source(generated.source).code)
    for line in generated.plain_lines:
        assert line in out_lines, f"a statement with nothing torch in it was changed or dropped: {line!r}"


# ---------------------------------------------------------------- regressions the generators found (fixed)
def test_mark_in_string_on_flagged_line():
    # A line that already contains "# torch2ms:" inside a string, plus a flagged torch API.
    src = 'import torch\ns = "# torch2ms: x"; m = torch.autocast("cpu")\n'
    out = convert_source(src).code
    assert compiles(out), out


_IF_AFTER_DEVICE_BRANCH = """
class C{k}:
    def a(self):
        if self.device.type == "mps":
            if self.c:
                log("x")
            self.c = False


def f{k}(inputs):
    if inputs.dim() == {k}:
        u = inputs.flatten()
    else:
        u = inputs
    return u
"""


def test_unrelated_if_survives_removed_device_branch():
    src = "import torch\n" + "".join(_IF_AFTER_DEVICE_BRANCH.format(k=k) for k in range(10))
    out = convert_source(src).code
    lost = [k for k in range(10) if f"if inputs.dim() == {k}:" not in out]
    assert not lost, f"`if inputs.dim() == k` dropped for k in {lost}"


def test_self_assignment_without_device_code_is_kept():
    src = "import torch\n\ndtype = torch.float32\n\n\nclass Config:\n    dtype = dtype\n"
    out = convert_source(src).code
    assert "    dtype = dtype" in out.splitlines(), out


def test_torch_module_as_value_keeps_one_nn_binding():
    src = (
        "from torch import nn\n\n\nclass A(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
        "        self.lin = nn.Linear(2, 3)\n"
        "        if hasattr(nn.utils.parametrizations, \"weight_norm\"):\n            pass\n"
    )
    out = convert_source(src).code
    assert "from torch import nn" not in out, out
    assert convert_source(out).code == out


def test_note_on_line_with_trailing_whitespace_is_idempotent():
    out = convert_source("import torch\nm = torch.finfo(x)   \n").code
    assert convert_source(out).code == out


def test_second_pass_keeps_notes_of_converted_apis():
    out = convert_source("import torch\nloss = torch.nn.NLLLoss(None, True).detach()\n").code
    assert convert_source(out).code == out
