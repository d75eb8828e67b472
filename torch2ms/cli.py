"""Command line: `torch2ms convert SRC [-o DST] [--inplace] [--diff] [--report FILE] [-j N] [-q]`.

Exit status: 0 all files fine, 1 some file failed, 2 usage error, 130 interrupted.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Tuple

from torch2ms import report, runner
from torch2ms.fileio import BACKUP_SUFFIX
from torch2ms.runner import Job, Outcome

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130

DESCRIPTION = f"""\
Convert PyTorch code to MindSpore code.

  torch2ms convert model.py              print the converted file
  torch2ms convert model.py -o out.py    write it elsewhere
  torch2ms convert src/ -o dst/          mirror a folder: .py files converted, others copied,
                                         symlinks recreated; .git, __pycache__, virtualenvs
                                         and node_modules are left out
  torch2ms convert src/ --inplace        rewrite in place; each changed file keeps its
                                         original as FILE{BACKUP_SUFFIX} (or FILE{BACKUP_SUFFIX}.1, ... if taken)
  torch2ms convert src/ --diff           show what would change, write nothing

Files that cannot be converted are reported (and copied unchanged when mirroring);
the exit status is then 1. Ctrl-C finishes the files in progress and stops.
"""


class UsageError(Exception):
    pass


def _jobs_count(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _usable_cores() -> int:
    try:  # what this process may run on, which a container or taskset can restrict
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torch2ms", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    convert = commands.add_parser("convert", help="convert a file or a folder", description=DESCRIPTION,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    convert.add_argument("src", metavar="SRC", help="a Python file or a folder")
    convert.add_argument("-o", "--output", metavar="DST", help="where to write (file or folder)")
    convert.add_argument("--inplace", action="store_true", help="rewrite the sources, keeping backups")
    convert.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    convert.add_argument("--report", metavar="FILE", help="write a JSON report of every file and flag")
    convert.add_argument("-j", "--jobs", type=_jobs_count, default=_usable_cores(),
                         help="worker processes (default: all cores)")
    convert.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary; only errors")
    return parser


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _plan_folder(args) -> Tuple[List[Job], List[Outcome], str, Optional[str]]:
    src = os.path.realpath(args.src)
    if args.output:
        dst = os.path.realpath(args.output)
        if dst == src:
            raise UsageError(f"the destination {args.output} is the source folder itself;"
                             " use --inplace to rewrite it")
        if _inside(dst, src):
            raise UsageError(f"the destination {args.output} is inside the source folder {args.src};"
                             " choose a folder outside it (or use --inplace)")
        if _inside(src, dst):
            raise UsageError(f"the source folder {args.src} is inside the destination {args.output};"
                             " mirroring would overwrite sources")
        if os.path.lexists(dst) and not os.path.isdir(dst):
            raise UsageError(f"the destination {args.output} exists and is not a folder")
        jobs, problems = runner.plan_folder(src, dst, "write")
        return jobs, problems, "folder", args.output
    if args.inplace:
        return (*runner.plan_folder(src, None, "inplace"), "inplace", None)
    if args.diff:
        return (*runner.plan_folder(src, None, "diff"), "diff", None)
    raise UsageError(f"{args.src} is a folder: give -o DST, --inplace or --diff")


def _plan_file(args) -> Tuple[List[Job], List[Outcome], str, Optional[str]]:
    src = args.src
    if args.inplace:  # rewrite what a symlink points to, and keep the link
        return [Job("python", os.path.realpath(src), src, "inplace")], [], "inplace", None
    if args.diff:
        return [Job("python", src, src, "diff")], [], "diff", None
    if not args.output:
        return [Job("python", src, src, "stdout")], [], "stdout", None
    dst = args.output
    if os.path.isdir(dst):
        dst = os.path.join(dst, os.path.basename(src))
    if os.path.exists(dst) and os.path.samefile(src, dst):
        raise UsageError(f"{args.output} is the source file itself; use --inplace to rewrite it")
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    return [Job("python", src, src, "write", dst)], [], "file", dst


def plan(args) -> Tuple[List[Job], List[Outcome], str, Optional[str]]:
    if args.inplace and args.output:
        raise UsageError("--inplace and -o exclude each other")
    if args.diff and (args.output or args.inplace):
        raise UsageError("--diff writes nothing, so it takes neither -o nor --inplace")
    if os.path.isdir(args.src):
        return _plan_folder(args)
    if os.path.isfile(args.src):
        return _plan_file(args)
    if os.path.lexists(args.src):
        raise UsageError(f"{args.src}: neither a regular file nor a folder")
    raise UsageError(f"{args.src}: no such file or folder")


def _write_stdout(output) -> None:
    sys.stdout.flush()
    data = output if isinstance(output, bytes) else output.encode("utf-8", "surrogateescape")
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


def convert(args) -> int:
    try:
        jobs, problems, mode, destination = plan(args)
    except UsageError as exc:
        print(f"torch2ms: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"torch2ms: error: {exc}", file=sys.stderr)
        return EXIT_FAILED

    progress = runner.Progress(len(jobs), enabled=not args.quiet and sys.stderr.isatty())
    outcomes: List[Outcome] = list(problems)

    def emit(outcome: Outcome) -> None:
        if outcome.output is not None:
            progress.close()
            _write_stdout(outcome.output)
            outcome.output = None  # printed; the parent keeps only the small part
        outcomes.append(outcome)
        progress.advance(outcome.rel)

    try:
        interrupted = runner.run_jobs(jobs, args.jobs, emit)
    finally:
        progress.close()
    if args.report:
        result = report.build_report(outcomes, source=args.src, destination=destination, mode=mode,
                                     interrupted=interrupted)
        report.write_report(args.report, result)
    if args.quiet:
        lines = report.failure_lines(outcomes)
        text = "\n".join(lines)
    else:
        text = report.summary(outcomes, len(jobs) + len(problems), interrupted)
    if text:
        print(text, file=sys.stderr)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if any(o.status == "failed" for o in outcomes) else EXIT_OK


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return convert(args)
    except KeyboardInterrupt:
        print("torch2ms: aborted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `torch2ms convert big.py | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
