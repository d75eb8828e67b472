"""convert/numbers.py: names that surely hold a number (float(name) is then safe where MindSpore
wants a float), and the many ways a name may hold something else."""
import textwrap

import libcst as cst

from torch2ms.convert.numbers import number_names


def names(source):
    function = cst.parse_module(textwrap.dedent(source)).body[0]
    return number_names(function)


def test_annotations_number_assignments_and_ordered_numeric_parameters():
    assert names("""
        def f(a: int, b: float, c=1, d=2.0, deep=True):
            e = 4 if deep else 2
            g = -e * 2 + 1
            h = 3
            h += 1
            if c > 1 and 0.5 <= d:
                pass
    """) == {"a", "b", "c", "d", "e", "g", "h"}


def test_what_may_hold_something_else_is_no_number():
    assert names("""
        def f(p=1, q=(2, 2), r=None, s=3, x=None):
            for s in range(3):
                pass
            t = x.shape[0]
            u = 2
            u = [u]
            v, w = 1, 2
            y = 1
            def inner():
                y = (1, 1)
            if q > 0 or r > 0:
                pass
            with open(x) as z:
                pass
            z2 = z or 1
    """) == {"y"}


def _calls(function):
    found = []

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node):
            found.append(node)

    function.visit(Calls())
    return found


def test_a_binding_after_the_use_does_not_reach_it_unless_a_loop_brings_it_back():
    function = cst.parse_module(textwrap.dedent("""
        def head(upsampling=1, n=3):
            upsampling = up(upsampling) if upsampling > 1 else keep()
            k = 2
            before(k)
            for _ in range(n):
                first(k)
                k = [k]
    """)).body[0]
    from torch2ms.convert.numbers import NumberNames

    names = NumberNames(function)
    up, keep, before, range_, first = _calls(function)
    assert "upsampling" in names.at(up) and "upsampling" not in names.anywhere()
    assert "k" not in names.at(first)  # the loop's second turn sees k = [k]
    assert "k" in names.at(before) and "n" not in names.at(before)
