"""Zero-touch parity on diffusers models: torch2ms's conversion vs mindone's human ports.

    python benchmarks/diffusers_parity.py [--models AutoencoderKL,UNet2DModel] [--timeout 600] [--json out.json]

For each model of the dev set, `torch2ms verify --diffusers` converts the model's diffusers
file (and the model code it imports) with the tool, no manual edit, builds both models from
the same small config, copies the weights and compares outputs; then the same check runs on
mindone.diffusers' own port of the model. Each side runs in its own interpreter
(benchmarks/hf_parity.py's verify). Prints a table (model, status, failing stage, max diff,
seconds) for both sides, the pass rates, the failing stages counted, and the silent failures:
failing tool runs whose failing converted line carries no `# torch2ms:` note (a numeric
mismatch names no line: it counts as silent).
"""
from __future__ import annotations

import argparse
import collections
import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hf_parity import _row, verify  # noqa: E402

DEV_SET = (
    "UNet2DModel UNet2DConditionModel UNet3DConditionModel UNetSpatioTemporalConditionModel AutoencoderKL "
    "AutoencoderTiny AutoencoderDC VQModel AutoencoderKLTemporalDecoder AutoencoderKLCogVideoX AutoencoderKLWan "
    "AutoencoderKLLTXVideo AutoencoderKLHunyuanVideo DiTTransformer2DModel PixArtTransformer2DModel "
    "Transformer2DModel PriorTransformer SD3Transformer2DModel FluxTransformer2DModel SanaTransformer2DModel "
    "AuraFlowTransformer2DModel CogVideoXTransformer3DModel CogView4Transformer2DModel WanTransformer3DModel "
    "LTXVideoTransformer3DModel HunyuanVideoTransformer3DModel Lumina2Transformer2DModel "
    "QwenImageTransformer2DModel ControlNetModel SD3ControlNetModel FluxControlNetModel T2IAdapter"
).split()


def home_module(name: str) -> str:
    """diffusers.<Name> -> the module that defines it (diffusers.models.autoencoders.autoencoder_kl)."""
    import diffusers

    return getattr(diffusers, name).__module__


def stage(result: dict) -> str:
    """The failing stage, in a few words: convert, import, build, run, numbers, timeout."""
    if result.get("status") == "PASS":
        return ""
    text = result.get("stage", "")
    for key, words in (("timeout", "timeout"), ("numbers differ", "numbers"), ("converting", "convert"),
                       ("importing", "import"), ("building", "build"), ("model raised", "run"),
                       ("no inputs found", "inputs")):
        if key in text:
            return words
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=",".join(DEV_SET))
    parser.add_argument("--timeout", type=int, default=600)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sides", default="tool,mindone", help="which side(s) to check: tool, mindone or both")
    args = parser.parse_args()
    sides = args.sides.split(",")
    rows = []
    for name in args.models.split(","):
        module = home_module(name)
        target = f"{module}:{name}"
        tool = verify(target, "", args.timeout, "--diffusers") if "tool" in sides else {"status": "SKIPPED"}
        port = f"mindone.{module}"
        if "mindone" not in sides:
            human = {"status": "SKIPPED"}
        elif _exists(port):
            human = verify(target, f"{port}:{name}", args.timeout, "--diffusers")
        else:
            human = {"status": "NO PORT", "stage": ""}
        rows.append({"model": name, "tool": tool, "mindone": human})
        print(_row(rows[-1]), flush=True)
    ported = [r for r in rows if r["mindone"].get("status") not in ("NO PORT", "SKIPPED")]
    tool_pass = sum(r["tool"].get("status") == "PASS" for r in rows)
    human_pass = sum(r["mindone"].get("status") == "PASS" for r in ported)
    print(f"\ntorch2ms zero-touch: {tool_pass}/{len(rows)} pass; mindone's ports: {human_pass}/{len(ported)} pass")
    for side in ("tool", "mindone"):
        stages = collections.Counter(stage(r[side]) for r in rows if r[side].get("status") == "FAIL")
        if stages:
            print(f"failing stages ({side}): " + ", ".join(f"{k} {v}" for k, v in stages.most_common()))
    silent = [r["model"] for r in rows if r["tool"].get("status") == "FAIL" and not r["tool"].get("noted")]
    print(f"silent failures (tool; failing converted line without a `# torch2ms:` note): {len(silent)}"
          + (f" ({', '.join(silent)})" if silent else ""))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


def _exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


if __name__ == "__main__":
    main()
