"""Compare torch and MindSpore signatures for the rows of a mapping table.

    python scripts/probe_signatures.py [--table mint_map] [NAME ...]

For each row prints torch's signature(s) -- builtins have none for `inspect`, so the
signature lines of the docstring are used (one per overload) -- and the MindSpore
target's `inspect.signature` (or its docstring's first line when that fails, as for the
`*args, **kwargs` dispatchers of mint). A help for writing argument rules: the rules
themselves are proven by the cases in tests/api/, never by this listing.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from torch2ms.knowledge import lookup as mapping, tables  # noqa: E402


def resolve(path: str):
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
            return obj
        except AttributeError:
            return None
    return None


def doc_signatures(obj, name: str):
    doc = inspect.getdoc(obj) or ""
    short = name.rsplit(".", 1)[-1]
    lines = [line.strip() for line in doc.splitlines() if re.match(rf"\s*{re.escape(short)}\(.*\)", line)]
    return lines[:4]


def signatures(obj, name: str):
    if obj is None:
        return ["<missing>"]
    try:
        sig = str(inspect.signature(obj))
        if "*args, **kwargs" not in sig:
            return [sig]
    except (TypeError, ValueError):
        pass
    return doc_signatures(obj, name) or ["<no signature>"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--table", default="mint_map")
    parser.add_argument("names", nargs="*", help="torch names (torch.sort) or short names (sort)")
    args = parser.parse_args()
    wanted = {n if n.startswith("torch") else f"torch.{n}" for n in args.names}
    seen = set()
    for row in tables.rows():
        if row.table != args.table or row.torch in seen or (wanted and row.torch not in wanted):
            continue
        seen.add(row.torch)
        target = mapping.lookup(row.torch)
        ms_path = target.path if target else row.mindspore
        print(f"{row.torch}  ->  {ms_path}" + ("  (corrected)" if target and target.source == "correction" else ""))
        for sig in signatures(resolve(row.torch), row.torch):
            print(f"    torch: {sig}")
        if ms_path:
            for sig in signatures(resolve(ms_path), ms_path):
                print(f"    ms:    {sig}")


if __name__ == "__main__":
    main()
