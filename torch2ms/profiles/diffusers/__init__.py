"""The diffusers profile: a diffusers modeling file becomes a mindone.diffusers one. On when a
file imports diffusers internals that need torch (`..modeling_utils`, `..embeddings`, ...), or
with `--profile diffusers`.

    data.py        the import map, answers, mindone's stand-ins and the module bases (data/)
    layout.py      where the file sits; what its relative imports mean (model code stays relative)
    decisions.py   diffusers as the shared decisions see it (profiles/_common/decisions.py)
    rules.py       the shared rules, shown on diffusers files: DiffusersImports (imports, dropped
                   decorators, answered constants), DiffusersSignatures (mindone's signatures),
                   DiffusersCompat (torch APIs MindSpore lacks, through mindone's layers_compat)
The text pass (docstrings and comments in MindSpore's words) is the shared one (_common/docstrings.py).
"""
from __future__ import annotations

from typing import FrozenSet, Sequence, Union

import libcst as cst

from torch2ms.profiles._common import docstrings
from torch2ms.profiles.base import Profile
from torch2ms.profiles.diffusers import data, decisions
from torch2ms.profiles.diffusers.rules import DiffusersCompat, DiffusersImports, DiffusersSignatures


class DiffusersProfile(Profile):
    name = "diffusers"
    summary = "diffusers modeling files -> mindone.diffusers"

    def detects(self, module: cst.Module, path: str) -> bool:
        return decisions.imports_internals(module, path)

    def module_bases(self) -> FrozenSet[str]:
        return data.module_bases()

    def supplies(self) -> FrozenSet[str]:
        return frozenset(data.compat())

    def rules(self, path: str, source: Union[str, bytes, None]) -> Sequence[object]:
        shared = decisions.decisions_for(path, source)
        return [DiffusersImports(shared), DiffusersSignatures(shared), DiffusersCompat(data.compat())]

    def finish(self, code: str) -> str:
        return docstrings.retext_code(code)

    def codegen_retext(self, rules: Sequence[object]):
        found = next((r.decisions for r in rules if isinstance(r, DiffusersImports)), None)
        return docstrings.codegen_retext(found.source) if found is not None else None


PROFILE = DiffusersProfile()
