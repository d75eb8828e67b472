"""Docstrings and comments of a converted transformers file, in MindSpore's words.

    x (`torch.FloatTensor` of shape ...)  ->  x (`mindspore.Tensor` of shape ...)
    dtype `torch.long`                    ->  dtype `mindspore.int64`

Works on tokens, after the tree is rendered, so no node the other passes track changes;
the tool's own `# torch2ms:` notes are left as they are.
"""
from __future__ import annotations

import io
import re
import tokenize
from typing import List, Optional, Tuple, Union

from torch2ms.convert.results import MARK
from torch2ms.knowledge import inventory, record
from torch2ms.knowledge.store import cached

_TENSOR_TYPE = re.compile(r"\btorch\.(?:cuda\.)?(?:[A-Z][a-z]*)?Tensor\b")
_TORCH_NAME = re.compile(r"\btorch\.([a-z][a-z0-9_]*)\b")


@cached  # derived from the records: the user's rules reach it
def _dtype_target(name: str) -> Optional[str]:
    """`long` -> "mindspore.int64": torch dtypes (kind "other") whose MindSpore target is one too."""
    qualname = f"torch.{name}"
    if inventory.torch_kind(qualname) != "other":
        return None
    target = record(qualname).target
    if target is None or not target.path.startswith("mindspore.") or inventory.ms_kind(target.path) != "other":
        return None
    return target.path


def retext(text: str) -> str:
    """torch tensor types and dtypes named in a docstring or comment, in MindSpore's words."""
    text = _TENSOR_TYPE.sub("mindspore.Tensor", text)
    return _TORCH_NAME.sub(lambda m: _dtype_target(m.group(1)) or m.group(0), text)


def retext_comment(text: str) -> str:
    """One comment, as retext_code retexts it: our own `# torch2ms:` notes are left alone."""
    if "torch" not in text:
        return text
    head, mark, tail = text.partition(MARK)
    return retext(head) + mark + tail


def retext_docstring(text: str) -> str:
    """One docstring (a string alone on its statement line), as retext_code retexts it."""
    return retext(text) if "torch" in text else text


def codegen_retext(source: Union[str, bytes, None]):
    """(retext_comment, retext_docstring) for annotate.render to apply as it generates the code,
    or None where retext_code must tokenize the finished code instead.

    Tokenizing the whole output again cost about a tenth of the tool's time. The codegen knows
    where the comments and docstrings are: each comment is a Comment node (one token, the text
    tokenize reads as a COMMENT), and a STRING token that starts a logical line and ends it
    (what retext_code retexts) is a line holding just one string, no brackets, no semicolon.
    Retexting before the notes are added gives the same lines: a note goes after the comment's
    text, and retext changes no quote, backslash or line break. tests/test_retext_paths.py
    holds both paths to the same bytes. Not with a carriage return in the file: tokenize, fed
    lines that only "\n" ends, reads a lone "\r" its own way. Code written for a newer Python
    than this one (PEP 701 f-strings, say) is read as libcst read it, from the tree: this
    Python's tokenize would misread it.
    """
    if source is None or (b"\r" if isinstance(source, bytes) else "\r") in source:
        return None
    return retext_comment, retext_docstring


_STATEMENT_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


def retext_code(code: str) -> str:
    """Docstrings (string statements) and comments of finished code, retexted; the rest untouched."""
    if "torch" not in code:
        return code
    # The tokens are taken one at a time (with one of lookahead), not listed first: a list of
    # all the tokens of a big file keeps a hundred thousand objects alive for nothing.
    tokens = tokenize.generate_tokens(io.StringIO(code).readline)
    lines = io.StringIO(code).readlines()  # the lines tokenize sees ("\n" ends one)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits: List[Tuple[int, int, str]] = []
    previous = tokenize.NEWLINE
    try:
        token = next(tokens, None)
        while token is not None:
            following_token = next(tokens, None)
            new = None
            if token.type == tokenize.COMMENT and "torch" in token.string:
                head, mark, tail = token.string.partition(MARK)
                new = retext(head) + mark + tail
            elif token.type == tokenize.STRING and "torch" in token.string and previous in _STATEMENT_START:
                following = following_token.type if following_token is not None else tokenize.ENDMARKER
                if following in (tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.COMMENT):
                    new = retext(token.string)
            if new is not None and new != token.string:
                start = starts[token.start[0] - 1] + token.start[1]
                end = starts[token.end[0] - 1] + token.end[1]
                edits.append((start, end, new))
            if token.type not in (tokenize.NL, tokenize.COMMENT):
                previous = token.type
            token = following_token
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code  # as before: code tokenize cannot read is left as it is
    for start, end, new in reversed(edits):
        code = code[:start] + new + code[end:]
    return code
