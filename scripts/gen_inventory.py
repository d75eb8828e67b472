"""Record the public API of the installed MindSpore and PyTorch as JSON inventories.

Run by a human whenever the pinned versions change (needs both frameworks):

    python scripts/gen_inventory.py            # writes both files
    python scripts/gen_inventory.py ms|torch   # one side only

Outputs torch2ms/knowledge/data/ms_api.json and torch2ms/knowledge/data/torch_api.json, read at
conversion time by torch2ms/knowledge/inventory.py. Each framework is inspected in its own
subprocess so that neither one's import side effects reach the other.
"""

import contextlib
import importlib
import inspect
import io
import json
import os
import subprocess
import sys
import types
import warnings
from pathlib import Path
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's torch2ms, not an installed one

DATA_DIR = Path(__file__).resolve().parent.parent / "torch2ms" / "knowledge" / "data"

# (namespace, recurse into its true submodules). Only attribute-reachable from
# `import mindspore`, because that is how converted code will reach them.
MS_NAMESPACES = [
    ("mindspore", False),
    ("mindspore.mint", True),
    ("mindspore.ops", False),
    ("mindspore.ops.functional", False),
    ("mindspore.nn", False),
    ("mindspore.nn.probability", True),
    ("mindspore.amp", False),
    ("mindspore.context", False),
    ("mindspore.common.initializer", False),
]
MS_CLASSES = ["mindspore.Tensor", "mindspore.Parameter", "mindspore.nn.Cell"]
# Private names the mapping tables use as targets.
MS_PRIVATE_KEPT = {"mindspore._no_grad"}
# Functions the mappings target that only a submodule outside the namespaces holds (MindSpore's
# own nn.MultiheadAttention calls it), with the modules on the way.
MS_PATHS_KEPT = ["mindspore.ops.function.nn_func.multi_head_attention_forward"]

TORCH_NAMESPACES = [
    "torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.utils",
    "torch.linalg", "torch.fft", "torch.special", "torch.autograd", "torch.amp",
    "torch.cuda", "torch.optim", "torch.optim.lr_scheduler", "torch.utils.data",
    "torch.utils.checkpoint",
]
TORCH_CLASSES = ["torch.Tensor", "torch.nn.Module"]
# Above this many seconds an import is "slow" and the module is left out.
SLOW_IMPORT_S = 5.0


def quiet():
    """Silence the banners and warnings some modules print on import."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    return stack


def resolve(dotted):
    """Reach a dotted path by attribute access from its top-level package."""
    head, *rest = dotted.split(".")
    obj = importlib.import_module(head)
    for part in rest:
        obj = getattr(obj, part)
    return obj


def is_foreign(value, root):
    """True for things a namespace merely imported from outside the framework (typing, numpy, ...)."""
    if isinstance(value, types.ModuleType):
        return not (value.__name__ == root or value.__name__.startswith(root + "."))
    origin = getattr(value, "__module__", None)
    return isinstance(origin, str) and origin.split(".")[0] not in (root, "builtins")


def value_kind(value):
    if isinstance(value, types.ModuleType):
        return "module"
    if inspect.isclass(value):
        return "class"
    if callable(value):
        return "function"
    return "other"


def member_kind(cls, name):
    """Kind of a class member, judged on the raw descriptor (getattr would call properties)."""
    for klass in inspect.getmro(cls):
        if name in vars(klass):
            raw = vars(klass)[name]
            break
    else:
        return "method" if callable(getattr(cls, name)) else "attribute"
    if isinstance(raw, property) or inspect.isgetsetdescriptor(raw):
        return "property"
    if inspect.isclass(raw):
        return "class"
    if isinstance(raw, (staticmethod, classmethod)) or inspect.isroutine(raw) or callable(raw):
        return "method"
    return "attribute"


def is_public(name):
    return not name.startswith("_")


def walk_namespace(path, recurse, root, out):
    module = resolve(path)
    out[path] = "module"
    for name in sorted(dir(module)):
        qualname = f"{path}.{name}"
        if not is_public(name) and qualname not in MS_PRIVATE_KEPT:
            continue
        try:
            value = getattr(module, name)
        except Exception:  # listed by dir() but not reachable: not part of the API
            continue
        if is_foreign(value, root):
            continue
        out[qualname] = value_kind(value)
        if recurse and isinstance(value, types.ModuleType) and value.__name__ == qualname:
            walk_namespace(qualname, True, root, out)


def walk_class(path, out):
    cls = resolve(path)
    out[path] = "class"
    for name in sorted(dir(cls)):
        is_dunder = name.startswith("__") and name.endswith("__")
        if is_public(name) or is_dunder:  # dunders back len(), operators, ...
            out[f"{path}.{name}"] = member_kind(cls, name)


def ms_inventory():
    with quiet():
        import mindspore
    api = {}
    for path, recurse in MS_NAMESPACES:
        try:
            walk_namespace(path, recurse, "mindspore", api)
        except AttributeError:
            print(f"skipped {path}: not reachable by attribute access", file=sys.stderr)
    for path in MS_CLASSES:
        walk_class(path, api)
    for path in MS_PATHS_KEPT:
        module, _, name = path.rpartition(".")
        api[module] = "module"
        api[path] = value_kind(getattr(importlib.import_module(module), name))
    return {"mindspore_version": mindspore.__version__, "api": api}


def torch_module_candidates(torch_dir):
    """Public module paths under the torch package, found on disk without importing."""
    names = []
    for dirpath, dirnames, filenames in os.walk(torch_dir):
        dirnames.sort()
        parts = Path(dirpath).relative_to(Path(torch_dir).parent).parts
        private_or_tests = any(p.startswith("_") or p in ("test", "tests") for p in parts)
        if private_or_tests or "__init__.py" not in filenames:
            dirnames[:] = []
            continue
        names.append(".".join(parts))
        names += [".".join(parts + (f[:-3],)) for f in sorted(filenames)
                  if f.endswith(".py") and not f.startswith("_")]
    return names


def importable_torch_modules(torch_dir):
    import time

    modules = []
    for name in torch_module_candidates(torch_dir):
        start = time.perf_counter()
        try:
            with quiet():
                importlib.import_module(name)
        except BaseException:  # missing optional dependency, platform-only module, ...
            continue
        if time.perf_counter() - start <= SLOW_IMPORT_S:
            modules.append(name)
    return sorted(modules)


def param_names(func, drop_self):
    """Parameter names in signature order, with Python's own markers: '*args', '**kw', bare '*'."""
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # C builtins without a text signature
        return None
    if drop_self and params and params[0].name == "self":
        params = params[1:]
    names, star_seen = [], False
    for p in params:
        if p.kind is p.VAR_POSITIONAL:
            names.append("*" + p.name)
            star_seen = True
        elif p.kind is p.VAR_KEYWORD:
            names.append("**" + p.name)
        else:
            if p.kind is p.KEYWORD_ONLY and not star_seen:
                names.append("*")
                star_seen = True
            names.append(p.name)
    return names


def torch_inventory():
    with quiet(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch

        kinds = {}
        for path in TORCH_NAMESPACES:
            walk_namespace(path, False, "torch", kinds)
        for path in TORCH_CLASSES:
            walk_class(path, kinds)
        params = {}
        for qualname, kind in kinds.items():
            if kind not in ("class", "function", "method"):
                continue
            names = param_names(resolve(qualname), drop_self=(kind == "method"))
            if names is not None:
                params[qualname] = names
        # Last: importing every submodule makes more of them attribute-reachable than a
        # plain `import torch` does, which would leak into the kinds above.
        modules = importable_torch_modules(os.path.dirname(torch.__file__))
    return {"torch_version": torch.__version__.split("+")[0], "modules": modules,
            "kinds": kinds, "params": params}


def dump(data):
    """Sorted keys, one entry per line: deterministic and diff-friendly."""
    blocks = []
    for key in sorted(data):
        value = data[key]
        if isinstance(value, dict):
            body = ",\n".join(f"    {json.dumps(k)}: {json.dumps(value[k])}" for k in sorted(value))
            blocks.append(f"  {json.dumps(key)}: {{\n{body}\n  }}")
        elif isinstance(value, list):
            body = ",\n".join(f"    {json.dumps(item)}" for item in value)
            blocks.append(f"  {json.dumps(key)}: [\n{body}\n  ]")
        else:
            blocks.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(blocks) + "\n}\n"


OUTPUTS = {"ms": ("ms_api.json", ms_inventory), "torch": ("torch_api.json", torch_inventory)}


def main(argv):
    sides = argv[1:] or list(OUTPUTS)
    if len(sides) > 1:  # one subprocess per framework
        for side in sides:
            subprocess.run([sys.executable, __file__, side], check=True)
        return
    filename, build = OUTPUTS[sides[0]]
    target = DATA_DIR / filename
    target.write_text(dump(build()), encoding="utf-8")
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv)
