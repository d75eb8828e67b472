"""Where a torch library's infrastructure lives in its mindone port, read from the installed packages.

The engine behind scripts/gen_hf_map.py (transformers -> mindone.transformers) and
scripts/gen_diffusers_map.py (diffusers -> mindone.diffusers). A `Library` says what differs
between the two (which files are the library's modeling files, where mindone keeps its port of
one, which modules are model code rather than infrastructure); everything else is decided the
same way, never guessed:

* which modules are "infrastructure": every module outside the model code that the library's
  modeling files import from (scanned), plus the mindone port's own non-model modules that
  have a namesake in the library;
* for each public name of such a module, where a MindSpore port finds it:
    to_mindone   mindone has the same module and the name, as its own object
    moved        mindone has it elsewhere or renamed (pytorch_utils -> mindspore_utils,
                 torch_int -> mindspore_int): a candidate is kept only if it exists in
                 mindone, and candidates seen in mindone's own ports come first; a dataclass
                 whose mindone twin renamed fields is no counterpart (its readers would break)
    keep         the library's object itself (mindone lacks it, or only re-exports it),
                 usable without torch: the import stays in the library
    keep_at      the same, from the object's home module when this one needs torch
    drop         a decorator mindone lacks and that mindone's ports of the same models
                 drop (they never change numbers: docstrings, kwarg deprecation, hub kernels);
                 also in keep when usable without torch, for files that use it otherwise
    needs_torch  none of the above: the import stays, and uses are flagged
* signatures that differ (function -> parameters mindone lacks or renamed), compared
  with inspect.signature for functions, classes (__init__), dicts of functions
  (ROPE_INIT_FUNCTIONS) and the methods of base classes (PreTrainedModel, ...).

"Usable without torch" is measured, not assumed: a subprocess hides torch from the
import system (as on a MindSpore-only machine), imports each module, and checks that
the object is no placeholder and that its code loads no global the module lacks
there (`torch`, mostly). A name in none of the lists is unknown: the profile flags it.
"""
from __future__ import annotations

import ast
import collections
import dataclasses
import functools
import importlib
import importlib.metadata
import importlib.util
import inspect
import json
import pathlib
import pkgutil
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Set, Tuple

# Spellings of "torch" that mindone replaces by "mindspore" in module and function names.
TORCH_SPELLINGS = (("pytorch", "mindspore"), ("torch", "mindspore"), ("Torch", "MindSpore"), ("PyTorch", "MindSpore"))

# Hides torch from the import system, as on a machine without it: find_spec says
# "not installed" (so the libraries' availability checks agree) and `import torch` fails.
HIDE_TORCH = r"""
import sys
HIDDEN = {"torch", "torchvision", "torchaudio"}
class _Hide:
    def __init__(self, finder): self.finder = finder
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in HIDDEN: return None
        find = getattr(self.finder, "find_spec", None)
        return find(name, path, target) if find else None
    def __getattr__(self, attr): return getattr(self.finder, attr)
sys.meta_path[:] = [_Hide(f) for f in sys.meta_path]
"""


@dataclass(frozen=True)
class Library:
    """What differs between the libraries a map is made for."""
    name: str  # "transformers": the torch library's top package
    out: pathlib.Path  # the JSON file written
    skip_parts: Tuple[str, ...]  # module or file name parts never mapped (tf_, flax, ...)
    named: Tuple[str, ...]  # infrastructure modules mapped even if no modeling file imports them today
    modeling_files: Callable[[pathlib.Path], Iterable[pathlib.Path]]  # the files whose imports are scanned
    package_of: Callable[[pathlib.Path, pathlib.Path], List[str]]  # (library root, file) -> its package parts
    is_own: Callable[[str, List[str]], bool]  # (imported module, importing package) -> the file's own model code
    is_model_module: Callable[[str], bool]  # a module of the model code (not infrastructure)
    port_of: Callable[[pathlib.Path, pathlib.Path, pathlib.Path], pathlib.Path]  # (root, port root, file) -> port
    extra: Callable[[pathlib.Path], dict]  # further top-level keys of the JSON (model packages, ...)
    answers: bool = False  # also record `answers` (see answers_without_torch)

    @property
    def port(self) -> str:
        return f"mindone.{self.name}"


# ---- scanning sources (ast only) ------------------------------------------------
def package_root(name: str) -> pathlib.Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.submodule_search_locations, f"{name} is not installed"
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def _absolute(node: ast.ImportFrom, package: List[str]) -> str:
    if not node.level:
        return node.module or ""
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


@functools.lru_cache(maxsize=None)
def _tree(path: pathlib.Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def imports_of(path: pathlib.Path, package: List[str]) -> Dict[str, Tuple[str, str]]:
    """local name -> (absolute module, imported name), for every from-import of a file."""
    out = {}
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.ImportFrom):
            module = _absolute(node, package)
            for alias in node.names:
                out[alias.asname or alias.name] = (module, alias.name)
    return out


@functools.lru_cache(maxsize=None)
def _decorator_only_names(path: pathlib.Path) -> Set[str]:
    """Names the file uses, and only as `@name` / `@name(...)`."""
    tree = _tree(path)
    decorating = set()
    for node in ast.walk(tree):
        for decorator in getattr(node, "decorator_list", ()):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Name):
                decorating.add(id(target))
    used, other = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (used if id(node) in decorating else other).add(node.id)
    return used - other


def scan(lib: Library, troot: pathlib.Path, mroot: pathlib.Path):
    """(imported: (module, name) -> count, evidence: (module, name) -> Counter of what ports do)."""
    imported: collections.Counter = collections.Counter()
    evidence: Dict[Tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    for path in lib.modeling_files(troot):
        package = lib.package_of(troot, path)
        theirs = imports_of(path, package)
        port = lib.port_of(troot, mroot, path)
        ported = imports_of(port, ["mindone"] + package) if port.exists() else None
        for local, (module, name) in theirs.items():
            if not module.startswith(lib.name) or lib.is_own(module, package) or skipped(lib, module):
                continue
            imported[(module, name)] += 1
            if ported is None:
                continue
            if local in ported:
                evidence[(module, name)][ported[local][0]] += 1
            elif local in _decorator_only_names(path):
                evidence[(module, name)]["dropped decorator"] += 1
            else:
                evidence[(module, name)]["rewritten"] += 1
    return imported, evidence


def skipped(lib: Library, module: str) -> bool:
    return any(part in module for part in lib.skip_parts)


def port_infrastructure(lib: Library, mroot: pathlib.Path) -> Iterable[str]:
    """The port's own modules outside the model code and its MindSpore adapter, under the library's names."""
    for info in pkgutil.walk_packages([str(mroot)], f"{lib.name}.", onerror=lambda _name: None):
        name = info.name
        if lib.is_model_module(name) or "mindspore_adapter" in name or "._" in name or skipped(lib, name):
            continue
        yield name


# ---- inspecting objects (both frameworks imported) ------------------------------
def try_import(name: str):
    try:
        return importlib.import_module(name)
    except Exception:  # optional dependencies missing
        return None


def get(module, name: str):
    try:
        return getattr(module, name)
    except Exception:  # lazy modules import on access, and may fail
        return None


def _from_library(lib: Library, obj) -> bool:
    if inspect.ismodule(obj):
        return obj.__name__.startswith(lib.name + ".")
    return str(getattr(obj, "__module__", "") or "").startswith(lib.name)


def candidate_names(lib: Library, tmod, scanned: Set[str]) -> List[str]:
    names = set(scanned)
    if tmod.__name__ == lib.name:
        return sorted(names)  # the top level re-exports every model: only what modeling files import
    for name in dir(tmod):
        if name.startswith("__"):
            continue
        obj = get(tmod, name)
        if obj is None:
            continue
        if name.startswith("_"):  # private helpers count where they are defined (_prepare_4d_..., ...)
            if callable(obj) and getattr(obj, "__module__", None) == tmod.__name__:
                names.add(name)
            continue
        if inspect.ismodule(obj) or callable(obj):
            if _from_library(lib, obj):
                names.add(name)
        elif isinstance(obj, dict) or (name.isupper() and isinstance(obj, (list, tuple, str, int, float))):
            names.add(name)  # constants: ACT2FN, DUMMY_INPUTS, ...
    return sorted(names)


def _mindone_own(obj, tobj) -> bool:
    if obj is None or obj is tobj:
        return False
    if inspect.ismodule(obj):
        return obj.__name__.startswith("mindone.")
    if callable(obj):
        return str(getattr(obj, "__module__", "") or "").startswith("mindone")
    return True  # a constant of mindone's own (ACT2FN, ROPE_INIT_FUNCTIONS, ...)


def respell(text: str) -> List[str]:
    out = [text]
    for old, new in TORCH_SPELLINGS:
        if old in text:
            out.append(text.replace(old, new))
    return list(dict.fromkeys(out))


def params(func, bound: bool = False) -> Optional[List[Tuple[str, bool]]]:
    """(name, required) of the named parameters (not *args/**kwargs); `bound`: without self."""
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    out = [(p.name, p.default is inspect.Parameter.empty) for p in signature.parameters.values() if p.kind not in kinds]
    return out[1:] if bound and out and out[0][0] in ("self", "cls") else out


def _callable_params(obj) -> Optional[List[str]]:
    if inspect.isclass(obj):
        init = obj.__dict__.get("__init__") or getattr(obj, "__init__", None)
        if init is None or not inspect.isfunction(init):
            return None
        return params(init, bound=True)
    if inspect.isfunction(obj):
        return params(obj)
    return None


def signature_change(told, mnew) -> Optional[dict]:
    """What a call written for the library's `told` must lose or rename to call mindone's `mnew`."""
    if inspect.isclass(told) != inspect.isclass(mnew):
        return None
    if inspect.isclass(mnew):
        init = getattr(mnew, "__init__", None)
        if not inspect.isfunction(init) or not str(init.__module__).startswith("mindone"):
            return None  # mindone inherits MindSpore's own __init__: nothing to compare
    a, b = _callable_params(told), _callable_params(mnew)
    if a is None or b is None:
        return None
    return compare(a, b)


def compare(a: List[Tuple[str, bool]], b: List[Tuple[str, bool]]) -> Optional[dict]:
    """How a call written for parameters `a` (the library's) must change to suit `b` (mindone's).

    drop: parameters mindone lacks; at: their places in the library's order (self not
    counted); positional: whether dropping those places leaves mindone's order; rename:
    same place, other name; needs: parameters mindone requires that the library's has not
    (then no call can be fixed by dropping: each is flagged).
    """
    an, bn = [n for n, _ in a], [n for n, _ in b]
    if an == bn:
        return None
    missing = [p for p in an if p not in bn]
    added = [p for p in bn if p not in an]
    renamed = {}
    if missing and len(missing) == len(added) and all(an.index(m) == bn.index(n) for m, n in zip(missing, added)):
        renamed = dict(zip(missing, added))  # same place, another name: a rename, not a loss
        missing = []
    needs = [n for n, required in b if required and n in added and n not in renamed.values()]
    if not missing and not renamed and not needs:
        return None
    rest = [renamed.get(p, p) for p in an if p not in missing]
    entry = {"drop": missing, "at": [an.index(p) for p in missing], "positional": rest == bn[: len(rest)]}
    if renamed:
        entry["rename"] = renamed
    if needs:
        entry["needs"] = needs
    return entry


def dict_values_change(told, mnew) -> Optional[dict]:
    """For a dict of functions (ROPE_INIT_FUNCTIONS): the change shared by every value, if one is."""
    if type(told) is not dict or type(mnew) is not dict:
        return None  # plain dicts only: lazy mappings import every model on access
    changes = []
    for key, func in told.items():
        other = mnew.get(key)
        if inspect.isfunction(func) and inspect.isfunction(other):
            a, b = params(func), params(other)
            if a is not None and b is not None:
                changes.append(compare(a, b))
    if changes and all(c == changes[0] for c in changes) and changes[0] is not None:
        return changes[0]
    return None


def method_changes(lib: Library, told, mnew) -> Dict[str, dict]:
    out = {}
    if not inspect.isclass(told) or not inspect.isclass(mnew):
        return out
    for name, func in inspect.getmembers(told, inspect.isfunction):
        if name.startswith("__") or not str(func.__module__).startswith(lib.name):
            continue  # torch.nn.Module's own methods are the tables' business
        other = inspect.getattr_static(mnew, name, None)
        if isinstance(other, (staticmethod, classmethod)):
            other = other.__func__
        if not inspect.isfunction(other) or not str(other.__module__).startswith("mindone"):
            continue
        bound = not isinstance(inspect.getattr_static(told, name, None), staticmethod)
        a, b = params(func, bound), params(other, bound)
        change = compare(a, b) if a is not None and b is not None else None
        if change:
            out[name] = change
    return out


# ---- probing without torch -------------------------------------------------------
PROBE = HIDE_TORCH + r"""
import builtins, dis, importlib, inspect, json

def _codes(obj):
    if inspect.isclass(obj):
        for value in vars(obj).values():
            value = getattr(value, "__func__", value)
            if inspect.isfunction(value):
                yield value
    elif inspect.isfunction(obj):
        yield obj

def _missing_globals(obj):
    # Globals a function (or a class's methods) loads that this torch-less process lacks: `torch`, ...
    missing = set()
    for func in _codes(obj):
        stack = [func.__code__]
        while stack:
            code = stack.pop()
            for ins in dis.get_instructions(code):
                if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and isinstance(ins.argval, str):
                    if ins.argval not in func.__globals__ and not hasattr(builtins, ins.argval):
                        missing.add(ins.argval)
            stack.extend(c for c in code.co_consts if inspect.iscode(c))
    return missing

wanted = json.loads(sys.stdin.read())
result = {}
for module, names in wanted.items():
    try:
        mod = importlib.import_module(module)
    except Exception:
        result[module] = None
        continue
    usable = []
    for name in names:
        try:
            obj = getattr(mod, name)
        except Exception:
            continue
        if type(obj).__name__ == "DummyObject" or "dummy_" in str(getattr(obj, "__module__", "")):
            continue
        if _missing_globals(obj):
            continue
        usable.append(name)
    result[module] = usable
print("\n@@" + json.dumps(result))
"""


def probe_without_torch(wanted: Dict[str, List[str]]) -> Dict[str, Optional[List[str]]]:
    """module -> the names usable when torch is absent (None: the module itself needs torch)."""
    proc = subprocess.run([sys.executable, "-c", PROBE], input=json.dumps(wanted), capture_output=True, text=True)
    if proc.returncode != 0 or "\n@@" not in proc.stdout:
        raise SystemExit(f"probe failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.rsplit("\n@@", 1)[1])


# ---- deciding -----------------------------------------------------------------------
def version(dist: str, root: pathlib.Path) -> str:
    try:
        return importlib.metadata.version(dist)
    except Exception:
        infos = sorted(root.parent.glob(f"{dist}-*.dist-info"))
        return infos[-1].name[len(dist) + 1: -len(".dist-info")] if infos else "unknown"


def build(lib: Library) -> dict:
    """The map's modules, signatures and methods, and the library's extra keys."""
    import torch  # noqa: F401  (the library's objects are the torch ones)

    library = importlib.import_module(lib.name)
    troot, mroot = package_root(lib.name), package_root("mindone") / lib.name
    started = time.time()
    imported, evidence = scan(lib, troot, mroot)
    print(f"scanned sources in {time.time() - started:.0f}s", file=sys.stderr)
    scanned: Dict[str, Set[str]] = collections.defaultdict(set)
    for module, name in imported:
        scanned[module].add(name)
    modules = set(scanned) | {f"{lib.name}.{m}" for m in lib.named} | set(port_infrastructure(lib, mroot))

    importlib.import_module(lib.port)  # slow: it registers every port

    print(f"imported mindone at {time.time() - started:.0f}s", file=sys.stderr)
    entries: Dict[str, dict] = {}
    signatures: Dict[str, dict] = {}
    methods: Dict[str, Dict[str, dict]] = {}
    kept: Dict[str, Set[str]] = collections.defaultdict(set)  # to probe without torch
    pending: Dict[Tuple[str, str], object] = {}
    for module in sorted(modules):
        tmod = try_import(module)
        if tmod is None:
            continue
        counterpart = next((m for m in respell("mindone." + module) if try_import(m) is not None), None)
        mmod = try_import(counterpart) if counterpart else None
        entry = {"mindone_module": counterpart, "to_mindone": [], "moved": {}, "drop": []}
        for name in candidate_names(lib, tmod, scanned.get(module, set())):
            tobj = get(tmod, name)
            target = find_in_mindone(module, name, tobj, mmod, counterpart, evidence.get((module, name)))
            if target is not None and _fields_renamed(tobj, target[1]):
                target = None  # another data contract (`latent_dist` became `latent`): the library's own stays
            if target is not None:
                path, mobj = target
                if path == f"{counterpart}.{name}":
                    entry["to_mindone"].append(name)
                else:
                    entry["moved"][name] = path
                _record_signatures(lib, f"{module}.{name}", tobj, mobj, signatures, methods)
                continue
            ports = evidence.get((module, name), collections.Counter())
            kept_by_ports = sum(c for where, c in ports.items() if where.startswith((lib.name, "mindone")))
            if callable(tobj) and ports["dropped decorator"] > kept_by_ports:
                entry["drop"].append(name)
                kept[module].add(name)  # probed too: where the file uses it otherwise, it stays
                continue
            if tobj is None and name not in scanned.get(module, ()):
                continue
            pending[(module, name)] = tobj
            kept[module].add(name)
            home = getattr(tobj, "__module__", None) if tobj is not None and not inspect.ismodule(tobj) else None
            if isinstance(home, str) and home.startswith(lib.name) and home != module:
                kept[home].add(name)
        entries[module] = entry

    print(f"inspected at {time.time() - started:.0f}s", file=sys.stderr)
    usable = probe_without_torch({m: sorted(kept.get(m, ())) for m in sorted(set(entries) | set(kept))})
    for module, entry in entries.items():
        entry.setdefault("keep", []).extend(n for n in entry["drop"] if n in (usable.get(module) or ()))
    for (module, name), tobj in sorted(pending.items()):
        entry = entries[module]
        if name in (usable.get(module) or ()):
            entry.setdefault("keep", []).append(name)
            continue
        home = getattr(tobj, "__module__", None) if tobj is not None and not inspect.ismodule(tobj) else None
        if isinstance(home, str) and name in (usable.get(home) or ()):
            entry.setdefault("keep_at", {})[name] = home
            continue
        mobj = get(try_import(entry["mindone_module"]), name) if entry["mindone_module"] else None
        if mobj is not None:  # mindone re-exports the library's object, torch-free
            entry["to_mindone"].append(name)
            continue
        entry.setdefault("needs_torch", []).append(name)
    for module, entry in entries.items():
        entry["imports_torch"] = usable.get(module) is None
        for key in ("to_mindone", "drop", "keep", "needs_torch"):
            if key in entry:
                entry[key] = sorted(set(entry[key]))
        for key in ("moved", "keep_at", "drop"):
            if key in entry and not entry[key]:
                del entry[key]

    if lib.answers:
        extra_answers = {"answers": answers_without_torch(entries, evidence)}
    else:
        extra_answers = {}
    data = {
        f"{lib.name}_version": library.__version__,
        "mindone_version": version("mindone", mroot.parent),
        "modules": dict(sorted(entries.items())),
        "signatures": dict(sorted(signatures.items())),
        "methods": dict(sorted(methods.items())),
        **lib.extra(troot),
        **extra_answers,
    }
    counts = collections.Counter()
    for entry in entries.values():
        for key in ("to_mindone", "moved", "keep", "keep_at", "drop", "needs_torch"):
            counts[key] += len(entry.get(key, ()))
    print(f"{len(entries)} modules, {dict(counts)}, {len(signatures)} signatures, {len(methods)} classes",
          file=sys.stderr)
    return data


ANSWER_PROBE = HIDE_TORCH + r"""
import importlib, json
wanted = json.loads(sys.stdin.read())
result = {}
for module, names in wanted.items():
    mod = importlib.import_module(module)
    for name in names:
        obj = getattr(mod, name, None)
        if isinstance(obj, bool):
            result[f"{module}.{name}"] = {"value": obj}
        elif callable(obj) and name.startswith("is_") and not isinstance(obj, type):
            try:
                value = obj()
            except Exception:
                continue
            if isinstance(value, bool):
                result[f"{module}.{name}"] = {"value": value, "call": True}
print("\n@@" + json.dumps(result))
"""


def answers_without_torch(entries: Dict[str, dict], evidence) -> Dict[str, dict]:
    """Library constants (`USE_PEFT_BACKEND`) and availability checks (`is_torch_npu_available()`) that
    stay in the library, that mindone's own ports never import (they rewrite the code they guard),
    and whose value without torch is a bool: that value is the answer a port runs with."""
    wanted: Dict[str, List[str]] = collections.defaultdict(list)
    for module, entry in entries.items():
        for name in [*entry.get("keep", ()), *entry.get("keep_at", {})]:
            ports = evidence.get((module, name), collections.Counter())
            if ports["rewritten"] and not any(where.startswith("mindone") for where in ports):
                wanted[entry.get("keep_at", {}).get(name, module)].append(name)
    proc = subprocess.run([sys.executable, "-c", ANSWER_PROBE], input=json.dumps(wanted), capture_output=True,
                          text=True)
    if proc.returncode != 0 or "\n@@" not in proc.stdout:
        raise SystemExit(f"answer probe failed:\n{proc.stderr[-3000:]}")
    found = json.loads(proc.stdout.rsplit("\n@@", 1)[1])
    out = {}
    for module, entry in entries.items():  # under the name the modeling files import it by
        for name in [*entry.get("keep", ()), *entry.get("keep_at", {})]:
            home = entry.get("keep_at", {}).get(name, module)
            if f"{home}.{name}" in found and name in wanted.get(home, ()):
                out[f"{module}.{name}"] = found[f"{home}.{name}"]
    return dict(sorted(out.items()))


def write(lib: Library, data: dict) -> None:
    lib.out.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"-> {lib.out}")


def find_in_mindone(module, name, tobj, mmod, counterpart, ports) -> Optional[Tuple[str, object]]:
    """(path, object) of mindone's own counterpart of the library's `module.name`, or None."""
    candidates: List[Tuple[str, str]] = []
    if counterpart:
        candidates += [(counterpart, n) for n in respell(name)]
    for where, _count in (ports or collections.Counter()).most_common():
        if where.startswith("mindone."):
            candidates += [(where, n) for n in respell(name)]
    for mod_name, attr in dict.fromkeys(candidates):
        mmod_ = try_import(mod_name)
        mobj = get(mmod_, attr) if mmod_ is not None else None
        if mobj is None or not _mindone_own(mobj, tobj):
            continue
        if (inspect.isclass(mobj) != inspect.isclass(tobj)) or (callable(mobj) != callable(tobj)):
            continue  # a namesake of another kind is no counterpart
        return f"{mod_name}.{attr}", mobj
    return None


def _fields_renamed(tobj, mobj) -> bool:
    """A dataclass (a model output) whose mindone twin renamed fields: reads of the old names break too."""
    if not (inspect.isclass(tobj) and dataclasses.is_dataclass(tobj)):
        return False
    change = signature_change(tobj, mobj)
    return bool(change and change.get("rename"))


def _record_signatures(lib: Library, key: str, tobj, mobj, signatures: dict, methods: dict) -> None:
    change = signature_change(tobj, mobj) if callable(tobj) and callable(mobj) else dict_values_change(tobj, mobj)
    if change:
        if isinstance(tobj, dict):
            change = {**change, "values": True}
        signatures[key] = change
    if inspect.isclass(tobj) and inspect.isclass(mobj):
        changed = method_changes(lib, tobj, mobj)
        if changed:
            methods[key] = changed


def module_bases(lib: Library, include: Callable[[str], bool]) -> List[str]:
    """The library's classes deriving from torch.nn.Module, in the modules `include` accepts."""
    import torch

    library = importlib.import_module(lib.name)
    found = set()
    for info in pkgutil.walk_packages(library.__path__, f"{lib.name}."):
        if "._" in info.name or not include(info.name):
            continue
        try:
            module = importlib.import_module(info.name)
        except Exception:  # optional dependencies missing: those modules are not ours to map
            continue
        for attr, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, torch.nn.Module) and not attr.startswith("_"):
                if value.__module__.startswith(f"{lib.name}."):
                    found.add(f"{value.__module__}.{value.__name__}")
    return sorted(found)
