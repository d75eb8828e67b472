"""Knowledge beyond the reference tables, each kind with its schema:

- data/extra_mappings.json: verified mappings and the other forms a torch API can take
  (answered False, unwrapped, wrapped first argument, constant, ...);
- data/init_map.json: torch.nn.init functions as MindSpore initializers;
- data/tensor_methods.json: facts about Tensor methods (in-place forms, pair results, ...).
"""
from __future__ import annotations

import importlib.metadata
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, FrozenSet, Optional, Tuple

from torch2ms.knowledge import inventory
from torch2ms.knowledge.store import DATA_DIR, KnowledgeError, check, read_json

_EXTRA_SCHEMA = {
    "about": str, "mappings": dict, "known_false": list, "unwrap": list, "wrap_first_arg": dict, "autocast": list,
    "known_false_flags": list, "backend_contexts": list, "backend_enums": list, "helpers": dict,
    "module_lookups": dict,
    "constant_calls": dict, "info_scalars": dict, "python_dtypes": dict, "method_to_function": dict,
    "mode_dependent_layers": list, "cell_methods": dict, "annotation_unwrap": list, "expression_calls": dict,
    "raising_calls": dict, "assert_calls": list, "layer_hooks": dict, "module_hooks": dict,
}


@lru_cache(maxsize=None)
def _extra() -> dict:
    data = check("extra_mappings.json", read_json(DATA_DIR / "extra_mappings.json"), _EXTRA_SCHEMA,
                 required=tuple(k for k in _EXTRA_SCHEMA if k != "about"))
    for name, entry in data["info_scalars"].items():
        check(f"extra_mappings.json: info_scalars: {name}", entry, {"type": str, "fields": list},
              required=("type", "fields"))
    for name, entry in data["cell_methods"].items():
        check(f"extra_mappings.json: cell_methods: {name}", entry, {"to": str, "receiver": str, "rename": dict,
                                                                      "pick": str, "then": str},
              required=("to", "receiver", "rename"))
    return data


def mappings() -> Dict[str, str]:
    """torch API -> a real MindSpore (or Python) API proven by execution (tests/test_extra_mappings.py)."""
    return _extra()["mappings"]


def wrapped_first_arg() -> Dict[str, list]:
    """`torch.finfo(d)` -> `numpy.finfo(mindspore.dtype_to_nptype(d))`: (function, wrapper of arg 1)."""
    return _extra()["wrap_first_arg"]


def constant_calls() -> Dict[str, str]:
    """`torch.get_default_dtype()` -> "mindspore.float32": calls whose MindSpore answer is fixed."""
    return _extra()["constant_calls"]


def layer_hooks() -> Dict[str, str]:
    """Methods torch's conv/linear layers have and mint's lack (subclasses call or override them)."""
    return _extra()["layer_hooks"]


def module_hooks() -> Dict[str, str]:
    """Private nn.Module methods torch's own code calls and MindSpore's Cell never does (overrides)."""
    return _extra()["module_hooks"]


def assert_calls() -> FrozenSet[str]:
    """`torch._assert(cond, message)`: a statement that is Python's `assert cond, message`."""
    return frozenset(_extra()["assert_calls"])


def raising_calls() -> Dict[str, str]:
    """`torch.ops.load_library` -> "OSError": calls that can only fail on MindSpore, and how."""
    return _extra()["raising_calls"]


def expression_calls() -> Dict[str, str]:
    """`torch.hub.get_dir` -> a Python expression over the standard library computing the same."""
    return _extra()["expression_calls"]


def info_scalars() -> Dict[str, dict]:
    """`torch.finfo` -> {"type": "builtins.float", "fields": [...]}: fields read as Python numbers."""
    return _extra()["info_scalars"]


def method_to_function() -> Dict[str, str]:
    """`torch.Tensor.log_softmax` -> "torch.nn.functional.log_softmax": the receiver becomes argument 1."""
    return _extra()["method_to_function"]


@lru_cache(maxsize=None)
def mode_dependent_layers() -> FrozenSet[str]:
    """torch layers whose result depends on the training flag (or that hold layers that may)."""
    return frozenset(_extra()["mode_dependent_layers"])


def cell_methods() -> Dict[str, dict]:
    """`named_parameters` -> {"to": "parameters_and_names", "receiver": "any", "rename": {...}}."""
    return _extra()["cell_methods"]


def python_dtypes() -> Dict[str, str]:
    """`float` -> "mindspore.float64": Python types torch takes as dtypes, with torch's meaning."""
    return _extra()["python_dtypes"]


@lru_cache(maxsize=None)
def autocasts() -> FrozenSet[str]:
    return frozenset(_extra()["autocast"])


@lru_cache(maxsize=None)
def known_false() -> FrozenSet[str]:
    """torch questions whose answer is False on MindSpore (CUDA? tracing? compiling?)."""
    return frozenset(_extra()["known_false"])


@lru_cache(maxsize=None)
def known_false_flags() -> FrozenSet[str]:
    """torch.backends flags of libraries MindSpore does not use (cuDNN, TF32): False when read."""
    return frozenset(_extra()["known_false_flags"])


@lru_cache(maxsize=None)
def backend_contexts() -> FrozenSet[str]:
    """Context managers that only choose a device, stream or kernel: `with` keeps their body."""
    return frozenset(_extra()["backend_contexts"])


@lru_cache(maxsize=None)
def backend_enums() -> FrozenSet[str]:
    """Enums naming torch's kernels (SDPBackend): a member is read as its name."""
    return frozenset(_extra()["backend_enums"])


def module_lookups() -> Dict[str, str]:
    """torch module -> the MindSpore module a name looked up at run time (`getattr(nn, name)`) is found in."""
    return _extra()["module_lookups"]


def helpers() -> Dict[str, str]:
    """torch API -> "module.function" of torch2ms/helpers, whose code a converted file receives."""
    return _extra()["helpers"]


@lru_cache(maxsize=None)
def annotation_unwrap() -> FrozenSet[str]:
    """Type qualifiers with no MindSpore meaning: `torch.jit.Final[int]` is `int`."""
    return frozenset(_extra()["annotation_unwrap"])


@lru_cache(maxsize=None)
def unwrapped() -> FrozenSet[str]:
    """TorchScript / torch.compile wrappers: the wrapped function or module is what remains."""
    return frozenset(_extra()["unwrap"])


# ---- other PyTorch libraries -----------------------------------------------------------------
@lru_cache(maxsize=None)
def _torch_libraries() -> dict:
    return check("torch_libraries.json", read_json(DATA_DIR / "torch_libraries.json"),
                 {"about": str, "libraries": dict, "name_marks": list, "not_libraries": list, "internals": list},
                 required=("libraries", "name_marks", "not_libraries", "internals"))


def torch_library(module: str) -> Optional[str]:
    """The library an absolute module belongs to when it is built on PyTorch (`einops.layers.torch`,
    `timm` for `timm.layers`, `torchvision`), or None (torch itself, or no PyTorch library)."""
    data = _torch_libraries()
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in data["libraries"]:
            return ".".join(parts[:end])
    top = parts[0]
    if top in data["not_libraries"]:
        return None
    if any(mark in top.lower() for mark in data["name_marks"]) or installed_on_torch(top):
        return top
    return None


@lru_cache(maxsize=None)
def installed_on_torch(top: str) -> bool:
    """Whether an installed distribution that provides the top-level module `top` requires torch
    (unconditionally, not for an extra): a PyTorch library the data does not name
    (`hyper_connections`, a research package). What is not installed here is not known to be one."""
    if top in getattr(sys, "stdlib_module_names", ()):
        return False
    for distribution in _distributions().get(top, ()):
        try:
            requirements = importlib.metadata.requires(distribution) or ()
        except importlib.metadata.PackageNotFoundError:
            continue
        for requirement in requirements:
            name, _, marker = requirement.partition(";")
            found = re.match(r"\s*([A-Za-z0-9_.-]+)", name)
            if found and found.group(1).lower() == "torch" and "extra" not in marker:
                return True
    return False


@lru_cache(maxsize=1)
def _distributions() -> Dict[str, list]:
    """Top-level module -> the installed distributions providing it (read once per process)."""
    lookup = getattr(importlib.metadata, "packages_distributions", None)  # Python 3.10+
    return lookup() if lookup is not None else {}


def is_torch_internal(api: str) -> bool:
    """Is this torch's dispatcher / operator-registration machinery (`torch._C.DispatchKey`)?"""
    return any(api == prefix or api.startswith(prefix + ".") for prefix in _torch_libraries()["internals"])


@lru_cache(maxsize=None)
def signature_gaps() -> Dict[str, str]:
    """torch layer -> how the legacy mindspore.nn class the priority rule maps it to takes other
    arguments (scripts/gen_signature_gaps.py)."""
    raw = check("signature_gaps.json", read_json(DATA_DIR / "signature_gaps.json"), {"about": str, "gaps": dict},
                required=("gaps",))
    return raw["gaps"]


def signature_gap(api: str, given: Optional[FrozenSet[str]] = None, positional: int = 0) -> str:
    """What differs, in words, between torch's constructor of `api` and the legacy mindspore.nn
    class it maps to, for a call passing `given` (argument names, positionals included by torch's
    names) with `positional` positional arguments; for a class used as a value (`given` None), all
    of it. "" when nothing that matters differs."""
    gap = signature_gaps().get(api)
    if not gap:
        return ""
    # a value may be called with any argument, or without any: every difference counts
    passed = (lambda name: True) if given is None else given.__contains__
    left_out = (lambda name: True) if given is None else (lambda name: name not in given)
    words = [f"{name} is {other} in MindSpore" for name, other in gap.get("renamed", {}).items() if passed(name)]
    words += [f"MindSpore has no {name}" for name in gap.get("missing", []) if passed(name)]
    words += [f"{name} defaults to {ms} (torch: {torch})" for name, (torch, ms) in gap.get("defaults", {}).items()
              if left_out(name) and torch != "required"]
    if gap.get("order") and (given is None or positional > 1):
        words.append("the positional order differs")
    return "; ".join(words)


def library_counterpart(library: str) -> str:
    """What a user may use instead of a PyTorch library in MindSpore ("" when none is known)."""
    return _torch_libraries()["libraries"].get(library, "")


# ---- weight initialisation ---------------------------------------------------------------
_INIT_SCHEMA = {"params": list, "initializer": str, "args": dict, "defaults": dict, "data_receiver_only": bool,
                "symmetric_bounds": list}


@lru_cache(maxsize=None)
def init_map() -> Dict[str, dict]:
    """torch.nn.init functions (and `torch.Tensor.<init>_` on `param.data`) -> how to build the
    MindSpore initializer (data/init_map.json; proven in tests/test_init_calls.py)."""
    data = read_json(DATA_DIR / "init_map.json")
    out = {}
    for api, entry in data.items():
        if api == "about":
            continue
        out[api] = check(f"init_map.json: {api}", entry, _INIT_SCHEMA, required=("params", "initializer"))
    return out


# ---- Tensor methods ----------------------------------------------------------------------
@dataclass(frozen=True)
class TensorFacts:
    in_place: Dict[str, str]
    not_mutating_on_cpu: FrozenSet[str]
    fillers: Dict[str, Tuple[str, ...]]
    shape_changing: FrozenSet[str]
    keep_in_place: FrozenSet[str]
    pair_results: Dict[str, dict]
    common_elsewhere: FrozenSet[str]


_TENSOR_SCHEMA = {"about": str, "in_place": dict, "not_mutating_on_cpu": list, "fillers": dict,
                  "shape_changing": list, "keep_in_place": list, "pair_results": dict, "common_elsewhere": list}


@lru_cache(maxsize=None)
def tensor_facts() -> TensorFacts:
    raw = check("tensor_methods.json", read_json(DATA_DIR / "tensor_methods.json"), _TENSOR_SCHEMA,
                required=tuple(k for k in _TENSOR_SCHEMA if k != "about"))
    for method, entry in raw["pair_results"].items():
        check(f"tensor_methods.json: pair_results: {method}", entry, {"needs_dim": bool})
    unknown = set(raw["not_mutating_on_cpu"]) - set(raw["in_place"])
    if unknown:
        raise KnowledgeError(f"tensor_methods.json: not_mutating_on_cpu names methods not in in_place: {unknown}")
    return TensorFacts(
        dict(raw["in_place"]), frozenset(raw["not_mutating_on_cpu"]),
        {k: tuple(v) for k, v in raw["fillers"].items()}, frozenset(raw["shape_changing"]),
        frozenset(raw["keep_in_place"]), dict(raw["pair_results"]), frozenset(raw["common_elsewhere"]),
    )


@lru_cache(maxsize=None)
def _derived_out_of_place() -> Dict[str, str]:
    """`sqrt_` -> `sqrt` for every torch in-place Tensor method MindSpore lacks while it has the
    out-of-place one (from the API inventories, data/torch_api.json and data/ms_api.json)."""
    facts = tensor_facts()
    found = {}
    for path in inventory.torch_names("torch.Tensor."):
        method = path.rsplit(".", 1)[1]
        if not method.endswith("_") or method.endswith("__") or method in facts.shape_changing | facts.keep_in_place:
            continue
        plain = method[:-1]
        if inventory.torch_kind(path) != "method" or inventory.torch_kind(f"torch.Tensor.{plain}") != "method":
            continue
        if inventory.ms_exists(f"mindspore.Tensor.{plain}") and not inventory.ms_exists(f"mindspore.Tensor.{method}"):
            found[method] = plain
    return found


def out_of_place(method: str) -> Optional[str]:
    """The out-of-place method whose result `copy_` writes back for an in-place one, or None."""
    return tensor_facts().in_place.get(method) or _derived_out_of_place().get(method)
