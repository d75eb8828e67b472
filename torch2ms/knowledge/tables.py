"""The PyTorch -> MindSpore mapping tables, loaded from torch2ms/knowledge/data/mappings.json.

The JSON file is the single source of truth (extracted once from the seed by
scripts/extract_tables.py). Only the standard library is used here because the
converter imports this module on every run.
"""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

DATA_FILE = Path(__file__).resolve().parent / "data" / "mappings.json"

# Section titles of the rendered page, as the seed names the tables.
TABLE_TITLES = {
    "mint_map": "mint_map",
    "mint_nn_map": "mint_nn_map",
    "ops_map": "ops_map",
    "others": "others",
    "tensor_api": "Tensor api",
}


@dataclass(frozen=True)
class Row:
    table: str
    torch: str
    mindspore: Optional[str]
    alternatives: Tuple[str, ...]


@lru_cache(maxsize=None)
def _load() -> Tuple[Tuple[str, ...], Tuple[Row, ...]]:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    table_names = tuple(data["tables"])
    loaded = tuple(
        Row(table, raw["torch"], raw["mindspore"], tuple(raw.get("alternatives", ())))
        for table, raw_rows in data["tables"].items()
        for raw in raw_rows
    )
    return table_names, loaded


@lru_cache(maxsize=None)
def _first_row_by_torch_name() -> Dict[str, Row]:
    index: Dict[str, Row] = {}
    for row in _load()[1]:
        index.setdefault(row.torch, row)
    return index


def rows() -> List[Row]:
    """All rows of all tables, in file order (duplicates kept)."""
    return list(_load()[1])


def lookup(torch_qualname: str) -> Optional[Row]:
    """The first row whose torch name is exactly ``torch_qualname``, in any table."""
    return _first_row_by_torch_name().get(torch_qualname)


def _cell(text: Optional[str]) -> str:
    # A "|" inside a cell would split it in Markdown.
    return (text or "").replace("|", "\\|")


def render_markdown() -> str:
    """The docs page: one section per table, with the seed's columns."""
    table_names, all_rows = _load()
    out = [
        "# PyTorch to MindSpore mapping tables",
        "",
        "Generated from `torch2ms/knowledge/data/mappings.json` by `scripts/render_docs.py`; "
        "do not edit by hand.",
    ]
    for name in table_names:
        with_alternatives = name == "tensor_api"
        out += ["", f"## {TABLE_TITLES.get(name, name)}", ""]
        if with_alternatives:
            out += ["| Torch API | MindSpore API | Alternatives |", "| --- | --- | --- |"]
        else:
            out += ["| Torch API | MindSpore API |", "| --- | --- |"]
        for row in all_rows:
            if row.table != name:
                continue
            cells = [_cell(row.torch), _cell(row.mindspore)]
            if with_alternatives:
                cells.append("<br/>".join(_cell(alt) for alt in row.alternatives))
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"
