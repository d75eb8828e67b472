"""Why a torch reference is left in the output for a human: the reasons of flags."""
from __future__ import annotations

from enum import Enum


class Reason(str, Enum):
    """A flag's reason. The values are the words reports and `# torch2ms:` notes use."""

    NOT_IN_TABLES = "not in the tables"  # no table row, correction or verified mapping names it
    NO_COUNTERPART = "no MindSpore counterpart"  # a table says MindSpore has none
    MANUAL = "needs a manual rewrite"  # there is a counterpart, but this use of it needs a human

    def __str__(self) -> str:  # `str(Reason.MANUAL)` is its words, as in the JSON report
        return self.value
