"""What really exists in the pinned MindSpore and PyTorch, read from recorded JSON.

The data files are written by scripts/gen_inventory.py from the installed
frameworks; reading them needs neither framework, so the converter can ask
"is mindspore.mint.foo real?" without importing MindSpore.

torch parameter lists use Python's own notation: '*args' and '**kwargs' for the
variadic parameters, and a bare '*' before keyword-only parameters, so the
names that can be passed positionally are those before the first '*' entry.
"""

import json
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional

DATA_DIR = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=None)
def _ms_data() -> dict:
    return json.loads((DATA_DIR / "ms_api.json").read_text(encoding="utf-8"))


def _ms_api() -> Dict[str, str]:
    return _ms_data()["api"]


@lru_cache(maxsize=None)
def _torch_data() -> dict:
    return json.loads((DATA_DIR / "torch_api.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _torch_modules() -> FrozenSet[str]:
    return frozenset(_torch_data()["modules"])


def ms_version() -> str:
    return _ms_data()["mindspore_version"]


def torch_version() -> str:
    return _torch_data()["torch_version"]


def ms_kind(path: str) -> Optional[str]:
    """'module', 'class', 'function', 'method', 'property', 'attribute' or 'other'; None if unknown."""
    return _ms_api().get(path)


def ms_exists(path: str) -> bool:
    return path in _ms_api()


def torch_kind(path: str) -> Optional[str]:
    kind = _torch_data()["kinds"].get(path)
    if kind is None and path in _torch_modules():
        return "module"
    return kind


def torch_names(prefix: str) -> List[str]:
    """Every recorded torch name under a prefix ("torch.Tensor.")."""
    return [name for name in _torch_data()["kinds"] if name.startswith(prefix)]


def torch_is_module(path: str) -> bool:
    return torch_kind(path) == "module"


def torch_params(path: str) -> Optional[List[str]]:
    """Parameter names of a torch callable (classes: __init__ without self); None if not recorded."""
    names = _torch_data()["params"].get(path)
    return list(names) if names is not None else None


@lru_cache(maxsize=None)
def _module_class_suffixes() -> FrozenSet[str]:
    """Every dotted tail of at least two parts ("modeling_utils.PreTrainedModel", ...)."""
    data = json.loads((DATA_DIR.parents[1] / "profiles" / "transformers" / "data" / "module_bases.json").read_text(encoding="utf-8"))
    tails = set()
    for name in data["classes"]:
        parts = name.split(".")
        tails.update(".".join(parts[i:]) for i in range(len(parts) - 1))
    return frozenset(tails)


def is_library_module_class(qualname: str) -> bool:
    """Does an import (absolute, or relative as inside transformers) name a library nn.Module class?
    mindone's ports of them (a converted file converted again) count too."""
    name = qualname.lstrip(".")
    return name in _module_class_suffixes() or name.startswith("mindone.") and name[8:] in _module_class_suffixes()
