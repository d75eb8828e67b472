"""Print the ledger of the mapping tables: which rows are proven by execution, which only
by text, which are flagged as wrong, which fail or have no case yet.

    python scripts/ledger.py [--failures] [--missing]
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from support import ms_cpu_fallback  # noqa: E402
from api.harness import all_cases, run  # noqa: E402
from torch2ms.knowledge import tables  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--failures", action="store_true", help="list failing cases")
    parser.add_argument("--missing", action="store_true", help="list rows without a case")
    args = parser.parse_args()
    ms_cpu_fallback.install()
    outcomes = defaultdict(list)
    for case in all_cases():
        outcomes[case.api].append(run(case))
    rows = list(dict.fromkeys(row.torch for row in tables.rows()))  # duplicates counted once
    status = {}
    for api in rows:
        got = outcomes.get(api, [])
        if not got:
            status[api] = "no case"
        elif not all(o.ok for o in got):
            status[api] = "failing"
        elif any(o.case.mode in ("exec", "random") for o in got):
            status[api] = "proven by execution"
        elif any(o.case.mode == "text" for o in got):
            status[api] = "checked by text only"  # flag cases beside it only check a keyword (out=)
        else:
            status[api] = "flagged (wrong or no counterpart)"
    counts = defaultdict(int)
    for value in status.values():
        counts[value] += 1
    print(f"table rows (distinct torch APIs): {len(rows)}")
    for label in ("proven by execution", "checked by text only", "flagged (wrong or no counterpart)", "failing", "no case"):
        print(f"  {label:36s} {counts[label]:4d}")
    beyond = sorted(set(outcomes) - set(rows))
    proven_beyond = [a for a in beyond if all(o.ok for o in outcomes[a])]
    print(f"APIs beyond the tables with cases: {len(beyond)} ({len(proven_beyond)} passing)")
    if args.failures:
        for api, got in sorted(outcomes.items()):
            for o in got:
                if not o.ok:
                    print(f"FAIL {api} [{o.case.mode}]: {o.detail}")
    if args.missing:
        print("no case:", ", ".join(a for a in rows if status[a] == "no case"))


if __name__ == "__main__":
    main()
