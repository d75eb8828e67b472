"""Where the tool's time goes on the transformers corpus: a profile, summed per module.

    python benchmarks/profile_convert.py [--limit N] [--top 25]

Converts the modeling files (as benchmarks/throughput.py does) under cProfile and prints each
module's own time (tottime summed over its functions; builtins and the standard library are charged
to their callers, one level up), then the same grouped: libcst's parser and code generation are what
a bare round-trip also pays, the visitor machinery and torch2ms's modules are the tool's extra.
cProfile's overhead inflates code with many small calls (libcst's codegen most), so read the
shares, not the seconds, and measure the tool/bare ratio with throughput.py.
"""
from __future__ import annotations

import argparse
import cProfile
import collections
import pathlib
import pstats
import sys

import libcst

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # this checkout's torch2ms, throughput.py

from throughput import corpus_files  # noqa: E402
from torch2ms.convert import convert_source  # noqa: E402


_FOREIGN = ("builtins/other", "python stdlib/other")


def _module_of(filename: str) -> str:
    path = pathlib.Path(filename)
    parts = path.parts
    for top in ("torch2ms", "libcst"):
        if top in parts:
            i = len(parts) - 1 - parts[::-1].index(top)
            return "/".join(parts[i:]).removesuffix(".py")
    return "builtins/other" if filename.startswith("~") or filename.startswith("<") else "python stdlib/other"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()
    files = corpus_files()[: args.limit or None]
    sources = [(str(p), p.read_bytes()) for p in files]
    bare = cProfile.Profile()
    bare.enable()
    for _path, source in sources:
        libcst.parse_module(source).bytes
    bare.disable()
    bare_total = sum(row[2] for row in pstats.Stats(bare).stats.values())
    profiler = cProfile.Profile()
    profiler.enable()
    for path, source in sources:
        convert_source(source, path)
    profiler.disable()
    stats = pstats.Stats(profiler)
    own = collections.Counter()
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, callers) in stats.stats.items():
        module = _module_of(filename)
        if module in _FOREIGN and callers:
            # A builtin's or the stdlib's time is charged to the module that called it (one level
            # up): libcst's native parser to libcst's entry point, isinstance to the rule.
            for (caller_file, _l, _n), (_c, _k, caller_tt, _t) in callers.items():
                own[_module_of(caller_file)] += caller_tt
        else:
            own[module] += tottime
    total = sum(own.values())
    print(f"{len(sources)} files: tool {total:.1f} s, bare round-trip {bare_total:.1f} s profiled "
          f"(cProfile's overhead included in both)\n")
    print(f"{'module':60} {'own s':>8} {'share':>7}")
    for module, seconds in own.most_common(args.top):
        print(f"{module:60} {seconds:8.2f} {100 * seconds / total:6.1f}%")
    groups = collections.Counter()
    for module, seconds in own.items():
        if module.startswith("libcst/_parser"):
            groups["libcst parser (a bare round-trip pays it)"] += seconds
        elif module.startswith("libcst"):
            groups["libcst nodes, visitors, codegen"] += seconds
        elif module.startswith("torch2ms/rules") or module.startswith("torch2ms/profiles"):
            groups["torch2ms rules and profiles"] += seconds
        elif module.startswith("torch2ms"):
            groups["torch2ms pipeline (convert/, knowledge/)"] += seconds
        else:
            groups["python builtins and stdlib"] += seconds
    print()
    for group, seconds in groups.most_common():
        print(f"{group:60} {seconds:8.2f} {100 * seconds / total:6.1f}%")


if __name__ == "__main__":
    main()
