"""Write docs/mapping-tables.md from torch2ms/knowledge/data/mappings.json.

    python scripts/render_docs.py

tests/test_tables.py fails when the page and the data file disagree.
"""

from pathlib import Path

import sys
import pathlib
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's torch2ms, not an installed one

from torch2ms.knowledge.tables import render_markdown

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "mapping-tables.md"


def main():
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
