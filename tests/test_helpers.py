"""The helpers written into converted files (torch2ms/helpers) compute what torch computes,
under torch's parameter names: torch's state dict loads by name, outputs and gradients agree."""
import textwrap
import numpy as np
import pytest

pytestmark = pytest.mark.slow  # runs torch and MindSpore

torch = pytest.importorskip("torch")
ms = pytest.importorskip("mindspore")

from torch2ms import fallback, helpers  # noqa: E402


@pytest.fixture(scope="module")
def written():
    """The helper module as a converted file receives it, run on its own (MindSpore only)."""
    code = helpers.source("weight_norm")
    assert "import torch" not in code and "from torch" not in code
    namespace = {}
    exec(compile(code, "<weight_norm helpers>", "exec"), namespace)
    fallback.install()  # mint's Conv1d has no CPU kernel in 2.10
    yield namespace
    fallback.uninstall()


def _load(cell, torch_module):
    """torch's state dict onto the cell, by name (every name must be there, both ways)."""
    state = torch_module.state_dict()
    params = dict(cell.parameters_and_names())
    assert sorted(params) == sorted(state)
    for name, param in params.items():
        param.set_data(ms.Tensor(state[name].detach().numpy()))


def _perturb(torch_module):
    with torch.no_grad():  # g and v no longer agree with the initial weight
        for i, param in enumerate(torch_module.parameters()):
            param.mul_(1.5 + 0.25 * i).add_(0.1)


@pytest.mark.parametrize("dim", [0, 1, -1, None])
@pytest.mark.parametrize("parametrized", [False, True])
def test_weight_norm_conv_and_linear(written, dim, parametrized):
    from mindspore import mint
    make = written["_parametrized_weight_norm" if parametrized else "_weight_norm"]
    norm = torch.nn.utils.parametrizations.weight_norm if parametrized else torch.nn.utils.weight_norm
    rng = np.random.default_rng(0)
    for torch_layer, ms_layer, shape in ((torch.nn.Conv1d(2, 3, 3), mint.nn.Conv1d(2, 3, 3), (2, 2, 8)),
                                         (torch.nn.Linear(4, 3), mint.nn.Linear(4, 3), (5, 4))):
        t, m = norm(torch_layer, dim=dim), make(ms_layer, dim=dim)
        _perturb(t)
        _load(m, t)
        x = rng.standard_normal(shape).astype(np.float32)
        out_t = t(torch.tensor(x))
        out_m = m(ms.Tensor(x))
        np.testing.assert_allclose(out_m.asnumpy(), out_t.detach().numpy(), atol=1e-5)
        # gradients reach g and v, as torch's
        out_t.square().sum().backward()
        params = m.trainable_params()
        grads = ms.value_and_grad(lambda inp: m(inp).square().sum(), None, params)(ms.Tensor(x))[1]
        torch_grads = {name: p.grad for name, p in t.named_parameters()}
        names = [name for name, _ in m.parameters_and_names()]
        for name, grad in zip(names, grads):
            np.testing.assert_allclose(grad.asnumpy(), torch_grads[name].numpy(), atol=1e-4, rtol=1e-4)


def test_remove_weight_norm_keeps_the_weight(written):
    from mindspore import mint
    t = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3))
    m = written["_weight_norm"](mint.nn.Linear(4, 3))
    _perturb(t)
    _load(m, t)
    t, m = torch.nn.utils.remove_weight_norm(t), written["_remove_weight_norm"](m)
    assert sorted(name for name, _ in m.parameters_and_names()) == sorted(t.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(m.weight.asnumpy(), t.weight.detach().numpy(), atol=1e-6)
    x = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    np.testing.assert_allclose(m(ms.Tensor(x)).asnumpy(), t(torch.tensor(x)).detach().numpy(), atol=1e-5)


def test_nested_layer_names_match_torch(written):
    from mindspore import mint, nn

    class Block(nn.Cell):
        def __init__(self):
            super().__init__()
            self.conv = written["_weight_norm"](mint.nn.Conv1d(2, 2, 1))
            self.proj = written["_parametrized_weight_norm"](mint.nn.Linear(2, 2))

    class TorchBlock(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.utils.weight_norm(torch.nn.Conv1d(2, 2, 1))
            self.proj = torch.nn.utils.parametrizations.weight_norm(torch.nn.Linear(2, 2))

    assert sorted(name for name, _ in Block().parameters_and_names()) == sorted(TorchBlock().state_dict())


def test_parameter_names_are_unique_in_a_network(written):
    """MindSpore's optimizers want unique Parameter.name values: the helpers' parameters get
    their place in the network, as the layers' own do."""
    from mindspore import mint, nn

    class Net(nn.Cell):
        def __init__(self):
            super().__init__()
            self.a = written["_weight_norm"](mint.nn.Linear(2, 2))
            self.b = written["_weight_norm"](mint.nn.Linear(2, 2))
            self.c = written["_parametrized_weight_norm"](mint.nn.Linear(2, 2))
            self.d = written["_parametrized_weight_norm"](mint.nn.Linear(2, 2))

    names = [p.name for p in Net().trainable_params()]
    assert len(names) == len(set(names)) == 12, names


@pytest.fixture(scope="module")
def conv_transpose():
    namespace = {}
    exec(compile(helpers.source("conv_transpose1d"), "<conv_transpose1d helper>", "exec"), namespace)
    fallback.install()  # mint's conv_transpose2d has no CPU kernel in 2.10
    yield namespace["ConvTranspose1d"]
    fallback.uninstall()


@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1}, {"stride": 3, "padding": 2, "output_padding": 1, "dilation": 2},
                                    {"groups": 2, "stride": 2}, {"bias": False, "stride": (2,)}])
def test_conv_transpose1d(conv_transpose, kwargs):
    t, m = torch.nn.ConvTranspose1d(4, 6, 3, **kwargs), conv_transpose(4, 6, 3, **kwargs)
    _load(m, t)  # same names and shapes
    x = np.random.default_rng(1).standard_normal((2, 4, 7)).astype(np.float32)
    np.testing.assert_allclose(m(ms.Tensor(x)).asnumpy(), t(torch.tensor(x)).detach().numpy(), atol=1e-5)
    assert (m.kernel_size, m.stride, m.padding, m.output_padding, m.dilation) == \
        (t.kernel_size, t.stride, t.padding, t.output_padding, t.dilation)


def test_conv_transpose1d_unbatched_output_size_and_init(conv_transpose):
    t, m = torch.nn.ConvTranspose1d(4, 6, 3, stride=2), conv_transpose(4, 6, 3, stride=2)
    # torch's initialisation: both tensors uniform in +-1/sqrt(fan_in), fan_in = 6 * 3
    bound = 1 / np.sqrt(18)
    assert np.abs(m.weight.asnumpy()).max() <= bound and np.abs(m.bias.asnumpy()).max() <= bound
    assert m.weight.asnumpy().std() > bound / 3
    _load(m, t)
    x = np.linspace(-1, 1, 28, dtype=np.float32).reshape(4, 7)
    np.testing.assert_allclose(m(ms.Tensor(x), output_size=[16]).asnumpy(),
                               t(torch.tensor(x), output_size=[16]).detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError):
        m(ms.Tensor(x), output_size=[20])


def test_weight_norm_on_conv_transpose1d(written, conv_transpose):
    """torch's weight norm over dim 0 of a transposed convolution's (in, out, k) weight."""
    t = torch.nn.utils.weight_norm(torch.nn.ConvTranspose1d(4, 6, 3, stride=2))
    m = written["_weight_norm"](conv_transpose(4, 6, 3, stride=2))
    _perturb(t)
    _load(m, t)
    x = np.linspace(-1, 1, 28, dtype=np.float32).reshape(1, 4, 7)
    np.testing.assert_allclose(m(ms.Tensor(x)).asnumpy(), t(torch.tensor(x)).detach().numpy(), atol=1e-5)


@pytest.fixture(scope="module")
def optional_list():
    namespace = {}
    exec(compile(helpers.source("optional_cells"), "<optional_cells helper>", "exec"), namespace)
    return namespace["OptionalCellList"]


def _holder(framework, container):
    """A model holding the list as `layers`, as models do (the names then start with `layers.`)."""
    base = torch.nn.Module if framework is torch else ms.nn.Cell
    holder = base()
    holder.layers = container
    return holder


def _same_list(t_list, m_list):
    """Same length, None at the same places, same layer sizes, same names by torch's indices."""
    assert len(m_list) == len(t_list) and bool(m_list) == bool(t_list)
    assert [e is None for e in m_list] == [e is None for e in t_list]
    assert [None if e is None else e.weight.shape[0] for e in m_list] == \
        [None if e is None else e.weight.shape[0] for e in t_list]
    t, m = _holder(torch, t_list), _holder(ms, m_list)
    assert [name for name, _ in m.parameters_and_names()] == list(t.state_dict())
    # MindSpore's own parameter names (checkpoints, optimizers) follow too, as CellList's do
    assert [param.name for _, param in m.parameters_and_names()] == list(t.state_dict())


def test_optional_cell_list_keeps_torch_none_semantics(optional_list):
    from mindspore import mint
    pair = lambda n: (torch.nn.Linear(2, n), mint.nn.Linear(2, n))  # noqa: E731 (a layer per side, told apart by size)
    a, b, c, d, e = (pair(n) for n in (1, 2, 3, 4, 5))
    t_list, m_list = torch.nn.ModuleList([a[0], None, b[0]]), optional_list(modules=[a[1], None, b[1]])
    _same_list(t_list, m_list)
    steps = [
        lambda lst, i: lst.append(None),
        lambda lst, i: lst.append(c[i]),
        lambda lst, i: lst.insert(1, d[i]),
        lambda lst, i: lst.extend([None, e[i]]),
        lambda lst, i: lst.__setitem__(0, None),
        lambda lst, i: lst.__delitem__(2),
        lambda lst, i: lst.__delitem__(-1),
    ]
    for step in steps:
        step(t_list, 0)
        step(m_list, 1)
        _same_list(t_list, m_list)
    for index in (0, 1, -1, -2):
        assert (m_list[index] is None) == (t_list[index] is None)
    for part in (slice(1, None), slice(None, None, 2), slice(-2, None)):
        _same_list(t_list[part], m_list[part])
    assert isinstance(m_list[1:], ms.nn.CellList)  # `isinstance(x, nn.CellList)` in converted code holds
    with pytest.raises(IndexError):
        m_list[len(m_list)]
    with pytest.raises(TypeError):  # neither takes what is no layer
        m_list.append(3)
    with pytest.raises(TypeError):
        t_list.append(3)


def test_optional_cell_list_model_loads_torch_weights_and_matches(optional_list, written):
    """Optional layers read back through zip and `is not None`: same names, same numbers (`written`
    installs the CPU stand-ins: mint's LayerNorm has no CPU kernel)."""
    from mindspore import mint

    def build(nn, lst, pre):
        class Stack(nn.Module if nn is torch.nn else ms.nn.Cell):
            def __init__(self):
                super().__init__()
                self.norms, self.blocks = lst([]), lst([])
                for i in range(3):
                    self.norms.append(nn.LayerNorm(4) if pre or i == 1 else None)
                    self.blocks.append(nn.Linear(4, 4))

            def run(self, x):
                for norm, block in zip(self.norms, self.blocks):
                    x = block(norm(x) if norm is not None else x)
                return x
        return Stack()

    rng = np.random.default_rng(3)
    for pre in (False, True):
        t, m = build(torch.nn, torch.nn.ModuleList, pre), build(mint.nn, optional_list, pre)
        with torch.no_grad():
            for param in t.parameters():
                param.copy_(torch.tensor(rng.standard_normal(tuple(param.shape)).astype(np.float32)))
        _load(m, t)
        x = rng.standard_normal((3, 4)).astype(np.float32)
        np.testing.assert_allclose(m.run(ms.Tensor(x)).asnumpy(), t.run(torch.tensor(x)).detach().numpy(),
                                   atol=1e-5)


_GRAPH_MODE = '''
import numpy as np, mindspore as ms
from torch2ms import helpers
namespace = {}
exec(helpers.source("optional_cells"), namespace)

class Scale(ms.nn.Cell):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def construct(self, x):
        return x * self.k

class Net(ms.nn.Cell):
    def __init__(self):
        super().__init__()
        self.norms = namespace["OptionalCellList"]([Scale(2.0), None, Scale(5.0)])
        self.blocks = ms.nn.CellList([Scale(3.0), Scale(7.0), Scale(11.0)])

    def construct(self, x):
        for norm, block in zip(self.norms, self.blocks):
            if norm is not None:
                x = norm(x)
            x = block(x)
        return x + self.norms[0](x) * 0 + len(self.norms)

ms.set_context(mode=ms.GRAPH_MODE)
print(Net()(ms.Tensor(np.ones((2,), np.float32))).asnumpy().tolist())
'''


def test_optional_cell_list_in_graph_mode(tmp_path):
    """Compiled (GRAPH_MODE), the None entries stay in place: zip pairs the entries as torch does
    (a subprocess: the mode is process-wide; a file: the compiler reads the source)."""
    import os
    import pathlib
    import subprocess
    import sys
    root = pathlib.Path(__file__).resolve().parents[1]
    script = tmp_path / "graph_mode.py"
    script.write_text(_GRAPH_MODE)
    done = subprocess.run([sys.executable, str(script)], cwd=root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(root)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == str([2.0 * 3 * 7 * 5 * 11 + 3] * 2)


def test_a_feature_check_finds_what_a_helper_supplies():
    """`hasattr(nn.utils.parametrizations, "weight_norm")` is True in torch, and the converted
    code has it (a helper): the branch torch takes is the one kept, so torch's parameter names
    (parametrizations.weight.original0/1) are the ones the converted layer gets."""
    from torch2ms.convert.pipeline import convert_source

    out = convert_source(textwrap.dedent(
        """\
        from torch import nn

        def normed(conv):
            weight_norm = nn.utils.weight_norm
            if hasattr(nn.utils.parametrizations, "weight_norm"):
                weight_norm = nn.utils.parametrizations.weight_norm
            return weight_norm(conv, name="weight", dim=2)
        """), "m.py").code
    assert "weight_norm = _parametrized_weight_norm" in out
    assert "hasattr" not in out


@pytest.fixture(scope="module")
def packing():
    code = helpers.source("einops_packing")
    assert "import torch" not in code and "from torch" not in code and "einops" not in code.split("def ")[0]
    namespace = {}
    exec(compile(code, "<einops_packing helpers>", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("pattern, shapes", [
    ("b * d", [(2, 3, 4), (2, 4), (2, 2, 5, 4)]),
    ("* n", [(3, 2, 5), (5,)]),
    ("*", [(2, 3), (4,), ()]),
    ("b h *", [(2, 3), (2, 3, 4, 1)]),
])
def test_einops_pack_and_unpack_with_a_pattern_read_when_running(packing, pattern, shapes):
    einops = pytest.importorskip("einops")
    rng = np.random.default_rng(7)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    t_packed, t_shapes = einops.pack([torch.from_numpy(a) for a in arrays], pattern)
    m_packed, m_shapes = packing["_einops_pack"]([ms.Tensor(a) for a in arrays], pattern)
    np.testing.assert_array_equal(m_packed.asnumpy(), t_packed.numpy())
    assert [tuple(s) for s in m_shapes] == [tuple(s) for s in t_shapes]
    t_back = einops.unpack(t_packed, t_shapes, pattern)
    m_back = packing["_einops_unpack"](m_packed, m_shapes, pattern)
    for t, m, a in zip(t_back, m_back, arrays):
        np.testing.assert_array_equal(m.asnumpy(), t.numpy())
        np.testing.assert_array_equal(m.asnumpy(), a)


def test_einops_unpack_fills_in_one_unknown_packed_shape(packing):
    einops = pytest.importorskip("einops")
    x = np.arange(2 * 7 * 3, dtype=np.float32).reshape(2, 7, 3)
    shapes = [(2,), (-1,), (1, 2)]
    expected = einops.unpack(torch.from_numpy(x), shapes, "b * d")
    got = packing["_einops_unpack"](ms.Tensor(x), shapes, "b * d")
    assert [tuple(m.shape) for m in got] == [tuple(t.shape) for t in expected]
    for t, m in zip(expected, got):
        np.testing.assert_array_equal(m.asnumpy(), t.numpy())
    with pytest.raises(ValueError):
        packing["_einops_unpack"](ms.Tensor(x), [(-1,), (-1,)], "b * d")
    with pytest.raises(ValueError):
        packing["_einops_pack"]([ms.Tensor(x)], "b * * d")


einops = pytest.importorskip("einops")


@pytest.fixture(scope="module")
def einops_on_mindspore():
    """The backend as a converted file defines it: einops then takes MindSpore tensors."""
    code = helpers.source("einops_backend")
    assert "import torch" not in code and "from torch" not in code
    namespace = {}  # kept alive: einops finds the class among AbstractBackend's (weakly held) subclasses
    exec(compile(code, "<einops_backend helper>", "exec"), namespace)
    fallback.install()  # mint.einsum has no CPU kernel in 2.10
    yield namespace
    fallback.uninstall()


_X = np.linspace(-3, 3, 144, dtype=np.float32).reshape(2, 6, 4, 3)


@pytest.mark.parametrize("call", [
    lambda e, x: e.rearrange(x, "b (h d) n c -> b h n (d c)", h=2),
    lambda e, x: e.rearrange(x, "... d -> (...) d"),
    lambda e, x: e.rearrange([x, x * 2], "l b c h w -> b (l c) h w"),
    lambda e, x: e.repeat(x, "b c h w -> b c h w r", r=3),
    lambda e, x: e.repeat(x, "b c h w -> (r b) c (h w)", r=2),
    *[(lambda op: lambda e, x: e.reduce(x, "b c h w -> b w", op))(op) for op in ("min", "max", "sum", "mean", "prod")],
    *[(lambda op: lambda e, x: e.reduce(x > 0, "b c h w -> b h", op))(op) for op in ("any", "all")],
    lambda e, x: e.pack([x, x[:, :, :, :1]], "b c h *")[0],
    lambda e, x: e.unpack(*e.pack([x, x[:, :1]], "b * w"), "b * w")[1],
    lambda e, x: e.einsum(x, x, "b c h w, b c h w -> b h"),
])
def test_einops_backend_computes_what_torch_does(einops_on_mindspore, call):
    expected = call(einops, torch.tensor(_X))
    got = call(einops, ms.Tensor(_X))
    assert tuple(got.shape) == tuple(expected.shape)
    np.testing.assert_allclose(got.asnumpy().astype(np.float64), expected.numpy().astype(np.float64),
                               rtol=1e-5, atol=1e-5)


def test_einops_backend_takes_parameters_and_reads_shapes(einops_on_mindspore):
    weight = ms.Parameter(ms.Tensor(_X), name="weight")
    assert einops.rearrange(weight, "b c h w -> b (c h w)").shape == (2, 72)
    assert einops.parse_shape(ms.Tensor(_X), "b c _ w") == {"b": 2, "c": 6, "w": 3}
