"""Command line:

    torch2ms convert SRC [-o DST] [--inplace] [--diff] [--report FILE] [--profile NAME] [-j N] [-q]
    torch2ms verify (--module FILE.py:Class | --factory module:function | --hf module:Class) [--package DIR]
                    [--converted ...] [--traceback] [--json FILE] [...]
    torch2ms explain API [API ...]      what the tool does to a torch API, and the evidence
    torch2ms rules                      the rules, in the order they run, and the profiles

convert: exit status 0 all files fine, 1 some file failed, 2 usage error, 130 interrupted.
verify:  0 outputs match, 1 they differ, 2 usage error, 3 could not build or run a model.
explain: 0 every API known, 1 some API unknown to the tool.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import traceback
from typing import List, Optional, Tuple

from torch2ms import profiles
from torch2ms.convert.pipeline import AUTO
from torch2ms.run import report, runner
from torch2ms.run.fileio import BACKUP_SUFFIX
from torch2ms.run.progress import Progress
from torch2ms.run.runner import Job, Outcome

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_ERROR = 3  # verify: a model could not be built or run

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
    names = list(profiles.available())
    modes = convert.add_mutually_exclusive_group()
    modes.add_argument("--profile", choices=[AUTO, "none", *names], default=AUTO,
                       help="library mode: " + "; ".join(f"{n}: {p.summary}" for n, p in profiles.available().items())
                       + "; none: the core rules only; auto (default): on for files that import a library's internals")
    modes.add_argument("--hf", dest="profile", action="store_const", const="transformers",
                       help="the same as --profile transformers")
    _add_verify(commands)
    explain = commands.add_parser("explain", help="what the tool does to a torch API (one record per API)",
                                  description="Print what torch2ms does to each torch API named (torch.Tensor.flip, "
                                              "F.relu, nn.Linear, ...): its target, the table rows, corrections, "
                                              "argument rules, other forms, and the evidence.")
    explain.add_argument("apis", metavar="API", nargs="+")
    commands.add_parser("rules", help="the rules in the order they run, and the profiles")
    return parser


VERIFY_DESCRIPTION = """\
Run a PyTorch model and its MindSpore conversion on the same inputs with the same
weights, and compare the outputs (see docs/verify.md).

  torch2ms verify --module examples/gpt/model.py:GPT --args '[65, 16]' --input-ids 2,16 --vocab 65
  torch2ms verify --module examples/resnet/model.py:ResNet \\
      --args '{"block": "@BasicBlock", "layers": [2, 2, 2]}' --input-shape 2,3,32,32
  torch2ms verify --hf transformers.models.bert.modeling_bert:BertModel \\
      --converted mindone.transformers.models.bert.modeling_bert:BertModel

  torch2ms verify --package site-packages/timm --factory timm:create_model \\
      --args '["resnet18"]' --input-shape 1,3,64,64

Without --converted the model's file (with its package) is converted into a temporary
folder first; with --package DIR the package at DIR is converted whole and --factory
MODULE:FUNCTION is imported from it on both sides. A config object is given as
{"@dataclass": "module:Class", "field": value, ...} inside --args. "@Name" in --args means the module's own Name (a class passed to the
constructor, say), looked up separately in the torch and the MindSpore module.
Exit status: 0 outputs match, 1 they differ, 2 usage error, 3 could not build or run.
"""


class _InputAction(argparse.Action):
    """--input-shape / --input-ids, kept in command-line order as (kind, dims)."""

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            dims = tuple(int(d) for d in values.replace("x", ",").split(",") if d.strip())
        except ValueError:
            raise argparse.ArgumentError(self, f"expected sizes like 2,3,32,32, not {values!r}") from None
        if not dims or min(dims) < 0:
            raise argparse.ArgumentError(self, f"expected sizes like 2,3,32,32, not {values!r}")
        inputs = list(getattr(namespace, "inputs", None) or [])
        inputs.append((self.const, dims))
        setattr(namespace, "inputs", inputs)


def _add_verify(commands) -> None:
    verify = commands.add_parser("verify", help="check a conversion by running both models",
                                 description=VERIFY_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = verify.add_mutually_exclusive_group(required=True)
    which.add_argument("--module", metavar="FILE.py:NAME", help="a PyTorch nn.Module class (or a factory function)")
    which.add_argument("--factory", metavar="MODULE:FUNCTION",
                       help="a function or class of an importable module that builds the model (timm:create_model); "
                            "with --package DIR, a module of that package")
    which.add_argument("--hf", metavar="MODULE:CLASS",
                       help="a transformers model, e.g. transformers.models.bert.modeling_bert:BertModel")
    verify.add_argument("--converted", metavar="FILE.py[:NAME]|MODULE[:CLASS]",
                        help="the MindSpore version (default: convert now into a temporary folder)")
    verify.add_argument("--args", metavar="JSON", help="constructor arguments: a JSON list or object")
    verify.add_argument("--input-shape", dest="inputs", action=_InputAction, const="shape", metavar="DIMS",
                        help="a random float input of this shape (repeatable; inputs go in the order given)")
    verify.add_argument("--input-dtype", default="float32", help="dtype of --input-shape inputs (default float32)")
    verify.add_argument("--input-ids", dest="inputs", action=_InputAction, const="ids", metavar="DIMS",
                        help="random int64 token ids of this shape (repeatable)")
    verify.add_argument("--vocab", type=int, default=100, help="token ids are drawn from [0, VOCAB) (default 100)")
    verify.add_argument("--seed", type=int, default=0)
    verify.add_argument("--atol", type=float, default=1e-4)
    verify.add_argument("--rtol", type=float, default=1e-3)
    verify.add_argument("--fallback", choices=("auto", "all", "off"), default="auto",
                        help="CPU stand-ins for mint APIs: only where kernels are missing (auto), all, or none")
    verify.add_argument("--no-layers", action="store_true", help="on a mismatch, do not look for the diverging layer")
    verify.add_argument("--no-perturb", action="store_true",
                        help="copy the torch weights as initialised (by default they are nudged first)")
    verify.add_argument("--json", metavar="FILE", help="also write the report as JSON (on every exit status)")
    verify.add_argument("--package", metavar="DIR",
                        help="the folder of the package the model lives in: it is converted whole, and --factory "
                             "(or --module) is looked up in it, on both sides")
    verify.add_argument("--traceback", action="store_true", help="print the traceback when a model cannot be built or run")


def verify(args) -> int:
    from torch2ms.verify import VerifyError, verify_hf, verify_module

    try:
        if args.hf:
            if args.args:
                raise VerifyError("--args is for --module; --hf builds the model from a tiny config", usage=True)
            if args.inputs and (len(args.inputs) > 1 or args.inputs[0][0] != "shape"):
                raise VerifyError("with --hf, give at most one --input-shape (for the main input)", usage=True)
            report = verify_hf(args.hf, args.converted, seed=args.seed, atol=args.atol, rtol=args.rtol,
                               fallback=args.fallback, layers=not args.no_layers, nudge=not args.no_perturb,
                               input_shape=args.inputs[0][1] if args.inputs else None)
        else:
            report = verify_module(args.module or args.factory, args.converted, args.args,
                                   getattr(args, "inputs", None) or (), args.input_dtype, args.vocab, args.seed,
                                   args.atol, args.rtol, args.fallback, layers=not args.no_layers,
                                   nudge=not args.no_perturb, package=args.package, factory=bool(args.factory))
    except VerifyError as exc:
        print(f"torch2ms verify: error: {exc}", file=sys.stderr)
        if args.traceback and exc.__cause__ is not None:
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        _write_json(args.json, {"verdict": "error", "error": str(exc), "usage": exc.usage,
                                "traceback": _traceback_text(exc.__cause__)})
        return EXIT_USAGE if exc.usage else EXIT_ERROR
    print(report.text())
    if args.traceback and report.traceback:
        print(report.traceback, file=sys.stderr)
    _write_json(args.json, json.loads(report.to_json()))
    return {"match": EXIT_OK, "mismatch": EXIT_FAILED}.get(report.verdict, EXIT_ERROR)


def _traceback_text(exc) -> Optional[str]:
    return "".join(traceback.format_exception(exc)) if exc is not None else None


def _write_json(path: Optional[str], data: dict) -> None:
    """--json is written whatever the outcome, so a script always finds the verdict there."""
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, indent=2, default=str) + "\n")


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

    profile = None if args.profile == "none" else args.profile
    jobs = [dataclasses.replace(job, profile=profile) if job.kind == "python" else job for job in jobs]
    progress = Progress(len(jobs), enabled=not args.quiet and sys.stderr.isatty())
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


def explain(args) -> int:
    from torch2ms.knowledge import records

    status = EXIT_OK
    for index, name in enumerate(args.apis):
        api = records.canonical(name)
        if index:
            print()
        if records.known(api):
            print(records.explain(api))
            continue
        status = EXIT_FAILED
        close = records.suggestions(api)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        print(f"{api}: not a torch API torch2ms knows (not in torch {records.inventory.torch_version()}'s "
              f"recorded API, the tables or the tool's data){hint}")
    return status


def list_rules(args) -> int:
    from torch2ms import rules

    print("rules, in the order the engine runs them on each node (torch2ms/rules/):")
    for rule in rules.CORE:
        print(f"  {rule.__module__.rsplit('.', 1)[-1]:24s} {_summary(rule)}")
    print("  (the active profile's rules)")
    for rule in rules.FINISHING:
        print(f"  {rule.__module__.rsplit('.', 1)[-1]:24s} {_summary(rule)}")
    print("profiles (torch2ms/profiles/; --profile NAME):")
    for name, profile in profiles.available().items():
        print(f"  {name:24s} {profile.summary}")
        for rule in profile.rules("<string>", ""):
            print(f"    {type(rule).__module__.rsplit('.', 1)[-1]:22s} {_summary(type(rule))}")
    return EXIT_OK


def _summary(rule) -> str:
    """The first line of the rule module's docstring."""
    doc = sys.modules[rule.__module__].__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else ""


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "verify":
        return verify(args)
    if args.command == "explain":
        return explain(args)
    if args.command == "rules":
        return list_rules(args)
    try:
        return convert(args)
    except KeyboardInterrupt:
        print("torch2ms: aborted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `torch2ms convert big.py | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
