"""Checkpoints: torch.save / torch.load of state dicts become MindSpore checkpoints.

- `torch.save(net.state_dict(), path)` -> `mindspore.save_checkpoint(net, path)` (a model or
  an optimizer: both are Cells in MindSpore, their parameters are what a state dict holds);
- `net.load_state_dict(torch.load(path))` -> `mindspore.load_checkpoint(path, net=net,
  strict_load=True)`; `net.load_state_dict(state)` -> `mindspore.load_param_into_net(net,
  state, strict_load=True)`, which returns (missing, unexpected) as torch's strict=False form
  does. `strict_load=True` keeps torch's exact name matching (MindSpore's default matches by
  suffix); where torch raises on a mismatch, MindSpore warns (docs/training.md);
- `torch.load(path)` whose result only feeds load_state_dict -> `mindspore.load_checkpoint(path)`
  (`map_location=` and `weights_only=` have nothing to say to a MindSpore checkpoint);
- `net.state_dict()` elsewhere (`copy.deepcopy(model.state_dict())`) -> `net.parameters_dict()`;
- the file names: MindSpore writes a checkpoint as `NAME.ckpt` (it adds the suffix when the
  name lacks it) and reads only `.ckpt` files, so the literal names those paths come from
  (`"model.pt"`, `os.path.join(folder, "model.pth")`, `PATH = "./net.pth"`) end in `.ckpt`;
  a path to load that is not spelled out in the file is flagged.

Any other payload (a dict of several state dicts, an epoch counter, a whole model) is left as
written and flagged: MindSpore checkpoints hold parameters (`append_dict=` takes extra values).
"""
from __future__ import annotations

from typing import Optional, Set

import libcst as cst

from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import COMMA, TIGHT_EQUAL, in_place_of, keyword, walk_code
from torch2ms.convert.results import Reason
from torch2ms.rules.base import Rule, change, keep

SAVE, LOAD = "torch.save", "torch.load"
_NOT_STATE = {"scheduler", "loader", "dataset"}  # kinds whose state_dict is no parameter set
_SAVE_HINT = ("MindSpore checkpoints hold a Cell's parameters: mindspore.save_checkpoint(net, path, "
              "append_dict={...}) for extra values, one file per model or optimizer")
_CKPT_HINT = ("MindSpore reads only .ckpt files and save_checkpoint adds .ckpt to a name without it: make sure "
              "this path ends in .ckpt")
_LOAD_HINT = ("mindspore.load_checkpoint(path) reads a MindSpore checkpoint (a dict of Parameters); other pickled "
              "payloads have no MindSpore reader; a torch checkpoint of the model converts once with `torch2ms weights`")


def _method_call(node: cst.BaseExpression, name: str) -> bool:
    return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == name)


class Checkpoints(Rule):
    EXAMPLES = (
        change(
            """
            import copy
            import os
            import tempfile
            import torch
            import torch.nn as nn

            torch.manual_seed(0)
            model = nn.Linear(3, 2)
            optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
            folder = tempfile.mkdtemp()
            path = os.path.join(folder, "model.pt")
            torch.save(model.state_dict(), path)
            torch.save(optimizer.state_dict(), os.path.join(folder, "optimizer.pt"))
            best = copy.deepcopy(model.state_dict())
            other = nn.Linear(3, 2)
            other.load_state_dict(torch.load(path, map_location="cpu"))
            state = torch.load(path, weights_only=True)
            third = nn.Linear(3, 2)
            missing, unexpected = third.load_state_dict(state, strict=False)
            x = torch.ones(1, 3)
            agree = (other(x) - model(x)).abs().max().item() + (third(x) - model(x)).abs().max().item() < 1e-6
            found = (len(missing), len(unexpected), len(best))
            """,
            """
            import copy
            import os
            import tempfile
            import mindspore
            from mindspore import mint

            mindspore.manual_seed(0)
            model = mint.nn.Linear(3, 2)
            optimizer = mint.optim.SGD(model.trainable_params(), lr=0.1)
            folder = tempfile.mkdtemp()
            path = os.path.join(folder, "model.ckpt")
            mindspore.save_checkpoint(model, path)
            mindspore.save_checkpoint(optimizer, os.path.join(folder, "optimizer.ckpt"))
            best = copy.deepcopy(model.parameters_dict())
            other = mint.nn.Linear(3, 2)
            mindspore.load_checkpoint(path, net=other, strict_load=True)
            state = mindspore.load_checkpoint(path)
            third = mint.nn.Linear(3, 2)
            missing, unexpected = mindspore.load_param_into_net(third, state, strict_load=True)
            x = mint.ones((1, 3))
            agree = (other(x) - model(x)).abs().max().item() + (third(x) - model(x)).abs().max().item() < 1e-6
            found = (len(missing), len(unexpected), len(best))
            """,
            run=("agree", "found"),
            note="a model's and an optimizer's state become MindSpore checkpoints; loading keeps exact names",
        ),
        change(
            """
            import torch

            def snapshot(model, optimizer, epoch, path):
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)
            """,
            """
            try:
                import torch  # torch2ms: torch still used on line 7 (flagged there)
            except ImportError:
                torch = None

            def snapshot(model, optimizer, epoch, path):
                torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)  # torch2ms: torch.save needs a manual rewrite (hint: MindSpore checkpoints hold a Cell's parameters: mindspore.save_checkpoint(net, path, append_dict={...}) for extra values, one file per model or optimizer)
            """,
            note="other payloads stay, flagged with the MindSpore way",
        ),
        keep(
            """
            import json

            def save(config, path):
                with open(path, "w") as fh:
                    json.dump(config.state_dict(), fh)
            """,
            note="a state_dict() of something not known to be a model or optimizer is not torch's",
        ),
    )

    def __init__(self) -> None:
        self._feeds_loading: Set[int] = set()  # ids of torch.load calls whose result goes to load_state_dict
        self._loaded_names: Set[str] = set()  # names assigned torch.load(...) and passed to load_state_dict
        self._handled: Set[int] = set()  # ids of state_dict() calls a save/load rewrite consumes
        self._path_names: Set[str] = set()  # names that hold a checkpoint path
        self._literals: Set[int] = set()  # ids of the string literals checkpoint paths are made of
        self._spelled: Set[int] = set()  # ids of path expressions whose file name is such a literal
        self._spelled_names: Set[str] = set()  # path names assigned such an expression

    def visit_Module(self, ctx: FileContext, node: cst.Module) -> None:
        """Names that hold what torch.load read and then go into load_state_dict, and the paths
        checkpoints are saved to and loaded from (anywhere in the file)."""
        calls = ctx.nodes_of(cst.Call)
        for call in calls:
            if _method_call(call, "load_state_dict") and call.args and isinstance(call.args[0].value, cst.Name):
                self._loaded_names.add(call.args[0].value.value)
        for call in calls:
            qualname = ctx.qualname(call.func)
            path = None
            if qualname == SAVE and len(call.args) == 2 and _method_call(call.args[0].value, "state_dict"):
                path = call.args[1].value
            elif qualname == LOAD:
                path = _path_arg(call)
            if path is not None:
                self._mark_path(path)
        for statement in ctx.nodes_of(cst.Assign):
            if len(statement.targets) == 1 \
                    and isinstance(statement.targets[0].target, cst.Name) \
                    and statement.targets[0].target.value in self._path_names:
                if self._mark_path(statement.value, follow=False):
                    self._spelled_names.add(statement.targets[0].target.value)

    def _mark_path(self, path: cst.BaseExpression, follow: bool = True) -> bool:
        literal = _file_name_literal(path)
        if literal is not None:
            self._literals.add(id(literal))
            self._spelled.add(id(path))
            return True
        if isinstance(path, cst.Name) and follow:
            self._path_names.add(path.value)
        return False

    def leave_SimpleString(self, ctx: FileContext, original: cst.SimpleString, updated: cst.SimpleString):
        if id(original) not in self._literals:
            return updated
        quote = updated.quote
        body = updated.value[len(updated.prefix) + len(quote):-len(quote)]
        return updated.with_changes(value=f"{updated.prefix}{quote}{_ckpt_name(body)}{quote}")

    def leave_FormattedString(self, ctx: FileContext, original: cst.FormattedString, updated):
        if id(original) not in self._literals or not updated.parts \
                or not isinstance(updated.parts[-1], cst.FormattedStringText):
            return updated
        last = updated.parts[-1]
        return updated.with_changes(parts=[*updated.parts[:-1], last.with_changes(value=_ckpt_name(last.value))])

    def visit_Call(self, ctx: FileContext, node: cst.Call) -> None:
        qualname = ctx.qualname(node.func)
        if qualname == SAVE and node.args and _method_call(node.args[0].value, "state_dict"):
            self._handled.add(id(node.args[0].value))
        if _method_call(node, "load_state_dict") and node.args:
            value = node.args[0].value
            if isinstance(value, cst.Call) and ctx.qualname(value.func) == LOAD:
                self._feeds_loading.add(id(value))

    def visit_Assign(self, ctx: FileContext, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) \
                and node.targets[0].target.value in self._loaded_names \
                and isinstance(node.value, cst.Call) and ctx.qualname(node.value.func) == LOAD:
            self._feeds_loading.add(id(node.value))

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        qualname = ctx.qualname(original.func)
        if qualname == SAVE:
            return self._save(ctx, original, updated)
        if qualname == LOAD:
            return self._load(ctx, original, updated)
        if isinstance(original.func, cst.Attribute) and qualname is None:
            method = original.func.attr.value
            if method == "load_state_dict":
                return self._load_state(ctx, original, updated)
            if method == "state_dict" and not original.args and id(original) not in self._handled \
                    and self._holds_parameters(ctx, original.func.value):
                return updated.with_changes(func=updated.func.with_changes(attr=cst.Name("parameters_dict")))
        return updated

    @staticmethod
    def _holds_parameters(ctx: FileContext, receiver: cst.BaseExpression) -> bool:
        return ctx.kind_of(receiver) in ("cell", "optimizer")

    def _save(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        if len(updated.args) == 2 and not any(a.star or keyword(a) not in (None, "obj", "f") for a in updated.args):
            payload = original.args[0].value
            if _method_call(payload, "state_dict") and not payload.args \
                    and ctx.kind_of(payload.func.value) not in _NOT_STATE:
                net = updated.args[0].value.func.value
                return self._replace(ctx, updated, "mindspore.save_checkpoint", [net, updated.args[1].value])
        _withdraw(ctx, updated)
        ctx.flag(updated, SAVE, Reason.MANUAL, _SAVE_HINT)
        return updated

    def _load(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        path = _path_arg(updated)
        if id(original) not in self._feeds_loading or path is None:
            _withdraw(ctx, updated)
            ctx.flag(updated, LOAD, Reason.MANUAL, _LOAD_HINT)
            return updated
        new = self._replace(ctx, updated, "mindspore.load_checkpoint", [path])
        if self._unspelled(_path_arg(original)):
            ctx.flag(new, LOAD, Reason.MANUAL, _CKPT_HINT)
        return new

    def _unspelled(self, path: cst.BaseExpression) -> bool:
        """A path to load whose file name the file does not spell (so it may not end in .ckpt)."""
        return id(path) not in self._spelled and not (isinstance(path, cst.Name) and path.value in self._spelled_names)


    def _load_state(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        receiver = original.func.value
        if ctx.kind_of(receiver) in _NOT_STATE or not updated.args or any(a.star for a in updated.args):
            return updated
        if not isinstance(receiver, (cst.Name, cst.Attribute)):
            return updated  # `super().load_state_dict(...)`: an override's own call, not a net's
        if any(keyword(a) not in (None, "state_dict", "strict", "assign") for a in updated.args):
            return updated
        net = updated.func.value
        state = updated.args[0].value
        inner = original.args[0].value
        if isinstance(inner, cst.Call) and ctx.qualname(inner.func) == LOAD and id(inner) in self._feeds_loading \
                and _strict(original) is True:
            # the checkpoint goes straight into the net (torch returns nothing worth reading then)
            if isinstance(state, cst.Call) and state.args:
                new = self._replace(ctx, updated, "mindspore.load_checkpoint",
                                    [state.args[0].value], [("net", net), ("strict_load", cst.Name("True"))],
                                    keep=[state.args[0].value, net])
                if self._unspelled(_path_arg(inner)):
                    ctx.flag(new, LOAD, Reason.MANUAL, _CKPT_HINT)
                return new
        return self._replace(ctx, updated, "mindspore.load_param_into_net", [net, state],
                             [("strict_load", cst.Name("True"))])

    @staticmethod
    def _replace(ctx: FileContext, old: cst.Call, target: str, args, keywords=(), keep=None):
        keep = list(args) + [v for _, v in keywords] if keep is None else keep
        staying = {id(n) for value in keep for n in walk_code(value)}
        for node in walk_code(old):
            if id(node) not in staying:
                ctx.withdraw_flag(node)
                if isinstance(node, cst.Name):
                    ctx.discard(node)
        new_args = [cst.Arg(value=a, comma=COMMA) for a in args]
        new_args += [cst.Arg(keyword=cst.Name(k), value=v, equal=TIGHT_EQUAL, comma=COMMA) for k, v in keywords]
        new_args[-1] = new_args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return in_place_of(old, cst.Call(func=ctx.emit(target), args=new_args))


_TORCH_SUFFIXES = (".pt", ".pth", ".bin", ".tar", ".pkl", ".pth.tar")


def _ckpt_name(name: str) -> str:
    """`model.pt` -> `model.ckpt`; `model` -> `model.ckpt` (what MindSpore writes and reads)."""
    if name.endswith(".ckpt"):
        return name
    for suffix in sorted(_TORCH_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)] + ".ckpt"
    return name + ".ckpt"


def _file_name_literal(path: cst.BaseExpression):
    """The string literal a path's file name is spelled with: the path itself, the last part of
    os.path.join(...) / `folder / "x.pt"` / `a + "x.pt"`; None when not spelled out."""
    if isinstance(path, (cst.SimpleString, cst.FormattedString)):
        return path
    if isinstance(path, cst.Call) and path.args and not path.args[-1].star:
        name = path.func.attr.value if isinstance(path.func, cst.Attribute) else getattr(path.func, "value", "")
        if name == "join":
            return _file_name_literal(path.args[-1].value)
    if isinstance(path, cst.BinaryOperation) and isinstance(path.operator, (cst.Add, cst.Divide)):
        return _file_name_literal(path.right)
    return None


def _path_arg(call: cst.Call) -> Optional[cst.BaseExpression]:
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if keyword(arg) == "f" or (keyword(arg) is None and index == 0):
            return arg.value
    return None


def _strict(call: cst.Call) -> Optional[bool]:
    for index, arg in enumerate(call.args):
        if keyword(arg) == "strict" or (keyword(arg) is None and index == 1):
            if isinstance(arg.value, cst.Name) and arg.value.value in ("True", "False"):
                return arg.value.value == "True"
            return None
    return True


def _withdraw(ctx: FileContext, node: cst.CSTNode) -> None:
    for current in walk_code(node):
        ctx.withdraw_flag(current)
