"""Stand-ins for `mindspore.mint.optim` optimizers that do not train on MindSpore's CPU backend.

Measured with MindSpore 2.10 on CPU: `mint.optim.SGD` and `mint.optim.Adam` run without
error but leave every parameter as it was, and `mint.optim.AdamW` has no CPU kernel.
`mindspore.experimental.optim` has the same classes with the same signatures and the same
algorithms (mint's subclass the same `experimental.optim.Optimizer`), written with kernels
CPU has. Each stand-in is that class, under mint's name, for verification only: converted
code keeps `mint.optim` (docs/training.md).
"""
from __future__ import annotations

import mindspore as ms
import mindspore.experimental.optim as experimental
from mindspore import ops

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
    """experimental.Adam, except that it honours amsgrad (MindSpore 2.10's experimental Adam takes
    the flag but never uses it; mint's Adam does): with amsgrad, torch's update, step by step."""

    def construct(self, gradients):
        if not any(group.get("amsgrad") for group in self.param_groups):
            return super().construct(gradients)
        self.assignadd(self.state_step, self.increase_tensor)
        step = self.state_step.astype(ms.float32)
        for group_id, group in enumerate(self.param_groups):
            lr = group["lr"] if isinstance(group["lr"], float) else self.lrs[group_id]
            beta1, beta2 = group["betas"]
            correction1, correction2 = 1 - beta1 ** step, 1 - beta2 ** step
            for index in range(self.group_start_id[group_id], self.group_start_id[group_id + 1]):
                param, grad = self.parameters[index], gradients[index]
                grad = -grad if group.get("maximize") else grad
                if group["weight_decay"]:
                    grad = grad + group["weight_decay"] * param
                exp_avg, exp_avg_sq = self.exp_avg[index], self.exp_avg_sq[index]
                ops.assign(exp_avg, exp_avg * beta1 + grad * (1 - beta1))
                ops.assign(exp_avg_sq, exp_avg_sq * beta2 + grad * grad * (1 - beta2))
                second = exp_avg_sq
                if group.get("amsgrad"):
                    second = ops.maximum(self.max_exp_avg_sq[index], exp_avg_sq)
                    ops.assign(self.max_exp_avg_sq[index], second)
                denom = ops.sqrt(second) / ops.sqrt(correction2) + group["eps"]
                param.copy_(param - (lr / correction1) * exp_avg / denom)  # a view parameter takes no ops.assign
        return True


@stand_in("mint.optim.AdamW", probe=_PROBE.format(name="AdamW"))
class AdamW(experimental.AdamW):
    pass
