"""Training scripts beyond the step: what names hold (convert/kinds.py), names read and bound
(convert/dataflow.py), data loaders (rules/data_loading.py), checkpoints (rules/checkpoints.py),
optimizer parameters and learning-rate reads (rules/optimizer_params.py)."""
import textwrap

import libcst as cst
import pytest

from conftest import convert
from torch2ms.convert import dataflow, kinds
from torch2ms.convert.pipeline import convert_source


def flags(src):
    return [(f.api, f.hint) for f in convert_source(textwrap.dedent(src)).flags]


# ---- dataflow ----------------------------------------------------------------------------------
def test_dataflow_reads_binds_and_changes():
    module = cst.parse_module(textwrap.dedent("""\
        x = f(a, b)
        y = [p for p in x if p.r]
        z += g(lambda q: q + w)
        a.b[c] = 3
        h.fill_(0)
        for i, (j, k) in enumerate(items):
            print(i)
        """))
    rows = [(sorted(dataflow.reads(s)), sorted(dataflow.binds(s)), sorted(dataflow.changes(s))) for s in module.body]
    assert rows == [
        (["a", "b", "f"], ["x"], ["x"]),
        (["x"], ["y"], ["y"]),  # the comprehension's own p is no read
        (["g", "w", "z"], ["z"], ["z"]),  # nor the lambda's q
        (["a", "c"], [], ["a"]),  # assigning into a changes it
        (["h"], [], ["h"]),  # so does an in-place method
        (["enumerate", "i", "items", "print"], ["i", "j", "k"], ["i", "j", "k"]),
    ]


def test_free_reads_know_a_loop_variable_and_a_with_target_are_bound_inside():
    module = cst.parse_module(textwrap.dedent("""\
        total = 0
        for p in model.parameters():
            total = total + p.sum()
        with ctx() as c:
            y = c(x)
        loss = y + total + hidden
        hidden = 3
        """))
    assert dataflow.free_reads(module.body) == ["model", "ctx", "x", "hidden"]


# ---- kinds -------------------------------------------------------------------------------------
def _kinds(src):
    module = cst.parse_module(textwrap.dedent(src))
    aliases = {"torch": "torch", "nn": "torch.nn", "optim": "torch.optim", "DataLoader": "torch.utils.data.DataLoader"}

    def resolve(node):
        path = []
        while isinstance(node, cst.Attribute):
            path.append(node.attr.value)
            node = node.value
        if not isinstance(node, cst.Name) or node.value not in aliases:
            return None
        return ".".join([aliases[node.value], *reversed(path)])

    return kinds.infer(module, resolve, lambda q: q.startswith("torch.nn.") and q[9:10].isupper())


def test_kinds_flow_from_makers_through_calls_returns_annotations_and_attributes():
    found = _kinds("""\
        class Net(nn.Module):
            pass

        def make():
            return Net().to("cpu")

        def fit(model, loader, opt, plain):
            pass

        def check(m: nn.Module):
            pass

        class Trainer:
            def __init__(self, model):
                self.model = model
                self.opt = optim.SGD(self.model.parameters(), lr=0.1)

        def main():
            model = make()
            loader = DataLoader([1, 2])
            opt = optim.Adam(model.parameters())
            fit(model, loader, opt, 3)
            trainer = Trainer(model)
        """)
    assert found.names["main"] == {"model": "cell", "loader": "loader", "opt": "optimizer", "trainer": None} or \
        {k: v for k, v in found.names["main"].items() if v} == {"model": "cell", "loader": "loader", "opt": "optimizer"}
    assert {k: v for k, v in found.names["fit"].items()} == {"model": "cell", "loader": "loader", "opt": "optimizer"}
    assert found.names["check"] == {"m": "cell"}
    assert found.attrs["Trainer"] == {"model": "cell", "opt": "optimizer"}


def test_kinds_from_evidence_named_parameters_and_a_model_called_and_switched():
    found = _kinds("""\
        def train(model, net, other):
            groups = [p for n, p in model.named_parameters()]
            net.train()
            out = net(3)
            other.train()
        """)
    assert found.names["train"] == {"model": "cell", "net": "cell"}


def test_a_method_only_the_files_cell_classes_define_makes_its_receiver_a_cell():
    # a LightningModule-like model: `model.training_step(batch)` says model is the Cell class's
    found = _kinds("""\
        class Lit(nn.Module):
            def training_step(self, batch):
                return batch
            def step(self):
                pass
        class Runner:
            def shared(self):
                pass
        class Other(nn.Module):
            def shared(self):
                pass
        def fit(model, sched, runner):
            loss = model.training_step(1)
            sched.step()
            runner.shared()
        """)
    assert found.names["fit"] == {"model": "cell"}  # step: optimizers have it; shared: Runner too


def test_a_copy_of_a_cell_is_a_cell_and_passes_its_kind_on():
    found = _kinds("""\
        import copy
        def fit(model: nn.Module, data):
            ema = copy.deepcopy(model)
            other = copy.deepcopy(data)
            average(ema, model)
        def average(ema, model):
            pass
        """)
    assert found.names["fit"] == {"model": "cell", "ema": "cell"}
    assert found.names["average"] == {"ema": "cell", "model": "cell"}


def test_calls_that_disagree_give_no_kind():
    found = _kinds("""\
        def show(thing):
            pass
        show(nn.Linear(2, 3))
        show(DataLoader([]))
        """)
    assert "thing" not in found.names.get("show", {})


def test_a_trainers_train_method_stays_but_a_models_train_is_set_train():
    out = convert("""\
        import torch.nn as nn
        class Trainer:
            def train(self):
                return 1
        def run(trainer, model: nn.Module):
            trainer.train()
            model.train()
        """)
    assert "trainer.train()" in out and "model.set_train(True)" in out


# ---- data loading ------------------------------------------------------------------------------
LOADER = """\
    import torch
    from torch.utils.data import DataLoader, TensorDataset, RandomSampler, WeightedRandomSampler
    x, y = torch.ones(8, 2), torch.zeros(8)
    ds = TensorDataset(x, y)
    """


@pytest.mark.parametrize("call, expected", [
    ("DataLoader(ds)", 'GeneratorDataset(ds, column_names=["x", "y"], shuffle=False).batch(1)'),
    ("DataLoader(ds, 4, True, drop_last=True, pin_memory=True, persistent_workers=True)",
     'GeneratorDataset(ds, column_names=["x", "y"], shuffle=True).batch(4, drop_remainder=True)'),
    ("DataLoader(ds, batch_size=None)", 'GeneratorDataset(ds, column_names=["x", "y"], shuffle=False)'),
    ("DataLoader(ds, batch_size=2, num_workers=4)",
     'GeneratorDataset(ds, column_names=["x", "y"], shuffle=False, num_parallel_workers=4).batch(2)'),
    ("DataLoader(ds, batch_size=2, num_workers=workers)",
     'GeneratorDataset(ds, column_names=["x", "y"], shuffle=False, num_parallel_workers=max(1, workers)).batch(2)'),
    ("DataLoader(ds, batch_size=2, sampler=RandomSampler(ds))",
     'GeneratorDataset(ds, column_names=["x", "y"], shuffle=True).batch(2)'),
    ("DataLoader(ds, batch_size=2, sampler=WeightedRandomSampler([1.0] * 8, 8))",
     'GeneratorDataset(ds, column_names=["x", "y"], sampler=mindspore.dataset.WeightedRandomSampler([1.0] * 8, 8)).batch(2)'),
])
def test_loader_arguments_become_the_pipelines(call, expected):
    out = convert(textwrap.dedent(LOADER) + f"workers = 2\nloader = {call}\n")
    assert f"loader = mindspore.dataset.{expected}\n" in out
    assert "ds = list(zip(x.asnumpy(), y.asnumpy()))" in out and "torch" not in out


@pytest.mark.parametrize("call, hint", [
    ("DataLoader(ds, collate_fn=lambda rows: rows)", "`collate_fn=`"),
    ("DataLoader(ds, worker_init_fn=print)", "`worker_init_fn=`"),
    ("DataLoader(ds, generator=torch.Generator())", "`generator=`"),
    ("DataLoader(ds, batch_sampler=[[0, 1]])", "`batch_sampler=`"),
    ("DataLoader(ds, sampler=RandomSampler(ds, replacement=True))", "`sampler=`"),
    ("DataLoader(unknown_source, batch_size=2)", "the source's rows are unknown"),
    ("DataLoader(*args)", "not spelled out"),
])
def test_loader_arguments_without_a_counterpart_are_flagged(call, hint):
    found = flags(textwrap.dedent(LOADER) + f"loader = {call}\n")
    assert any(api == "torch.utils.data.DataLoader" and h and h.startswith(hint) or h and hint in h
               for api, h in found), found


@pytest.mark.parametrize("returns, hint", [
    ('{"x": self.x[i]}', "yields a dict"),
    ("self.x[i]", "yields one value per row"),
])
def test_datasets_whose_rows_are_no_tuples_are_flagged(returns, hint):
    found = flags(f"""\
        import torch
        from torch.utils.data import DataLoader, Dataset
        class Rows(Dataset):
            def __getitem__(self, i):
                return {returns}
        loader = DataLoader(Rows(), batch_size=2)
        """)
    assert any(h and hint in h for _, h in found), found


def test_a_loaders_dataset_is_the_pipelines_source_also_in_a_function_it_is_passed_to():
    out = convert("""\
        from torch.utils.data import DataLoader, TensorDataset
        def count(loader):
            return len(loader.dataset)
        def main(x):
            loader = DataLoader(TensorDataset(x), batch_size=2)
            return count(loader)
        """)
    assert "return len(loader.children[0].source)" in out


def test_dataset_classes_take_an_int_index_and_lose_their_torch_base_only():
    out = convert("""\
        import torch
        class Base:
            pass
        class Rows(torch.utils.data.Dataset, Base):
            def __getitem__(self, idx):
                \"\"\"Row idx.\"\"\"
                return idx, idx
        """)
    assert "class Rows(Base):" in out and '"""Row idx."""\n        idx = int(idx)\n' in out


# ---- checkpoints ----------------------------------------------------------------------------------
def test_checkpoint_file_names_end_in_ckpt_wherever_they_are_spelled():
    out = convert("""\
        import os
        import torch
        import torch.nn as nn
        PATH = "./net.pth"
        model = nn.Linear(2, 2)
        torch.save(model.state_dict(), PATH)
        torch.save(model.state_dict(), os.path.join("out", f"epoch_{3}.pt"))
        model.load_state_dict(torch.load(PATH))
        """)
    assert 'PATH = "./net.ckpt"' in out and 'f"epoch_{3}.ckpt"' in out
    assert "mindspore.load_checkpoint(PATH, net=model, strict_load=True)" in out and "# torch2ms" not in out


def test_loading_from_a_path_not_spelled_in_the_file_is_flagged():
    found = flags("""\
        import torch
        import torch.nn as nn
        def restore(model: nn.Module, path):
            model.load_state_dict(torch.load(path))
        """)
    assert any(api == "torch.load" and ".ckpt" in hint for api, hint in found), found


def test_other_payloads_and_other_loads_are_flagged_and_left():
    src = """\
        import torch
        def snapshot(state, path):
            torch.save({"state": state, "epoch": 3}, path)
            return torch.load(path)["epoch"]
        """
    apis = [api for api, _ in flags(src)]
    assert apis.count("torch.save") == 1 and apis.count("torch.load") == 1
    assert "torch.save({" in convert(src)


# ---- optimizer parameters, rates and schedulers ------------------------------------------------------
def test_optimizer_parameters_rates_and_schedulers():
    out = convert("""\
        import torch
        import torch.nn as nn
        model = nn.Linear(2, 2)
        opt = torch.optim.RMSprop([p for p in model.parameters() if p.requires_grad], lr=0.1, foreach=True)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)
        for group in opt.param_groups:
            group["lr"] *= 0.5
            print(group["lr"])
        last = sched.get_last_lr()[0]
        """)
    assert "opt = mindspore.experimental.optim.RMSprop(model.trainable_params(), lr=0.1)" in out
    assert "sched = mindspore.experimental.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=3)" in out
    assert 'ops.assign(group["lr"], mindspore.Tensor(float(group["lr"]) * 0.5, mindspore.float32))' in out
    assert 'print(float(group["lr"]))' in out
    assert "last = float(sched.get_last_lr()[0])" in out
    assert convert(out) == out


def test_a_scheduler_step_with_an_epoch_mindspore_cannot_take_is_flagged():
    # measured: CosineAnnealingWarmRestarts(opt, T_0, T_mult=2).step(epoch) raises TypeError in
    # MindSpore 2.10 (ops.Log() called with two arguments); with T_mult=1, or step(), it works
    out = convert("""\
        import torch
        m = torch.nn.Linear(2, 2)
        opt = torch.optim.SGD(m.parameters(), lr=0.1)
        plain = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 2)
        doubling = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        plain.step(2.5)
        doubling.step()
        doubling.step(2.5)
        """)
    lines = {line.split("(")[0].strip(): line for line in out.splitlines() if ".step(" in line}
    assert "# torch2ms" not in lines["plain.step"] and "# torch2ms" not in out.split("doubling.step()")[1].split("\n")[0]
    assert "T_mult != 1" in out.split("doubling.step(2.5)")[1].split("\n")[0]


def test_mindspores_warm_restarts_step_with_an_epoch_fails_only_with_t_mult_above_one():
    ms = pytest.importorskip("mindspore")
    from mindspore import mint
    from mindspore.experimental.optim import SGD
    from mindspore.experimental.optim.lr_scheduler import CosineAnnealingWarmRestarts

    def make(t_mult):
        return CosineAnnealingWarmRestarts(SGD(mint.nn.Linear(2, 1).trainable_params(), lr=0.1), 2, t_mult)

    make(1).step(2.5)
    make(2).step()
    with pytest.raises(TypeError):
        make(2).step(2.5)


def test_optimizer_options_mindspore_lacks_are_flagged_unless_torchs_default():
    src = """\
        import torch
        def make(params):
            a = torch.optim.Adam(params, capturable=False, decoupled_weight_decay=True)
            b = torch.optim.SGD(params)
        """
    out = convert(src)
    assert "capturable" not in out and "decoupled_weight_decay=True" in out
    assert "mint.optim.SGD(params, lr=0.001)" in out  # torch's default learning rate; MindSpore has none
    assert any("decoupled" in (h or "") for _, h in flags(src))
