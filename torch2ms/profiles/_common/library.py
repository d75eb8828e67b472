"""A library a profile ports onto mindone: its map (from scripts/library_map.py), layout and wording.

The map is JSON in the profile's data/ folder, checked against its schema when read: every
module of the library's infrastructure with what mindone has of it (ModuleEntry), the
signatures and methods mindone changed, and keys particular to the library (each profile
names them with their types).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, FrozenSet, Optional, Tuple

from torch2ms.knowledge.store import check, read_json

_MODULE = {"mindone_module": (str, type(None)), "to_mindone": list, "moved": dict, "keep": list, "keep_at": dict,
           "drop": list, "needs_torch": list, "imports_torch": bool}
_CHANGE = {"drop": list, "at": list, "positional": bool, "rename": dict, "needs": list, "values": bool}


@dataclass(frozen=True)
class ModuleEntry:
    """What the mindone port has of one module of the library."""
    mindone_module: Optional[str]
    to_mindone: frozenset  # names mindone has under the same name
    moved: Dict[str, str]  # name -> where mindone has it (another module or name)
    keep: frozenset  # names that stay in the library and need no torch
    keep_at: Dict[str, str]  # names that stay in the library, imported from another module
    drop: frozenset  # decorators mindone's own ports drop
    needs_torch: frozenset  # names only the library has, needing torch: flagged at each use
    imports_torch: bool  # importing the module imports torch (a file importing it is a modeling file)


class LibraryMap:
    """One map file, read once: `name`_version, mindone_version, modules, signatures, methods, and
    the library's own keys (`extra`: key -> type)."""

    def __init__(self, path: Path, library: str, extra: Dict[str, type]):
        self.path, self.library = path, library
        self.schema = {f"{library}_version": str, "mindone_version": str, "modules": dict, "signatures": dict,
                       "methods": dict, **extra}
        self._entries: Dict[str, Optional[ModuleEntry]] = {}

    @property
    def data(self) -> dict:
        return _read(self.path, tuple(sorted(self.schema.items(), key=lambda kv: kv[0])))

    def module_entry(self, module: str) -> Optional[ModuleEntry]:
        if module not in self._entries:
            raw = self.data["modules"].get(module)
            self._entries[module] = None if raw is None else ModuleEntry(
                raw["mindone_module"], frozenset(raw["to_mindone"]), raw.get("moved", {}),
                frozenset(raw.get("keep", ())), raw.get("keep_at", {}),
                frozenset(raw.get("drop", ())), frozenset(raw.get("needs_torch", ())), raw["imports_torch"],
            )
        return self._entries[module]

    def signature_change(self, name: str) -> Optional[dict]:
        """How mindone's signature of a library function differs (drop/at/positional/rename/needs)."""
        return self.data["signatures"].get(name)

    def method_change(self, cls: str, method: str) -> Optional[dict]:
        return self.data["methods"].get(cls, {}).get(method)

    def get(self, key: str, default=None):
        return self.data.get(key, default)


@lru_cache(maxsize=None)
def _read(path: Path, schema: Tuple[Tuple[str, type], ...]) -> dict:
    schema_dict = dict(schema)
    data = check(path.name, read_json(path), schema_dict, required=tuple(schema_dict))
    for module, entry in data["modules"].items():
        check(f"{path.name}: modules: {module}", entry, _MODULE, required=("mindone_module", "to_mindone",
                                                                           "imports_torch"))
    for name, change in data["signatures"].items():
        check(f"{path.name}: signatures: {name}", change, _CHANGE, required=("drop", "at", "positional"))
    for cls, methods in data["methods"].items():
        for method, change in methods.items():
            check(f"{path.name}: methods: {cls}.{method}", change, _CHANGE, required=("drop", "at", "positional"))
    return data


@lru_cache(maxsize=None)
def read_bases(path: Path, library: str) -> FrozenSet[str]:
    """The library's nn.Module subclasses (data/module_bases.json, scripts/gen_module_bases.py)."""
    data = check(path.name, read_json(path), {f"{library}_version": str, "classes": list}, required=("classes",))
    return frozenset(data["classes"])


@dataclass(frozen=True)
class Layout:
    package: Optional[Tuple[str, ...]]  # ("transformers", "models", "bert") when known exactly
    model: Optional[str]  # the folder's name otherwise (a hint for what a relative import means)


@dataclass(frozen=True)
class Library:
    """What a profile tells the shared rules about the library it ports."""
    name: str  # "transformers": the library's top package
    map: LibraryMap
    layout_of: Callable[[str], Layout]  # where a file sits
    resolve: Callable[[int, str, Layout], Tuple[Optional[str], bool]]  # (dots, module) -> (absolute, sibling)
    stays_silently: Callable[[str], bool]  # an unmapped module the port keeps importing from the library
    unknown_hint: str  # the note on a name the map does not know
    needs_torch_hint: str = ""  # the note on a name only the library has, needing torch
    answers: Dict[str, dict] = field(default_factory=dict)  # library name -> {"value": v, "call": bool}

    @property
    def port(self) -> str:
        return f"mindone.{self.name}"

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other) -> bool:
        return isinstance(other, Library) and other.name == self.name
