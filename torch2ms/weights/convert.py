"""Build the converted model, match the checkpoint to it, write the safetensors file, say how it went."""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from typing import List, Optional

from torch2ms.run.fileio import TEMP_MARK
from torch2ms.weights.checkpoint import WeightsError, read_checkpoint

LISTED = 20  # names shown per list in the text


@dataclass
class WeightsResult:
    checkpoint: str
    output: str
    model: str
    files: List[str] = field(default_factory=list)
    written: int = 0
    renamed: List[List[str]] = field(default_factory=list)
    reshaped: List[str] = field(default_factory=list)
    cast: List[str] = field(default_factory=list)
    dropped: List[str] = field(default_factory=list)
    unmatched: List[str] = field(default_factory=list)
    unfilled: List[str] = field(default_factory=list)
    mismatched: List[str] = field(default_factory=list)
    buffers: List[str] = field(default_factory=list)
    prefix: Optional[str] = None
    notes: List[str] = field(default_factory=list)
    seconds: float = 0.0

    def ok(self, allow_unused: bool = False) -> bool:
        return not (self.unfilled or self.mismatched or self.buffers or (self.unmatched and not allow_unused))

    def text(self) -> str:
        lines = [f"torch2ms weights: {self.written} tensors written to {self.output} for {self.model} "
                 f"({len(self.files)} checkpoint file{'s' if len(self.files) != 1 else ''}, {self.seconds:.1f} s)"]
        if self.prefix:
            lines.append(f"names: {self.prefix}")
        sections = (
            ("renamed for legacy mindspore.nn layers", [f"{a} -> {b}" for a, b in self.renamed]),
            ("reshaped (extra unit axis)", self.reshaped),
            ("cast to the model's dtype", self.cast),
            ("dropped (torch-only bookkeeping)", self.dropped),
            ("PARAMETERS THAT GOT NOTHING (they keep their initial values)", self.unfilled),
            ("MISMATCHED (not written)", self.mismatched),
            ("BUFFERS WHOSE VALUE DIFFERS (load_param_into_net does not load buffers: set them after loading)",
             self.buffers),
            ("checkpoint tensors that matched nothing", self.unmatched),
        )
        for title, items in sections:
            if items:
                lines.append(f"{title}: {len(items)}")
                lines += [f"  {item}" for item in items[:LISTED]]
                if len(items) > LISTED:
                    lines.append(f"  ... and {len(items) - LISTED} more (see --json)")
        lines += [f"note: {note}" for note in self.notes]
        lines.append(f'load with: mindspore.load_param_into_net(net, mindspore.load_checkpoint("{self.output}", '
                     f'format="safetensors"))')
        return "\n".join(lines)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def _config_near(checkpoint: str) -> Optional[str]:
    folder = checkpoint if os.path.isdir(checkpoint) else os.path.dirname(os.path.abspath(checkpoint))
    path = os.path.join(folder, "config.json")
    return folder if os.path.isfile(path) else None


def _substitute(value, config):
    if value == "@config":
        return config
    if isinstance(value, list):
        return [_substitute(v, config) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, config) for k, v in value.items()}
    return value


def build_model(spec_text: str, args_json: Optional[str], checkpoint: str, notes: List[str]):
    """The MindSpore model of `--model FILE.py:Class --args JSON`. A transformers-style class
    (with a config_class) and no --args is built from the checkpoint folder's config.json."""
    from torch2ms.verify import VerifyError
    from torch2ms.verify.building import build, parse_args_json
    from torch2ms.verify.compare import FallbackScope
    from torch2ms.verify.errors import first_line, raised_at
    from torch2ms.verify.hf import build_ms
    from torch2ms.verify.loading import get_attr, load_module, parse_spec

    try:
        spec = parse_spec(spec_text)
        module = load_module(spec, "ms")
        factory = get_attr(module, spec.name, spec.target)
        args, kwargs = parse_args_json(args_json)
        wants_config = args_json is None or "@config" in json.dumps(json.loads(args_json))
        config = None
        if wants_config and hasattr(factory, "config_class"):
            folder = _config_near(checkpoint)
            if folder is None and args_json is not None:
                raise WeightsError(f"--args names @config, but there is no config.json beside {checkpoint}",
                                   usage=True)
            if folder is not None:
                config = factory.config_class.from_pretrained(folder)
                notes.append(f"built from {os.path.join(folder, 'config.json')} ({type(config).__name__})")
        # Building runs the model's constructor, whose tensor ops may lack CPU kernels in
        # MindSpore: the CPU stand-ins go in where they do (as verify does), and out after.
        with FallbackScope("auto"):
            if config is not None and args_json is None:
                net, note = build_ms(factory, config)
                if note:
                    notes.append(note)
                return net
            return build(module, spec.name, _substitute(args, config), _substitute(kwargs, config), spec.target)
    except VerifyError as exc:
        raise WeightsError(str(exc), usage=exc.usage) from None
    except WeightsError:
        raise
    except Exception as exc:  # noqa: BLE001  (the model's own code or config raised)
        raise WeightsError(f"building {spec_text} failed: {first_line(exc)}{raised_at(exc, module)}") from None


def _write(tensors, output: str) -> None:
    """Through a temp file in the same folder, renamed when whole (MindSpore writes the file itself)."""
    import mindspore as ms

    folder, name = os.path.split(os.path.abspath(output))
    temp = os.path.join(folder, f".{name[:-len('.safetensors')]}{TEMP_MARK}{os.getpid()}.safetensors")
    try:
        ms.save_checkpoint([{"name": key, "data": value} for key, value in tensors.items()], temp,
                           format="safetensors")
        os.replace(temp, output)
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def convert_checkpoint(checkpoint: str, output: str, model: str, args_json: Optional[str] = None,
                       cast: bool = False) -> WeightsResult:
    from torch2ms.weights.matching import match

    start = time.perf_counter()
    if not output.endswith(".safetensors"):
        raise WeightsError(f"{output}: the output is a .safetensors file", usage=True)
    if not os.path.isdir(os.path.dirname(os.path.abspath(output))):
        raise WeightsError(f"{output}: no such folder", usage=True)
    result = WeightsResult(checkpoint, output, model)
    tensors, result.files = read_checkpoint(checkpoint)
    net = build_model(model, args_json, checkpoint, result.notes)
    plan = match(tensors, net, cast)
    if not plan.tensors:
        raise WeightsError(f"no tensor of {checkpoint} matches a parameter of {model}: is it the right model?")
    _write(plan.tensors, output)
    result.written = len(plan.tensors)
    result.renamed = [list(pair) for pair in plan.renamed]
    for name in ("reshaped", "cast", "dropped", "unmatched", "unfilled", "mismatched", "buffers", "prefix"):
        setattr(result, name, getattr(plan, name))
    result.seconds = time.perf_counter() - start
    return result
