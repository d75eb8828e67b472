"""Drive the per-file converter over a file or a folder: plan, run (in parallel).

Workers get a Job (paths only) and send back an Outcome (status, error, flags, stats),
never a syntax tree; converted code goes straight from the worker to disk.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import re
import signal
import stat
import threading
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Callable, Iterable, List, Optional, Tuple, Union

from torch2ms.convert import pipeline
from torch2ms.run import exports, fileio

# Folders that are never part of the code to migrate: VCS data, caches, virtualenvs.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".tox", ".nox", ".eggs", ".venv", "venv", "node_modules",
})


@dataclass(frozen=True)
class Job:
    kind: str  # "python" | "copy" | "symlink"
    src: str
    rel: str  # the name shown in the report
    action: str  # "write" (to dst) | "inplace" | "diff" | "stdout"
    dst: Optional[str] = None
    link_target: Optional[str] = None
    profile: Optional[str] = pipeline.AUTO  # the library mode: a profile's name, None, or detected
    packages: Tuple[str, ...] = ()  # top-level packages of the folder converted (their imports are its own)
    star: Tuple[Tuple[str, str], ...] = ()  # torch names its imports of the project's modules bind (run/exports.py)
    exported: Tuple[str, ...] = ()  # names the project's other modules import from this one


@dataclass
class Outcome:
    rel: str
    kind: str
    status: str  # converted | unchanged | copied | linked | failed
    error: Optional[dict] = None  # {"message", "line", "column"}
    flags: List[pipeline.Flag] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)
    output: Union[str, bytes, None] = None  # the diff (--diff) or the code (stdout mode)


def failed(rel: str, kind: str, message: str, line=None, column=None) -> Outcome:
    return Outcome(rel, kind, "failed", {"message": message, "line": line, "column": column})


# ---------------------------------------------------------------- planning


def _is_within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _link_target(link: str, src_root: str, dst_root: str) -> str:
    """Where the mirrored link points: the mirrored counterpart if the link stays inside
    the tree, otherwise the same absolute place. Computed lexically, so loops and
    dangling links cost nothing."""
    target = os.readlink(link)
    absolute = os.path.normpath(os.path.join(os.path.dirname(link), target))
    if not _is_within(absolute, src_root):
        return absolute
    mirrored = os.path.join(dst_root, os.path.relpath(absolute, src_root))
    mirrored_link = os.path.join(dst_root, os.path.relpath(link, src_root))
    return os.path.relpath(mirrored, os.path.dirname(mirrored_link))


def plan_folder(src_root: str, dst_root: Optional[str], action: str) -> Tuple[List[Job], List[Outcome]]:
    """Jobs for every file under src_root, in a stable order, plus folders that could not be read.

    Mirroring (action "write") also copies non-Python files and recreates symlinks;
    other actions touch .py files only and never follow symlinks.
    """
    src_root = os.path.abspath(src_root)
    packages = own_packages(src_root)
    jobs: List[Job] = []
    problems: List[Outcome] = []
    stack = [src_root]
    while stack:
        folder = stack.pop()
        rel_folder = os.path.relpath(folder, src_root)
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
            if dst_root is not None:
                os.makedirs(os.path.join(dst_root, rel_folder), exist_ok=True)
        except OSError as exc:
            problems.append(failed(rel_folder, "folder", f"cannot list or create folder: {exc.strerror or exc}"))
            continue
        subfolders = []
        for entry in entries:
            rel = os.path.normpath(os.path.join(rel_folder, entry.name))
            dst = os.path.join(dst_root, rel) if dst_root is not None else None
            if fileio.is_temp_name(entry.name):
                continue
            if entry.is_symlink():
                if action == "write":
                    target = _link_target(entry.path, src_root, dst_root)
                    jobs.append(Job("symlink", entry.path, rel, action, dst, target))
            elif entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIP_DIRS and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg")):
                    subfolders.append(entry.path)
            elif not entry.is_file(follow_symlinks=False):
                continue  # fifos, sockets, devices: opening them could block forever
            elif entry.name.endswith(".py"):
                jobs.append(Job("python", entry.path, rel, action, dst, packages=packages))
            elif action == "write":
                jobs.append(Job("copy", entry.path, rel, action, dst))
        stack.extend(reversed(subfolders))
    stars, exported = exports.project_names(src_root, [j.src for j in jobs if j.kind == "python"], packages)
    if stars or exported:
        jobs = [dataclasses.replace(j, star=stars.get(j.src, ()), exported=exported.get(j.src, ()))
                if j.src in stars or j.src in exported else j for j in jobs]
    return jobs, problems


def own_packages(src_root: str) -> Tuple[str, ...]:
    """The top-level modules a folder's code imports itself by: the folder's name when it is a
    package (`timm/`), else the packages and modules directly inside it (a project's checkout)."""
    if os.path.isfile(os.path.join(src_root, "__init__.py")):
        return (os.path.basename(src_root),)
    try:
        names = os.listdir(src_root)
    except OSError:
        return ()
    found = [n[:-3] for n in names if n.endswith(".py") and n[:-3].isidentifier()]
    found += [n for n in names if n.isidentifier() and os.path.isfile(os.path.join(src_root, n, "__init__.py"))]
    return tuple(sorted(set(found)))


# ---------------------------------------------------------------- one job (runs in a worker)

_PY2_LINE = re.compile(
    r"^\s*(print|exec)\s+[^\s(=.,)\[\]]|^\s*except\s+[\w.]+\s*,\s*\w+\s*:|^\s*raise\s+[\w.]+\s*,|<>|`"
)


def _python2_hint(source: bytes, line: Optional[int]) -> str:
    if not line:
        return ""
    lines = source.splitlines()
    if line > len(lines) or not _PY2_LINE.search(lines[line - 1].decode("latin-1")):
        return ""
    return " (this looks like Python 2 code; torch2ms reads Python 3 only)"


def unified_diff(before: bytes, after: bytes, rel: str) -> str:
    lines = []
    for line in difflib.unified_diff(
        fileio.decode_source(before).splitlines(keepends=True),
        fileio.decode_source(after).splitlines(keepends=True),
        f"a/{rel}", f"b/{rel}",
    ):
        lines.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(lines)


def _convert(job: Job) -> Outcome:
    try:
        source = fileio.read_source(job.src)
        result = pipeline.convert_source(source, job.rel, profile=job.profile, packages=job.packages, star=job.star,
                                              exported=job.exported)
    except fileio.SourceError as exc:
        return _keep_original(job, failed(job.rel, job.kind, exc.message, exc.line))
    except pipeline.ConversionError as exc:
        message = exc.message + _python2_hint(source, exc.line)
        return _keep_original(job, failed(job.rel, job.kind, message, exc.line, exc.column))
    except Exception as exc:  # a converter bug must not stop the run
        return _keep_original(job, failed(job.rel, job.kind, f"internal error: {type(exc).__name__}: {exc}"))

    changed = result.code != source
    outcome = Outcome(job.rel, job.kind, "converted" if changed else "unchanged", None, list(result.flags),
                      Counter(result.stats))
    if job.action == "write":
        fileio.atomic_write(job.dst, result.code, mode=stat.S_IMODE(os.stat(job.src).st_mode))
    elif job.action == "inplace" and changed:
        original = os.stat(job.src)
        backup = fileio.make_backup(job.src)
        try:
            fileio.atomic_write(job.src, result.code, stat.S_IMODE(original.st_mode),
                                (original.st_uid, original.st_gid))
        except OSError:  # e.g. disk full: nothing was replaced, so the backup has no purpose
            os.unlink(backup)
            raise
    elif job.action == "diff" and changed:
        outcome.output = unified_diff(source, result.code, job.rel)
    elif job.action == "stdout":
        outcome.output = result.code
    return outcome


def _keep_original(job: Job, outcome: Outcome) -> Outcome:
    """A failed file is mirrored unchanged, so the destination tree stays complete."""
    if job.action == "write":
        try:
            fileio.atomic_copy(job.src, job.dst)
        except OSError as exc:
            outcome.error["message"] += f"; not copied either: {exc.strerror or exc}"
    return outcome


def run_job(job: Job) -> Outcome:
    try:
        if job.kind == "copy":
            fileio.atomic_copy(job.src, job.dst)
            return Outcome(job.rel, job.kind, "copied")
        if job.kind == "symlink":
            fileio.atomic_symlink(job.link_target, job.dst)
            return Outcome(job.rel, job.kind, "linked")
        return _convert(job)
    except OSError as exc:
        return failed(job.rel, job.kind, f"cannot write: {exc.strerror or exc}")


# ---------------------------------------------------------------- running many jobs


class StopRequest:
    """First Ctrl-C (or SIGTERM): finish the files in progress, start no more.
    A second Ctrl-C gives up the summary and report; a file being written is still
    either finished (by a worker) or its temp file removed (in-process)."""

    def __init__(self):
        self.requested = False
        self._saved = {}

    def _handle(self, signum, frame):
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._saved[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info):
        for signum, handler in self._saved.items():
            signal.signal(signum, handler)


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group; workers finish their file and the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_alone(job: Job) -> Outcome:
    """Re-run a job whose worker died, in a pool of its own, to tell the culprit from bystanders."""
    with ProcessPoolExecutor(1, initializer=_worker_init) as pool:
        try:
            return pool.submit(run_job, job).result()
        except BrokenProcessPool:
            crash = failed(job.rel, job.kind, "the converter crashed its worker process (out of memory?)")
            return _keep_original(job, crash)


def run_jobs(jobs: Iterable[Job], workers: int, emit: Callable[[Outcome], None]) -> bool:
    """Run jobs, calling emit(outcome) in job order. Returns True if stopped before the end."""
    jobs = list(jobs)
    workers = min(workers, len(jobs))
    with StopRequest() as stop:
        if workers <= 1:
            for job in jobs:
                if stop.requested:
                    return True
                emit(run_job(job))
            return False
        return _run_pool(jobs, workers, emit, stop)


def _run_pool(jobs: List[Job], workers: int, emit, stop: StopRequest) -> bool:
    # Outcomes are small (no code travels back), so a deep window keeps both workers busy past a
    # slow file at the head of the queue while still bounding memory.
    window = workers * 32
    todo = deque(jobs)
    pending: deque = deque()
    skipped = False
    pool = ProcessPoolExecutor(workers, initializer=_worker_init)
    try:
        while True:
            try:
                while todo and not stop.requested and len(pending) < window:
                    pending.append((todo[0], pool.submit(run_job, todo[0])))
                    todo.popleft()
            except BrokenProcessPool:  # a worker died while we were queueing
                pool = _restart(pool, workers)
                skipped |= _salvage(pending, emit, stop)
                continue
            if stop.requested:
                for _, future in pending:
                    future.cancel()  # only those no worker has taken yet
            if not pending:
                return skipped or bool(todo)
            job, future = pending.popleft()
            if future.cancelled():
                skipped = True
                continue
            try:
                emit(future.result())
            except BrokenProcessPool:
                pending.appendleft((job, future))
                pool = _restart(pool, workers)
                skipped |= _salvage(pending, emit, stop)
            except Exception as exc:  # e.g. an outcome that could not be pickled
                emit(failed(job.rel, job.kind, f"internal error: {type(exc).__name__}: {exc}"))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _restart(pool: ProcessPoolExecutor, workers: int) -> ProcessPoolExecutor:
    pool.shutdown(wait=False)
    return ProcessPoolExecutor(workers, initializer=_worker_init)


def _salvage(pending: deque, emit, stop: StopRequest) -> bool:
    """After a worker died: keep the outcomes that made it, re-run the others one by one
    (unless a stop was asked for: a SIGTERM to the whole group also kills workers).
    Returns True if some jobs were left undone."""
    skipped = False
    while pending:
        job, future = pending.popleft()
        if future.done() and not future.cancelled() and future.exception() is None:
            emit(future.result())
        elif stop.requested:
            skipped = True
        else:
            emit(_run_alone(job))
    return skipped
