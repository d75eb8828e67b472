"""The training step (rules/training_step.py, convert/step_plan.py): each shape it restructures,
side by side with its output (checked for idempotence), the shapes it refuses (left whole,
flagged with the reason), and, where it matters, both versions run and compared."""
import textwrap

import pytest

from conftest import check, convert
from torch2ms.convert.pipeline import convert_source

HEAD = """\
        import torch
        import torch.nn as nn
"""  # indented as the sources below are (they are dedented whole)


def flags_of(src: str):
    return convert_source(textwrap.dedent(src)).flags


# ---- what is restructured ----------------------------------------------------------------------
def test_zero_grad_after_the_step_and_a_value_read_after_the_loop():
    check(
        HEAD + """\
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        def fit(batches):
            for x, y in batches:
                pred = model(x)
                loss = ((pred - y) ** 2).mean()
                loss.backward()
                opt.step()
                opt.zero_grad()
            return loss.item(), pred
        """,
        """\
        import mindspore
        from mindspore import mint
        model = mint.nn.Linear(2, 1)
        opt = mint.optim.SGD(model.trainable_params(), lr=0.1)
        def fit(batches):
            def forward_fn(x, y):
                pred = model(x)
                loss = ((pred - y) ** 2).mean()
                return loss, (pred,)
            grad_fn = mindspore.value_and_grad(forward_fn, None, opt.parameters, has_aux=True)
            for x, y in batches:
                (loss, (pred,)), grads = grad_fn(x, y)
                opt(grads)
            return loss.item(), pred
        """,
    )


def test_a_models_zero_grad_clears_the_one_optimizer_stepped():
    out = convert(HEAD + """\
        def step(model, opt, x):
            model.zero_grad()
            loss = model(x).sum()
            loss.backward()
            opt.step()
        """)
    assert "zero_grad" not in out and "opt(grads)" in out and "# torch2ms" not in out


def test_a_gan_sums_the_discriminators_two_backward_calls_and_recomputes_the_fake_for_g():
    out = convert(HEAD + """\
        netG, netD = nn.Linear(2, 3), nn.Linear(3, 1)
        optD = torch.optim.Adam(netD.parameters())
        optG = torch.optim.Adam(netG.parameters())
        for real, noise in batches:
            netD.zero_grad()
            errD_real = netD(real).mean()
            errD_real.backward()
            fake = netG(noise)
            errD_fake = -netD(fake.detach()).mean()
            errD_fake.backward()
            optD.step()
            netG.zero_grad()
            errG = netD(fake).mean()
            errG.backward()
            optG.step()
        """)
    assert "grads = tuple(g1 + g2 for g1, g2 in zip(grads, grads_2))\n    optD(grads)" in out
    assert "value_and_grad(forward_fn_3, None, optG.parameters)" in out
    # the generator's output is computed again inside G's forward function, with a note saying so
    forward_g = out[out.index("def forward_fn_3"):out.index("grad_fn_3 =")]
    assert "fake = netG(noise)" in forward_g and "computed again" in forward_g
    # ... and stays where it was for D (detached there), which reads it as an input
    assert "def forward_fn_2(fake):" in out and "fake = netG(noise)\n    errD_fake, grads_2 = grad_fn_2(fake)" in out


def test_gradient_accumulation_keeps_a_running_sum_across_iterations():
    out = convert(HEAD + """\
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for i, x in enumerate(data):
            loss = model(x).sum() / 4
            loss.backward()
            if (i + 1) % 4 == 0:
                torch.nn.utils.clip_grad_value_(model.parameters(), 0.5)
                opt.step()
                opt.zero_grad()
        """)
    assert "accumulated_grads = None\nfor i, x in enumerate(data):" in out
    assert ("accumulated_grads = grads if accumulated_grads is None else "
            "tuple(a + b for a, b in zip(accumulated_grads, grads))") in out
    assert "accumulated_grads = tuple(mint.clamp(g, -0.5, 0.5) for g in accumulated_grads)" in out
    assert "opt(accumulated_grads)\n        accumulated_grads = None" in out


def test_one_backward_feeding_two_optimizers_splits_the_gradients():
    out = convert(HEAD + """\
        enc, dec = nn.Linear(2, 2), nn.Linear(2, 1)
        eo = torch.optim.SGD(enc.parameters(), lr=0.1)
        do = torch.optim.SGD(dec.parameters(), lr=0.1)
        for x in data:
            eo.zero_grad()
            do.zero_grad()
            loss = dec(enc(x)).sum()
            loss.backward()
            eo.step()
            do.step()
        """)
    assert "value_and_grad(forward_fn, None, eo.parameters + do.parameters)" in out
    assert "eo(grads[:len(eo.parameters)])" in out and "do(grads[len(eo.parameters):])" in out


def test_the_loss_from_a_helper_or_a_model_output_and_an_expression_backward():
    out = convert(HEAD + """\
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        def loss_fn(out, y):
            return ((out - y) ** 2).mean()
        for x, y in data:
            opt.zero_grad()
            outputs = model(x)
            (loss_fn(outputs, y) + outputs.abs().mean()).backward()
            opt.step()
        """)
    assert "return (loss_fn(outputs, y) + outputs.abs().mean()), (outputs,)" in out
    assert "(_, (outputs,)), grads = grad_fn(x, y)" in out


def test_the_norm_clip_grad_norm_returns_is_computed_from_the_gradients():
    out = convert(HEAD + """\
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x in data:
            opt.zero_grad()
            loss = model(x).sum()
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0)
            opt.step()
        """)
    assert "norm = mint.norm(mint.stack([mint.norm(g) for g in grads]))\n    grads = ops.clip_by_global_norm(grads, 2.0)" in out


def test_state_carried_across_iterations_goes_in_and_comes_back_out():
    out = convert(HEAD + """\
        rnn = nn.GRU(2, 3)
        opt = torch.optim.SGD(rnn.parameters(), lr=0.1)
        hidden = torch.zeros(1, 1, 3)
        for x in data:
            opt.zero_grad()
            hidden = hidden.detach()
            out, hidden = rnn(x, hidden)
            loss = out.sum()
            loss.backward()
            opt.step()
        """)
    assert "def forward_fn(hidden, x):" in out  # the state goes in ...
    assert "(loss, (hidden,)), grads = grad_fn(hidden, x)" in out  # ... and comes back


def test_data_preparation_stays_outside_the_forward_function():
    out = convert(HEAD + """\
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x, y in data:
            x = x * 2
            opt.zero_grad()
            loss = (model(x) - y).pow(2).mean()
            loss.backward()
            opt.step()
        """)
    assert "    x = x * 2\n    loss, grads = grad_fn(x, y)" in out
    assert "def forward_fn(x, y):\n    loss = (model(x) - y).pow(2).mean()\n    return loss\n" in out


def test_an_optimizer_made_in_the_loop_builds_grad_fn_inside_it():
    out = convert(HEAD + """\
        model = nn.Linear(2, 1)
        for lr in (0.1, 0.01):
            opt = torch.optim.SGD(model.parameters(), lr=lr)
            for x in data:
                opt.zero_grad()
                model(x).sum().backward()
                opt.step()
        """)
    assert "opt = mint.optim.SGD(model.trainable_params(), lr=lr)\n    def forward_fn(x):\n        return model(x).sum()" in out


def test_a_step_guarded_by_an_if_takes_the_gradients_before_it_and_steps_inside():
    out = convert(HEAD + """\
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        def run(loader, train):
            total = 0.0
            for x, y in loader:
                loss = (model(x) - y).pow(2).mean()
                if train:
                    opt.zero_grad()
                    loss.backward()
                    opt.step()
                total += loss.item()
            return total
        """)
    assert "        loss, grads = grad_fn(x, y)\n        if train:\n            opt(grads)\n        total += loss.item()" in out
    assert "# torch2ms" not in out


def test_a_zero_grad_earlier_in_the_loop_body_covers_a_step_in_a_nested_block():
    out = convert(HEAD + """\
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x, y in loader:
            opt.zero_grad()
            with torch.autocast("cpu", enabled=False):
                loss = (model(x) - y).pow(2).mean()
                loss.backward()
                opt.step()
        """)
    assert "loss, grads = grad_fn(x, y)\n    opt(grads)" in out and "zero_grad" not in out


def test_a_hand_written_update_of_a_models_parameters_is_the_step():
    # pytorch/examples' word_language_model: no optimizer, `p.data.add_(p.grad, alpha=-lr)`
    check(
        HEAD + """\
        model = nn.Linear(2, 1)
        def fit(batches, lr):
            for x, y in batches:
                model.zero_grad()
                loss = ((model(x) - y) ** 2).mean()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
                for p in model.parameters():
                    p.data.add_(p.grad, alpha=-lr)
        """,
        """\
        import mindspore
        from mindspore import mint, ops
        model = mint.nn.Linear(2, 1)
        def fit(batches, lr):
            def forward_fn(x, y):
                loss = ((model(x) - y) ** 2).mean()
                return loss
            grad_fn = mindspore.value_and_grad(forward_fn, None, model.trainable_params())
            for x, y in batches:
                loss, grads = grad_fn(x, y)
                grads = ops.clip_by_global_norm(grads, 0.5)
                for p, p_grad in zip(model.trainable_params(), grads):
                    p.data.copy_(p.data.add(p_grad, alpha=-lr))
        """,
    )


def test_gradients_read_from_grad_outside_a_step_are_flagged():
    src = HEAD + """\
        model = nn.Linear(2, 1)
        loss = model(torch.ones(1, 2)).sum()
        loss.backward()
        norms = [p.grad.norm() for p in model.parameters()]
        """
    out = convert(src)
    assert "p.grad.norm()" in out
    line = next(l for l in out.splitlines() if "p.grad" in l)
    assert "# torch2ms: torch.Tensor.grad" in line and "value_and_grad" in line


# ---- what is refused: left whole, flagged with the reason --------------------------------------
REFUSED = {
    "retain_graph": """\
        for x in data:
            opt.zero_grad()
            loss = model(x).sum()
            loss.backward(retain_graph=True)
            opt.step()
        """,
    "no zero_grad": """\
        for x in data:
            loss = model(x).sum()
            loss.backward()
            opt.step()
        """,
    "backward in a loop of its own": """\
        for epoch in range(2):
            opt.zero_grad()
            for x in data:
                model(x).sum().backward()
            opt.step()
        """,
    "closure": """\
        def closure():
            opt.zero_grad()
            loss = model(x).sum()
            loss.backward()
            return loss
        opt.step(closure)
        """,
    "mixed precision": """\
        scaler = torch.cuda.amp.GradScaler()
        for x in data:
            opt.zero_grad()
            scaler.scale(model(x).sum()).backward()
            scaler.step(opt)
            scaler.update()
        """,
    "norm 1 clipping": """\
        for x in data:
            opt.zero_grad()
            model(x).sum().backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0, norm_type=1)
            opt.step()
        """,
    "zero_grad between backward and step": """\
        for x in data:
            model(x).sum().backward()
            opt.zero_grad()
            opt.step()
        """,
    "a hand-written update without zero_grad": """\
        for x in data:
            model(x).sum().backward()
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-0.1)
        """,
    "a hand-written update beside an optimizer's step": """\
        for x in data:
            model.zero_grad()
            model(x).sum().backward()
            opt.step()
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-0.1)
        """,
    "higher-order gradients": """\
        x = torch.ones(2, requires_grad=True)
        y = model(x).sum()
        g, = torch.autograd.grad(y, x, create_graph=True)
        """,
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_shape_it_does_not_restructure_stays_whole_and_every_line_is_flagged(name):
    src = textwrap.dedent(HEAD) + "model = nn.Linear(2, 1)\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n" + \
        textwrap.dedent(REFUSED[name])
    out = convert_source(src).code
    assert "def forward_fn" not in out and "grad_fn" not in out
    apis = {f.api for f in convert_source(src).flags}
    assert apis & {"torch.Tensor.backward", "torch.autograd.grad"}, apis
    for line in out.splitlines():
        if ".backward(" in line or ".step(" in line or "autograd.grad" in line:
            assert "# torch2ms:" in line, line


def test_a_scheduler_step_alone_is_not_a_training_step():
    src = HEAD + """\
        def advance(scheduler: torch.optim.lr_scheduler.StepLR):
            scheduler.step()
        """
    assert "# torch2ms" not in convert(src) or "StepLR" in convert(src)
    assert not [f for f in flags_of(src) if f.api.endswith(".step")]


def test_a_zero_grad_outside_the_restructured_block_goes_with_it():
    out = convert(HEAD + """\
        model = nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        def fit(data):
            opt.zero_grad()
            for x in data:
                model(x).sum().backward()
                opt.step()
                opt.zero_grad()
        """)
    assert "zero_grad" not in out and "# torch2ms" not in out


# ---- by execution ---------------------------------------------------------------------------------
SEEDED = """\
import torch
import torch.nn as nn
def layer(n_in, n_out, scale):
    lin = nn.Linear(n_in, n_out)
    with torch.no_grad():
        lin.weight.copy_(torch.linspace(-scale, scale, n_in * n_out).reshape(n_out, n_in))
        lin.bias.fill_(0.01)
    return lin
data = [torch.linspace(-1, 1, 8).reshape(4, 2) * (k + 1) for k in range(6)]
"""


@pytest.mark.slow
@pytest.mark.parametrize("name, body", [
    ("accumulation", """\
model = nn.Sequential(layer(2, 3, 0.5), nn.Tanh(), layer(3, 1, 0.3))
opt = torch.optim.Adam(model.parameters(), lr=0.05)
curve = []
for i, x in enumerate(data):
    loss = (model(x) ** 2).mean() / 2
    loss.backward()
    if i % 2 == 1:
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        opt.step()
        opt.zero_grad()
    curve.append(loss.item())
out = torch.tensor(curve)
"""),
    ("gan", """\
netG, netD = layer(2, 2, 0.4), nn.Sequential(layer(2, 1, 0.3), nn.Sigmoid())
optD = torch.optim.SGD(netD.parameters(), lr=0.1, momentum=0.5)
optG = torch.optim.SGD(netG.parameters(), lr=0.1)
bce = nn.BCELoss()
curve = []
for x in data:
    netD.zero_grad()
    ones, zeros = torch.ones(4, 1), torch.zeros(4, 1)
    errD_real = bce(netD(x), ones)
    errD_real.backward()
    fake = netG(x * 0.5)
    errD_fake = bce(netD(fake.detach()), zeros)
    errD_fake.backward()
    optD.step()
    netG.zero_grad()
    errG = bce(netD(fake), ones)
    errG.backward()
    optG.step()
    curve.append([errD_real.item() + errD_fake.item(), errG.item()])
out = torch.tensor(curve)
"""),
    ("guarded", """\
model = nn.Sequential(layer(2, 3, 0.5), nn.ReLU(), layer(3, 1, 0.2))
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
curve = []
for k, x in enumerate(data):
    loss = (model(x) - 0.5).pow(2).mean()
    if k % 3 != 2:
        opt.zero_grad()
        loss.backward()
        opt.step()
    curve.append(loss.item())
out = torch.tensor(curve)
"""),
    ("two optimizers", """\
enc, dec = layer(2, 3, 0.5), layer(3, 1, 0.2)
eo = torch.optim.SGD(enc.parameters(), lr=0.1)
do = torch.optim.Adam(dec.parameters(), lr=0.1)
curve = []
for x in data:
    eo.zero_grad()
    do.zero_grad()
    loss = (dec(torch.tanh(enc(x))) - 1).pow(2).mean()
    loss.backward()
    eo.step()
    do.step()
    curve.append(loss.item())
out = torch.tensor(curve)
"""),
    ("hand-written sgd", """\
model = nn.Sequential(layer(2, 3, 0.5), nn.Tanh(), layer(3, 1, 0.3))
curve = []
for x in data:
    model.zero_grad()
    loss = (model(x) - 0.2).pow(2).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    for p in model.parameters():
        p.data.add_(p.grad, alpha=-0.3)
    curve.append(loss.item())
out = torch.tensor(curve)
"""),
    ("a value bound in a loop among the loss statements", """\
cell = layer(3, 2, 0.4)
opt = torch.optim.SGD(cell.parameters(), lr=0.2)
def step(x):
    opt.zero_grad()
    hidden = torch.zeros(4, 1)
    for t in range(2):
        output = torch.tanh(cell(torch.cat([x * (t + 1), hidden], 1)))
        hidden = output[:, :1]
    loss = output.pow(2).mean()
    loss.backward()
    opt.step()
    return output, loss.item()
curve = [step(x)[1] for x in data]
out = torch.tensor(curve)
"""),
])
def test_the_restructured_step_trains_as_torch_does(name, body, cpu_fallback):
    from api.harness import Case, run

    outcome = run(Case(f"training step: {name}", SEEDED + body, ("out",)))
    assert outcome.ok, f"{outcome.detail}\n--- converted ---\n{outcome.converted}"


