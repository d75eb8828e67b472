"""What really exists in the pinned MindSpore and PyTorch, read from recorded JSON.

The data files are written by scripts/gen_inventory.py from the installed
frameworks; reading them needs neither framework, so the converter can ask
"is mindspore.mint.foo real?" without importing MindSpore.

torch parameter lists use Python's own notation: '*args' and '**kwargs' for the
variadic parameters, and a bare '*' before keyword-only parameters, so the
names that can be passed positionally are those before the first '*' entry.
"""

from functools import lru_cache
from typing import Dict, FrozenSet, List, Optional

from torch2ms.knowledge.store import DATA_DIR, check, read_json


@lru_cache(maxsize=None)
def _ms_data() -> dict:
    return check("ms_api.json", read_json(DATA_DIR / "ms_api.json"), {"api": dict, "mindspore_version": str},
                 required=("api", "mindspore_version"))


def _ms_api() -> Dict[str, str]:
    return _ms_data()["api"]


@lru_cache(maxsize=None)
def _torch_data() -> dict:
    schema = {"kinds": dict, "modules": list, "params": dict, "torch_version": str}
    return check("torch_api.json", read_json(DATA_DIR / "torch_api.json"), schema, required=tuple(schema))


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


_SUBMODULE_PREFIXES = ("torch.nn.modules.", "torch.nn.parameter.")


def canonical(path: str) -> str:
    """The public name of a torch class reached through the module that defines it:
    `torch.nn.modules.activation.ReLU`, `torch.nn.modules.ReLU` and `torch.nn.parameter.Parameter`
    are `torch.nn.ReLU` and `torch.nn.Parameter` (torch.nn re-exports them; the tables name those).
    Private names (`torch.nn.modules.batchnorm._BatchNorm`) and anything else stay as they are."""
    if not path.startswith(_SUBMODULE_PREFIXES):
        return path
    parts = path.split(".")
    for end in range(3, len(parts)):  # the first part after torch.nn's submodules
        name = parts[end]
        if name.startswith("_") or not torch_is_module(".".join(parts[:end])):
            return path
        short = f"torch.nn.{name}"
        if torch_kind(short) == "class":
            return ".".join([short, *parts[end + 1:]])
    return path
