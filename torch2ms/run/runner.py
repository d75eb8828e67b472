"""Drive the per-file converter over a file or a folder: plan, run (in parallel).

Workers get a Job (paths only) and send back an Outcome (status, error, flags, stats),
never a syntax tree; converted code goes straight from the worker to disk.
"""
from __future__ import annotations

import dataclasses
import difflib
import hashlib
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
from torch2ms.knowledge import user_rules
from torch2ms.run import exports, fileio, notebook

# Folders that are never part of the code to migrate: VCS data, caches, virtualenvs.
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache",
    ".tox", ".nox", ".eggs", ".venv", "venv", "node_modules",
})


# The manifest a mirrored conversion keeps in its destination (run/manifest.py): never planned.
MANIFEST_NAME = ".torch2ms-manifest.json"
CONVERTED_KINDS = ("python", "notebook")


@dataclass(frozen=True)
class Job:
    kind: str  # "python" | "notebook" | "copy" | "symlink"
    src: str
    rel: str  # the name shown in the report
    action: str  # "write" (to dst) | "inplace" | "diff" | "stdout" | "check" (convert, write nothing)
    dst: Optional[str] = None
    link_target: Optional[str] = None
    profile: Optional[str] = pipeline.AUTO  # the library mode: a profile's name, None, or detected
    packages: Tuple[str, ...] = ()  # top-level packages of the folder converted (their imports are its own)
    star: Tuple[Tuple[str, str], ...] = ()  # torch names its imports of the project's modules bind (run/exports.py)
    exported: Tuple[str, ...] = ()  # names the project's other modules import from this one
    keep_outputs: bool = False  # notebooks: keep the cells' outputs (by default a changed notebook loses them)
    backup: bool = True  # inplace: keep the original as FILE.orig (git may be the way back instead)


@dataclass
class Outcome:
    rel: str
    kind: str
    status: str  # converted | unchanged | copied | linked | failed | kept (changed by hand: left alone)
    error: Optional[dict] = None  # {"message", "line", "column"}
    flags: List[pipeline.Flag] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)
    output: Union[str, bytes, None] = None  # the diff (--diff) or the code (stdout mode)
    seen: Counter = field(default_factory=Counter)  # torch APIs the source referenced (FileResult.seen)
    references: int = 0  # torch API references: the conversion rate's denominator (see references())
    source_hash: Optional[str] = None  # sha256 of what was read, and of what was written
    output_hash: Optional[str] = None
    reused: bool = False  # the last run's outcome: source, tool and options unchanged (run/manifest.py)


def failed(rel: str, kind: str, message: str, line=None, column=None) -> Outcome:
    return Outcome(rel, kind, "failed", {"message": message, "line": line, "column": column})


def references(seen: Counter, flags) -> int:
    """Torch API references of a file: every use the converter resolved (seen), and the flagged
    ones it did not (a torch module used as a value, say). Per API, max(seen, flagged); the
    converted ones are this minus the flags (the conversion rate's numerator)."""
    flagged = Counter(flag.api for flag in flags)
    return sum(max(seen.get(api, 0), flagged.get(api, 0)) for api in set(seen) | set(flagged))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


def plan_folder(src_root: str, dst_root: Optional[str], action: str,
                select: Optional[Callable[[str], bool]] = None) -> Tuple[List[Job], List[Outcome]]:
    """Jobs for every file under src_root, in a stable order, plus folders that could not be read.

    Mirroring (action "write") also copies non-Python files and recreates symlinks;
    other actions touch .py and .ipynb files only and never follow symlinks. `select(rel)`
    (the project's include/exclude globs, on "/"-separated paths) says which .py and .ipynb
    files are converted; the others are copied when mirroring, left alone otherwise.
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
            if fileio.is_temp_name(entry.name) or entry.name == MANIFEST_NAME:
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
            elif entry.name.endswith((".py", ".ipynb")) and (select is None or select(rel.replace(os.sep, "/"))):
                kind = "notebook" if entry.name.endswith(".ipynb") else "python"
                jobs.append(Job(kind, entry.path, rel, action, dst, packages=packages))
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


def _python2_hint(source: bytes, line: Optional[int], path: str) -> str:
    if not line or os.path.splitext(path)[1] not in ("", ".py", ".pyw"):
        return ""  # a README or a config file handed over as SRC is not old Python
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


def _not_python_hint(path: str) -> str:
    suffix = os.path.splitext(path)[1]
    return f" ({os.path.basename(path)} is not a .py file: is it Python?)" if suffix not in ("", ".py", ".pyw") else ""


def _read(job: Job) -> bytes:
    if job.kind == "python":
        return fileio.read_source(job.src)
    try:  # a notebook is JSON: the notebook reader says what is wrong with it
        with open(job.src, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise fileio.SourceError(f"cannot read: {exc.strerror or exc}") from None


def _convert(job: Job) -> Outcome:
    source = b""
    try:
        source = _read(job)
        if job.kind == "notebook":
            result = notebook.convert_notebook(source, job.rel, job.profile, job.keep_outputs)
        else:
            # the source's own path: a profile reads the file's place from it (inside an installed
            # diffusers or transformers, what `..utils` means is known exactly); reports show job.rel
            result = pipeline.convert_source(source, os.path.abspath(job.src), profile=job.profile,
                                             packages=job.packages, star=job.star, exported=job.exported)
    except fileio.SourceError as exc:
        return _keep_original(job, failed(job.rel, job.kind, exc.message, exc.line))
    except pipeline.ConversionError as exc:
        hint = _python2_hint(source, exc.line, job.src) or _not_python_hint(job.src) if job.kind == "python" else ""
        return _keep_original(job, failed(job.rel, job.kind, exc.message + hint, exc.line, exc.column))
    except Exception as exc:  # a converter bug must not stop the run
        return _keep_original(job, failed(job.rel, job.kind, f"internal error: {type(exc).__name__}: {exc}"))

    changed = result.changed if job.kind == "notebook" else result.code != source
    outcome = Outcome(job.rel, job.kind, "converted" if changed else "unchanged", None, list(result.flags),
                      Counter(result.stats), seen=Counter(result.seen),
                      references=references(result.seen, result.flags), source_hash=sha256(source))
    if job.action == "write":
        fileio.atomic_write(job.dst, result.code, mode=stat.S_IMODE(os.stat(job.src).st_mode))
        outcome.output_hash = sha256(result.code)
    elif job.action == "inplace" and result.code != source:
        original = os.stat(job.src)
        backup = fileio.make_backup(job.src) if job.backup else None
        try:
            fileio.atomic_write(job.src, result.code, stat.S_IMODE(original.st_mode),
                                (original.st_uid, original.st_gid))
        except OSError:  # e.g. disk full: nothing was replaced, so the backup has no purpose
            if backup:
                os.unlink(backup)
            raise
    elif job.action == "diff" and changed:
        if job.kind == "notebook":
            before, after = notebook.script_view(result)
            outcome.output = unified_diff(before.encode(), after.encode(), job.rel)
        else:
            outcome.output = unified_diff(source, result.code, job.rel)
    elif job.action == "stdout":
        outcome.output = result.code
    return outcome


def _keep_original(job: Job, outcome: Outcome) -> Outcome:
    """A failed file is mirrored unchanged, so the destination tree stays complete."""
    if job.action == "write":
        try:
            fileio.atomic_copy(job.src, job.dst)
            with open(job.dst, "rb") as handle:
                outcome.source_hash = outcome.output_hash = sha256(handle.read())
        except OSError as exc:
            outcome.error["message"] += f"; not copied either: {exc.strerror or exc}"
    return outcome


def run_job(job: Job) -> Outcome:
    try:
        if job.kind == "copy":
            fileio.atomic_copy(job.src, job.dst)
            with open(job.dst, "rb") as handle:  # what the manifest vouches for is what is there
                digest = sha256(handle.read())
            return Outcome(job.rel, job.kind, "copied", source_hash=digest, output_hash=digest)
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


def _worker_init(rules: Optional[user_rules.UserRules] = None) -> None:
    # Ctrl-C reaches the whole process group; workers finish their file and the parent decides.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    user_rules.install(rules)  # the parent's user rules, whatever the start method


def _pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, initializer=_worker_init, initargs=(user_rules.installed(),))


def _run_alone(job: Job) -> Outcome:
    """Re-run a job whose worker died, in a pool of its own, to tell the culprit from bystanders."""
    with _pool(1) as pool:
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
    pool = _pool(workers)
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
                outcome = future.result()
            except BrokenProcessPool:
                pending.appendleft((job, future))
                pool = _restart(pool, workers)
                skipped |= _salvage(pending, emit, stop)
                continue
            except Exception as exc:  # e.g. an outcome that could not be pickled
                outcome = failed(job.rel, job.kind, f"internal error: {type(exc).__name__}: {exc}")
            emit(outcome)  # outside the try: what emit raises (a closed stdout) is the caller's
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _restart(pool: ProcessPoolExecutor, workers: int) -> ProcessPoolExecutor:
    pool.shutdown(wait=False)
    return _pool(workers)


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
