"""One file's conversion, free of any I/O: parse -> resolve & rewrite -> tidy -> report."""
from __future__ import annotations

import ast
from typing import Optional, Union

import libcst as cst

from torch2ms.convert import annotate
from torch2ms.convert.context import FileContext
from torch2ms.convert.engine import Engine
from torch2ms.convert.results import ConversionError, FileResult, Flag  # noqa: F401  (re-exported)
from torch2ms.profiles.transformers import imports as hf_imports
from torch2ms.rules import all_rules
from torch2ms.convert.tidy import Tidy

_BOM = b"\xef\xbb\xbf"


def convert_source(source: Union[str, bytes], path: str = "<string>", hf: Optional[bool] = None) -> FileResult:
    """Convert one file's text. Bytes in, bytes out (encoding, BOM and newlines kept).

    `hf`: HF mode (a transformers modeling file becomes a mindone.transformers one,
    docs/hf-mode.md); None turns it on when the file imports transformers internals.
    """
    if not hf and (b"torch" if isinstance(source, bytes) else "torch") not in source:
        check_syntax(source, path)  # nothing to convert, but broken input is still reported
        return FileResult(code=source)
    module = parse(source, path)
    ctx = FileContext(module)
    if hf is None:
        hf = hf_imports.wants_hf(module, path)
    rules = all_rules(extra=hf_imports.hf_rules(path, source) if hf else [])
    tree = Engine(ctx, rules).run(module)
    tree = Tidy(ctx).run(tree)
    code, flags = annotate.render(tree, ctx.flags)
    if hf:
        code = hf_imports.retext_code(code)
    if isinstance(source, bytes):
        out = code.encode(module.encoding)
        if source.startswith(_BOM) and not out.startswith(_BOM):
            out = _BOM + out
        return FileResult(out, flags, ctx.mapped_counts(), out != source, ctx.seen, ctx.rule_hits)
    return FileResult(code, flags, ctx.mapped_counts(), code != source, ctx.seen, ctx.rule_hits)


def parse(source: Union[str, bytes], path: str = "<string>") -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        check_syntax(source, path)  # CPython's own message and line are the more precise
        raise ConversionError(f"syntax error: {exc.message}", exc.raw_line, exc.raw_column) from None
    except (UnicodeDecodeError, LookupError, SyntaxError) as exc:
        raise ConversionError(f"cannot decode: {exc}") from None


def check_syntax(source: Union[str, bytes], path: str) -> None:
    try:
        compile(source, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        raise ConversionError(f"syntax error: {exc.msg}", exc.lineno, exc.offset) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConversionError(f"cannot decode: {exc}") from None
