"""Byte-for-byte comparison of the tool's outputs on the transformers corpus, before and after a change.

    python scripts/same_outputs.py --save DIR          # outputs (and flags) of the code as it is now
    python scripts/same_outputs.py --against DIR       # compare the code as it is now with a saved run

A refactoring must leave every output byte and every flag (line, column, API, reason, hint)
as it was. The corpus is every models/*/modeling_*.py of the installed transformers, each
converted in one process from its absolute path (as benchmarks/corpus.py does).
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # this checkout's torch2ms, not an installed one


def corpus_files():
    spec = importlib.util.find_spec("transformers")
    assert spec is not None and spec.origin, "transformers is not installed"
    return sorted((pathlib.Path(spec.origin).parent / "models").glob("*/modeling_*.py"))


def _converter():
    try:  # the layout since the architecture issue
        from torch2ms.convert import convert_source
    except ImportError:  # the flat layout before it
        from torch2ms.convert.pipeline import convert_source
    return convert_source


def run():
    """{model/file: {"sha256", "code", "flags"}} for every corpus file."""
    convert_source = _converter()
    out = {}
    for path in corpus_files():
        key = f"{path.parent.name}/{path.name}"
        try:
            result = convert_source(path.read_bytes(), str(path))
        except Exception as exc:  # noqa: BLE001  (an error is an output too: it must stay the same)
            out[key] = {"sha256": None, "code": None, "flags": [f"{type(exc).__name__}: {exc}"]}
            continue
        flags = [[f.line, f.column, f.api, str(f.reason), f.hint] for f in result.flags]
        out[key] = {"sha256": hashlib.sha256(result.code).hexdigest(), "code": result.code, "flags": flags}
    return out


def save(folder: pathlib.Path, outputs) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    index = {}
    for key, entry in outputs.items():
        if entry["code"] is not None:
            target = folder / key.replace("/", "__")
            target.write_bytes(entry["code"])
        index[key] = {"sha256": entry["sha256"], "flags": entry["flags"]}
    (folder / "index.json").write_text(json.dumps(index, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def compare(folder: pathlib.Path, outputs) -> int:
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    differ = []
    for key in sorted(set(index) | set(outputs)):
        old, new = index.get(key), outputs.get(key)
        if old is None or new is None:
            differ.append(f"{key}: only in {'the new run' if old is None else 'the saved run'}")
        elif old["sha256"] != new["sha256"]:
            differ.append(f"{key}: code differs")
        elif old["flags"] != new["flags"]:
            differ.append(f"{key}: flags differ")
    print(f"{len(outputs)} files converted now, {len(index)} saved: "
          f"{len(outputs) - len(differ)} byte-identical with the same flags, {len(differ)} differ")
    for line in differ[:50]:
        print("  " + line)
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", type=pathlib.Path, metavar="DIR")
    group.add_argument("--against", type=pathlib.Path, metavar="DIR")
    args = parser.parse_args()
    outputs = run()
    if args.save:
        save(args.save, outputs)
        print(f"saved {len(outputs)} outputs to {args.save}")
        return 0
    return compare(args.against, outputs)


if __name__ == "__main__":
    sys.exit(main())
