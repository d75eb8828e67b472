"""One record per torch API: everything the tool knows and does about it, in one place.

    record("torch.Tensor.flip")   -> ApiRecord(target=mindspore.Tensor.flip (table tensor_api),
                                               arg_rule=pack_size + int_as_tuple, evidence=[...])
    explain("torch.Tensor.flip")  -> the same, as text (`torch2ms explain torch.Tensor.flip`)

The data stays in files by kind (the seed's tables, corrections, argument rules, the
forms beyond the tables, weight initialisers, Tensor method facts, the evidence index);
the rules ask this module, never the files.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from torch2ms.knowledge import extras, inventory, tables
from torch2ms.knowledge.arg_rules import ArgRule, rule_for
from torch2ms.knowledge.lookup import Correction, Target, corrections, lookup, why_unmapped
from torch2ms.knowledge.reasons import Reason
from torch2ms.knowledge.store import DATA_DIR, cached, check, read_json

# Short spellings `explain` accepts, as people write them in code.
ALIASES = {"F.": "torch.nn.functional.", "nn.": "torch.nn.", "Tensor.": "torch.Tensor.", "th.": "torch."}


@dataclass(frozen=True)
class ApiRecord:
    api: str
    torch_kind: Optional[str]  # class, function, method, module, ... (None: not a public torch API we know)
    rows: Tuple[tables.Row, ...]  # the reference tables' rows naming it
    target: Optional[Target]  # what it becomes (None: it stays and is flagged)
    unmapped: Optional[Tuple[Reason, Optional[str]]]  # why not, with a hint, when target is None
    correction: Optional[Correction]
    arg_rule: Optional[ArgRule]
    forms: Dict[str, object] = field(default_factory=dict)  # other rewrites: kind -> detail

    @property
    def evidence(self) -> Tuple[str, ...]:
        """What proves it: the argument rule's and the correction's evidence, the test cases.
        (A property: converting never needs it, so the index is read only when asked.)"""
        texts = [self.arg_rule.evidence if self.arg_rule else "",
                 self.correction.why if self.correction else "", self.correction.flag if self.correction else ""]
        return tuple(text for text in texts if text) + tuple(_evidence_index().get(self.api, ()))


@cached
def _evidence_index() -> Dict[str, List[str]]:
    raw = read_json(DATA_DIR / "evidence.json")
    check("evidence.json", raw, {"about": str, "apis": dict}, required=("apis",))
    return raw["apis"]


def _forms(api: str) -> Dict[str, object]:
    forms: Dict[str, object] = {}
    for kind, table in (("known_false", extras.known_false()), ("unwrap", extras.unwrapped()),
                        ("autocast", extras.autocasts()), ("mode_dependent", extras.mode_dependent_layers()),
                        ("known_false_flag", extras.known_false_flags()), ("backend_context", extras.backend_contexts())):
        if api in table:
            forms[kind] = True
    if api in extras.signature_gaps():
        forms["signature_gap"] = extras.signature_gaps()[api]
    for kind, table in (("wrap_first_arg", extras.wrapped_first_arg()), ("constant", extras.constant_calls()),
                        ("helper", extras.helpers()),
                        ("info_scalars", extras.info_scalars()), ("method_to_function", extras.method_to_function()),
                        ("init", extras.init_map())):
        if api in table:
            forms[kind] = table[api]
    method = api[len("torch.Tensor."):] if api.startswith("torch.Tensor.") else None
    if method is not None:
        facts = extras.tensor_facts()
        if extras.out_of_place(method):
            forms["in_place"] = extras.out_of_place(method)
            if method in facts.not_mutating_on_cpu:
                forms["not_mutating_on_cpu"] = True
        if method in facts.fillers:
            forms["filler"] = facts.fillers[method]
        if method in facts.pair_results:
            forms["pair_result"] = facts.pair_results[method]
    if api.rpartition(".")[0] in extras.backend_enums():
        forms["backend_enum"] = True
    short = api.rpartition(".")[2]
    if api.startswith("torch.") and api.count(".") == 1 and short in extras.tensor_facts().pair_results:
        forms["pair_result"] = extras.tensor_facts().pair_results[short]  # torch.max(x, 1).values
    return forms


@cached
def record(api: str) -> ApiRecord:
    """The record of a fully qualified torch name (`torch.Tensor.<method>` for methods)."""
    target = lookup(api)
    return ApiRecord(
        api=api,
        torch_kind=inventory.torch_kind(api),
        rows=tuple(row for row in tables.rows() if row.torch == api),
        target=target,
        unmapped=None if target is not None else why_unmapped(api),
        correction=corrections().get(api),
        arg_rule=rule_for(api),
        forms=_forms(api),
    )


def canonical(name: str) -> str:
    """`F.relu` -> `torch.nn.functional.relu`; fully qualified names are kept."""
    for short, full in ALIASES.items():
        if name.startswith(short):
            return full + name[len(short):]
    return name


def known(api: str) -> bool:
    """Does the tool know anything about this name?"""
    found = record(api)
    return bool(found.torch_kind or found.rows or found.target or found.correction or found.arg_rule or found.forms)


def suggestions(name: str) -> List[str]:
    """Close torch names, for a name the tool does not know."""
    candidates = set(inventory.torch_names("torch.")) | {row.torch for row in tables.rows()}
    return difflib.get_close_matches(name, sorted(candidates), n=5, cutoff=0.75)


# forms that describe the API rather than rewrite its uses
_FACTS_ONLY = {"not_mutating_on_cpu", "mode_dependent", "signature_gap"}

_FORM_TEXT = {
    "known_false": "answered False on MindSpore (the device-agnostic / eager branch is kept)",
    "unwrap": "a wrapper that goes: its first argument is what remains (dropped as a decorator)",
    "autocast": "an autocast context: a disabled block is inlined, an enabled one flagged",
    "known_false_flag": "a flag of a library MindSpore does not use: read as False (a statement setting it goes)",
    "backend_context": "only chooses a device, stream or kernel: `with` keeps its body",
    "backend_enum": "a member of an enum naming torch's kernels: read as its name (a string)",
    "mode_dependent": "its result depends on the training flag: built outside a Cell it gets .set_train(True)",
    "wrap_first_arg": "the call is {0[0]}(...) of its first argument through {0[1]}",
    "constant": "the call is the constant {0}",
    "helper": "a reference is the helper {0} (torch2ms/helpers), whose code is written into the file",
    "info_scalars": "fields {0[fields]} are read as Python {0[type]} values",
    "method_to_function": "the method is written as the function {0} with the receiver first",
    "init": "becomes param.set_data(initializer(init.{0[initializer]}(...), shape, dtype))",
    "in_place": "in-place: the effect is written back, x.copy_(x.{0}(...))",
    "not_mutating_on_cpu": "MindSpore's own form returns the result but leaves the tensor unchanged on CPU",
    "filler": "fills the tensor: the new content is built from MindSpore ops (parameters {0})",
    "pair_result": "returns (values, indices): .values/.indices become [0]/[1]{0}",
    "signature_gap": "the MindSpore class takes other arguments ({0}): flagged where used, unless an argument rule handles them",
}


def _form_line(kind: str, detail) -> str:
    if kind == "pair_result":
        return _FORM_TEXT[kind].format(" when a dim is given" if detail.get("needs_dim") else "")
    return _FORM_TEXT[kind].format(detail)


def _rule_lines(rule: ArgRule) -> List[str]:
    lines = []
    for name in ArgRule.__dataclass_fields__:
        value = getattr(rule, name)
        if name != "evidence" and value not in ((), {}, "", False):
            if isinstance(value, dict):
                shown = ", ".join(f"{k}: {v}" for k, v in value.items())
            elif isinstance(value, tuple):
                shown = ", ".join(value)
            else:
                shown = "yes" if value is True else value
            lines.append(f"  {name}: {shown}")
    return lines


def explain(name: str) -> str:
    """What the tool does to one torch API, as text."""
    api = canonical(name)
    found = record(api)
    lines = [f"{api}" + (f"  (torch {found.torch_kind})" if found.torch_kind else "  (not in torch's public API)")]
    reason, hint = found.unmapped or (None, None)
    rewrites = [kind for kind in found.forms if kind not in _FACTS_ONLY]
    if found.target is not None:
        lines.append(f"becomes: {found.target.path}  (from: {_source(found.target)})")
    elif rewrites:
        lines.append(f"no MindSpore name of its own: the forms below are rewritten; other uses stay, flagged "
                     f"({reason}" + (f"; hint: {hint})" if hint else ")"))
    else:
        lines.append(f"stays and is flagged: {reason}" + (f"; hint: {hint}" if hint else ""))
    for row in found.rows:
        alternatives = f"; alternatives: {', '.join(row.alternatives)}" if row.alternatives else ""
        lines.append(f"table {row.table}: {row.torch} -> {row.mindspore or '(none)'}{alternatives}")
    if found.correction is not None:
        what = f"map to {found.correction.target}" if found.correction.target else "flag"
        where = f"the user's rules, {found.correction.file}" if found.correction.user \
            else f"corrections/{found.correction.file}"
        lines.append(f"correction ({where}): {what}")
    if found.arg_rule is not None:
        lines.append("argument rule:")
        lines += _rule_lines(found.arg_rule)
    for kind, detail in found.forms.items():
        lines.append(f"{'rewrite' if kind in rewrites else 'note'}: {_form_line(kind, detail)}")
    if found.evidence:
        lines.append("evidence:")
        lines += [f"  - {text}" for text in found.evidence]
    return "\n".join(lines)


def _source(target: Target) -> str:
    return {"correction": "a correction of the tables", "extra": "verified mappings beyond the tables",
            "priority": "the priority rule (same name in mint / ops / nn)",
            "user": "the user's rules"}.get(target.source, f"table {target.source}")
