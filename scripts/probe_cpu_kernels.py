"""Which mindspore.mint APIs actually run on this machine's CPU backend?

MindSpore reports a missing kernel lazily (often only when the result is read)
and a failed kernel can leave the process unusable, so every case runs in its
own interpreter and forces its result with .asnumpy().

    python scripts/probe_cpu_kernels.py                 # print the table
    python scripts/probe_cpu_kernels.py --write docs/cpu-kernels.md
"""
from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pathlib
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's torch2ms, not an installed one

from torch2ms.fallback.probe import TENSOR_HELPERS as PRELUDE  # t(), i(), force(), mint, F

# (api, statement assigning `out`). Layers are built, then called once.
CASES = [
    ("mint.nn.Conv2d", "out = mint.nn.Conv2d(3, 4, 3, padding=1)(t(1, 3, 8, 8))"),
    ("mint.nn.Conv1d", "out = mint.nn.Conv1d(3, 4, 3)(t(1, 3, 8))"),
    ("mint.nn.BatchNorm2d (eval)", "m = mint.nn.BatchNorm2d(3); m.set_train(False); out = m(t(2, 3, 4, 4))"),
    ("mint.nn.BatchNorm2d (train)", "m = mint.nn.BatchNorm2d(3); m.set_train(True); out = m(t(2, 3, 4, 4))"),
    ("mint.nn.BatchNorm1d (eval)", "m = mint.nn.BatchNorm1d(3); m.set_train(False); out = m(t(2, 3))"),
    ("mint.nn.LayerNorm", "out = mint.nn.LayerNorm(8)(t(2, 8))"),
    ("mint.nn.GroupNorm", "out = mint.nn.GroupNorm(2, 4)(t(2, 4, 3))"),
    ("mint.nn.Embedding", "out = mint.nn.Embedding(10, 4)(i(2, 3))"),
    ("mint.nn.Linear", "out = mint.nn.Linear(4, 3)(t(2, 4))"),
    ("mint.nn.GELU", "out = mint.nn.GELU()(t(2, 4))"),
    ("mint.nn.GELU(approximate='tanh')", "out = mint.nn.GELU(approximate='tanh')(t(2, 4))"),
    ("mint.nn.ReLU", "out = mint.nn.ReLU()(t(2, 4))"),
    ("mint.nn.ReLU(inplace=True) [torch-only kwarg]", "out = mint.nn.ReLU(inplace=True)(t(2, 4))"),
    ("mint.nn.SiLU", "out = mint.nn.SiLU()(t(2, 4))"),
    ("mint.nn.Tanh", "out = mint.nn.Tanh()(t(2, 4))"),
    ("mint.nn.Softmax", "out = mint.nn.Softmax(dim=-1)(t(2, 4))"),
    ("mint.nn.Dropout (eval)", "m = mint.nn.Dropout(0.1); m.set_train(False); out = m(t(2, 4))"),
    ("mint.nn.Dropout (train)", "m = mint.nn.Dropout(0.1); m.set_train(True); out = m(t(2, 4))"),
    ("mint.nn.MaxPool2d", "out = mint.nn.MaxPool2d(3, 2, 1)(t(1, 2, 8, 8))"),
    ("mint.nn.AvgPool2d", "out = mint.nn.AvgPool2d(2)(t(1, 2, 8, 8))"),
    ("mint.nn.AdaptiveAvgPool2d", "out = mint.nn.AdaptiveAvgPool2d((1, 1))(t(1, 2, 5, 5))"),
    ("mint.nn.Flatten", "out = mint.nn.Flatten()(t(2, 3, 4))"),
    ("mint.nn.Identity", "out = mint.nn.Identity()(t(2, 3))"),
    ("mint.nn.LogSoftmax", "out = mint.nn.LogSoftmax(dim=1)(t(2, 4))"),
    ("mint.nn.CrossEntropyLoss", "out = mint.nn.CrossEntropyLoss()(t(4, 5), i(4, high=5))"),
    ("F.gelu", "out = F.gelu(t(2, 4))"),
    ("F.gelu(approximate='tanh')", "out = F.gelu(t(2, 4), approximate='tanh')"),
    ("F.relu", "out = F.relu(t(2, 4))"),
    ("F.silu", "out = F.silu(t(2, 4))"),
    ("F.softmax", "out = F.softmax(t(2, 4), dim=-1)"),
    ("F.log_softmax", "out = F.log_softmax(t(2, 4), dim=-1)"),
    ("F.dropout (training=False)", "out = F.dropout(t(2, 4), p=0.1, training=False)"),
    ("F.dropout (training=True)", "out = F.dropout(t(2, 4), p=0.1, training=True)"),
    ("F.linear", "out = F.linear(t(2, 4), t(3, 4), t(3))"),
    ("F.conv2d", "out = F.conv2d(t(1, 3, 6, 6), t(4, 3, 3, 3))"),
    ("F.layer_norm", "out = F.layer_norm(t(2, 8), (8,))"),
    ("F.embedding", "out = F.embedding(i(2, 3), t(10, 4))"),
    ("F.max_pool2d", "out = F.max_pool2d(t(1, 2, 8, 8), 2)"),
    ("F.avg_pool2d", "out = F.avg_pool2d(t(1, 2, 8, 8), 2)"),
    ("F.adaptive_avg_pool2d", "out = F.adaptive_avg_pool2d(t(1, 2, 5, 5), 1)"),
    ("F.pad", "out = F.pad(t(1, 2, 3), (1, 2))"),
    ("F.normalize", "out = F.normalize(t(2, 4), dim=-1)"),
    ("F.cross_entropy", "out = F.cross_entropy(t(4, 5), i(4, high=5))"),
    ("F.interpolate", "out = F.interpolate(t(1, 2, 4, 4), scale_factor=2.0, mode='nearest')"),
    ("F.interpolate (bilinear)", "out = F.interpolate(t(1, 2, 4, 4), scale_factor=2.0, mode='bilinear')"),
    ("F.interpolate (bicubic)", "out = F.interpolate(t(1, 2, 4, 4), scale_factor=2.0, mode='bicubic')"),
    ("F.interpolate (linear)", "out = F.interpolate(t(1, 2, 4), scale_factor=2.0, mode='linear')"),
    ("mint.arange", "out = mint.arange(0, 5, dtype=ms.int64)"),
    ("mint.zeros", "out = mint.zeros((2, 3))"),
    ("mint.ones", "out = mint.ones((2, 3))"),
    ("mint.ones(2, 3) [varargs size]", "out = mint.ones(2, 3)"),
    ("mint.zeros(2, 3) [varargs size]", "out = mint.zeros(2, 3)"),
    ("mint.zeros_like", "out = mint.zeros_like(t(2, 3))"),
    ("mint.ones_like", "out = mint.ones_like(t(2, 3))"),
    ("mint.full", "out = mint.full((2, 3), 1.5)"),
    ("mint.eye", "out = mint.eye(3)"),
    ("mint.linspace", "out = mint.linspace(0, 1, 5)"),
    ("mint.stack", "out = mint.stack([t(2, 3), t(2, 3)], dim=0)"),
    ("mint.cat", "out = mint.cat([t(2, 3), t(2, 3)], dim=1)"),
    ("mint.split", "out = mint.split(t(4, 3), 2, dim=0)"),
    ("mint.chunk", "out = mint.chunk(t(4, 3), 2, dim=0)"),
    ("mint.cumsum", "out = mint.cumsum(t(2, 3), dim=1)"),
    ("mint.argmax", "out = mint.argmax(t(2, 3), dim=-1)"),
    ("mint.max (dim)", "out = mint.max(t(2, 3), dim=-1)"),
    ("mint.topk", "out = mint.topk(t(2, 5), 2)"),
    ("mint.sort", "out = mint.sort(t(2, 5), dim=-1)"),
    ("mint.tril", "out = mint.tril(t(4, 4))"),
    ("mint.triu", "out = mint.triu(t(4, 4), diagonal=1)"),
    ("mint.where", "x = t(2, 3); out = mint.where(x > 0, x, t(2, 3))"),
    ("mint.where (condition only)", "out = mint.where(t(2, 3) > 0)"),
    ("mint.nonzero", "out = mint.nonzero(t(2, 3) > 0)"),
    ("mint.matmul", "out = mint.matmul(t(2, 3, 4), t(2, 4, 5))"),
    ("mint.bmm", "out = mint.bmm(t(2, 3, 4), t(2, 4, 5))"),
    ("mint.einsum", "out = mint.einsum('bij,bjk->bik', t(2, 3, 4), t(2, 4, 5))"),
    ("mint.flatten", "out = mint.flatten(t(2, 3, 4), 1)"),
    ("mint.transpose", "out = mint.transpose(t(2, 3, 4), 1, 2)"),
    ("mint.permute", "out = mint.permute(t(2, 3, 4), (2, 0, 1))"),
    ("mint.reshape", "out = mint.reshape(t(2, 3, 4), (6, 4))"),
    ("mint.gather", "out = mint.gather(t(2, 3), 1, i(2, 2, high=3))"),
    ("mint.softmax", "out = mint.softmax(t(2, 4), dim=-1)"),
    ("mint.sum", "out = mint.sum(t(2, 4), dim=-1)"),
    ("mint.var", "out = mint.var(t(2, 4), dim=-1)"),
    ("mint.logsumexp", "out = mint.logsumexp(t(2, 4), dim=-1)"),
    ("mint.norm", "out = mint.norm(t(2, 4), dim=-1)"),
    ("mint.clone", "out = mint.clone(t(2, 3))"),
    ("mint.mean", "out = mint.mean(t(2, 4), dim=-1, keepdim=True)"),
    ("mint.sqrt / rsqrt / exp / tanh", "x = t(3).abs() + 1; out = [mint.sqrt(x), mint.rsqrt(x), mint.exp(x), mint.tanh(x)]"),
    ("mint.clamp", "out = mint.clamp(t(2, 4), min=-0.5, max=0.5)"),
    ("mint.pow", "out = mint.pow(t(2, 4), 3.0)"),
    ("mint.randn", "out = mint.randn(2, 3)"),
    ("mint.rand", "out = mint.rand(2, 3)"),
    ("mint.randint", "out = mint.randint(0, 5, (2, 3))"),
    ("mint.normal", "out = mint.normal(0.0, 1.0, (2, 3))"),
    ("mint.randperm", "out = mint.randperm(5)"),
    ("mint.multinomial", "out = mint.multinomial(mint.softmax(t(2, 5), dim=-1), 1)"),
    ("ops.masked_fill", "x = t(3, 3); out = ops.masked_fill(x, x > 0, float('-inf'))"),
    ("Tensor.masked_fill", "x = t(3, 3); out = x.masked_fill(x > 0, float('-inf'))"),
    ("Tensor.masked_fill (bcast mask)", "x = t(2, 1, 3, 3); m = mint.triu(mint.ones((3, 3))).view(1, 1, 3, 3); out = x.masked_fill(m[:, :, :3, :3] == 0, float('-inf'))"),
    ("Tensor.view / transpose / contiguous", "out = t(2, 3, 4).view(2, 3, 2, 2).transpose(1, 2).contiguous()"),
    ("Tensor.size() [torch-only: use .shape]", "out = ms.Tensor(list(t(2, 3).size()))"),
    ("Tensor @ (matmul operator)", "out = t(2, 3) @ t(3, 4)"),
    ("Tensor.normal_", "x = t(3, 3); x.normal_(0.0, 0.02); out = x"),
    ("Tensor.uniform_", "x = t(3, 3); x.uniform_(-0.1, 0.1); out = x"),
    ("Tensor.clone", "out = t(2, 3).clone()"),
    ("Tensor.zero_", "x = t(3, 3); x.zero_(); out = x"),
    ("Tensor.softmax", "out = t(2, 4).softmax(-1)"),
    ("Tensor.argmax", "out = t(2, 4).argmax(-1)"),
    ("Tensor.float / long", "out = [t(2).long(), i(2).float()]"),
    ("mindspore._no_grad", "x = t(2)\nwith ms._no_grad():\n    out = x * 2"),
    ("nn.Cell.register_buffer", "c = ms.nn.Cell(); c.register_buffer('b', mint.ones((2,))); out = c.b + 1"),
]


def run_case(snippet: str, timeout: float) -> tuple:
    code = PRELUDE + snippet + "\nforce(out)\nprint('PROBE-OK')\n"
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    if "PROBE-OK" in proc.stdout:
        return "ok", ""
    # The first exception line names the failure; MindSpore then adds a C++ stack.
    lines = [ln.strip() for ln in proc.stderr.splitlines()]
    errors = [ln for ln in lines if ln and ln.split(":")[0].endswith(("Error", "Exception"))]
    first = errors[-1] if errors else (lines[-1] if lines else f"exit status {proc.returncode}")
    kernel_words = ("kernel", "unregistered", "not supported on cpu", "kernelmod", "not found op", "only supports ascend")
    status = "no CPU kernel" if any(w in first.lower() for w in kernel_words) else "error"
    return status, first[:160]


def versions() -> str:
    probe = "import mindspore, numpy, platform; print(mindspore.__version__, numpy.__version__, platform.python_version())"
    ms_v, np_v, py_v = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.split()
    return f"mindspore {ms_v}, numpy {np_v}, Python {py_v}"


def render(results, header: str) -> str:
    rows = ["| API | result | first error line |", "| --- | --- | --- |"]
    for api, (status, err) in results:
        rows.append(f"| `{api}` | {status} | {err.replace('|', '/')} |")
    missing = [api for api, (status, _) in results if status != "ok"]
    summary = f"{len(results) - len(missing)} of {len(results)} cases run; not running: {len(missing)}."
    return "\n".join([header, "", summary, "", *rows, ""])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--write", metavar="MD", help="also write the table to this Markdown file")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args(argv)
    with ThreadPoolExecutor(args.jobs) as pool:
        outcomes = list(pool.map(lambda case: run_case(case[1], args.timeout), CASES))
    results = [(api, res) for (api, _), res in zip(CASES, outcomes)]
    header = (
        "# MindSpore CPU kernels for common `mint` APIs\n\n"
        f"Probed {datetime.date.today().isoformat()} with {versions()}, CPU backend, PyNative mode.\n"
        "Each case runs in a fresh interpreter and forces its result with `.asnumpy()`.\n"
        "Regenerate: `python scripts/probe_cpu_kernels.py --write docs/cpu-kernels.md`.\n"
        "`F` is `mindspore.mint.nn.functional`. Rows marked [..] are not kernel problems but\n"
        "calls mint rejects although torch accepts them: the converter must rewrite those.\n"
        "Tests patch the missing kernels with `tests/support/ms_cpu_fallback.py`."
    )
    text = render(results, header)
    print(text)
    if args.write:
        with open(args.write, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
