"""Cases for the rows of the `mint_map` table (torch.X -> mindspore.mint.X).

Each row is called the ways people write it: positional and keyword arguments, now and
then through `import torch as th`. Inputs are built with torch too (they are converted).

`text` cases: MindSpore 2.10 has no CPU kernel for the mint API and the test fallback
(torch2ms/fallback/) has no stand-in yet; the note names the missing kernel.
Their sources still run under torch, so a new stand-in turns them into `exec` cases by
deleting `mode`/`expect`.

GAPS (end of file, not collected) are call styles that no argument rule can convert yet.
"""
from api.harness import Case

NO_KERNEL = "no CPU kernel in MindSpore 2.10 ({}) and no fallback stand-in"


def _src(body: str, alias: str = "torch") -> str:
    head = "import torch" if alias == "torch" else f"import torch as {alias}"
    return head + "\n" + body


def unary(name: str, values: str = "[0.2, 0.5, 0.9]", call: str = "", kernel: str = "", expect=(), **kw) -> Case:
    """`out = torch.<name>(x)` on a float vector (or `call`); `kernel`: missing kernel -> a text case."""
    call = call or f"torch.{name}(x)"
    if kernel:
        kw.update(mode="text", expect=tuple(expect) or (f"mint.{name}(x)",), note=NO_KERNEL.format(kernel))
    return Case(f"torch.{name}", _src(f"x = torch.tensor({values})\nout = {call}\n"), **kw)


def binary(name: str, a: str = "[1.0, -2.5, 3.0]", b: str = "[0.5, 2.0, -1.5]", call: str = "", kernel: str = "",
           expect=(), **kw) -> Case:
    call = call or f"torch.{name}(a, b)"
    if kernel:
        kw.update(mode="text", expect=tuple(expect) or (f"mint.{name}(a, b)",), note=NO_KERNEL.format(kernel))
    return Case(f"torch.{name}", _src(f"a = torch.tensor({a})\nb = torch.tensor({b})\nout = {call}\n"), **kw)


def flagged(name: str, args: str, keyword: str, value: str = "True") -> Case:
    """A torch keyword MindSpore lacks and that matters: kept, and the call flagged.

    `out=` gets the result of the same call, so the torch side runs with a fitting tensor."""
    if keyword == "out":
        body = f"r = torch.{name}({args})\ntorch.{name}({args}, out=r)\n"
    else:
        body = f"r = torch.{name}({args}, {keyword}={value})\n"
    return Case(f"torch.{name}", _src("x = torch.tensor([[2.0, 1.0], [1.0, 3.0]])\n"
                                      "y = torch.tensor([[1.0, 0.5], [0.25, 2.0]])\n" + body),
                mode="flag", expect=(f"`{keyword}=`",), note=f"`{keyword}=` has no MindSpore counterpart")


CASES = [
    # ---- creation ---------------------------------------------------------------
    Case("torch.arange", """
        import torch
        a = torch.arange(5)
        b = torch.arange(1, 7, 2)
        c = torch.arange(0.0, 1.0, 0.25)
        d = torch.arange(start=2, end=5, dtype=torch.float32)
        e = torch.arange(3, layout=torch.strided)
    """, outputs=("a", "b", "c", "d", "e")),
    Case("torch.arange", """
        import torch as th
        out = th.arange(6).reshape(2, 3)
    """),
    Case("torch.eye", """
        import torch
        a = torch.eye(3)
        b = torch.eye(2, 3, dtype=torch.int32)
        c = torch.eye(n=2, m=4)
        d = torch.eye(2, layout=torch.strided)
    """, outputs=("a", "b", "c", "d")),
    Case("torch.empty", """
        import torch
        a = torch.empty(2, 3)
        b = torch.empty((4,), dtype=torch.int32)
        c = torch.empty([2, 2])
        d = torch.empty(3, layout=torch.strided, memory_format=torch.contiguous_format)
    """, outputs=("a", "b", "c", "d"), mode="random", note="uninitialized memory: shape and dtype only"),
    Case("torch.empty_like", """
        import torch
        x = torch.ones(2, 3)
        a = torch.empty_like(x)
        b = torch.empty_like(x, dtype=torch.int64)
        c = torch.empty_like(x, layout=torch.strided, memory_format=torch.preserve_format)
    """, outputs=("a", "b", "c"), mode="random", note="uninitialized memory: shape and dtype only"),
    Case("torch.full_like", """
        import torch
        x = torch.zeros(2, 2)
        a = torch.full_like(x, 7, layout=torch.strided)
        b = torch.full_like(x, 1.5, dtype=torch.float64)
        c = torch.full_like(torch.tensor([1, 2]), fill_value=3, memory_format=torch.preserve_format)
    """, outputs=("a", "b", "c"), mode="text", note=NO_KERNEL.format("FullLike"),
         expect=("mint.full_like(x, 7)", "mint.full_like(x, 1.5, dtype=mindspore.float64)",
                 "mint.full_like(mindspore.Tensor([1, 2]), fill_value=3)")),
    Case("torch.linspace", """
        import torch
        a = torch.linspace(0, 1, 5)
        b = torch.linspace(-1.0, 1.0, steps=4)
        c = torch.linspace(start=0, end=10, steps=3, dtype=torch.float64)
        d = torch.linspace(0, 1, 3, layout=torch.strided)
    """, outputs=("a", "b", "c", "d")),
    Case("torch.ones", """
        import torch
        a = torch.ones(2, 3)
        b = torch.ones((3,), dtype=torch.int64)
        c = torch.ones([1, 2])
        d = torch.ones(4)
        e = torch.ones(size=(2, 2))
    """, outputs=("a", "b", "c", "d", "e")),
    Case("torch.ones_like", """
        import torch
        x = torch.tensor([[1, 2], [3, 4]])
        a = torch.ones_like(x)
        b = torch.ones_like(x, dtype=torch.float32)
        c = torch.ones_like(x, layout=torch.strided, memory_format=torch.preserve_format)
    """, outputs=("a", "b", "c")),
    Case("torch.zeros", """
        import torch as th
        a = th.zeros(2, 3)
        b = th.zeros((2,), dtype=th.bool)
        c = th.zeros(3, dtype=th.float64)
    """, outputs=("a", "b", "c")),
    Case("torch.zeros_like", """
        import torch
        x = torch.tensor([[1.5, 2.0]])
        a = torch.zeros_like(x)
        b = torch.zeros_like(x, dtype=torch.int32)
        c = torch.zeros_like(x, layout=torch.strided, memory_format=torch.preserve_format)
    """, outputs=("a", "b", "c")),

    # ---- random -------------------------------------------------------------------
    Case("torch.bernoulli", """
        import torch
        p = torch.tensor([[0.2, 0.8], [0.5, 0.5]])
        out = torch.bernoulli(p)
    """, mode="text", expect=("mint.bernoulli(p)",), note=NO_KERNEL.format("BernoulliExt")),
    Case("torch.randint", """
        import torch
        a = torch.randint(0, 10, (3, 4))
        b = torch.randint(5, (2,))
        c = torch.randint(1, 4, (2, 2), dtype=torch.int32)
        d = torch.randint(3, (2,), layout=torch.strided)
    """, outputs=("a", "b", "c", "d"), mode="random"),
    Case("torch.randint_like", """
        import torch
        x = torch.zeros(2, 3)
        a = torch.randint_like(x, 10, layout=torch.strided)
        b = torch.randint_like(x, 2, 8, memory_format=torch.preserve_format)
    """, outputs=("a", "b"), mode="text", expect=("mint.randint_like(x, 10)", "mint.randint_like(x, 2, 8)"),
         note=NO_KERNEL.format("InplaceRandom")),
    Case("torch.randn", """
        import torch
        a = torch.randn(2, 3)
        b = torch.randn((4,))
        c = torch.randn(3, dtype=torch.float64, layout=torch.strided)
    """, outputs=("a", "b", "c"), mode="random"),
    Case("torch.randn_like", """
        import torch
        x = torch.ones(2, 3)
        a = torch.randn_like(x, layout=torch.strided)
        b = torch.randn_like(x, dtype=torch.float64, memory_format=torch.preserve_format)
    """, outputs=("a", "b"), mode="text", expect=("mint.randn_like(x)", "mint.randn_like(x, dtype=mindspore.float64)"),
         note=NO_KERNEL.format("InplaceNormal")),
    Case("torch.randperm", """
        import torch
        a = torch.randperm(5)
        b = torch.randperm(4, dtype=torch.int32, layout=torch.strided)
    """, outputs=("a", "b"), mode="text", expect=("mint.randperm(5)", "mint.randperm(4, dtype=mindspore.int32)"),
         note=NO_KERNEL.format("RandpermExt")),
    Case("torch.multinomial", """
        import torch
        w = torch.tensor([0.1, 0.3, 0.6])
        a = torch.multinomial(w, 2)
        b = torch.multinomial(w, num_samples=4, replacement=True)
    """, outputs=("a", "b"), mode="random"),
    Case("torch.normal", """
        import torch
        mean = torch.zeros(3)
        std = torch.ones(3)
        a = torch.normal(mean, std)
        b = torch.normal(mean=0.0, std=1.0, size=(2, 2))
        c = torch.normal(2.0, 0.5, (4,))
    """, outputs=("a", "b", "c"), mode="text",
         expect=("mint.normal(mean, std)", "mint.normal(mean=0.0, std=1.0, size=(2, 2))", "mint.normal(2.0, 0.5, (4,))"),
         note=NO_KERNEL.format("NormalTensorTensor, NormalFloatFloat")),
    Case("torch.rand_like", """
        import torch
        x = torch.ones(2, 3)
        a = torch.rand_like(x, layout=torch.strided)
        b = torch.rand_like(x, dtype=torch.float64, memory_format=torch.preserve_format)
    """, outputs=("a", "b"), mode="text", expect=("mint.rand_like(x)", "mint.rand_like(x, dtype=mindspore.float64)"),
         note=NO_KERNEL.format("InplaceUniform")),
    Case("torch.rand", """
        import torch
        a = torch.rand(2, 3)
        b = torch.rand((5,))
        c = torch.rand(2, dtype=torch.float64, layout=torch.strided)
    """, outputs=("a", "b", "c"), mode="random"),
    Case("torch.randn", """
        import torch
        g = torch.Generator()
        g.manual_seed(7)
        a = torch.randn(2, 3, generator=g)
        b = torch.rand(4, generator=g)
    """, outputs=("a", "b"), mode="random", note="generator= carries over (torch.Generator -> mindspore.Generator)"),

    # ---- joining, slicing, indexing ---------------------------------------------------
    Case("torch.cat", """
        import torch
        a = torch.tensor([[1, 2], [3, 4]])
        b = torch.tensor([[5, 6]])
        x = torch.cat((a, b))
        y = torch.cat([a, a], 1)
        z = torch.cat(tensors=[a, b], dim=0)
    """, outputs=("x", "y", "z")),
    Case("torch.concat", """
        import torch
        a = torch.tensor([[1.0, 2.0]])
        x = torch.concat([a, a])
        y = torch.concat((a, a), dim=1)
    """, outputs=("x", "y")),
    Case("torch.concatenate", """
        import torch
        a = torch.tensor([[1.0, 2.0]])
        x = torch.concatenate([a, a])
        y = torch.concatenate((a, a), 1)
        z = torch.concatenate((a, a), axis=1)
    """, outputs=("x", "y", "z")),
    Case("torch.chunk", """
        import torch
        x = torch.arange(10).reshape(2, 5)
        a = torch.chunk(x, 2)
        b = torch.chunk(x, 3, dim=1)
        c = torch.chunk(x, chunks=2, dim=-1)
    """, outputs=("a", "b", "c")),
    Case("torch.count_nonzero", """
        import torch
        x = torch.tensor([[0, 1, 2], [0, 0, 3]])
        a = torch.count_nonzero(x)
        b = torch.count_nonzero(x, 0)
        c = torch.count_nonzero(x, dim=1)
    """, outputs=("a", "b", "c"), mode="text", note=NO_KERNEL.format("CountNonZero"),
         expect=("mint.count_nonzero(x)", "mint.count_nonzero(x, 0)", "mint.count_nonzero(x, dim=1)")),
    Case("torch.gather", """
        import torch
        x = torch.tensor([[1, 2], [3, 4]])
        idx = torch.tensor([[0, 0], [1, 0]])
        a = torch.gather(x, 1, idx)
        b = torch.gather(x, dim=0, index=idx)
    """, outputs=("a", "b")),
    Case("torch.index_add", """
        import torch
        x = torch.ones(3, 2)
        src = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        idx = torch.tensor([0, 2])
        out = torch.index_add(x, 0, idx, src, alpha=2)
    """, mode="flag", note="mint.index_add wants int32 indices; torch's are int64 (see corrections/mint_map.json)"),
    Case("torch.index_select", """
        import torch
        x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        idx = torch.tensor([2, 0])
        a = torch.index_select(x, 1, idx)
        b = torch.index_select(x, dim=0, index=torch.tensor([1]))
    """, outputs=("a", "b"), mode="text", note=NO_KERNEL.format("IndexSelect"),
         expect=("mint.index_select(x, 1, idx)", "mint.index_select(x, dim=0, index=mindspore.Tensor([1]))")),
    Case("torch.masked_select", """
        import torch
        x = torch.tensor([[1.0, -2.0], [3.0, -4.0]])
        out = torch.masked_select(x, x > 0)
    """),
    Case("torch.permute", """
        import torch
        x = torch.arange(24).reshape(2, 3, 4)
        a = torch.permute(x, (2, 0, 1))
        b = torch.permute(x, dims=(1, 0, 2))
    """, outputs=("a", "b")),
    Case("torch.reshape", """
        import torch
        x = torch.arange(6)
        a = torch.reshape(x, (2, 3))
        b = torch.reshape(x, [3, -1])
        c = torch.reshape(x, shape=(-1,))
    """, outputs=("a", "b", "c")),
    Case("torch.scatter", """
        import torch
        x = torch.zeros(2, 3)
        src = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        idx = torch.tensor([[0, 1, 2], [2, 0, 1]])
        a = torch.scatter(x, 1, idx, src)
        b = torch.scatter(x, dim=1, index=idx, src=src)
    """, outputs=("a", "b")),
    Case("torch.scatter_add", """
        import torch
        x = torch.ones(2, 3)
        src = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        idx = torch.tensor([[0, 0, 2], [1, 1, 1]])
        a = torch.scatter_add(x, 1, idx, src)
        b = torch.scatter_add(x, dim=1, index=idx, src=src)
    """, outputs=("a", "b"), mode="text", note=NO_KERNEL.format("ScatterAddExt"),
         expect=("mint.scatter_add(x, 1, idx, src)", "mint.scatter_add(x, dim=1, index=idx, src=src)")),
    Case("torch.split", """
        import torch
        x = torch.arange(10).reshape(5, 2)
        a = torch.split(x, 2)
        b = torch.split(x, [1, 4])
        c = torch.split(x, 1, dim=1)
    """, outputs=("a", "b", "c")),
    Case("torch.narrow", """
        import torch
        x = torch.arange(12).reshape(3, 4)
        a = torch.narrow(x, 0, 1, 2)
        b = torch.narrow(x, dim=1, start=1, length=3)
    """, outputs=("a", "b")),
    Case("torch.nonzero", """
        import torch
        x = torch.tensor([[0, 1], [2, 0]])
        a = torch.nonzero(x)
        b = torch.nonzero(x, as_tuple=True)
    """, outputs=("a", "b"), mode="text", note=NO_KERNEL.format("NonZeroExt"),
         expect=("mint.nonzero(x)", "mint.nonzero(x, as_tuple=True)")),
    Case("torch.tile", """
        import torch
        x = torch.tensor([[1, 2]])
        a = torch.tile(x, (2, 2))
        b = torch.tile(x, dims=(3,))
    """, outputs=("a", "b")),
    Case("torch.tril", """
        import torch
        x = torch.arange(1.0, 10.0).reshape(3, 3)
        a = torch.tril(x)
        b = torch.tril(x, -1)
        c = torch.tril(x, diagonal=1)
    """, outputs=("a", "b", "c")),
    Case("torch.triu", """
        import torch
        x = torch.arange(1.0, 10.0).reshape(3, 3)
        a = torch.triu(x)
        b = torch.triu(x, 1)
        c = torch.triu(x, diagonal=-1)
    """, outputs=("a", "b", "c")),
    Case("torch.select", """
        import torch
        x = torch.arange(6).reshape(2, 3)
        a = torch.select(x, 0, 1)
        b = torch.select(x, dim=1, index=-1)
    """, outputs=("a", "b")),
    Case("torch.squeeze", """
        import torch
        x = torch.zeros(2, 1, 3, 1)
        a = torch.squeeze(x)
        b = torch.squeeze(x, 1)
        c = torch.squeeze(x, dim=3)
        d = torch.squeeze(x, (1, 3))
        e = torch.squeeze(x, 0)
    """, outputs=("a", "b", "c", "d", "e"), note="corrected to ops.squeeze: mint.squeeze needs a dim"),
    Case("torch.unsqueeze", """
        import torch
        x = torch.tensor([1.0, 2.0])
        a = torch.unsqueeze(x, 0)
        b = torch.unsqueeze(x, dim=-1)
    """, outputs=("a", "b")),
    Case("torch.stack", """
        import torch
        a = torch.tensor([1.0, 2.0])
        b = torch.tensor([3.0, 4.0])
        x = torch.stack([a, b])
        y = torch.stack((a, b), 1)
        z = torch.stack(tensors=[a, b], dim=-1)
    """, outputs=("x", "y", "z")),
    Case("torch.swapaxes", """
        import torch
        x = torch.arange(6).reshape(1, 2, 3)
        a = torch.swapaxes(x, 0, 2)
        b = torch.swapaxes(x, axis0=1, axis1=2)
    """, outputs=("a", "b")),
    Case("torch.transpose", """
        import torch as th
        x = th.arange(6).reshape(2, 3)
        a = th.transpose(x, 0, 1)
        b = th.transpose(x, dim0=-1, dim1=-2)
    """, outputs=("a", "b")),
    Case("torch.unbind", """
        import torch
        x = torch.arange(6).reshape(2, 3)
        a = torch.unbind(x)
        b = torch.unbind(x, dim=1)
    """, outputs=("a", "b")),
    Case("torch.unique_consecutive", """
        import torch
        x = torch.tensor([1, 1, 2, 2, 3, 1, 1])
        a = torch.unique_consecutive(x)
        b, inv, cnt = torch.unique_consecutive(x, return_inverse=True, return_counts=True)
    """, outputs=("a", "b", "inv", "cnt")),
    Case("torch.where", """
        import torch
        x = torch.tensor([[1.0, -2.0], [-3.0, 4.0]])
        a = torch.where(x > 0, x, torch.zeros_like(x))
        b = torch.where(x > 0, x, 0.0)
        c = torch.where(condition=x < 0, input=x, other=-x)
    """, outputs=("a", "b", "c")),
    Case("torch.where", """
        import torch
        x = torch.tensor([[0, 1], [2, 0]])
        out = torch.where(x)
    """, mode="text", expect=("mint.where(x)",), note=NO_KERNEL.format("NonZeroExt") + "; the one-argument form"),
    Case("torch.clone", """
        import torch
        x = torch.tensor([1.0, 2.0])
        a = torch.clone(x)
        b = torch.clone(x, memory_format=torch.preserve_format)
    """, outputs=("a", "b")),
    Case("torch.bincount", """
        import torch
        x = torch.tensor([0, 1, 1, 3])
        a = torch.bincount(x)
        b = torch.bincount(x, minlength=6)
        c = torch.bincount(x, weights=torch.tensor([0.5, 1.0, 1.0, 2.0]))
    """, outputs=("a", "b", "c"), mode="text", note=NO_KERNEL.format("BincountExt"),
         expect=("mint.bincount(x)", "mint.bincount(x, minlength=6)",
                 "mint.bincount(x, weights=mindspore.Tensor([0.5, 1.0, 1.0, 2.0]))")),
    Case("torch.flatten", """
        import torch
        x = torch.arange(24).reshape(2, 3, 4)
        a = torch.flatten(x)
        b = torch.flatten(x, 1)
        c = torch.flatten(x, start_dim=0, end_dim=1)
    """, outputs=("a", "b", "c")),
    Case("torch.flip", """
        import torch
        x = torch.arange(6).reshape(2, 3)
        a = torch.flip(x, (0,))
        b = torch.flip(x, dims=[0, 1])
    """, outputs=("a", "b")),
    Case("torch.roll", """
        import torch
        x = torch.arange(6).reshape(2, 3)
        a = torch.roll(x, 1)
        b = torch.roll(x, 1, 1)
        c = torch.roll(x, shifts=(1, -1), dims=(0, 1))
    """, outputs=("a", "b", "c"), mode="text", note=NO_KERNEL.format("Roll"),
         expect=("mint.roll(x, 1)", "mint.roll(x, 1, 1)", "mint.roll(x, shifts=(1, -1), dims=(0, 1))")),
    Case("torch.broadcast_to", """
        import torch
        x = torch.tensor([1, 2, 3])
        a = torch.broadcast_to(x, (2, 3))
        b = torch.broadcast_to(x, [3, 3])
    """, outputs=("a", "b")),
    Case("torch.diag", """
        import torch
        v = torch.tensor([1.0, 2.0])
        m = torch.arange(9.0).reshape(3, 3)
        a = torch.diag(v)
        b = torch.diag(m, 1)
        c = torch.diag(v, diagonal=-1)
    """, outputs=("a", "b", "c"), mode="text", note=NO_KERNEL.format("DiagExt"),
         expect=("mint.diag(v)", "mint.diag(m, 1)", "mint.diag(v, diagonal=-1)")),
    Case("torch.repeat_interleave", """
        import torch
        x = torch.tensor([[1, 2], [3, 4]])
        a = torch.repeat_interleave(x, 2)
        b = torch.repeat_interleave(x, 2, dim=0)
        c = torch.repeat_interleave(x, torch.tensor([1, 2]), dim=1)
    """, outputs=("a", "b", "c"), mode="text", note=NO_KERNEL.format("RepeatInterleaveInt"),
         expect=("mint.repeat_interleave(x, 2)", "mint.repeat_interleave(x, 2, dim=0)",
                 "mint.repeat_interleave(x, mindspore.Tensor([1, 2]), dim=1)")),
    Case("torch.searchsorted", """
        import torch
        seq = torch.tensor([1, 3, 5, 7, 9])
        v = torch.tensor([3, 6, 9])
        a = torch.searchsorted(seq, v)
        b = torch.searchsorted(seq, v, right=True)
        c = torch.searchsorted(seq, v, side="right")
    """, outputs=("a", "b", "c")),
    Case("torch.searchsorted", """
        import torch
        seq = torch.tensor([1, 3, 5, 7, 9])
        out = torch.searchsorted(seq, torch.tensor([3, 6]), out_int32=True)
    """, mode="text", expect=("mint.searchsorted(seq, mindspore.Tensor([3, 6]), out_int32=True)",),
         note="the CPU kernel fails for out_int32=True ('the dimension of v and output must be equal')"),
    Case("torch.meshgrid", """
        import torch
        x = torch.tensor([1, 2, 3])
        y = torch.tensor([4, 5])
        a = torch.meshgrid(x, y, indexing="ij")
        b = torch.meshgrid([x, y], indexing="xy")
    """, outputs=("a", "b")),
    Case("torch.einsum", """
        import torch
        a = torch.arange(6.0).reshape(2, 3)
        b = torch.arange(12.0).reshape(3, 4)
        out = torch.einsum("ij,jk->ik", a, b)
    """, mode="text", expect=('mint.einsum("ij,jk->ik", a, b)',),
         note="mint.einsum raises NotImplementedError 'einsum only supports Ascend'"),

    # ---- pointwise math -------------------------------------------------------------
    unary("abs", "[-1.5, 0.0, 2.0]"),
    unary("abs", "[-3, 4]", call="torch.abs(input=x)"),
    unary("acos", kernel="AcosExt"), unary("arccos", kernel="AcosExt"),
    unary("asin", kernel="AsinExt"), unary("arcsin", kernel="AsinExt"),
    unary("arcsin", call="torch.arcsin(input=x)", kernel="AsinExt", expect=("mint.arcsin(x=x)",)),
    unary("atan", kernel="AtanExt"), unary("arctan", kernel="AtanExt"),
    unary("asinh", kernel="AsinhExt"), unary("arcsinh", kernel="AsinhExt"),
    unary("acosh", "[1.0, 1.5, 3.0]", kernel="AcoshExt"), unary("arccosh", "[1.0, 1.5, 3.0]", kernel="AcoshExt"),
    unary("atanh"), unary("arctanh"),
    unary("ceil", "[-1.5, 0.2, 2.7]"), unary("floor", "[-1.5, 0.2, 2.7]"),
    unary("trunc", "[-1.5, 0.2, 2.7]"), unary("fix", "[-1.5, 0.2, 2.7]"),
    unary("frac", "[-1.5, 0.2, 2.7]", kernel="Frac"),
    unary("cos"), unary("cosh"), unary("sin"), unary("sinh"), unary("tan"), unary("tanh"),
    unary("erf"), unary("erfc"), unary("erfinv", "[-0.5, 0.0, 0.9]"),
    unary("exp"), unary("exp2", kernel="Exp2"), unary("expm1"),
    unary("log"), unary("log1p"), unary("log2", kernel="Log2"), unary("log10", kernel="Log10"),
    unary("neg", "[1.0, -2.0]"), unary("negative", "[1.0, -2.0]"),
    unary("reciprocal", "[0.5, -2.0, 4.0]"), unary("rsqrt", "[0.25, 4.0]"),
    unary("sigmoid", "[-1.0, 0.0, 2.0]"), unary("sign", "[-1.5, 0.0, 2.0]"),
    unary("sinc", "[0.0, 0.5, 1.5]"), unary("sqrt", "[0.25, 4.0]"),
    unary("square", "[1.5, -2.0]"), unary("square", "[3, -2]"),
    unary("round", "[-1.5, 0.5, 2.567]"),
    unary("round", "[-1.5, 0.5, 2.567]", call="torch.round(x, decimals=2)",
          kernel="Round with decimals != 0", expect=("mint.round(x, decimals=2)",)),
    unary("logical_not", "[0.0, 1.5, -2.0]"),
    unary("isnan", "[1.0, float('nan'), float('inf')]"),
    unary("isnan", "[1.0, float('nan')]", call="torch.isnan(input=x)"),
    unary("isfinite", "[1.0, float('nan'), float('inf')]"),
    unary("isinf", "[1.0, float('-inf'), float('inf')]"),
    unary("isneginf", "[1.0, float('-inf'), float('inf')]", kernel="IsNegInf"),
    unary("nan_to_num", "[1.0, float('nan'), float('inf'), float('-inf')]"),
    unary("nan_to_num", "[1.0, float('nan'), float('inf')]", call="torch.nan_to_num(x, nan=2.0, posinf=9.0)"),
    unary("nan_to_num", "[1.0, float('nan'), float('-inf')]", call="torch.nan_to_num(x, 0.5, 1.0, -1.0)"),
    unary("ravel", "[[1, 2], [3, 4]]"),
    unary("t", "[[1, 2, 3], [4, 5, 6]]"),
    unary("t", "[1, 2, 3]"),
    unary("sigmoid", "[[0.5, -0.5]]", call="torch.sigmoid(input=x)"),

    binary("add"),
    binary("add", call="torch.add(a, b, alpha=2)"),
    binary("add", call="torch.add(a, 3)"),
    binary("add", call="torch.add(input=a, other=b)"),
    binary("sub"),
    binary("sub", call="torch.sub(a, b, alpha=0.5)"),
    binary("mul"), binary("mul", call="torch.mul(a, 2.0)"),
    binary("div"),
    binary("div", call="torch.div(a, b, rounding_mode='floor')"),
    binary("div", call="torch.div(a, b, rounding_mode='trunc')"),
    binary("div", "[7, -7]", "[2, 2]", call="torch.div(a, b)"),
    binary("divide"), binary("divide", call="torch.divide(a, b, rounding_mode='floor')"),
    binary("atan2", kernel="Atan2Ext"), binary("arctan2", kernel="Atan2Ext"),
    binary("pow", "[1.0, 2.0, 3.0]", "[2.0, 0.5, -1.0]"),
    binary("pow", "[1, 2, 3]", "[2, 3, 0]"),
    binary("pow", call="torch.pow(a, 2)"),
    binary("pow", call="torch.pow(2, b)"),
    binary("float_power", "[1, 2, 3]", "[2, 3, 0]"),
    binary("float_power", call="torch.float_power(b, 2)"),
    binary("fmod"), binary("fmod", call="torch.fmod(a, 1.5)"),
    binary("remainder"), binary("remainder", call="torch.remainder(a, 2)"),
    binary("logaddexp", kernel="LogAddExp"), binary("logaddexp2", kernel="LogAddExp2"),
    binary("xlogy", "[0.0, 1.0, 2.0]", "[3.0, 3.0, 0.5]"),
    binary("xlogy", "[0.0]", "[0.0]", mode="text", expect=("mint.xlogy(a, b)",),
           note="0 * log(0): torch and mint's docs give 0, the CPU kernel gives nan"),
    binary("maximum"), binary("minimum"),
    binary("bitwise_and", "[12, 10, 7]", "[10, 6, 1]"),
    binary("bitwise_or", "[12, 10, 7]", "[10, 6, 1]", kernel="BitwiseOrTensor"),
    binary("bitwise_xor", "[12, 10, 7]", "[10, 6, 1]", kernel="BitwiseXorTensor"),
    binary("bitwise_and", "[True, False, True]", "[True, True, False]"),
    binary("logical_and", "[1.0, 0.0, 2.0]", "[1.0, 1.0, 0.0]"),
    binary("logical_or", "[1.0, 0.0, 0.0]", "[0.0, 0.0, 3.0]"),
    binary("logical_xor", "[1.0, 0.0, 2.0]", "[1.0, 1.0, 0.0]"),
    binary("eq", "[1.0, 2.0, 3.0]", "[1.0, 0.0, 3.0]"),
    binary("eq", call="torch.eq(a, 3.0)"),
    binary("ne", "[1.0, 2.0, 3.0]", "[1.0, 0.0, 3.0]"),
    binary("not_equal", "[1.0, 2.0, 3.0]", "[1.0, 0.0, 3.0]"),
    binary("gt"), binary("gt", call="torch.gt(a, 0)"), binary("greater"),
    binary("ge", "[1.0, 2.0, 3.0]", "[1.0, 0.0, 4.0]"), binary("greater_equal", "[1.0, 2.0, 3.0]", "[1.0, 0.0, 4.0]"),
    binary("lt"), binary("less"), binary("lt", call="torch.lt(a, 1)"),
    binary("le", "[1.0, 2.0, 3.0]", "[1.0, 0.0, 4.0]"), binary("less_equal", "[1.0, 2.0, 3.0]", "[1.0, 0.0, 4.0]"),
    binary("equal", "[1.0, 2.0]", "[1.0, 2.0]", kernel="EqualExt"),
    binary("allclose", "[1.0, 2.0]", "[1.0, 2.000001]"),
    binary("allclose", "[1.0, 2.0]", "[1.0, 2.1]", call="torch.allclose(a, b, atol=0.2)"),
    binary("isclose", "[1.0, 2.0, float('nan')]", "[1.0, 2.1, float('nan')]"),
    binary("isclose", "[1.0, 2.0, float('nan')]", "[1.0, 2.1, float('nan')]",
           call="torch.isclose(a, b, rtol=0.0, atol=0.2, equal_nan=True)"),
    Case("torch.clamp", """
        import torch
        x = torch.tensor([-2.0, 0.5, 3.0])
        a = torch.clamp(x, -1.0, 1.0)
        b = torch.clamp(x, min=0.0)
        c = torch.clamp(x, max=2)
        d = torch.clamp(x, torch.tensor([0.0, 0.0, 0.0]), torch.tensor([1.0, 0.2, 5.0]))
    """, outputs=("a", "b", "c", "d")),
    Case("torch.clip", """
        import torch
        x = torch.tensor([-2.0, 0.5, 3.0])
        a = torch.clip(x, -1.0, 1.0)
        b = torch.clip(x, min=0.0)
        c = torch.clip(x, max=2.0)
    """, outputs=("a", "b", "c")),
    Case("torch.lerp", """
        import torch
        s = torch.tensor([1.0, 2.0, 3.0])
        e = torch.tensor([10.0, 10.0, 10.0])
        a = torch.lerp(s, e, 0.5)
        b = torch.lerp(s, e, torch.tensor([0.0, 0.5, 1.0]))
        c = torch.lerp(input=s, end=e, weight=0.25)
    """, outputs=("a", "b", "c")),
    Case("torch.polar", """
        import torch
        r = torch.tensor([1.0, 2.0])
        th = torch.tensor([0.0, 1.5707963])
        out = torch.polar(r, th)
    """),
    Case("torch.cross", """
        import torch
        a = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
        b = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        x = torch.cross(a, b, dim=1)
        y = torch.cross(a, b, 1)
    """, outputs=("x", "y")),
    Case("torch.diff", """
        import torch
        x = torch.tensor([[1, 3, 6, 10], [0, 1, 1, 2]])
        a = torch.diff(x)
        b = torch.diff(x, n=2)
        c = torch.diff(x, dim=0)
        d = torch.diff(x, 1, -1, prepend=torch.tensor([[0], [0]]))
    """, outputs=("a", "b", "c", "d")),
    Case("torch.softmax", """
        import torch
        x = torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
        a = torch.softmax(x, 1)
        b = torch.softmax(x, dim=0)
        c = torch.softmax(x, -1, dtype=torch.float64)
    """, outputs=("a", "b", "c")),
    Case("torch.log_softmax", """
        import torch
        x = torch.tensor([[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])
        a = torch.log_softmax(x, 1)
        b = torch.log_softmax(x, dim=0)
    """, outputs=("a", "b")),

    # ---- reductions -----------------------------------------------------------------
    Case("torch.sum", """
        import torch
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        a = torch.sum(x)
        b = torch.sum(x, 0)
        c = torch.sum(x, dim=1, keepdim=True)
        d = torch.sum(x, (0, 1))
        e = torch.sum(torch.tensor([1, 2, 3], dtype=torch.int32))
        f = torch.sum(x, dtype=torch.float64)
    """, outputs=("a", "b", "c", "d", "e", "f")),
    Case("torch.mean", """
        import torch
        x = torch.tensor([[1.0, 2.0], [3.0, 5.0]])
        a = torch.mean(x)
        b = torch.mean(x, 1)
        c = torch.mean(x, dim=0, keepdim=True)
        d = torch.mean(x, [0, 1])
    """, outputs=("a", "b", "c", "d")),
    Case("torch.prod", """
        import torch
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        a = torch.prod(x)
        b = torch.prod(x, 1)
        c = torch.prod(x, dim=0, keepdim=True)
        d = torch.prod(torch.tensor([2, 3, 4]))
    """, outputs=("a", "b", "c", "d")),
    Case("torch.nansum", """
        import torch
        x = torch.tensor([[1.0, float('nan')], [3.0, 4.0]])
        a = torch.nansum(x)
        b = torch.nansum(x, 1)
        c = torch.nansum(x, dim=0, keepdim=True)
        d = torch.nansum(torch.tensor([1, 2]), dtype=torch.float64)
    """, outputs=("a", "b", "c", "d"), note="corrected to ops.nansum: mint.nansum rejects dim=/keepdim= keywords"),
    Case("torch.amax", """
        import torch
        x = torch.tensor([[1.0, 5.0], [3.0, 2.0]])
        a = torch.amax(x)
        b = torch.amax(x, 0)
        c = torch.amax(x, dim=1, keepdim=True)
        d = torch.amax(x, (0, 1))
    """, outputs=("a", "b", "c", "d")),
    Case("torch.amin", """
        import torch
        x = torch.tensor([[1.0, 5.0], [3.0, 2.0]])
        a = torch.amin(x)
        b = torch.amin(x, 0)
        c = torch.amin(x, dim=1, keepdim=True)
    """, outputs=("a", "b", "c")),
    Case("torch.argmax", """
        import torch
        x = torch.tensor([[1.0, 5.0, 2.0], [7.0, 2.0, 3.0]])
        a = torch.argmax(x)
        b = torch.argmax(x, 1)
        c = torch.argmax(x, dim=0, keepdim=True)
    """, outputs=("a", "b", "c")),
    Case("torch.argmin", """
        import torch
        x = torch.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]])
        a = torch.argmin(x)
        b = torch.argmin(x, 1)
        c = torch.argmin(x, dim=0, keepdim=True)
    """, outputs=("a", "b", "c"), mode="text", note=NO_KERNEL.format("ArgMinExt"),
         expect=("mint.argmin(x)", "mint.argmin(x, 1)", "mint.argmin(x, dim=0, keepdim=True)")),
    Case("torch.argsort", """
        import torch
        x = torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
        a = torch.argsort(x)
        b = torch.argsort(x, 0)
        c = torch.argsort(x, dim=1, descending=True)
    """, outputs=("a", "b", "c"), mode="text", note=NO_KERNEL.format("ArgSort"),
         expect=("mint.argsort(x)", "mint.argsort(x, 0)", "mint.argsort(x, dim=1, descending=True)")),
    Case("torch.all", """
        import torch
        x = torch.tensor([[True, False], [True, True]])
        a = torch.all(x)
        b = torch.all(x, 1)
        c = torch.all(x, dim=0, keepdim=True)
        d = torch.all(torch.tensor([1.0, 2.0]))
    """, outputs=("a", "b", "c", "d")),
    Case("torch.any", """
        import torch
        x = torch.tensor([[True, False], [False, False]])
        a = torch.any(x)
        b = torch.any(x, 1)
        c = torch.any(x, dim=0, keepdim=True)
        d = torch.any(torch.tensor([0, 2]))
    """, outputs=("a", "b", "c", "d")),
    Case("torch.max", """
        import torch
        x = torch.tensor([[1.0, 5.0, 2.0], [7.0, 2.0, 3.0]])
        a = torch.max(x)
        b, bi = torch.max(x, 1)
        c = torch.max(x, dim=0, keepdim=True)
        d = torch.max(x, torch.full_like(x, 3.0)) if False else torch.max(x, torch.ones(2, 3) * 3)
        e = torch.max(x, 1)[1]
    """, outputs=("a", "b", "bi", "c", "d", "e")),
    Case("torch.min", """
        import torch
        x = torch.tensor([[1.0, 5.0, 2.0], [7.0, 2.0, 3.0]])
        a = torch.min(x)
        b, bi = torch.min(x, 1)
        c = torch.min(x, dim=0, keepdim=True)
        d = torch.min(x, torch.ones(2, 3) * 3)
    """, outputs=("a", "b", "bi", "c", "d")),
    Case("torch.median", """
        import torch
        x = torch.tensor([[1.0, 5.0, 2.0], [7.0, 2.0, 3.0]])
        a = torch.median(x)
        b, bi = torch.median(x, 1)
        c = torch.median(x, dim=0, keepdim=True)
    """, outputs=("a", "b", "bi", "c"), mode="text", note=NO_KERNEL.format("MedianExt, MedianDim"),
         expect=("mint.median(x)", "mint.median(x, 1)", "mint.median(x, dim=0, keepdim=True)")),
    Case("torch.cumsum", """
        import torch
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        a = torch.cumsum(x, 0)
        b = torch.cumsum(x, dim=1)
        c = torch.cumsum(torch.tensor([1, 2, 3], dtype=torch.int32), 0)
        d = torch.cumsum(x, 1, dtype=torch.float64)
    """, outputs=("a", "b", "c", "d")),
    Case("torch.cumprod", """
        import torch
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        a = torch.cumprod(x, 0)
        b = torch.cumprod(x, dim=1)
        c = torch.cumprod(torch.tensor([1, 2, 3]), 0)
    """, outputs=("a", "b", "c")),
    Case("torch.cummax", """
        import torch
        x = torch.tensor([[1.0, 3.0, 2.0], [0.0, -1.0, 4.0]])
        a, ai = torch.cummax(x, 1)
        b = torch.cummax(x, dim=0)
    """, outputs=("a", "ai", "b")),
    Case("torch.cummin", """
        import torch
        x = torch.tensor([[1.0, 3.0, 0.0], [0.0, -1.0, 4.0]])
        a, ai = torch.cummin(x, 1)
        b = torch.cummin(x, dim=0)
    """, outputs=("a", "ai", "b"), mode="text", note=NO_KERNEL.format("CumminExt"),
         expect=("mint.cummin(x, 1)", "mint.cummin(x, dim=0)")),
    Case("torch.logsumexp", """
        import torch
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        a = torch.logsumexp(x, 1)
        b = torch.logsumexp(x, dim=0, keepdim=True)
        c = torch.logsumexp(x, (0, 1))
    """, outputs=("a", "b", "c")),
    Case("torch.histc", """
        import torch
        x = torch.tensor([1.0, 2.0, 1.0, 4.0])
        a = torch.histc(x, bins=4, min=0, max=4)
        b = torch.histc(x, 2)
    """, outputs=("a", "b"), mode="text", note=NO_KERNEL.format("HistcExt"),
         expect=("mint.histc(x, bins=4, min=0, max=4)", "mint.histc(x, 2)")),
    Case("torch.norm", """
        import torch
        x = torch.tensor([[3.0, 4.0], [1.0, 2.0]])
        a = torch.norm(x)
        b = torch.norm(x, dim=1)
        c = torch.norm(x, p=1, dim=0, keepdim=True)
        d = torch.norm(x, 2, 1)
    """, outputs=("a", "b", "c", "d")),
    Case("torch.std", """
        import torch
        x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
        a = torch.std(x)
        b = torch.std(x, 1)
        c = torch.std(x, dim=0, keepdim=True)
        d = torch.std(x, dim=1, correction=0)
    """, outputs=("a", "b", "c", "d"), mode="text", note=NO_KERNEL.format("Std"),
         expect=("mint.std(x)", "mint.std(x, 1)", "mint.std(x, dim=0, keepdim=True)", "mint.std(x, dim=1, correction=0)")),
    Case("torch.std", """
        import torch
        x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
        a = torch.std(x, unbiased=False)
        b = torch.std(x, 1, True)
        c = torch.std(x, 1, False, True)
    """, outputs=("a", "b", "c"), mode="text", note=NO_KERNEL.format("Std") + "; the older `unbiased` overload",
         expect=("mint.std(x, correction=False)", "mint.std(x, 1, correction=True)",
                 "mint.std(x, 1, correction=False, keepdim=True)")),
    Case("torch.var", """
        import torch
        x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
        a = torch.var(x)
        b = torch.var(x, 1)
        c = torch.var(x, dim=0, keepdim=True)
        d = torch.var(x, dim=1, correction=0)
    """, outputs=("a", "b", "c", "d")),
    Case("torch.var", """
        import torch
        x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
        a = torch.var(x, unbiased=False)
        b = torch.var(x, 0, unbiased=False)
        c = torch.var(x, 1, True)
        d = torch.var(x, 1, False, True)
    """, outputs=("a", "b", "c", "d"), note="the older `unbiased` overload"),
    Case("torch.std_mean", """
        import torch
        x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
        a = torch.std_mean(x)
        b = torch.std_mean(x, 1)
        c = torch.std_mean(x, dim=0, correction=0, keepdim=True)
        d = torch.std_mean(x, 1, False)
    """, outputs=("a", "b", "c", "d"), mode="text", note=NO_KERNEL.format("StdMean"),
         expect=("mint.std_mean(x)", "mint.std_mean(x, 1)", "mint.std_mean(x, dim=0, correction=0, keepdim=True)",
                 "mint.std_mean(x, 1, correction=False)")),
    Case("torch.var_mean", """
        import torch
        x = torch.tensor([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
        a = torch.var_mean(x)
        b = torch.var_mean(x, 1)
        c = torch.var_mean(x, dim=0, unbiased=False)
        d = torch.var_mean(x, 1, True, True)
    """, outputs=("a", "b", "c", "d"), mode="text", note=NO_KERNEL.format("VarMean"),
         expect=("mint.var_mean(x)", "mint.var_mean(x, 1)", "mint.var_mean(x, dim=0, correction=False)",
                 "mint.var_mean(x, 1, correction=True, keepdim=True)")),
    Case("torch.unique", """
        import torch
        x = torch.tensor([3, 1, 2, 1, 3])
        a = torch.unique(x)
        b, inv = torch.unique(x, return_inverse=True)
        c, cnt = torch.unique(x, sorted=True, return_counts=True)
    """, outputs=("a", "b", "inv", "c", "cnt"), mode="text", note=NO_KERNEL.format("Unique2"),
         expect=("mint.unique(x)", "mint.unique(x, return_inverse=True)",
                 "mint.unique(x, sorted=True, return_counts=True)")),
    Case("torch.topk", """
        import torch
        x = torch.tensor([[1.0, 5.0, 2.0], [7.0, 2.0, 3.0]])
        a, ai = torch.topk(x, 2)
        b = torch.topk(x, 1, dim=0)
        c = torch.topk(x, k=2, largest=False)
        d = torch.topk(x, 2, 1, True, True)[0]
    """, outputs=("a", "ai", "b", "c", "d")),
    Case("torch.sort", """
        import torch
        x = torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
        a, ai = torch.sort(x)
        b = torch.sort(x, 0)
        c = torch.sort(x, dim=1, descending=True)
        d = torch.sort(x, 1, True)[1]
        e = torch.sort(x, stable=True, dim=1)
    """, outputs=("a", "ai", "b", "c", "d", "e")),

    # ---- linear algebra -------------------------------------------------------------
    Case("torch.matmul", """
        import torch
        a = torch.arange(6.0).reshape(2, 3)
        b = torch.arange(3.0)
        x = torch.matmul(a, b)
        y = torch.matmul(a, a.T)
        z = torch.matmul(input=a, other=a.T)
    """, outputs=("x", "y", "z")),
    Case("torch.mm", """
        import torch
        a = torch.arange(6.0).reshape(2, 3)
        b = torch.arange(6.0).reshape(3, 2)
        out = torch.mm(a, b)
    """, mode="text", expect=("mint.mm(a, b)",), note=NO_KERNEL.format("Mm")),
    Case("torch.bmm", """
        import torch
        a = torch.arange(12.0).reshape(2, 2, 3)
        b = torch.arange(12.0).reshape(2, 3, 2)
        out = torch.bmm(a, b)
    """),
    Case("torch.mv", """
        import torch
        m = torch.arange(6.0).reshape(2, 3)
        v = torch.tensor([1.0, 0.5, -1.0])
        out = torch.mv(m, v)
    """, mode="text", expect=("mint.mv(m, v)",), note=NO_KERNEL.format("Mv")),
    Case("torch.dot", """
        import torch
        a = torch.tensor([1.0, 2.0, 3.0])
        b = torch.tensor([4.0, 5.0, 6.0])
        x = torch.dot(a, b)
        y = torch.dot(a, tensor=b)
    """, outputs=("x", "y"), mode="text", note=NO_KERNEL.format("Dot"),
         expect=("mint.dot(a, b)", "mint.dot(a, other=b)")),
    Case("torch.outer", """
        import torch
        a = torch.tensor([1.0, 2.0])
        b = torch.tensor([3.0, 4.0, 5.0])
        out = torch.outer(a, b)
    """),
    Case("torch.addmm", """
        import torch
        c = torch.ones(2, 2)
        a = torch.arange(6.0).reshape(2, 3)
        b = torch.arange(6.0).reshape(3, 2)
        x = torch.addmm(c, a, b)
        y = torch.addmm(c, a, b, beta=0.5, alpha=2)
    """, outputs=("x", "y")),
    Case("torch.addmv", """
        import torch
        c = torch.ones(2)
        m = torch.arange(6.0).reshape(2, 3)
        v = torch.tensor([1.0, 0.5, -1.0])
        x = torch.addmv(c, m, v)
        y = torch.addmv(c, m, v, beta=2, alpha=0.5)
    """, outputs=("x", "y"), mode="text", note=NO_KERNEL.format("Addmv"),
         expect=("mint.addmv(c, m, v)", "mint.addmv(c, m, v, beta=2, alpha=0.5)")),
    Case("torch.addbmm", """
        import torch
        c = torch.ones(2, 2)
        a = torch.arange(12.0).reshape(2, 2, 3)
        b = torch.arange(12.0).reshape(2, 3, 2)
        x = torch.addbmm(c, a, b)
        y = torch.addbmm(c, a, b, beta=0.5, alpha=2)
    """, outputs=("x", "y"), mode="text", note=NO_KERNEL.format("Addbmm"),
         expect=("mint.addbmm(c, a, b)", "mint.addbmm(c, a, b, beta=0.5, alpha=2)")),
    Case("torch.baddbmm", """
        import torch
        c = torch.ones(2, 2, 2)
        a = torch.arange(12.0).reshape(2, 2, 3)
        b = torch.arange(12.0).reshape(2, 3, 2)
        x = torch.baddbmm(c, a, b)
        y = torch.baddbmm(c, a, b, beta=0.5, alpha=2)
    """, outputs=("x", "y")),
    Case("torch.inverse", """
        import torch
        m = torch.tensor([[2.0, 1.0], [1.0, 3.0]])
        out = torch.inverse(m)
    """, mode="text", expect=("mint.inverse(m)",), note=NO_KERNEL.format("MatrixInverseExt")),
    Case("torch.trace", """
        import torch
        m = torch.arange(9.0).reshape(3, 3)
        out = torch.trace(m)
    """, mode="text", expect=("mint.trace(m)",), note=NO_KERNEL.format("TraceExt")),
    Case("torch.cdist", """
        import torch
        a = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
        b = torch.tensor([[1.0, 0.0], [2.0, 2.0], [0.0, 3.0]])
        x = torch.cdist(a, b)
        y = torch.cdist(a, b, p=1.0)
    """, outputs=("x", "y")),
    Case("torch.triangular_solve", """
        import torch
        A = torch.tensor([[2.0, 1.0], [0.0, 4.0]])
        b = torch.tensor([[1.0], [2.0]])
        x = torch.triangular_solve(b, A)
        y = torch.triangular_solve(b, A, upper=True, transpose=False)
    """, outputs=("x", "y"), mode="text", note=NO_KERNEL.format("TriangularSolve"),
         expect=("mint.triangular_solve(b, A)", "mint.triangular_solve(b, A, upper=True, transpose=False)")),
]

# ---- keywords MindSpore lacks: `out=` (flagged), `requires_grad=` (flagged), `generator=` on *_like --
_OUT_CALLS = {
    # names: torch arguments (x, y are invertible 2x2 float tensors)
    "abs acos acosh arccos arccosh arcsin arcsinh arctan arctanh asin asinh atan atanh ceil cos cosh erf erfc "
    "erfinv exp exp2 expm1 fix floor frac log log1p log2 log10 logical_not neg negative reciprocal round rsqrt "
    "sigmoid sign sin sinc sinh sqrt square tan tanh trunc isneginf nan_to_num inverse all any amax amin "
    "norm std var max min tril triu diag diff nonzero": "x",
    "sum mean prod argmax argmin median nansum logsumexp cumsum cumprod cummax cummin softmax log_softmax "
    "sort topk": "x, 1",
    "add sub mul div divide atan2 arctan2 pow float_power fmod remainder logaddexp logaddexp2 xlogy maximum minimum "
    "eq ne not_equal gt greater ge greater_equal lt less le less_equal logical_and logical_or logical_xor "
    "polar matmul mm": "x, y",
    "bitwise_and bitwise_or bitwise_xor": "x.int(), y.int()",
    "bmm": "x[None], y[None]", "dot outer": "x[0], y[0]", "masked_select": "x, x > 1",
    "cat concat concatenate stack": "[x, y]",
    "clamp clip": "x, 0.0, 1.0",
    "lerp": "x, y, 0.5",
    "cross": "torch.ones(3), torch.arange(3.0)",
    "addmm": "x, x, y", "addbmm": "x, x[None], y[None]", "baddbmm": "x[None], x[None], y[None]",
    "addmv": "x[0], x, y[0]", "mv": "x, y[0]",
    "gather": "x, 1, torch.zeros(2, 1, dtype=torch.long)",
    "index_select": "x, 0, torch.tensor([0])",
    "scatter scatter_add": "x, 1, torch.zeros(2, 1, dtype=torch.long), y",
    "where": "x > 1, x, y",
    "histc": "x, 4", "searchsorted": "y[0], x[0]", "triangular_solve": "y, x",
    "arange": "4.0", "linspace": "0, 1, 5", "eye": "2", "empty rand randn": "2, 2",
    "randint": "0, 5, (2,)", "randperm": "4", "normal": "torch.zeros(2), torch.ones(2)",
    "bernoulli": "x * 0.25", "multinomial": "x[0], 1",
}
for _names, _args in _OUT_CALLS.items():
    for _name in _names.split():
        CASES.append(flagged(_name, _args, "out"))
for _name, _args in (("arange", "4.0"), ("eye", "2"), ("linspace", "0, 1, 5"), ("empty", "2, 2"), ("randn", "2, 2"),
                     ("rand", "2, 2"), ("randint", "0, 5, (2,), dtype=torch.float32"),
                     ("randperm", "4, dtype=torch.float32"), ("empty_like", "x"), ("full_like", "x, 1.0"),
                     ("ones_like", "x"), ("zeros_like", "x"), ("randn_like", "x"), ("rand_like", "x"),
                     ("randint_like", "x, 5")):
    CASES.append(flagged(_name, _args, "requires_grad"))
for _name, _args in (("randn_like", "x"), ("rand_like", "x"), ("randint_like", "x, 5")):
    CASES.append(flagged(_name, _args, "generator", "torch.Generator()"))


# ---- tensor-method forms of rows whose method has no row of its own in the tensor_api table ------
# (not for rows whose function form is text-only: a method's kernel proves nothing about mint's)
_METHODS = {  # row: the method call on x (a 2x3 float tensor)
    "neg": "x.neg()", "cumprod": "x.cumprod(dim=0)", "prod": "x.prod(1)", "tril": "x.tril()",
    "triu": "x.triu(1)", "gt": "x.gt(2)", "ne": "x.ne(x)", "logsumexp": "x.logsumexp(1)", "rsqrt": "x.rsqrt()",
    "reciprocal": "x.reciprocal()", "narrow": "x.narrow(1, 0, 2)", "select": "x.select(0, 1)",
    "lerp": "x.lerp(x * 2, 0.5)", "outer": "x[0].outer(x[1])", "masked_select": "x.masked_select(x > 2)",
    "fmod": "x.fmod(2)", "remainder": "x.remainder(2)", "sign": "x.sign()", "trunc": "x.trunc()",
    "expm1": "x.expm1()", "log1p": "x.log1p()", "ravel": "x.ravel()", "broadcast_to": "x.broadcast_to((2, 2, 3))",
}
for _name, _call in _METHODS.items():
    CASES.append(Case(f"torch.{_name}", f"import torch\nx = torch.tensor([[1.0, 2.5, 3.0], [4.0, 0.5, 2.0]])\n"
                                        f"out = {_call}\n", note="tensor-method form"))


# Call styles no argument rule can convert yet (see docs/wrong-rows-mint.md, "mechanism gaps"):
# not collected by the harness.
GAPS = [
    Case("torch.max", """
        import torch
        x = torch.tensor([[1.0, 5.0, 2.0], [7.0, 2.0, 3.0]])
        a = torch.max(x, 1).values
        b = torch.max(x, dim=1).indices
    """, outputs=("a", "b"), note="mint returns a plain tuple: no .values/.indices (also min, sort, topk, ...)"),
    Case("torch.sort", """
        import torch
        x = torch.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
        out = torch.sort(x, 1, True).indices
    """, note="mint returns a plain tuple: no .values/.indices"),
    Case("torch.index_add", """
        import torch
        x = torch.ones(3, 2)
        out = torch.index_add(x, 0, torch.tensor([0, 2]), torch.tensor([[1.0, 2.0], [3.0, 4.0]]), alpha=2)
    """, note="needs the index cast to int32 (a cast_args rule); flagged until then"),
    Case("torch.var", """
        import torch
        x = torch.tensor([[1.0, 2.5, 3.0], [4.0, 0.5, 2.0]])
        out = x.var(dim=1, unbiased=False)
    """, note="method form: Tensor.var rejects unbiased= (TypeError); needs a torch.Tensor.var rule"),
    Case("torch.median", """
        import torch
        x = torch.tensor([[1.0, 2.5, 3.0], [4.0, 0.5, 2.0]])
        out = x.median()
    """, note="method form: MindSpore's Tensor.median() reduces the last axis and returns (values, indices); "
              "torch's is the median of all elements -- a silent difference"),
]


# Method forms MindSpore's Tensor lacks, written as the function (data: method_to_function).
CASES += [
    Case("torch.log_softmax", """
        import torch
        x = torch.tensor([[1.0, 2.5, 3.0], [4.0, 0.5, 2.0]])
        out = x.log_softmax(dim=1)
        out2 = (x * 2).log_softmax(-1)
    """, outputs=("out", "out2")),
    Case("torch.exp2", """
        import torch
        x = torch.tensor([1.0, 2.5])
        out = x.exp2()
    """, mode="text", expect=("mint.exp2(x)",), note=NO_KERNEL.format("Exp2")),
    Case("torch.kron", """
        import torch
        a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        out = a.kron(torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    """),
    Case("torch.split", """
        import torch
        x = torch.arange(10.0).reshape(2, 5)
        a, b = x.split_with_sizes([2, 3], dim=1)
        c = (x * 2).split_with_sizes([1, 1])
    """, outputs=("a", "b", "c"), expect=("mint.split(x, [2, 3], dim=1)",)),
]


# Landed with the `positional` and `tuple_args` argument rules.
CASES += [
    Case("torch.randint", """
        import torch
        a = torch.randint(low=1, high=4, size=(2, 2))
        b = torch.randint(0, 10, size=(3,))
    """, outputs=("a", "b"), mode="random",
         note="mint.randint(*args, generator, dtype, device) takes low/high/size only positionally"),
    Case("torch.permute", """
        import torch
        x = torch.arange(24).reshape(2, 3, 4)
        out = torch.permute(x, [1, 0, 2])
    """, note="mint.permute wants a tuple: a list raised TypeError (TransposeView)"),
    Case("torch.tile", """
        import torch
        x = torch.tensor([[1, 2]])
        out = torch.tile(x, [2, 2])
    """, note="mint.tile wants a tuple: a list raised TypeError (Tile)"),
]
