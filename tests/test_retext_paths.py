"""Library profiles retext comments and docstrings as the code is generated
(Profile.codegen_retext, applied by annotate.render); retext_code, which tokenizes the
finished code, is the reference: both must give the same bytes and flags, including where
they could part (f-strings, concatenated or bracketed strings, semicolons, old notes,
continuations, carriage returns, syntax this Python's ast does not read).
"""
from __future__ import annotations

import pytest

from torch2ms import profiles
from torch2ms.convert.pipeline import convert_source

T = "torch.FloatTensor of torch.long"
CASES = [
    f'"""{T}"""\nimport torch\nx = torch.finfo(1)  # {T}\n',
    f'import torch\n"{T}"\nf"{T}"\nx = 1\nf"{{x}} {T}"  # {T}\n',
    f'import torch\n"{T}" "more"\n("{T}")\n"{T}";\n"{T}"; x = 1\nx = 1; "{T}"\nif True: "{T}"\n',
    f'import torch\nclass A:\n    "{T}"  # {T}\n    def g(self):\n        """{T}\n        {T}\n        """\n'
    f'        return torch.finfo(x)  # {T}\n',
    f'import torch\ny = torch.finfo(x)  # of a {T}  # torch2ms: old note torch.long\n',
    f'import torch\ny = foo(\n    torch.finfo(x),  # {T}\n    # {T}\n    2,\n)\nx = 1 + \\\n    2  # {T}\n',
    f'import torch\n"{T}" \\\n\n',
    f'import torch\nx = torch.finfo(1)  # {T}',  # no newline at the end
    f'import torch\nif x:\n\t"{T}"\n\ty = torch.long  # {T}\n',
    f'import torch\nx = "{T}".join(y)\nr"{T}"\nb"{T}"\n\'\'\'{T}\'\'\'\n"{T}" if x else "{T}"\n',
    f'import torch\nf"{{torch.long}} {T}"\nf"{{torch.finfo(1)}} {T}"\nx = 1 # torch2ms: a # torch2ms: b torch.long\n',
    f'import torch\nfrom ...modeling_utils import PreTrainedModel\nclass M(PreTrainedModel):\n    """{T}"""\n'
    f'    def forward(self, x):  # {T}\n        """{T}"""\n        return torch.matmul(x, x)  # {T}\n',
    f'import torch\nx = 1\r\n"{T}"\r\n# {T}\r\n',  # carriage returns: retext_code itself runs
    f'import torch\ndef f[T](x): "{T}"\n',  # newer syntax than this Python's ast: retext_code runs
]


PATHS = {"transformers": "transformers/models/foo/modeling_foo.py",
         "diffusers": "diffusers/models/transformers/foo_transformer.py"}


def _both(src: str, profile: str, monkeypatch):
    path = PATHS[profile]
    on_tree = convert_source(src, path, profile=profile)
    with monkeypatch.context() as patch:
        patch.setattr(type(profiles.get(profile)), "codegen_retext", lambda self, rules: None)
        after = convert_source(src, path, profile=profile)
    return on_tree, after


@pytest.mark.parametrize("profile", sorted(PATHS))
@pytest.mark.parametrize("src", CASES)
def test_retext_while_generating_is_retext_code(src, profile, monkeypatch):
    on_tree, after = _both(src, profile, monkeypatch)
    assert on_tree.code == after.code
    assert on_tree.flags == after.flags


@pytest.mark.parametrize("profile", sorted(PATHS))
def test_retext_while_generating_retexts(profile, monkeypatch):
    # the text pass switched off: what is retexted was retexted by the codegen
    monkeypatch.setattr(type(profiles.get(profile)), "finish", lambda self, code: code)
    on_tree = convert_source(CASES[0], PATHS[profile], profile=profile)
    assert on_tree.code.startswith('"""mindspore.Tensor of mindspore.int64"""')
    assert on_tree.code.rstrip().endswith("# mindspore.Tensor of mindspore.int64")  # the comment too


def test_codegen_path_is_taken_where_it_can_be():
    rules = profiles.get("transformers").rules(PATHS["transformers"], CASES[0])
    assert profiles.get("transformers").codegen_retext(rules) is not None
    rules[0].decisions.source = CASES[-2]  # a carriage return: the text pass instead
    assert profiles.get("transformers").codegen_retext(rules) is None
