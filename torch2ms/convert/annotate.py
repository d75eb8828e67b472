"""Code generation that also tells where each flagged node landed, and the in-place notes.

Positions come from one codegen pass that remembers the token index of just the flagged
nodes (no metadata wrapper, no second walk), so flags cost nothing when there are none.
"""
from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst._nodes.internal import CodegenState

from torch2ms.convert import guards
from torch2ms.convert.context import PendingFlag
from torch2ms.convert.results import MARK, Flag, Reason

_PHRASES = {
    Reason.NOT_IN_TABLES: "{api} is not in the tables",
    Reason.NO_COUNTERPART: "{api} has no MindSpore counterpart",
    Reason.MANUAL: "{api} needs a manual rewrite",
}


class _MarkingState(CodegenState):
    def __init__(self, module: cst.Module, wanted: Dict[int, List[PendingFlag]], texts: bool = False) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.wanted = wanted
        self.marks: List[Tuple[int, PendingFlag]] = []
        # With `texts`, also where each comment and each docstring (a string alone on its
        # statement line) lands: (first token index, token count, is a comment).
        self.texts: Optional[List[Tuple[int, int, bool]]] = [] if texts else None
        self._docstring: Optional[cst.CSTNode] = None  # the statement string generated next

    def before_codegen(self, node: cst.CSTNode) -> None:
        # called for every node of the file: kept to a few cheap tests
        if self.wanted and id(node) in self.wanted:
            for pending in self.wanted[id(node)]:
                self.marks.append((len(self.tokens), pending))
        if self.texts is not None:
            cls = type(node)
            if cls is _COMMENT:
                self.texts.append((len(self.tokens), 1, True))
            elif cls is _LINE:
                self._docstring = _docstring_of(node)
            elif node is self._docstring:  # right after its line's leading lines and indent
                self._docstring = None
                count = 1 if cls is cst.SimpleString else _token_count(node)
                self.texts.append((len(self.tokens), count, False))


_COMMENT, _LINE = cst.Comment, cst.SimpleStatementLine
# (for comments, for docstrings): functions that rewrite the text of each as it is generated
Retext = Tuple[Callable[[str], str], Callable[[str], str]]


def _docstring_of(line: cst.SimpleStatementLine) -> Optional[cst.CSTNode]:
    """The string of a line that holds just a string: the one token of its logical line
    (`"a" "b"`, `("a")`, `"a";` and f-strings split differently are not)."""
    if len(line.body) != 1 or type(line.body[0]) is not cst.Expr or isinstance(line.body[0].semicolon, cst.Semicolon):
        return None
    value = line.body[0].value
    if type(value) not in (cst.SimpleString, cst.FormattedString) or value.lpar:
        return None
    return value


def _token_count(node: cst.CSTNode) -> int:
    scratch = CodegenState(default_indent="", default_newline="\n")
    node._codegen(scratch)
    return len(scratch.tokens)


def render(module: cst.Module, pending: List[PendingFlag],
           kept: Sequence[Tuple[cst.CSTNode, List[str]]] = (), retext: Optional[Retext] = None) -> Tuple[str, List[Flag]]:
    """The module's code with a `# torch2ms:` note on each flagged line, and the flags; each
    guarded import in `kept` (node, names it binds) gets a note naming the lines that use it.

    `retext`: (for comments, for docstrings), functions that rewrite the text of each comment
    and each docstring as the code is generated (a profile's words; the notes added after stay
    as they are); the flags' positions are those of the code before, which has the same lines.
    """
    if not pending and not kept and retext is None:
        return module.code, []
    wanted: Dict[int, List[PendingFlag]] = {}
    for item in pending:
        wanted.setdefault(id(item.node), []).append(item)
    imports = [PendingFlag(node, "", Reason.MANUAL, None) for node, _ in kept]
    for item in imports:
        wanted.setdefault(id(item.node), []).append(item)
    # the names a kept import binds, where the code reads them: their lines go in its note
    readers = {}
    if kept:
        for name in guards.reads(module, {n for _, names in kept for n in names}):
            readers[id(name)] = PendingFlag(name, "", Reason.MANUAL, None)
            wanted.setdefault(id(name), []).append(readers[id(name)])
    state = _MarkingState(module, wanted, texts=retext is not None)
    module._codegen(state)
    tokens = state.tokens
    marks = sorted(state.marks, key=lambda m: m[0])
    if readers:  # a mark is where the node starts: a name's own token comes after its brackets
        mine = {id(p) for p in readers.values()}
        marks = sorted(((_own_token(tokens, index, pending.node.value) if id(pending) in mine else index,
                         pending) for index, pending in marks), key=lambda m: m[0])
    located = _locate(tokens, marks)
    by_pending = {id(p): f for (_, p), f in zip(marks, located)}
    read_on: Dict[str, set] = {}
    for (_, pending), flag in zip(marks, located):
        if readers.get(id(pending.node)) is pending:
            read_on.setdefault(pending.node.value, set()).add(flag.line)
    flags = _most_specific([f for f in located if f.api])
    if retext is not None:
        for index, count, is_comment in state.texts:
            old = tokens[index] if count == 1 else "".join(tokens[index:index + count])
            new = retext[0 if is_comment else 1](old)
            if new != old:  # one token for the new text, empty ones keep the indices of the rest
                tokens[index:index + count] = [new] + [""] * (count - 1)
    code = "".join(tokens)
    extra: Dict[int, List[str]] = {}
    for item, (_, names) in zip(imports, kept):
        where = by_pending.get(id(item))
        lines = sorted(set().union(*(read_on.get(n, ()) for n in names))) if where is not None else []
        if lines:
            extra.setdefault(where.line, []).append(guards.note_text(names, lines, None))
    return _annotate(code, flags, extra), flags


def _own_token(tokens: List[str], index: int, text: str) -> int:
    while index < len(tokens) and tokens[index] != text:
        index += 1  # "(" and whitespace: never a name
    return index


def _most_specific(flags: List[Flag]) -> List[Flag]:
    """One flag per API and line: a rule's reasoned flag beats the generic "not in the tables"."""
    best: Dict[Tuple[int, str], Flag] = {}
    for flag in flags:
        key = (flag.line, flag.api)
        kept = best.get(key)
        if kept is None or (kept.reason == Reason.NOT_IN_TABLES and flag.reason != Reason.NOT_IN_TABLES):
            best[key] = flag
    return [f for f in flags if best[(f.line, f.api)] is f]


def _locate(tokens: List[str], marks: List[Tuple[int, PendingFlag]]) -> List[Flag]:
    flags: List[Flag] = []
    line, column, done = 1, 0, 0
    for index, pending in sorted(marks, key=lambda m: m[0]):
        for token in tokens[done:index]:
            newlines = token.count("\n")
            if newlines:
                line += newlines
                column = len(token) - token.rfind("\n") - 1
            else:
                column += len(token)
        done = index
        flags.append(Flag(line, column, pending.api, pending.reason, pending.hint))
    return flags


def note(flags: List[Flag], extra: Sequence[str] = ()) -> str:
    parts: List[str] = []
    for flag in flags:
        text = _PHRASES[flag.reason].format(api=flag.api)
        if flag.hint:
            text += f" (hint: {flag.hint})"
        if text not in parts:
            parts.append(text)
    parts += [text for text in extra if text not in parts]
    return f"{MARK} " + "; ".join(parts)


def _annotate(code: str, flags: List[Flag], extra: Dict[int, List[str]]) -> str:
    by_line: Dict[int, List[Flag]] = {line: [] for line in extra}
    for flag in flags:
        by_line.setdefault(flag.line, []).append(flag)
    lines = code.splitlines(keepends=True)
    for number, line_flags in by_line.items():
        index = number - 1
        if index >= len(lines):
            continue
        text = lines[index]
        body = text.rstrip("\r\n")
        ending = text[len(body):]
        if body.rstrip().endswith("\\") or '"""' in body or "'''" in body:
            continue  # a note here could land inside a string or break a continuation
        code_part, old_note = _split_note(body)
        text = note(line_flags, extra.get(number, ()))
        if old_note is None:
            lines[index] = f"{code_part.rstrip()}  {text}{ending}"
            continue
        # Converting converted code: keep the old note, add only what it does not say yet.
        added = [part for part in text[len(MARK) + 1:].split("; ") if part not in old_note]
        merged = old_note if not added else f"{old_note}; {'; '.join(added)}"
        lines[index] = f"{code_part.rstrip()}  {merged}{ending}"
    return "".join(lines)


def _split_note(body: str):
    """(code, our note) of a line; the note is the last MARK outside a string literal."""
    at = body.rfind(MARK)
    while at != -1:
        prefix = body[:at]
        if prefix.count('"') % 2 == 0 and prefix.count("'") % 2 == 0:
            return prefix, body[at:]
        at = body.rfind(MARK, 0, at)
    return body, None
