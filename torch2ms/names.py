"""Small helpers between dotted strings and libcst expressions."""
from __future__ import annotations

from typing import Optional

import libcst as cst


def dotted(node: cst.CSTNode) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain, None for anything else (calls, subscripts, ...)."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def chain_root(node: cst.CSTNode) -> Optional[cst.Name]:
    while isinstance(node, cst.Attribute):
        node = node.value
    return node if isinstance(node, cst.Name) else None


def build(path: str) -> cst.BaseExpression:
    """The expression `a.b.c` for the string "a.b.c"."""
    head, *rest = path.split(".")
    expr: cst.BaseExpression = cst.Name(head)
    for part in rest:
        expr = cst.Attribute(value=expr, attr=cst.Name(part))
    return expr


def import_module_path(node: cst.BaseExpression) -> str:
    """Dotted module path of an import's `module`/`name` expression."""
    path = dotted(node)
    assert path is not None
    return path


def iter_names(node: cst.CSTNode):
    """Every Name node in a subtree (used to forget uses of names a rule removed)."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current
        else:
            stack.extend(current.children)


def in_place_of(old: cst.CSTNode, new: cst.CSTNode) -> cst.CSTNode:
    """`new`, wearing the parentheses `old` had: `(a\\n .f()\\n .to(d))` keeps its brackets."""
    outer_l, outer_r = getattr(old, "lpar", ()), getattr(old, "rpar", ())
    if not outer_l or not hasattr(new, "lpar"):
        return new
    return new.with_changes(lpar=[*outer_l, *new.lpar], rpar=[*new.rpar, *outer_r])
