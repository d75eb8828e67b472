"""Stand-ins for `mindspore.mint.optim` optimizers that do not train on MindSpore's CPU backend.

Measured with MindSpore 2.10 on CPU: `mint.optim.SGD` and `mint.optim.Adam` run without
error but leave every parameter as it was, and `mint.optim.AdamW` has no CPU kernel.
`mindspore.experimental.optim` has the same classes with the same signatures and the same
algorithms (mint's subclass the same `experimental.optim.Optimizer`), written with kernels
CPU has. Each stand-in is that class, under mint's name, for verification only: converted
code keeps `mint.optim` (docs/training.md).
"""
from __future__ import annotations

import mindspore.experimental.optim as experimental

from torch2ms.fallback.registry import stand_in

# A step on one parameter with gradient 1 must move it (lr 0.1): otherwise the kernel is missing
# or does nothing.
_PROBE = """
import mindspore.experimental.optim
p = ms.Parameter(t(3), name="w")
before = p.asnumpy().copy()
opt = mint.optim.{name}([p], lr=0.1)
opt((ms.Tensor(np.ones(3, np.float32)),))
if np.allclose(before, p.asnumpy()):
    raise RuntimeError("mint.optim.{name} left the parameter unchanged")
"""


@stand_in("mint.optim.SGD", probe=_PROBE.format(name="SGD"))
class SGD(experimental.SGD):
    pass


@stand_in("mint.optim.Adam", probe=_PROBE.format(name="Adam"))
class Adam(experimental.Adam):
    pass


@stand_in("mint.optim.AdamW", probe=_PROBE.format(name="AdamW"))
class AdamW(experimental.AdamW):
    pass
