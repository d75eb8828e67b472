"""Build a plain model from its class (or factory) and the `--args` JSON, in either framework."""
from __future__ import annotations

import importlib
import json
from typing import Optional, Tuple

from torch2ms.verify.errors import VerifyError, first_line, raised_in
from torch2ms.verify.loading import get_attr


def parse_args_json(text: Optional[str]) -> Tuple[list, dict]:
    """'[1, 2]' -> positional; '{"a": 1}' -> keywords; '{"args": [...], "kwargs": {...}}' -> both."""
    if not text:
        return [], {}
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise VerifyError(f"--args is not JSON: {exc}", usage=True) from None
    if isinstance(value, list):
        return value, {}
    if isinstance(value, dict):
        if set(value) <= {"args", "kwargs"} and value:
            return list(value.get("args", [])), dict(value.get("kwargs", {}))
        return [], value
    raise VerifyError("--args must be a JSON list (positional) or object (keywords)", usage=True)


def _resolve(value, module):
    """"@Name" in constructor arguments means module.Name, looked up in each framework's own module;
    {"@dataclass": "Name" or "module:Class", field: value, ...} is that config class built from the
    fields (a dataclass, or any class taking them as keywords)."""
    if isinstance(value, str) and value.startswith("@") and value[1:].isidentifier():
        return get_attr(module, value[1:], module.__name__)
    if isinstance(value, dict) and "@dataclass" in value:
        where, _, name = value["@dataclass"].rpartition(":")
        owner = importlib.import_module(where) if where else module
        cls = get_attr(owner, name, where or module.__name__)
        fields = {k: _resolve(v, module) for k, v in value.items() if k != "@dataclass"}
        try:
            return cls(**fields)
        except TypeError as exc:
            raise VerifyError(f"building the config {value['@dataclass']} failed: {exc}") from exc
    if isinstance(value, list):
        return [_resolve(v, module) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, module) for k, v in value.items()}
    return value


def build(module, name: str, args: list, kwargs: dict, where: str):
    factory = get_attr(module, name, where)
    try:
        return factory(*_resolve(args, module), **_resolve(kwargs, module))
    except VerifyError:
        raise
    except Exception as exc:
        raise VerifyError(f"building {where}:{name} failed: {first_line(exc)}{raised_in(exc, module)}") from exc
