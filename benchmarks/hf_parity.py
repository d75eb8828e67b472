"""Zero-touch parity on Hugging Face models: torch2ms's conversion vs mindone's human ports.

    python benchmarks/hf_parity.py [--models bert,gpt2] [--timeout 600] [--json out.json]

For each model of the dev set, `torch2ms verify --hf` converts transformers' modeling file
with the tool (no manual edit), builds both models from the same tiny config, copies the
weights and compares outputs; then the same check runs on mindone's own port of the model.
Prints a table (model, status, failing stage, max diff, seconds) for both and the pass rates.
"""
from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's torch2ms, not an installed one

DEV_SET = (
    "bert roberta albert electra deberta_v2 distilbert gpt2 gpt_neo gptj llama mistral mixtral qwen2 "
    "qwen3 gemma gemma2 phi phi3 falcon opt bloom t5 bart mbart pegasus marian vit deit beit swin "
    "convnext resnet dinov2 segformer whisper wav2vec2 hubert clip siglip blip"
).split()


def base_class(model: str) -> str:
    """The bare `XModel` class of transformers.models.<model>: what verify builds."""
    module = importlib.import_module(f"transformers.models.{model}.modeling_{model}")
    names = [n for n in getattr(module, "__all__", dir(module)) if n.endswith("Model") and "PreTrained" not in n]
    return min(names, key=len)


def verify(target: str, converted: str, timeout: int, kind: str = "--hf") -> dict:
    """One side's verify in its own interpreter; kind: --hf or --diffusers."""
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        command = [sys.executable, "-m", "torch2ms", "verify", kind, target, "--json", report.name]
        if converted:
            command += ["--converted", converted]
        start = time.perf_counter()
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"status": "FAIL", "stage": "timeout", "max_diff": None, "seconds": timeout}
        seconds = time.perf_counter() - start
        try:
            data = json.loads(Path(report.name).read_text() or "{}")
        except json.JSONDecodeError:
            data = {}
    init_failed = next((n for n in data.get("notes", []) if "failed in its weight init" in n), "")
    if done.returncode == 0:
        # outputs match; a model whose own weight init raised was rebuilt without it (torch's weights
        # are copied in anyway): it passes, and the table says so
        stage = f"own init raised: {init_failed.split('(')[1][:60]}" if init_failed else ""
        return {"status": "PASS", "stage": stage, "max_diff": data.get("max_diff"), "seconds": seconds,
                "init_ok": not init_failed}
    problems = data.get("problems") or [(done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]][0]
    first = problems[0] if problems else "?"
    # exit 1 is verify's "outputs differ" only when it wrote its report; an interpreter that died
    # on an uncaught exception exits 1 too
    stage = "numbers differ" if done.returncode == 1 and data else str(first)[:70]
    if done.returncode == 1 and data.get("first_divergence"):
        stage += f" at {str(data['first_divergence'])[:50]}"
    # did the converted line it failed at carry a `# torch2ms:` note? (a numeric mismatch names no line)
    noted = bool((data.get("failing_line") or {}).get("noted"))
    return {"status": "FAIL", "stage": stage, "max_diff": data.get("max_diff"), "seconds": seconds, "noted": noted,
            "failing_line": data.get("failing_line")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=",".join(DEV_SET))
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sides", default="tool,mindone", help="which side(s) to check: tool, mindone or both")
    args = parser.parse_args()
    rows = []
    for model in args.models.split(","):
        try:
            cls = base_class(model)
        except Exception as exc:  # the dev set names a model this transformers lacks
            rows.append({"model": model, "tool": {"status": "FAIL", "stage": f"no model class: {exc}"}, "mindone": {}})
            continue
        target = f"transformers.models.{model}.modeling_{model}:{cls}"
        sides = args.sides.split(",")
        tool = verify(target, "", args.timeout) if "tool" in sides else {"status": "SKIPPED", "stage": ""}
        port = f"mindone.transformers.models.{model}.modeling_{model}"
        has_port = importlib.util.find_spec("mindone") is not None and _exists(port)
        if "mindone" not in sides:
            human = {"status": "SKIPPED", "stage": ""}
        else:
            human = verify(target, f"{port}:{cls}", args.timeout) if has_port else {"status": "NO PORT", "stage": ""}
        rows.append({"model": f"{model} ({cls})", "tool": tool, "mindone": human})
        print(_row(rows[-1]), flush=True)
    tool_pass = sum(r["tool"].get("status") == "PASS" for r in rows)
    ported = [r for r in rows if r["mindone"].get("status") not in (None, "NO PORT", "SKIPPED")]
    human_pass = sum(r["mindone"].get("status") == "PASS" for r in ported)
    print(f"\ntorch2ms zero-touch: {tool_pass}/{len(rows)} pass; mindone's ports: {human_pass}/{len(ported)} pass")
    clean = sum(r["tool"].get("init_ok", False) for r in rows), sum(r["mindone"].get("init_ok", False) for r in ported)
    print(f"of which their own weight init also ran: torch2ms {clean[0]}, mindone {clean[1]}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _row(row: dict) -> str:
    def cell(result: dict) -> str:
        diff = result.get("max_diff")
        diff = f"{diff:.1e}" if isinstance(diff, float) else "-"
        return f"{result.get('status', '-'):7s} {diff:>8s} {result.get('seconds', 0):6.1f}s {result.get('stage', '')}"
    return f"{row['model']:40s} | tool: {cell(row['tool'])} | mindone: {cell(row['mindone'])}"


if __name__ == "__main__":
    main()
