"""Jupyter notebooks (.ipynb, nbformat 4): their code cells converted as one module.

The code cells are joined into one script, so that an import in the first cell still
binds `torch` in the fifth, with a marker comment before each cell; the script goes
through the one-file pipeline and is cut back into cells at the markers. IPython
syntax that is not Python (`%magic`, `!shell`, `x = !cmd`, `obj?`) is swapped for a
placeholder call while converting and put back as it was; a cell magic that runs
something else than Python (`%%bash`, `%%html`, ...) leaves its cell as it is.
Markdown and raw cells are never touched. Flags are located by cell (1-based, every
cell counted, as a notebook shows them) and by line within the cell.

Only the standard library is used: converting needs no Jupyter package.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from torch2ms.convert import pipeline
from torch2ms.convert.results import ConversionError, Flag

_MARKER = "# %% [torch2ms cell {}]"
_MARKER_LINE = re.compile(r"^# %% \[torch2ms cell (\d+)\]$")
_PLACEHOLDER = "__torch2ms_magic__({})"
_PLACEHOLDER_LINE = re.compile(r"^\s*__torch2ms_magic__\((\d+)\)\s*$")
# A line IPython reads as a magic, a shell escape, a help request or `x = !cmd` / `x = %cmd`.
_MAGIC_LINE = re.compile(r"^\s*[%!]|^\s*\?\??[\w.]*\s*$|^\s*[\w.]+\?\??\s*$|^\s*[\w.\[\], ]+=\s*[!%]")
# Cell magics whose body is Python: the first line is kept, the body converted.
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug"})


@dataclass
class NotebookResult:
    code: bytes  # the notebook file to write
    flags: List[Flag] = field(default_factory=list)  # `cell` set, `line` within the cell
    stats: Counter = field(default_factory=Counter)
    seen: Counter = field(default_factory=Counter)
    changed: bool = False  # did any code cell change
    script_before: str = ""  # the code cells as one script, for --diff
    script_after: str = ""


def _source_text(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def _lines(text: str) -> List[str]:
    """nbformat's way of storing a cell: lines, each but the last ending with a newline."""
    return text.splitlines(keepends=True)


@dataclass
class _Cell:
    index: int  # in nb["cells"]
    text: str  # the cell's source
    masked: str  # what goes into the script
    whole_magic: bool = False  # a cell magic of another language: kept as it is


def _mask(text: str, magics: List[str]) -> str:
    """`text` with every IPython-only line replaced by a placeholder (indentation kept)."""
    try:
        ast.parse(text)
        return text  # plain Python: nothing to hide (a `%` there is the modulo operator)
    except SyntaxError:
        pass
    out, continued = [], False
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if continued or _MAGIC_LINE.search(body):
            continued = body.endswith("\\")
            indent = body[: len(body) - len(body.lstrip())]
            out.append(indent + _PLACEHOLDER.format(len(magics)) + line[len(body):])
            magics.append(body)
        else:
            out.append(line)
    return "".join(out)


def _cells(notebook: dict, magics: List[str]) -> List[_Cell]:
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict):
            raise ConversionError(f"cell {index + 1} is not an object")
        if cell.get("cell_type") != "code":
            continue
        text = _source_text(cell)
        first = text.lstrip().split("\n", 1)[0]
        if first.startswith("%%"):
            name = first[2:].split(None, 1)[0] if first[2:].strip() else ""
            if name not in PYTHON_CELL_MAGICS:
                cells.append(_Cell(index, text, "", whole_magic=True))
                continue
        cells.append(_Cell(index, text, _mask(text, magics)))
    return cells


def _script(cells: List[_Cell], masked: bool = True) -> Tuple[str, List[int]]:
    """The script (magics masked, or as written) and, for each cell, the script line (1-based)
    its first line is on."""
    parts, starts, line = [], [], 1
    for cell in cells:
        parts.append(_MARKER.format(cell.index + 1) + "\n")
        line += 1
        starts.append(line)
        text = cell.masked if masked else cell.text
        body = text if text.endswith("\n") or not text else text + "\n"
        parts.append(body)
        line += body.count("\n")
    return "".join(parts), starts


def _cell_at(starts: List[int], cells: List[_Cell], line: int) -> Tuple[int, int]:
    """(cell number shown to people, line within it) of a script line."""
    position = 0
    for number, start in enumerate(starts):
        if start <= line:
            position = number
    return cells[position].index + 1, max(1, line - starts[position] + 1)


def _split(code: str, cells: List[_Cell]) -> Tuple[Dict[int, str], Dict[int, Tuple[int, int]]]:
    """Converted text of each cell (by index), and where each output line went: line ->
    (cell index, line within the cell)."""
    found: Dict[int, List[str]] = {}
    head: List[str] = []  # imports the converter put above the first marker go to the first cell
    where: Dict[int, Tuple[int, int]] = {}
    current: Optional[int] = None
    for number, line in enumerate(code.splitlines(keepends=True), 1):
        match = _MARKER_LINE.match(line.rstrip("\r\n"))
        if match:
            current = int(match.group(1)) - 1
            if current in found:
                raise ConversionError(f"cell {current + 1}: its marker came back twice")
            found[current] = []
            continue
        if current is None:
            head.append(line)
            where[number] = (-1, len(head))
        else:
            found[current].append(line)
            where[number] = (current, len(found[current]))
    if list(found) != [cell.index for cell in cells]:
        raise ConversionError("the converted code could not be cut back into cells (a cell marker moved or went)")
    if cells and head:
        first = cells[0].index
        found[first] = head + found[first]
        where = {n: (first, line) if cell < 0 else (cell, line + len(head)) if cell == first else (cell, line)
                 for n, (cell, line) in where.items()}
    return {index: "".join(lines) for index, lines in found.items()}, where


def _unmask(text: str, magics: List[str]) -> str:
    def restore(line: str) -> str:
        match = _PLACEHOLDER_LINE.match(line.rstrip("\r\n"))
        if not match:
            return line
        return magics[int(match.group(1))] + line[len(line.rstrip("\r\n")):]

    return "".join(restore(line) for line in text.splitlines(keepends=True))


def _load(data: bytes) -> dict:
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConversionError(f"not a notebook (invalid JSON: {exc})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        if isinstance(notebook, dict) and "worksheets" in notebook:
            raise ConversionError("an nbformat 3 notebook: upgrade it first (jupyter nbconvert --to notebook)")
        raise ConversionError("not a notebook (no list of cells)")
    return notebook


def _language(notebook: dict) -> str:
    metadata = notebook.get("metadata") or {}
    spec = metadata.get("kernelspec") or {}
    info = metadata.get("language_info") or {}
    return str(spec.get("language") or info.get("name") or "python").lower()


def dumps(notebook: dict) -> bytes:
    """As nbformat writes notebooks (one-space indent, sorted keys, UTF-8, final newline)."""
    return (json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def convert_notebook(data: bytes, path: str, profile: Optional[str] = pipeline.AUTO,
                     keep_outputs: bool = False) -> NotebookResult:
    """Convert a notebook's code cells. Outputs of a changed notebook are cleared unless
    `keep_outputs` (they came from the PyTorch code). Raises ConversionError with the
    line given within the cell (the message names the cell)."""
    notebook = _load(data)
    if _language(notebook) != "python":
        return NotebookResult(data)
    magics: List[str] = []
    cells = _cells(notebook, magics)
    convertible = [cell for cell in cells if not cell.whole_magic]
    before, starts = _script(convertible)
    try:
        result = pipeline.convert_source(before, path, profile=profile)
    except ConversionError as exc:
        if exc.line is None or not convertible:
            raise
        number, line = _cell_at(starts, convertible, exc.line)
        raise ConversionError(f"cell {number}, line {line}: {exc.message}", line, exc.column) from None
    after = result.code
    texts, where = _split(after, convertible)
    changed = False
    for cell in convertible:
        new = _unmask(texts[cell.index], magics)
        if not cell.text.endswith("\n") and new.endswith("\n"):
            new = new[:-1]
        if new != cell.text:
            changed = True
            notebook["cells"][cell.index]["source"] = _lines(new)
    flags = [_locate(flag, where) for flag in result.flags]
    shown_before, shown_after = _script(convertible, masked=False)[0], _unmask(after, magics)
    if not changed:
        return NotebookResult(data, flags, Counter(result.stats), Counter(result.seen), False, shown_before,
                              shown_after)
    if not keep_outputs:
        for cell in notebook["cells"]:
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
    return NotebookResult(dumps(notebook), flags, Counter(result.stats), Counter(result.seen), True,
                          shown_before, shown_after)


def _locate(flag: Flag, where: Dict[int, Tuple[int, int]]) -> Flag:
    if flag.line not in where:
        return flag
    index, line = where[flag.line]
    return dataclasses.replace(flag, cell=index + 1, line=line)


def script_view(result: NotebookResult) -> Tuple[str, str]:
    """(before, after) as scripts with a marker per cell: what --diff shows for a notebook."""
    return result.script_before, result.script_after
