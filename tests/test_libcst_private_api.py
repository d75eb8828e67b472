"""The private libcst API that torch2ms/convert/annotate.py builds on, checked piece by piece.

annotate.py finds where each flagged node lands in the output in the one codegen pass that
writes it: it subclasses libcst's private `CodegenState` (libcst._nodes.internal), constructs
it with the `default_indent` / `default_newline` keywords, overrides its `before_codegen(node)`
hook, reads the token list `tokens` as it grows, and drives `Module._codegen(state)`. None of
that is public, so a libcst release may change it; the pin in pyproject.toml ("libcst>=…,<…")
is the range these tests passed with. When one fails: adapt annotate.py, then move the pin.
"""
import importlib.metadata
import inspect

import libcst as cst
import pytest

from torch2ms.convert.annotate import render
from torch2ms.convert.context import PendingFlag
from torch2ms.convert.results import MARK, Reason

NOT_IN_TABLES = Reason.NOT_IN_TABLES

LIBCST = importlib.metadata.version("libcst")
ADVICE = (f"libcst {LIBCST} changed the private codegen API that torch2ms/convert/annotate.py "
          "relies on; adapt annotate.py, then the libcst pin in pyproject.toml")


def codegen_state_class():
    try:
        from libcst._nodes.internal import CodegenState
    except ImportError as exc:
        pytest.fail(f"{ADVICE}: `from libcst._nodes.internal import CodegenState` fails ({exc})")
    return CodegenState


def test_codegen_state_is_a_class_in_libcst_nodes_internal():
    assert inspect.isclass(codegen_state_class()), ADVICE


def test_constructor_takes_the_indent_and_newline_keywords_and_starts_with_no_tokens():
    state_class = codegen_state_class()
    try:
        state = state_class(default_indent="\t", default_newline="\r\n")
    except TypeError as exc:
        pytest.fail(f"{ADVICE}: CodegenState(default_indent=, default_newline=) fails ({exc})")
    assert getattr(state, "tokens", None) == [], f"{ADVICE}: no empty `tokens` list on a new state"
    assert state.default_indent == "\t" and state.default_newline == "\r\n", ADVICE


def test_before_codegen_is_a_hook_on_the_state_and_module_has_codegen():
    state_class = codegen_state_class()
    assert callable(getattr(state_class, "before_codegen", None)), f"{ADVICE}: no before_codegen hook"
    assert list(inspect.signature(state_class.before_codegen).parameters) == ["self", "node"], ADVICE
    assert callable(getattr(cst.Module, "_codegen", None)), f"{ADVICE}: no Module._codegen"


def test_the_hook_sees_each_node_before_its_tokens_are_written():
    state_class = codegen_state_class()

    class Recording(state_class):
        def __init__(self, module):
            super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
            self.seen = []

        def before_codegen(self, node):
            self.seen.append((node, len(self.tokens)))

    module = cst.parse_module("x = 1\n\ny = f(2)  # note\n")
    state = Recording(module)
    module._codegen(state)
    assert "".join(state.tokens) == module.code, f"{ADVICE}: the tokens do not spell the module"
    call = module.body[1].body[0].value
    at = [count for node, count in state.seen if node is call]
    assert len(at) == 1, f"{ADVICE}: before_codegen saw the call {len(at)} times"
    assert "".join(state.tokens[:at[0]]) == "x = 1\n\ny = ", f"{ADVICE}: the hook ran at the wrong token"
    assert state.seen[0][0] is module, ADVICE


def test_render_puts_a_flag_on_the_line_and_column_of_its_node():
    module = cst.parse_module('"""Doc\nstring."""\nimport torch\n\nvalue = (1 +\n         torch.finfo(x))\n')
    call = module.body[2].body[0].value.right
    assert isinstance(call, cst.Call)
    code, flags = render(module, [PendingFlag(call, "torch.finfo", NOT_IN_TABLES, "use numpy")])
    assert [(f.line, f.column, f.api, f.reason, f.hint) for f in flags] == [
        (6, 9, "torch.finfo", NOT_IN_TABLES, "use numpy")], ADVICE
    lines = code.splitlines()
    assert lines[5] == f"         torch.finfo(x))  {MARK} torch.finfo is not in the tables (hint: use numpy)"
    assert lines[:5] == module.code.splitlines()[:5]


def test_render_without_flags_is_the_plain_codegen():
    module = cst.parse_module("a = 1\r\nb = 2\r\n")
    assert render(module, []) == ("a = 1\r\nb = 2\r\n", [])
