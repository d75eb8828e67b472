"""The diffusers profile: diffusers modeling files become mindone.diffusers ones.

Where relative imports point (model code stays relative, infrastructure goes to mindone), when
the profile turns itself on, the map made from the installed packages, the answers diffusers'
constants have without torch, and real diffusers files converted: no torch import left but for
flagged lines, no relative import but model code, every mindone name they import exists
(checked in a child interpreter), converting again changes nothing. The attention override
(data/compat_overrides.json) is proven by execution against torch.
"""
from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap

import libcst as cst
import numpy as np
import pytest

from torch2ms.convert.pipeline import convert_source
from torch2ms.profiles._common.library import Layout
from torch2ms.profiles.diffusers import data, decisions
from torch2ms.profiles.diffusers.layout import layout_of, resolve

INSIDE = "site-packages/diffusers/models/transformers/transformer_foo.py"


@pytest.mark.parametrize("path, dots, module, expected", [
    (INSIDE, 2, "embeddings", ("diffusers.models.embeddings", False)),
    (INSIDE, 3, "configuration_utils", ("diffusers.configuration_utils", False)),
    (INSIDE, 3, "utils.torch_utils", ("diffusers.utils.torch_utils", False)),
    (INSIDE, 1, "transformer_flux", ("diffusers.models.transformers.transformer_flux", True)),
    (INSIDE, 2, "unets.unet_2d_blocks", ("diffusers.models.unets.unet_2d_blocks", True)),
    ("site-packages/diffusers/models/adapter.py", 1, "modeling_utils", ("diffusers.models.modeling_utils", False)),
    ("project/models/my_transformer.py", 2, "attention_processor", ("diffusers.models.attention_processor", False)),
    ("project/models/my_transformer.py", 1, "vae", (None, True)),  # a sibling, converted alongside
    ("project/models/my_transformer.py", 2, "condition_embedders.text", ("diffusers.models.condition_embedders.text",
                                                                         True)),  # a folder newer diffusers adds
    (INSIDE, 0, "diffusers.models.normalization", ("diffusers.models.normalization", False)),
    (INSIDE, 0, "numpy", (None, False)),
])
def test_relative_imports_resolve_as_inside_diffusers(path, dots, module, expected):
    assert resolve(dots, module, layout_of(path)) == expected


def test_layout_is_exact_inside_an_installed_diffusers_only():
    assert layout_of(INSIDE) == Layout(("diffusers", "models", "transformers"), None)
    assert layout_of("project/models/x.py") == Layout(None, "models")


@pytest.mark.parametrize("imports, path, expected", [
    ("from ..modeling_utils import ModelMixin", INSIDE, True),
    ("from ..modeling_outputs import Transformer2DModelOutput", INSIDE, True),  # torch-free infrastructure counts
    ("from diffusers.models.embeddings import Timesteps", "project/model.py", True),
    ("from .utils import helper", "project/model.py", False),  # a project's own module
    ("from ...utils import logging\nfrom ...modeling_utils import PreTrainedModel",
     "site-packages/transformers/models/bert/modeling_bert.py", False),  # transformers' own
    ("from ..modeling_utils import ModelMixin", "project/models/model.py", False),  # ambiguous: --profile says
    ("from transformers.modeling_utils import PreTrainedModel", "project/model.py", False),
])
def test_the_profile_turns_itself_on_for_files_importing_diffusers_infrastructure(imports, path, expected):
    assert decisions.imports_internals(cst.parse_module(f"import torch\n{imports}\n"), path) is expected


def convert(src: str, path: str = INSIDE) -> str:
    return convert_source(textwrap.dedent(src), path).code


def test_constants_without_torch_are_answered_and_their_branches_fold():
    out = convert("""\
        import torch
        from ...utils import USE_PEFT_BACKEND, scale_lora_layers
        from ...utils.import_utils import is_torch_npu_available


        def scale(model, x):
            if USE_PEFT_BACKEND:
                scale_lora_layers(model, 2.0)
            if is_torch_npu_available():
                return torch.zeros(1)
            return torch.ones(1) * x
        """)
    assert "USE_PEFT_BACKEND" not in out and "is_torch_npu_available" not in out
    assert "def scale(model, x):\n    return mint.ones(1) * x\n" in out


def test_an_answered_function_used_otherwise_keeps_its_import():
    out = convert("""\
        import torch
        from ...utils.import_utils import is_torch_npu_available

        CHECKS = [is_torch_npu_available]
        x = torch.ones(1)
        """)
    assert "from diffusers.utils.import_utils import is_torch_npu_available" in out



def test_a_feature_check_for_an_api_mindone_supplies_is_true_in_diffusers_mode_only():
    """`hasattr(F, "scaled_dot_product_attention")`: mindone's layers_compat supplies it in diffusers
    mode (ctx.supplied), so the "requires PyTorch 2.0" guard folds away; elsewhere the converted
    code has no counterpart and the check is False (rules/feature_checks.py)."""
    source = """\
        import torch.nn.functional as F

        from ..modeling_utils import ModelMixin


        class Processor:
            def __init__(self):
                if not hasattr(F, "scaled_dot_product_attention"):
                    raise ImportError("Processor requires PyTorch 2.0")
                self.fused = hasattr(F, "scaled_dot_product_attention")

            def __call__(self, q, k, v):
                return F.scaled_dot_product_attention(q, k, v)
        """
    out = convert(source)
    assert "raise ImportError" not in out and "self.fused = True" in out, out
    plain = convert_source(textwrap.dedent(source), "project/processor.py", profile=None).code
    assert "self.fused = False" in plain, plain

# ---- the data ------------------------------------------------------------------------------------------
def test_the_map_was_made_from_the_installed_diffusers_and_mindone():
    diffusers = pytest.importorskip("diffusers")
    found = data.MAP.data
    assert found["diffusers_version"] == diffusers.__version__
    modeling = data.MAP.module_entry("diffusers.models.modeling_utils")
    assert "ModelMixin" in modeling.to_mindone and modeling.mindone_module == "mindone.diffusers.models.modeling_utils"
    assert "apply_forward_hook" in data.MAP.module_entry("diffusers.utils.accelerate_utils").drop
    assert data.answers()["diffusers.utils.USE_PEFT_BACKEND"] == {"value": False}
    assert data.compat()["torch.nn.RMSNorm"] == "mindone.diffusers.models.layers_compat.RMSNorm"
    # mindone renamed AutoencoderKLOutput's field (latent_dist -> latent): diffusers' own class stays
    assert "AutoencoderKLOutput" in data.MAP.module_entry("diffusers.models.modeling_outputs").keep
    assert "diffusers.models.modeling_utils.ModelMixin" in data.module_bases()


def test_mindones_float32_faithful_attention_computes_torchs():
    """data/compat_overrides.json: layers_compat.math_attention_op is torch's scaled_dot_product_attention."""
    torch = pytest.importorskip("torch")
    ms = pytest.importorskip("mindspore")
    pytest.importorskip("mindone")
    from support import ms_cpu_fallback

    from mindone.diffusers.models.layers_compat import math_attention_op

    rng = np.random.default_rng(3)
    q, k, v = (rng.standard_normal((2, 4, 6, 8)).astype(np.float32) for _ in range(3))
    keep = rng.random((2, 1, 6, 6)) > 0.3
    keep[..., 0] = True
    bias = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    ms_cpu_fallback.install()
    try:
        for kwargs in ({}, {"is_causal": True}, {"scale": 0.3}, {"attn_mask": keep}, {"attn_mask": bias}):
            with torch.no_grad():
                expected = torch.nn.functional.scaled_dot_product_attention(
                    *(torch.from_numpy(a) for a in (q, k, v)),
                    **{n: torch.from_numpy(a) if isinstance(a, np.ndarray) else a for n, a in kwargs.items()})
            got = math_attention_op(*(ms.Tensor(a) for a in (q, k, v)),
                                    **{n: ms.Tensor(a) if isinstance(a, np.ndarray) else a for n, a in kwargs.items()})
            np.testing.assert_allclose(got.asnumpy(), expected.numpy(), atol=1e-5, rtol=1e-4, err_msg=str(kwargs))
    finally:
        ms_cpu_fallback.uninstall()


# ---- the real thing: diffusers' own files ---------------------------------------------------------------
REAL = ("models/autoencoders/autoencoder_kl.py", "models/unets/unet_2d_blocks.py",
        "models/transformers/transformer_flux.py", "models/controlnets/controlnet.py")

CHECK_NAMES = r"""
import importlib, json, sys
missing = []
for module, names in json.loads(sys.stdin.read()).items():
    mod = importlib.import_module(module)
    missing += [f"{module}.{n}" for n in names if not hasattr(mod, n)]
print(json.dumps(missing))
"""


@pytest.fixture(scope="module")
def converted():
    diffusers = pytest.importorskip("diffusers")
    root = __import__("pathlib").Path(diffusers.__file__).parent
    out = {}
    for rel in REAL:
        path = root / rel
        source = path.read_text(encoding="utf-8")
        out[rel] = (source, convert_source(source, str(path)))
    return out


@pytest.mark.parametrize("rel", REAL)
def test_real_files_reach_mindone_and_keep_only_flagged_torch(converted, rel):
    source, result = converted[rel]
    tree = ast.parse(result.code)
    flagged = {f.line for f in result.flags}
    layout = layout_of(f"diffusers/{rel}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:  # model code only: converted alongside
            assert resolve(node.level, node.module or "", layout)[1], ast.unparse(node)
        if isinstance(node, ast.ImportFrom):
            assert (node.module or "").split(".")[0] != "torch", ast.unparse(node)
    torch_lines = {n.lineno for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "torch"}
    assert torch_lines <= flagged, f"unflagged torch on lines {sorted(torch_lines - flagged)}"
    assert "mindone.diffusers.models.modeling_utils" in result.code or "modeling_utils" not in source
    assert convert_source(result.code, rel).code == result.code


def test_every_mindone_name_the_real_files_import_exists(converted):
    pytest.importorskip("mindone")
    wanted = {}
    for _source, result in converted.values():
        for node in ast.walk(ast.parse(result.code)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mindone."):
                wanted.setdefault(node.module, []).extend(a.name for a in node.names)
    done = subprocess.run([sys.executable, "-c", CHECK_NAMES], input=json.dumps(wanted), capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_real_files_drop_what_mindones_ports_drop(converted):
    _source, vae = converted["models/autoencoders/autoencoder_kl.py"]
    assert "@apply_forward_hook" not in vae.code and "accelerate_utils" not in vae.code
    _source, flux = converted["models/transformers/transformer_flux.py"]
    assert "@maybe_allow_in_graph" not in flux.code and "USE_PEFT_BACKEND" not in flux.code
    assert "torch.is_grad_enabled" not in flux.code  # the checkpointing branches folded away
    assert "def construct(" in flux.code and "RMSNorm(" in flux.code
