"""Every rule's own EXAMPLES (rules/base.py), run by one test.

For each example of each rule (the core registry and every profile's rules):
- the file converts to the expected text, and converting that again changes nothing;
- a `change` example is the rule's doing: converted without the rule, it comes out otherwise;
- a `keep` example is not: converted without the rule, it comes out the same;
- an example that names results in `run` is executed in both frameworks (torch, and MindSpore
  on the converted code) and those results are compared (tests/api/harness.py).
"""
from __future__ import annotations

import pytest

from torch2ms import profiles, rules
from torch2ms.convert.pipeline import convert_source


def _rule_classes():
    found = list(rules.REGISTRY)
    for profile in profiles.available().values():
        found += [type(rule) for rule in profile.rules("example.py", "")]
    return found


RULES = _rule_classes()
EXAMPLES = [(rule, i, example) for rule in RULES for i, example in enumerate(rule.EXAMPLES)]
IDS = [f"{rule.__name__}-{i}" for rule, i, _ in EXAMPLES]


def _convert(example, exclude=()):
    return convert_source(example.source, example.path, exclude=exclude).code


@pytest.mark.parametrize("rule", RULES, ids=[r.__name__ for r in RULES])
def test_every_rule_shows_a_change_and_a_no_op(rule):
    kinds = [example.kind for example in rule.EXAMPLES]
    assert "change" in kinds and "keep" in kinds, f"{rule.__name__} needs a change example and a keep example"


@pytest.mark.parametrize("rule, index, example", EXAMPLES, ids=IDS)
def test_example_converts_as_shown(rule, index, example):
    out = _convert(example)
    assert out == example.expected, f"{rule.__name__} example {index}: {example.note}"
    assert convert_source(out, example.path).code == out, "converting the output again changed it"


@pytest.mark.parametrize("rule, index, example", EXAMPLES, ids=IDS)
def test_example_is_the_rules_doing(rule, index, example):
    without = _convert(example, exclude={rule})
    if example.kind == "change":
        assert without != example.expected, f"{rule.__name__} example {index} comes out the same without the rule"
    else:
        assert without == _convert(example), f"{rule.__name__} example {index} is no no-op for the rule"


RUNNABLE = [(rule, i, example) for rule, i, example in EXAMPLES if example.run]


@pytest.mark.slow
@pytest.mark.parametrize("rule, index, example", RUNNABLE, ids=[f"{r.__name__}-{i}" for r, i, _ in RUNNABLE])
def test_example_computes_what_torch_computes(rule, index, example, cpu_fallback):
    from api.harness import Case, run

    outcome = run(Case(f"{rule.__name__}.EXAMPLES[{index}]", example.source, example.run))
    assert outcome.ok, f"{outcome.detail}\n--- converted ---\n{outcome.converted}"


