"""A verify run's findings: the Report, as text for people and as JSON."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

ATOL, RTOL = 1e-4, 1e-3


@dataclass
class Report:
    torch: str
    mindspore: str
    verdict: str = "error"  # match | mismatch | error
    max_diff: Optional[float] = None
    atol: float = ATOL
    rtol: float = RTOL
    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    inputs: List[str] = field(default_factory=list)
    weights: Dict[str, Any] = field(default_factory=dict)
    fallbacks_installed: List[str] = field(default_factory=list)
    fallbacks_used: Dict[str, int] = field(default_factory=dict)
    first_divergence: Optional[str] = None
    layers: Dict[str, Any] = field(default_factory=dict)
    config: Dict[str, Any] = field(default_factory=dict)
    traceback: Optional[str] = None  # where the MindSpore model raised, in full (--traceback)
    failing_line: Optional[Dict[str, Any]] = None  # errors.failing_line(): where the converted code failed
    seconds: float = 0.0
    compared: str = "outputs"  # what the verdict is about: "outputs", or "loss curves" (verify --train)

    @property
    def ok(self) -> bool:
        return self.verdict == "match"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, default=str)

    def text(self) -> str:
        lines = [f"torch:     {self.torch}", f"mindspore: {self.mindspore}"]
        if self.config:
            lines.append(f"config:    {json.dumps(self.config, sort_keys=True)}")
        if self.inputs:
            lines.append(f"inputs:    {'; '.join(self.inputs)}")
        if self.weights:
            w = self.weights
            lines.append(f"weights:   {w.get('copied', 0)} copied by name")
            for side in ("unmatched_torch", "unmatched_mindspore"):
                names = w.get(side) or []
                if names:
                    shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
                    lines.append(f"  {side.replace('_', ' ')} (kept their own values): {shown}")
        used = ", ".join(f"{k} x{v}" for k, v in self.fallbacks_used.items()) or "none"
        lines.append(f"fallback:  {len(self.fallbacks_installed)} CPU stand-ins installed; used: {used}")
        lines += [f"note:      {n}" for n in self.notes]
        lines += [f"problem:   {p}" for p in self.problems[:20]]
        if self.first_divergence:
            lines.append(f"first diverging submodule: {self.first_divergence}")
        if self.failing_line:
            where = self.failing_line
            said = "carries a `# torch2ms:` note" if where["noted"] else "carries no `# torch2ms:` note"
            lines.append(f"failing converted line: {where['file']}:{where['line']} `{where['code']}` ({said})")
        for key, label in (("torch_only", "torch submodules without a same-named cell"),
                           ("not_called", "cells whose call torch finished but MindSpore did not")):
            names = self.layers.get(key) or []
            if names:
                lines.append(f"  {label}: {', '.join(names[:10])}{' ...' if len(names) > 10 else ''}")
        diff = "n/a" if self.max_diff is None else f"{self.max_diff:.3g}"
        verdict = {"match": f"PASS: {self.compared} match", "mismatch": f"FAIL: {self.compared} differ",
                   "error": "ERROR: could not compare"}[self.verdict]
        lines.append(f"{verdict} (max |diff| {diff}; atol {self.atol:g}, rtol {self.rtol:g}; {self.seconds:.1f} s)")
        return "\n".join(lines)
