"""A user's own rules, laid over the shipped knowledge for one run (user entries win).

A rules file is JSON or TOML with the schema of the shipped data (docs/custom-rules.md):

    mappings     {"torch.x": "mindspore.mint.y"}          like extra_mappings.json's "mappings"
    corrections  {"torch.x": {"target"|"flag", "why"}}    like data/corrections/*.json
    arg_rules    {"torch.x": {ArgRule fields}}            like data/arg_rules/*.json

`load(paths)` checks every entry as the shipped loaders do (a wrong key or type is a
KnowledgeError naming the file and the key) and also what only a user can get wrong: names
that are not torch APIs, MindSpore targets that MindSpore 2.10 does not have, one API in two
places. `install(rules)` lays them over the loaders (store.set_overlay): `record()`,
`lookup()` and the rules' derived tables see them from the next call on; the runner hands
the installed rules to its worker processes.
"""
from __future__ import annotations

import hashlib
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

from torch2ms.knowledge import inventory
from torch2ms.knowledge.arg_rules import SCHEMA as ARG_RULE_SCHEMA
from torch2ms.knowledge.lookup import check_correction
from torch2ms.knowledge.store import KnowledgeError, check, overlay, set_overlay

FILE_SCHEMA = {"about": str, "mappings": dict, "corrections": dict, "arg_rules": dict}
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")


@dataclass(frozen=True)
class UserRules:
    """Checked entries of one or more rules files (plain data, so it pickles to worker processes)."""

    files: Tuple[str, ...]
    corrections: Dict[str, dict] = field(default_factory=dict)  # mappings become {"target": ...}
    arg_rules: Dict[str, dict] = field(default_factory=dict)
    origin: Dict[str, str] = field(default_factory=dict)  # "api" or "api (argument rule)" -> file
    fingerprint: str = ""  # changes whenever an entry does (the manifest's options include it)

    def apis(self) -> Tuple[str, ...]:
        return tuple(sorted(set(self.corrections) | set(self.arg_rules)))


def read_rules_file(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError(f"{path}: cannot read the rules file: {exc.strerror or exc}") from None
    if path.suffix == ".toml":
        toml = _toml()
        try:
            return toml.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, toml.TOMLDecodeError) as exc:
            raise KnowledgeError(f"{path}: not valid TOML: {exc}") from None
    if path.suffix == ".json":
        try:
            return json.loads(data)
        except ValueError as exc:
            raise KnowledgeError(f"{path}: not valid JSON: {exc}") from None
    raise KnowledgeError(f"{path}: a rules file is .json or .toml")


def _toml():
    try:
        import tomllib  # Python 3.11+
    except ImportError:
        try:
            import tomli as tomllib  # the same parser, for older Pythons (a dependency there)
        except ImportError:
            raise KnowledgeError("reading TOML needs Python 3.11+ or the tomli package") from None
    return tomllib


def _check_api(where: str, api: str) -> None:
    if not (api.startswith("torch.") and _DOTTED.match(api)):
        raise KnowledgeError(f"{where}: {api!r} is not a torch API name (like torch.nn.functional.gelu)")


def _check_target(where: str, target: str) -> None:
    if not _DOTTED.match(target):
        raise KnowledgeError(f"{where}: target {target!r} is not a dotted name (like mindspore.mint.gelu)")
    if target.startswith("mindspore.") and not inventory.ms_exists(target):
        # a MindSpore name must exist; another module's (the project's own helper) is the user's call
        raise KnowledgeError(f"{where}: target {target} is not in MindSpore {inventory.ms_version()}'s API")


def _check_arg_rule(where: str, raw: Any) -> dict:
    check(where, raw, ARG_RULE_SCHEMA)
    for key, value in raw.items():
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for inner, item in items:
            if not isinstance(item, str):
                raise KnowledgeError(f"{where}: {key}[{inner!r}] must be a string, not {type(item).__name__}")
    return raw


def _entries(path: Path, raw: Any):
    """(section, api, checked entry) of one file."""
    check(str(path), raw, FILE_SCHEMA)
    if not any(raw.get(section) for section in ("mappings", "corrections", "arg_rules")):
        raise KnowledgeError(f"{path}: no rules (give mappings, corrections or arg_rules)")
    for api, target in raw.get("mappings", {}).items():
        where = f"{path}: mappings: {api}"
        _check_api(where, api)
        if not isinstance(target, str):
            raise KnowledgeError(f"{where}: the target must be a string, not {type(target).__name__}")
        _check_target(where, target)
        yield "corrections", api, {"target": target, "why": "a mapping of the user's rules"}
    for api, entry in raw.get("corrections", {}).items():
        where = f"{path}: corrections: {api}"
        _check_api(where, api)
        check_correction(where, entry)
        if "target" in entry:
            _check_target(where, entry["target"])
        yield "corrections", api, entry
    for api, entry in raw.get("arg_rules", {}).items():
        where = f"{path}: arg_rules: {api}"
        _check_api(where, api)
        yield "arg_rules", api, _check_arg_rule(where, entry)


def load(paths: Sequence[str]) -> Optional[UserRules]:
    """The checked rules of these files (None for no files); an API named twice is an error."""
    if not paths:
        return None
    found: Dict[str, Dict[str, dict]] = {"corrections": {}, "arg_rules": {}}
    origin: Dict[str, str] = {}
    digest = hashlib.sha256()
    for name in paths:
        path = Path(name)
        raw = read_rules_file(path)
        for section, api, entry in _entries(path, raw):
            key = api if section == "corrections" else f"{api} (argument rule)"
            if key in origin:
                raise KnowledgeError(f"{path}: {api} is given twice ({section}; also in {origin[key]})")
            found[section][api] = entry
            origin[key] = str(path)
        digest.update(json.dumps(raw, sort_keys=True).encode())
    for api in found["arg_rules"]:  # an arg rule names its file under the API too, if nothing else does
        origin.setdefault(api, origin[f"{api} (argument rule)"])
    return UserRules(tuple(str(p) for p in paths), found["corrections"], found["arg_rules"], origin,
                     digest.hexdigest())


def install(rules: Optional[UserRules]) -> None:
    """Lay `rules` over the shipped data for this process (None takes them away)."""
    if rules is not installed():
        set_overlay(rules)


def installed() -> Optional[UserRules]:
    return overlay()


@contextmanager
def laid_over(rules: Optional[UserRules]) -> Iterator[None]:
    """`rules` installed for the length of a with-block; what was installed before comes back."""
    before = installed()
    install(rules)
    try:
        yield
    finally:
        install(before)
