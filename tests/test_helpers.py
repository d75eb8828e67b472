"""The helpers written into converted files (torch2ms/helpers) compute what torch computes,
under torch's parameter names: torch's state dict loads by name, outputs and gradients agree."""
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
