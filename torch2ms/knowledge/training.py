"""Training-script knowledge (data/training.json), schema-checked: how a DataLoader becomes a
MindSpore dataset pipeline, what torch samplers mean there, which base classes a Dataset drops."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Optional, Tuple

from torch2ms.knowledge.store import DATA_DIR, check, read_json

_SCHEMA = {"about": str, "loader": dict, "samplers": dict, "dataset_bases": list, "scheduler_epoch_steps": dict}
_EPOCH_STEP = {"argument": str, "position": int, "works_with": str, "hint": str}
_LOADER = {"params": list, "dataset": dict, "batch": dict, "drop": dict, "flag": dict, "defaults": dict}
_SAMPLER = {"shuffle": bool, "to": str, "only": list}


@dataclass(frozen=True)
class LoaderForm:
    params: Tuple[str, ...]  # torch's positional order
    dataset: Dict[str, str]  # DataLoader keyword -> GeneratorDataset keyword
    batch: Dict[str, str]  # DataLoader keyword -> Dataset.batch keyword
    drop: Dict[str, str]  # keyword -> why it can go (speed/memory only)
    flag: Dict[str, str]  # keyword -> hint (no counterpart)
    defaults: Dict[str, object]  # torch's default of each keyword the conversion writes out


@dataclass(frozen=True)
class SamplerForm:
    shuffle: Optional[bool]  # the shuffle flag the sampler means, or None
    to: Optional[str]  # a MindSpore sampler taking the same leading arguments, or None
    only: Tuple[str, ...]  # the arguments the form covers (others: flagged)


@lru_cache(maxsize=None)
def _data() -> dict:
    data = check("training.json", read_json(DATA_DIR / "training.json"), _SCHEMA,
                 required=("loader", "samplers", "dataset_bases"))
    check("training.json: loader", data["loader"], _LOADER, required=tuple(_LOADER))
    for name, entry in data["samplers"].items():
        check(f"training.json: samplers: {name}", entry, _SAMPLER, required=("only",))
    return data


def loader_form() -> LoaderForm:
    raw = _data()["loader"]
    return LoaderForm(tuple(raw["params"]), raw["dataset"], raw["batch"], raw["drop"], raw["flag"], raw["defaults"])


def sampler_forms() -> Dict[str, SamplerForm]:
    return {name: SamplerForm(e.get("shuffle"), e.get("to"), tuple(e["only"]))
            for name, e in _data()["samplers"].items()}


@dataclass(frozen=True)
class EpochStep:
    """A scheduler whose MindSpore step(epoch) fails unless one constructor argument has a value."""
    argument: str  # the constructor argument
    position: int  # its position in torch's signature (the optimizer is 0)
    works_with: str  # the literal it must have (also when not given: torch's default)
    hint: str


def scheduler_epoch_steps() -> Dict[str, EpochStep]:
    raw = _data().get("scheduler_epoch_steps", {})
    for name, entry in raw.items():
        check(f"training.json: scheduler_epoch_steps: {name}", entry, _EPOCH_STEP, required=tuple(_EPOCH_STEP))
    return {name: EpochStep(e["argument"], e["position"], e["works_with"], e["hint"]) for name, e in raw.items()}


def dataset_bases() -> Tuple[str, ...]:
    return tuple(_data()["dataset_bases"])
