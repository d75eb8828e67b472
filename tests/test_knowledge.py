"""The knowledge layer: loaders fail loudly on broken data, and one record per torch API."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from torch2ms.knowledge import KnowledgeError, Reason, arg_rules, explain, lookup, record, records, training
from torch2ms.knowledge.store import DATA_DIR, check, read_folder, read_json


# ---- loaders fail loudly ------------------------------------------------------------------
def test_a_missing_data_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(KnowledgeError, match=r"gone\.json: data file missing"):
        read_json(tmp_path / "gone.json")


@pytest.mark.parametrize("text, message", [("", "not valid JSON"), ("{}", "empty"), ("[]", "empty"),
                                           ("{oops", "not valid JSON")])
def test_an_empty_or_broken_data_file_is_an_error(tmp_path, text, message):
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        read_json(path)


def test_an_empty_data_folder_is_an_error(tmp_path):
    with pytest.raises(KnowledgeError, match="no data files"):
        read_folder(tmp_path)


def test_the_same_key_in_two_files_of_a_folder_is_an_error(tmp_path):
    (tmp_path / "a.json").write_text('{"torch.x": {}}', encoding="utf-8")
    (tmp_path / "b.json").write_text('{"torch.x": {}}', encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"b\.json: torch\.x is in a\.json too"):
        read_folder(tmp_path)


def test_unknown_keys_and_wrong_types_are_errors_naming_the_key():
    with pytest.raises(KnowledgeError, match=r"here: unknown key 'pack_sise'"):
        check("here", {"pack_sise": True}, arg_rules.SCHEMA)
    with pytest.raises(KnowledgeError, match=r"'pack_size' must be true/false, not str"):
        check("here", {"pack_size": "yes"}, arg_rules.SCHEMA)
    with pytest.raises(KnowledgeError, match="missing target"):
        check("here", {}, {"target": str}, required=("target",))


def test_the_argument_rule_loader_checks_every_entry(tmp_path, monkeypatch):
    (tmp_path / "mine.json").write_text(json.dumps({"torch.sort": {"keyword_onyl": ["dim"]}}), encoding="utf-8")
    monkeypatch.setattr(arg_rules, "RULES_DIR", tmp_path)
    arg_rules.all_rules.cache_clear()
    try:
        with pytest.raises(KnowledgeError, match=r"arg_rules/mine\.json: torch\.sort: unknown key 'keyword_onyl'"):
            arg_rules.all_rules()
    finally:
        arg_rules.all_rules.cache_clear()


def test_a_correction_needs_exactly_one_of_target_and_flag(tmp_path, monkeypatch):
    folder = tmp_path / "corrections"
    folder.mkdir()
    (folder / "x.json").write_text(json.dumps({"torch.abs": {"why": "no action"}}), encoding="utf-8")
    monkeypatch.setattr(lookup, "DATA_DIR", tmp_path)
    lookup.corrections.cache_clear()
    try:
        with pytest.raises(KnowledgeError, match="needs exactly one of target, flag"):
            lookup.corrections()
    finally:
        lookup.corrections.cache_clear()


def test_every_shipped_data_file_loads_under_its_schema():
    from torch2ms import profiles
    from torch2ms.knowledge import extras, inventory, tables

    assert tables.rows() and arg_rules.all_rules() and lookup.corrections()
    assert extras.mappings() and extras.init_map() and extras.tensor_facts().in_place
    assert inventory.ms_version() == "2.10.0" and inventory.torch_version().startswith("2.13")
    assert records._evidence_index()
    assert profiles.module_bases()
    shipped = {p.relative_to(DATA_DIR).as_posix() for p in DATA_DIR.rglob("*.json")}
    assert {"mappings.json", "extra_mappings.json", "init_map.json", "tensor_methods.json", "evidence.json",
            "ms_api.json", "torch_api.json", "training.json", "arg_rules/optim.json"} <= shipped
    assert training.loader_form().params[0] == "dataset" and training.sampler_forms() and training.dataset_bases()


def test_the_training_data_loader_checks_its_entries(tmp_path, monkeypatch):
    (tmp_path / "training.json").write_text(json.dumps(
        {"loader": {"params": [], "dataset": {}, "batch": {}, "drop": {}, "flag": {}, "defaults": {}},
         "samplers": {"x": {"only": [], "shufle": True}}, "dataset_bases": []}))
    monkeypatch.setattr(training, "DATA_DIR", tmp_path)
    training._data.cache_clear()
    try:
        with pytest.raises(KnowledgeError, match="samplers: x.*shufle"):
            training.sampler_forms()
    finally:
        training._data.cache_clear()


def test_the_evidence_index_is_up_to_date():
    # the checkout's index against the checkout's cases (also where the tests run an installed wheel)
    script = Path(__file__).resolve().parents[1] / "scripts" / "gen_evidence.py"
    done = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# ---- one record per API -----------------------------------------------------------------------
def test_a_record_gathers_target_rows_argument_rule_forms_and_evidence():
    flip = record("torch.Tensor.flip")
    assert flip.target.path == "mindspore.Tensor.flip" and flip.target.source == "tensor_api"
    assert [row.table for row in flip.rows] == ["tensor_api"]
    assert flip.arg_rule.pack_size and flip.arg_rule.int_as_tuple == ("dims",)
    assert any("cases_tensor_api.py" in text for text in flip.evidence)

    add_ = record("torch.Tensor.add_")
    assert add_.forms["in_place"] == "add" and add_.forms["not_mutating_on_cpu"] is True

    finfo = record("torch.finfo")
    assert finfo.target is None and finfo.unmapped[0] is Reason.NOT_IN_TABLES
    assert set(finfo.forms) == {"wrap_first_arg", "info_scalars"}

    detach = record("torch.Tensor.detach")
    assert detach.target is None and detach.unmapped[0] is Reason.NO_COUNTERPART


def test_a_correction_is_part_of_the_record():
    corrected = next(api for api, entry in lookup.corrections().items() if entry.target)
    found = record(corrected)
    assert found.correction is not None and found.target.source == "correction"
    assert found.correction.why in found.evidence


def test_explain_prints_the_record_and_accepts_short_spellings():
    text = explain("Tensor.flip")
    assert text.splitlines()[0] == "torch.Tensor.flip  (torch method)"
    assert "becomes: mindspore.Tensor.flip" in text and "int_as_tuple: dims" in text and "evidence:" in text
    assert explain("F.relu").startswith("torch.nn.functional.relu")
    assert "answered False" in explain("torch.cuda.is_available")


def test_unknown_names_are_told_apart_with_suggestions():
    assert not records.known("torch.Tensor.flipp")
    assert "torch.Tensor.flip" in records.suggestions("torch.Tensor.flipp")
    assert records.known("torch.nn.Linear")


def test_the_cli_explains_and_fails_on_unknown_names(capsys):
    from torch2ms import cli

    assert cli.main(["explain", "torch.sort"]) == 0
    assert "keyword_only: dim" in capsys.readouterr().out
    assert cli.main(["explain", "torch.sort", "torch.sorrt"]) == 1
    assert "torch.sorrt: not a torch API torch2ms knows" in capsys.readouterr().out


def test_converting_never_reads_the_evidence_index(monkeypatch):
    from torch2ms.convert.pipeline import convert_source

    def refuse():
        raise AssertionError("the evidence index was read while converting")

    monkeypatch.setattr(records, "_evidence_index", refuse)
    records.record.cache_clear()
    try:
        assert "mint.ones((2, 3))" in convert_source("import torch\nx = torch.ones(2, 3).flip(0)\n").code
    finally:
        records.record.cache_clear()


# ---- PyTorch libraries known from the environment ----------------------------------------------
def _distribution(site, name, requirements):
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    info.joinpath("METADATA").write_text(
        "Metadata-Version: 2.1\nName: " + name + "\nVersion: 1.0\n"
        + "".join(f"Requires-Dist: {r}\n" for r in requirements), encoding="utf-8")
    info.joinpath("top_level.txt").write_text(name + "\n", encoding="utf-8")
    (site / name).mkdir()
    (site / name / "__init__.py").write_text("", encoding="utf-8")


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path with distributions of our own making; the environment's caches cleared."""
    from torch2ms.knowledge import extras
    monkeypatch.syspath_prepend(str(tmp_path))
    for cached in (extras._distributions, extras.installed_on_torch):
        cached.cache_clear()
    yield tmp_path
    for cached in (extras._distributions, extras.installed_on_torch):
        cached.cache_clear()


def test_an_installed_package_that_requires_torch_is_a_pytorch_library(site):
    from torch2ms.convert import convert_source
    from torch2ms.knowledge import extras
    _distribution(site, "blocksfortest", ["torch>=2.0", "einops"])
    _distribution(site, "plotsfortest", ["numpy", "torch ; extra == 'gpu'"])
    assert extras.torch_library("blocksfortest.layers") == "blocksfortest"
    assert extras.torch_library("plotsfortest") is None  # torch only for an extra
    assert extras.torch_library("json") is None
    code = convert_source("import torch\nfrom blocksfortest.layers import Block\n\n"
                          "def build():\n    return Block(2), torch.zeros(1)\n", "build.py").code
    assert "try:\n    from blocksfortest.layers import Block  # torch2ms: blocksfortest needs a manual rewrite" in code
    assert "return Block(2), mint.zeros(1)  # torch2ms: blocksfortest.layers.Block needs a manual rewrite" in code


@pytest.mark.slow
def test_the_signature_gaps_are_what_the_installed_frameworks_say():
    """data/signature_gaps.json is generated (scripts/gen_signature_gaps.py), not written by hand."""
    pytest.importorskip("torch")
    pytest.importorskip("mindspore")
    saved = list(sys.path)  # the script puts its checkout first: the installed torch2ms stays the one tested
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    try:
        import gen_signature_gaps
    finally:
        sys.path[:] = saved
    from torch2ms.knowledge import extras
    assert gen_signature_gaps.compute() == extras.signature_gaps()
    assert extras.signature_gaps()["torch.nn.MaxPool1d"]["defaults"]["stride"] == ["None", "1"]
