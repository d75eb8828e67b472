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
from typing import List, Optional, Tuple

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


_STATEMENT_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


def retext_code(code: str) -> str:
    """Docstrings (string statements) and comments of finished code, retexted; the rest untouched."""
    if "torch" not in code:
        return code
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code
    lines = io.StringIO(code).readlines()  # the lines tokenize sees ("\n" ends one)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits: List[Tuple[int, int, str]] = []
    previous = tokenize.NEWLINE
    for index, token in enumerate(tokens):
        new = None
        if token.type == tokenize.COMMENT and "torch" in token.string:
            head, mark, tail = token.string.partition(MARK)
            new = retext(head) + mark + tail
        elif token.type == tokenize.STRING and "torch" in token.string and previous in _STATEMENT_START:
            following = tokens[index + 1].type if index + 1 < len(tokens) else tokenize.ENDMARKER
            if following in (tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.COMMENT):
                new = retext(token.string)
        if new is not None and new != token.string:
            start = starts[token.start[0] - 1] + token.start[1]
            end = starts[token.end[0] - 1] + token.end[1]
            edits.append((start, end, new))
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.type
    for start, end, new in reversed(edits):
        code = code[:start] + new + code[end:]
    return code
