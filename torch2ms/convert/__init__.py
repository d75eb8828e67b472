"""The one-file pipeline (no I/O): `convert_source(source, path) -> FileResult`.

Machinery the rules use: walk (the tree walk), engine (hands nodes to rules), scopes and
context (what names mean; the rules' API), tidy (dropped statements, imports), annotate
(`# torch2ms:` notes), results (FileResult, Flag, Reason, ConversionError), cstutil.
The pipeline (pipeline.py) sits on top and plugs in the rules and profiles.
"""
from torch2ms.convert.results import ConversionError, FileResult, Flag, Reason

__all__ = ["convert_source", "ConversionError", "FileResult", "Flag", "Reason"]


def __getattr__(name):
    # The pipeline imports the rules, which import this package's machinery: loaded on first
    # use, so that importing torch2ms.convert.context from a rule never goes in a circle.
    if name == "convert_source":
        from torch2ms.convert.pipeline import convert_source

        return convert_source
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
