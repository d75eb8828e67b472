"""Newer diffusers models (ones mindone has not ported yet) converted with the same profile: do they
import, and do their models build?

    python benchmarks/diffusers_new_models.py --source DIR_OR_WHEEL [--json out.json] [--files a.py,b.py]

DIR_OR_WHEEL holds a `diffusers` package (an unpacked wheel, e.g. diffusers-0.42.1) or is the
wheel itself. Its models/ folder is converted with `torch2ms convert` (the diffusers profile
turns itself on; nothing is installed), then each converted file is imported the way
`torch2ms verify --diffusers` imports one: into mindone.diffusers' mirror of its package, the
model code it imports relatively (other converted files of the folder) standing in for
mindone's own; every ModelMixin class it defines is then built from its constructor's
defaults shrunk by name (torch2ms.verify.diffusers_config). Files are checked in a child
interpreter (one for all; a fresh one carries on after a file that kills it).
Prints per-file lines and the counts: converted, imported, model classes built.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Runs in the child: reads {"root": converted root, "files": [relative paths]} on stdin.
CHILD = r"""
import importlib, inspect, json, os, sys, traceback
sys.path.insert(0, os.environ["T2MS_ROOT"])
from torch2ms.verify.conversion import converted_model_code
from torch2ms.verify.diffusers_config import tiny_kwargs
from torch2ms.verify.errors import first_line
from torch2ms.verify.hf_loading import ConvertedSiblings, exec_as
from torch2ms import fallback
fallback.install()
import mindone.diffusers  # noqa: F401
from mindone.diffusers.models.modeling_utils import ModelMixin
request = json.loads(sys.stdin.read())
root = request["root"]
print("@@ready", flush=True)
for rel in request["files"]:
    module = rel[:-3].replace(os.sep, ".")
    package = module.rpartition(".")[0]
    result = {"file": rel, "imported": False, "classes": {}}
    with ConvertedSiblings() as siblings:
        try:
            siblings.register([(f"mindone.{m}", p) for m, p in converted_model_code(os.path.join(root, rel), module, root)])
            twin = "mindone." + package
            importlib.import_module(twin)
            loaded = exec_as(f"{twin}._t2ms_new_{module.rpartition('.')[2]}", os.path.join(root, rel), twin)
            result["imported"] = True
        except BaseException as exc:
            result["error"] = first_line(exc)
        if result["imported"]:
            for name, cls in vars(loaded).items():
                if not (inspect.isclass(cls) and cls.__module__ == loaded.__name__ and issubclass(cls, ModelMixin)):
                    continue
                try:
                    kwargs, _ = tiny_kwargs(cls)
                    cls(**kwargs)
                    result["classes"][name] = "built"
                except BaseException as exc:
                    result["classes"][name] = first_line(exc)
    print("@@file " + json.dumps(result), flush=True)
"""


def source_folder(source: Path, tmp: Path) -> Path:
    """The folder holding the `diffusers` package (a wheel is unpacked first)."""
    if source.is_file():
        with zipfile.ZipFile(source) as wheel:
            wheel.extractall(tmp / "src", [n for n in wheel.namelist() if n.startswith("diffusers/")])
        return tmp / "src"
    return source


def check(root: Path, files, timeout: int):
    """Per file: imported?, and each model class built or the error; children carry on past a crash."""
    results, todo = {}, list(files)
    env = dict(os.environ, T2MS_ROOT=str(ROOT), GLOG_v="3")
    while todo:
        request = json.dumps({"root": str(root), "files": todo})
        try:
            proc = subprocess.run([sys.executable, "-c", CHILD], input=request, capture_output=True, text=True,
                                  timeout=timeout, env=env)
            out, code = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as exc:
            out, code = (exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""), "timeout"
        for line in out.splitlines():
            if line.startswith("@@file "):
                entry = json.loads(line[len("@@file "):])
                results[entry["file"]] = entry
        todo = [f for f in todo if f not in results]
        if todo:  # the child died on todo[0]
            results[todo[0]] = {"file": todo[0], "imported": False, "classes": {},
                                "error": f"the checking interpreter died on it (exit {code})"}
            todo = todo[1:]
    return [results[f] for f in files]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, required=True, help="a diffusers wheel, or the folder holding `diffusers`")
    parser.add_argument("--files", help="only these files of models/ (comma-separated, relative to models/)")
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="t2ms-new-") as tmp:
        tmp = Path(tmp)
        src = source_folder(args.source, tmp)
        version = next((line.split("=", 1)[1].strip().strip('"') for line in (src / "diffusers" / "__init__.py")
                        .read_text().splitlines() if line.startswith("__version__")), "?")
        out = tmp / "out"
        report = tmp / "report.json"
        subprocess.run([sys.executable, "-m", "torch2ms", "convert", str(src / "diffusers" / "models"), "-o",
                        str(out / "diffusers" / "models"), "--report", str(report), "-q"], cwd=ROOT, check=False)
        converted = json.loads(report.read_text())["files"]
        failed = {f["path"] for f in converted if f.get("status") == "failed"}
        files = sorted(str(p.relative_to(out)) for p in (out / "diffusers" / "models").rglob("*.py")
                       if p.name != "__init__.py")
        if args.files:
            wanted = {f"diffusers/models/{f}" for f in args.files.split(",")}
            files = [f for f in files if f in wanted]
        results = check(out, files, args.timeout)
    classes = collections.Counter()
    for entry in results:
        built = sum(v == "built" for v in entry["classes"].values())
        classes["all"] += len(entry["classes"])
        classes["built"] += built
        errors = [f"{k}: {v}" for k, v in entry["classes"].items() if v != "built"]
        status = "imported" if entry["imported"] else f"IMPORT FAILS: {entry.get('error', '')[:110]}"
        print(f"{entry['file']:70s} {status}; models built {built}/{len(entry['classes'])}"
              + (f"; {'; '.join(errors)[:200]}" if errors else ""))
    imported = sum(e["imported"] for e in results)
    print(f"\ndiffusers {version} models/: {len(files)} files, {len(files) - len(failed)} converted without error, "
          f"{imported} import, {classes['built']}/{classes['all']} model classes build")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
