"""Write torch2ms/profiles/transformers/data/module_bases.json: library classes that are torch.nn.Module subclasses.

A class deriving from one of these (transformers' PreTrainedModel, GradientCheckpointingLayer,
...) is a Cell too, so its `forward` becomes `construct`. Run when the transformers pin moves:

    python scripts/gen_module_bases.py
"""
from __future__ import annotations

import importlib
import inspect
import json
import pathlib
import pkgutil

import torch
import transformers

OUT = pathlib.Path(__file__).resolve().parents[1] / "torch2ms" / "profiles" / "transformers" / "data" / "module_bases.json"


def infrastructure_modules():
    """transformers' own modules, not the per-model ones (those are what users convert)."""
    for info in pkgutil.walk_packages(transformers.__path__, "transformers."):
        if ".models." in info.name or info.name.endswith(".models") or "._" in info.name:
            continue
        if any(part in info.name for part in ("tf_", "flax", "keras", "onnx", "sagemaker", "commands")):
            continue
        yield info.name


def main() -> None:
    found = set()
    for name in infrastructure_modules():
        try:
            module = importlib.import_module(name)
        except Exception:  # optional dependencies missing: those modules are not ours to map
            continue
        for attr, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, torch.nn.Module) and not attr.startswith("_"):
                if value.__module__.startswith("transformers."):
                    found.add(f"{value.__module__}.{value.__name__}")
    data = {"transformers_version": transformers.__version__, "classes": sorted(found)}
    OUT.write_text(json.dumps(data, indent=0) + "\n")
    print(f"{len(found)} classes -> {OUT}")


if __name__ == "__main__":
    main()
