"""Cases for a few rows, showing the form (the per-table files hold the rest)."""
from api.harness import Case

CASES = [
    Case("torch.cat", """
        import torch
        a = torch.tensor([[1.0, 2.0]])
        out = torch.cat([a, a], dim=0)
    """),
    Case("torch.ones", """
        import torch
        out = torch.ones(2, 3)
    """, expect=("mint.ones((2, 3))",)),
    Case("torch.Tensor.detach", """
        import torch
        x = torch.ones(2)
        out = x.detach()
    """, expect=("ops.stop_gradient(x)",)),
]
