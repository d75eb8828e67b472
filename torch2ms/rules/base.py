"""What a rule is: a small class whose hooks the engine calls, and examples that prove it.

A rule defines `visit_<Node>(ctx, node)` and/or `leave_<Node>(ctx, original, updated)` hooks
for libcst node types (see convert/engine.py), reads and records facts only through the
context's rule API (convert/context.py), and carries `EXAMPLES`: whole files before and after
conversion (the rule must be what makes the difference), and no-op examples the rule must
leave alone (converting them without the rule gives the same file). One generic test
(tests/test_rule_examples.py) converts every example and, for examples that name results in
`run`, executes both versions (torch and MindSpore) and compares those results.
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Optional, Tuple

import libcst as cst

from torch2ms.convert.context import FileContext


@dataclass(frozen=True)
class Example:
    kind: str  # "change": the rule rewrites this file; "keep": the rule leaves it alone
    before: str  # a whole PyTorch file
    after: Optional[str] = None  # the converted file; None: the file comes out unchanged
    run: Tuple[str, ...] = ()  # module-level names both versions compute, compared by running them
    path: str = "example.py"  # where the file sits (profiles read the layout from it)
    note: str = ""

    @property
    def source(self) -> str:
        return _text(self.before)

    @property
    def expected(self) -> str:
        return self.source if self.after is None else _text(self.after)


def _text(block: str) -> str:
    """A triple-quoted example as file text: dedented, without the newline after the opening quotes."""
    text = textwrap.dedent(block)
    return text[1:] if text.startswith("\n") else text


def change(before: str, after: str, run: Tuple[str, ...] = (), path: str = "example.py", note: str = "") -> Example:
    """An example the rule rewrites: `before` becomes `after`."""
    return Example("change", before, after, tuple(run), path, note)


def keep(source: str, after: Optional[str] = None, path: str = "example.py", note: str = "") -> Example:
    """A no-op example: this rule changes nothing here (other rules may: then `after` is the
    converted file; without it, the file comes out unchanged)."""
    return Example("keep", source, after, (), path, note)


class Rule:
    """Base class of the rules (hooks are looked up by name; the base defines none)."""

    EXAMPLES: Tuple[Example, ...] = ()


def tensor_method(ctx: FileContext, original: cst.Call, updated: cst.Call) -> Optional[str]:
    """The method name of a call that may be a Tensor method call the rules before left as it was
    (`x.sqrt_()`), or None: a torch function, a method of self or a module, a starred call, or
    a call an earlier rule already rewrote into another method."""
    func = updated.func
    if not isinstance(func, cst.Attribute) or not isinstance(original.func, cst.Attribute):
        return None
    method = func.attr.value
    if method != original.func.attr.value or ctx.qualname(original.func) is not None:
        return None
    if any(a.star for a in updated.args) or ctx.not_a_tensor(func.value):
        return None
    return method
