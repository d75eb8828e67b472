"""einops patterns, planned at conversion time as reshape / permute / broadcast / reduce steps.

`rearrange(x, "b (h d) n -> b h n d", h=8)` is, by einops' own semantics: split the input's
composite axes into elementary ones (a reshape), reorder them (a permute), insert the new axes
of `repeat` (size 1, then broadcast), reduce the axes `reduce` drops, and merge the output's
composite axes (a reshape). `plan()` turns a literal pattern and the literal axis sizes into
those steps, as Python source over a placeholder name `X` (the tensor) and `mint` functions;
sizes not given are read from `X.shape`, and an ellipsis's dimensions from `X.ndim` (merged on
the output side, `b h (...) d`: `math.prod` of them; reduced by a reduce whose output has no
ellipsis). What it cannot express exactly (an ellipsis in an input group, two unknown sizes in
one group, anonymous sizes other than 1) raises PatternError with the reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

_AXIS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|1|\(|\)|\.\.\.|\S")
REDUCTIONS = {"mean": "mean", "sum": "sum", "max": "amax", "min": "amin", "prod": "prod"}


class PatternError(ValueError):
    pass


Group = List[str]  # the elementary axes of one input/output dimension ("1": a unit axis)


def parse_side(text: str, output: bool = False) -> List[Group]:
    """The groups of one side. An ellipsis inside brackets is einops' merge of the dimensions it stands
    for, allowed on the output side only (`output`); `(...)` alone is read as `(... 1)` (the same axis:
    a unit axis changes no size), so that it stays a group to merge, not a bare ellipsis."""
    groups: List[Group] = []
    current: Optional[Group] = None
    for token in _AXIS.findall(text):
        if token == "(":
            if current is not None:
                raise PatternError("nested brackets")
            current = []
        elif token == ")":
            if current is None:
                raise PatternError("unbalanced brackets")
            groups.append(current + ["1"] if current == [ELLIPSIS] else current)
            current = None
        elif token == ELLIPSIS and current is not None and not output:
            raise PatternError("an ellipsis (...) inside brackets")
        elif token == "1" or token == ELLIPSIS or token.isidentifier():
            if current is not None:
                current.append(token)
            else:
                groups.append([token])
        else:
            raise PatternError(f"{token!r} in the pattern")
    if current is not None:
        raise PatternError("unbalanced brackets")
    return groups


def _elementary(groups: Sequence[Group]) -> List[str]:
    return [axis for group in groups for axis in group if axis != "1"]


@dataclass
class Plan:
    code: str  # Python source over `X` and `mint`
    reads_shape: bool  # does it read X.shape (then X is evaluated more than once)


def plan(kind: str, pattern: str, sizes: Dict[str, str], reduction: Optional[str] = None) -> Plan:
    """kind: rearrange | repeat | reduce; sizes: axis -> Python source of its size."""
    if pattern.count("->") != 1:
        raise PatternError("no '->' in the pattern")
    left_text, right_text = pattern.split("->")
    left, right = parse_side(left_text), parse_side(right_text, output=True)
    inputs, outputs = _elementary(left), _elementary(right)
    if len(set(inputs)) != len(inputs) or len(set(outputs)) != len(outputs):
        raise PatternError("an axis named twice on one side")
    reduced_ellipsis = kind == "reduce" and ELLIPSIS in inputs and ELLIPSIS not in outputs
    if (ELLIPSIS in inputs) != (ELLIPSIS in outputs) and not reduced_ellipsis:
        raise PatternError("an ellipsis (...) on one side only")
    new = [a for a in outputs if a not in inputs]
    dropped = [a for a in inputs if a not in outputs]
    if kind == "rearrange" and (new or dropped):
        raise PatternError("rearrange with axes on one side only")
    if kind == "repeat" and dropped:
        raise PatternError("repeat that drops axes")
    if kind == "reduce" and new:
        raise PatternError("reduce that adds axes")
    if kind == "reduce" and reduction not in REDUCTIONS:
        raise PatternError(f"the reduction {reduction!r}")
    for axis in new:
        if axis not in sizes:
            raise PatternError(f"the size of the new axis {axis!r} is not given")
    ellipsis = _Ellipsis(left)
    if reduced_ellipsis:
        # `reduce(x, "b ... s -> b s")` reduces every dimension the ellipsis stands for: merged first into
        # one axis (size 1 when it stands for none, so that nothing is reduced then, as in einops), reduced.
        left = [[_MERGED] if g == [ELLIPSIS] else g for g in left]
        inputs = _elementary(left)
        dropped = [a for a in inputs if a not in outputs]
        sizes = dict(sizes, **{_MERGED: ellipsis.product()})

    # sizes of the input's elementary axes, as Python source (the ellipsis: a starred slice)
    size: Dict[str, str] = {}
    for index, group in enumerate(left):
        axes = [a for a in group if a != "1"]
        whole = ellipsis.dim(index)
        unknown = [a for a in axes if a not in sizes]
        if axes == [ELLIPSIS]:
            size[ELLIPSIS] = ellipsis.shape()
        elif len(axes) == 1 and not unknown:
            size[axes[0]] = sizes[axes[0]]
        elif len(axes) == 1:
            size[axes[0]] = whole
        else:
            if len(unknown) > 1:
                raise PatternError(f"two unknown sizes in the group ({' '.join(group)})")
            for axis in axes:
                if axis in sizes:
                    size[axis] = sizes[axis]
            if unknown:
                factors = [_bracket(sizes[a]) for a in axes if a in sizes]
                known = factors[0] if len(factors) == 1 else f"({' * '.join(factors)})"
                size[unknown[0]] = f"({whole} // {known})"
    for axis in new:
        size[axis] = sizes[axis]
    code = "X"

    # 1. split the composite input axes (and drop unit axes)
    if reduced_ellipsis or any(len(g) != 1 or g == ["1"] for g in left):
        code = f"{code}.reshape({_tuple(size[a] for a in inputs)})"
    current = list(inputs)

    # 2. reduce the dropped axes
    if dropped:
        dims = [ellipsis.positions(current, a) for a in dropped]
        code = f"mint.{REDUCTIONS[reduction]}({code}, dim={_tuple(dims)})"
        current = [a for a in current if a not in dropped]

    # 3. order the axes as the output wants them (the new ones go where they will be)
    kept_order = [a for a in outputs if a in current]
    if kept_order != current:
        code = f"{code}.permute({', '.join(ellipsis.positions(current, a) for a in kept_order)})"
        current = kept_order

    # 4. new axes (repeat): size 1 in place, then broadcast
    if new:
        unit = [size[a] if a not in new else "1" for a in outputs]
        code = f"{code}.reshape({_tuple(unit)})"
        spread = [sizes[a] if a in new else ellipsis.keep() if a == ELLIPSIS else "-1" for a in outputs]
        code = f"mint.broadcast_to({code}, {_tuple(spread)})"
        current = list(outputs)

    # 5. merge the composite output axes (and add unit axes)
    if any(len(g) != 1 or g == ["1"] for g in right):
        merged = []
        for group in right:
            axes = [a for a in group if a != "1"]
            if group == [ELLIPSIS]:
                merged.append(size[ELLIPSIS])
            else:  # the ellipsis in a group merges its dimensions: their product
                merged.append(" * ".join(ellipsis.product() if a == ELLIPSIS else _bracket(size[a]) for a in axes)
                              if axes else "1")
        code = f"{code}.reshape({_tuple(merged)})"
    return Plan(code, len(re.findall(r"\bX\b", code)) > 1)


ELLIPSIS = "..."
_MERGED = "_ellipsis"  # the reduced ellipsis as one axis (einops refuses axis names starting with "_")


class _Ellipsis:
    """Where the input's ellipsis sits: its dimensions are known only when running, so the
    axes after it are counted from the end and its own span is read from `X.ndim`."""

    def __init__(self, left: Sequence[Group]) -> None:
        self.groups = len(left)
        self.at = next((i for i, g in enumerate(left) if g == [ELLIPSIS]), None)

    def dim(self, index: int) -> str:
        """The size of the input's dimension for group `index`."""
        if self.at is None or index < self.at:
            return f"X.shape[{index}]"
        return f"X.shape[{index - self.groups}]"

    def shape(self) -> str:
        after = self.groups - 1 - self.at
        if not self.at and not after:
            return "*X.shape"
        return f"*X.shape[{self.at or ''}:{-after if after else ''}]"

    def product(self) -> str:
        """The size of its dimensions merged into one (1 when it stands for none, as in einops)."""
        after = self.groups - 1 - self.at
        if not self.at and not after:
            return "math.prod(X.shape)"
        return f"math.prod(X.shape[{self.at or ''}:{-after if after else ''}])"

    def span(self) -> str:
        """How many dimensions the ellipsis stands for."""
        return f"(X.ndim - {self.groups - 1})" if self.groups > 1 else "X.ndim"

    def keep(self) -> str:
        return f"*((-1,) * {self.span()})"

    def positions(self, current: Sequence[str], axis: str) -> str:
        """The dimension(s) of `axis` in a tensor whose elementary axes are `current`."""
        index = current.index(axis)
        if ELLIPSIS not in current:
            return str(index)
        if axis == ELLIPSIS:
            fixed = self.groups - 1 - index  # X.ndim - fixed: where the ellipsis ends
            end = f"X.ndim - {fixed}" if fixed > 0 else f"X.ndim + {-fixed}" if fixed else "X.ndim"
            return f"*range({index}, {end})"
        return str(index) if index < current.index(ELLIPSIS) else str(index - len(current))


_ATOM = re.compile(r"^[\w.]+(\[-?\d+\])?$|^\(.*\)$")


def _bracket(text: str) -> str:
    """The size as an operand of `*` (a name, a number, `X.shape[1]`, or already bracketed)."""
    return text if _ATOM.match(text) else f"({text})"


def _tuple(items) -> str:
    items = list(items)
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def flatten_span(pattern: str) -> Optional[Tuple[int, int]]:
    """(start, end) when the pattern only merges consecutive axes, in order, into one
    (`b c h w -> b (c h w)`): what mint.nn.Flatten(start, end) does; None otherwise."""
    try:
        left_text, right_text = pattern.split("->")
        left, right = parse_side(left_text), parse_side(right_text)
    except (ValueError, PatternError):
        return None
    if any(len(g) != 1 or g == ["1"] for g in left) or _elementary(left) != _elementary(right):
        return None
    if ELLIPSIS in _elementary(left):
        return None
    merged = [i for i, g in enumerate(right) if len(g) > 1]
    if len(merged) != 1 or any(g == ["1"] or not g for g in right):
        return None
    start = merged[0]
    return start, start + len(right[start]) - 1


_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def einsum_equation(pattern: str, operands: int) -> str:
    """einops.einsum's pattern (`"b n d, n d -> b n"`: named axes) as torch's / mint's equation
    (`"bnd,nd->bn"`: one letter an axis, in the order the names first appear)."""
    if pattern.count("->") != 1:
        raise PatternError("no '->' in the pattern")
    left_text, right_text = pattern.split("->")
    inputs = left_text.split(",")
    if len(inputs) != operands:
        raise PatternError(f"{len(inputs)} inputs in the pattern for {operands} tensors")
    letters: Dict[str, str] = {}

    def term(text: str) -> str:
        out = []
        for group in parse_side(text):
            if len(group) != 1 or group == ["1"]:
                raise PatternError("brackets or anonymous axes in an einsum pattern")
            axis = group[0]
            if axis != ELLIPSIS and axis not in letters:
                if len(letters) == len(_LETTERS):
                    raise PatternError("more than 52 axes")
                letters[axis] = _LETTERS[len(letters)]
            out.append(axis if axis == ELLIPSIS else letters[axis])
        return "".join(out)

    left = ",".join(term(t) for t in inputs)
    right_axes = [g[0] for g in parse_side(right_text) if len(g) == 1]
    if any(a != ELLIPSIS and a not in letters for a in right_axes):
        raise PatternError("an output axis that no input has")
    return f"{left}->{term(right_text)}"


def pack_axes(pattern: str) -> Tuple[int, int]:
    """(axes before, axes after) the `*` of a pack/unpack pattern (`"b * d"`: (1, 1))."""
    tokens = pattern.split()
    if tokens.count("*") != 1 or not all(t == "*" or t.isidentifier() for t in tokens):
        raise PatternError("a pack pattern other than named axes around one *")
    if len(set(tokens)) != len(tokens):
        raise PatternError("an axis named twice")
    before = tokens.index("*")
    return before, len(tokens) - 1 - before


def pack_code(tensors: int, pattern: str) -> str:
    """einops.pack of `tensors` tensors X0, X1, ... as Python source: each tensor's axes at
    the `*` merged into one (their sizes, the packed shapes, kept), then concatenated there."""
    before, after = pack_axes(pattern)
    pieces, shapes = [], []
    for i in range(tensors):
        t = f"X{i}"
        star = f"{t}.shape[{before or ''}:{-after if after else ''}]" if before or after else f"{t}.shape"
        head = f"*{t}.shape[:{before}], " if before else ""
        tail = f", *{t}.shape[{-after}:]" if after else ""
        merged = f"({head}math.prod({star}){tail}{'' if head or tail else ','})"
        pieces.append(f"{t}.reshape({merged})")
        shapes.append(star)
    return f"(mint.cat({_tuple(pieces)}, dim={before}), [{', '.join(shapes)}])"


def unpack_code(pattern: str, piece: str, shape: str) -> str:
    """einops.unpack of X (packed) with the packed shapes S as Python source: X split at the `*`
    into the sizes of the shapes, each piece reshaped to its shape (`piece`, `shape`: free names)."""
    before, after = pack_axes(pattern)
    head = f"*X.shape[:{before}], " if before else ""
    tail = f", *X.shape[{before + 1}:]" if after else ""
    target = f"({head}*{shape}{tail}{'' if head or tail else ','})"
    sizes = f"[math.prod({shape}) for {shape} in S]"
    return f"[{piece}.reshape({target}) for {piece}, {shape} in zip(mint.split(X, {sizes}, dim={before}), S)]"
