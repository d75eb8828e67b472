"""The Tensor-method rules (rules/method_forms.py, in_place.py, pair_results.py) and the
Tensor-table argument rules, input and expected output side by side. The meaning of each
rewrite is proven by running both frameworks in tests/api/cases_tensor_api.py."""
import pytest

from conftest import check, convert
from torch2ms.rules import REGISTRY


def test_the_rules_run_after_the_rules_that_see_the_method_call_first():
    # DeviceCode drops device= from x.new_full(...), InitCalls takes p.data.normal_(),
    # CallArgs applies the argument rules keyed by the torch method: all before the call is rewritten.
    order = [rule.__name__ for rule in REGISTRY]
    for later in ("MethodForms", "InPlaceMethods", "PairResults"):
        for earlier in ("DeviceCode", "InitCalls", "CallArgs", "TensorMethods"):
            assert order.index(earlier) < order.index(later), (earlier, later)


# ---- detach ---------------------------------------------------------------------------
def test_detach_becomes_stop_gradient_without_a_note():
    check(
        """\
        import torch
        y = x.detach()
        z = (a + b).detach().sum()
        """,
        """\
        from mindspore import ops
        y = ops.stop_gradient(x)
        z = ops.stop_gradient(a + b).sum()
        """,
    )


def test_detach_of_self_or_a_module_is_left_alone():
    src = "import torch\nclass A:\n    def f(self):\n        return self.detach()\ny = torch.ones(1)\n"
    assert "return self.detach()" in convert(src)


# ---- in-place methods ------------------------------------------------------------------
def test_in_place_arithmetic_writes_back_through_copy_():
    check(
        """\
        import torch
        x.add_(y)
        x.sub_(y, alpha=2)
        self.buf.mul_(0.5)
        r = p.data.div_(2, rounding_mode="floor")
        """,
        """\
        x.copy_(x.add(y))
        x.copy_(x.sub(y, alpha=2))
        self.buf.copy_(self.buf.mul(0.5))
        r = p.data.copy_(p.data.div(2, rounding_mode="floor"))
        """,
    )


def test_in_place_methods_without_a_cpu_kernel_are_written_out_of_place():
    check(
        """\
        import torch
        x.masked_fill_(m, 0.0)
        x.clamp_(min=0)
        x.sigmoid_()
        x.tanh_()
        x.scatter_(1, idx, src)
        """,
        """\
        x.copy_(x.masked_fill(m, 0.0))
        x.copy_(x.clamp(min=0))
        x.copy_(x.sigmoid())
        x.copy_(x.tanh())
        x.copy_(x.scatter(1, idx, src))
        """,
    )


def test_fillers_compute_the_new_content_with_ops():
    check(
        """\
        import torch
        x.zero_()
        x.fill_(2.5)
        x.normal_()
        x.normal_(0, std=0.02)
        x.uniform_()
        x.uniform_(-0.1, 0.1)
        x.uniform_(a, b + 1)
        x.bernoulli_(0.3)
        """,
        """\
        from mindspore import ops
        x.copy_(ops.zeros_like(x))
        x.copy_(ops.full_like(x, 2.5))
        x.copy_(ops.normal(x.shape, 0.0, 1.0))
        x.copy_(ops.normal(x.shape, 0, 0.02))
        x.copy_(ops.rand_like(x))
        x.copy_(ops.rand_like(x) * (0.1 - (-0.1)) + (-0.1))
        x.copy_(ops.rand_like(x) * (b + 1 - a) + a)
        x.copy_(ops.bernoulli(x, 0.3))
        """,
    )


def test_in_place_on_a_call_result_is_flagged_and_on_a_slice_assigned():
    # A statement changing part of a tensor becomes a slice assignment (run in test_extra_mappings).
    out = convert("import torch\nx[0].add_(1)\nf(x).mul_(2)\nx[0].zero_()\nx.normal_(generator=g)\n"
                  "y = x[0].zero_()\nx[0][f(i)].zero_()\n")
    lines = out.splitlines()
    assert lines[0] == "x[0] = x[0].add(1)"
    assert lines[1].startswith("f(x).mul_(2)  # torch2ms: torch.Tensor.mul_ needs a manual rewrite")
    assert lines[2] == "x[0] = 0"
    assert lines[3] == "x.normal_(generator=g)"
    assert lines[4] == "y = x[0].zero_()"  # its value is used: left as written
    assert lines[5] == "x[0][f(i)].zero_()"  # indexed by a call: a copy in torch, a no-op there


def test_parameter_data_initialisers_are_left_to_init_calls():
    out = convert("import torch\nm.weight.data.normal_(mean=0.0, std=0.02)\n")
    assert "m.weight.set_data(" in out and "copy_" not in out


# ---- constructors from a tensor --------------------------------------------------------
def test_new_full_and_new_tensor_take_the_receivers_dtype():
    check(
        """\
        import torch
        a = x.new_full((2, 3), 1.5)
        b = self.w.new_full(size=(2,), fill_value=0, dtype=torch.int32)
        c = x.new_tensor([1, 2])
        d = x.new_full((2,), 1, device=x.device)
        """,
        """\
        import mindspore
        from mindspore import mint
        a = mint.full((2, 3), 1.5, dtype=x.dtype)
        b = mint.full(size=(2,), fill_value=0, dtype=mindspore.int32)
        c = mindspore.Tensor([1, 2], dtype=x.dtype)
        d = mint.full((2,), 1, dtype=x.dtype)
        """,
    )


def test_new_full_on_an_expression_is_flagged_not_repeated():
    out = convert("import torch\na = f(x).new_full((2,), 0)\n")
    assert out.startswith("a = f(x).new_full((2,), 0)  # torch2ms: torch.Tensor.new_full needs a manual rewrite")


def test_new_zeros_sizes_are_packed():
    check(
        """\
        import torch
        a = x.new_zeros(2, 3)
        b = x.new_ones(4, 5, dtype=torch.int64)
        c = x.new_zeros(s)
        """,
        """\
        import mindspore
        a = x.new_zeros((2, 3))
        b = x.new_ones((4, 5), dtype=mindspore.int64)
        c = x.new_zeros(s)
        """,
    )


# ---- (values, indices) results -----------------------------------------------------------
def test_values_and_indices_of_a_pair_become_subscripts():
    check(
        """\
        import torch
        a = x.max(dim=1).values
        b = x.min(1, keepdim=True).indices
        c = x.sort(descending=True).values
        d = x.topk(3).indices
        e = torch.max(x, 1).values
        f = torch.sort(x, dim=0).indices
        """,
        """\
        from mindspore import mint
        a = x.max(dim=1)[0]
        b = x.min(1, keepdim=True)[1]
        c = x.sort(descending=True)[0]
        d = x.topk(3)[1]
        e = mint.max(x, 1)[0]
        f = mint.sort(x, dim=0)[1]
        """,
    )


def test_values_of_other_things_are_left_alone():
    src = "import torch\na = d.values()\nb = df.max(axis=1).values\nc = x.max().values\nd = self.sort().values\n"
    out = convert(src)
    assert out == src.replace("import torch\n", "")


# ---- arguments MindSpore spells differently ------------------------------------------------
def test_flip_dims_are_a_tuple():
    check(
        "import torch\na = x.flip(0)\nb = x.flip(-1)\nc = x.flip(0, 1)\nd = x.flip(dims)\ne = x.flip([1])\n",
        "a = x.flip((0,))\nb = x.flip((-1,))\nc = x.flip((0, 1))\nd = x.flip(dims)\ne = x.flip([1])\n",
    )


def test_dim_keywords_become_axis_where_mindspore_wants_it():
    check(
        """\
        import torch
        a = x.amax(dim=1, keepdim=True)
        b = x.amin(dim=0)
        c = x.diff(dim=0)
        d = x.softmax(dim=-1)
        e = x.squeeze(dim=1)
        f = x.multiply(other=y)
        g = x.norm(p=2, dim=1)
        """,
        """\
        a = x.amax(axis=1, keepdims=True)
        b = x.amin(axis=0)
        c = x.diff(axis=0)
        d = x.softmax(axis=-1)
        e = x.squeeze(axis=1)
        f = x.multiply(value=y)
        g = x.norm(ord=2, dim=1)
        """,
    )


def test_counts_are_cast_to_int64():
    check(
        """\
        import torch
        a = x.bincount()
        b = x.bincount(minlength=4)
        c = x.bincount(w)
        d = x.bincount(weights=w)
        e = x.count_nonzero(dim=1)
        """,
        """\
        import mindspore
        a = x.bincount().to(mindspore.int64)
        b = x.bincount(minlength=4).to(mindspore.int64)
        c = x.bincount(w)
        d = x.bincount(weights=w)
        e = x.count_nonzero(axis=1).to(mindspore.int64)
        """,
    )


def test_methods_mindspore_lacks_are_spelled_with_ones_it_has():
    check(
        "import torch\na = x.clamp_max(1.0)\nb = x.clamp_max(max=m)\nc = (x + 1).relu()\n",
        "from mindspore import mint\na = x.clamp(max=1.0)\nb = x.clamp(max=m)\nc = mint.nn.functional.relu(x + 1)\n",
    )


def test_std_gets_an_explicit_correction():
    check(
        """\
        import torch
        a = x.std(dim=1)
        b = x.std(dim=1, unbiased=False)
        c = x.std(0, unbiased=True, keepdim=True)
        d = x.std(1, keepdim=True)
        e = x.std(dim=0, correction=0)
        """,
        """\
        a = x.std(dim=1, correction=1)
        b = x.std(dim=1, correction=0)
        c = x.std(0, correction=1, keepdim=True)
        d = x.std(1, keepdim=True, correction=1)
        e = x.std(dim=0, correction=0)
        """,
    )


def test_ambiguous_std_calls_are_flagged_and_norms_mindspore_could_misread_are_mint_norm():
    out = convert("import torch\na = x.std()\nb = x.std(1)\nc = x.std(dim=1, unbiased=u)\nd = x.norm(1)\n"
                  "e = x.norm(p='fro')\nf = x.norm()\ng = x.norm(2, dim=(1, 2))\nh = x.norm(2, dim=-1)\n")
    lines = out.splitlines()
    assert lines[0] == "from mindspore import mint"
    for line in lines[1:4]:
        assert "# torch2ms:" in line and "needs a manual rewrite" in line
    assert "correction=" in lines[1] and "correction=" in lines[3]
    assert lines[4:] == ["d = mint.norm(x, 1)", "e = mint.norm(x, p='fro')", "f = x.norm()",
                         "g = mint.norm(x, 2, dim=(1, 2))", "h = x.norm(2, dim=-1)"]


# ---- corrections of the table --------------------------------------------------------------
@pytest.mark.parametrize("call, words", [
    ("x.unfold(1, 2, 1)", "im2col"),
    ("x.dot(y)", "1-D only"),
    ("x.histogram(4)", "ops.histc"),
    ("x[0].scatter_(0, i, s)", "overwrites"),
    ("x[0].bernoulli_(0.5)", "takes no p"),
])
def test_wrong_rows_are_flagged_with_the_evidence(call, words):
    out = convert(f"import torch\ny = {call}\n")
    assert out.startswith(f"y = {call}  # torch2ms:") and words in out


def test_qr_exists_in_mindspore_and_is_not_flagged():
    assert convert("import torch\nq, r = x.qr()\n") == "q, r = x.qr()\n"
