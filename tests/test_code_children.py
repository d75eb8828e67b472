"""cstutil.code_children reads node fields directly: it must give what libcst's `children`
gives, without the layout nodes, in the same (source) order, for every kind of node."""
import glob
import os
import textwrap

import libcst as cst
import pytest

from torch2ms.convert.cstutil import code_children, iter_names, walk_code

# Every statement and expression form we could think of, including the ones whose fields are
# declared in another order than their source (decorators, keywords, if-expressions, except
# clauses, match cases, positional-only parameters).
EVERY_FORM = textwrap.dedent('''
    from __future__ import annotations
    import a.b as c, d
    from .e import (f as g, h)
    from . import *
    @deco(1, k=2)
    @other
    async def fn[T](p, /, q: int = 1, *args, r, s=2, **kw) -> T:
        global G
        nonlocal_ = lambda x, *y, z=1, **w: x if y else z
        async with ctx() as (u, v), other as w:
            async for i, *rest in aiter():
                await i
        try:
            pass
        except (E1, E2) as err:
            raise X from err
        else:
            del a[1:2:3], b.c
        finally:
            assert p, "msg"
        try:
            pass
        except* E3 as grp:
            pass
        match q:
            case [1, *others] if others:
                pass
            case {"k": v, **rest}:
                pass
            case Point(x=0, y=yy) | None:
                pass
            case _:
                pass
        x: list[int] = [i for i in range(3) if i for j in ()]
        y = {k: v for k, v in {}.items()}, {e for e in ()}, (g for g in ())
        z = f"{x!r:>{width}} {y}" "more" 'and more'
        w = not a and b or c < d <= e is not f in g
        w += -x ** 2 @ y // 3 % 4 << 1 | 2 & 3 ^ 4
        yield from (yield w)
        return (p := q)[::2], ..., *args, {**kw}
    class K(Base, metaclass=Meta, **opts):
        """doc"""
        attr: int
        def m(self): return super().m()
    while True:
        break
    else:
        print(sep="", *[1], **{})
    type Alias = int
''')


def _layout_free(node):
    expected_ids = {id(child) for child in code_children(node)}
    return [child for child in node.children if id(child) in expected_ids]


def _trees():
    yield cst.parse_module(EVERY_FORM)
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for path in sorted(glob.glob(os.path.join(here, "torch2ms", "**", "*.py"), recursive=True))[::4]:
        with open(path, encoding="utf-8") as f:
            yield cst.parse_module(f.read())


@pytest.mark.parametrize("tree", list(_trees()), ids=lambda t: f"{len(t.code)}")
def test_code_children_are_childrens_code_nodes_in_source_order(tree):
    for node in walk_code(tree):
        fast = code_children(node)
        assert fast == _layout_free(node), type(node).__name__
        # nothing that holds code is missed: every child left out is layout (no Name under it)
        left_out = [c for c in node.children if all(c is not f for f in fast)]
        assert not [n for c in left_out for n in _all_names(c)], type(node).__name__


def test_the_forms_cover_every_class_declared_out_of_order():
    from torch2ms.convert.cstutil import _SOURCE_ORDER
    kinds = {type(node) for node in walk_code(cst.parse_module(EVERY_FORM))}
    assert set(_SOURCE_ORDER) <= kinds


def _all_names(node):
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            yield current
        stack.extend(current.children)


def test_iter_names_finds_every_name_once():
    tree = cst.parse_module(EVERY_FORM)
    assert sorted(id(n) for n in iter_names(tree)) == sorted(id(n) for n in _all_names(tree))
