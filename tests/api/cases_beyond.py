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
    Case("torch.nn.Conv1d", """
        import torch
        import torch.nn as nn
        conv = nn.Conv1d(2, 3, 3, padding=1, bias=0)
        with torch.no_grad():
            conv.weight.copy_(torch.linspace(-1, 1, 18).reshape(3, 2, 3))
        x = torch.linspace(-2, 2, 20).reshape(1, 2, 10)
        out = conv(x)
    """, note="an int literal as bias (bool_args)"),
    Case("torch.nn.LeakyReLU", """
        import torch
        import torch.nn as nn
        x = torch.linspace(-2, 2, 9)
        out = nn.LeakyReLU()(x)
        out2 = nn.LeakyReLU(0.3)(x)
        out3 = nn.LeakyReLU(negative_slope=2.0, inplace=True)(x)
    """, outputs=("out", "out2", "out3"),
        expect=("nn.LeakyReLU(alpha=0.01)(x)", "nn.LeakyReLU(0.3)(x)", "nn.LeakyReLU(alpha=2.0)(x)"),
        note="mindspore.nn.LeakyReLU names the slope alpha and defaults to 0.2 (torch: negative_slope, 0.01)"),
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
    Case("torch.nn.functional.multi_head_attention_forward", """
        import torch
        import torch.nn.functional as F
        x = torch.arange(80.0).reshape(5, 2, 8).sin()
        w = [torch.arange(64.0).reshape(8, 8).mul(0.3 + i).cos() * 0.5 for i in range(4)]
        bias = torch.linspace(-1, 1, 24)
        mask = torch.arange(25.0).reshape(5, 5).sin()
        out, weights = F.multi_head_attention_forward(
            x, x, x, 8, 2, torch.cat(w[:3]), bias, None, None, False, 0.0, w[3], bias[:8], False, None, True, mask)
        separate, none = F.multi_head_attention_forward(
            query=x, key=x, value=x, embed_dim_to_check=8, num_heads=2, q_proj_weight=w[0], k_proj_weight=w[1],
            v_proj_weight=w[2], in_proj_weight=None, in_proj_bias=bias, bias_k=None, bias_v=None,
            add_zero_attn=False, dropout_p=0., out_proj_weight=w[3], out_proj_bias=bias[:8],
            use_separate_proj_weight=True, training=False, need_weights=False)
        nothing = none is None
    """, outputs=("out", "weights", "separate", "nothing"),
        note="MindSpore's has no need_weights (16th of torch's positionals): those after key_padding_mask go by "
             "keyword; need_weights=False gives None second, as torch"),
]
