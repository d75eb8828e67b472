"""Reading a PyTorch checkpoint into name -> MindSpore tensor, dtypes kept (bfloat16 too).

A file: `.safetensors` (read by MindSpore itself, no torch needed) or a pickled state_dict
(`.bin`, `.pt`, `.pth`, read by torch with weights_only=True: no code in the file runs). A
training checkpoint that wraps the state_dict (`{"state_dict": ...}`, `{"model": ...}`) is
unwrapped. A folder (save_pretrained's): its model.safetensors or pytorch_model.bin, or the
shards its index file names.
"""
from __future__ import annotations

import json
import os
from typing import Dict, List, Tuple

WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                "pytorch_model.bin.index.json")
PICKLED = (".bin", ".pt", ".pth", ".ckpt")
WRAPPERS = ("state_dict", "model_state_dict", "model", "module")


class WeightsError(Exception):
    """The weights cannot be converted as asked; usage=True: the request itself is wrong."""

    def __init__(self, message: str, usage: bool = False):
        super().__init__(message)
        self.usage = usage


def weight_files(path: str) -> List[str]:
    """The files holding the tensors of a checkpoint file or folder."""
    if os.path.isfile(path):
        return [path]
    if not os.path.isdir(path):
        raise WeightsError(f"{path}: no such file or folder", usage=True)
    for name in WEIGHT_FILES:
        candidate = os.path.join(path, name)
        if not os.path.isfile(candidate):
            continue
        if not name.endswith(".index.json"):
            return [candidate]
        try:
            with open(candidate, encoding="utf-8") as fh:
                shards = sorted(set(json.load(fh)["weight_map"].values()))
        except (OSError, ValueError, KeyError, AttributeError) as exc:
            raise WeightsError(f"{candidate}: not a checkpoint index ({exc})") from None
        return [os.path.join(path, shard) for shard in shards]
    raise WeightsError(f"{path}: no {', '.join(WEIGHT_FILES)} in this folder", usage=True)


def _from_torch(value):
    import mindspore as ms
    import torch

    value = value.detach().cpu()
    if value.dtype == torch.bfloat16:  # numpy has no bfloat16: through float32, which holds it exactly
        return ms.Tensor(value.float().numpy()).astype(ms.bfloat16)
    return ms.Tensor(value.numpy())


def _unwrap(loaded, path: str) -> dict:
    if not isinstance(loaded, dict):
        raise WeightsError(f"{path}: holds a {type(loaded).__name__}, not a state_dict (save model.state_dict())")
    for key in WRAPPERS:  # a training checkpoint: {"state_dict": ..., "epoch": 3, "optimizer": ...}
        inner = loaded.get(key)
        if isinstance(inner, dict) and inner:
            return _unwrap(inner, path)
    return loaded


def _read_pickled(path: str) -> Dict[str, object]:
    try:
        import torch
    except ImportError:
        raise WeightsError(f"{path}: reading a pickled checkpoint needs torch (or convert it to safetensors)") from None
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001  (pickle, zip and torch errors alike)
        raise WeightsError(f"{path}: torch cannot read it as a state_dict: {type(exc).__name__}: {exc}") from None
    state = _unwrap(loaded, path)
    return {name: _from_torch(value) for name, value in state.items() if isinstance(value, torch.Tensor)}


def _read_safetensors(path: str) -> Dict[str, object]:
    import mindspore as ms

    try:
        loaded = ms.load_checkpoint(path, format="safetensors")
    except Exception as exc:  # noqa: BLE001
        raise WeightsError(f"{path}: not a readable safetensors file: {type(exc).__name__}: {exc}") from None
    return {name: ms.Tensor(param.asnumpy()) if param.dtype != ms.bfloat16 else param.value()
            for name, param in loaded.items()}


def read_checkpoint(path: str) -> Tuple[Dict[str, object], List[str]]:
    """(name -> mindspore.Tensor, the files read)."""
    files = weight_files(path)
    tensors: Dict[str, object] = {}
    for file in files:
        if file.endswith(".safetensors"):
            part = _read_safetensors(file)
        elif file.endswith(PICKLED):
            part = _read_pickled(file)
        else:
            raise WeightsError(f"{file}: a checkpoint is .safetensors, {', '.join(PICKLED)}", usage=True)
        clash = set(part) & set(tensors)
        if clash:
            raise WeightsError(f"{file}: {sorted(clash)[0]} is in another shard too")
        tensors.update(part)
    if not tensors:
        raise WeightsError(f"{path}: no tensors in it")
    return tensors, files
