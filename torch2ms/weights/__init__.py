"""`torch2ms weights`: a PyTorch checkpoint as a safetensors file the converted MindSpore model loads.

    result = convert_checkpoint("ckpt/", "model.safetensors", "out/modeling_bert.py:BertModel")
    print(result.text()); result.ok()

    checkpoint  reading .bin/.pt/.pth state_dicts and .safetensors (sharded folders too)
    matching    checkpoint names -> the model's parameter names (legacy layers' renames and shapes
                from knowledge/data/param_names.json, prefixes like `bert.`), what is left over
    convert     building the model, writing the file, the result

Needs MindSpore (and torch for .bin/.pt/.pth files), like verify.
"""
from torch2ms.weights.checkpoint import WeightsError
from torch2ms.weights.convert import WeightsResult, convert_checkpoint

__all__ = ["WeightsError", "WeightsResult", "convert_checkpoint"]
