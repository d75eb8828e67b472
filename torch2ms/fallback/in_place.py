"""Stand-ins for Tensor methods that change the tensor itself, where MindSpore's CPU build does not.

On MindSpore 2.10's CPU backend `x.mul_(2)` *returns* the product but leaves `x` as it was
(add_, sub_, mul_, div_, exp_, floor_divide_, remainder_: no error, nothing written), and
clamp_, fill_ and masked_fill_ have no kernel at all. Each stand-in computes the out-of-place
result with CPU kernels and writes it into the tensor with copy_ (which works), returning the
tensor, as torch's `_` methods do. The probes check the tensor itself, not the returned value.
"""
from __future__ import annotations

import mindspore as ms
from mindspore import ops

from torch2ms.fallback.registry import stand_in


def write(tensor, value):
    """In place, as torch's `_` methods: copy_ writes into the tensor itself (its return value is
    another wrapper), and the method returns the tensor."""
    tensor.copy_(value.astype(tensor.dtype) if value.dtype != tensor.dtype else value)
    return tensor


def _probe(call: str, expected: str) -> str:
    """Probe code: `x` changed in place as `expected` (numpy, on the original values `a`) says."""
    return (f"x = t(2, 3) + 3; a = force(x).copy(); x.{call}; "
            f"assert np.allclose(force(x), {expected}, rtol=1e-5, atol=1e-6), 'left unchanged'")


@stand_in("Tensor.add_", probe=_probe("add_(2.0, alpha=3)", "a + 6"))
def tensor_add_(self, other, *, alpha=1):
    return write(self, self.add(other if alpha == 1 else other * alpha))


@stand_in("Tensor.sub_", probe=_probe("sub_(2.0)", "a - 2"))
def tensor_sub_(self, other, *, alpha=1):
    return write(self, self.sub(other if alpha == 1 else other * alpha))


@stand_in("Tensor.mul_", probe=_probe("mul_(2.0)", "a * 2"))
def tensor_mul_(self, value):
    return write(self, self.mul(value))


@stand_in("Tensor.div_", probe=_probe("div_(2.0)", "a / 2"))
def tensor_div_(self, value, *, rounding_mode=None):
    return write(self, self.div(value, rounding_mode=rounding_mode))


_ops_exp = ops.exp  # the original (imported before any stand-in is installed)


@stand_in("Tensor.exp_", probe=_probe("exp_()", "np.exp(a)"))
def tensor_exp_(self):
    return write(self, _ops_exp(self.astype(ms.float64)) if self.dtype == ms.float32 else _ops_exp(self))


@stand_in("Tensor.floor_divide_", probe=_probe("floor_divide_(2.0)", "np.floor_divide(a, 2)"))
def tensor_floor_divide_(self, other):
    return write(self, ops.floor_divide(self, other))


@stand_in("Tensor.remainder_", probe=_probe("remainder_(2.0)", "np.remainder(a, 2)"))
def tensor_remainder_(self, other):
    return write(self, ops.remainder(self, other))


@stand_in("Tensor.clamp_", probe=_probe("clamp_(2.5, 3.5)", "np.clip(a, 2.5, 3.5)"))
def tensor_clamp_(self, min=None, max=None):
    return write(self, ops.clamp(self, min, max))


@stand_in("Tensor.fill_", probe=_probe("fill_(1.5)", "np.full_like(a, 1.5)"))
def tensor_fill_(self, value):
    return write(self, ops.fill(self.dtype, self.shape, value) if not isinstance(value, ms.Tensor)
                 else ops.broadcast_to(value.astype(self.dtype), self.shape))


@stand_in("Tensor.masked_fill_", probe=_probe("masked_fill_(x > 3, 0.0)", "np.where(a > 3, 0.0, a)"))
def tensor_masked_fill_(self, mask, value):
    return write(self, ops.masked_fill(self, mask, value if isinstance(value, ms.Tensor)
                                       else ms.Tensor(value, self.dtype)))
