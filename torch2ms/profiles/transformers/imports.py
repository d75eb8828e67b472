"""HF mode: a transformers modeling file becomes a mindone.transformers one.

    from ...modeling_utils import PreTrainedModel  ->  from mindone.transformers.modeling_utils import PreTrainedModel
    from ...pytorch_utils import Conv1D            ->  from mindone.transformers.mindspore_utils import Conv1D
    from ...utils import torch_int                 ->  from mindone.transformers.utils import mindspore_int  (uses renamed)
    from ...utils import auto_docstring, logging   ->  from transformers.utils import logging  (`@auto_docstring` goes)
    from .configuration_bert import BertConfig     ->  from transformers.models.bert.configuration_bert import BertConfig
    self.rope_init_fn(self.config, device)         ->  self.rope_init_fn(self.config)   (mindone's signature)
    \"\"\"x (`torch.FloatTensor`): ...\"\"\"            ->  \"\"\"x (`mindspore.Tensor`): ...\"\"\"   (docstrings, comments)

Imports of transformers' infrastructure (relative, as inside transformers, or absolute)
go where mindone.transformers has the module and the name; configurations and what
mindone lacks stay in transformers (absolute), except decorators mindone's own ports
drop, which go with their import. A name that stays in transformers but needs torch is
flagged at each use. Calls into that infrastructure lose the parameters mindone's
signatures lack (`device`, mostly), by keyword or by position where the orders agree.

Everything is data (data/hf_map.json, written by scripts/gen_hf_map.py from the
installed transformers and mindone). Relative imports are read as from inside
transformers: `...x` is transformers.x and `.configuration_y` a model's configuration;
other single-dot imports (sibling files, converted alongside) are left alone.
"""
from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Dict, Iterable, List, Optional, Set, Tuple, Union

import libcst as cst

from torch2ms.knowledge import inventory, lookup as mapping
from torch2ms.convert.cstutil import decorator_callee, without_decorators
from torch2ms.convert.annotate import MARK
from torch2ms.convert.context import FileContext
from torch2ms.convert.cstutil import build, dotted
from torch2ms.convert.cstutil import drop_args
from torch2ms.convert.scopes import Binding

NEEDS_TORCH_HINT = "mindone.transformers has no counterpart; transformers' own needs torch"
UNKNOWN_HINT = "not in the HF map (data/hf_map.json)"
PROFILE_DATA = Path(__file__).resolve().parent / "data"


# ---- the data -------------------------------------------------------------------------
@lru_cache(maxsize=None)
def hf_map() -> dict:
    return json.loads((PROFILE_DATA / "hf_map.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ModuleEntry:
    mindone_module: Optional[str]
    to_mindone: frozenset
    moved: Dict[str, str]
    keep: frozenset
    keep_at: Dict[str, str]
    drop: frozenset
    needs_torch: frozenset
    imports_torch: bool


@lru_cache(maxsize=None)
def module_entry(module: str) -> Optional[ModuleEntry]:
    raw = hf_map()["modules"].get(module)
    if raw is None:
        return None
    return ModuleEntry(
        raw["mindone_module"], frozenset(raw["to_mindone"]), raw.get("moved", {}),
        frozenset(raw.get("keep", ())), raw.get("keep_at", {}),
        frozenset(raw.get("drop", ())), frozenset(raw.get("needs_torch", ())), raw["imports_torch"],
    )


@lru_cache(maxsize=None)
def _configs_by_leaf() -> Dict[str, Tuple[str, ...]]:
    out: Dict[str, List[str]] = {}
    for module in hf_map()["config_modules"]:
        out.setdefault(module.rpartition(".")[2], []).append(module)
    return {leaf: tuple(modules) for leaf, modules in out.items()}


@lru_cache(maxsize=None)
def _config_modules() -> frozenset:
    return frozenset(hf_map()["config_modules"])


# ---- where an import points ------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Where the file sits: inside an installed transformers (exact), or assumed models/<model>/."""

    package: Optional[Tuple[str, ...]]  # ("transformers", "models", "bert") when known exactly
    model: Optional[str]  # the folder's name otherwise (a hint for `.configuration_x`)


def layout_of(path: str) -> Layout:
    parts = PurePosixPath(str(path).replace("\\", "/")).parts[:-1]
    if "transformers" in parts:
        at = len(parts) - 1 - parts[::-1].index("transformers")
        return Layout(("transformers",) + tuple(parts[at + 1:]), None)
    return Layout(None, parts[-1] if parts else None)


def resolve(dots: int, module: str, layout: Layout) -> Tuple[Optional[str], bool]:
    """(absolute transformers module or None, is a sibling in the same model package)."""
    if dots == 0:
        return (module if module == "transformers" or module.startswith("transformers.") else None), False
    tail = (module,) if module else ()
    if layout.package is not None:
        if dots > len(layout.package):
            return None, False
        absolute = ".".join(layout.package[: len(layout.package) - dots + 1] + tail)
        if dots == 1 and absolute not in _config_modules():
            return absolute, True
        return absolute, False
    if dots >= 4:
        return None, False
    if dots == 3:
        return ".".join(("transformers",) + tail), False
    if dots == 2:
        return ".".join(("transformers", "models") + tail), False
    leaf = module.partition(".")[0]
    candidates = _configs_by_leaf().get(leaf, ())
    if leaf != module or not candidates:
        return None, True  # a sibling file of the same package: converted alongside
    for candidate in candidates:
        if candidate.split(".")[2] == layout.model:
            return candidate, False
    return (candidates[0], False) if len(candidates) == 1 else (None, True)


@dataclass(frozen=True)
class Decision:
    kind: str  # "mindone" | "transformers" | "drop" | "leave"
    module: Optional[str] = None  # where the name is imported from now
    name: Optional[str] = None  # the name imported there (differs when mindone renamed it)
    source: Optional[str] = None  # transformers' own path of the name (the data's key)
    flag: Optional[Tuple[str, str]] = None  # (reason, hint) for each use, when it needs torch


def decide(absolute: Optional[str], sibling: bool, name: str) -> Decision:
    if absolute is None or sibling:
        return Decision("leave")
    source = f"{absolute}.{name}"
    entry = module_entry(absolute)
    if entry is None:
        if absolute in _config_modules() or absolute.rpartition(".")[2].startswith("configuration_"):
            return Decision("transformers", absolute, name, source)
        return Decision("transformers", absolute, name, source, (mapping.NOT_IN_TABLES, UNKNOWN_HINT))
    if name in entry.to_mindone:
        return Decision("mindone", entry.mindone_module, name, source)
    if name in entry.moved:
        module, _, new = entry.moved[name].rpartition(".")
        return Decision("mindone", module, new, source)
    if name in entry.drop:
        return Decision("drop", absolute, name, source)
    if name in entry.keep or absolute == "transformers":
        # the top level is recorded for what modeling files import only: the rest (tokenizers,
        # configurations, ...) stays silently
        return Decision("transformers", absolute, name, source)
    if name in entry.keep_at:
        return Decision("transformers", entry.keep_at[name], name, source)
    if name in entry.needs_torch:
        return Decision("transformers", absolute, name, source, (mapping.NO_COUNTERPART, NEEDS_TORCH_HINT))
    return Decision("transformers", absolute, name, source, (mapping.NOT_IN_TABLES, UNKNOWN_HINT))


def _module_text(node: cst.ImportFrom) -> Tuple[int, str]:
    return len(node.relative), (dotted(node.module) or "") if node.module is not None else ""


# ---- switching HF mode on ------------------------------------------------------------
def _import_froms(body: Iterable[cst.CSTNode]) -> Iterable[cst.ImportFrom]:
    for statement in body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.ImportFrom):
                    yield small
        elif isinstance(statement, (cst.If, cst.Try)):
            yield from _import_froms(statement.body.body)


def wants_hf(module: cst.Module, path: str = "<string>") -> bool:
    """On when the file imports transformers internals that need torch (modeling_utils, ...).

    Relative imports count from two dots up (`...modeling_utils`): a project's own
    `.utils` is never mistaken for transformers'.
    """
    layout = layout_of(path)
    for node in _import_froms(module.body):
        dots, text = _module_text(node)
        if dots == 1:
            continue
        absolute, _ = resolve(dots, text, layout)
        entry = module_entry(absolute) if absolute else None
        if entry is not None and entry.imports_torch:
            return True
    return False


def hf_rules(path: str = "<string>", source: Union[str, bytes, None] = None) -> list:
    """The rules HF mode adds, after all the others (`source`: the file's text, if at hand)."""
    return [HfImports(path, source)]


# ---- the rule --------------------------------------------------------------------------
class HfImports:
    def __init__(self, path: str = "<string>", source: Union[str, bytes, None] = None) -> None:
        self.layout = layout_of(path)
        self.source = source  # the file's text, to read with ast (cheaper than rendering the tree)
        self.decisions: Dict[int, Decision] = {}  # id(ImportAlias) -> what becomes of it
        self.decorator_only: Set[str] = set()  # names the file uses only as decorators
        self.renamed: Dict[int, str] = {}  # id(ImportAlias) -> the local name its uses take now
        self.rope_like: Dict[str, dict] = {}  # `self.rope_init_fn` -> the signature change of what it holds
        self.hf_bases: Dict[str, List[str]] = {}  # class name -> transformers classes it derives from
        self.own_methods: Dict[str, Set[str]] = {}  # class name -> methods it (or a base in the file) defines

    # ---- before the walk: what each import becomes -----------------------------------
    def visit_Module(self, ctx: FileContext, node: cst.Module) -> None:
        try:
            tree = ast.parse(self.source if self.source is not None else node.code)
        except (SyntaxError, ValueError):  # libcst accepted what this Python's ast does not
            tree = None
        if tree is not None:
            self.decorator_only, hf_names = _prescan(tree)
            # names imported inside functions are resolved too (the engine tracks torch's only)
            ctx.interesting.update(hf_names)
        for binding in ctx.import_bindings:
            self._decision(ctx, binding)

    def _decision(self, ctx: FileContext, binding: Binding) -> Decision:
        alias = binding.alias
        key = id(alias)
        found = self.decisions.get(key)
        if found is not None:
            return found
        decision = Decision("leave")
        qualname = binding.qualname or ""
        name = dotted(alias.name) if alias is not None else None
        if name and qualname.endswith(name) and (qualname.startswith(".") or qualname.startswith("transformers")):
            module = qualname[: len(qualname) - len(name)]
            dots = len(module) - len(module.lstrip("."))
            text = module.lstrip(".").rstrip(".")
            if dots or module.endswith("."):
                decision = decide(*resolve(dots, text, self.layout), name)
        if decision.kind == "drop" and binding.name not in self.decorator_only:
            decision = decide_kept(decision)
        self.decisions[key] = decision
        if decision.kind == "mindone" and decision.name != name and alias.asname is None:
            taken = ctx.module_scope.names.get(decision.name)
            if taken is None:
                self.renamed[key] = decision.name
        return decision

    def _binding_decision(self, ctx: FileContext, name: str) -> Tuple[Optional[Binding], Optional[Decision]]:
        binding = ctx.lookup(name)
        if binding is None or binding.alias is None or not isinstance(binding.alias, cst.ImportAlias):
            return binding, None
        return binding, self._decision(ctx, binding)

    # ---- import statements --------------------------------------------------------------
    def leave_SimpleStatementLine(self, ctx: FileContext, original, updated):
        if id(updated) in ctx.doomed or not any(isinstance(s, cst.ImportFrom) for s in updated.body):
            return updated
        body: List[cst.BaseSmallStatement] = []
        touched = False
        for small in updated.body:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                pieces = self._rewrite_import(ctx, small)
                if pieces is not None:
                    touched = True
                    body.extend(pieces)
                    continue
            body.append(small)
        if not touched:
            return updated
        lost = _comments(updated.body, exclude=body)
        if lost:  # comments beside names that went (or lost their brackets) move above the import
            updated = updated.with_changes(leading_lines=[*updated.leading_lines, *lost])
        if not body:
            ctx.doom(updated)  # tidy drops it, keeps its comments, and fills an emptied block
            return updated
        if len(body) == 1:
            return updated.with_changes(body=[body[0].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)])
        lines = [cst.SimpleStatementLine(body=[s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)]) for s in body]
        lines[0] = lines[0].with_changes(leading_lines=updated.leading_lines)
        lines[-1] = lines[-1].with_changes(trailing_whitespace=updated.trailing_whitespace)
        return cst.FlattenSentinel(lines)

    def _rewrite_import(self, ctx: FileContext, node: cst.ImportFrom) -> Optional[List[cst.ImportFrom]]:
        """The statements that replace one from-import (None: not transformers', left alone)."""
        groups: Dict[str, List[cst.ImportAlias]] = {}
        any_change = False
        for alias in node.names:
            binding = self._binding_of(ctx, alias)
            decision = self._decision(ctx, binding) if binding is not None else Decision("leave")
            if decision.kind == "leave":
                groups.setdefault(_spelled(node), []).append(alias)
                continue
            any_change = True
            if decision.kind == "drop":
                continue
            if decision.name != dotted(alias.name):
                new_alias = alias.with_changes(name=cst.Name(decision.name))
                if id(alias) not in self.renamed and alias.asname is None:
                    new_alias = new_alias.with_changes(asname=cst.AsName(name=cst.Name(dotted(alias.name))))
                alias = new_alias
            groups.setdefault(decision.module, []).append(alias)
        if not any_change:
            return None
        last_comma = node.names[-1].comma
        out = []
        for module, aliases in groups.items():
            target = node if module == _spelled(node) else node.with_changes(module=build(module), relative=())
            if len(aliases) == 1 and len(node.names) > 1:
                # one name out of several: `from m import (\n    A,\n)` reads better as `from m import A`
                alias = aliases[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                out.append(target.with_changes(names=[alias], lpar=None, rpar=None))
                continue
            if aliases[-1] is not node.names[-1]:
                aliases = [*aliases[:-1], aliases[-1].with_changes(comma=last_comma)]
            out.append(target.with_changes(names=aliases))
        return out

    @staticmethod
    def _binding_of(ctx: FileContext, alias: cst.ImportAlias) -> Optional[Binding]:
        local = alias.asname.name.value if alias.asname is not None else dotted(alias.name)
        binding = ctx.lookup(local) if local else None
        if binding is not None and binding.alias is alias:
            return binding
        for candidate in reversed(ctx.import_bindings):  # shadowed later in the file
            if candidate.alias is alias:
                return candidate
        return None

    # ---- decorators mindone's ports drop -----------------------------------------------
    def _strip(self, ctx: FileContext, updated):
        def doomed(decorator: cst.Decorator) -> bool:
            expr = decorator_callee(decorator)
            if not isinstance(expr, cst.Name):
                return False
            _binding, decision = self._binding_decision(ctx, expr.value)
            return decision is not None and decision.kind == "drop"

        return without_decorators(ctx, updated, doomed)

    def leave_FunctionDef(self, ctx: FileContext, original, updated):
        return self._strip(ctx, updated)

    # ---- classes: which transformers bases, which methods of their own -------------------
    def visit_ClassDef(self, ctx: FileContext, node: cst.ClassDef) -> None:
        name = node.name.value
        bases: List[str] = []
        own: Set[str] = {
            s.name.value for s in node.body.body if isinstance(s, cst.FunctionDef)
        } if isinstance(node.body, cst.IndentedBlock) else set()
        for arg in node.bases:
            path = dotted(arg.value)
            if arg.keyword is not None or path is None:
                continue
            if path in self.hf_bases:  # a class of this file
                bases.extend(self.hf_bases[path])
                own |= self.own_methods.get(path, set())
                continue
            _binding, decision = self._binding_decision(ctx, path)
            if decision is not None and decision.kind == "mindone" and "." not in path:
                bases.append(decision.source)
        self.hf_bases[name] = bases
        self.own_methods[name] = own

    def leave_ClassDef(self, ctx: FileContext, original, updated):
        return self._strip(ctx, updated)

    # ---- names: renamed by mindone, or needing torch -------------------------------------
    def leave_Name(self, ctx: FileContext, original: cst.Name, updated: cst.Name):
        if original.value not in ctx.interesting or id(original) in ctx.not_loads:
            return updated
        binding, decision = self._binding_decision(ctx, original.value)
        if decision is None or decision.kind == "leave":
            return updated
        if decision.flag is not None:
            reason, hint = decision.flag
            ctx.flag(updated, decision.source, reason, hint)
            return updated
        new = self.renamed.get(id(binding.alias))
        if new is None or new == updated.value:
            return updated
        renamed = updated.with_changes(value=new)
        ctx.discard(updated)
        ctx.count_use(renamed, binding)
        return renamed

    # ---- calls: mindone's signatures ---------------------------------------------------------
    def leave_Assign(self, ctx: FileContext, original: cst.Assign, updated: cst.Assign):
        # `self.rope_init_fn = ROPE_INIT_FUNCTIONS[self.rope_type]`: calls through it change too
        value = original.value
        if isinstance(value, cst.Subscript) and isinstance(value.value, cst.Name):
            change = self._change_of_name(ctx, value.value.value, values=True)
            if change is not None:
                for target in original.targets:
                    path = dotted(target.target)
                    if path is not None:
                        self.rope_like[path] = change
        return updated

    def _change_of_name(self, ctx: FileContext, name: str, values: bool = False) -> Optional[dict]:
        _binding, decision = self._binding_decision(ctx, name)
        if decision is None or decision.kind != "mindone":
            return None
        change = hf_map()["signatures"].get(decision.source)
        if change is None or bool(change.get("values")) != values:
            return None
        return change

    def _change_of_call(self, ctx: FileContext, func: cst.BaseExpression) -> Optional[dict]:
        if isinstance(func, cst.Name):
            return self._change_of_name(ctx, func.value)
        if isinstance(func, cst.Subscript) and isinstance(func.value, cst.Name):
            return self._change_of_name(ctx, func.value.value, values=True)
        path = dotted(func)
        if path is not None and path in self.rope_like:
            return self.rope_like[path]
        if isinstance(func, cst.Attribute) and _is_self_or_super(func.value):
            return self._method_change(ctx, func.attr.value)
        return None

    def _method_change(self, ctx: FileContext, method: str) -> Optional[dict]:
        cls = ctx.current_class
        if cls is None or method in self.own_methods.get(cls.name, ()):
            return None
        for base in self.hf_bases.get(cls.name, ()):
            change = hf_map()["methods"].get(base, {}).get(method)
            if change is not None:
                return change
        return None

    def leave_Call(self, ctx: FileContext, original: cst.Call, updated: cst.Call):
        change = self._change_of_call(ctx, original.func)
        if change is None:
            return updated
        if change.get("needs"):  # mindone's takes something else: no dropping fixes the call
            what = dotted(original.func) or "this call"
            ctx.flag(updated, what, mapping.MANUAL, f"mindone's signature differs: it needs {', '.join(change['needs'])}")
            return updated
        drop, at, rename = set(change["drop"]), set(change["at"]), change.get("rename", {})
        positions: Dict[int, int] = {}  # index among the args -> index among the positional ones
        for i, arg in enumerate(updated.args):
            if arg.star == "*":
                positions = {}
                if at:  # where the positional arguments land is unknown
                    return self._unsure(ctx, original, updated, drop)
                break
            if arg.keyword is None and not arg.star:
                positions[i] = len(positions)
        hits = [p for p in positions.values() if p in at]
        if at and not change["positional"] and any(p >= min(at) for p in positions.values()):
            return self._unsure(ctx, original, updated, drop)
        if not hits and not any(a.keyword is not None and a.keyword.value in drop for a in updated.args):
            new = updated
        else:
            new = drop_args(
                ctx, updated,
                lambda i, a: positions.get(i) in at if a.keyword is None else a.keyword.value in drop,
            )
        if rename and any(a.keyword is not None and a.keyword.value in rename for a in new.args):
            new = new.with_changes(args=[
                a.with_changes(keyword=cst.Name(rename[a.keyword.value]))
                if a.keyword is not None and a.keyword.value in rename else a
                for a in new.args
            ])
        return new

    @staticmethod
    def _unsure(ctx: FileContext, original: cst.Call, updated: cst.Call, drop: Set[str]) -> cst.Call:
        what = dotted(original.func) or "this call"
        ctx.flag(updated, what, mapping.MANUAL, f"mindone's signature has no {', '.join(sorted(drop))}")
        return updated


def decide_kept(decision: Decision) -> Decision:
    """A droppable decorator the file also uses otherwise: it stays, from transformers."""
    entry = module_entry(decision.module or "")
    usable = entry is not None and decision.name in entry.keep
    flag = None if usable else (mapping.NO_COUNTERPART, NEEDS_TORCH_HINT)
    return Decision("transformers", decision.module, decision.name, decision.source, flag)


def _comments(old: Iterable[cst.CSTNode], exclude: Iterable[cst.CSTNode]) -> List[cst.EmptyLine]:
    """Comment lines for the comments inside `old` that `exclude` no longer holds."""
    def found(nodes):
        out: List[str] = []
        stack = list(nodes)
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Comment):
                out.append(node.value)
            else:
                stack.extend(node.children)
        return out

    kept = found(exclude)
    lost = []
    for text in reversed(found(old)):  # the walk pops in reverse: restore source order
        if text in kept:
            kept.remove(text)
        else:
            lost.append(cst.EmptyLine(comment=cst.Comment(text)))
    return lost


def _is_self_or_super(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        return node.value == "self"
    return isinstance(node, cst.Call) and dotted(node.func) == "super"


def _spelled(node: cst.ImportFrom) -> str:
    """The module as written (relative dots included): the key for names left where they are."""
    dots, text = _module_text(node)
    return "." * dots + text


def _prescan(tree: ast.AST) -> Tuple[Set[str], Set[str]]:
    """(names used only as decorators, or imported and never used; names transformers imports bind)."""
    decorating: Set[int] = set()
    names: List[ast.Name] = []
    imported: Set[str] = set()
    hf_names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Name):
                    decorating.add(id(target))
        elif isinstance(node, ast.ImportFrom):
            local = {alias.asname or alias.name for alias in node.names}
            imported |= local
            if node.level or (node.module or "").startswith("transformers"):
                hf_names |= local
    used = {n.id for n in names if id(n) in decorating}
    other = {n.id for n in names if id(n) not in decorating}
    return (used | imported) - other, hf_names


# ---- docstrings and comments -------------------------------------------------------------
_TENSOR_TYPE = re.compile(r"\btorch\.(?:cuda\.)?(?:[A-Z][a-z]*)?Tensor\b")
_TORCH_NAME = re.compile(r"\btorch\.([a-z][a-z0-9_]*)\b")


@lru_cache(maxsize=None)
def _dtype_target(name: str) -> Optional[str]:
    """`long` -> "mindspore.int64": torch dtypes (kind "other") whose MindSpore target is one too."""
    qualname = f"torch.{name}"
    if inventory.torch_kind(qualname) != "other":
        return None
    target = mapping.lookup(qualname)
    if target is None or not target.path.startswith("mindspore.") or inventory.ms_kind(target.path) != "other":
        return None
    return target.path


def retext(text: str) -> str:
    """torch tensor types and dtypes named in a docstring or comment, in MindSpore's words."""
    text = _TENSOR_TYPE.sub("mindspore.Tensor", text)
    return _TORCH_NAME.sub(lambda m: _dtype_target(m.group(1)) or m.group(0), text)


_STATEMENT_START = {tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING}


def retext_code(code: str) -> str:
    """Docstrings (string statements) and comments of finished code, retexted; the rest untouched.

    Works on tokens, after the tree is rendered, so no node the other passes track changes.
    Our own `# torch2ms:` notes are left as they are.
    """
    if "torch" not in code:
        return code
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return code
    lines = io.StringIO(code).readlines()  # the lines tokenize sees ("\n" ends one)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits: List[Tuple[int, int, str]] = []
    previous = tokenize.NEWLINE
    for index, token in enumerate(tokens):
        new = None
        if token.type == tokenize.COMMENT and "torch" in token.string:
            head, mark, tail = token.string.partition(MARK)
            new = retext(head) + mark + tail
        elif token.type == tokenize.STRING and "torch" in token.string and previous in _STATEMENT_START:
            following = tokens[index + 1].type if index + 1 < len(tokens) else tokenize.ENDMARKER
            if following in (tokenize.NEWLINE, tokenize.ENDMARKER, tokenize.COMMENT):
                new = retext(token.string)
        if new is not None and new != token.string:
            start = starts[token.start[0] - 1] + token.start[1]
            end = starts[token.end[0] - 1] + token.end[1]
            edits.append((start, end, new))
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            previous = token.type
    for start, end, new in reversed(edits):
        code = code[:start] + new + code[end:]
    return code

