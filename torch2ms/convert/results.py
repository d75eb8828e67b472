"""What converting one file yields (and the flag reasons, re-exported for the rules)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import List, Optional, Union

from torch2ms.knowledge.reasons import Reason

MARK = "# torch2ms:"  # how the notes on flagged lines begin


@dataclass(frozen=True)
class Flag:
    """A torch reference left in the output, for a human to finish."""

    line: int  # 1-based line in the *output*
    column: int  # 0-based
    api: str  # fully qualified torch name, e.g. "torch.finfo"
    reason: Reason  # a str: "not in the tables", "no MindSpore counterpart", "needs a manual rewrite"
    hint: Optional[str] = None
    cell: Optional[int] = None  # in a notebook: the cell (1-based, all cells counted); `line` is then the cell's


@dataclass
class FileResult:
    code: Union[str, bytes]  # same type as the source given
    flags: List[Flag] = field(default_factory=list)
    stats: Counter = field(default_factory=Counter)  # mint / ops / nn / mindspore references mapped
    changed: bool = False  # does the output differ from the source at all
    seen: Counter = field(default_factory=Counter)  # torch APIs the source referenced
    rule_hits: Counter = field(default_factory=Counter)  # argument-rule kinds applied


class ConversionError(Exception):
    """The source cannot be converted (it does not parse, for instance)."""

    def __init__(self, message: str, line: Optional[int] = None, column: Optional[int] = None):
        super().__init__(message if line is None else f"line {line}: {message}")
        self.message = message
        self.line = line
        self.column = column


# Among the names a file exports (run/exports.py): the converted project imports this module.
IMPORTED = "*"
