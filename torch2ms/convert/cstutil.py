"""Small helpers over libcst nodes that rules and the pipeline share (none of them is a rule).

Names and dotted paths, removing arguments or decorators without losing layout or
comments, and building small expressions. Helpers that drop code take the file's
context only to forget the uses inside what they drop (`ctx.discard`).
"""
from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Callable, Dict, Iterator, List, Optional, Tuple

import libcst as cst

if TYPE_CHECKING:  # the context uses these helpers too: no import at run time
    from torch2ms.convert.context import FileContext

TIGHT_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
COMMA = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


# ---- names and dotted paths ------------------------------------------------------------
# dotted and chain_root run for nearly every name, attribute and call the rules look at:
# they test the node's exact type (libcst has no subclasses of Name or Attribute), as an
# isinstance that fails goes through ABCMeta.__instancecheck__ and cost twice as much.
def dotted(node: cst.CSTNode) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, None for anything else (calls, subscripts, ...)."""
    parts = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)
        node = node.value
    if type(node) is not cst.Name:
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def chain_root(node: cst.CSTNode) -> Optional[cst.Name]:
    while type(node) is cst.Attribute:
        node = node.value
    return node if type(node) is cst.Name else None


def build(path: str) -> cst.BaseExpression:
    """The expression `a.b.c` for the string "a.b.c"."""
    head, *rest = path.split(".")
    expr: cst.BaseExpression = cst.Name(head)
    for part in rest:
        expr = cst.Attribute(value=expr, attr=cst.Name(part))
    return expr


# Fields that hold only whitespace, brackets, commas, dots or operators (or str/bool): no
# Name is ever under them. Every field whose name starts with "whitespace" is such a field too.
_LAYOUT_FIELDS = frozenset({
    "lpar", "rpar", "comma", "semicolon", "colon", "first_colon", "second_colon", "dot", "equal",
    "leading_lines", "lines_after_decorators", "trailing_whitespace", "header", "footer", "empty_lines",
    "newline", "indent", "default_indent", "default_newline", "encoding", "has_trailing_newline",
    "lbrace", "rbrace", "lbracket", "rbracket", "operator", "star", "asynchronous", "separator",
    "relative", "trailing_comma", "first_line", "last_line", "leading_whitespace", "comment",
    "posonly_ind", "conversion",
})
# Classes whose fields are declared in another order than the code they generate: the
# order of the source (that of libcst's `children`), for walks that care which comes first.
_SOURCE_ORDER: Dict[type, Tuple[str, ...]] = {
    cst.Arg: ("keyword", "value"),
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.Parameters: ("posonly_params", "params", "star_arg", "kwonly_params", "star_kwarg"),
}
_CODE_FIELDS: Dict[type, Tuple[str, ...]] = {}


def code_fields(cls: type) -> Tuple[str, ...]:
    """The fields of a node class that can hold code, in source order (looked up once)."""
    fields = _CODE_FIELDS.get(cls)
    if fields is None:
        fields = _CODE_FIELDS[cls] = _SOURCE_ORDER.get(cls) or tuple(
            f.name for f in dataclasses.fields(cls)
            if f.name not in _LAYOUT_FIELDS and not f.name.startswith("whitespace")
        )
    return fields


# Whether values of a type are nodes, per type: isinstance against libcst's abstract base
# class goes through ABCMeta.__instancecheck__ (a Python call) for every field of every node.
_IS_NODE: Dict[type, bool] = {}


def code_children(node: cst.CSTNode, skip: Tuple[str, ...] = ()) -> List[cst.CSTNode]:
    """The child nodes of `node` that hold code, in source order: libcst's `children`
    without whitespace, brackets, commas and operators (comments are layout too), and
    without the fields named in `skip`.

    Reads each class's code fields directly: libcst's `children` rebuilds the node through
    a visitor over every field, and walks over whole files made of it cost several times
    the parse. tests/test_code_children.py checks the order against libcst's.
    """
    out: List[cst.CSTNode] = []
    for field in _CODE_FIELDS.get(type(node)) or code_fields(type(node)):
        if skip and field in skip:
            continue
        value = getattr(node, field)
        kind = type(value)
        if kind is tuple or kind is list:
            out.extend(value)
        else:
            is_node = _IS_NODE.get(kind)
            if is_node is None:
                is_node = _IS_NODE[kind] = issubclass(kind, cst.CSTNode)
            if is_node:
                out.append(value)
    return out


def walk_code(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every code node under it (depth first, last child first)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if type(current) is not cst.Name:  # the most common node, with no code under it
            stack.extend(code_children(current))


def iter_names(node: cst.CSTNode) -> Iterator[cst.Name]:
    """Every Name node in a subtree (used to forget uses of names a rule removed)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is cst.Name:
            yield current
        else:
            stack.extend(code_children(current))


def iter_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node of a subtree, the root included."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def is_plain_reference(node: cst.BaseExpression) -> bool:
    """A name or attribute chain (`x`, `self.buf`, `p.data`): evaluating it twice has no side effect."""
    return dotted(node) is not None and not node.lpar


def in_place_of(old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    """`new`, wearing the parentheses `old` had: `(a\\n .f()\\n .to(d))` keeps its brackets."""
    outer_l, outer_r = getattr(old, "lpar", ()), getattr(old, "rpar", ())
    if not outer_l or not hasattr(new, "lpar"):
        return new
    return new.with_changes(lpar=[*outer_l, *new.lpar], rpar=[*new.rpar, *outer_r])


# ---- arguments -------------------------------------------------------------------------
def keyword(arg: cst.Arg) -> Optional[str]:
    return arg.keyword.value if arg.keyword is not None else None


def drop_args(ctx: "FileContext", call: cst.Call, doomed: Callable[[int, cst.Arg], bool]) -> cst.Call:
    """The call without the args `doomed(position, arg)` picks; uses inside them are forgotten."""
    args = list(call.args)
    dropped = {i for i, a in enumerate(args) if doomed(i, a)}
    if not dropped:
        return call
    for i in dropped:
        ctx.discard(args[i])
    new_args = [a for i, a in enumerate(args) if i not in dropped]
    if new_args and new_args[-1] is not args[-1]:
        # The new last argument takes the old last one's comma (absent, or a trailing
        # comma with the newline before `)`), so the closing bracket keeps its place.
        new_args[-1] = new_args[-1].with_changes(
            comma=args[-1].comma, whitespace_after_arg=args[-1].whitespace_after_arg
        )
    return call.with_changes(args=new_args)


def last_without_comma(args) -> List[cst.Arg]:
    args = list(args)
    if args and args[-1].comma is not cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return args


def call(func: cst.BaseExpression, *values: cst.BaseExpression) -> cst.Call:
    """`func(a, b)` with the usual spacing."""
    args = [cst.Arg(value=v, comma=COMMA) for v in values[:-1]]
    if values:
        args.append(cst.Arg(value=values[-1]))
    return cst.Call(func=func, args=args)


def bare(expr: cst.BaseExpression) -> cst.BaseExpression:
    """The expression without its own brackets."""
    return expr.with_changes(lpar=[], rpar=[]) if getattr(expr, "lpar", None) else expr


# ---- decorators --------------------------------------------------------------------------
def without_decorators(ctx: "FileContext", node, doomed: Callable[[cst.Decorator], bool]):
    """`node` (a def or class) without the decorators `doomed` picks; their uses are forgotten."""
    kept = []
    for decorator in node.decorators:
        if doomed(decorator):
            ctx.discard(decorator)
        else:
            kept.append(decorator)
    if len(kept) == len(node.decorators):
        return node
    leading = node.leading_lines
    first = node.decorators[0].leading_lines
    if not kept:
        leading = [*leading, *first]  # comments above the first decorator stay above the definition
    elif kept[0] is not node.decorators[0]:
        kept[0] = kept[0].with_changes(leading_lines=[*first, *kept[0].leading_lines])
    return node.with_changes(decorators=kept, leading_lines=leading)


def decorator_callee(decorator: cst.Decorator) -> cst.BaseExpression:
    """`torch.jit.script` for both `@torch.jit.script` and `@torch.jit.script(...)`."""
    expr = decorator.decorator
    return expr.func if isinstance(expr, cst.Call) else expr


def with_body(node: cst.With) -> cst.FlattenSentinel:
    """The statements of a `with` block in its place (a context manager that no longer means
    anything); the `with` line's own comment stays, above them."""
    body = node.body
    statements = list(body.body) if isinstance(body, cst.IndentedBlock) else [cst.SimpleStatementLine(body.body)]
    comment = body.header.comment if isinstance(body, cst.IndentedBlock) else None
    carried = [cst.EmptyLine(comment=comment)] if comment is not None else []
    first = statements[0]
    statements[0] = first.with_changes(leading_lines=[*node.leading_lines, *carried, *first.leading_lines])
    return cst.FlattenSentinel(statements)
