"""The mapping tables in torch2ms/knowledge/data/mappings.json against the seed Markdown and the docs page."""

import re
from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from support.spec import spec_path
from torch2ms.knowledge import tables

REPO = Path(__file__).resolve().parents[1]
DOCS_PAGE = REPO / "docs" / "mapping-tables.md"

# Written independently of scripts/extract_tables.py so that a bug there cannot hide itself.
SEED_HEADINGS = {"mint_map": "mint_map", "mint_nn_map": "mint_nn_map", "ops_map": "ops_map",
                 "others": "others", "Tensor api": "tensor_api"}
TABLE_ROW = re.compile(r"^\|\s*(torch\.\S*)\s*\|([^|]*)\|(?:([^|]*)\|)?\s*$")


def seed_rows():
    table = None
    found = []
    for line in spec_path().read_text(encoding="utf-8").splitlines():
        if line.startswith("### "):
            table = SEED_HEADINGS.get(line[4:].strip())
            continue
        match = TABLE_ROW.match(line)
        if match and table:
            torch_name, ms_cell, alt_cell = match.groups()
            alternatives = tuple(a.strip() for a in (alt_cell or "").split("<br/>") if a.strip())
            found.append((table, torch_name, ms_cell.strip() or None, alternatives))
    return found


def test_seed_is_where_the_tests_expect_it():
    # skips (fails on CI) with where to put it when it is missing
    assert spec_path().read_text(encoding="utf-8").count("\n| torch") == 531


def test_every_seed_row_is_in_the_data_file_in_order():
    expected = seed_rows()
    actual = [(r.table, r.torch, r.mindspore, r.alternatives) for r in tables.rows()]
    assert actual == expected


def test_row_counts_per_table():
    # Counted in the seed by hand (531 "| torch" lines).
    counts = {}
    for row in tables.rows():
        counts[row.table] = counts.get(row.table, 0) + 1
    assert counts == {"mint_map": 198, "mint_nn_map": 126, "ops_map": 17,
                      "others": 29, "tensor_api": 161}


def test_the_seed_parser_finds_every_row():
    assert len(seed_rows()) == 531


def test_docs_page_matches_the_data_file():
    rendered = tables.render_markdown()
    on_disk = DOCS_PAGE.read_text(encoding="utf-8") if DOCS_PAGE.exists() else None
    assert on_disk == rendered, (
        "docs/mapping-tables.md is out of date: run `python scripts/render_docs.py`")


def test_rendered_page_has_a_section_and_the_seed_columns_per_table():
    page = tables.render_markdown()
    assert "torch2ms/knowledge/data/mappings.json" in page and "scripts/render_docs.py" in page
    for title in SEED_HEADINGS:
        assert f"\n## {title}\n" in page
    assert "| torch.arange | mindspore.mint.arange |\n" in page
    assert "| torch.Tensor.clamp_max |  | mindspore.mint.clamp |\n" in page
    assert ("| torch.Tensor.detach |  | mindspore.ops.stop_gradient<br/>"
            "mindspore.Parameter.requires_grad = False |\n") in page
    assert page.count("| --- | --- | --- |") == 1  # only the Tensor table has Alternatives


def test_lookup_returns_the_first_row_of_duplicates():
    for name in ("torch.tril", "torch.Tensor.ndim", "torch.Tensor.repeat"):
        matching = [r for r in tables.rows() if r.torch == name]
        assert len(matching) == 2
        assert tables.lookup(name) is matching[0]
    assert tables.lookup("torch.tril").table == "mint_map"


def test_lookup_rows_without_a_mindspore_target():
    clamp_max = tables.lookup("torch.Tensor.clamp_max")
    assert clamp_max.mindspore is None and clamp_max.alternatives == ("mindspore.mint.clamp",)
    is_sparse = tables.lookup("torch.Tensor.is_sparse")
    assert is_sparse.mindspore is None and is_sparse.alternatives == ()
    assert tables.lookup("torch.Tensor.new").alternatives == ("ms.Tensor()",)
    assert tables.lookup("torch.Tensor.detach").alternatives == (
        "mindspore.ops.stop_gradient", "mindspore.Parameter.requires_grad = False")


def test_lookup_is_exact_and_spans_tables():
    assert tables.lookup("torch.log_softmax").mindspore == "mindspore.mint.nn.functional.log_softmax"
    assert tables.lookup("torch.nn.Module").mindspore == "mindspore.nn.Cell"
    assert tables.lookup("torch.full").table == "ops_map"
    assert tables.lookup("torch.no_grad").mindspore == "mindspore._no_grad"
    assert tables.lookup("torch.Tensor.size").mindspore == "mindspore.Tensor.shape"
    assert tables.lookup("torch.arang") is None
    assert tables.lookup("arange") is None
    assert tables.lookup("torch.made_up_op") is None


def test_rows_are_immutable_and_rows_returns_a_fresh_list():
    row = tables.rows()[0]
    with pytest.raises(FrozenInstanceError):
        row.mindspore = "x"
    tables.rows().clear()
    assert len(tables.rows()) == 531
