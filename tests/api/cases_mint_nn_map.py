"""Cases for the rows of `mint_nn_map` (layers and torch.nn.functional).

Layers with parameters get the same weights in both frameworks: each snippet fills them
from torch.linspace after construction (`fill`), which the converter turns into
mint.linspace + Parameter.copy_ under mindspore._no_grad(), so both sides compute with
identical numbers. Inputs are sin(arange(n)): deterministic, not monotone, with no ties.
"""
import textwrap

from api.harness import Case

_HEAD = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"
_FILL = """
def fill(m):
    with torch.no_grad():
        m.weight.copy_(torch.linspace(-1, 1, m.weight.numel()).reshape(m.weight.shape))
        b = getattr(m, "bias", None)
        if b is not None:
            b.copy_(torch.linspace(-0.5, 0.5, b.numel()))
"""


def C(api, body, fill=False, kernel="", **kw):
    """A case. `kernel` names the MindSpore kernel CPU lacks (with no stand-in in the test
    fallback): the case is then checked by text, on `expect` (its torch side was run when it
    was written; the harness runs only the converted text of text cases)."""
    src = _HEAD + (textwrap.dedent(_FILL).lstrip() if fill else "") + textwrap.dedent(body).strip() + "\n"
    if kernel:
        assert kw.get("expect"), api
        note = f"no CPU kernel: {kernel}, and no stand-in in torch2ms/fallback/"
        kw["note"] = f"{kw['note']}; {note}" if kw.get("note") else note
        kw["mode"] = "text"
    return Case(api, src, **kw)


def X(*shape, name="x", offset=0.0):
    """A line making a deterministic input of this shape."""
    n = 1
    for s in shape:
        n *= s
    dims = ", ".join(str(s) for s in shape)
    return f"{name} = torch.sin(torch.arange({n}.0) + {offset}).reshape({dims})"


CASES = [
    # ---- convolutions, fold -------------------------------------------------
    C("torch.nn.Conv2d", f"""
        {X(2, 3, 5, 5)}
        m = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        fill(m)
        out = m(x)
    """, fill=True),
    C("torch.nn.Conv2d", f"""
        {X(1, 2, 6, 6)}
        m = nn.Conv2d(2, 4, (3, 2), 1, 1, 1, 2, False)
        fill(m)
        out = m(x)
    """, fill=True, note="positional stride, padding, dilation, groups, bias"),
    C("torch.nn.Conv2d", f"""
        {X(1, 2, 5, 5)}
        m = nn.Conv2d(2, 3, 3, padding='same', padding_mode='reflect', bias=False)
        fill(m)
        out = m(x)
    """, fill=True, note="string padding, non-zero padding mode"),
    C("torch.nn.Conv3d", f"""
        {X(1, 2, 4, 4, 4)}
        m = nn.Conv3d(2, 3, 3, stride=1, padding=1)
        fill(m)
        out = m(x)
    """, kernel="Conv3DExt", expect=("mint.nn.Conv3d(2, 3, 3, stride=1, padding=1)",), fill=True),
    C("torch.nn.ConvTranspose2d", f"""
        {X(1, 2, 3, 3)}
        m = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1)
        fill(m)
        out = m(x)
    """,
      kernel="ConvTranspose2D",
      expect=("mint.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1)",), fill=True),
    C("torch.nn.Fold", f"""
        {X(1, 8, 9)}
        out = nn.Fold(output_size=(4, 4), kernel_size=2)(x)
    """, expect=("mint.nn.Fold(output_size=(4, 4), kernel_size=2)(x)",)),
    C("torch.nn.Fold", f"""
        {X(1, 18, 9)}
        out = nn.Fold((5, 5), 3, 1, 1, 2)(x)
    """,
      expect=("mint.nn.Fold((5, 5), 3, 1, 1, 2)(x)",),
      note="positional dilation, padding, stride"),
    C("torch.nn.Unfold", f"""
        {X(1, 2, 4, 4)}
        out = nn.Unfold(kernel_size=2, stride=1)(x)
    """, expect=("mint.nn.Unfold(kernel_size=2, stride=1)(x)",)),
    C("torch.nn.Unfold", f"""
        {X(1, 2, 5, 5)}
        out = nn.Unfold(3, 1, 1, 2)(x)
    """,
      expect=("mint.nn.Unfold(3, 1, 1, 2)(x)",),
      note="positional dilation, padding, stride"),
    # ---- normalisation --------------------------------------------------------
    C("torch.nn.BatchNorm1d", f"""
        {X(4, 3)}
        m = nn.BatchNorm1d(3, momentum=0.2)
        fill(m)
        m.train()
        out = m(x)
        m.eval()
        out2 = m(x)
        mean, var = m.running_mean, m.running_var
    """, fill=True, outputs=("out", "out2", "mean", "var")),
    C("torch.nn.BatchNorm2d", f"""
        {X(2, 3, 4, 4)}
        m = nn.BatchNorm2d(3, 1e-3, 0.1)
        fill(m)
        m.train()
        out = m(x)
        m.eval()
        out2 = m(x)
        mean, var = m.running_mean, m.running_var
    """, fill=True, outputs=("out", "out2", "mean", "var")),
    C("torch.nn.BatchNorm2d", f"""
        {X(2, 3, 4, 4)}
        m = nn.BatchNorm2d(3, affine=False, track_running_stats=False)
        out = m(x)
    """, note="no running statistics: batch statistics in either mode"),
    C("torch.nn.BatchNorm3d", f"""
        {X(2, 3, 2, 2, 2)}
        m = nn.BatchNorm3d(3)
        fill(m)
        m.train()
        out = m(x)
        m.eval()
        out2 = m(x)
    """,
      kernel="BatchNormExt (torch2ms/fallback/layers.py has BatchNorm1d/2d only)",
      expect=("mint.nn.BatchNorm3d(3)", "m.set_train(True)", "m.set_train(False)"), fill=True,
      outputs=("out", "out2")),
    C("torch.nn.GroupNorm", f"""
        {X(2, 4, 3, 3)}
        m = nn.GroupNorm(2, 4, eps=1e-4)
        fill(m)
        out = m(x)
    """, fill=True),
    C("torch.nn.LayerNorm", f"""
        {X(2, 3, 4)}
        m = nn.LayerNorm(4, eps=1e-6)
        fill(m)
        out = m(x)
    """, fill=True),
    C("torch.nn.LayerNorm", f"""
        {X(2, 3, 4)}
        m = nn.LayerNorm([3, 4], 1e-5, False)
        out = m(x)
    """, note="positional eps, elementwise_affine"),
    C("torch.nn.LayerNorm", f"""
        {X(2, 3, 4)}
        m = nn.LayerNorm((4,), elementwise_affine=True, bias=False)
        fill(m)
        out = m(x)
    """, fill=True, note="bias=False"),
    C("torch.nn.SyncBatchNorm", f"""
        {X(2, 3, 4, 4)}
        m = nn.SyncBatchNorm(3)
        fill(m)
        m.eval()
        out = m(x)
    """, fill=True),
    # ---- activations ----------------------------------------------------------
    C("torch.nn.ELU", f"""
        {X(2, 5)}
        out = nn.ELU(alpha=0.5)(x)
    """, kernel="EluExt", expect=("mint.nn.ELU(alpha=0.5)(x)",)),
    C("torch.nn.ELU", f"""
        {X(2, 5)}
        out = nn.ELU(0.5, True)(x)
    """, kernel="EluExt", expect=("mint.nn.ELU(0.5)(x)",), note="positional inplace"),
    C("torch.nn.GELU", f"""
        {X(2, 5)}
        out = nn.GELU()(x)
        out2 = nn.GELU('tanh')(x)
        out3 = nn.GELU(approximate='tanh')(x)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.GLU", f"""
        {X(2, 6)}
        out = nn.GLU()(x)
        out2 = nn.GLU(0)(x)
    """, outputs=("out", "out2")),
    C("torch.nn.Hardshrink", f"""
        {X(2, 5)}
        out = nn.Hardshrink(0.3)(x)
        out2 = nn.Hardshrink(lambd=0.6)(x)
    """, outputs=("out", "out2")),
    C("torch.nn.Hardsigmoid", f"""
        x = torch.linspace(-4, 4, 10)
        out = nn.Hardsigmoid()(x)
        x2 = x * 1.0
        out2 = nn.Hardsigmoid(inplace=True)(x2)
    """, outputs=("out", "out2")),
    C("torch.nn.Hardswish", f"""
        x = torch.linspace(-4, 4, 10)
        out = nn.Hardswish()(x)
        x2 = x * 1.0
        out2 = nn.Hardswish(True)(x2)
    """, outputs=("out", "out2")),
    C("torch.nn.LogSigmoid", f"""
        {X(2, 5)}
        out = nn.LogSigmoid()(x)
    """, kernel="LogSigmoid", expect=("mint.nn.LogSigmoid()(x)",)),
    C("torch.nn.LogSoftmax", f"""
        {X(2, 5)}
        out = nn.LogSoftmax(dim=1)(x)
        out2 = nn.LogSoftmax(0)(x)
    """, outputs=("out", "out2")),
    C("torch.nn.Mish", f"""
        {X(2, 5)}
        out = nn.Mish()(x)
        x2 = x * 1.0
        out2 = nn.Mish(inplace=True)(x2)
    """, kernel="MishExt", expect=("mint.nn.Mish()(x)", "mint.nn.Mish()(x2)"), outputs=("out", "out2")),
    C("torch.nn.PReLU", f"""
        {X(2, 3, 4)}
        m = nn.PReLU(3, 0.1)
        out = m(x)
        m2 = nn.PReLU(num_parameters=1, init=0.3)
        out2 = m2(x)
    """, outputs=("out", "out2")),
    C("torch.nn.ReLU", f"""
        {X(2, 5)}
        out = nn.ReLU()(x)
        x2 = x * 1.0
        out2 = nn.ReLU(inplace=True)(x2)
    """, outputs=("out", "out2")),
    C("torch.nn.ReLU6", f"""
        x = torch.linspace(-8, 8, 10)
        out = nn.ReLU6()(x)
        x2 = x * 1.0
        out2 = nn.ReLU6(True)(x2)
    """, kernel="Hardtanh", expect=("mint.nn.ReLU6()(x)", "mint.nn.ReLU6()(x2)"), outputs=("out", "out2")),
    C("torch.nn.SELU", f"""
        {X(2, 5)}
        out = nn.SELU()(x)
        x2 = x * 1.0
        out2 = nn.SELU(inplace=True)(x2)
    """, kernel="SeLUExt", expect=("mint.nn.SELU()(x)", "mint.nn.SELU()(x2)"), outputs=("out", "out2")),
    C("torch.nn.SiLU", f"""
        {X(2, 5)}
        out = nn.SiLU()(x)
        x2 = x * 1.0
        out2 = nn.SiLU(True)(x2)
    """, outputs=("out", "out2")),
    C("torch.nn.Sigmoid", f"""
        {X(2, 5)}
        out = nn.Sigmoid()(x)
    """),
    C("torch.nn.Softmax", f"""
        {X(2, 5)}
        out = nn.Softmax(dim=-1)(x)
        out2 = nn.Softmax(0)(x)
    """, outputs=("out", "out2")),
    C("torch.nn.Softshrink", f"""
        {X(2, 5)}
        out = nn.Softshrink(0.3)(x)
        out2 = nn.Softshrink(lambd=0.6)(x)
    """, outputs=("out", "out2")),
    C("torch.nn.Tanh", f"""
        {X(2, 5)}
        out = nn.Tanh()(x)
    """),
    # ---- embedding, linear, dropout -------------------------------------------
    C("torch.nn.Embedding", """
        idx = torch.tensor([[0, 2, 4], [1, 3, 0]])
        m = nn.Embedding(5, 3, padding_idx=0)
        fill(m)
        out = m(idx)
    """, fill=True),
    C("torch.nn.Linear", f"""
        {X(2, 4)}
        m = nn.Linear(4, 3)
        fill(m)
        out = m(x)
        m2 = nn.Linear(4, 2, False)
        fill(m2)
        out2 = m2(x)
    """, fill=True, outputs=("out", "out2")),
    C("torch.nn.Dropout", f"""
        {X(2, 5)}
        m = nn.Dropout(0.3)
        m.eval()
        out = m(x)
    """),
    C("torch.nn.Dropout", """
        x = torch.ones(2000)
        m = nn.Dropout(p=0.5)
        m.train()
        y = m(x)
        kept = float((y != 0).float().mean())
        ok = 0.4 < kept < 0.6 and bool(((y == 0) | (y == 2.0)).all())
    """, outputs=("ok",), note="training: about half dropped, the rest scaled by 1/(1-p)"),
    C("torch.nn.Dropout2d", f"""
        {X(2, 3, 4, 4)}
        m = nn.Dropout2d(0.3)
        m.eval()
        out = m(x)
    """),
    C("torch.nn.Dropout2d", """
        x = torch.ones(20, 50, 2, 2)
        m = nn.Dropout2d(p=0.5)
        m.train()
        y = m(x)
        kept = float((y != 0).float().mean())
        per_channel = y.sum((2, 3))
        ok = 0.4 < kept < 0.6 and bool(((per_channel == 0) | (per_channel == 8.0)).all())
    """,
      kernel="Dropout2dExt (training)", expect=("mint.nn.Dropout2d(p=0.5)", "m.set_train(True)"),
      outputs=("ok",), note="training: whole channels dropped, the rest scaled by 1/(1-p)"),
    # ---- pooling --------------------------------------------------------------
    C("torch.nn.AdaptiveAvgPool1d", f"""
        {X(2, 3, 7)}
        out = nn.AdaptiveAvgPool1d(3)(x)
    """, kernel="AdaptiveAvgPool1D", expect=("mint.nn.AdaptiveAvgPool1d(3)(x)",)),
    C("torch.nn.AdaptiveAvgPool2d", f"""
        {X(2, 3, 5, 7)}
        out = nn.AdaptiveAvgPool2d((2, 3))(x)
        out2 = nn.AdaptiveAvgPool2d(output_size=1)(x)
    """, outputs=("out", "out2")),
    C("torch.nn.AdaptiveAvgPool3d", f"""
        {X(1, 2, 4, 5, 6)}
        out = nn.AdaptiveAvgPool3d((2, 2, 3))(x)
    """, kernel="AdaptiveAvgPool3DExt", expect=("mint.nn.AdaptiveAvgPool3d((2, 2, 3))(x)",)),
    C("torch.nn.AdaptiveMaxPool1d", f"""
        {X(2, 3, 8)}
        out = nn.AdaptiveMaxPool1d(3)(x)
        out2, idx = nn.AdaptiveMaxPool1d(4, return_indices=True)(x)
    """,
      kernel="AdaptiveMaxPool1D",
      expect=("mint.nn.AdaptiveMaxPool1d(3)(x)", "mint.nn.AdaptiveMaxPool1d(4, return_indices=True)(x)"),
      outputs=("out", "out2", "idx")),
    C("torch.nn.AvgPool2d", f"""
        {X(2, 3, 5, 5)}
        out = nn.AvgPool2d(2)(x)
        out2 = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)(x)
        out3 = nn.AvgPool2d(2, 1, 0, True, True, 2)(x)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.AvgPool3d", f"""
        {X(1, 2, 4, 4, 4)}
        out = nn.AvgPool3d(2, stride=2)(x)
    """, kernel="AvgPool3DExt", expect=("mint.nn.AvgPool3d(2, stride=2)(x)",)),
    C("torch.nn.MaxUnpool2d", f"""
        {X(1, 2, 4, 4)}
        y, idx = nn.MaxPool2d(2, stride=2, return_indices=True)(x)
        out = nn.MaxUnpool2d(2, stride=2)(y, idx)
    """, kernel="MaxUnpool2DExt", expect=("mint.nn.MaxUnpool2d(2, stride=2)(y, idx)",)),
    # ---- padding layers -------------------------------------------------------
    C("torch.nn.ConstantPad1d", f"""
        {X(1, 2, 3)}
        out = nn.ConstantPad1d(2, 3.5)(x)
        out2 = nn.ConstantPad1d((1, 0), value=-1.0)(x)
    """, outputs=("out", "out2")),
    C("torch.nn.ConstantPad2d", f"""
        {X(1, 2, 3, 3)}
        out = nn.ConstantPad2d((1, 0, 2, 1), 0.5)(x)
    """),
    C("torch.nn.ConstantPad3d", f"""
        {X(1, 1, 2, 2, 2)}
        out = nn.ConstantPad3d(1, 2.0)(x)
    """),
    C("torch.nn.ReflectionPad1d", f"""
        {X(1, 2, 4)}
        out = nn.ReflectionPad1d(2)(x)
        out2 = nn.ReflectionPad1d((3, 1))(x)
    """, outputs=("out", "out2")),
    C("torch.nn.ReflectionPad2d", f"""
        {X(1, 2, 3, 4)}
        out = nn.ReflectionPad2d((1, 2, 2, 0))(x)
    """),
    C("torch.nn.ReflectionPad3d", f"""
        {X(1, 1, 3, 3, 3)}
        out = nn.ReflectionPad3d(1)(x)
    """,
      kernel="PadV3 for 5-D reflect (ValueError: input dims for reflect mode must be <= 4)",
      expect=("mint.nn.ReflectionPad3d(1)(x)",)),
    C("torch.nn.ReplicationPad1d", f"""
        {X(1, 2, 4)}
        out = nn.ReplicationPad1d((2, 1))(x)
    """),
    C("torch.nn.ReplicationPad2d", f"""
        {X(1, 2, 3, 3)}
        out = nn.ReplicationPad2d(2)(x)
    """),
    C("torch.nn.ReplicationPad3d", f"""
        {X(1, 1, 2, 2, 2)}
        out = nn.ReplicationPad3d((1, 0, 1, 0, 0, 1))(x)
    """),
    C("torch.nn.ZeroPad1d", f"""
        {X(1, 2, 3)}
        out = nn.ZeroPad1d((1, 2))(x)
    """),
    C("torch.nn.ZeroPad2d", f"""
        {X(1, 2, 3, 3)}
        out = nn.ZeroPad2d(1)(x)
        out2 = nn.ZeroPad2d((1, 0, 0, 2))(x)
    """, outputs=("out", "out2")),
    C("torch.nn.ZeroPad3d", f"""
        {X(1, 1, 2, 2, 2)}
        out = nn.ZeroPad3d(1)(x)
    """),
    # ---- losses (layers) ------------------------------------------------------
    C("torch.nn.BCELoss", """
        p = torch.sigmoid(torch.sin(torch.arange(12.0))).reshape(3, 4)
        t = (torch.cos(torch.arange(12.0)) > 0).float().reshape(3, 4)
        w = torch.linspace(0.5, 1.5, 12).reshape(3, 4)
        out = nn.BCELoss()(p, t)
        out2 = nn.BCELoss(weight=w, reduction='sum')(p, t)
        out3 = nn.BCELoss(w, reduction='none')(p, t)
    """, outputs=("out", "out2", "out3"),
      note="weight has the input's shape: MindSpore's CPU kernel does not broadcast a (4,) weight over rows "
           "(only the first row is weighted, the others come out 0; docs/wrong-rows-nn.md)"),
    C("torch.nn.BCEWithLogitsLoss", """
        z = torch.sin(torch.arange(12.0)).reshape(3, 4) * 3
        t = (torch.cos(torch.arange(12.0)) > 0).float().reshape(3, 4)
        pw = torch.linspace(0.5, 2.0, 4)
        out = nn.BCEWithLogitsLoss()(z, t)
        out2 = nn.BCEWithLogitsLoss(pos_weight=pw, reduction='sum')(z, t)
    """, outputs=("out", "out2")),
    C("torch.nn.CrossEntropyLoss", """
        z = torch.sin(torch.arange(15.0)).reshape(3, 5) * 2
        t = torch.tensor([1, 0, 4])
        w = torch.linspace(0.5, 1.5, 5)
        out = nn.CrossEntropyLoss()(z, t)
        out2 = nn.CrossEntropyLoss(weight=w, ignore_index=0, reduction='sum', label_smoothing=0.1)(z, t)
    """, outputs=("out", "out2")),
    C("torch.nn.CrossEntropyLoss", """
        z = torch.sin(torch.arange(30.0)).reshape(2, 5, 3) * 2
        t = torch.tensor([[1, 0, 4], [2, 2, 3]])
        y = torch.cos(torch.arange(15.0)).reshape(3, 5)
        probs = torch.softmax(torch.sin(torch.arange(15.0) * 0.3).reshape(3, 5), dim=1)
        out = nn.CrossEntropyLoss()(z, t)
        out2 = nn.CrossEntropyLoss(label_smoothing=0.2)(y, probs)
    """, outputs=("out", "out2"), note="K-dimensional input; class-probability targets"),
    C("torch.nn.KLDivLoss", """
        logp = torch.log_softmax(torch.sin(torch.arange(12.0)).reshape(3, 4), dim=1)
        q = torch.softmax(torch.cos(torch.arange(12.0)).reshape(3, 4), dim=1)
        out = nn.KLDivLoss(reduction='batchmean')(logp, q)
        out2 = nn.KLDivLoss(reduction='sum', log_target=True)(logp, torch.log(q))
    """,
      kernel="KLDiv",
      expect=(
          "mint.nn.KLDivLoss(reduction='batchmean')(logp, q)",
          "mint.nn.KLDivLoss(reduction='sum', log_target=True)",
      ),
      outputs=("out", "out2")),
    C("torch.nn.L1Loss", f"""
        {X(3, 4)}
        {X(3, 4, name="y", offset=1.0)}
        out = nn.L1Loss()(x, y)
        out2 = nn.L1Loss(reduction='none')(x, y)
    """,
      kernel="L1LossExt", expect=("mint.nn.L1Loss()(x, y)", "mint.nn.L1Loss(reduction='none')(x, y)"),
      outputs=("out", "out2")),
    C("torch.nn.MSELoss", f"""
        {X(3, 4)}
        {X(3, 4, name="y", offset=1.0)}
        out = nn.MSELoss()(x, y)
        out2 = nn.MSELoss(reduction='sum')(x, y)
    """,
      kernel="MSELossExt", expect=("mint.nn.MSELoss()(x, y)", "mint.nn.MSELoss(reduction='sum')(x, y)"),
      outputs=("out", "out2")),
    C("torch.nn.NLLLoss", """
        logp = torch.log_softmax(torch.sin(torch.arange(15.0)).reshape(3, 5), dim=1)
        t = torch.tensor([1, 0, 4])
        w = torch.linspace(0.5, 1.5, 5)
        out = nn.NLLLoss()(logp, t)
        out2 = nn.NLLLoss(weight=w, ignore_index=1, reduction='sum')(logp, t)
    """, outputs=("out", "out2")),
    C("torch.nn.SmoothL1Loss", f"""
        {X(3, 4)}
        y = torch.cos(torch.arange(12.0)).reshape(3, 4) * 2
        out = nn.SmoothL1Loss()(x, y)
        out2 = nn.SmoothL1Loss(reduction='sum', beta=0.5)(x, y)
    """, outputs=("out", "out2")),
    # ---- shuffling, resizing, identity -------------------------------------------
    C("torch.nn.PixelShuffle", f"""
        {X(1, 8, 2, 3)}
        out = nn.PixelShuffle(2)(x)
    """),
    C("torch.nn.Upsample", f"""
        {X(1, 2, 3, 3)}
        out = nn.Upsample(scale_factor=2.0)(x)
        out2 = nn.Upsample(size=(5, 4))(x)
        out3 = nn.Upsample(None, 1.5, 'nearest')(x)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.Upsample", f"""
        {X(1, 2, 3, 3)}
        out = nn.Upsample(size=(5, 4), mode='bilinear', align_corners=False)(x)
        out2 = nn.Upsample(None, 1.5, 'bilinear', True)(x)
    """, outputs=("out", "out2"),
      expect=("mint.nn.Upsample(size=(5, 4), mode='bilinear', align_corners=False)(x)",
              "mint.nn.Upsample(None, 1.5, 'bilinear', True)(x)")),
    C("torch.nn.Upsample", f"""
        {X(1, 2, 3, 3)}
        out = nn.Upsample(scale_factor=2, mode='nearest-exact')(x)
        out2 = nn.Upsample(None, (3.0, 2.0), 'nearest-exact')(x)
    """, outputs=("out", "out2"), expect=("mode='nearest')(x)", "'nearest')(x)"),
      note="mint has no 'nearest-exact'; for a whole upscaling factor it picks what 'nearest' picks"),
    C("torch.nn.Upsample", f"""
        {X(1, 2, 3, 3)}
        out = nn.Upsample(size=(2, 2), mode='nearest-exact')(x)
    """, mode="flag", expect=("# torch2ms:", "'nearest-exact'")),
    C("torch.nn.Identity", f"""
        {X(2, 3)}
        out = nn.Identity()(x)
        out2 = nn.Identity(54, unused='x')(x)
    """, outputs=("out", "out2")),
]

def W(name, *shape, lo=-1, hi=1):
    n = 1
    for s in shape:
        n *= s
    return f"{name} = torch.linspace({lo}, {hi}, {n}).reshape({', '.join(map(str, shape))})"


CASES += [
    # ---- functional: convolution, fold ------------------------------------------
    C("torch.nn.functional.conv2d", f"""
        {X(2, 3, 5, 5)}
        {W("w", 4, 3, 3, 3)}
        b = torch.linspace(-0.5, 0.5, 4)
        out = F.conv2d(x, w, b, 2, 1)
        out2 = F.conv2d(x, w, bias=b, stride=1, padding=(1, 0), dilation=2)
        out3 = F.conv2d(input=x, weight=w, padding='same')
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.conv2d", f"""
        {X(1, 4, 5, 5)}
        {W("w", 4, 2, 3, 3)}
        out = F.conv2d(x, w, None, 1, 0, 1, 2)
    """, note="positional groups"),
    C("torch.nn.functional.conv3d", f"""
        {X(1, 2, 4, 4, 4)}
        {W("w", 3, 2, 3, 3, 3)}
        out = F.conv3d(x, w, None, 1, 1)
    """,
      kernel="Conv3DExt (NotImplementedError: conv3d only supports Ascend)",
      expect=("mint.nn.functional.conv3d(x, w, None, 1, 1)",)),
    C("torch.nn.functional.conv_transpose2d", f"""
        {X(1, 2, 3, 3)}
        {W("w", 2, 3, 3, 3)}
        out = F.conv_transpose2d(x, w, None, 2, 1, 1)
    """, kernel="ConvTranspose2D", expect=("mint.nn.functional.conv_transpose2d(x, w, None, 2, 1, 1)",)),
    C("torch.nn.functional.fold", f"""
        {X(1, 8, 9)}
        out = F.fold(x, (4, 4), 2)
        out2 = F.fold(x, output_size=(4, 4), kernel_size=2, stride=1)
    """,
      expect=(
          "mint.nn.functional.fold(x, (4, 4), 2)",
          "mint.nn.functional.fold(x, output_size=(4, 4), kernel_size=2, stride=1)",
      ),
      outputs=("out", "out2")),
    C("torch.nn.functional.unfold", f"""
        {X(1, 2, 4, 4)}
        out = F.unfold(x, 2)
        out2 = F.unfold(x, kernel_size=3, padding=1, stride=2)
    """,
      expect=(
          "mint.nn.functional.unfold(x, 2)",
          "mint.nn.functional.unfold(x, kernel_size=3, padding=1, stride=2)",
      ),
      outputs=("out", "out2")),
    # ---- functional: pooling ------------------------------------------------------
    C("torch.nn.functional.adaptive_avg_pool1d", f"""
        {X(2, 3, 7)}
        out = F.adaptive_avg_pool1d(x, 3)
    """, kernel="AdaptiveAvgPool1D", expect=("mint.nn.functional.adaptive_avg_pool1d(x, 3)",)),
    C("torch.nn.functional.adaptive_avg_pool2d", f"""
        {X(2, 3, 5, 7)}
        out = F.adaptive_avg_pool2d(x, (2, 3))
        out2 = F.adaptive_avg_pool2d(x, output_size=1)
    """, outputs=("out", "out2")),
    C("torch.nn.functional.adaptive_avg_pool3d", f"""
        {X(1, 2, 4, 5, 6)}
        out = F.adaptive_avg_pool3d(x, (2, 2, 3))
    """, kernel="AdaptiveAvgPool3DExt", expect=("mint.nn.functional.adaptive_avg_pool3d(x, (2, 2, 3))",)),
    C("torch.nn.functional.adaptive_max_pool1d", f"""
        {X(2, 3, 8)}
        out = F.adaptive_max_pool1d(x, 3)
        out2, idx = F.adaptive_max_pool1d(x, 4, return_indices=True)
    """,
      kernel="AdaptiveMaxPool1D",
      expect=(
          "mint.nn.functional.adaptive_max_pool1d(x, 3)",
          "mint.nn.functional.adaptive_max_pool1d(x, 4, return_indices=True)",
      ),
      outputs=("out", "out2", "idx")),
    C("torch.nn.functional.avg_pool1d", f"""
        {X(2, 3, 8)}
        out = F.avg_pool1d(x, 3, 2, 1)
        out2 = F.avg_pool1d(x, kernel_size=2, ceil_mode=True, count_include_pad=False)
    """,
      kernel="AvgPool1D",
      expect=(
          "mint.nn.functional.avg_pool1d(x, 3, 2, 1)",
          "mint.nn.functional.avg_pool1d(x, kernel_size=2, ceil_mode=True, count_include_pad=False)",
      ),
      outputs=("out", "out2")),
    C("torch.nn.functional.avg_pool2d", f"""
        {X(2, 3, 5, 5)}
        out = F.avg_pool2d(x, 2)
        out2 = F.avg_pool2d(x, 3, 2, 1, False, False)
        out3 = F.avg_pool2d(x, kernel_size=2, stride=1, divisor_override=3)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.avg_pool3d", f"""
        {X(1, 2, 4, 4, 4)}
        out = F.avg_pool3d(x, 2, stride=2)
    """, kernel="AvgPool3DExt", expect=("mint.nn.functional.avg_pool3d(x, 2, stride=2)",)),
    C("torch.nn.functional.max_pool2d", f"""
        {X(2, 3, 5, 5)}
        out = F.max_pool2d(x, 2)
        out2 = F.max_pool2d(x, 3, 2, 1)
        out3, idx = F.max_pool2d(x, kernel_size=2, stride=2, return_indices=True)
    """, outputs=("out", "out2", "out3", "idx")),
    C("torch.nn.functional.max_unpool2d", f"""
        {X(1, 2, 4, 4)}
        y, idx = F.max_pool2d(x, 2, stride=2, return_indices=True)
        out = F.max_unpool2d(y, idx, 2)
        out2 = F.max_unpool2d(y, idx, kernel_size=2, stride=2, output_size=(5, 5))
    """,
      kernel="MaxUnpool2DExt",
      expect=(
          "mint.nn.functional.max_unpool2d(y, idx, 2)",
          "mint.nn.functional.max_unpool2d(y, idx, kernel_size=2, stride=2, output_size=(5, 5))",
      ),
      outputs=("out", "out2")),
    # ---- functional: normalisation -------------------------------------------------
    C("torch.nn.functional.batch_norm", f"""
        {X(4, 3, 2)}
        rm = torch.linspace(-0.2, 0.2, 3)
        rv = torch.linspace(0.5, 1.5, 3)
        w = torch.linspace(0.5, 2.0, 3)
        b = torch.linspace(-1.0, 1.0, 3)
        out = F.batch_norm(x, rm, rv, w, b)
        out2 = F.batch_norm(x, rm, rv, weight=w, bias=b, training=False, eps=1e-3)
    """,
      kernel="BatchNormExt",
      expect=(
          "mint.nn.functional.batch_norm(x, rm, rv, w, b)",
          "mint.nn.functional.batch_norm(x, rm, rv, weight=w, bias=b, training=False, eps=1e-3)",
      ),
      outputs=("out", "out2")),
    C("torch.nn.functional.batch_norm", f"""
        {X(4, 3, 2)}
        rm = torch.zeros(3)
        rv = torch.ones(3)
        out = F.batch_norm(x, rm, rv, None, None, True, 0.3)
        mean, var = rm, rv
    """,
      kernel="BatchNormExt", expect=("mint.nn.functional.batch_norm(x, rm, rv, None, None, True, 0.3)",),
      outputs=("out", "mean", "var"), note="training: batch statistics, running ones updated in place"),
    C("torch.nn.functional.group_norm", f"""
        {X(2, 4, 3)}
        w = torch.linspace(0.5, 2.0, 4)
        b = torch.linspace(-1.0, 1.0, 4)
        out = F.group_norm(x, 2, w, b, 1e-3)
        out2 = F.group_norm(x, num_groups=4)
    """, outputs=("out", "out2")),
    C("torch.nn.functional.layer_norm", f"""
        {X(2, 3, 4)}
        w = torch.linspace(0.5, 2.0, 4)
        b = torch.linspace(-1.0, 1.0, 4)
        out = F.layer_norm(x, (4,), w, b)
        out2 = F.layer_norm(x, [3, 4], eps=1e-3)
        out3 = F.layer_norm(x, normalized_shape=(4,), weight=w, bias=b, eps=1e-6)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.normalize", f"""
        {X(3, 4)}
        out = F.normalize(x)
        out2 = F.normalize(x, 1.0, 0)
        out3 = F.normalize(x, p=3, dim=-1, eps=1e-6)
    """, outputs=("out", "out2", "out3")),
    # ---- functional: activations -----------------------------------------------------
    C("torch.nn.functional.elu", f"""
        {X(2, 5)}
        out = F.elu(x)
        out2 = F.elu(x, 0.5)
        out3 = F.elu(x, alpha=2.0, inplace=False)
    """,
      kernel="EluExt",
      expect=(
          "mint.nn.functional.elu(x)",
          "mint.nn.functional.elu(x, 0.5)",
          "mint.nn.functional.elu(x, alpha=2.0)",
      ),
      outputs=("out", "out2", "out3")),
    C("torch.nn.functional.elu_", f"""
        {X(2, 5)}
        F.elu_(x, 0.5)
        out = x
    """, kernel="InplaceElu", expect=("mint.nn.functional.elu_(x, 0.5)",)),
    C("torch.nn.functional.gelu", f"""
        {X(2, 5)}
        out = F.gelu(x)
        out2 = F.gelu(x, approximate='tanh')
    """, outputs=("out", "out2")),
    C("torch.nn.functional.glu", f"""
        {X(2, 6)}
        out = F.glu(x)
        out2 = F.glu(x, 0)
        out3 = F.glu(x, dim=-1)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.hardshrink", f"""
        {X(2, 5)}
        out = F.hardshrink(x)
        out2 = F.hardshrink(x, 0.3)
        out3 = F.hardshrink(x, lambd=0.6)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.hardsigmoid", """
        x = torch.linspace(-4, 4, 10)
        out = F.hardsigmoid(x)
        out2 = F.hardsigmoid(x * 1.0, inplace=True)
    """, outputs=("out", "out2")),
    C("torch.nn.functional.hardswish", """
        x = torch.linspace(-4, 4, 10)
        out = F.hardswish(x)
        out2 = F.hardswish(x * 1.0, True)
    """, outputs=("out", "out2")),
    C("torch.nn.functional.leaky_relu", f"""
        {X(2, 5)}
        out = F.leaky_relu(x)
        out2 = F.leaky_relu(x, 0.2)
        out3 = F.leaky_relu(x * 1.0, negative_slope=0.3, inplace=True)
    """,
      kernel="LeakyReLUExt",
      expect=(
          "mint.nn.functional.leaky_relu(x)",
          "mint.nn.functional.leaky_relu(x, 0.2)",
          "mint.nn.functional.leaky_relu(x * 1.0, negative_slope=0.3)",
      ),
      outputs=("out", "out2", "out3")),
    C("torch.nn.functional.log_softmax", f"""
        {X(2, 5)}
        out = F.log_softmax(x, 1)
        out2 = F.log_softmax(x, dim=0)
        out3 = F.log_softmax(x, -1, dtype=torch.float64)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.log_softmax", f"""
        {X(2, 5)}
        out = F.log_softmax(x, 1, 3, torch.float64)
    """, note="positional _stacklevel and dtype: mint takes dtype by keyword only"),
    C("torch.nn.functional.logsigmoid", f"""
        {X(2, 5)}
        out = F.logsigmoid(x)
    """, kernel="LogSigmoid", expect=("mint.nn.functional.logsigmoid(x)",)),
    C("torch.nn.functional.mish", f"""
        {X(2, 5)}
        out = F.mish(x)
        out2 = F.mish(x * 1.0, inplace=True)
    """,
      kernel="MishExt", expect=("mint.nn.functional.mish(x)", "mint.nn.functional.mish(x * 1.0)"),
      outputs=("out", "out2")),
    C("torch.nn.functional.prelu", f"""
        {X(2, 3, 4)}
        out = F.prelu(x, torch.tensor([0.25]))
        out2 = F.prelu(x, weight=torch.linspace(0.1, 0.3, 3))
    """, outputs=("out", "out2")),
    C("torch.nn.functional.relu", f"""
        {X(2, 5)}
        out = F.relu(x)
        out2 = F.relu(x * 1.0, inplace=True)
        out3 = F.relu(x * 1.0, True)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.relu6", """
        x = torch.linspace(-8, 8, 10)
        out = F.relu6(x)
        out2 = F.relu6(x * 1.0, inplace=True)
    """,
      kernel="Hardtanh", expect=("mint.nn.functional.relu6(x)", "mint.nn.functional.relu6(x * 1.0)"),
      outputs=("out", "out2")),
    C("torch.nn.functional.relu_", f"""
        {X(2, 5)}
        y = F.relu_(x)
        out = x
    """, kernel="InplaceReLU", expect=("y = mint.nn.functional.relu_(x)",), outputs=("out", "y")),
    C("torch.nn.functional.selu", f"""
        {X(2, 5)}
        out = F.selu(x)
        out2 = F.selu(x * 1.0, True)
    """,
      kernel="SeLUExt", expect=("mint.nn.functional.selu(x)", "mint.nn.functional.selu(x * 1.0)"),
      outputs=("out", "out2")),
    C("torch.nn.functional.sigmoid", f"""
        {X(2, 5)}
        out = F.sigmoid(x)
    """),
    C("torch.nn.functional.silu", f"""
        {X(2, 5)}
        out = F.silu(x)
        out2 = F.silu(x * 1.0, inplace=True)
    """, outputs=("out", "out2")),
    C("torch.nn.functional.softmax", f"""
        {X(2, 5)}
        out = F.softmax(x, -1)
        out2 = F.softmax(x, dim=0)
        out3 = F.softmax(x, 1, dtype=torch.float64)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.softmax", f"""
        {X(2, 5)}
        out = F.softmax(x, 1, 3, torch.float64)
    """, note="positional _stacklevel (torch's third parameter) and dtype"),
    C("torch.nn.functional.softplus", f"""
        {X(2, 5)}
        out = F.softplus(x * 10)
        out2 = F.softplus(x * 10, 2, 5)
        out3 = F.softplus(x * 10, beta=0.5, threshold=3)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.softshrink", f"""
        {X(2, 5)}
        out = F.softshrink(x)
        out2 = F.softshrink(x, 0.3)
        out3 = F.softshrink(x, lambd=0.6)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.tanh", f"""
        {X(2, 5)}
        out = F.tanh(x)
    """),
    # ---- functional: linear, dropout, embedding, one_hot -------------------------------
    C("torch.nn.functional.linear", f"""
        {X(2, 4)}
        {W("w", 3, 4)}
        b = torch.linspace(-0.5, 0.5, 3)
        out = F.linear(x, w)
        out2 = F.linear(x, w, b)
        out3 = F.linear(x, weight=w, bias=b)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.dropout", f"""
        {X(2, 5)}
        out = F.dropout(x, 0.3, False)
        out2 = F.dropout(x, p=0.5, training=False)
        out3 = F.dropout(x, 0.5, False, True)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.dropout", """
        x = torch.ones(2000)
        y = F.dropout(x, 0.5)
        kept = float((y != 0).float().mean())
        ok = 0.4 < kept < 0.6 and bool(((y == 0) | (y == 2.0)).all())
    """, outputs=("ok",), note="training=True is the functional default"),
    C("torch.nn.functional.dropout2d", f"""
        {X(2, 3, 4, 4)}
        out = F.dropout2d(x, 0.3, False)
        out2 = F.dropout2d(x, p=0.5, training=False)
    """,
      kernel="Dropout2dExt (called even when training=False)",
      expect=(
          "mint.nn.functional.dropout2d(x, 0.3, False)",
          "mint.nn.functional.dropout2d(x, p=0.5, training=False)",
      ),
      outputs=("out", "out2")),
    C("torch.nn.functional.dropout2d", """
        x = torch.ones(20, 50, 2, 2)
        y = F.dropout2d(x, 0.5)
        kept = float((y != 0).float().mean())
        per_channel = y.sum((2, 3))
        ok = 0.4 < kept < 0.6 and bool(((per_channel == 0) | (per_channel == 8.0)).all())
    """,
      kernel="Dropout2dExt", expect=("y = mint.nn.functional.dropout2d(x, 0.5)",), outputs=("ok",),
      note="training=True is the functional default: whole channels dropped"),
    C("torch.nn.functional.embedding", """
        idx = torch.tensor([[0, 2, 4], [1, 3, 0]])
        w = torch.linspace(-1, 1, 15).reshape(5, 3)
        out = F.embedding(idx, w)
        out2 = F.embedding(idx, w, padding_idx=0)
        out3 = F.embedding(idx, w, 0, None, 2.0, False, True)
    """, outputs=("out", "out2", "out3"), note="sparse only changes the gradient's layout"),
    C("torch.nn.functional.one_hot", """
        t = torch.tensor([0, 3, 1, 2])
        out = F.one_hot(t)
        out2 = F.one_hot(t, 5)
        out3 = F.one_hot(t, num_classes=6)
    """,
      kernel="OneHotExt",
      expect=(
          "mint.nn.functional.one_hot(t)",
          "mint.nn.functional.one_hot(t, 5)",
          "mint.nn.functional.one_hot(t, num_classes=6)",
      ),
      outputs=("out", "out2", "out3")),
    C("torch.nn.functional.one_hot", """
        t = torch.tensor([0, 3, 1, 2])
        out = F.one_hot(input=t, num_classes=4)
    """, kernel="OneHotExt", expect=("mint.nn.functional.one_hot(tensor=t, num_classes=4)",),
      note="torch names the tensor input=, mint names it tensor="),
    # ---- functional: losses -------------------------------------------------------
    C("torch.nn.functional.cross_entropy", """
        z = torch.sin(torch.arange(15.0)).reshape(3, 5) * 2
        t = torch.tensor([1, 0, 4])
        w = torch.linspace(0.5, 1.5, 5)
        out = F.cross_entropy(z, t)
        out2 = F.cross_entropy(z, t, w)
        out3 = F.cross_entropy(z, t, weight=w, ignore_index=0, reduction='sum', label_smoothing=0.1)
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.binary_cross_entropy", """
        p = torch.sigmoid(torch.sin(torch.arange(12.0))).reshape(3, 4)
        t = (torch.cos(torch.arange(12.0)) > 0).float().reshape(3, 4)
        w = torch.linspace(0.5, 1.5, 12).reshape(3, 4)
        out = F.binary_cross_entropy(p, t)
        out2 = F.binary_cross_entropy(p, t, w)
        out3 = F.binary_cross_entropy(p, t, weight=w, reduction='none')
    """, outputs=("out", "out2", "out3"), note="full-shape weight: see the BCELoss case"),
    C("torch.nn.functional.binary_cross_entropy_with_logits", """
        z = torch.sin(torch.arange(12.0)).reshape(3, 4) * 3
        t = (torch.cos(torch.arange(12.0)) > 0).float().reshape(3, 4)
        w = torch.linspace(0.5, 1.5, 12).reshape(3, 4)
        pw = torch.linspace(0.5, 2.0, 4)
        out = F.binary_cross_entropy_with_logits(z, t)
        out2 = F.binary_cross_entropy_with_logits(z, t, w, reduction='sum', pos_weight=pw)
    """, outputs=("out", "out2")),
    C("torch.nn.functional.kl_div", """
        logp = torch.log_softmax(torch.sin(torch.arange(12.0)).reshape(3, 4), dim=1)
        q = torch.softmax(torch.cos(torch.arange(12.0)).reshape(3, 4), dim=1)
        out = F.kl_div(logp, q, reduction='batchmean')
        out2 = F.kl_div(logp, torch.log(q), reduction='sum', log_target=True)
    """,
      kernel="KLDiv",
      expect=(
          "mint.nn.functional.kl_div(logp, q, reduction='batchmean')",
          "reduction='sum', log_target=True)",
      ),
      outputs=("out", "out2")),
    C("torch.nn.functional.l1_loss", f"""
        {X(3, 4)}
        {X(3, 4, name="y", offset=1.0)}
        out = F.l1_loss(x, y)
        out2 = F.l1_loss(x, y, reduction='sum')
    """,
      kernel="L1LossExt",
      expect=("mint.nn.functional.l1_loss(x, y)", "mint.nn.functional.l1_loss(x, y, reduction='sum')"),
      outputs=("out", "out2")),
    C("torch.nn.functional.mse_loss", f"""
        {X(3, 4)}
        {X(3, 4, name="y", offset=1.0)}
        out = F.mse_loss(x, y)
        out2 = F.mse_loss(x, y, reduction='none')
    """,
      kernel="MSELossExt",
      expect=("mint.nn.functional.mse_loss(x, y)", "mint.nn.functional.mse_loss(x, y, reduction='none')"),
      outputs=("out", "out2")),
    C("torch.nn.functional.nll_loss", """
        logp = torch.log_softmax(torch.sin(torch.arange(15.0)).reshape(3, 5), dim=1)
        t = torch.tensor([1, 0, 4])
        w = torch.linspace(0.5, 1.5, 5)
        out = F.nll_loss(logp, t)
        out2 = F.nll_loss(logp, t, w)
        out3 = F.nll_loss(logp, t, weight=w, ignore_index=1, reduction='sum')
    """, outputs=("out", "out2", "out3")),
    C("torch.nn.functional.smooth_l1_loss", f"""
        {X(3, 4)}
        y = torch.cos(torch.arange(12.0)).reshape(3, 4) * 2
        out = F.smooth_l1_loss(x, y)
        out2 = F.smooth_l1_loss(x, y, reduction='sum', beta=0.5)
    """, outputs=("out", "out2")),
    # ---- functional: resizing, sampling, padding, shuffling -------------------------------
    C("torch.nn.functional.interpolate", f"""
        {X(1, 2, 3, 3)}
        out = F.interpolate(x, scale_factor=2.0)
        out2 = F.interpolate(x, size=(5, 4))
        out3 = F.interpolate(x, None, 1.5)
        out4 = F.interpolate(x, scale_factor=(1.5, 2.0), mode='nearest', recompute_scale_factor=True)
    """, outputs=("out", "out2", "out3", "out4")),
    C("torch.nn.functional.interpolate", f"""
        {X(1, 2, 5)}
        out = F.interpolate(x, scale_factor=3, mode='nearest-exact')
        out2 = F.interpolate(x.reshape(1, 2, 5, 1), None, (2.0, 4.0), 'nearest-exact')
    """, outputs=("out", "out2"), expect=("mode='nearest')", "'nearest')"),
      note="mint has no 'nearest-exact'; for a whole upscaling factor it picks what 'nearest' picks"),
    C("torch.nn.functional.interpolate", f"""
        {X(1, 2, 5)}
        out = F.interpolate(x, scale_factor=0.5, mode='nearest-exact')
    """, mode="flag", expect=("# torch2ms:", "'nearest-exact'")),
    C("torch.nn.functional.interpolate", f"""
        {X(1, 2, 3, 3)}
        out = F.interpolate(x, None, 1.5, 'bilinear', False)
        out2 = F.interpolate(x, size=(5, 4), mode='bicubic', align_corners=True)
    """, outputs=("out", "out2"),
      expect=("mint.nn.functional.interpolate(x, None, 1.5, 'bilinear', False)",
              "mint.nn.functional.interpolate(x, size=(5, 4), mode='bicubic', align_corners=True)")),
    C("torch.nn.functional.interpolate", f"""
        {X(1, 2, 8, 8)}
        out = F.interpolate(x, size=(3, 3), mode='bilinear', antialias=True)
    """, mode="flag", expect=("# torch2ms:", "antialias"), note="antialias has no MindSpore counterpart"),
    C("torch.nn.functional.grid_sample", f"""
        {X(1, 2, 3, 4)}
        g = torch.sin(torch.arange(24.0) * 0.7).reshape(1, 3, 4, 2)
        out = F.grid_sample(x, g, align_corners=False)
        out2 = F.grid_sample(x, g, 'nearest', 'border', True)
    """, outputs=("out", "out2")),
    C("torch.nn.functional.pad", f"""
        {X(1, 2, 3, 4)}
        out = F.pad(x, (1, 2))
        out2 = F.pad(x, (1, 1, 2, 0), value=0.5)
        out3 = F.pad(x, [1, 2, 2, 1], mode='reflect')
        out4 = F.pad(x, (2, 1, 1, 0), 'replicate')
        out5 = F.pad(x, (1, 1, 1, 1), 'circular')
        out6 = F.pad(x, pad=(0, 1), mode='constant', value=-1.0)
        fill = 0.0
        out7 = F.pad(x, (1, 1, 1, 0), 'reflect', 0.0)
        out8 = F.pad(x, (2, 1, 0, 1), 'replicate', fill)
        out9 = F.pad(x, (1, 1), value=fill)
    """, outputs=("out", "out2", "out3", "out4", "out5", "out6", "out7", "out8", "out9"),
      note="torch reads value=0 as no value, which reflect/replicate require; MindSpore wants None there"),
    C("torch.nn.functional.pixel_shuffle", f"""
        {X(1, 8, 2, 3)}
        out = F.pixel_shuffle(x, 2)
        out2 = F.pixel_shuffle(x, upscale_factor=2)
    """, outputs=("out", "out2")),
    # ---- cells and containers (mindspore.nn) ------------------------------------------
    C("torch.nn.Module", f"""
        {X(2, 4)}
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 3)
                self.act = nn.ReLU()

            def forward(self, x):
                return self.act(self.fc(x))

        net = Net()
        fill(net.fc)
        out = net(x)
        names = sorted(net.state_dict().keys())
    """, fill=True, outputs=("out", "names")),
    C("torch.nn.Sequential", f"""
        {X(2, 4)}
        seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2), nn.BatchNorm1d(2))
        fill(seq[0])
        fill(seq[2])
        seq.eval()
        out = seq(x)
        n = len(seq)
        names = sorted(seq.state_dict().keys())
    """, fill=True, outputs=("out", "n", "names")),
    C("torch.nn.Sequential", f"""
        from collections import OrderedDict
        {X(2, 4)}
        seq = nn.Sequential(OrderedDict([('fc', nn.Linear(4, 3)), ('act', nn.Tanh())]))
        fill(seq.fc)
        out = seq(x)
        names = sorted(seq.state_dict().keys())
    """, fill=True, outputs=("out", "names"), note="named children"),
    C("torch.nn.ModuleList", f"""
        {X(2, 4)}
        layers = nn.ModuleList([nn.Linear(4, 4), nn.Linear(4, 4)])
        layers.append(nn.Linear(4, 2))
        for layer in layers:
            fill(layer)
        h = x
        for layer in layers:
            h = layer(h)
        out = h
        n = len(layers)
        names = sorted(layers.state_dict().keys())
    """, fill=True, outputs=("out", "n", "names")),
    C("torch.nn.ModuleDict", f"""
        {X(2, 4)}
        heads = nn.ModuleDict({{'a': nn.Linear(4, 3), 'b': nn.Linear(4, 2)}})
        fill(heads['a'])
        fill(heads['b'])
        out = heads['a'](x)
        out2 = heads['b'](x)
        keys = sorted(heads.keys())
        names = sorted(heads.state_dict().keys())
    """, fill=True, outputs=("out", "out2", "keys", "names")),
    C("torch.nn.Flatten", f"""
        {X(2, 3, 4, 5)}
        out = nn.Flatten()(x)
        out2 = nn.Flatten(0, 1)(x)
        out3 = nn.Flatten(start_dim=2)(x)
        out4 = nn.Flatten(1, -2)(x)
    """, outputs=("out", "out2", "out3", "out4")),
    C("torch.nn.CTCLoss", """
        logp = torch.log_softmax(torch.sin(torch.arange(60.0)).reshape(6, 2, 5), dim=2)
        targets = torch.tensor([[1, 2, 2], [3, 1, 0]])
        in_len = torch.tensor([6, 5])
        tgt_len = torch.tensor([3, 2])
        out = nn.CTCLoss()(logp, targets, in_len, tgt_len)
        out2 = nn.CTCLoss(blank=0, reduction='sum')(logp, targets, in_len, tgt_len)
        out3 = nn.CTCLoss(0, 'none', True)(logp, targets, in_len, tgt_len)
    """, outputs=("out", "out2", "out3")),
]

# ---- argument differences: deprecated loss arguments, torch-only keywords --------------
_LOSS_ROWS = [
    # (api, call with legacy arguments given positionally, what the converter must name)
    ("torch.nn.BCELoss", "nn.BCELoss(None, None, False)", "reduce=False"),
    ("torch.nn.BCEWithLogitsLoss", "nn.BCEWithLogitsLoss(None, False)", "size_average=False"),
    ("torch.nn.CrossEntropyLoss", "nn.CrossEntropyLoss(None, None, 1)", "ignore_index=1"),
    ("torch.nn.KLDivLoss", "nn.KLDivLoss(None, None, 'sum')", "reduction='sum'"),
    ("torch.nn.L1Loss", "nn.L1Loss(False)", "size_average=False"),
    ("torch.nn.MSELoss", "nn.MSELoss(None, False)", "reduce=False"),
    ("torch.nn.NLLLoss", "nn.NLLLoss(None, None, 1)", "ignore_index=1"),
    ("torch.nn.SmoothL1Loss", "nn.SmoothL1Loss(None, None, 'mean', 0.5)", "beta=0.5"),
    ("torch.nn.functional.cross_entropy", "F.cross_entropy(z, t, None, False)", "size_average=False"),
    ("torch.nn.functional.binary_cross_entropy",
     "F.binary_cross_entropy(p, q, None, None, False)", "reduce=False"),
    ("torch.nn.functional.binary_cross_entropy_with_logits",
     "F.binary_cross_entropy_with_logits(z, q, None, None, None, 'sum')", "reduction='sum'"),
    ("torch.nn.functional.kl_div", "F.kl_div(z, p, None, None, 'sum')", "reduction='sum'"),
    ("torch.nn.functional.l1_loss", "F.l1_loss(z, p, False)", "size_average=False"),
    ("torch.nn.functional.mse_loss", "F.mse_loss(z, p, None, False)", "reduce=False"),
    ("torch.nn.functional.nll_loss", "F.nll_loss(z, t, None, None, 1)", "ignore_index=1"),
    ("torch.nn.functional.smooth_l1_loss", "F.smooth_l1_loss(z, p, None, None, 'mean', 0.5)", "beta=0.5"),
]
_LOSS_INPUTS = """
    z = torch.sin(torch.arange(12.0)).reshape(3, 4)
    p = torch.sigmoid(z)
    q = (z > 0).float()
    t = torch.tensor([1, 0, 3])
"""
CASES += [
    C(api, textwrap.dedent(_LOSS_INPUTS) + f"out = {call}\n", mode="flag", expect=("# torch2ms:", named),
      note="size_average/reduce: deprecated, absent in MindSpore, meaning depends on both: flagged; "
           "later positional arguments are named since MindSpore's positions differ")
    for api, call, named in _LOSS_ROWS
]


def _legacy_call(call, legacy):
    """The row's call with only `legacy=False` (functional ones keep their two inputs)."""
    head, args = call.split("(", 1)
    inputs = ", ".join(args.split(", ")[:2]) + ", " if head.startswith("F.") else ""
    return f"{head}({inputs}{legacy}=False)"


# Each deprecated keyword alone is flagged too (a call carries one note, so one keyword a case).
CASES += [
    C(api, textwrap.dedent(_LOSS_INPUTS) + f"out = {_legacy_call(call, legacy)}\n", mode="flag",
      expect=("# torch2ms:", f"`{legacy}=`"), note=f"{legacy}= alone")
    for api, call, _ in _LOSS_ROWS
    for legacy in ("size_average", "reduce")
]
CASES += [
    C("torch.nn.functional.mse_loss", f"""
        {X(3, 4)}
        out = F.mse_loss(x, x * 2, weight=torch.linspace(0, 1, 12).reshape(3, 4))
    """, mode="flag", expect=("# torch2ms:", "`weight=`"),
      note="torch's elementwise weight (2.6+): no MindSpore counterpart"),
    C("torch.nn.functional.l1_loss", f"""
        {X(3, 4)}
        out = F.l1_loss(x, x * 2, weight=torch.linspace(0, 1, 12).reshape(3, 4))
    """, mode="flag", expect=("# torch2ms:", "`weight=`"),
      note="torch's elementwise weight (2.6+): no MindSpore counterpart"),
    C("torch.nn.functional.normalize", f"""
        {X(3, 4)}
        out = torch.empty(3, 4)
        F.normalize(x, dim=1, out=out)
    """, mode="flag", expect=("# torch2ms:", "`out=`")),
    C("torch.nn.ModuleList", """
        layers = nn.ModuleList(modules=[nn.ReLU(), nn.Tanh()])
        n = len(layers)
    """, outputs=("n",), mode="flag", expect=("# torch2ms:", "`modules=`"),
      note="nn.CellList(modules=[...]) silently stays empty: len 0 where torch has 2"),
    C("torch.nn.ModuleDict", """
        heads = nn.ModuleDict(modules={'a': nn.ReLU()})
        n = len(heads)
    """, outputs=("n",), mode="flag", expect=("# torch2ms:", "`modules=`"),
      note="nn.CellDict(modules={...}) silently stays empty: len 0 where torch has 1"),
]
# Positional device/dtype: MindSpore has no `device` slot, so a positional dtype would land one off.
CASES += [
    C("torch.nn.Linear", f"""
        {X(2, 4)}
        m = nn.Linear(4, 3, True, None, torch.float64)
        fill(m)
        out = m(x.to(torch.float64))
    """, fill=True),
    C("torch.nn.BatchNorm1d", f"""
        {X(4, 3)}
        m = nn.BatchNorm1d(3, 1e-5, 0.1, True, True, None, torch.float64)
        m.train()
        out = m(x.to(torch.float64))
    """),
    C("torch.nn.BatchNorm2d", f"""
        {X(2, 3, 2, 2)}
        m = nn.BatchNorm2d(3, 1e-5, 0.1, True, True, None, torch.float64)
        m.train()
        out = m(x.to(torch.float64))
    """),
    C("torch.nn.BatchNorm3d", """
        m = nn.BatchNorm3d(3, 1e-5, 0.1, True, True, None, torch.float64)
    """, outputs=(), kernel="BatchNormExt",
      expect=("mint.nn.BatchNorm3d(3, 1e-5, 0.1, True, True, dtype=mindspore.float64)",)),
    C("torch.nn.SyncBatchNorm", f"""
        {X(2, 3, 2, 2)}
        m = nn.SyncBatchNorm(3, 1e-5, 0.1, True, True, None, None, torch.float32)
        m.eval()
        out = m(x)
    """, note="float32: MindSpore's CPU BatchNorm kernel has no float64"),
    C("torch.nn.GroupNorm", f"""
        {X(2, 4, 3)}
        m = nn.GroupNorm(2, 4, 1e-5, True, None, torch.float64)
        out = m(x.to(torch.float64))
    """),
    C("torch.nn.LayerNorm", f"""
        {X(2, 3, 4)}
        m = nn.LayerNorm(4, 1e-5, True, True, None, torch.float64)
        out = m(x.to(torch.float64))
    """),
    C("torch.nn.PReLU", f"""
        {X(2, 3, 4)}
        m = nn.PReLU(3, 0.1, None, torch.float32)
        out = m(x)
    """, note="float32: MindSpore's CPU PReLU kernel has no float64"),
]
# torch's keyword-only bias= of the batch and group norms (bias=False: scale but no shift).
CASES += [
    C(api, f"m = nn.{layer}\n", outputs=(), mode="flag", expect=("# torch2ms:", "`bias=`"),
      note="bias=False has no MindSpore counterpart")
    for api, layer in [("torch.nn.BatchNorm1d", "BatchNorm1d(3, bias=False)"),
                       ("torch.nn.BatchNorm2d", "BatchNorm2d(3, bias=False)"),
                       ("torch.nn.BatchNorm3d", "BatchNorm3d(3, bias=False)"),
                       ("torch.nn.SyncBatchNorm", "SyncBatchNorm(3, bias=False)"),
                       ("torch.nn.GroupNorm", "GroupNorm(2, 4, bias=False)")]
]

# Not in CASES: conversions that are wrong today and that no data rule can fix; each needs a
# change to the converter's mechanism (docs/wrong-rows-nn.md, "Mechanism gaps"). Move a case
# into CASES once its mechanism lands; each fails today.
# Cases whose mechanism landed after the table was first covered (float_args, inplace result).
CASES += [
    C("torch.nn.functional.interpolate", f"""
        {X(1, 2, 3, 3)}
        out = F.interpolate(x, scale_factor=2)
        out2 = F.interpolate(x, scale_factor=(2, 3), mode='nearest')
    """, outputs=("out", "out2"), note="int scale_factor literals become floats (float_args)"),
    C("torch.nn.Upsample", f"""
        {X(1, 2, 3, 3)}
        out = nn.Upsample(scale_factor=2)(x)
    """, note="int scale_factor literal becomes a float (float_args)"),
    C("torch.nn.functional.relu", f"""
        {X(2, 5)}
        F.relu(x, inplace=True)
        out = x
    """, note="a statement-level inplace call assigns its result back (rules/inplace_args.py)"),
]

# A new torch Module trains by default, a new MindSpore Cell does not: built outside a Cell, a
# layer whose result depends on the flag gets `.set_train(True)` (rules/cell_modes.py).
CASES += [
    C("torch.nn.BatchNorm2d", f"""
        {X(2, 3, 2, 2)}
        m = nn.BatchNorm2d(3)
        out = m(x)
    """, note="a new torch Module is in training mode (batch statistics): set_train(True) is added"),
    C("torch.nn.Dropout", """
        x = torch.ones(2000)
        y = nn.Dropout(0.5)(x)
        ok = 0.4 < float((y != 0).float().mean()) < 0.6
    """, outputs=("ok",), note="a new torch Dropout drops: set_train(True) is added"),
    # bool_args: torch reads these by their truth value, MindSpore accepts bools only
    C("torch.nn.Linear", f"""
        {X(2, 4)}
        m = nn.Linear(4, 3, 1)
        fill(m)
        out = m(x)
        m2 = nn.Linear(4, 2, bias=0)
        fill(m2)
        out2 = m2(x)
    """, fill=True, outputs=("out", "out2"), note="an int literal as bias"),
    C("torch.nn.Conv2d", f"""
        {X(1, 2, 5, 5)}
        m = nn.Conv2d(2, 3, 3, 1, 1, 1, 1, 0)
        fill(m)
        out = m(x)
    """, fill=True, note="an int literal as bias"),
    C("torch.nn.GroupNorm", f"""
        {X(2, 4, 3)}
        m = nn.GroupNorm(2, 4, 1e-5, 0)
        out = m(x)
    """, note="an int literal as affine"),
]
