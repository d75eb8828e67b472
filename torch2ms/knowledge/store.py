"""Reading the shipped data files, each checked against the schema of its kind.

Every loader of the knowledge layer goes through here, so a data file that is missing
(a broken install), empty, not JSON, or holding a key no schema knows (a typo, or data
newer than the code) stops the tool with a message naming the file and the key, instead
of silently converting worse. Only the standard library is used: the converter imports
this on every run.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, TypeVar, Union

DATA_DIR = Path(__file__).resolve().parent / "data"

# A schema: key -> allowed JSON type(s). `str`, `bool`, `list`, `dict`, `(str, type(None))`, ...
Schema = Mapping[str, Union[type, Tuple[type, ...]]]


class KnowledgeError(Exception):
    """A data file of the tool is missing, empty or malformed (the installation is broken)."""


# ---- the user's rules over the shipped data, and the caches that must forget them -------------
# Every cache of something computed from the data (a loader's result, a record, a rule's derived
# table) goes through `cached`, so that installing a user's rules (knowledge/user_rules.py) for a
# run reaches all of them: they are cleared, and the loaders read `overlay()` on the next call.
_Fn = TypeVar("_Fn", bound=Callable[..., Any])
_CACHES: List[Any] = []
_OVERLAY: Optional[Any] = None


def cached(function: _Fn) -> _Fn:
    """functools.lru_cache, cleared whenever the user's rules change."""
    wrapped = lru_cache(maxsize=None)(function)
    _CACHES.append(wrapped)
    return wrapped  # type: ignore[return-value]


def overlay() -> Optional[Any]:
    """The user's rules laid over the shipped data for this run (a user_rules.UserRules), or None."""
    return _OVERLAY


def set_overlay(rules: Optional[Any]) -> None:
    global _OVERLAY
    _OVERLAY = rules
    for cache in _CACHES:
        cache.cache_clear()


def _where(path: Path) -> str:
    try:
        return str(path.relative_to(DATA_DIR.parents[2]))
    except ValueError:
        return str(path)


def read_json(path: Path) -> Any:
    """The JSON in `path`; a KnowledgeError if it is missing, unreadable, not JSON or empty."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeError(f"{_where(path)}: data file missing (is torch2ms installed with its data?)") from None
    except OSError as exc:
        raise KnowledgeError(f"{_where(path)}: cannot read: {exc.strerror or exc}") from None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise KnowledgeError(f"{_where(path)}: not valid JSON: {exc}") from None
    if not value:
        raise KnowledgeError(f"{_where(path)}: the data file is empty")
    return value


def read_folder(folder: Path) -> Dict[str, Tuple[str, Any]]:
    """All entries of the *.json files of a folder: key -> (file name, value); a key in two
    files, an empty folder or an empty file is an error."""
    files = sorted(folder.glob("*.json"))
    if not files:
        raise KnowledgeError(f"{_where(folder)}: no data files (is torch2ms installed with its data?)")
    merged: Dict[str, Tuple[str, Any]] = {}
    for path in files:
        entries = read_json(path)
        if not isinstance(entries, dict):
            raise KnowledgeError(f"{_where(path)}: expected an object of entries")
        for key, value in entries.items():
            if key in merged:
                raise KnowledgeError(f"{_where(path)}: {key} is in {merged[key][0]} too")
            merged[key] = (path.name, value)
    return merged


def check(where: str, value: Any, schema: Schema, required: Tuple[str, ...] = ()) -> dict:
    """`value` must be an object whose keys the schema knows, with values of the schema's types."""
    if not isinstance(value, dict):
        raise KnowledgeError(f"{where}: expected an object, got {type(value).__name__}")
    for key, item in value.items():
        if key not in schema:
            known = ", ".join(sorted(schema))
            raise KnowledgeError(f"{where}: unknown key {key!r} (known: {known})")
        if not isinstance(item, schema[key]):
            raise KnowledgeError(f"{where}: {key!r} must be {_type_names(schema[key])}, "
                                 f"not {type(item).__name__}")
    missing = [key for key in required if key not in value]
    if missing:
        raise KnowledgeError(f"{where}: missing {', '.join(missing)}")
    return value


def _type_names(types) -> str:
    types = types if isinstance(types, tuple) else (types,)
    names = {str: "a string", bool: "true/false", list: "a list", dict: "an object", int: "an integer",
             type(None): "null"}
    return " or ".join(names.get(t, t.__name__) for t in types)
