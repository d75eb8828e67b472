"""Write torch2ms/profiles/transformers/data/hf_map.json: where transformers' infrastructure lives in
mindone.transformers.

The transformers profile (torch2ms/profiles/transformers/) turns a transformers modeling file
into a mindone-style one. What it needs to know is read by scripts/library_map.py from the
installed packages (see there for what each list means); here is only what is particular to
transformers: its modeling files are models/<model>/modeling_<model>.py, mindone keeps its port of
one at the same place, a model's own package is its own code (another model's modules count as
infrastructure), and the JSON also lists the model packages and configuration modules
(configurations keep coming from transformers). Run when a pin moves (takes a few minutes;
needs torch, transformers and mindone installed):

    python scripts/gen_hf_map.py
"""
from __future__ import annotations

import pathlib
import sys
from typing import Iterable, List

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from library_map import Library, build, write  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[1] / "torch2ms" / "profiles" / "transformers" / "data" / "hf_map.json"

# Families transformers ships for other frameworks or tools: never what a port imports.
SKIP_PARTS = ("tf_", "_tf", "flax", "keras", "onnx", "sagemaker", "commands", "kernels", "dummy_")
# The modules the brief names, in case a future transformers stops importing one.
NAMED = (
    "modeling_utils", "activations", "pytorch_utils", "modeling_outputs", "cache_utils", "masking_utils",
    "modeling_layers", "integrations", "generation", "utils", "modeling_attn_mask_utils",
    "modeling_rope_utils", "processing_utils", "modeling_flash_attention_utils",
)


def modeling_files(root: pathlib.Path) -> Iterable[pathlib.Path]:
    for path in sorted((root / "models").glob("*/modeling_*.py")):
        if not any(part in path.name for part in SKIP_PARTS):
            yield path


def config_modules(troot: pathlib.Path) -> List[str]:
    return sorted(
        f"transformers.models.{p.parent.name}.{p.stem}" for p in (troot / "models").glob("*/configuration_*.py")
    )


TRANSFORMERS = Library(
    name="transformers",
    out=OUT,
    skip_parts=SKIP_PARTS,
    named=NAMED,
    modeling_files=modeling_files,
    package_of=lambda root, path: ["transformers", "models", path.parent.name],
    is_own=lambda module, package: module.startswith(".".join(package) + "."),
    is_model_module=lambda name: ".models" in name,
    port_of=lambda troot, mroot, path: mroot / "models" / path.parent.name / path.name,
    extra=lambda troot: {
        "config_modules": config_modules(troot),
        "model_packages": sorted(p.name for p in (troot / "models").iterdir() if (p / "__init__.py").exists()),
    },
)


if __name__ == "__main__":
    write(TRANSFORMERS, build(TRANSFORMERS))
