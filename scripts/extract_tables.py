"""Extract the five mapping tables of the seed Markdown into torch2ms/knowledge/data/mappings.json.

Run once by a human when the seed changes:

    python scripts/extract_tables.py [path/to/seed.md]

After that the JSON file is the source of truth; docs/mapping-tables.md is rendered
from it by scripts/render_docs.py.
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's torch2ms, not an installed one
"""

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SEED = REPO.parent / "shared" / "seed" / "000_6821ae3f453f2457.txt"
OUTPUT = REPO / "torch2ms" / "knowledge" / "data" / "mappings.json"

# Seed heading -> key in the JSON file.
TABLE_KEYS = {
    "mint_map": "mint_map",
    "mint_nn_map": "mint_nn_map",
    "ops_map": "ops_map",
    "others": "others",
    "Tensor api": "tensor_api",
}
SEPARATOR_ROW = re.compile(r"^\|(\s*-+\s*\|)+$")


def split_cells(line):
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def parse_seed(text):
    """Return {table key: [row dict, ...]} for the tables named in TABLE_KEYS, in seed order."""
    tables = {}
    current = None
    header_seen = False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            heading = stripped.lstrip("#").strip()
            current = TABLE_KEYS.get(heading)
            header_seen = False
            if current is not None:
                tables[current] = []
            continue
        if current is None or not stripped.startswith("|"):
            continue
        if SEPARATOR_ROW.match(stripped):
            continue
        cells = split_cells(stripped)
        if not header_seen:  # the "| Torch API | MindSpore API | ..." header
            header_seen = True
            continue
        tables[current].append(make_row(current, cells))
    missing = set(TABLE_KEYS.values()) - set(tables)
    if missing:
        raise SystemExit(f"tables not found in seed: {sorted(missing)}")
    return tables


def make_row(table, cells):
    row = {"torch": cells[0], "mindspore": cells[1] or None}
    if table == "tensor_api":
        alternatives = cells[2] if len(cells) > 2 else ""
        row["alternatives"] = [alt.strip() for alt in alternatives.split("<br/>") if alt.strip()]
    return row


def dump(source_name, tables):
    """JSON with one row per line, so that diffs of the data file stay readable."""
    lines = ["{", f'  "source": {json.dumps(source_name)},', '  "tables": {']
    table_blocks = []
    for key, rows in tables.items():
        body = ",\n".join("      " + json.dumps(row, ensure_ascii=False) for row in rows)
        table_blocks.append(f'    {json.dumps(key)}: [\n{body}\n    ]')
    lines.append(",\n".join(table_blocks))
    lines += ["  }", "}"]
    return "\n".join(lines) + "\n"


def main(argv):
    seed = Path(argv[1]) if len(argv) > 1 else DEFAULT_SEED
    tables = parse_seed(seed.read_text(encoding="utf-8"))
    OUTPUT.write_text(dump(seed.name, tables), encoding="utf-8")
    counts = ", ".join(f"{key}={len(rows)}" for key, rows in tables.items())
    print(f"wrote {OUTPUT.relative_to(REPO)}: {counts}")


if __name__ == "__main__":
    main(sys.argv)
