"""Command line:

    torch2ms convert SRC... [-o DST] [--inplace] [--diff] [--report FILE]... [--profile NAME] [-j N] [-q]
    torch2ms check PATH... [--max-flags N] [--report FILE]...   convert in memory: would anything change?
    torch2ms weights CKPT -o OUT.safetensors --model FILE.py:Class [--args JSON]
    torch2ms verify (--module FILE.py:Class | --factory module:function | --hf module:Class | --diffusers module:Class
                     | --train S.py:B,T) [--package DIR] [--converted ...] [--traceback] [--json FILE] [...]
    torch2ms explain API [API ...]      what the tool does to a torch API, and the evidence
    torch2ms rules                      the rules, in the order they run, and the profiles

convert: exit status 0 all files fine, 1 some file failed, 2 usage error, 130 interrupted.
check:   0 nothing would change (and flags within --max-flags), 1 otherwise, 2 usage error.
weights: 0 every parameter filled, 1 something missing or mismatched, 2 usage error.
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
from torch2ms.knowledge import KnowledgeError, user_rules
from torch2ms.run import config as project_config
from torch2ms.run import formats, manifest, report, runner
from torch2ms.run.fileio import BACKUP_SUFFIX
from torch2ms.run.progress import Progress, is_terminal
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
  torch2ms convert demo.ipynb -o out/    notebooks: code cells converted, magics kept

Converting into a folder that holds an earlier conversion leaves files changed by hand
alone (--force overwrites them) and does not convert unchanged files again (a manifest
in the folder, .torch2ms-manifest.json, says what was written). Reports: --report FILE
(.json, .sarif, .md or .csv; repeatable). Settings may come from [tool.torch2ms] in
pyproject.toml or a torch2ms.toml (docs/config.md); flags override them.

Files that cannot be converted are reported (and copied unchanged when mirroring);
the exit status is then 1. Ctrl-C finishes the files in progress and stops.
"""

CHECK_DESCRIPTION = """Convert in memory and write nothing: exit 1 when some file would change, could not be
converted, or when there are more flags than --max-flags (for CI and pre-commit).

  torch2ms check src/                    is everything converted already?
  torch2ms check src/ --max-flags 0      ... and nothing left for review?
  torch2ms check src/ --report t2m.sarif for code scanning
"""


class UsageError(Exception):
    pass


def _jobs_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"-j expects a number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _flag_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--max-flags expects a number, not {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _usable_cores() -> int:
    try:  # what this process may run on, which a container or taskset can restrict
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _add_common(command) -> None:
    """What convert and check share: reports, settings, profile, workers, output."""
    command.add_argument("--report", metavar="FILE", action="append",
                         help="write a report (repeatable); the format comes from the extension: "
                              ".json every file and flag, .sarif for code scanning, .md for a pull request, "
                              ".csv the APIs left with their counts")
    command.add_argument("--report-format", choices=formats.FORMATS, help="the format of every --report, whatever "
                                                                             "its extension")
    command.add_argument("-j", "--jobs", type=_jobs_count, default=None,
                         help="worker processes (default: all cores)")
    command.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary; only errors")
    command.add_argument("--progress", action="store_true",
                         help="a progress line per file (by default: in place on a terminal, else every few seconds)")
    command.add_argument("--rules", metavar="FILE", action="append",
                         help="the project's own rules (JSON or TOML, the schema of the shipped data; repeatable); "
                              "they win over the shipped ones (docs/custom-rules.md)")
    settings = command.add_mutually_exclusive_group()
    settings.add_argument("--config", metavar="FILE", help="settings from this pyproject.toml or torch2ms.toml "
                                                           "(default: found from the first path given)")
    settings.add_argument("--no-config", action="store_true", help="ignore pyproject.toml and torch2ms.toml")
    names = list(profiles.available())
    modes = command.add_mutually_exclusive_group()
    modes.add_argument("--profile", choices=[AUTO, "none", *names], default=None,
                       help="library mode: " + "; ".join(f"{n}: {p.summary}" for n, p in profiles.available().items())
                       + "; none: the core rules only; auto (default): on for files that import a library's internals")
    modes.add_argument("--hf", dest="profile", action="store_const", const="transformers",
                       help="the same as --profile transformers")
    outputs = command.add_mutually_exclusive_group()
    outputs.add_argument("--keep-outputs", dest="notebook_outputs", action="store_const", const="keep",
                         help="notebooks: keep the cells' outputs (by default a converted notebook's are cleared)")
    outputs.add_argument("--clear-outputs", dest="notebook_outputs", action="store_const", const="clear",
                         help=argparse.SUPPRESS)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="torch2ms", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    convert = commands.add_parser("convert", help="convert files or folders", description=DESCRIPTION,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
    convert.add_argument("src", metavar="SRC", nargs="+",
                         help="a Python file, a notebook or a folder (several with --inplace or --diff)")
    convert.add_argument("-o", "--output", metavar="DST", help="where to write (file or folder)")
    convert.add_argument("--inplace", action="store_true", help="rewrite the sources, keeping backups")
    convert.add_argument("--no-backup", action="store_true",
                         help="with --inplace: keep no FILE.orig (when version control is the way back)")
    convert.add_argument("--diff", action="store_true", help="print a unified diff, write nothing")
    convert.add_argument("--force", action="store_true",
                         help="overwrite output files changed by hand since torch2ms wrote them")
    _add_common(convert)
    check = commands.add_parser("check", help="would converting change anything? (CI, pre-commit)",
                                description=CHECK_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("src", metavar="PATH", nargs="+", help="Python files, notebooks or folders")
    check.add_argument("--max-flags", type=_flag_count, default=None,
                       help="also fail when more than N references are left flagged for review")
    _add_common(check)
    _add_weights(commands)
    _add_verify(commands)
    explain = commands.add_parser("explain", help="what the tool does to a torch API (one record per API)",
                                  description="Print what torch2ms does to each torch API named (torch.Tensor.flip, "
                                              "F.relu, nn.Linear, ...): its target, the table rows, corrections, "
                                              "argument rules, other forms, and the evidence.")
    explain.add_argument("apis", metavar="API", nargs="+")
    explain.add_argument("--rules", metavar="FILE", action="append", help="with the project's own rules laid over")
    commands.add_parser("rules", help="the rules in the order they run, and the profiles")
    return parser


WEIGHTS_DESCRIPTION = """Convert a PyTorch checkpoint (a state_dict in .bin/.pt/.pth, or .safetensors; a folder
saved by save_pretrained) into a safetensors file the converted MindSpore model loads by
name (docs/weights.md):

  torch2ms weights ckpt/ -o model.safetensors --model out/modeling_bert.py:BertModel
  torch2ms weights resnet.pt -o resnet.safetensors --model out/model.py:ResNet --args '[...]'

  then:  params = mindspore.load_checkpoint("model.safetensors", format="safetensors")
         mindspore.load_param_into_net(net, params)

Parameters are matched by name; where a legacy mindspore.nn layer names them otherwise
(gamma/beta, moving_mean/moving_variance, embedding_table) they are renamed, and where its
weight has extra unit axes (nn.Conv1d) reshaped. Parameters that got nothing, tensors that
matched nothing and shape or dtype mismatches are listed; the exit status is then 1.
"""


def _add_weights(commands) -> None:
    weights = commands.add_parser("weights", help="convert a PyTorch checkpoint for the converted model",
                                  description=WEIGHTS_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    weights.add_argument("checkpoint", metavar="CKPT", help="a .bin/.pt/.pth state_dict, a .safetensors file, "
                                                            "or a folder saved by save_pretrained")
    weights.add_argument("-o", "--output", metavar="OUT.safetensors", required=True)
    weights.add_argument("--model", metavar="FILE.py:Class", required=True,
                         help="the converted MindSpore model (a Cell class, or a function that returns one)")
    weights.add_argument("--args", metavar="JSON",
                         help="constructor arguments: a JSON list or object; \"@config\" stands for the "
                              "checkpoint folder's config.json read by the model file's config class")
    weights.add_argument("--cast", action="store_true",
                         help="cast tensors whose dtype differs to the model's (e.g. a bfloat16 checkpoint "
                              "into a float32 model); by default a dtype mismatch is an error")
    weights.add_argument("--allow-unused", action="store_true",
                         help="tensors that match no parameter are listed but not an error (a head the model lacks)")
    weights.add_argument("--json", metavar="FILE", help="also write what was matched, renamed and left, as JSON")


VERIFY_DESCRIPTION = """\
Run a PyTorch model and its MindSpore conversion on the same inputs with the same
weights, and compare the outputs (see docs/verify.md).

  torch2ms verify --module examples/gpt/model.py:GPT --args '[65, 16]' --input-ids 2,16 --vocab 65
  torch2ms verify --module examples/resnet/model.py:ResNet \\
      --args '{"block": "@BasicBlock", "layers": [2, 2, 2]}' --input-shape 2,3,32,32
  torch2ms verify --hf transformers.models.bert.modeling_bert:BertModel \\
      --converted mindone.transformers.models.bert.modeling_bert:BertModel
  torch2ms verify --train train.py:build,train --steps 12

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
    which.add_argument("--diffusers", metavar="MODULE:CLASS",
                       help="a diffusers model, e.g. diffusers.models.autoencoders.autoencoder_kl:AutoencoderKL")
    which.add_argument("--train", metavar="SCRIPT.py:BUILD,TRAIN",
                       help="a training script: BUILD() makes the model(s), TRAIN(model, steps) returns the "
                            "per-step losses; the loss curves are compared (docs/training.md)")
    verify.add_argument("--converted", metavar="FILE.py[:NAME]|MODULE[:CLASS]",
                        help="the MindSpore version (default: convert now into a temporary folder)")
    verify.add_argument("--args", metavar="JSON", help="constructor arguments: a JSON list or object")
    verify.add_argument("--input-shape", dest="inputs", action=_InputAction, const="shape", metavar="DIMS",
                        help="a random float input of this shape (repeatable; inputs go in the order given)")
    verify.add_argument("--input-dtype", default="float32", help="dtype of --input-shape inputs (default float32)")
    verify.add_argument("--input-ids", dest="inputs", action=_InputAction, const="ids", metavar="DIMS",
                        help="random int64 token ids of this shape (repeatable)")
    verify.add_argument("--vocab", type=int, default=100, help="token ids are drawn from [0, VOCAB) (default 100)")
    verify.add_argument("--steps", type=int, default=10, help="--train: training steps to compare (at least 10)")
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
    from torch2ms.verify import VerifyError, verify_diffusers, verify_hf, verify_module

    try:
        if args.train:
            from torch2ms.verify.training import verify_training

            if args.args or getattr(args, "inputs", None):
                raise VerifyError("--train takes no --args or inputs: the script's build() and train() make them",
                                  usage=True)
            report = verify_training(args.train, args.converted, steps=args.steps, seed=args.seed, atol=args.atol,
                                     rtol=args.rtol, fallback=args.fallback)
        elif args.diffusers:
            if args.args or getattr(args, "inputs", None):
                raise VerifyError("--diffusers builds the model from a small config and its inputs from forward's "
                                  "signature: no --args or input shapes", usage=True)
            report = verify_diffusers(args.diffusers, args.converted, seed=args.seed, atol=args.atol, rtol=args.rtol,
                                      fallback=args.fallback, layers=not args.no_layers, nudge=not args.no_perturb)
        elif args.hf:
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
        if exc.failing_line:
            where = exc.failing_line
            print(f"torch2ms verify: failing converted line: {where['file']}:{where['line']} `{where['code']}` "
                  f"({'carries' if where['noted'] else 'carries no'} `# torch2ms:` note)", file=sys.stderr)
        if args.traceback and exc.__cause__ is not None:
            traceback.print_exception(exc.__cause__, file=sys.stderr)
        _write_json(args.json, {"verdict": "error", "error": str(exc), "problems": [str(exc)], "usage": exc.usage,
                                "failing_line": exc.failing_line, "traceback": _traceback_text(exc.__cause__)})
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


def weights(args) -> int:
    from torch2ms.weights import WeightsError, convert_checkpoint

    try:
        result = convert_checkpoint(args.checkpoint, args.output, args.model, args.args, cast=args.cast)
    except WeightsError as exc:
        print(f"torch2ms weights: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if exc.usage else EXIT_FAILED
    except ImportError as exc:  # converting code needs only libcst; weights need the frameworks
        print(f"torch2ms weights: error: {exc} (weights need MindSpore, and torch for pickled "
              f"checkpoints: pip install 'torch2ms[verify]')", file=sys.stderr)
        return EXIT_USAGE
    print(result.text())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            fh.write(result.to_json() + "\n")
    return EXIT_OK if result.ok(allow_unused=args.allow_unused) else EXIT_FAILED


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([path, folder]) == folder


def _kind(path: str) -> str:
    return "notebook" if path.endswith(".ipynb") else "python"


def _action(args) -> Optional[str]:
    """What is done to sources that are not mirrored elsewhere: check, inplace, diff (None: neither)."""
    if args.command == "check":
        return "check"
    return "inplace" if args.inplace else "diff" if args.diff else None


def _plan_folder(src_arg: str, args, select) -> Tuple[List[Job], List[Outcome], str, Optional[str]]:
    src = os.path.realpath(src_arg)
    if getattr(args, "output", None):
        dst = os.path.realpath(args.output)
        if dst == src:
            raise UsageError(f"the destination {args.output} is the source folder itself;"
                             " use --inplace to rewrite it")
        if _inside(dst, src):
            raise UsageError(f"the destination {args.output} is inside the source folder {src_arg};"
                             " choose a folder outside it (or use --inplace)")
        if _inside(src, dst):
            raise UsageError(f"the source folder {src_arg} is inside the destination {args.output};"
                             " mirroring would overwrite sources")
        if os.path.lexists(dst) and not os.path.isdir(dst):
            raise UsageError(f"the destination {args.output} exists and is not a folder")
        jobs, problems = runner.plan_folder(src, dst, "write", select)
        return jobs, problems, "folder", args.output
    action = _action(args)
    if action is None:
        raise UsageError(f"{src_arg} is a folder: give -o DST, --inplace or --diff")
    return (*runner.plan_folder(src, None, action, select), action, None)


def _plan_file(src: str, args) -> Tuple[List[Job], List[Outcome], str, Optional[str]]:
    kind = _kind(src)
    if args.command == "check":
        return [Job(kind, src, src, "check")], [], "check", None
    if args.inplace:  # rewrite what a symlink points to, and keep the link
        return [Job(kind, os.path.realpath(src), src, "inplace")], [], "inplace", None
    if args.diff:
        return [Job(kind, src, src, "diff")], [], "diff", None
    if not args.output:
        return [Job(kind, src, src, "stdout")], [], "stdout", None
    dst = args.output
    if os.path.isdir(dst):
        dst = os.path.join(dst, os.path.basename(src))
    if os.path.exists(dst) and os.path.samefile(src, dst):
        raise UsageError(f"{args.output} is the source file itself; use --inplace to rewrite it")
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    return [Job(kind, src, src, "write", dst)], [], "file", dst


def _plan_one(src: str, args, config) -> Tuple[List[Job], List[Outcome], str, Optional[str]]:
    if os.path.isdir(src):
        return _plan_folder(src, args, config.selector(src))
    if os.path.isfile(src):
        return _plan_file(src, args)
    if os.path.lexists(src):
        raise UsageError(f"{src}: neither a regular file nor a folder")
    raise UsageError(f"{src}: no such file or folder")


def plan(args, config=None) -> Tuple[List[Job], List[Outcome], str, Optional[str]]:
    config = config or project_config.Config()
    if args.command == "convert":
        if args.inplace and args.output:
            raise UsageError("--inplace and -o exclude each other")
        if args.diff and (args.output or args.inplace):
            raise UsageError("--diff writes nothing, so it takes neither -o nor --inplace")
        if args.no_backup and not args.inplace:
            raise UsageError("--no-backup goes with --inplace")
        if len(args.src) > 1 and not (args.inplace or args.diff):
            raise UsageError("several SRC go with --inplace or --diff; -o and printing take one")
    # Files named one by one (pre-commit's way) go through the project's globs too, unless one
    # file is converted to be printed or written elsewhere: that is asked for by name.
    screened = _action(args) is not None
    sources = [src for src in args.src if not (screened and os.path.isfile(src) and not config.accepts(src))]
    if len(args.src) == 1 and sources:
        return _plan_one(sources[0], args, config)
    jobs, problems = [], []
    for src in sources:  # several paths: each file named as given
        more, trouble, _, _ = _plan_one(src, args, config)
        if os.path.isdir(src):
            more = [dataclasses.replace(job, rel=os.path.join(src, job.rel)) for job in more]
        jobs += more
        problems += trouble
    return jobs, problems, _action(args), None


def _write_stdout(output) -> None:
    sys.stdout.flush()
    data = output if isinstance(output, bytes) else output.encode("utf-8", "surrogateescape")
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@dataclasses.dataclass
class Settings:
    """What a convert or check run uses: the command line over the project's file over defaults."""
    config: project_config.Config
    profile: Optional[str]
    jobs: int
    reports: List[Tuple[str, str]]  # (path, format)
    rules: Optional[user_rules.UserRules]
    notebook_outputs: str
    max_flags: Optional[int]

    def options(self) -> dict:
        """What a file's conversion depends on besides its source and the tool (the manifest's key)."""
        return {"profile": self.profile, "rules": self.rules.fingerprint if self.rules else None,
                "notebook_outputs": self.notebook_outputs, "include": self.config.include,
                "exclude": self.config.exclude}


def settings_for(args) -> Settings:
    """Raises UsageError for anything wrong in the settings, before any file is touched."""
    try:
        if args.no_config:
            config = project_config.Config()
        else:
            path = args.config or project_config.find(args.src[0])
            config = project_config.load(path, list(profiles.available())) if path else project_config.Config()
    except project_config.ConfigError as exc:
        raise UsageError(str(exc)) from None
    profile = args.profile or config.profile or AUTO
    paths = args.report or config.report
    try:
        reports = [(path, formats.format_for(path, args.report_format)) for path in paths]
        for path, _ in reports:
            formats.check_writable(path)
    except formats.FormatError as exc:
        raise UsageError(str(exc)) from None
    try:
        rules = user_rules.load(args.rules or config.rules)
    except KnowledgeError as exc:
        raise UsageError(f"in the project's rules: {exc}") from None
    max_flags = getattr(args, "max_flags", None)
    return Settings(config, None if profile == "none" else profile, args.jobs or config.jobs or _usable_cores(),
                    reports, rules, args.notebook_outputs or config.notebook_outputs or "clear",
                    max_flags if max_flags is not None else config.max_flags)


def _progress_mode(args) -> str:
    if args.progress:
        return "lines"
    return "bar" if is_terminal(sys.stderr) else "periodic"


def convert(args) -> int:
    try:
        settings = settings_for(args)
        jobs, problems, mode, destination = plan(args, settings.config)
    except UsageError as exc:
        print(f"torch2ms: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"torch2ms: error: {exc}", file=sys.stderr)
        return EXIT_FAILED

    with user_rules.laid_over(settings.rules):
        return _run(args, settings, jobs, problems, mode, destination)


def _run(args, settings: Settings, jobs: List[Job], problems: List[Outcome], mode: str,
         destination: Optional[str]) -> int:
    jobs = [dataclasses.replace(job, profile=settings.profile, keep_outputs=settings.notebook_outputs == "keep",
                                backup=not getattr(args, "no_backup", False))
            if job.kind in runner.CONVERTED_KINDS else job for job in jobs]
    planned = len(jobs) + len(problems)
    outcomes: List[Outcome] = list(problems)
    mirror = mode == "folder"
    if mirror:  # safe and incremental re-runs (run/manifest.py)
        previous = manifest.load(os.path.realpath(args.output))
        tool = manifest.tool_fingerprint()
        jobs, known = manifest.screen(jobs, previous, tool, settings.options(), args.force)
        outcomes += known
    progress = Progress(len(jobs), enabled=not args.quiet, mode=_progress_mode(args))

    def emit(outcome: Outcome) -> None:
        if outcome.output is not None:
            progress.close()
            _write_stdout(outcome.output)
            outcome.output = None  # printed; the parent keeps only the small part
        outcomes.append(outcome)
        progress.advance(outcome.rel)

    try:
        interrupted = runner.run_jobs(jobs, settings.jobs, emit)
    finally:
        progress.close()
        if mirror:  # even when a second Ctrl-C cuts the run short: what was written is ours
            manifest.save(os.path.realpath(args.output), previous, tool, settings.options(), outcomes)
    if settings.reports:
        result = report.build_report(outcomes, source=" ".join(args.src), destination=destination, mode=mode,
                                     interrupted=interrupted)
        for path, fmt in settings.reports:
            formats.write(path, result, fmt)
    if mode == "check":
        return _check_verdict(args, settings, outcomes, interrupted)
    if args.quiet:
        text = "\n".join(report.failure_lines(outcomes))
    else:
        text = report.summary(outcomes, planned, interrupted)
    if text:
        print(text, file=sys.stderr)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if any(o.status == "failed" for o in outcomes) else EXIT_OK


def _check_verdict(args, settings: Settings, outcomes: List[Outcome], interrupted: bool) -> int:
    """check's output, linter style (`path:line:col: ...`), and its exit status."""
    changing = [o for o in outcomes if o.status == "converted"]
    failing = [o for o in outcomes if o.status == "failed"]
    flags = sum(len(o.flags) for o in outcomes)
    # paths as the user can open them (and an editor can jump to): a folder's files under its name
    folder = args.src[0] if len(args.src) == 1 and os.path.isdir(args.src[0]) else ""
    for outcome in outcomes:
        path = os.path.join(folder, outcome.rel) if folder else outcome.rel
        if outcome.status == "converted":
            print(f"{path}: would change")
        if not args.quiet:
            for flag in outcome.flags:
                where = f"cell {flag.cell}:{flag.line}" if flag.cell is not None else f"{flag.line}:{flag.column + 1}"
                print(f"{path}:{where}: {flag.api}: {flag.reason}" + (f" ({flag.hint})" if flag.hint else ""))
    sys.stdout.flush()
    over = settings.max_flags is not None and flags > settings.max_flags
    lines = report.failure_lines(outcomes)
    if not args.quiet or changing or failing or over:
        limit = f" (more than --max-flags {settings.max_flags})" if over else \
            f" (within --max-flags {settings.max_flags})" if settings.max_flags is not None else ""
        lines.append(f"torch2ms check: {len(changing)} of {sum(o.kind in runner.CONVERTED_KINDS for o in outcomes)} "
                     f"files would change, {len(failing)} could not be converted, {flags} flags{limit}")
    if lines:
        print("\n".join(lines), file=sys.stderr)
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_FAILED if changing or failing or over else EXIT_OK


def explain(args) -> int:
    try:
        rules = user_rules.load(args.rules or ())
    except KnowledgeError as exc:
        print(f"torch2ms: error: in the project's rules: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with user_rules.laid_over(rules):
        return _explain(args.apis)


def _explain(apis: List[str]) -> int:
    from torch2ms.knowledge import records

    status = EXIT_OK
    for index, name in enumerate(apis):
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
    if args.command == "weights":
        return weights(args)
    try:
        return convert(args)
    except KeyboardInterrupt:
        print("torch2ms: aborted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `torch2ms convert src --diff | head`: the reader has had enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED
