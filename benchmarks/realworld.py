"""torch2ms on real projects it was not tuned on: whole pip packages converted and their models run.

    python benchmarks/realworld.py --python /work/venv-libs/bin/python [--project timm] [--model resnet18]
                                   [--out /tmp/torch2ms-realworld] [--json results.json]

The projects and models are data (benchmarks/realworld/manifest.json); the interpreter given by
--python must have them installed, pinned as the manifest says, next to torch and mindspore
(benchmarks/realworld/setup_env.sh makes such a virtualenv; this script itself runs with the
torch2ms under test). For each project:

1. every package in its `convert` list is converted whole with the CLI
   (`python -m torch2ms convert SITE/PKG -o OUT/converted/PKG`), once per run;
2. every module of each converted package is imported with torch hidden (an import hook makes
   `import torch` fail), one process per project: the figure "files that import without torch"
   (a module needing a package that is not installed at all, neither torch nor converted,
   `import tensorflow`, is counted apart as skipped);
3. each model is built in torch (seeded; weights nudged off their init by noise relative to each
   tensor's own spread; BatchNorm statistics measured on a batch of other random inputs, so that
   activations stay O(1) as in a trained network), run on small inputs, and its weights, inputs
   and outputs saved; outputs beyond 1e3 in magnitude are not compared (reported as the
   original's failure: the tolerance would mean nothing);
4. each model is built from the converted package with torch hidden, given the torch weights by
   name, run on the same inputs and compared (atol 1e-4, rtol 1e-3; atol scaled by the largest
   value of an output above 1, for float32 rounding, noted on the row; the table's |out| is that
   largest value), one process per model.
   MindSpore's CPU backend lacks many mint kernels that Ascend has: torch2ms's CPU stand-ins
   (torch2ms.fallback, built from MindSpore kernels only) are installed first, as verify does.

A model passes zero-touch when the converted package builds it and its outputs match with no
hand edit. A failure is *silent* when the innermost converted line it went through carries no
`# torch2ms:` note (or when it went through no converted line at all: a mismatch, say).
Printed: a table (project, model, stage, max diff, where it failed) and the three figures.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent
WORKER = HERE / "realworld_worker.py"
MANIFEST = HERE / "realworld" / "manifest.json"


def load_manifest(path: pathlib.Path = MANIFEST) -> dict:
    return json.loads(path.read_text())


def package_source(python: str, package: str, path: str = "") -> Optional[str]:
    """Where the libraries' interpreter finds a package (without importing it)."""
    code = ("import importlib.util, sys; s = importlib.util.find_spec(sys.argv[1]); "
            "print(list(s.submodule_search_locations)[0] if s and s.submodule_search_locations else '')")
    out = subprocess.run([python, "-c", code, package], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=path))
    return out.stdout.strip() or None


def convert_package(python: str, package: str, out: pathlib.Path, path: str = "") -> dict:
    """Convert one installed package with the CLI; returns files, flags, failures, seconds."""
    src = package_source(python, package, path)
    if src is None:
        return {"error": f"{package} is not installed for {python}"}
    dst = out / "converted" / package
    report = out / "reports" / f"{package}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "torch2ms", "convert", src, "-o", str(dst), "--report", str(report),
                           "-q"], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - start
    if not report.exists():
        return {"error": f"convert exited {proc.returncode}: {proc.stderr[-500:]}"}
    data = json.loads(report.read_text())
    files = data.get("files", [])
    failed = [f for f in files if f.get("status") == "failed"]
    flags = sum(len(f.get("flags", [])) for f in files)
    return {"files": len([f for f in files if f.get("kind", "python") == "python"]), "failed": len(failed),
            "flags": flags, "seconds": round(seconds, 1), "failures": [f.get("path") for f in failed][:10]}


def run_worker(python: str, args: List[str], timeout: int, path: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONWARNINGS="ignore", GLOG_v="3", PYTHONPATH=path, TORCH2MS_REPO=str(REPO))
    try:
        return subprocess.run([python, str(WORKER), *args], capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(exc.cmd, -9, "", f"timed out after {timeout} s")


def read_json(path: pathlib.Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def run_project(python: str, project: dict, out: pathlib.Path, models: List[str], timeout: int,
                path: str = "") -> List[dict]:
    work = out / "work" / project["name"]
    work.mkdir(parents=True, exist_ok=True)
    chosen = [m for m in project["models"] if not models or m["name"] in models]
    spec = work / "spec.json"
    spec.write_text(json.dumps({"models": chosen}))
    proc = run_worker(python, ["torch", str(spec), str(work)], timeout * max(1, len(chosen)), path)
    status = read_json(work / "torch_status.json") or {}
    rows = []
    for entry in chosen:
        row = {"project": project["name"], "model": entry["name"]}
        rows.append(row)
        if status.get(entry["name"]) != "ok":
            row.update(stage="torch", error=status.get(entry["name"]) or proc.stderr[-300:], at=None)
            continue
        entry_file = work / f"{entry['name']}.entry.json"
        entry_file.write_text(json.dumps(entry))
        result_file = work / f"{entry['name']}.ms.json"
        result_file.unlink(missing_ok=True)
        start = time.perf_counter()
        proc = run_worker(python, ["ms", str(result_file), str(out / "converted"), str(entry_file),
                                   str(work / f"{entry['name']}.npz")], timeout)
        result = read_json(result_file)
        if result is None:
            tail = (proc.stderr or "").strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
            result = {"stage": "crash", "error": tail[0][:300], "at": None, "max_diff": None}
        result["seconds"] = round(time.perf_counter() - start, 1)
        row.update(result)
        print(f"  {project['name']:28s} {entry['name']:30s} {describe(row)}", file=sys.stderr, flush=True)
    return rows


def import_figures(python: str, packages: List[str], out: pathlib.Path, timeout: int) -> Dict[str, dict]:
    result_file = out / "work" / f"imports-{'-'.join(packages)}.json"
    result_file.parent.mkdir(parents=True, exist_ok=True)
    result_file.unlink(missing_ok=True)
    proc = run_worker(python, ["imports", str(result_file), str(out / "converted"), *packages], timeout)
    found = read_json(result_file)
    if found is None:
        return {p: {"files": 0, "failed": {"*": {"error": (proc.stderr or "")[-300:]}}} for p in packages}
    return found


def silent(row: dict) -> bool:
    """A failing run whose failing converted line carries no note (or that failed on no converted line)."""
    if row["stage"] in ("pass", "torch"):
        return False
    at = row.get("at")
    return not (at and at.get("noted"))


def describe(row: dict) -> str:
    diff, scale = row.get("max_diff"), row.get("scale")
    text = f"{row['stage']:8s} {'' if diff is None else f'{diff:.2g}':>8s} {'' if scale is None else f'{scale:.2g}':>7s}"
    if row["stage"] != "pass":
        at = row.get("at")
        where = f"{at['file']}:{at['line']}{' (noted)' if at.get('noted') else ''}" if at else "-"
        text += f"  {where}  {(row.get('error') or '; '.join(row.get('notes', [])))[:110]}"
    elif row.get("notes"):  # passed, with a remark (say, differences at float32 rounding of large outputs)
        text += f"  {'; '.join(row['notes'])[:110]}"
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=os.environ.get("TORCH2MS_LIBS_PYTHON", sys.executable),
                        help="interpreter with the projects, torch and mindspore installed")
    parser.add_argument("--project", action="append", default=[], help="only these projects (repeatable)")
    parser.add_argument("--model", action="append", default=[], help="only these models (repeatable)")
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "torch2ms-realworld"))
    parser.add_argument("--manifest", default=str(MANIFEST))
    parser.add_argument("--timeout", type=int, default=600, help="seconds per model")
    parser.add_argument("--no-imports", action="store_true", help="skip the per-file import figure")
    parser.add_argument("--json", help="write every row and figure here")
    args = parser.parse_args(argv)
    manifest = load_manifest(pathlib.Path(args.manifest))
    projects = [p for p in manifest["projects"] if not args.project or p["name"] in args.project]
    out = pathlib.Path(args.out)
    conversions: Dict[str, dict] = {}
    rows: List[dict] = []
    imports: Dict[str, dict] = {}
    for project in projects:
        # a project of local folders (tests/support/realworld): `path`, relative to the manifest
        path = str((pathlib.Path(args.manifest).resolve().parent / project["path"]).resolve()) \
            if project.get("path") else ""
        for package in project["convert"]:
            if package not in conversions:
                print(f"converting {package} ...", file=sys.stderr, flush=True)
                conversions[package] = convert_package(args.python, package, out, path)
        if not args.no_imports:
            own = project["convert"][0]
            if own not in imports:
                imports.update(import_figures(args.python, [own], out, args.timeout * 3))
        rows += run_project(args.python, project, out, args.model, args.timeout, path)
    print_table(rows, conversions, imports)
    figures = summary(rows, imports)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"rows": rows, "conversions": conversions, "imports": imports,
                                                       "figures": figures}, indent=1, default=str))
    return 0


def summary(rows: List[dict], imports: Dict[str, dict]) -> dict:
    """The three figures: zero-touch passes, files importing without torch, silent failures."""
    measured = [r for r in rows if r["stage"] != "torch"]
    return {
        "models": len(measured),
        "passed": sum(r["stage"] == "pass" for r in measured),
        # [import without torch, files counted, files skipped: they need a package that is not installed]
        "imports": {p: [counted(info) - len(info["failed"]), counted(info), len(info.get("skipped", {}))]
                    for p, info in imports.items()},
        "silent": [f"{r['project']}/{r['model']}" for r in measured if silent(r)],
    }


def counted(info: dict) -> int:
    """Files the import figure counts: all but those skipped for a package not installed at all
    (tensorflow, datasets: optional dependencies, no conversion's fault)."""
    return info["files"] - len(info.get("skipped", {}))


def print_table(rows: List[dict], conversions: Dict[str, dict], imports: Dict[str, dict]) -> None:
    print(f"{'project':28s} {'model':30s} {'stage':8s} {'max diff':>8s} {'|out|':>7s}  where / why")
    for row in rows:
        print(f"{row['project']:28s} {row['model']:30s} {describe(row)}")
    print()
    print("conversions (package: python files, failed, flags, seconds):")
    for package, info in conversions.items():
        print(f"  {package:30s} {info}")
    measured = [r for r in rows if r["stage"] != "torch"]
    passed = sum(r["stage"] == "pass" for r in measured)
    print()
    print(f"zero-touch pass rate: {passed}/{len(measured)} models"
          f" ({100 * passed / max(len(measured), 1):.0f}%)"
          + (f"; {len(rows) - len(measured)} not measured (the torch original failed)" if len(rows) > len(measured) else ""))
    if imports:
        parts = []
        for package, info in imports.items():
            skipped = info.get("skipped", {})
            needs = sorted({s["needs"] for s in skipped.values()})
            parts.append(f"{package} {counted(info) - len(info['failed'])}/{counted(info)}"
                         + (f" ({len(skipped)} skipped: need {', '.join(needs)}, not installed)" if skipped else ""))
        print("files that import without torch: " + ", ".join(parts))
        for package, info in imports.items():
            for name, failure in list(info["failed"].items())[:3]:
                print(f"    {name}: {failure['error'][:140]}")
    quiet = [r for r in measured if silent(r)]
    print(f"silent failures: {len(quiet)}" + (": " + ", ".join(f"{r['project']}/{r['model']}" for r in quiet)
                                              if quiet else ""))


if __name__ == "__main__":
    sys.exit(main())
