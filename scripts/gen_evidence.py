"""Write torch2ms/knowledge/data/evidence.json: for each torch API, the test cases that prove
what the tool does to it (tests/api/cases_*.py), so that `torch2ms explain API` can say
where the proof is without the tests being installed.

    python scripts/gen_evidence.py          # rewrite the index
    python scripts/gen_evidence.py --check  # exit 1 if the index is stale (a test runs this)

The index is static: it lists the cases (file, mode, count), it does not run them; whether
they pass is what the test suite (tests/api/test_api_cases.py) and scripts/ledger.py say.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's torch2ms, not an installed one

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "torch2ms" / "knowledge" / "data" / "evidence.json"
MODES = {"exec": "run in both frameworks, values compared", "random": "run in both, shapes and dtypes compared",
         "text": "converted text checked (no CPU kernel to run it)", "flag": "must stay flagged"}


def index() -> dict:
    sys.path.insert(0, str(ROOT / "tests"))  # the cases import `api.harness`, as under pytest
    import importlib

    found = defaultdict(Counter)
    for path in sorted((ROOT / "tests" / "api").glob("cases_*.py")):
        module = importlib.import_module(f"api.{path.stem}")
        for case in module.CASES:
            found[case.api][(f"tests/api/{path.name}", case.mode)] += 1
    apis = {}
    for api in sorted(found):
        apis[api] = [f"{file}: {count} {mode} case{'s' if count > 1 else ''} ({MODES[mode]})"
                     for (file, mode), count in sorted(found[api].items())]
    return {"about": "Test cases per torch API (written by scripts/gen_evidence.py; do not edit by hand).",
            "apis": apis}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    text = json.dumps(index(), indent=1, sort_keys=True) + "\n"
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is stale: run python scripts/gen_evidence.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {text.count(': [')} APIs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
