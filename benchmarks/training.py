"""Training scripts converted and proven by their loss curves (docs/training.md).

    python benchmarks/training.py                     # every script in benchmarks/training_scripts/
    python benchmarks/training.py --only dcgan vae    # some of them
    python benchmarks/training.py --scripts DIR       # other scripts following the protocol
    python benchmarks/training.py --scripts benchmarks/training_unseen   # scripts the tool was not tuned on
    python benchmarks/training.py --json out.json     # the rows, for a report

Each script follows verify --train's protocol: `build()` makes the model(s) and `train(model,
steps)` trains for `steps` steps and returns the per-step losses (a script may name them in
a module-level `VERIFY = "build,run"`). Per script, in a fresh interpreter (a MindSpore kernel
failure can poison a process): the conversion (its `# torch2ms:` notes counted), then
`torch2ms verify --train` on the untouched conversion. Printed per script:

- notes:      `# torch2ms:` notes in the converted script;
- zero-touch: the converted script, as written by the tool, ran and matched torch's curve;
- stage:      how far the MindSpore side got: converted, imported, built, trained, compared;
- curve:      match / DIFFER / -, with the largest loss difference.

Then the pass count and the silent failures: scripts whose conversion carries no `# torch2ms:`
note and still does not reproduce torch's curve (the number to keep at zero).
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPTS = HERE / "training_scripts"
sys.path.insert(0, str(ROOT))  # this checkout's torch2ms, wherever another one is installed


def protocol(path: Path) -> str:
    """`build,train`, or what the script's VERIFY says."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "VERIFY" for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    return "build,train"


def notes_in(path: Path) -> int:
    from torch2ms.convert.pipeline import convert_source

    return len(convert_source(path.read_bytes(), str(path)).flags)


def stage_of(report: dict) -> str:
    if report.get("verdict") in ("match", "mismatch"):
        return "compared"
    text = " ".join(report.get("problems", []))
    if "train() raised" in text or "train raised" in text or "run() raised" in text:
        return "built"
    if "() raised" in text and "mindspore:" in text:
        return "imported"
    if "importing" in text:
        return "converted"
    return "trained" if "losses" in text else "converted"


def run_one(path: Path, steps: int, timeout: int) -> dict:
    spec = f"{path}:{protocol(path)}"
    row = {"script": path.stem, "notes": notes_in(path), "stage": "converted", "curve": "-", "max_diff": None}
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "report.json")
        command = [sys.executable, "-m", "torch2ms", "verify", "--train", spec, "--steps", str(steps), "--json", out]
        env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        start = time.perf_counter()
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp)
        except subprocess.TimeoutExpired:
            row.update(stage="timeout", seconds=timeout)
            return row
        row["seconds"] = round(time.perf_counter() - start, 1)
        if not os.path.exists(out):
            row["problem"] = (proc.stderr.strip().splitlines() or ["no report"])[-1][:200]
            return row
        report = json.loads(Path(out).read_text())
    row["stage"] = stage_of(report)
    row["max_diff"] = report.get("max_diff")
    if report.get("verdict") == "match":
        row["curve"] = "match"
    elif report.get("verdict") == "mismatch":
        row["curve"] = "DIFFER"
    if report.get("problems"):
        row["problem"] = report["problems"][-1][:200]
    row["steps"] = (report.get("inputs") or [""])[0].split(" ")[0]
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scripts", default=str(SCRIPTS), help="folder of training scripts (default: ours)")
    parser.add_argument("--only", nargs="*", help="script names (without .py)")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--json", help="write the rows here")
    args = parser.parse_args(argv)
    paths = sorted(Path(args.scripts).resolve().glob("*.py"))  # each runs in a folder of its own
    if args.only:
        paths = [p for p in paths if p.stem in args.only]
    rows = []
    print(f"{'script':26s} {'notes':>5s} {'zero-touch':>10s} {'stage':>9s} {'curve':>7s} {'max diff':>9s} {'s':>6s}")
    for path in paths:
        row = run_one(path, args.steps, args.timeout)
        row["zero_touch"] = row["curve"] == "match"
        rows.append(row)
        diff = "-" if row["max_diff"] is None else f"{row['max_diff']:.1e}"
        print(f"{row['script']:26s} {row['notes']:5d} {'yes' if row['zero_touch'] else 'no':>10s} {row['stage']:>9s} "
              f"{row['curve']:>7s} {diff:>9s} {row.get('seconds', 0):6.1f}", flush=True)
        if row.get("problem") and not row["zero_touch"]:
            print(f"    {row['problem']}")
    passed = sum(r["zero_touch"] for r in rows)
    silent = [r["script"] for r in rows if not r["zero_touch"] and r["notes"] == 0]
    print(f"\n{passed}/{len(rows)} scripts converted zero-touch with matching loss curves "
          f"(rtol 1e-3, atol 1e-4, {args.steps} steps)")
    print(f"silently broken (no note, and the curve not matched): {len(silent)}"
          + (f" ({', '.join(silent)})" if silent else ""))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0 if passed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
