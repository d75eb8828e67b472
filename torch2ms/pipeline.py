"""One file's conversion, free of any I/O: parse -> resolve & rewrite -> tidy -> report."""
from __future__ import annotations

from typing import Union

import libcst as cst

from torch2ms import annotate
from torch2ms.context import FileContext
from torch2ms.engine import Engine
from torch2ms.results import ConversionError, FileResult, Flag  # noqa: F401  (re-exported)
from torch2ms.rules import all_rules
from torch2ms.tidy import Tidy

_BOM = b"\xef\xbb\xbf"


def convert_source(source: Union[str, bytes], path: str = "<string>") -> FileResult:
    """Convert one file's text. Bytes in, bytes out (encoding, BOM and newlines kept)."""
    if (b"torch" if isinstance(source, bytes) else "torch") not in source:
        return FileResult(code=source)  # nothing to do: skip the parse entirely
    module = parse(source)
    ctx = FileContext(module)
    tree = module.visit(Engine(ctx, all_rules()))
    tree = tree.visit(Tidy(ctx))
    code, flags = annotate.render(tree, ctx.flags)
    if isinstance(source, bytes):
        out = code.encode(module.encoding)
        if source.startswith(_BOM) and not out.startswith(_BOM):
            out = _BOM + out
        return FileResult(out, flags, ctx.mapped_counts(), out != source)
    return FileResult(code, flags, ctx.mapped_counts(), code != source)


def parse(source: Union[str, bytes]) -> cst.Module:
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise ConversionError(f"syntax error: {exc.message}", exc.raw_line, exc.raw_column) from None
    except (UnicodeDecodeError, LookupError, SyntaxError) as exc:
        raise ConversionError(f"cannot decode: {exc}") from None
