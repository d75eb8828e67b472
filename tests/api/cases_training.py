"""Cases for training APIs: every optimizer and learning-rate scheduler mapping, run as a training
loop in both frameworks (torch's zero_grad/backward/step, the conversion's value_and_grad and
optimizer(grads)), the weights and learning rates compared after a few steps; and the ones with no
MindSpore counterpart, which must stay flagged."""
from api.harness import Case

_LOOP = """
import torch
w = torch.nn.Parameter(torch.linspace(-1.0, 1.0, 6).reshape(2, 3))
x = torch.linspace(0.5, 2.0, 3)
target = torch.tensor([1.0, -1.0])
opt = torch.optim.{name}([w], {kwargs})
{scheduler}
rates = []
for step in range(5):
    opt.zero_grad()
    loss = (((w * x).sum(dim=1) - target) ** 2).sum()
    loss.backward()
    opt.step()
    {step_scheduler}
    rates.append(opt.param_groups[0]["lr"])
out = w.detach() * 1
lrs = torch.tensor(rates)
"""


def optimizer(name: str, kwargs: str, note: str = "") -> Case:
    src = _LOOP.format(name=name, kwargs=kwargs, scheduler="", step_scheduler="")
    return Case(f"torch.optim.{name}", src, outputs=("out", "lrs"), note=note)


def scheduler(name: str, kwargs: str, step: str = "sched.step()") -> Case:
    src = _LOOP.format(name="SGD", kwargs="lr=0.1", scheduler=f"sched = torch.optim.lr_scheduler.{name}(opt, {kwargs})",
                       step_scheduler=step)
    return Case(f"torch.optim.lr_scheduler.{name}", src, outputs=("out", "lrs"))


CASES = [
    optimizer("SGD", "lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01, foreach=False"),
    optimizer("Adam", "lr=0.1, betas=(0.8, 0.99), amsgrad=True",
              note="MindSpore 2.10's experimental Adam ignores amsgrad; mint's honours it (so does the CPU stand-in)"),
    optimizer("AdamW", "lr=0.1, weight_decay=0.05, fused=None"),
    optimizer("RMSprop", "lr=0.01, momentum=0.9, centered=True"),
    optimizer("Adagrad", "lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1"),
    optimizer("Adadelta", "lr=1.0, rho=0.8, weight_decay=0.01"),
    optimizer("Adamax", "lr=0.01"),
    optimizer("NAdam", "lr=0.01, momentum_decay=0.004"),
    optimizer("RAdam", "lr=0.01"),
    optimizer("ASGD", "lr=0.01"),
    optimizer("Rprop", "lr=0.01, etas=(0.4, 1.3)"),
    scheduler("StepLR", "step_size=2, gamma=0.5"),
    scheduler("MultiStepLR", "milestones=[1, 3], gamma=0.5"),
    scheduler("ExponentialLR", "gamma=0.9"),
    scheduler("CosineAnnealingLR", "T_max=4, eta_min=0.01"),
    scheduler("CosineAnnealingWarmRestarts", "T_0=2, T_mult=2"),
    scheduler("LambdaLR", "lambda epoch: 1.0 / (epoch + 1)"),
    scheduler("MultiplicativeLR", "lambda epoch: 0.9"),
    scheduler("LinearLR", "start_factor=0.5, total_iters=3"),
    scheduler("ConstantLR", "factor=0.5, total_iters=2"),
    scheduler("PolynomialLR", "total_iters=4, power=2.0"),
    scheduler("ReduceLROnPlateau", "mode='min', factor=0.5, patience=0", step="sched.step(1.0)"),
    scheduler("SequentialLR", "[torch.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2), "
                              "torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)], milestones=[2]"),
    Case("torch.optim.lr_scheduler.LRScheduler", """
        import torch
        w = torch.nn.Parameter(torch.ones(2))
        opt = torch.optim.SGD([w], lr=0.1)
        class Halving(torch.optim.lr_scheduler.LRScheduler):
            def get_lr(self):
                return [lr * 0.5 for lr in self.base_lrs] if self.last_epoch else list(self.base_lrs)
        sched = Halving(opt)
        sched.step()
        out = torch.tensor([float(opt.param_groups[0]["lr"])])
    """),
    Case("torch.optim.Optimizer", """
        import torch
        from typing import Type
        w = torch.nn.Parameter(torch.ones(2))
        OptimType = Type[torch.optim.Optimizer]
        opt = torch.optim.SGD([w], lr=0.1)
        out = torch.tensor([float(isinstance(opt, torch.optim.Optimizer)), float(len(opt.param_groups))])
    """, note="the base class of mint.optim's (and mindspore.experimental.optim's) torch-like optimizers"),
    Case("torch.optim.lr_scheduler.OneCycleLR", """
        import torch
        w = torch.nn.Parameter(torch.ones(2))
        opt = torch.optim.SGD([w], lr=0.1)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    """, mode="flag"),
    Case("torch.optim.lr_scheduler.CyclicLR", """
        import torch
        w = torch.nn.Parameter(torch.ones(2))
        opt = torch.optim.SGD([w], lr=0.1, momentum=0.9)
        sched = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1)
    """, mode="flag"),
    Case("torch.optim.lr_scheduler.ChainedScheduler", """
        import torch
        w = torch.nn.Parameter(torch.ones(2))
        opt = torch.optim.SGD([w], lr=0.1)
        sched = torch.optim.lr_scheduler.ChainedScheduler([torch.optim.lr_scheduler.ExponentialLR(opt, 0.9)])
    """, mode="flag"),
    Case("torch.optim.LBFGS", """
        import torch
        w = torch.nn.Parameter(torch.ones(2))
        opt = torch.optim.LBFGS([w])
    """, mode="flag"),
    Case("torch.optim.SparseAdam", """
        import torch
        w = torch.nn.Parameter(torch.ones(2))
        opt = torch.optim.SparseAdam([w])
    """, mode="flag"),
]

CASES += [
    Case("torch.autograd.grad", """
        import torch
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
        with torch.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(torch.linspace(-0.5, 0.5, p.numel()).reshape(p.shape) * (i + 1))
        x = torch.linspace(-1, 1, 6).reshape(2, 3)
        x.requires_grad_(True)
        y = model(x).pow(2).sum()
        dx, = torch.autograd.grad(y, x)
        loss = model(x).mean()
        grads = torch.autograd.grad(loss, model.parameters())
        norms = torch.stack([g.norm() for g in grads])
        value = y.detach()
    """, outputs=("dx", "norms", "value"), note="with respect to an input tensor, and to a model's parameters"),
    Case("torch.autograd.grad", """
        import torch
        x = torch.ones(3, requires_grad=True)
        y = (x ** 3).sum()
        g, = torch.autograd.grad(y, x, create_graph=True)
    """, mode="flag", note="higher-order gradients are not restructured"),
]
