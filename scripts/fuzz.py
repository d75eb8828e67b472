"""A longer run of the property tests' generators (tests/test_properties.py).

    python scripts/fuzz.py [-n 2000] [--kind table|torchified|grammar|node|all] [--seed S] [--show 3]

Kinds: table (PyTorch-style modules from the mapping tables: every property of
test_table_programs, plus "statements with nothing torch in them come out verbatim"),
torchified (hypothesmith programs with torch names spliced in), grammar and node (plain
hypothesmith programs). Unlike the tests, a failure does not stop the run: each example
is checked, failures are grouped by signature (exception type and message, numbers
blanked), and for each group the shortest failing input is printed (no shrinking).
Exit status 1 if anything failed.
"""
from __future__ import annotations

import argparse
import pathlib
import re
import sys
import time
import traceback
from collections import Counter
from typing import Callable, Dict, Tuple

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402

import test_properties as props  # noqa: E402
from torch2ms.convert.pipeline import ConversionError, convert_source  # noqa: E402


def _check_any(src: str) -> None:
    """hypothesmith programs: ConversionError or parseable output, untouched without torch."""
    try:
        out = convert_source(src).code
    except ConversionError:
        return
    if "torch" not in src:
        assert out == src, "a program without torch was changed"
    if out != src:  # CPython accepts a few programs libcst cannot parse: returned as is
        props.cst.parse_module(out)


def _check_table(generated) -> None:
    props.test_table_programs.hypothesis.inner_test(generated)
    props.check_unrelated_kept(generated)


def _check_torchified(src: str) -> None:
    props.test_torchified_grammar_programs.hypothesis.inner_test(src)


KINDS: Dict[str, Tuple[Callable, Callable]] = {
    "table": (props.torch_module, _check_table),
    "torchified": (props.torchified_programs, _check_torchified),
    "grammar": (lambda: props._GRAMMAR, _check_any),
    "node": (props.hypothesmith.from_node, _check_any),
}


def _source_of(example) -> str:
    return example.source if isinstance(example, props.Generated) else example


def _signature(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    first = re.sub(r"\d+", "N", first)[:160]
    return f"{type(exc).__name__}: {first}"


def run(kind: str, n: int, seed_value: int) -> Tuple[int, Dict[str, Tuple[int, str, str]]]:
    strategy_factory, check = KINDS[kind]
    failures: Dict[str, Tuple[int, str, str]] = {}  # signature -> (count, shortest source, traceback)
    counter = Counter()

    @seed(seed_value)
    @settings(
        max_examples=n,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy_factory())
    def body(example):
        counter["run"] += 1
        try:
            check(example)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded, none stops the run
            sig = _signature(exc)
            src = _source_of(example)
            count, best, tb = failures.get(sig, (0, None, ""))
            if best is None or len(src) < len(best):
                best, tb = src, traceback.format_exc(limit=-3)
            failures[sig] = (count + 1, best, tb)

    body()
    return counter["run"], failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--examples", type=int, default=2000, help="examples per kind (default 2000)")
    parser.add_argument("--kind", choices=[*KINDS, "all"], default="all")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=3, help="shortest repros printed per kind")
    args = parser.parse_args()
    kinds = list(KINDS) if args.kind == "all" else [args.kind]
    total_failed = 0
    for kind in kinds:
        start = time.perf_counter()
        ran, failures = run(kind, args.examples, args.seed)
        failed = sum(c for c, _, _ in failures.values())
        total_failed += failed
        print(f"[{kind}] {ran} examples, {failed} failures in {len(failures)} groups, {time.perf_counter() - start:.1f}s")
        for i, (sig, (count, src, tb)) in enumerate(sorted(failures.items(), key=lambda kv: -kv[1][0])):
            print(f"  {count:>5} x {sig}")
            if i < args.show:
                print("        shortest input:")
                print("".join(f"        | {line}\n" for line in src.splitlines()), end="")
                if len(src) < 400:
                    print(f"        repr: {src!r}")
                print("        " + tb.strip().splitlines()[-1][:300])
    print(f"total failures: {total_failed}")
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
