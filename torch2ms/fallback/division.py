"""Rounded division by a Python number, where MindSpore's CPU build has no kernel for it.

On MindSpore 2.10's CPU backend `mint.div(x, 2, rounding_mode="floor")` fails ("KernelMod Init
Failed: FloorDiv": the tensor-by-scalar form goes to a DivMods kernel CPU lacks; "trunc" fails
too), and so do `mint.floor_divide(x, 2)` (FloorDivScalar unregistered) and the Tensor methods
`x.div(2, rounding_mode=...)`, `x.divide(...)`, `x.floor_divide(2)` (mint.divide runs). Only with
synchronous execution (`pynative_synchronize=True`): asynchronous execution settles on another
kernel silently (probe.py probes synchronously). The tensor-by-tensor forms run. The
stand-ins make the number a 0-d tensor of the dtype torch's promotion gives the result (the
tensor's own, or float32 where an integer tensor is divided by a float) and call MindSpore's own
tensor-by-tensor kernel, captured before any stand-in is installed. Everything else (no rounding
mode, a tensor divisor) goes to MindSpore's function unchanged.
"""
from __future__ import annotations

import mindspore as ms
from mindspore import mint

from torch2ms.fallback.registry import stand_in

# The originals (this module is imported before any stand-in is installed).
_mint_div = mint.div
_mint_floor_divide = mint.floor_divide
_tensor_div = ms.Tensor.div
_tensor_divide = ms.Tensor.divide
_tensor_floor_divide = ms.Tensor.floor_divide


def _operand(input, other):
    """A Python number divisor as the 0-d tensor torch's type promotion would make of it."""
    if isinstance(other, ms.Tensor) or not isinstance(other, (bool, int, float)) or not isinstance(input, ms.Tensor):
        return other
    if input.dtype == ms.bool_:
        dtype = ms.float32 if isinstance(other, float) else ms.int64
    elif isinstance(other, float) and not input.is_floating_point():
        dtype = ms.float32  # an integer tensor divided by a float: torch's default float dtype
    else:
        dtype = input.dtype
    return ms.Tensor(other, dtype)


def _probe(call: str) -> str:
    return (f"a = t(2, 3) * 5; got = force({call}); "
            "assert np.allclose(got, np.floor(force(a) / 2)), 'wrong'")


def _rounding(original):
    """MindSpore's division `original` (a function or a Tensor method) with a rounding mode: a
    number divisor is first the 0-d tensor torch's promotion makes of it."""
    def divide(input, other, *, rounding_mode=None):
        if rounding_mode is None:
            return original(input, other)
        return original(input, _operand(input, other), rounding_mode=rounding_mode)
    return divide


def _flooring(original):
    """MindSpore's floor division `original`, with a number divisor made a 0-d tensor first."""
    def floor_divide(input, other):
        return original(input, _operand(input, other))
    return floor_divide


div = stand_in("mint.div", probe=_probe("mint.div(a, 2, rounding_mode='floor')")
               + "; force(mint.div(i(4), 3, rounding_mode='trunc'))")(_rounding(_mint_div))
floor_divide = stand_in("mint.floor_divide", probe=_probe("mint.floor_divide(a, 2)"))(_flooring(_mint_floor_divide))
tensor_div = stand_in("Tensor.div", probe=_probe("a.div(2, rounding_mode='floor')"))(_rounding(_tensor_div))
tensor_divide = stand_in("Tensor.divide", probe=_probe("a.divide(2, rounding_mode='floor')"))(_rounding(_tensor_divide))
tensor_floor_divide = stand_in("Tensor.floor_divide", probe=_probe("a.floor_divide(2)"))(_flooring(_tensor_floor_divide))
