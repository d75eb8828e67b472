"""Project configuration: `[tool.torch2ms]` in pyproject.toml, or a torch2ms.toml.

Found by walking up from the first path given (the nearest folder holding a torch2ms.toml,
or a pyproject.toml with a [tool.torch2ms] table; a torch2ms.toml wins in the same folder),
stopping at the repository root (a folder with .git or .hg). Every key is checked: an
unknown key or a wrong type is an error naming the file and the key. Paths in the file
(rules files, reports) are relative to the file's folder; include/exclude globs are matched
against paths relative to it too. Command-line flags override the file (docs/config.md).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from torch2ms.knowledge.store import KnowledgeError
from torch2ms.knowledge.user_rules import _toml

CONFIG_NAME = "torch2ms.toml"
# key -> (JSON/TOML type, what it means); docs/config.md lists the same
KEYS: Dict[str, Tuple[type, str]] = {
    "include": (list, "globs of the .py/.ipynb files to convert (default: all)"),
    "exclude": (list, "globs of files and folders not to convert (copied as they are when mirroring)"),
    "profile": (str, "auto, none, or a profile's name"),
    "report": (list, "report files to write; the format comes from each one's extension"),
    "jobs": (int, "worker processes"),
    "rules": (list, "the project's own rules files (JSON or TOML, the schema of the shipped data)"),
    "max-flags": (int, "check: fail when there are more flags than this"),
    "notebook-outputs": (str, "keep or clear (default) the outputs of a converted notebook"),
}


class ConfigError(Exception):
    """A configuration file that cannot be used: the message names the file and the key."""


@dataclass
class Config:
    path: Optional[Path] = None  # the file it came from (None: no configuration)
    include: List[str] = field(default_factory=list)
    exclude: List[str] = field(default_factory=list)
    profile: Optional[str] = None
    report: List[str] = field(default_factory=list)
    jobs: Optional[int] = None
    rules: List[str] = field(default_factory=list)
    max_flags: Optional[int] = None
    notebook_outputs: Optional[str] = None

    @property
    def root(self) -> Optional[Path]:
        return self.path.parent if self.path else None

    def selector(self, src_root: str) -> Optional[Callable[[str], bool]]:
        """select(rel) for runner.plan_folder, rel being relative to src_root; None: everything."""
        if not self.include and not self.exclude:
            return None
        base = self._relative(src_root)
        return lambda rel: self._selected(f"{base}/{rel}" if base else rel)

    def accepts(self, path: str) -> bool:
        """For a file given by name (check's and pre-commit's way): is it selected?"""
        if not self.include and not self.exclude:
            return True
        return self._selected(self._relative(path) or os.path.basename(path))

    def _selected(self, path: str) -> bool:
        if self.include and not any(_glob(p).match(path) for p in self.include):
            return False
        return not any(_glob(p).match(path) for p in self.exclude)

    def _relative(self, path: str) -> str:
        """path relative to the config's folder, "/"-separated ("" if it is that folder or outside it)."""
        if self.root is None:
            return ""
        rel = os.path.relpath(os.path.realpath(path), os.path.realpath(self.root))
        return "" if rel == "." or rel.startswith("..") else rel.replace(os.sep, "/")


@lru_cache(maxsize=None)
def _glob(pattern: str) -> "re.Pattern[str]":
    """A glob on "/"-separated relative paths: `*` and `?` stay within a folder, `**` crosses
    folders; a pattern without "/" matches at any depth (like .gitignore); a pattern that
    names a folder matches everything under it."""
    pattern = pattern.strip()
    pattern = pattern[2:] if pattern.startswith("./") else pattern
    anchored = "/" in pattern.rstrip("/")
    pattern = pattern.rstrip("/")
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    body = "".join(out)
    return re.compile(("^" if anchored else r"^(?:.*/)?") + body + r"(?:/.*)?$")


def _table(path: Path) -> Optional[dict]:
    """The torch2ms table of a config file (None: a pyproject.toml without one)."""
    toml = _toml()
    try:
        data = toml.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except toml.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.name == CONFIG_NAME:
        return data.get("tool", {}).get("torch2ms", data) if "tool" in data else data
    return data.get("tool", {}).get("torch2ms")


def find(start: str) -> Optional[Path]:
    """The configuration file for a path, or None."""
    folder = Path(os.path.abspath(start))
    if not folder.is_dir():
        folder = folder.parent
    while True:
        own = folder / CONFIG_NAME
        if own.is_file():
            return own
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                if _table(pyproject) is not None:
                    return pyproject
            except ConfigError:
                pass  # someone else's broken pyproject.toml is not ours to report
        if (folder / ".git").exists() or (folder / ".hg").exists() or folder.parent == folder:
            return None
        folder = folder.parent


def load(path: Path, profiles: Sequence[str] = ()) -> Config:
    """Read and check a configuration file; `profiles` are the names `profile` may take."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    try:
        table = _table(path)
    except KnowledgeError as exc:  # no TOML parser
        raise ConfigError(f"{path}: {exc}") from None
    where = f"{path}: [tool.torch2ms]" if path.name == "pyproject.toml" else str(path)
    if table is None:
        raise ConfigError(f"{where}: no [tool.torch2ms] table")
    config = Config(path)
    for key, value in table.items():
        if key not in KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(KEYS)})")
        kind = KEYS[key][0]
        if kind is list and isinstance(value, str):
            value = [value]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
            raise ConfigError(f"{where}: {key!r} must be {'a list of strings' if kind is list else kind.__name__}, "
                              f"not {type(value).__name__}")
        if kind is list and not all(isinstance(item, str) for item in value):
            raise ConfigError(f"{where}: {key!r} must be a list of strings")
        setattr(config, key.replace("-", "_"), value)
    if config.profile is not None and config.profile not in ("auto", "none", *profiles):
        raise ConfigError(f"{where}: profile {config.profile!r} is not auto, none or one of: {', '.join(profiles)}")
    if config.jobs is not None and config.jobs < 1:
        raise ConfigError(f"{where}: 'jobs' must be at least 1")
    if config.max_flags is not None and config.max_flags < 0:
        raise ConfigError(f"{where}: 'max-flags' must be 0 or more")
    if config.notebook_outputs not in (None, "keep", "clear"):
        raise ConfigError(f"{where}: 'notebook-outputs' must be keep or clear")
    root = path.parent
    config.rules = [str(root / item) for item in config.rules]
    config.report = [str(root / item) for item in config.report]
    return config
