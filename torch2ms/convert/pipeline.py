"""One file's conversion, free of any I/O: parse -> resolve & rewrite -> tidy -> annotate -> finish.

The stages (docs/architecture.md): `parse` (libcst), the engine's one walk over the tree
handing each node to the rules in registry order (rules/__init__.py: the core rules, then the
active profile's, then the finishing ones), tidy (dropped statements, imports), annotate
(`# torch2ms:` notes located by one codegen pass), and the profile's text pass.

This module is the top of the conversion stack: the only one in convert/ that knows the
rules and the profiles (they plug in here; everything else in convert/ is machinery they use).
"""
from __future__ import annotations

import ast
import gc
import os
from contextlib import contextmanager
from typing import Collection, Optional, Tuple, Union

import libcst as cst

from torch2ms import profiles, rules
from torch2ms.convert import annotate, guards
from torch2ms.convert.context import FileContext
from torch2ms.convert.engine import Engine
from torch2ms.convert.results import IMPORTED, ConversionError, FileResult
from torch2ms.convert.tidy import Tidy

_BOM = b"\xef\xbb\xbf"
AUTO = "auto"  # the profile is detected from the file (its imports, where it sits)


def convert_source(source: Union[str, bytes], path: str = "<string>", profile: Optional[str] = AUTO,
                   exclude: Collection[type] = (), packages: Collection[str] = (),
                   star: Collection[Tuple[str, str]] = (), exported: Collection[str] = ()) -> FileResult:
    """Convert one file's text. Bytes in, bytes out (encoding, BOM and newlines kept).

    `profile`: a library mode by name ("transformers"), None for none, "auto" (default) to
    detect it. `exclude`: rule classes left out (the rule-example test proves each rule by
    converting without it). `packages`: the top-level packages of the project the file belongs
    to (converting a folder): absolute imports of them stay the project's own. `star`: the torch
    names the file's imports of the project's modules bind (name, qualified name), and
    `exported` the names other modules import from it (both read from the project by the runner).
    """
    if profile in (None, AUTO) and (b"torch" if isinstance(source, bytes) else "torch") not in source:
        check_syntax(source, path)  # nothing to convert, but broken input is still reported
        return FileResult(code=source)
    with _collector_paused():
        return _convert(source, path, profile, exclude, packages, star, exported)


@contextmanager
def _collector_paused():
    """Python's cyclic garbage collector off while one file is converted.

    A conversion allocates hundreds of thousands of tree nodes that all stay alive until
    it ends, and the collector, triggered by allocation counts, walks that growing heap
    again and again for nothing (about a tenth of the tool's time, benchmarks/throughput.py).
    What cycles a conversion leaves are collected when it is switched back on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _convert(source: Union[str, bytes], path: str, profile: Optional[str], exclude: Collection[type],
             packages: Collection[str], star: Collection[Tuple[str, str]], exported: Collection[str]) -> FileResult:
    module = parse(source, path)
    mode = profiles.detect(module, path) if profile == AUTO else profiles.get(profile) if profile else None
    ctx = FileContext(module, module_bases=profiles.module_bases(), own_packages=frozenset(packages),
                      star_names=tuple(star), exported=frozenset(exported),
                      supplied=mode.supplies() if mode is not None else frozenset())
    extra = mode.rules(path, source) if mode is not None else ()
    chosen = [rule for rule in rules.instances(extra) if type(rule) not in exclude]
    tree = Engine(ctx, chosen).run(module)
    tree = Tidy(ctx).run(tree)
    if _imported_by_the_project(path, packages, exported) and not guards.is_script(tree):
        tree = guards.defer_import_time_uses(tree, ctx.kept_imports, ctx.flags)  # it must import without torch
    # the profile's text pass, done while the code is generated where it can be (cheaper)
    retext = mode.codegen_retext(extra) if mode is not None else None
    code, flags = annotate.render(tree, ctx.flags, ctx.kept_imports, retext)
    if mode is not None and retext is None:
        code = mode.finish(code)
    if isinstance(source, bytes):
        out = code.encode(module.encoding)
        if source.startswith(_BOM) and not out.startswith(_BOM):
            out = _BOM + out
        return FileResult(out, flags, ctx.mapped_counts(), out != source, ctx.seen, ctx.rule_hits)
    return FileResult(code, flags, ctx.mapped_counts(), code != source, ctx.seen, ctx.rule_hits)


def _imported_by_the_project(path: str, packages: Collection[str], exported: Collection[str]) -> bool:
    """Is this a module the converted project imports (a package's __init__, a module others
    import: run/exports.py marks it), not a program of its own?"""
    return IMPORTED in exported or (bool(packages) and os.path.basename(path) == "__init__.py")


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
