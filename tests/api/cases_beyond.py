"""Cases for frequent APIs beyond the tables that the priority rule maps (docs/frequent-apis.md)."""
from api.harness import Case

CASES = [
    Case("torch.nn.Conv1d", """
        import torch
        import torch.nn as nn
        conv = nn.Conv1d(2, 3, 3, padding=1)
        with torch.no_grad():
            conv.weight.copy_(torch.linspace(-1, 1, 18).reshape(3, 2, 3))
            conv.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
        x = torch.linspace(-2, 2, 20).reshape(1, 2, 10)
        out = conv(x)
    """),
    Case("torch.is_tensor", """
        import torch
        a = torch.is_tensor(torch.ones(2))
        b = torch.is_tensor([1, 2])
    """, outputs=("a", "b")),
    Case("torch.autograd.Function", """
        import torch

        class Swish(torch.autograd.Function):
            @staticmethod
            def forward(ctx, i):
                ctx.save_for_backward(i)
                return i * torch.sigmoid(i)

            @staticmethod
            def backward(ctx, grad_output):
                i = ctx.saved_tensors[0]
                s = torch.sigmoid(i)
                return grad_output * (s * (1 + i * (1 - s)))

        out = Swish.apply(torch.tensor([1.0, -2.0, 0.5]))
    """, note="MindSpore 2.10's torch-like custom function (pynative mode), exported as mindspore.common._Function"),
]
