"""Convert the code under test through the runner, so verify converts what `torch2ms convert` does.

Each file is a runner Job (read, convert, write atomically; a file that fails is
copied unchanged) and its Outcome gives the notes: failures and flag counts.
Every job's `rel` is the file's absolute path, because that is the path the
converter is given: the transformers profile reads a file's layout from it (a
`transformers` folder in it), as with `torch2ms convert /abs/path/FILE.py`.
"""
from __future__ import annotations

import dataclasses
import inspect
import os
import re
from typing import List, Tuple

from torch2ms.run import runner
from torch2ms.run.runner import Job, Outcome
from torch2ms.verify.errors import VerifyError
from torch2ms.verify.loading import package_root

_SIBLING = re.compile(rb"^\s*from \.(modeling_\w+) import", re.M)


def sibling_names(source: bytes) -> List[str]:
    """The sibling modeling modules a transformers modeling file imports (`from .modeling_blip_text import X`)."""
    return [name.decode() for name in _SIBLING.findall(source)]


def _run(jobs: List[Job]) -> List[Outcome]:
    return [runner.run_job(dataclasses.replace(job, rel=job.src)) for job in jobs]


def _error(outcome: Outcome) -> str:
    line = outcome.error.get("line")
    return f"line {line}: {outcome.error['message']}" if line else outcome.error["message"]


def convert_to(path: str, out_dir: str) -> Tuple[str, List[str]]:
    """Convert the file at `path` (its whole top package, if it is in one) into out_dir.

    Returns (path of the converted file, conversion notes: failures and flag counts).
    """
    folder, parts = package_root(path)
    if len(parts) > 1:  # as `torch2ms convert PACKAGE -o OUT_DIR/PACKAGE`: other files copied too
        src_root = os.path.join(folder, parts[0])
        jobs, problems = runner.plan_folder(src_root, os.path.join(out_dir, parts[0]), "write")
        converted = os.path.join(out_dir, *parts) + ".py"
        if os.path.basename(path) == "__init__.py":
            converted = os.path.join(out_dir, *parts, "__init__.py")
    else:
        source = os.path.abspath(path)
        src_root, problems = os.path.dirname(source), []
        converted = os.path.join(out_dir, os.path.basename(source))
        os.makedirs(out_dir, exist_ok=True)
        jobs = [Job("python", source, source, "write", converted)]
    notes = [f"{outcome.rel}: {outcome.error['message']}" for outcome in problems]  # unreadable folders
    outcomes = _run(jobs)
    for job, outcome in zip(jobs, outcomes):
        if outcome.status != "failed":
            continue
        rel = os.path.relpath(job.src, src_root)
        if job.kind != "python":
            notes.append(f"{rel}: {outcome.error['message']}")
        elif os.path.exists(job.dst):
            notes.append(f"{rel}: not converted ({_error(outcome)}); copied unchanged")
        else:
            notes.append(f"{rel}: not converted ({_error(outcome)})")
    flags = sum(len(outcome.flags) for outcome in outcomes)
    if flags:
        notes.append(f"{flags} `# torch2ms:` note(s) in the converted code")
    return converted, notes


def convert_package(folder: str, out_dir: str) -> List[str]:
    """Convert a whole package folder into out_dir (as `torch2ms convert FOLDER -o OUT_DIR`);
    the notes: files that could not be converted, and the flag count."""
    jobs, problems = runner.plan_folder(folder, out_dir, "write")
    outcomes = [runner.run_job(job) for job in jobs]
    notes = [f"{o.rel}: {o.error['message']}" for o in problems]
    notes += [f"{o.rel}: not converted ({_error(o)}); copied unchanged" for o in outcomes if o.status == "failed"]
    flags = sum(len(o.flags) for o in outcomes)
    if flags:
        notes.append(f"{flags} `# torch2ms:` note(s) in the converted package")
    return notes


def _modeling_files(first: str) -> List[str]:
    """`first` and the sibling modeling files it imports, transitively, each once."""
    folder, files, todo = os.path.dirname(first), [], [first]
    while todo:
        path = todo.pop()
        files.append(path)
        with open(path, "rb") as fh:
            names = sibling_names(fh.read())
        for name in names:
            sibling = os.path.join(folder, name + ".py")
            if os.path.exists(sibling) and sibling not in files and sibling not in todo:
                todo.append(sibling)
    return files


def convert_hf_file(torch_mod, out_dir: str) -> Tuple[str, List[str]]:
    """Convert the source file of a transformers modeling module into out_dir, with the sibling
    modeling files it imports (`from .modeling_blip_text import ...`), as a user converting the
    model's folder would; (its path, notes)."""
    first = inspect.getsourcefile(torch_mod)
    jobs = [Job("python", path, path, "write", os.path.join(out_dir, os.path.basename(path)))
            for path in _modeling_files(first)]
    notes = []
    for outcome in _run(jobs):
        if outcome.status == "failed":
            raise VerifyError(f"converting {outcome.rel} failed: {_error(outcome)}")
        notes.append(f"converted {outcome.rel}: {len(outcome.flags)} `# torch2ms:` note(s)")
    return os.path.join(out_dir, os.path.basename(first)), notes


def _relative_imports(path: str, package: str) -> List[str]:
    """The absolute modules a file imports relatively (`from ..unets.unet_2d_blocks import X`)."""
    import ast

    with open(path, "rb") as fh:
        tree = ast.parse(fh.read())
    parts, found = package.split("."), []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level and node.module and node.level <= len(parts):
            found.append(".".join(parts[: len(parts) - node.level + 1] + [node.module]))
    return list(dict.fromkeys(found))


def convert_model_code(torch_mod, out_dir: str) -> Tuple[str, List[str], List[Tuple[str, str]]]:
    """Convert the source file of `torch_mod` and, transitively, every module of its library that
    the *converted* text still imports relatively: the model code the profile leaves to be
    converted alongside (diffusers' `.vae`, `..unets.unet_2d_blocks`); infrastructure imports
    point at mindone by then. Returns (the converted file, notes, [(module, converted path)] of
    the model code in the order it must be imported: each after what it imports)."""
    root_folder = package_root(inspect.getsourcefile(torch_mod))[0]
    converted: dict = {}
    order: List[Tuple[str, str]] = []
    notes: List[str] = []

    def convert(module: str, source: str) -> str:
        dst = os.path.join(out_dir, *module.split(".")) + ".py"
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        outcome = _run([Job("python", source, source, "write", dst)])[0]
        if outcome.status == "failed":
            raise VerifyError(f"converting {source} failed: {_error(outcome)}")
        notes.append(f"converted {module}: {len(outcome.flags)} `# torch2ms:` note(s)")
        converted[module] = dst
        for dep in _relative_imports(dst, module.rpartition(".")[0]):
            path = os.path.join(root_folder, *dep.split(".")) + ".py"
            if dep not in converted and os.path.isfile(path):
                convert(dep, path)
                order.append((dep, converted[dep]))
        return dst

    first = convert(torch_mod.__name__, inspect.getsourcefile(torch_mod))
    return first, notes, order


def converted_model_code(path: str, module: str, root: str) -> List[Tuple[str, str]]:
    """For a file converted into `root` (laid out by module: root/diffusers/models/x.py): the modules it
    still imports relatively that lie converted under root too, transitively, [(module, path)] each
    after what it imports (the order to import them in)."""
    order: List[Tuple[str, str]] = []
    seen = {module}

    def visit(current: str, current_path: str) -> None:
        for dep in _relative_imports(current_path, current.rpartition(".")[0]):
            dep_path = os.path.join(root, *dep.split(".")) + ".py"
            if dep not in seen and os.path.isfile(dep_path):
                seen.add(dep)
                visit(dep, dep_path)
                order.append((dep, dep_path))

    visit(module, path)
    return order
