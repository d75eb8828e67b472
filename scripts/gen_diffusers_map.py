"""Write torch2ms/profiles/diffusers/data/diffusers_map.json: where diffusers' infrastructure lives in
mindone.diffusers.

The diffusers profile (torch2ms/profiles/diffusers/) turns a diffusers modeling file into a
mindone-style one. What it needs to know is read by scripts/library_map.py from the installed
packages (see there for what each list means); here is only what is particular to diffusers:

* its modeling files are every module of diffusers/models (the Flax ones aside), and mindone
  keeps its port of one at the same relative path;
* the model code is the model folders (models/unets, autoencoders, transformers, controlnets):
  a modeling file's imports from there are other models' code, converted alongside; everything
  else it imports (modeling_utils, attention_processor, embeddings, configuration_utils, utils,
  loaders, hooks, ...) is infrastructure;
* `answers`: library constants and availability checks mindone's ports never import, whose
  value without torch is a bool (`USE_PEFT_BACKEND`, `is_torch_npu_available()`): a port runs
  with that value, so the branches they guard fold away as in mindone's own ports;
* `compat`: torch APIs MindSpore lacks that mindone.diffusers supplies itself, each under
  torch's name in its compatibility module (models/layers_compat.py: `RMSNorm`,
  `scaled_dot_product_attention`, ...), kept when torch has an API of that name and kind
  whose parameters mindone's accepts, and the tool has no MindSpore counterpart for it.

Run when a pin moves (a few minutes; needs torch, diffusers and mindone installed):

    python scripts/gen_diffusers_map.py
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import pathlib
import sys
from typing import Dict, Iterable, List

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from library_map import Library, build, compare, params, write  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[1] / "torch2ms" / "profiles" / "diffusers" / "data" / "diffusers_map.json"

SKIP_PARTS = ("flax", "onnx", "dummy_", "commands", "pipelines")
NAMED = (
    "models.modeling_utils", "models.attention_processor", "models.attention_dispatch", "models.attention",
    "models.embeddings", "models.normalization", "models.activations", "models.modeling_outputs",
    "models.cache_utils", "models.resnet", "models.downsampling", "models.upsampling", "configuration_utils",
    "utils", "utils.torch_utils", "utils.accelerate_utils", "utils.import_utils", "loaders", "hooks",
)
COMPAT = "mindone.diffusers.models.layers_compat"
# where torch keeps an API of a compat name: functions first, then layers, then Tensor methods
TORCH_HOMES = ("torch.nn.functional", "torch.nn", "torch")


def model_folders(root: pathlib.Path) -> List[str]:
    return sorted(p.name for p in (root / "models").iterdir() if (p / "__init__.py").exists())


def _is_model_module(name: str) -> bool:
    parts = name.split(".")
    return len(parts) > 3 and parts[:2] == ["diffusers", "models"] and parts[2] in FOLDERS


def modeling_files(root: pathlib.Path) -> Iterable[pathlib.Path]:
    for path in sorted((root / "models").rglob("*.py")):
        if path.name != "__init__.py" and not any(part in str(path.relative_to(root)) for part in SKIP_PARTS):
            yield path


def compat(troot: pathlib.Path) -> Dict[str, str]:
    """torch API -> mindone's own stand-in for it, where the tool has no MindSpore counterpart."""
    import torch

    from torch2ms.knowledge import record

    module = importlib.import_module(COMPAT)
    out = {}
    for name in getattr(module, "__all__", ()):
        mine = getattr(module, name, None)
        for home in TORCH_HOMES:
            theirs = getattr(importlib.import_module(home), name, None)
            if theirs is None or inspect.isclass(theirs) != inspect.isclass(mine):
                continue
            qualname = f"{home}.{name}"
            if record(qualname).target is not None:
                break  # the tool maps it to MindSpore itself
            ours = params(mine.__init__, bound=True) if inspect.isclass(mine) else params(mine)
            torchs = _torch_params(theirs)
            change = compare(torchs, ours) if ours is not None and torchs is not None else None
            if change is None or set(change["drop"]) <= {"device"} and not change.get("needs"):
                out[qualname] = f"{COMPAT}.{name}"  # device= goes with the device rule
            break
    del torch
    return dict(sorted(out.items()))


def _torch_params(obj):
    if inspect.isclass(obj):
        return params(obj.__init__, bound=True)
    try:
        return params(obj)
    except (TypeError, ValueError):
        return None


ROOT = pathlib.Path(importlib.util.find_spec("diffusers").origin).parent
FOLDERS = frozenset(model_folders(ROOT))

DIFFUSERS = Library(
    name="diffusers",
    out=OUT,
    skip_parts=SKIP_PARTS,
    named=NAMED,
    modeling_files=modeling_files,
    package_of=lambda root, path: ["diffusers", *path.relative_to(root).parts[:-1]],
    is_own=lambda module, package: _is_model_module(module),
    is_model_module=_is_model_module,
    port_of=lambda troot, mroot, path: mroot / path.relative_to(troot),
    extra=lambda troot: {"compat": compat(troot)},
    answers=True,
)


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write(DIFFUSERS, build(DIFFUSERS))
