"""A lean tree walk: rebuilds only the nodes on the path to a change.

libcst's own visit rebuilds every node of the tree, whitespace and commas included,
which costs several times the parse. This walk descends only into fields that can
hold code (names, expressions, statements), keeps every untouched node as the very
same object (so ids stay valid), and copies a node only when a child changed.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Dict, Tuple

import libcst as cst

# Fields that hold only layout (whitespace, brackets, commas) or names that are not
# references (attribute and keyword names, def/class names, import aliases).
_LAYOUT = {
    "lpar", "rpar", "comma", "semicolon", "colon", "first_colon", "second_colon", "dot", "equal",
    "leading_lines", "lines_after_decorators", "trailing_whitespace", "header", "footer", "empty_lines",
    "newline", "indent", "default_indent", "default_newline", "encoding", "has_trailing_newline",
    "lbrace", "rbrace", "lbracket", "rbracket", "operator", "star", "asynchronous", "separator",
    "relative", "trailing_comma", "first_line", "last_line", "leading_whitespace", "comment",
    "posonly_ind", "conversion", "attr", "keyword", "name", "asname", "whitespace",
}
_FIELDS: Dict[type, Tuple[str, ...]] = {}

Visit = Callable[[cst.CSTNode], bool]
Leave = Callable[[cst.CSTNode, cst.CSTNode], object]


def _code_fields(cls: type) -> Tuple[str, ...]:
    fields = _FIELDS.get(cls)
    if fields is None:
        fields = tuple(
            f.name for f in dataclasses.fields(cls) if f.name not in _LAYOUT and not f.name.startswith("whitespace")
        )
        _FIELDS[cls] = fields
    return fields


# Whether a field value's type is a CSTNode, per type: isinstance against libcst's abstract
# base class runs ABCMeta.__instancecheck__ (a Python call) every time, for every field of
# every node, and took about 30% of a bare walk.
_IS_NODE: Dict[type, bool] = {}


def _is_node_type(cls: type) -> bool:
    found = _IS_NODE[cls] = issubclass(cls, cst.CSTNode)
    return found


def transform(node: cst.CSTNode, on_visit: Visit, on_leave: Leave):
    """Depth-first, children in field order; `on_leave(original, updated)` returns the keeper."""
    if not on_visit(node):
        return on_leave(node, node)
    changes = None
    for field in _FIELDS.get(type(node)) or _code_fields(type(node)):
        value = getattr(node, field)
        is_node = _IS_NODE.get(type(value))
        if is_node is None:
            is_node = _is_node_type(type(value))
        if is_node:
            new = transform(value, on_visit, on_leave)
            if new is not value:
                if changes is None:
                    changes = {}
                changes[field] = new
        elif isinstance(value, (tuple, list)) and value and (_IS_NODE.get(type(value[0])) or _is_node_type(type(value[0]))):
            items = []
            changed = False
            for item in value:
                new = transform(item, on_visit, on_leave)
                if new is item:
                    items.append(item)
                    continue
                changed = True
                if isinstance(new, cst.FlattenSentinel):
                    items.extend(new.nodes)
                elif new is not cst.RemovalSentinel.REMOVE:
                    items.append(new)
            if changed:
                if changes is None:
                    changes = {}
                changes[field] = tuple(items)
    updated = node.with_changes(**changes) if changes else node
    return on_leave(node, updated)
