"""How legacy mindspore.nn layers name and shape their parameters, where torch's differ
(data/param_names.json): `nn.LayerNorm`'s weight is `gamma`, `nn.Embedding`'s is
`embedding_table`, `nn.Conv1d` keeps an extra unit axis. Layers are named by their public
path (`mindspore.nn.LayerNorm`); the code that holds live cells (torch2ms/weights,
verify/parity.py) resolves them, so this module needs no framework."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Dict, Optional

from torch2ms.knowledge.store import DATA_DIR, KnowledgeError, check, read_json


@dataclass(frozen=True)
class LayerNames:
    rename: Dict[str, Optional[str]] = field(default_factory=dict)  # torch attribute -> MindSpore name (None: dropped)
    unit_axis: bool = False  # the weight has an extra axis of size 1: same data, reshaped


@lru_cache(maxsize=None)
def legacy_layers() -> Dict[str, LayerNames]:
    raw = check("param_names.json", read_json(DATA_DIR / "param_names.json"), {"about": str, "layers": dict},
                required=("layers",))
    found = {}
    for layer, entry in raw["layers"].items():
        where = f"param_names.json: {layer}"
        check(where, entry, {"rename": dict, "unit_axis": bool})
        for torch_name, ms_name in entry.get("rename", {}).items():
            if ms_name is not None and not isinstance(ms_name, str):
                raise KnowledgeError(f"{where}: rename {torch_name!r} must be a name or null")
        found[layer] = LayerNames(dict(entry.get("rename", {})), entry.get("unit_axis", False))
    return found
