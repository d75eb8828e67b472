"""The PyTorch -> MindSpore mapping tables, loaded from torch2ms/knowledge/data/mappings.json.

The JSON file is the single source of truth (extracted once from the seed by
scripts/extract_tables.py). Only the standard library is used here because the
converter imports this module on every run.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, List, Optional, Tuple

from torch2ms.knowledge.store import DATA_DIR, KnowledgeError, check, read_json

DATA_FILE = DATA_DIR / "mappings.json"
_ROW = {"torch": str, "mindspore": (str, type(None)), "alternatives": list}

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
    data = check("mappings.json", read_json(DATA_FILE), {"source": str, "tables": dict}, required=("tables",))
    loaded = []
    for table, raw_rows in data["tables"].items():
        if not raw_rows:
            raise KnowledgeError(f"mappings.json: table {table} has no rows")
        for index, raw in enumerate(raw_rows):
            check(f"mappings.json: {table} row {index}", raw, _ROW, required=("torch", "mindspore"))
            loaded.append(Row(table, raw["torch"], raw["mindspore"], tuple(raw.get("alternatives", ()))))
    return tuple(data["tables"]), tuple(loaded)


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
