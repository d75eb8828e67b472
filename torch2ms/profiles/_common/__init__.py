"""Machinery the library profiles share (not a profile: folders starting with `_` are skipped).

A profile that ports a torch library onto its mindone twin (transformers ->
mindone.transformers, diffusers -> mindone.diffusers) describes the library in a
`library.Library` (its map, its layout, its wording) and gets from here:

    library.py     Library, the map's reader (LibraryMap, ModuleEntry)
    decisions.py   what each import becomes, decided once per file (ImportDecisions)
    imports.py     rule PortImports: imports, renamed names, dropped decorators, flagged uses
    signatures.py  rule PortSignatures: calls adapted to mindone's signatures
    docstrings.py  the text pass: docstrings and comments in MindSpore's words

The rules here carry no EXAMPLES: each profile subclasses them with examples in its own words.
"""
