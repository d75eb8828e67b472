"""torch.nn.utils.weight_norm / parametrizations.weight_norm / remove_weight_norm for MindSpore
cells, under torch's parameter names so torch's state dict loads by name.

torch2ms writes this code into converted files that call them (MindSpore has no weight norm).
"""
from __future__ import annotations


def _wn_norm(v, dim):
    # the L2 norm of v over every axis but `dim`, kept broadcastable; over all of them when dim is
    # None or -1 (torch's norm_except_dim reads -1 so, and only -1 of the negative dims)
    import mindspore
    if dim is None or dim == -1:
        return mindspore.ops.sqrt((v * v).sum())
    axes = tuple(a for a in range(v.ndim) if a != dim % v.ndim)
    return mindspore.ops.sqrt((v * v).sum(axis=axes, keepdims=True))


def _wn_attach(cell, name, dim, holder, g_name, v_name, path=""):
    # `name` stops being a parameter: g and v are (on `holder`), and `name` is v * g / ||v||,
    # recomputed before each call of the cell (as torch's forward pre-hook does)
    import mindspore
    weight = getattr(cell, name)
    delattr(cell, name)
    # `path`: where the holder sits in the cell, so the parameters' own names are unique in it
    holder.insert_param_to_cell(g_name, mindspore.Parameter(_wn_norm(weight, dim), name=path + g_name))
    holder.insert_param_to_cell(v_name, mindspore.Parameter(weight.value(), name=path + v_name))

    def recompute(target, inputs):
        g, v = getattr(holder, g_name), getattr(holder, v_name)
        object.__setattr__(target, name, v * (g / _wn_norm(v, dim)))

    recompute(cell, ())
    handles = cell.__dict__.setdefault("_weight_norm_hooks", {})
    handles[name] = (cell.register_forward_pre_hook(recompute), holder, g_name, v_name, dim)
    return cell


def _weight_norm(cell, name="weight", dim=0):
    """torch.nn.utils.weight_norm: parameters `{name}_g` and `{name}_v` on the cell."""
    return _wn_attach(cell, name, dim, cell, f"{name}_g", f"{name}_v")


def _parametrized_weight_norm(cell, name="weight", dim=0):
    """torch.nn.utils.parametrizations.weight_norm: parameters `parametrizations.{name}.original0`
    (g) and `.original1` (v)."""
    import mindspore
    if "parametrizations" not in cell._cells:
        cell.insert_child_to_cell("parametrizations", mindspore.nn.Cell())
    holder = mindspore.nn.Cell()
    cell.parametrizations.insert_child_to_cell(name, holder)
    return _wn_attach(cell, name, dim, holder, "original0", "original1", f"parametrizations.{name}.")


def _remove_weight_norm(cell, name="weight"):
    """torch.nn.utils.remove_weight_norm: `name` is a parameter again, holding v * g / ||v||."""
    import mindspore
    handle, holder, g_name, v_name, dim = cell.__dict__["_weight_norm_hooks"].pop(name)
    handle.remove()
    g, v = getattr(holder, g_name), getattr(holder, v_name)
    weight = v * (g / _wn_norm(v, dim))  # from g and v as they are now (loaded or trained since)
    object.__delattr__(cell, name)
    delattr(holder, g_name)
    delattr(holder, v_name)
    cell.insert_param_to_cell(name, mindspore.Parameter(weight, name=name))
    return cell
