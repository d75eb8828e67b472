"""docs/migrating.md, executed: every `$ command` of its console blocks runs, in order, in a copy
of docs/walkthrough/, with the torch2ms under test; it must exit 0 (or the status its
`# exits N` comment says) and print every output line the page shows (`...` lines excepted)."""
from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

import torch2ms

pytestmark = pytest.mark.slow  # runs the frameworks (verify, weights, the converted model)

REPO = Path(__file__).resolve().parents[1]
PAGE = REPO / "docs" / "migrating.md"
EXITS = re.compile(r"#\s*exits (\d+)\s*$")


def steps(text: str) -> List[Tuple[str, List[str]]]:
    """(command, output lines shown) for each `$ ` line of the ```console blocks; `> ` lines continue it."""
    found: List[Tuple[str, List[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            elif line.startswith(">") and found and not found[-1][1]:
                found[-1] = (found[-1][0] + "\n" + line[2:], [])
            elif found:
                found[-1][1].append(line)
    return found


def _shims(folder: Path) -> dict:
    """`torch2ms` and `python` on PATH as the interpreter running these tests, with its torch2ms."""
    folder.mkdir()
    for name, command in (("torch2ms", f'exec "{sys.executable}" -m torch2ms "$@"'),
                          ("python", f'exec "{sys.executable}" "$@"')):
        path = folder / name
        path.write_text(f"#!/bin/sh\n{command}\n", encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    package_root = str(Path(torch2ms.__file__).resolve().parents[1])
    return {**os.environ, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": package_root}


def test_the_page_has_the_steps_it_promises():
    commands = [command.split()[0] for command, _ in steps(PAGE.read_text("utf-8"))]
    assert commands.count("torch2ms") >= 6 and "sed" in commands and "python" in commands
    for needed in ("torch2ms convert", "torch2ms check", "torch2ms verify", "torch2ms weights"):
        assert any(command.startswith(needed) for command, _ in steps(PAGE.read_text("utf-8"))), needed


def test_migrating_walkthrough(tmp_path):
    work = tmp_path / "walkthrough"
    shutil.copytree(REPO / "docs" / "walkthrough", work, ignore=shutil.ignore_patterns("__pycache__"))
    env = _shims(tmp_path / "bin")
    for command, shown in steps(PAGE.read_text("utf-8")):
        expected = EXITS.search(command.splitlines()[0])
        proc = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        output = proc.stdout + proc.stderr
        assert proc.returncode == (int(expected.group(1)) if expected else 0), f"$ {command}\n{output}"
        printed = output.splitlines()
        for line in shown:
            if not line.strip() or line.strip() == "...":
                continue
            if "..." in line:  # a line shown in part: its text up to the ellipsis starts a printed line
                head = line.split("...")[0]
                assert any(p.startswith(head) for p in printed), f"$ {command}\nmissing: {line}\n{output}"
            else:
                assert line in printed, f"$ {command}\nmissing: {line}\n{output}"
