"""The transformers profile: a transformers modeling file becomes a mindone.transformers one
(docs/hf-mode.md). On when a file imports transformers internals that need torch, or with
`--profile transformers` (alias `--hf`).

    data.py        the import map and the module bases (data/, from the installed packages)
    layout.py      where the file sits; what its relative imports mean
    decisions.py   transformers as the shared decisions see it (profiles/_common/decisions.py)
    imports.py     rule PortImports: imports, renamed names, dropped decorators, flagged uses
    signatures.py  rule PortSignatures: calls adapted to mindone's signatures
The text pass (docstrings and comments in MindSpore's words) is the shared one (_common/docstrings.py).
"""
from __future__ import annotations

from typing import FrozenSet, Sequence, Union

import libcst as cst

from torch2ms.profiles._common import docstrings
from torch2ms.profiles.base import Profile
from torch2ms.profiles.transformers import data, decisions
from torch2ms.profiles.transformers.imports import PortImports
from torch2ms.profiles.transformers.signatures import PortSignatures


class TransformersProfile(Profile):
    name = "transformers"
    summary = "transformers modeling files -> mindone.transformers"
    RULES = (PortImports, PortSignatures)

    def detects(self, module: cst.Module, path: str) -> bool:
        return decisions.imports_internals(module, path)

    def module_bases(self) -> FrozenSet[str]:
        return data.module_bases()

    def rules(self, path: str, source: Union[str, bytes, None]) -> Sequence[object]:
        shared = decisions.decisions_for(path, source)
        return [rule(shared) for rule in self.RULES]

    def finish(self, code: str) -> str:
        return docstrings.retext_code(code)

    def codegen_retext(self, rules: Sequence[object]):
        found = next((r.decisions for r in rules if isinstance(r, PortImports)), None)
        return docstrings.codegen_retext(found.source) if found is not None else None


PROFILE = TransformersProfile()
