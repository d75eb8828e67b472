"""Convert every modeling_*.py of the installed transformers and print the figures.

    python benchmarks/corpus.py [--limit N] [--show-errors]
    python benchmarks/corpus.py --outputs DIR   # outputs saved by scripts/same_outputs.py --save DIR

With --outputs the figures are those of outputs saved earlier (by another version of the tool,
say) and nothing is converted: the same counting, so two versions compare line for line
(mapped references, argument-rule hits and the wall time need a conversion: not printed).

Figures: files converted without error, outputs that parse, torch references left
per 1,000 lines (flags, and `torch` name tokens counted in the output's code), flagged
sites, the most frequent flagged APIs, wall time.
"""
from __future__ import annotations

import argparse
import io
import pathlib
import time
import tokenize
from collections import Counter

import libcst as cst

import sys
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's torch2ms, not an installed one

from torch2ms.convert.pipeline import ConversionError, convert_source


def corpus_files():
    import transformers

    root = pathlib.Path(transformers.__file__).parent / "models"
    return sorted(root.glob("*/modeling_*.py"))


def torch_tokens(code: str) -> int:
    """NAME tokens `torch` in code (not in strings or comments)."""
    count = 0
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.NAME and token.string == "torch":
            count += 1
    return count


def saved_outputs(folder: pathlib.Path) -> None:
    """The figures of outputs saved by scripts/same_outputs.py --save (index.json + one file each)."""
    import json

    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    sources = {f"{p.parent.name}/{p.name}": p for p in corpus_files()}
    failed = unparsable = lines = flags = tokens_before = tokens_after = 0
    apis: Counter = Counter()
    for key, entry in sorted(index.items()):
        if entry["sha256"] is None:
            failed += 1
            continue
        code = (folder / key.replace("/", "__")).read_bytes().decode("utf-8")
        lines += code.count("\n")
        flags += len(entry["flags"])
        apis.update(flag[2] for flag in entry["flags"])
        try:
            cst.parse_module(code)
            tokens_before += torch_tokens(sources[key].read_text(encoding="utf-8")) if key in sources else 0
            tokens_after += torch_tokens(code)
        except Exception:  # noqa: BLE001  (counted: an output that does not parse)
            unparsable += 1
    n = len(index)
    print(f"saved outputs in {folder} (sources: the installed transformers)")
    print(f"files: {n}  converted without error: {n - failed}  outputs that parse: {n - failed - unparsable}")
    print(f"lines: {lines}  flagged sites: {flags}  flags per 1,000 lines: {1000 * flags / max(lines, 1):.1f}")
    print(f"`torch` name tokens: before {tokens_before}, after {tokens_after} "
          f"({1000 * tokens_after / max(lines, 1):.1f} per 1,000 lines)")
    print("most frequent flagged APIs:")
    for api, count in apis.most_common(25):
        print(f"  {count:6d}  {api}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--show-errors", action="store_true")
    parser.add_argument("--outputs", help="figures of outputs saved by scripts/same_outputs.py --save DIR")
    args = parser.parse_args()
    if args.outputs:
        saved_outputs(pathlib.Path(args.outputs))
        return
    files = corpus_files()
    if args.limit:
        files = files[: args.limit]
    failed, unparsable, lines, flags, tokens_before, tokens_after = [], [], 0, 0, 0, 0
    apis: Counter = Counter()
    mapped: Counter = Counter()
    hits: Counter = Counter()
    elapsed = 0.0
    for path in files:
        source = path.read_bytes()
        start = time.perf_counter()
        try:
            result = convert_source(source, str(path))
        except ConversionError as exc:
            failed.append((path, exc))
            continue
        except Exception as exc:  # an internal error: counted, shown with --show-errors
            failed.append((path, exc))
            continue
        finally:
            elapsed += time.perf_counter() - start
        code = result.code.decode("utf-8")
        lines += code.count("\n")
        flags += len(result.flags)
        apis.update(f.api for f in result.flags)
        mapped.update(result.stats)
        hits.update(result.rule_hits)
        try:
            cst.parse_module(code)
            tokens_before += torch_tokens(source.decode("utf-8"))
            tokens_after += torch_tokens(code)
        except Exception as exc:
            unparsable.append((path, exc))
    n = len(files)
    print(f"files: {n}  converted without error: {n - len(failed)}  outputs that parse: {n - len(failed) - len(unparsable)}")
    print(f"lines: {lines}  flagged sites: {flags}  flags per 1,000 lines: {1000 * flags / max(lines, 1):.1f}")
    print(f"`torch` name tokens: before {tokens_before}, after {tokens_after} "
          f"({1000 * tokens_after / max(lines, 1):.1f} per 1,000 lines)")
    print(f"mapped references: {dict(mapped.most_common())}")
    print(f"argument-rule call sites rewritten, by kind: {dict(hits.most_common())}")
    print(f"conversion wall time: {elapsed:.1f} s ({n / elapsed:.1f} files/s)")
    print("most frequent flagged APIs:")
    for api, count in apis.most_common(25):
        print(f"  {count:6d}  {api}")
    if args.show_errors:
        for path, exc in failed + unparsable:
            print(f"ERROR {path.name}: {type(exc).__name__}: {exc}")


if __name__ == "__main__":
    main()
