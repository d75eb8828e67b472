"""Write each profile's data/module_bases.json: library classes that are torch.nn.Module subclasses.

A class deriving from one of these (transformers' PreTrainedModel, GradientCheckpointingLayer,
diffusers' ModelMixin, ...) is a Cell too, so its `forward` becomes `construct`. Run when a
pin moves:

    python scripts/gen_module_bases.py [transformers|diffusers ...]   (default: both)
"""
from __future__ import annotations

import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from library_map import module_bases  # noqa: E402

PROFILES = pathlib.Path(__file__).resolve().parents[1] / "torch2ms" / "profiles"
# transformers: its own modules, not the per-model ones (those are what users convert);
# diffusers: every module but pipelines, whose model folders' classes are bases other model files derive from
_OTHER_FRAMEWORKS = ("tf_", "flax", "keras", "onnx", "sagemaker", "commands")
INCLUDE = {
    "transformers": lambda name: not (".models." in name or name.endswith(".models")
                                      or any(part in name for part in _OTHER_FRAMEWORKS)),
    "diffusers": lambda name: not (".pipelines" in name or any(part in name for part in _OTHER_FRAMEWORKS)),
}


def main(names) -> None:
    for name in names:
        from gen_diffusers_map import DIFFUSERS
        from gen_hf_map import TRANSFORMERS

        lib = {"transformers": TRANSFORMERS, "diffusers": DIFFUSERS}[name]
        found = module_bases(lib, INCLUDE[name])
        library = __import__(name)
        out = PROFILES / name / "data" / "module_bases.json"
        data = {f"{name}_version": library.__version__, "classes": found}
        out.write_text(json.dumps(data, indent=0) + "\n")
        print(f"{len(found)} classes -> {out}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["transformers", "diffusers"])
