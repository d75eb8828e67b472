"""Throughput of torch2ms on the transformers modeling files, against a bare libcst round-trip.

    python benchmarks/throughput.py [--limit N] [--jobs 2] [--no-cli] [--no-rss-probes]
    python benchmarks/throughput.py --incremental [--limit N] [--jobs 2]

Modes:

  bare round-trip, 1 process  libcst.parse_module(src).bytes for each file (read from disk)
  tool, 1 process             torch2ms.pipeline.convert_source(src) for each file (read from disk)
  tool, pool of N             a spawn-context multiprocessing pool of N workers, each converting
                              one file at a time: read from disk, convert, write to a temp dir
  tool, CLI -jN               `python -m torch2ms convert DIR -o TMP -j N -q` on a folder with
                              copies of the same files (skipped with --no-cli or if it fails)

  --incremental               only this: `python -m torch2ms convert DIR -o DST -jN -q` twice into
                              the same DST, cold then again with nothing changed (the manifest in
                              DST makes the second run skip every file, docs/reruns.md); prints
                              both wall times and warm/cold (the goal: at most 5%)

The two 1-process modes run interleaved in this process, file by file, alternating which
goes first, so that neither gets the cold start, heap growth or a quieter moment of the
machine to itself; their wall seconds are the sums of their per-file times.

CPU s: process_time of the per-file work for the 1-process modes; user+sys of the workers
(RUSAGE_CHILDREN delta) for the pool, and of the CLI's process tree (os.wait4) for the CLI.
On a busy machine wall seconds suffer from other load; CPU seconds much less.

Peak RSS, the largest single process, from VmHWM in /proc (Linux keeps ru_maxrss across
fork and exec, so the getrusage figures of a child of this process, RUSAGE_CHILDREN
included, would start at this process's own peak): the 1-process modes cannot be told
apart inside one process, so each runs again alone in a fresh child process that reports
its VmHWM (--no-rss-probes skips that and prints '-'); pool workers report theirs with
each result; the CLI's process tree is sampled every 0.2 s while it runs. Where /proc is
missing the getrusage figures are used instead.
"""
from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import multiprocessing
import os
import pathlib
import resource
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Tuple

import libcst as cst

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from torch2ms.convert.pipeline import ConversionError, convert_source  # noqa: E402


def corpus_files() -> List[pathlib.Path]:
    # find_spec, not import: importing transformers would pull in torch and inflate the
    # RSS of this process and of every child it starts (ru_maxrss survives fork and exec)
    spec = importlib.util.find_spec("transformers")
    assert spec is not None and spec.origin, "transformers is not installed"
    root = pathlib.Path(spec.origin).parent / "models"
    return sorted(root.glob("*/modeling_*.py"))


def _mib(kib: int) -> float:
    return kib / 1024.0  # VmHWM and ru_maxrss are in KiB on Linux


def bare_one(source: bytes) -> None:
    assert cst.parse_module(source).bytes == source


def tool_one(source: bytes, path: str) -> int:
    try:
        convert_source(source, path)
    except ConversionError:
        return 1
    return 0


def run_interleaved(files: List[pathlib.Path]) -> Tuple[float, float, float, float, int]:
    """(bare wall s, tool wall s, bare CPU s, tool CPU s, tool ConversionErrors); each
    includes reading the file."""
    wall = [0.0, 0.0]
    cpu = [0.0, 0.0]
    errors = 0
    clock, cpu_clock = time.perf_counter, time.process_time
    for i, path in enumerate(files):
        for mode in ((0, 1) if i % 2 else (1, 0)):
            start, cpu_start = clock(), cpu_clock()
            source = path.read_bytes()
            if mode == 0:
                bare_one(source)
            else:
                errors += tool_one(source, str(path))
            wall[mode] += clock() - start
            cpu[mode] += cpu_clock() - cpu_start
    return wall[0], wall[1], cpu[0], cpu[1], errors


def vmhwm_kib(pid: object = "self") -> Optional[int]:
    """VmHWM (peak resident set, KiB) of a process from /proc; None where unavailable.

    Unlike ru_maxrss it starts afresh at exec: a child of a big process does not inherit
    its parent's peak (Linux keeps ru_maxrss across fork and exec)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _descendants(root: int) -> List[int]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def rss_probe(mode: str, limit: int) -> Optional[int]:
    """Peak RSS (KiB) of a fresh child process running one 1-process mode alone."""
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--_probe", mode, "--limit", str(limit)]
    proc = subprocess.run(cmd, cwd=str(REPO), stdout=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"RSS probe {mode} failed with exit {proc.returncode}")
    for line in proc.stdout.splitlines():
        if line.startswith("VMHWM ") and line.split()[1].isdigit():
            return int(line.split()[1])
    return None


def _probe(mode: str, files: List[pathlib.Path]) -> None:
    for path in files:
        source = path.read_bytes()
        if mode == "bare":
            bare_one(source)
        else:
            tool_one(source, str(path))
    print(f"VMHWM {vmhwm_kib()}")


_OUT_DIR: Optional[str] = None


def _worker_init(out_dir: str) -> None:
    global _OUT_DIR
    _OUT_DIR = out_dir


def _convert_one(job: Tuple[int, str]) -> Tuple[int, Optional[int]]:
    index, path = job
    source = pathlib.Path(path).read_bytes()
    try:
        code = convert_source(source, path).code
    except ConversionError:
        return 1, vmhwm_kib()
    assert _OUT_DIR is not None
    pathlib.Path(_OUT_DIR, f"{index:04d}_{pathlib.Path(path).name}").write_bytes(code)
    return 0, vmhwm_kib()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_pool(files: List[pathlib.Path], jobs: int) -> Tuple[float, int, Optional[int], float]:
    """(wall s, errors, peak RSS KiB of the largest worker, workers' CPU s)."""
    ctx = multiprocessing.get_context("spawn")
    cpu_before = _children_cpu()
    with tempfile.TemporaryDirectory(prefix="t2ms-bench-") as out_dir:
        start = time.perf_counter()
        pool = ctx.Pool(jobs, initializer=_worker_init, initargs=(out_dir,))
        try:
            results = list(pool.imap_unordered(_convert_one, [(i, str(p)) for i, p in enumerate(files)], chunksize=1))
        finally:
            pool.close()
            pool.join()
        elapsed = time.perf_counter() - start
    peaks = [peak for _, peak in results if peak is not None]
    # VmHWM is monotonic, so each worker's last answer carries its peak
    peak = max(peaks) if peaks else resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, sum(err for err, _ in results), peak, _children_cpu() - cpu_before


def run_cli(files: List[pathlib.Path], jobs: int) -> Optional[Tuple[float, Optional[int], float]]:
    """(wall s, peak RSS KiB of its largest process, CPU s of its process tree)."""
    with tempfile.TemporaryDirectory(prefix="t2ms-cli-") as tmp:
        src = pathlib.Path(tmp, "src")
        src.mkdir()
        for i, path in enumerate(files):  # copies (the CLI recreates symlinks rather than converting them)
            pathlib.Path(src, f"{i:04d}_{path.name}").write_bytes(path.read_bytes())
        dst = pathlib.Path(tmp, "dst")
        cmd = [sys.executable, "-m", "torch2ms", "convert", str(src), "-o", str(dst), "-j", str(jobs), "-q"]
        peak: Optional[int] = None
        with open(pathlib.Path(tmp, "stderr"), "w+b") as err_file:
            start = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=err_file)
            while True:  # sample the tree's VmHWM until the CLI exits (it reaps its own workers)
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                for member in _descendants(proc.pid):
                    hwm = vmhwm_kib(member)
                    if hwm is not None and (peak is None or hwm > peak):
                        peak = hwm
                time.sleep(0.2)
            elapsed = time.perf_counter() - start
            proc.returncode = os.waitstatus_to_exitcode(status)
            err_file.seek(0)
            err = err_file.read().decode(errors="replace")
        written = sum(1 for _ in dst.glob("*.py")) if dst.is_dir() else 0
        if proc.returncode not in (0, 1) or written != len(files):
            print(f"CLI run skipped: exit {proc.returncode}, {written}/{len(files)} files written; {err.strip()[-300:]}",
                  file=sys.stderr)
            return None
        return elapsed, peak if peak is not None else usage.ru_maxrss, usage.ru_utime + usage.ru_stime


def _timed_cli(src: pathlib.Path, dst: pathlib.Path, jobs: int) -> Tuple[float, str]:
    cmd = [sys.executable, "-m", "torch2ms", "convert", str(src), "-o", str(dst), "-j", str(jobs)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"CLI failed with exit {proc.returncode}: {proc.stderr.strip()[-300:]}")
    return elapsed, proc.stderr


def run_incremental(files: List[pathlib.Path], jobs: int) -> None:
    """Cold conversion of a copy of the corpus, then the same again into the same folder."""
    with tempfile.TemporaryDirectory(prefix="t2ms-incr-") as tmp:
        src = pathlib.Path(tmp, "src")
        src.mkdir()
        for i, path in enumerate(files):
            pathlib.Path(src, f"{i:04d}_{path.name}").write_bytes(path.read_bytes())
        dst = pathlib.Path(tmp, "dst")
        cold, _ = _timed_cli(src, dst, jobs)
        warm, summary = _timed_cli(src, dst, jobs)
    reused = next((line for line in summary.splitlines() if line.startswith("up to date:")), "up to date: none")
    print(f"incremental re-run, CLI -j{jobs}, {len(files)} files unchanged since the cold run")
    print(f"{'cold (first conversion)':<36} {cold:>8.2f} s")
    print(f"{'warm (same files, same options)':<36} {warm:>8.2f} s   ({reused})")
    print(f"ratio warm/cold: {100 * warm / cold:.1f}% (goal: at most 5%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="only the first N files (sorted by path)")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="workers for the pool and CLI modes")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI mode")
    parser.add_argument("--no-rss-probes", action="store_true", help="skip the 1-process RSS probes")
    parser.add_argument("--incremental", action="store_true",
                        help="only the incremental mode: a cold CLI conversion, then the same again")
    parser.add_argument("--_probe", choices=["bare", "tool"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    files = corpus_files()
    if args.limit:
        files = files[: args.limit]
    if args.incremental:
        run_incremental(files, args.jobs)
        return
    if args._probe:
        _probe(args._probe, files)
        return
    sources = [p.read_bytes() for p in files]  # also warms the page cache for every mode
    n_files = len(files)
    n_lines = sum(s.count(b"\n") for s in sources)
    n_bytes = sum(len(s) for s in sources)
    del sources
    print(f"{n_files} files, {n_lines:,} lines, {n_bytes / 1e6:.1f} MB; python {sys.version.split()[0]}, "
          f"libcst {importlib.metadata.version('libcst')}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at start", flush=True)

    # warm-up, untimed: first-use costs (lazy imports, caches) land on neither mode
    for path in files[:2]:
        bare_one(path.read_bytes())
        tool_one(path.read_bytes(), str(path))

    bare_s, tool_s, bare_cpu, tool_cpu, tool_err = run_interleaved(files)
    rss_bare = rss_tool = None
    if not args.no_rss_probes:
        rss_bare = rss_probe("bare", len(files))
        rss_tool = rss_probe("tool", len(files))
    rows = [
        ("bare round-trip, 1 process", bare_s, bare_cpu, rss_bare, 0),
        ("tool, 1 process", tool_s, tool_cpu, rss_tool, tool_err),
    ]
    pool_s, pool_err, pool_rss, pool_cpu = run_pool(files, args.jobs)
    rows.append((f"tool, pool of {args.jobs} (per-file tasks)", pool_s, pool_cpu, pool_rss, pool_err))
    if not args.no_cli:
        cli = run_cli(files, args.jobs)
        if cli is not None:
            rows.append((f"tool, CLI -j{args.jobs}", cli[0], cli[2], cli[1], None))

    print()
    print(f"{'mode':<36} {'wall s':>8} {'files/s':>8} {'lines/s':>9} {'CPU s':>8} {'peak RSS MiB':>13} {'errors':>6}")
    for name, secs, cpu, rss, err in rows:
        rss_text = "-" if rss is None else f"{_mib(rss):.0f}"
        print(f"{name:<36} {secs:>8.2f} {n_files / secs:>8.2f} {n_lines / secs:>9,.0f} {cpu:>8.2f} {rss_text:>13} "
              f"{'-' if err is None else err:>6}")
    print()
    print(f"ratio tool/bare, 1 process: {tool_s / bare_s:.2f}x wall, {tool_cpu / bare_cpu:.2f}x CPU")
    print(f"load average {os.getloadavg()[0]:.1f} at the end; peak RSS = largest single process (VmHWM)")


if __name__ == "__main__":
    main()
