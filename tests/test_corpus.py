"""The converter over real code: transformers' modeling_*.py files.

CI converts 25 files chosen deterministically (evenly spaced in the sorted list, so the
sample spreads across the alphabet); TORCH2MS_FULL_CORPUS=1 converts all of them.

Per file:
  * the output parses (libcst) and compiles (CPython);
  * converting the output again changes nothing;
  * lines the tool did not touch are byte-identical. Precisely: the input and the output
    (with the tool's `# torch2ms:` notes taken off) are compared line by line with difflib
    (no autojunk); lines in 'equal' blocks are identical by construction, and every input
    line in a 'replace' or 'delete' block must be *explained*:
      - the statement it belongs to (its own lines: a simple statement, or the header of a
        compound one) contains a trigger: `torch` or a name a torch import binds, `forward`,
        `.size(`, `device`, `cuda`, `.cpu(`, `inplace`, `.to(`, `.eval()`, `.train(`,
        `.data.<name>_(` (HF-style weight init); or
      - it sits in an `if`/`elif`/`else`/`with` whose header has a trigger and was itself
        changed (an accelerator branch removed or inlined: its body goes or is dedented); or
      - it is a comment in a block with an explained code line (comments travel with the
        statement they precede), or a blank line;
  * the number of changed input lines is at most the number of input lines with a trigger
    plus the import lines plus a small slack;
  * every output line in a non-equal block is explained too: it is a changed input line
    moved or re-indented (an inlined `if`/`with` body); or every identifier in it occurs
    in the block's input lines (+-3 lines) or in MindSpore's vocabulary (the tables'
    MindSpore names, the tool's extra mappings, Cell/construct/set_train/initializer...),
    and the block's input has a trigger unless the line is MindSpore vocabulary only
    (an added import, `pass`).
"""
from __future__ import annotations

import ast
import difflib
import importlib.util
import os
import pathlib
import re
from typing import Dict, List, Set, Tuple

import libcst as cst
import pytest

from torch2ms import helpers
from torch2ms.convert.pipeline import convert_source

MARK = "# torch2ms:"
SAMPLE = 25
SLACK = 10


def _corpus() -> List[pathlib.Path]:
    spec = importlib.util.find_spec("transformers")
    if spec is None or not spec.origin:
        return []
    return sorted((pathlib.Path(spec.origin).parent / "models").glob("*/modeling_*.py"))


def _sample(files: List[pathlib.Path]) -> List[pathlib.Path]:
    if os.environ.get("TORCH2MS_FULL_CORPUS") == "1" or len(files) <= SAMPLE:
        return files
    step = (len(files) - 1) / (SAMPLE - 1)
    return [files[round(i * step)] for i in range(SAMPLE)]


FILES = _sample(_corpus())
_VOCAB: Set[str] = set()

_BASE_TRIGGERS = [
    r"torch", r"forward", r"\.size\(", r"device", r"cuda", r"\.cpu\(", r"inplace", r"\.to\(",
    # nn.Module -> Cell API and HF-style weight init (`p.data.normal_(...)` -> set_data(initializer))
    r"\.eval\(\)", r"\.train\(", r"\.data\.\w+_\(",
    # Tensor-method rules (rules/method_forms.py, in_place.py, pair_results.py): in-place methods, detach, pair results, argument forms
    r"\.\w+_\(", r"\.detach\(", r"\.values\b", r"\.indices\b", r"\.flip\(", r"\.std\(", r"\.bincount\(",
    r"\.new_\w+\(", r"\.count_nonzero\(", r"\.clamp_max\(", r"\.relu\(", r"\.norm\(",
    # Python types as dtypes (rules/python_dtypes.py)
    r"dtype=(bool|int|float|complex)\b",
    # a CellList indexed by a loop variable, nn.Module methods under Cell names (rules/cell_modes.py)
    r"self\.\w+\[\w+\]", r"\.(named_parameters|named_modules|parameters|children|named_children|modules|add_module|"
    r"register_module)\(",
    # einops calls with a literal pattern (rules/einops_calls.py)
    r"\b(rearrange|repeat|reduce)\(",
]
_IDENT = re.compile(r"[A-Za-z_]\w*")


def _ms_vocabulary() -> Set[str]:
    """Identifiers converted code may introduce: MindSpore names from the tables, and the
    words of the rewrites themselves."""
    from torch2ms.knowledge import tables

    words = {
        "mindspore", "mint", "ops", "nn", "Cell", "CellList", "SequentialCell", "construct", "set_train",
        "set_data", "init", "initializer", "shape", "dtype", "Parameter", "Tensor", "pass", "import", "from",
        "as", "True", "False", "None", "not", "and", "or", "if", "else", "def", "return", "value", "sigma",
        "mean", "a", "b", "gain", "mode", "nonlinearity", "torch", "common",
        # mindspore.common.initializer classes (torch.nn.init and `p.data.<init>_()` rewrites)
        "Normal", "TruncatedNormal", "Uniform", "Constant", "Zero", "One", "Identity", "XavierUniform",
        "XavierNormal", "HeUniform", "HeNormal", "Orthogonal", "Dirac", "Sparse",
        # and the torch defaults they spell out (kaiming_*_: a=0 or sqrt(5), mode, nonlinearity)
        "negative_slope", "scale", "fan_in", "fan_out", "leaky_relu", "relu", "linear", "math", "sqrt",
    }
    for row in tables.rows():
        for text in (row.mindspore or "", *row.alternatives):
            words.update(_IDENT.findall(text))
    from torch2ms.knowledge import extras
    from torch2ms.knowledge.arg_rules import all_rules
    from torch2ms.knowledge.lookup import corrections

    # the tool's data beyond the tables: extra mappings, corrections, wrapped calls, argument rules
    for target in extras.mappings().values():
        words.update(_IDENT.findall(target.replace("builtins.", "")))
    for entry in corrections().values():
        words.update(_IDENT.findall(entry.target or ""))
    for function, wrapper in extras.wrapped_first_arg().values():
        words.update(_IDENT.findall(f"{function} {wrapper} np"))
    for rule in all_rules().values():
        words.update(rule.rename.values())
        words.update(rule.keyword_only)
        words.update(rule.params)
        for value in (*rule.defaults.values(), rule.cast_result):
            words.update(_IDENT.findall(value))
    # words of the Tensor-method rules (rules/method_forms.py, in_place.py, pair_results.py)
    words.update({"copy_", "stop_gradient", "zeros_like", "full_like", "normal", "rand_like", "bernoulli",
                  "clamp", "max", "int64", "to", "full", "correction", "ord", "asnumpy", "functional"})
    # Cell receivers (rules/cell_modes.py), legacy constructors, Python dtypes, finfo fields
    # `torch.device` annotations become `str`; Cell forms of modules()/named_children() (rules/device_code.py,
    # cell_modes.py)
    words.update({"str", "cell", "items", "_"})
    words.update({"param", "get_parameters", "requires_grad", "empty", "float", "int", "set_train",
                  *(e["to"] for e in extras.cell_methods().values()), *extras.python_dtypes(),
                  *(t.split(".")[-1] for t in extras.python_dtypes().values())})
    for target in extras.constant_calls().values():
        words.update(_IDENT.findall(target))
    # kept torch imports are guarded (convert/guards.py): `try: import torch / except ImportError: torch = None`;
    # feature checks and device values become literals; layer classes as values take an adapter
    words.update({"try", "except", "ImportError", "lambda", "args", "kwargs", "inplace", "assert", "raise",
                  "OSError", "getattr", "cells", "cell_list", "list", "items", "cell", "_"})
    for expression in extras.expression_calls().values():
        words.update(_IDENT.findall(expression))
    return words


def torch_aliases(tree: ast.Module) -> Set[str]:
    """Names bound by torch imports anywhere in the file."""
    out: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "torch":
                    out.add(alias.asname or "torch")
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module.split(".")[0] == "torch":
                out.update(alias.asname or alias.name for alias in node.names)
    return out


def _tensor_rule_triggers() -> List[str]:
    """Tensor methods whose arguments a data rule rewrites (`x.squeeze(dim=1)` -> `axis=1`)."""
    from torch2ms.knowledge.arg_rules import all_rules

    return [rf"\.{re.escape(api.rsplit('.', 1)[1])}\(" for api in all_rules() if api.startswith("torch.Tensor.")]


def _library_triggers() -> List[str]:
    """Imports of other PyTorch libraries are guarded (rules/torch_libraries.py, data torch_libraries.json)."""
    from torch2ms.knowledge.extras import _torch_libraries

    tops = sorted({name.split(".")[0] for name in _torch_libraries()["libraries"]})
    return [r"\b(" + "|".join(map(re.escape, tops)) + r")\b"]


def trigger_regex(aliases: Set[str]) -> re.Pattern:
    parts = list(_BASE_TRIGGERS) + _tensor_rule_triggers() + _library_triggers()
    if aliases:
        parts.append(r"\b(?:" + "|".join(map(re.escape, sorted(aliases))) + r")\b")
    return re.compile("|".join(parts))


class Statements:
    """For each line: its innermost statement's own lines, and its enclosing compound headers."""

    def __init__(self, tree: ast.Module) -> None:
        self.own: Dict[int, Tuple[int, int]] = {}
        self.headers: Dict[int, List[Tuple[str, int, int]]] = {}  # line -> [(kind, first, last)]
        self.import_lines: Set[int] = set()
        self._walk(tree.body, [])

    def _walk(self, body: List[ast.stmt], enclosing: List[Tuple[str, int, int]]) -> None:
        for stmt in body:
            first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
            last = stmt.end_lineno or stmt.lineno
            blocks = [b for b in (getattr(stmt, f, None) for f in ("body", "orelse", "finalbody", "handlers")) if b]
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.import_lines.update(range(first, last + 1))
            if not blocks or not isinstance(blocks[0], list) or not blocks[0] or not isinstance(blocks[0][0], ast.AST):
                for line in range(first, last + 1):
                    self.own[line] = (first, last)
                    self.headers[line] = enclosing
                continue
            header_last = stmt.body[0].lineno - 1 if stmt.body and stmt.body[0].lineno > stmt.lineno else stmt.lineno
            for line in range(first, header_last + 1):
                self.own[line] = (first, header_last)
                self.headers[line] = enclosing
            kind = type(stmt).__name__
            here = enclosing + [(kind, first, header_last)]
            self._walk(stmt.body, here)
            if isinstance(stmt, ast.If) and stmt.orelse:
                # `else:` / `elif` lines belong to the same decision
                self._walk(stmt.orelse, here)
                for line in range(stmt.body[-1].end_lineno + 1, stmt.orelse[0].lineno):
                    self.own.setdefault(line, (first, header_last))
                    self.headers.setdefault(line, enclosing)
            else:
                for field in ("orelse", "finalbody"):
                    if getattr(stmt, field, None):
                        self._walk(getattr(stmt, field), here)
                for handler in getattr(stmt, "handlers", []) or []:
                    self._walk(handler.body, here)


def strip_note(line: str) -> str:
    """A line without the tool's trailing note (the tool appends `  # torch2ms: ...`)."""
    body = line.rstrip("\r\n")
    ending = line[len(body):]
    if MARK in body:
        body = body[: body.index(MARK)].rstrip()
    return body + ending


def analyse(src: str, out: str) -> dict:
    if not _VOCAB:
        _VOCAB.update(_ms_vocabulary())
        # the names of the helpers torch2ms writes into converted files (MindSpore code of its own)
        _VOCAB.update(n for path in helpers.HERE.glob("[!_]*.py") for n in helpers.defined(path.stem))
    tree = ast.parse(src)
    trig = trigger_regex(torch_aliases(tree))
    a = src.splitlines(keepends=True)
    b = [strip_note(line) for line in out.splitlines(keepends=True)]
    stmts = Statements(tree)

    def own_text(line: int) -> str:
        first, last = stmts.own.get(line, (line, line))
        return "".join(a[first - 1:last])

    changed_lines: Set[int] = set()
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    for tag, i1, i2, _, _ in opcodes:
        if tag != "equal":
            changed_lines.update(range(i1 + 1, i2 + 1))
    # changed input lines by their text without indentation: a line that only moved or was
    # re-indented (an inlined `if`/`with` body) may land in another block of the diff
    moved = {a[i - 1].strip() for i in changed_lines if a[i - 1].strip()}
    # a helper module written whole into the output (torch2ms/helpers: tests/test_helpers.py proves them)
    for path in sorted(helpers.HERE.glob("[!_]*.py")):
        if helpers.source(path.stem) in out:
            moved |= {line.strip() for line in helpers.source(path.stem).splitlines() if line.strip()}

    unexplained_in: List[Tuple[int, str]] = []
    unexplained_out: List[Tuple[int, str]] = []
    changed_in = 0
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        code_explained = False
        trivia: List[Tuple[int, str]] = []  # comment lines
        for i in range(i1, i2):
            line_no = i + 1
            changed_in += 1
            text = a[i]
            if not text.strip():
                continue  # blank lines come and go with the statements around them
            if text.lstrip().startswith("#"):
                trivia.append((line_no, text.rstrip()))
                continue
            ok = bool(trig.search(own_text(line_no)))
            if not ok:
                for kind, first, last in stmts.headers.get(line_no, []):
                    if kind in ("If", "With") and first in changed_lines and trig.search("".join(a[first - 1:last])):
                        ok = True
            code_explained |= ok
            if not ok:
                unexplained_in.append((line_no, text.rstrip()))
        if trivia and not code_explained:
            unexplained_in.extend(trivia)  # comments only move with the code they precede
        # output lines of the block: only identifiers the block's input (and its neighbours)
        # had, or MindSpore's; and, unless the block only adds MindSpore lines (imports,
        # `pass`, `construct`), some input line of the block must have had a trigger
        near = "".join(a[max(0, i1 - 3):min(len(a), i2 + 3)])
        allowed = set(_IDENT.findall(near)) | _VOCAB
        block_has_trigger = any(trig.search(own_text(i + 1)) for i in range(i1, i2))
        for j in range(j1, j2):
            text = b[j]
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            if text.strip() in moved:
                continue
            new_words = set(_IDENT.findall(text)) - allowed
            only_ms = set(_IDENT.findall(text)) <= _VOCAB
            if new_words or not (block_has_trigger or only_ms):
                unexplained_out.append((j + 1, text.rstrip()))

    trigger_lines = sum(1 for line in a if trig.search(line))
    return {
        "changed_in": changed_in,
        "trigger_lines": trigger_lines,
        "import_lines": len(stmts.import_lines),
        "unexplained_in": unexplained_in,
        "unexplained_out": unexplained_out,
    }


pytestmark = pytest.mark.skipif(not FILES, reason="transformers is not installed")

# Files of the corpus that fail because of known converter bugs (none at the moment: add one with
# its reason as `name: pytest.mark.xfail(strict=True, reason=...)` rather than loosening a check).
KNOWN_FAILURES: dict = {}


def _params(files: List[pathlib.Path]):
    return [pytest.param(f, id=f.name, marks=[KNOWN_FAILURES[f.name]] if f.name in KNOWN_FAILURES else [])
            for f in files]


@pytest.mark.parametrize("path", _params(FILES))
def test_corpus_file(path: pathlib.Path):
    src = path.read_text(encoding="utf-8")
    out = convert_source(src, str(path), profile=None).code  # the core rules; HF mode: test_hf_mode.py
    cst.parse_module(out)
    compile(out, str(path), "exec", dont_inherit=True)
    assert convert_source(out, str(path), profile=None).code == out, "converting the output again changed it"
    report = analyse(src, out)
    assert not report["unexplained_in"], (
        f"input lines changed with no trigger in their statement: {report['unexplained_in'][:10]}"
    )
    assert not report["unexplained_out"], f"output lines with no explanation: {report['unexplained_out'][:10]}"
    bound = report["trigger_lines"] + report["import_lines"] + SLACK
    assert report["changed_in"] <= bound, report
