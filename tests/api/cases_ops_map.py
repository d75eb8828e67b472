"""Cases for the rows of the `ops_map` table (torch.X -> mindspore.ops.X, some corrected to mint)."""
from api.harness import Case

NO_KERNEL = "no CPU kernel in MindSpore 2.10 ({}) and no fallback stand-in"

CASES = [
    Case("torch.addcmul", """
        import torch
        x = torch.ones(3)
        a = torch.tensor([1.0, 2.0, 3.0])
        b = torch.tensor([4.0, 5.0, 6.0])
        p = torch.addcmul(x, a, b)
        q = torch.addcmul(x, a, b, value=0.5)
    """, outputs=("p", "q"), mode="text", expect=("mint.addcmul(x, a, b)", "mint.addcmul(x, a, b, value=0.5)"),
         note="corrected from ops.addcmul to mint.addcmul; " + NO_KERNEL.format("AddcmulExt")),
    Case("torch.argwhere", """
        import torch
        x = torch.tensor([[0, 1], [2, 0]])
        a = torch.argwhere(x)
        b = torch.argwhere(torch.tensor([0.0, 1.5, 0.0, 2.0]))
    """, outputs=("a", "b")),
    Case("torch.bucketize", """
        import torch
        bounds = torch.tensor([1, 3, 5, 7])
        v = torch.tensor([[0, 3, 6], [7, 8, 1]])
        a = torch.bucketize(v, bounds)
        b = torch.bucketize(v, bounds, right=True)
        c = torch.bucketize(torch.tensor([2.5, 9.0]), torch.tensor([1.0, 2.0, 3.0]))
    """, outputs=("a", "b", "c"), note="ops.bucketize returns int32: cast back to torch's int64"),
    Case("torch.bucketize", """
        import torch
        out = torch.bucketize(torch.tensor([2, 6]), torch.tensor([1, 3, 5]), out_int32=True)
    """, mode="flag", expect=("`out_int32=`",)),
    Case("torch.conj", """
        import torch
        x = torch.tensor([1 + 2j, -3j], dtype=torch.complex64)
        a = torch.conj(x) + 0
        b = torch.conj(torch.tensor([1.5, -2.0]))
    """, outputs=("a", "b"), note="`+ 0`: torch's conj is a lazy view NumPy cannot read"),
    Case("torch.cosine_similarity", """
        import torch
        a = torch.tensor([[1.0, 0.0, 1.0], [1.0, 2.0, 3.0]])
        b = torch.tensor([[1.0, 1.0, 0.0], [2.0, 4.0, 6.0]])
        x = torch.cosine_similarity(a, b)
        y = torch.cosine_similarity(a, b, dim=0)
        z = torch.cosine_similarity(a, b, 1, 1e-6)
    """, outputs=("x", "y", "z")),
    Case("torch.deg2rad", """
        import torch
        x = torch.tensor([180.0, 90.0, -45.0])
        a = torch.deg2rad(x)
        b = torch.deg2rad(input=x)
    """, outputs=("a", "b")),
    Case("torch.hann_window", """
        import torch
        a = torch.hann_window(5)
        b = torch.hann_window(4, periodic=False)
        c = torch.hann_window(6, False, dtype=torch.float64)
        d = torch.hann_window(3, layout=torch.strided)
    """, outputs=("a", "b", "c", "d"), note="ops.hann_window defaults to float64: float32 passed explicitly"),
    Case("torch.hstack", """
        import torch
        a = torch.tensor([1.0, 2.0])
        b = torch.tensor([3.0])
        x = torch.hstack((a, b))
        y = torch.hstack([torch.ones(2, 1), torch.zeros(2, 2)])
    """, outputs=("x", "y"), expect=("mint.hstack((a, b))",),
         note="corrected from ops.hstack to mint.hstack (same values: the spec's priority puts mint first)"),
    Case("torch.masked_fill", """
        import torch
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        m = torch.tensor([[True, False], [False, True]])
        a = torch.masked_fill(x, m, 0.0)
        b = torch.masked_fill(input=x, mask=m, value=-1.0)
        c = torch.masked_fill(x, x > 2, torch.tensor(9.0))
    """, outputs=("a", "b", "c")),
    Case("torch.multiply", """
        import torch
        a = torch.tensor([1.0, 2.0, 3.0])
        b = torch.tensor([[2.0], [0.5]])
        x = torch.multiply(a, b)
        y = torch.multiply(a, 3)
        z = torch.multiply(input=a, other=a)
    """, outputs=("x", "y", "z")),
    Case("torch.numel", """
        import torch
        a = torch.numel(torch.ones(2, 3))
        b = torch.numel(torch.tensor(5.0))
    """, outputs=("a", "b")),
    Case("torch.range", """
        import torch
        out = torch.range(1, 4)
    """, mode="flag", note="torch.range includes the end point; ops.range does not"),
    Case("torch.relu", """
        import torch
        x = torch.tensor([[-1.0, 2.0], [0.5, -3.0]])
        a = torch.relu(x)
        b = torch.relu(input=x)
    """, outputs=("a", "b")),
    Case("torch.nn.functional.ctc_loss", """
        import torch
        import torch.nn.functional as F
        log_probs = torch.full((4, 1, 3), 1.0 / 3).log()
        out = F.ctc_loss(log_probs, torch.tensor([[1, 2]]), torch.tensor([4]), torch.tensor([2]))
    """, mode="flag", note="ops.ctc_loss returns (loss, log_alpha)"),
    Case("torch.nn.functional.gumbel_softmax", """
        import torch
        import torch.nn.functional as F
        logits = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
        a = F.gumbel_softmax(logits)
        b = F.gumbel_softmax(logits, tau=0.5, hard=True)
        c = F.gumbel_softmax(logits, 1.0, False, 1e-10, -1)
        d = F.gumbel_softmax(logits, eps=1e-10, dim=0)
    """, outputs=("a", "b", "c", "d"), mode="random"),
    Case("torch.full", """
        import torch
        a = torch.full((2, 3), 1.5)
        b = torch.full((2,), 7)
        c = torch.full([2, 2], True)
        d = torch.full((2,), 2, dtype=torch.float64)
        e = torch.full(size=(1, 2), fill_value=-1.0, layout=torch.strided)
    """, outputs=("a", "b", "c", "d", "e"), note="corrected from ops.full (int64 for a float fill) to mint.full"),
    Case("torch.fill", """
        import torch
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        a = torch.fill(x, 3.0)
        b = torch.fill(x, value=-1.5)
    """, outputs=("a", "b"), mode="text", expect=("mint.full_like(x, 3.0)", "mint.full_like(x, fill_value=-1.5)"),
         note="corrected from ops.fill (a different API) to mint.full_like; " + NO_KERNEL.format("FullLike")),
]


def _flag(api: str, src: str, keyword: str) -> Case:
    return Case(api, "import torch\nx = torch.tensor([1.0, 2.0])\ny = torch.tensor([3.0, 4.0])\n" + src,
                mode="flag", expect=(f"`{keyword}=`",), note=f"`{keyword}=` has no MindSpore counterpart")


CASES += [
    _flag("torch.addcmul", "r = torch.addcmul(x, x, y)\ntorch.addcmul(x, x, y, out=r)\n", "out"),
    _flag("torch.bucketize", "r = torch.bucketize(x, y)\ntorch.bucketize(x, y, out=r)\n", "out"),
    _flag("torch.deg2rad", "r = torch.deg2rad(x)\ntorch.deg2rad(x, out=r)\n", "out"),
    _flag("torch.hstack", "r = torch.hstack((x, y))\ntorch.hstack((x, y), out=r)\n", "out"),
    _flag("torch.multiply", "r = torch.multiply(x, y)\ntorch.multiply(x, y, out=r)\n", "out"),
    _flag("torch.full", "r = torch.full((2,), 1.0)\ntorch.full((2,), 1.0, out=r)\n", "out"),
    _flag("torch.full", "r = torch.full((2,), 1.0, requires_grad=True)\n", "requires_grad"),
    _flag("torch.hann_window", "r = torch.hann_window(4, requires_grad=True)\n", "requires_grad"),
]
