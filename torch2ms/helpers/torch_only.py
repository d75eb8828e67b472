"""A stand-in for a torch API with no MindSpore counterpart, in a module of a converted package
that refers to it where torch is not installed: at import time (`REGISTRY["lrn"] =
nn.LocalResponseNorm`) or in a table of alternatives (`(nn.Conv1d, nn.Conv2d, nn.ConvTranspose3d)
[dim - 1]`). The module imports, the other entries work, nothing is an instance of the stand-in,
and building or calling it raises, naming the API.

torch2ms writes this code into converted modules that refer to such an API.
"""
from __future__ import annotations


def _torch_only(api):
    """A class standing for `api`: building it (or a subclass that calls super().__init__) raises."""
    def refuse(self, *args, **kwargs):
        raise NotImplementedError(f"{api} is PyTorch's, with no MindSpore counterpart: torch2ms flagged it "
                                  "where this module refers to it (a `# torch2ms:` note)")
    return type(api.rpartition(".")[2], (), {"__init__": refuse, "__call__": refuse, "__module__": api.rpartition(".")[0]})
