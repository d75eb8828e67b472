"""The profile interface: a library mode (transformers -> mindone.transformers, ...) is one
folder under torch2ms/profiles/ whose `__init__.py` defines `PROFILE`, an instance of a
`Profile` subclass. The pipeline knows profiles only through these methods."""
from __future__ import annotations

from typing import FrozenSet, Sequence, Union

import libcst as cst


class Profile:
    name: str = ""  # `--profile NAME`
    summary: str = ""  # one line for `torch2ms convert --help`

    def detects(self, module: cst.Module, path: str) -> bool:
        """Should this mode be on for the file (automatic detection)? `path` is where it sits."""
        return False

    def module_bases(self) -> FrozenSet[str]:
        """The library's classes that derive from torch.nn.Module (`transformers.PreTrainedModel`),
        as dotted names. They are Cells in every mode: a user's file may subclass them without
        being a library file."""
        return frozenset()

    def supplies(self) -> FrozenSet[str]:
        """torch APIs MindSpore lacks that the port supplies (its own stand-ins, which the profile's
        rules reach): the converted code has them, so feature checks for them answer True."""
        return frozenset()

    def rules(self, path: str, source: Union[str, bytes, None]) -> Sequence[object]:
        """Fresh instances of the profile's own rules for one file, run after the core rules and
        before the finishing ones: where library imports point now (import maps), calls adapted
        to the port's signatures, decorators the port drops."""
        return ()

    def finish(self, code: str) -> str:
        """A last pass over the rendered text (docstrings and comments in the port's words)."""
        return code

    def codegen_retext(self, rules: Sequence[object]):
        """(for comments, for docstrings): functions the codegen applies to the text of each
        comment and docstring as it writes them, doing finish's work without reading the text
        again; `rules` are this file's instances from `rules()`. None (the default): finish
        runs on the rendered text instead. A profile returns them only where both give the
        same bytes."""
        return None
