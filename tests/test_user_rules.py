"""The project's own rules (docs/custom-rules.md): a JSON or TOML file with the schema of the
shipped data, checked as strictly (errors name the file and the key), laid over the knowledge
for one run (user entries win; record() shows them), handed to worker processes, and named
in the report."""
from __future__ import annotations

import json

import pytest

from support.project import run_cli
from torch2ms.convert.pipeline import convert_source
from torch2ms.knowledge import KnowledgeError, record, user_rules

RULES = '''\
about = "our team's rules"

[mappings]
"torch.cdist" = "ourlib.ops.cdist"                      # our own helper wins over the table's mint.cdist

[corrections."torch.nn.functional.gelu"]
flag = "use our fused gelu: ourlib.ops.gelu"

[arg_rules."torch.cat"]
rename = {dim = "axis"}
'''

SOURCE = '''\
import torch
import torch.nn.functional as F


def f(x):
    a = torch.cdist(x, x)
    b = F.gelu(x)
    return torch.cat([a, b], dim=0)
'''


@pytest.fixture
def installed(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text(RULES, encoding="utf-8")
    user_rules.install(user_rules.load([str(path)]))
    yield path
    user_rules.install(None)


def test_user_rules_win_and_the_records_show_them(installed):
    assert record("torch.cdist").target.path == "ourlib.ops.cdist"
    assert record("torch.cdist").target.source == "user"
    assert record("torch.nn.functional.gelu").target is None
    assert record("torch.nn.functional.gelu").unmapped[1] == "use our fused gelu: ourlib.ops.gelu"
    assert record("torch.cat").arg_rule.rename == {"dim": "axis"}
    result = convert_source(SOURCE, "m.py")
    assert "import ourlib.ops" in result.code and "a = ourlib.ops.cdist(x, x)" in result.code
    assert "b = F.gelu(x)  # torch2ms: torch.nn.functional.gelu needs a manual rewrite (hint: use our fused gelu" \
           in result.code
    assert "mint.cat([a, b], axis=0)" in result.code


def test_taking_them_away_restores_the_shipped_knowledge(installed):
    user_rules.install(None)
    assert record("torch.cdist").target.path == "mindspore.mint.cdist"
    code = convert_source(SOURCE, "m.py").code
    assert "mint.cdist(x, x)" in code and "mint.nn.functional.gelu(x)" in code and "dim=0" in code


@pytest.mark.parametrize("text, message", [
    ('[mappings]\n"torch.cdist" = "mindspore.mint.cdistt"\n', r"rules\.toml: mappings: torch\.cdist: target "
                                                              r"mindspore\.mint\.cdistt is not in MindSpore"),
    ('[mappings]\n"troch.cdist" = "mindspore.mint.cdist"\n', r"'troch\.cdist' is not a torch API name"),
    ('[corrections."torch.cdist"]\nflg = "x"\n', r"rules\.toml: corrections: torch\.cdist: unknown key 'flg'"),
    ('[corrections."torch.cdist"]\nflag = "x"\ntarget = "mindspore.mint.cdist"\n', r"needs exactly one of target"),
    ('[arg_rules."torch.cat"]\nrenam = {dim = "axis"}\n', r"arg_rules: torch\.cat: unknown key 'renam'"),
    ('[arg_rules."torch.cat"]\nrename = {dim = 1}\n', r"arg_rules: torch\.cat: rename\['dim'\] must be a string"),
    ('[mapings]\n"torch.cdist" = "mindspore.mint.cdist"\n', r"rules\.toml: unknown key 'mapings'"),
    ('about = "nothing"\n', r"no rules"),
    ('[mappings]\n"torch.cdist" = "mindspore.mint.cdist"\n[corrections."torch.cdist"]\nflag = "x"\n',
     r"torch\.cdist is given twice"),
    ('[mappings\n', r"rules\.toml: not valid TOML"),
])
def test_rules_files_are_checked_with_errors_naming_file_and_key(tmp_path, text, message):
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(KnowledgeError, match=message):
        user_rules.load([str(path)])


def test_json_rules_files_have_the_same_schema(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"corrections": {"torch.cdist": {"target": "mindspore.ops.cdist", "why": "ours"}}}),
                    encoding="utf-8")
    rules = user_rules.load([str(path)])
    assert rules.corrections == {"torch.cdist": {"target": "mindspore.ops.cdist", "why": "ours"}}
    assert rules.origin["torch.cdist"] == str(path)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_worker_processes_get_the_rules_and_the_report_names_them(tmp_path, capsys, jobs):
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    src = tmp_path / "src"
    src.mkdir()
    for index in range(4):  # several files, so that a pool of workers really converts them
        (src / f"m{index}.py").write_text(SOURCE, encoding="utf-8")
    report = tmp_path / "report.json"
    code, _, err = run_cli(capsys, "convert", src, "-o", tmp_path / "dst", "-j", jobs, "--rules", rules,
                           "--report", report)
    assert code == 0, err
    for index in range(4):
        assert "ourlib.ops.cdist(x, x)" in (tmp_path / "dst" / f"m{index}.py").read_text("utf-8")
    used = json.loads(report.read_text("utf-8"))["user_rules"]
    assert used["files"] == [str(rules)]
    assert used["apis"]["torch.cdist"] == {"file": str(rules), "kinds": ["correction"], "references": 4}
    assert used["apis"]["torch.cat"]["kinds"] == ["arg_rule"] and used["apis"]["torch.cat"]["references"] == 4
    assert user_rules.installed() is None  # the run's rules were for the run only


def test_rules_in_the_configuration_and_explain(tmp_path, capsys):
    (tmp_path / "team-rules.toml").write_text(RULES, encoding="utf-8")
    (tmp_path / "torch2ms.toml").write_text('rules = ["team-rules.toml"]\n', encoding="utf-8")
    (tmp_path / "m.py").write_text(SOURCE, encoding="utf-8")
    code, out, _ = run_cli(capsys, "convert", tmp_path / "m.py")
    assert code == 0 and "ourlib.ops.cdist(x, x)" in out
    code, out, _ = run_cli(capsys, "explain", "torch.cdist", "--rules", tmp_path / "team-rules.toml")
    assert code == 0 and "becomes: ourlib.ops.cdist  (from: the user's rules)" in out
    assert f"correction (the user's rules, {tmp_path / 'team-rules.toml'}): map to ourlib.ops.cdist" in out
    code, _, err = run_cli(capsys, "convert", tmp_path / "m.py", "--rules", tmp_path / "missing.toml")
    assert code == 2 and "missing.toml: cannot read the rules file" in err
