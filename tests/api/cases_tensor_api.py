"""Cases for the "Tensor api" table: every row, as a method call (positional and keyword
forms where the method takes arguments), run in both frameworks.

Rows that are wrong by meaning or have no MindSpore counterpart are `flag` cases
(docs/wrong-rows-tensor.md has the evidence); rows whose MindSpore method has no CPU
kernel are `text` cases with the kernel error in `note`.
"""
from api.harness import Case

# float, int and bool receivers shared by the snippets
X = "x = torch.tensor([[1.5, -2.0, 3.0], [0.5, 4.0, -1.0]])\n"
I = "i = torch.tensor([[3, 1, 2], [0, 5, 4]])\n"
B = "b = torch.tensor([[True, False, True], [True, True, True]])\n"
COMMON = ("left as is and unflagged: the name is common on other objects (dicts, modules, DataFrames); "
          "MindSpore tensors have no such attribute (docs/wrong-rows-tensor.md)")
INT32 = "indices are int32 where torch's are int64 (values equal); a cast would also hit numpy's argsort/argmin"


def case(api, body, outputs=("out",), **kw):
    return Case(f"torch.Tensor.{api}", "import torch\n" + body, tuple(outputs), **kw)


CASES = [
    # ---- dunder and attributes ------------------------------------------------------
    case("__len__", X + "out = len(x)\nout2 = x.__len__()\n", ("out", "out2")),
    case("shape", X + "out = x.shape\nout2 = tuple(x.shape)\nout3 = x.shape[1]\n", ("out2", "out3")),
    case("ndim", X + "out = x.ndim\n"),
    case("dtype", X + I + "out = x.dtype == torch.float32\nout2 = i.dtype == torch.int64\n", ("out", "out2")),
    case("nbytes", X + I + "out = x.nbytes\nout2 = i.nbytes\n", ("out", "out2")),
    case("size", X + "out = x.size()\nout2 = x.size(1)\nout3 = x.size(dim=-1)\n", ("out", "out2", "out3"),
         expect=("x.shape[1]",)),
    case("dim", X + "out = x.dim()\n"),
    case("ndimension", X + "out = x.ndimension()\n"),
    case("nelement", X + "out = x.nelement()\n"),
    case("numel", X + "out = x.numel()\n"),
    case("stride", X + "out = x.stride()\nout2 = x.stride(0)\nout3 = x.stride(dim=1)\n", ("out", "out2", "out3")),
    case("is_contiguous", X + "out = x.is_contiguous()\nout2 = x.t().is_contiguous()\n", ("out", "out2")),
    case("is_floating_point", X + I + "out = x.is_floating_point()\nout2 = i.is_floating_point()\n",
         ("out", "out2")),
    case("item", "x = torch.tensor([2.5])\nout = x.item()\n"),
    case("tolist", X + "out = x.tolist()\n"),
    case("numpy", X + "out = x.numpy()\n"),
    # ---- elementwise math -----------------------------------------------------------
    case("abs", X + "out = x.abs()\n"),
    case("angle", "x = torch.tensor([1.0 + 1.0j, -2.0, 3.0j], dtype=torch.complex64)\nout = x.angle()\n"),
    case("angle", X + "out = x.angle()\n", mode="text", expect=("x.angle()",),
         note="real input: no CPU kernel (Select CPU operator[Angle] fail: only Complex64/Complex128)"),
    case("arctan", X + "out = x.arctan()\n"),
    case("atan", X + "out = x.atan()\n"),
    case("arctan2", X + "y = torch.tensor([[1.0, 2.0, -1.0], [-3.0, 0.5, 1.0]])\n"
         "out = x.arctan2(y)\nout2 = x.arctan2(other=y)\n", ("out", "out2")),
    case("atan2", X + "y = torch.tensor([[1.0, 2.0, -1.0], [-3.0, 0.5, 1.0]])\n"
         "out = x.atan2(y)\nout2 = x.atan2(other=y)\n", ("out", "out2")),
    case("ceil", X + "out = x.ceil()\n"),
    case("floor", X + "out = x.floor()\n"),
    case("round", X + "out = x.round()\nout2 = x.round(decimals=0)\n", ("out", "out2")),
    case("round", "y = torch.tensor([1.234, -2.567, 0.5])\nout = y.round(decimals=1)\n", mode="text",
         expect=("y.round(decimals=1)",),
         note="CPU: RuntimeError: For Round only support decimals equal 0, but got decimals equal 1"),
    case("cos", X + "out = x.cos()\n"),
    case("sin", X + "out = x.sin()\n"),
    case("tan", X + "out = x.tan()\n"),
    case("tanh", X + "out = x.tanh()\n"),
    case("sigmoid", X + "out = x.sigmoid()\n"),
    case("exp", X + "out = x.exp()\n"),
    case("log", "x = torch.tensor([1.5, 2.0, 0.25])\nout = x.log()\n"),
    case("log2", "x = torch.tensor([1.5, 2.0, 0.25])\nout = x.log2()\n"),
    case("sqrt", "x = torch.tensor([1.5, 2.0, 0.25])\nout = x.sqrt()\n"),
    case("square", X + "out = x.square()\n"),
    case("deg2rad", X + "out = x.deg2rad()\n"),
    case("rad2deg", X + "out = x.rad2deg()\n"),
    case("pow", X + "out = x.pow(2)\nout2 = x.pow(exponent=3)\nout3 = x.abs().pow(x)\n",
         ("out", "out2", "out3")),
    case("nan_to_num", "x = torch.tensor([float('nan'), float('inf'), -float('inf'), 1.0])\n"
         "out = x.nan_to_num()\nout2 = x.nan_to_num(0.5, 9.0, -9.0)\n"
         "out3 = x.nan_to_num(nan=1.0, posinf=2.0, neginf=-2.0)\n", ("out2", "out3")),
    case("logical_not", B + "out = b.logical_not()\n"),
    case("logical_or", B + "c = torch.tensor([[False, False, True], [False, True, False]])\n"
         "out = b.logical_or(c)\nout2 = b.logical_or(other=c)\n", ("out", "out2")),
    case("bitwise_and", I + "j = torch.tensor([[1, 1, 3], [7, 4, 6]])\n"
         "out = i.bitwise_and(j)\nout2 = i.bitwise_and(other=j)\n", ("out", "out2")),
    case("lcm", I + "j = torch.tensor([[2, 4, 3], [7, 10, 6]])\n"
         "out = i.lcm(j)\nout2 = i.lcm(other=j)\n", ("out", "out2")),
    case("isinf", "x = torch.tensor([1.0, float('inf'), -float('inf'), float('nan')])\nout = x.isinf()\n"),
    case("isnan", "x = torch.tensor([1.0, float('inf'), -float('inf'), float('nan')])\nout = x.isnan()\n"),
    case("isneginf", "x = torch.tensor([1.0, float('inf'), -float('inf'), float('nan')])\nout = x.isneginf()\n"),
    case("isclose", X + "y = x + 1e-7\nz = x + 1e-2\n"
         "out = x.isclose(y)\nout2 = x.isclose(z, rtol=1e-3, atol=1e-3)\nout3 = x.isclose(other=z)\n",
         ("out", "out2", "out3")),
    # ---- arithmetic -----------------------------------------------------------------
    case("add", X + "y = torch.ones(2, 3)\nout = x.add(y)\nout2 = x.add(y, alpha=2)\nout3 = x.add(other=y)\n"
         "out4 = x.add(2.0)\n", ("out", "out2", "out3", "out4")),
    case("sub", X + "y = torch.ones(2, 3)\nout = x.sub(y)\nout2 = x.sub(y, alpha=2)\nout3 = x.sub(other=y)\n",
         ("out", "out2", "out3")),
    case("mul", X + "y = torch.full((2, 3), 3.0)\nout = x.mul(y)\nout2 = x.mul(other=y)\nout3 = x.mul(2)\n",
         ("out", "out2", "out3")),
    case("multiply", X + "y = torch.full((2, 3), 3.0)\nout = x.multiply(y)\nout2 = x.multiply(other=y)\n",
         ("out", "out2")),
    case("div", X + "y = torch.full((2, 3), 4.0)\nout = x.div(y)\nout2 = x.div(other=y)\n"
         "out3 = x.div(y, rounding_mode='floor')\nout4 = x.div(y, rounding_mode='trunc')\n",
         ("out", "out2", "out3", "out4")),
    case("divide", X + "y = torch.full((2, 3), 4.0)\nout = x.divide(y)\nout2 = x.divide(other=y)\n",
         ("out", "out2")),
    case("maximum", X + "y = torch.zeros(2, 3)\nout = x.maximum(y)\nout2 = x.maximum(other=y)\n", ("out", "out2")),
    case("minimum", X + "y = torch.zeros(2, 3)\nout = x.minimum(y)\nout2 = x.minimum(other=y)\n", ("out", "out2")),
    case("matmul", X + "y = torch.ones(3, 2)\nout = x.matmul(y)\nout2 = x.matmul(other=y)\n", ("out", "out2")),
    case("bmm", "x = torch.arange(12.0).reshape(2, 2, 3)\ny = torch.ones(2, 3, 4)\n"
         "out = x.bmm(y)\nout2 = x.bmm(mat2=y)\n", ("out", "out2")),
    case("inverse", "x = torch.tensor([[2.0, 1.0], [1.0, 3.0]])\nout = x.inverse()\n"),
    case("clamp", X + "out = x.clamp(-1.0, 2.0)\nout2 = x.clamp(min=0.0)\nout3 = x.clamp(max=1.0)\n",
         ("out", "out2", "out3")),
    case("clip", X + "out = x.clip(-1.0, 2.0)\nout2 = x.clip(min=0.0, max=1.0)\n", ("out", "out2")),
    # ---- comparisons ----------------------------------------------------------------
    case("eq", X + "y = torch.tensor([[1.5, 0.0, 3.0], [0.0, 4.0, 0.0]])\n"
         "out = x.eq(y)\nout2 = x.eq(other=y)\nout3 = x.eq(3.0)\n", ("out", "out2", "out3")),
    case("ge", X + "out = x.ge(1.5)\nout2 = x.ge(other=x.t().t())\n", ("out", "out2")),
    case("greater", X + "out = x.greater(1.5)\nout2 = x.greater(other=torch.zeros(2, 3))\n", ("out", "out2")),
    case("lt", X + "out = x.lt(1.5)\nout2 = x.lt(other=torch.zeros(2, 3))\n", ("out", "out2")),
    # ---- reductions -----------------------------------------------------------------
    case("all", B + "out = b.all()\nout2 = b.all(1)\nout3 = b.all(dim=0)\nout4 = b.all(dim=1, keepdim=True)\n",
         ("out", "out2", "out3", "out4")),
    case("any", B + "c = b.logical_not()\nout = c.any()\nout2 = c.any(1)\nout3 = c.any(dim=0)\n",
         ("out", "out2", "out3")),
    case("amax", X + "out = x.amax(1)\nout2 = x.amax()\n", ("out", "out2")),
    case("amax", X + "out = x.amax(dim=1)\nout2 = x.amax(dim=0, keepdim=True)\n", ("out", "out2")),
    case("amin", X + "out = x.amin(1)\nout2 = x.amin()\n", ("out", "out2")),
    case("amin", X + "out = x.amin(dim=1)\nout2 = x.amin(dim=0, keepdim=True)\n", ("out", "out2")),
    case("argmax", X + "out = x.argmax()\nout2 = x.argmax(1)\nout3 = x.argmax(dim=0, keepdim=True)\n",
         ("out", "out2", "out3")),
    case("argmin", X + "out = x.argmin()\nout2 = x.argmin(1)\nout3 = x.argmin(dim=0, keepdim=True)\n",
         ("out", "out2", "out3"), dtype=False, note=INT32),
    case("max", X + "out = x.max()\nout2 = x.max(1)\nv, k = x.max(dim=0)\nv2, k2 = x.max(1, True)\n",
         ("out", "out2", "v", "k", "v2", "k2")),
    case("max", X + "out = x.max(x.flip(0))\n", mode="text", expect=("x.max(x.flip((0,)))",),
         note="torch's max(other) is elementwise; MindSpore's Tensor.max refuses a tensor "
              "(TypeError: Failed calling max with max(Tensor)): use maximum"),
    case("min", X + "out = x.min()\nout2 = x.min(1)\nv, k = x.min(dim=0, keepdim=True)\n",
         ("out", "out2", "v", "k")),
    case("mean", X + "out = x.mean()\nout2 = x.mean(1)\nout3 = x.mean(dim=0, keepdim=True)\n",
         ("out", "out2", "out3")),
    case("sum", X + "out = x.sum()\nout2 = x.sum(1)\nout3 = x.sum(dim=0, keepdim=True)\n"
         "out4 = x.sum((0, 1))\n", ("out", "out2", "out3", "out4")),
    case("std", X + "out = x.std(dim=1)\nout2 = x.std(dim=0, keepdim=True)\n"
         "out3 = x.std(dim=1, unbiased=False)\nout4 = x.std(0, unbiased=True)\nout5 = x.std(dim=(0, 1))\n",
         ("out", "out2", "out3", "out4", "out5"), expect=("x.std(dim=1, correction=1)", "correction=0"),
         note="without correction= MindSpore's std is the biased one (x.std(dim=1): 2.0950 vs torch 2.5658)"),
    case("std", X + "out = x.std()\n", mode="flag", note="could be numpy's std (ddof 0): flagged, not rewritten"),
    case("std", X + "out = x.std(1)\n", mode="flag"),
    case("std", X + "u = False\nout = x.std(dim=1, unbiased=u)\n", mode="flag",
         note="a non-literal unbiased= is flagged: MindSpore wants correction=<int>"),
    case("norm", X + "out = x.norm()\nout2 = x.norm(p=1, dim=1)\nout3 = x.norm(dim=1)\nout4 = x.norm(2, 1, True)\n"
         "out5 = x.norm(p='fro')\nout6 = x.norm(1, dim=0, keepdim=True)\n",
         ("out", "out2", "out3", "out4", "out5", "out6")),
    case("norm", X + "out = x.norm(p=1)\nout2 = x.norm(2)\n", ("out", "out2"), expect=("mint.norm(x, p=1)",),
         note="without dim=, MindSpore's Tensor.norm(ord=1) on 2-D input is the max column sum (6.0) where torch "
              "sums all elements (12.0): mint.norm"),
    case("norm", "x = torch.linspace(-3, 3, 24).reshape(2, 3, 4)\nd = (1, 2)\n"
         "out = x.norm(p=2, dim=(1, 2))\nout2 = x.norm(1, (1, 2), True)\nout3 = x.norm(p=2, dim=d)\n"
         "out4 = x.norm(float('inf'), dim=(0, 2))\nout5 = x.norm(p='fro')\nout6 = x.norm(2, [1, 2])\n",
         ("out", "out2", "out3", "out4", "out5", "out6"),
         note="over two dims MindSpore's Tensor.norm is a matrix norm (ord=2: the largest singular value), and on "
              "3-D input without dim it returns None: mint.norm, torch's norm of the elements"),
    case("count_nonzero", "x = torch.tensor([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])\n"
         "out = x.count_nonzero()\nout2 = x.count_nonzero(1)\n", ("out", "out2")),
    case("count_nonzero", "x = torch.tensor([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])\n"
         "out = x.count_nonzero(dim=0)\n"),
    case("cumsum", X + "out = x.cumsum(1)\nout2 = x.cumsum(dim=0)\n", ("out", "out2")),
    case("diff", X + "out = x.diff()\nout2 = x.diff(1, 0)\n", ("out", "out2")),
    case("diff", X + "out = x.diff(dim=0)\nout2 = x.diff(n=1, dim=1)\n", ("out", "out2"), expect=("axis=0",)),
    case("diff", X + "out = x.diff(n=2, dim=1)\n", mode="text", expect=("x.diff(n=2, axis=1)",),
         note="CPU: RuntimeError: For 'diff', 'n' must be 1, but got 2"),
    case("softmax", X + "out = x.softmax(1)\nout2 = x.softmax(-1)\n", ("out", "out2")),
    case("softmax", X + "out = x.softmax(dim=0)\n"),
    case("bincount", "x = torch.tensor([0, 1, 1, 3])\nw = torch.tensor([0.5, 1.0, 1.0, 2.0])\n"
         "out = x.bincount()\nout2 = x.bincount(minlength=6)\nout3 = x.bincount(w)\n"
         "out4 = x.bincount(weights=w, minlength=5)\n", ("out", "out2", "out3", "out4")),
    # ---- sorting and indices --------------------------------------------------------
    case("argsort", X + "out = x.argsort()\nout2 = x.argsort(0)\nout3 = x.argsort(dim=1, descending=True)\n",
         ("out", "out2", "out3"), dtype=False, note=INT32),
    case("sort", X + "v, k = x.sort()\nv2, k2 = x.sort(0)\nv3, k3 = x.sort(dim=1, descending=True)\n",
         ("v", "k", "v2", "k2", "v3", "k3"), dtype=False, note=INT32),
    case("topk", X + "v, k = x.topk(2)\nv2, k2 = x.topk(1, 0)\nv3, k3 = x.topk(k=2, dim=1, largest=False)\n",
         ("v", "k", "v2", "k2", "v3", "k3"), dtype=False, note=INT32),
    case("argwhere", X + "out = x.argwhere()\n"),
    case("nonzero", "x = torch.tensor([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])\n"
         "out = x.nonzero()\nout2 = x.nonzero(as_tuple=True)\n", mode="text",
         expect=("x.nonzero()", "x.nonzero(as_tuple=True)"), note="CPU: The kernel NonZeroExt unregistered"),
    case("unique", "x = torch.tensor([3, 1, 2, 3, 1])\nout = x.unique()\n"
         "out2, inv = x.unique(return_inverse=True)\nout3, cnt = x.unique(sorted=True, return_counts=True)\n",
         mode="text", expect=("x.unique()", "x.unique(return_inverse=True)"),
         note="CPU: The kernel Unique2 unregistered"),
    case("where", X + "out = x.where(x > 0, torch.zeros(2, 3))\nout2 = x.where(x > 0, 0.0)\n", ("out", "out2")),
    # ---- dtype conversions ----------------------------------------------------------
    case("bool", X + "out = x.bool()\n"),
    case("double", X + "out = x.double()\n"),
    case("float", I + "out = i.float()\n"),
    case("half", X + "out = x.half()\n"),
    case("int", X + "out = x.int()\n"),
    case("long", X + "out = x.long()\n"),
    case("to", X + I + "out = x.to(torch.float64)\nout2 = x.to(dtype=torch.int32)\nout3 = x.to(i)\n",
         ("out", "out2", "out3")),
    case("type", X + "out = x.type(torch.float64)\nout2 = x.type(dtype=torch.int32)\n", ("out", "out2")),
    case("type_as", X + I + "out = x.type_as(i)\nout2 = i.type_as(other=x)\n", ("out", "out2")),
    # ---- shapes and layout ----------------------------------------------------------
    case("reshape", X + "out = x.reshape(3, 2)\nout2 = x.reshape((6,))\nout3 = x.reshape(shape=(-1, 2))\n",
         ("out", "out2", "out3")),
    case("view", X + "out = x.view(3, 2)\nout2 = x.view((6,))\nout3 = x.view(-1)\n", ("out", "out2", "out3")),
    case("flatten", "x = torch.arange(24.0).reshape(2, 3, 4)\n"
         "out = x.flatten()\nout2 = x.flatten(1)\nout3 = x.flatten(start_dim=0, end_dim=1)\n",
         ("out", "out2", "out3")),
    case("permute", "x = torch.arange(24.0).reshape(2, 3, 4)\n"
         "out = x.permute(2, 0, 1)\nout2 = x.permute((1, 2, 0))\nout3 = x.permute(dims=(0, 2, 1))\n",
         ("out", "out2", "out3")),
    case("transpose", X + "out = x.transpose(0, 1)\nout2 = x.transpose(dim0=1, dim1=0)\n", ("out", "out2")),
    case("swapaxes", X + "out = x.swapaxes(0, 1)\nout2 = x.swapaxes(axis0=1, axis1=0)\n", ("out", "out2")),
    case("t", X + "out = x.t()\n"),
    case("squeeze", "x = torch.zeros(2, 1, 3, 1)\nout = x.squeeze()\nout2 = x.squeeze(1)\n"
         "out3 = x.squeeze(dim=3)\n", ("out", "out2", "out3")),
    case("unsqueeze", X + "out = x.unsqueeze(0)\nout2 = x.unsqueeze(dim=-1)\n", ("out", "out2")),
    case("expand", "x = torch.tensor([[1.0], [2.0]])\n"
         "out = x.expand(2, 3)\nout2 = x.expand((2, 3))\nout3 = x.expand(-1, 4)\n", ("out", "out2", "out3")),
    case("expand_as", "x = torch.tensor([[1.0], [2.0]])\ny = torch.zeros(2, 3)\n"
         "out = x.expand_as(y)\nout2 = x.expand_as(other=y)\n", ("out", "out2")),
    case("repeat", X + "out = x.repeat(2, 1)\nout2 = x.repeat((1, 2))\nout3 = x.repeat(2, 1, 1)\n",
         mode="text", expect=("x.repeat(2, 1)", "x.repeat((1, 2))"),
         note="CPU: RuntimeError: 'repeat' is not supported on this device (tile runs: same result here)"),
    case("tile", X + "out = x.tile((2, 1))\nout2 = x.tile(dims=(1, 2))\nout3 = x.tile(2)\n",
         ("out", "out2", "out3")),
    case("flip", X + "out = x.flip(0)\nout2 = x.flip((0, 1))\nout3 = x.flip(dims=[1])\n",
         ("out", "out2", "out3")),
    case("flip", X + "out = x.flip(0, 1)\nout2 = x.flip(-1)\nout3 = x.flip(dims=(0,))\n", ("out", "out2", "out3"),
         expect=("x.flip((0, 1))", "x.flip((-1,))")),
    case("roll", X + "out = x.roll(1)\nout2 = x.roll(1, 1)\nout3 = x.roll(shifts=-1, dims=0)\n",
         mode="text", expect=("x.roll(1, 1)", "x.roll(shifts=-1, dims=0)"), note="CPU: The kernel Roll unregistered"),
    case("chunk", "x = torch.arange(10.0)\nout = x.chunk(3)\nout2 = x.chunk(2, 0)\nout3 = x.chunk(chunks=4, dim=0)\n",
         ("out", "out2", "out3")),
    case("split", "x = torch.arange(10.0)\nout = x.split(3)\nout2 = x.split([2, 8])\n"
         "out3 = x.split(split_size=4, dim=0)\n", ("out", "out2", "out3")),
    case("unbind", X + "out = x.unbind()\nout2 = x.unbind(1)\nout3 = x.unbind(dim=0)\n", ("out", "out2", "out3")),
    case("contiguous", X + "out = x.t().contiguous()\n"),
    case("clone", X + "out = x.clone()\n", mode="text", expect=("x.clone()",),
         note="CPU: The kernel Clone unregistered"),
    case("resize", X + "out = x.resize(3, 2)\n"),
    # ---- indexing -------------------------------------------------------------------
    case("gather", X + "k = torch.tensor([[0, 0], [1, 2]])\nout = x.gather(1, k)\nout2 = x.gather(dim=1, index=k)\n",
         ("out", "out2")),
    case("index_select", X + "k = torch.tensor([2, 0])\nout = x.index_select(1, k)\n"
         "out2 = x.index_select(dim=0, index=torch.tensor([1]))\n", ("out", "out2")),
    case("masked_fill", X + "out = x.masked_fill(x > 1, 0.0)\nout2 = x.masked_fill(mask=x < 0, value=-9.0)\n",
         ("out", "out2")),
    case("scatter", "x = torch.zeros(2, 3)\nk = torch.tensor([[0, 1, 2], [2, 0, 1]])\n"
         "s = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])\n"
         "out = x.scatter(1, k, s)\nout2 = x.scatter(dim=1, index=k, src=s)\n", ("out", "out2")),
    # ---- constructors from a tensor -------------------------------------------------
    case("new_zeros", X + I + "out = x.new_zeros((2, 2))\nout2 = i.new_zeros(3)\nout3 = x.new_zeros(2, 4)\n"
         "out4 = x.new_zeros((1,), dtype=torch.int32)\n", ("out", "out2", "out3", "out4")),
    case("new_ones", X + I + "out = x.new_ones((2, 2))\nout2 = i.new_ones(3)\nout3 = x.new_ones(2, 4)\n"
         "out4 = x.new_ones(size=(1,), dtype=torch.int32)\n", ("out", "out2", "out3", "out4")),
    case("new_full", X + I + "out = x.new_full((2, 2), 7)\nout2 = i.new_full((3,), 2)\n"
         "out3 = x.new_full(size=(1, 2), fill_value=1.5, dtype=torch.float64)\n", ("out", "out2", "out3"),
         expect=("mint.full((2, 2), 7, dtype=x.dtype)",),
         note="MindSpore's Tensor.new_full raises NotImplementedError: new_full method support Ascend only"),
    case("new_tensor", X + I + "out = x.new_tensor([1, 2])\nout2 = i.new_tensor([[4, 5]])\n"
         "out3 = x.new_tensor([3], dtype=torch.int32)\n", ("out", "out2", "out3"),
         note="MindSpore tensors have no new_tensor (AttributeError)"),
    case("new", X + "out = x.new(2, 3)\n", mode="flag"),
    # ---- in place: add_/sub_/mul_/div_ return the result but leave the tensor unchanged on
    # CPU; the others have no CPU kernel. `alias` proves the tensor itself changed.
    case("add_", X + "alias = x\ny = torch.ones(2, 3)\nx.add_(y)\nx.add_(y, alpha=2)\nr = x.add_(other=y)\n",
         ("x", "alias", "r"), expect=("x.copy_(x.add(y))",)),
    case("add_", X + "x[0].add_(1.0)\nx[:, 1:].add_(2.0)\nout = x\n",
         note="on part of a tensor, as a statement: a slice assignment (MindSpore writes it into x)"),
    case("sub_", X + "alias = x\nx.sub_(torch.ones(2, 3), alpha=0.5)\nx.sub_(1)\n", ("x", "alias")),
    case("mul_", "class Box:\n    pass\nb = Box()\nb.t = torch.tensor([1.0, -2.0])\nalias = b.t\n"
         "b.t.mul_(3)\nb.t.mul_(other=torch.tensor([2.0, 0.5]))\n", ("alias",),
         expect=("b.t.copy_(b.t.mul(3))",)),
    case("mul_", "lin = torch.nn.Linear(2, 3)\nlin.weight.data.mul_(0.0)\nout = lin.weight\n"),
    case("div_", X + "alias = x\nx.div_(2)\nx.div_(torch.full((2, 3), 0.3), rounding_mode='floor')\n",
         ("x", "alias")),
    case("masked_fill_", X + "alias = x\nx.masked_fill_(x > 3, 0.0)\nx.masked_fill_(mask=x < 0, value=-9.0)\n",
         ("x", "alias"), note="CPU: The kernel InplaceMaskedFillScalar unregistered"),
    case("clamp_", X + "alias = x\nx.clamp_(-1.0, 3.5)\nx.clamp_(min=0.0)\nx.clamp_(max=2.0)\n", ("x", "alias"),
         note="CPU: The kernel InplaceClampScalar unregistered"),
    case("zero_", X + "alias = x\nx.zero_()\n", ("x", "alias"), note="CPU: The kernel InplaceZero unregistered"),
    case("fill_", X + I + "alias = x\nx.fill_(2.5)\ni.fill_(value=3)\n", ("x", "alias", "i"),
         note="CPU: The kernel InplaceFillScalar unregistered"),
    case("sigmoid_", X + "alias = x\nx.sigmoid_()\n", ("x", "alias"),
         note="the table gives no method (alternative: sigmoid); CPU: The kernel InplaceSigmoid unregistered"),
    case("tanh_", X + "alias = x\nx.tanh_()\n", ("x", "alias"), note="the table gives no method (alternative: tanh)"),
    case("scatter_", "x = torch.zeros(2, 3)\nalias = x\nk = torch.tensor([[0, 1, 2], [2, 0, 1]])\n"
         "s = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])\nx.scatter_(1, k, s)\n"
         "y = torch.ones(2, 2)\ny.scatter_(dim=0, index=torch.tensor([[1, 0]]), src=torch.tensor([[5.0, 7.0]]))\n",
         ("x", "alias", "y"), note="the table's scatter_add would accumulate: y[1][0] 6.0 where torch writes 5.0"),
    case("scatter_", X + "k = torch.tensor([[0], [1]])\nout = (x * 1).scatter_(1, k, torch.ones(2, 1))\n",
         expect=(".scatter(1, k",), note="nobody else holds a temporary: its out-of-place form is the same value"),
    case("scatter_", X + "k = torch.tensor([[0], [1]])\nout = x.view(2, 3).scatter_(1, k, torch.ones(2, 1))\n",
         mode="flag", expect=("# torch2ms:", "overwrites"), note="a view writes into x: flagged"),
    case("copy_", X + "alias = x\nx.copy_(torch.ones(2, 3))\nr = x.copy_(torch.full((2, 3), 2.0))\n",
         ("x", "alias", "r")),
    case("normal_", "x = torch.zeros(4000)\nalias = x\nx.normal_(5.0, 0.5)\n"
         "m = round(float(alias.mean()))\ns = round(float(alias.std()), 1)\n"
         "y = torch.zeros(4000)\ny.normal_()\nm2 = round(float(y.mean()))\ns2 = round(float(y.std()))\n"
         "z = torch.zeros(4000, dtype=torch.float64)\nz.normal_(mean=-3.0, std=2.0)\nm3 = round(float(z.mean()))\n",
         ("m", "s", "m2", "s2", "m3"), note="CPU: Create kernelmod for op InplaceNormal failed; statistics compared"),
    case("uniform_", "x = torch.zeros(4000)\nalias = x\nx.uniform_(2.0, 3.0)\n"
         "lo = bool(alias.min() >= 2.0)\nhi = bool(alias.max() <= 3.0)\nm = round(float(alias.mean()), 1)\n"
         "y = torch.zeros(4000)\ny.uniform_()\nm2 = round(float(y.mean()), 1)\nlo2 = bool(y.min() >= 0.0)\n"
         "z = torch.zeros(4000)\nz.uniform_(-1, to=3)\nm3 = round(float(z.mean()), 1)\nlo3 = bool(z.min() >= -1)\n",
         ("lo", "hi", "m", "m2", "lo2", "m3", "lo3"), note="CPU: Create kernelmod for op InplaceUniform failed"),
    case("bernoulli_", "x = torch.zeros(4000)\nalias = x\nx.bernoulli_(0.3)\nm = round(float(alias.mean()), 1)\n"
         "v = sorted(set(alias.tolist()))\ny = torch.zeros(4000)\ny.bernoulli_()\nm2 = round(float(y.mean()), 1)\n"
         "z = torch.zeros(4000)\nz.bernoulli_(p=0.8)\nm3 = round(float(z.mean()), 1)\n",
         ("m", "v", "m2", "m3"), note="the table's Tensor.bernoulli takes no p; CPU: 'bernoulli_' is not supported"),
    case("bernoulli_", "x = torch.zeros(4000)\nm = round(float((x + 0).bernoulli_(0.5).mean()), 1)\n", ("m",),
         expect=("ops.bernoulli((x + 0), 0.5)",),
         note="nobody else holds a temporary: its out-of-place form (torch.bernoulli(x, p)); statistics compared"),
    # ---- rewritten methods ----------------------------------------------------------
    case("detach", X + "out = x.detach()\nout2 = (x * 2).detach()\n", ("out", "out2"),
         expect=("ops.stop_gradient(x)",), note="MindSpore tensors have no detach (AttributeError)"),
    case("clamp_max", X + "out = x.clamp_max(1.0)\nout2 = x.clamp_max(max=0.5)\n", ("out", "out2"),
         note="MindSpore tensors have no clamp_max"),
    case("relu", X + "out = x.relu()\n", expect=("mint.nn.functional.relu(x)",),
         note="MindSpore tensors have no relu"),
    case("qr", "x = torch.tensor([[2.0, 1.0], [1.0, 3.0], [0.5, -1.0]])\nq, r = x.qr()\nq2, r2 = x.qr(some=False)\n",
         ("q", "r", "q2", "r2"), expect=("q, r = x.qr()\n",),
         note="the table gives no method, but Tensor.qr exists: the correction keeps it unflagged"),
    case("max", X + "out = x.max(dim=1).values\nout2 = x.max(1, keepdim=True).values\n"
         "out3 = x.max(1).indices\n", ("out", "out2", "out3"), dtype=False, expect=("x.max(1)[1]",),
         note="MindSpore returns a plain tuple (AttributeError: 'tuple' object has no attribute 'values'); "
              "indices int32"),
    case("min", X + "out = x.min(dim=0).values\nout2 = x.min(1).indices\n", ("out", "out2"), dtype=False),
    case("sort", X + "out = x.sort(descending=True).values\nout2 = x.sort(dim=0).indices\n", ("out", "out2"),
         dtype=False),
    case("topk", X + "out = x.topk(2).values\nout2 = x.topk(k=1, dim=0).indices\n", ("out", "out2"), dtype=False),
    # ---- attributes and methods without a MindSpore counterpart ------------------------
    case("data", X + "out = x.data\nout2 = x.data.sum()\n", ("out", "out2")),
    case("device", X + "d = x.device\ny = torch.zeros(2, device=x.device)\nout = y + 1\n"),
    case("get_device", X + "out = x.get_device()\n", mode="flag"),
    case("histogram", X + "out = x.histogram(4)\n", mode="flag", expect=("# torch2ms:", "ops.histc"),
         note="the table's alternative Tensor.histo does not exist"),
    case("is_sparse", X + "out = x.is_sparse\n", mode="flag"),
    case("unfold", "x = torch.arange(6.0).reshape(2, 3)\nout = x.unfold(1, 2, 1)\n", mode="flag",
         expect=("# torch2ms:", "im2col")),
    case("dot", "x = torch.tensor([1.0, 2.0, 3.0])\nout = x.dot(x)\n", mode="flag", expect=("# torch2ms:", "1-D only"),
         note="ValueError: For 'dot', the inputs x1, x2 should have 'dimension >= 2'"),
    case("backward", "x = torch.tensor([1.0, 2.0], requires_grad=True)\nloss = (x * x).sum()\nloss.backward()\n",
         mode="flag"),
    case("grad", X + "g = x.grad\nx.grad = None\n", mode="flag", expect=("# torch2ms:", "value_and_grad"),
         note="MindSpore tensors and Parameters have no .grad: a gradient read is a line that will fail"),
    case("requires_grad", X + "x.requires_grad = True\nflag = x.requires_grad\n", mode="text",
         expect=("flag = x.requires_grad",), note=COMMON),
    case("layout", X + "out = x.layout\n", mode="text", expect=("out = x.layout",), note=COMMON),
    case("mode", X + "out = x.mode(1)\n", mode="text", expect=("out = x.mode(1)",), note=COMMON),
    case("put", X + "out = x.put(torch.tensor([0]), torch.tensor([9.0]))\n", mode="text", expect=("x.put(",),
         note=COMMON),
    case("values", X + "out = x.to_sparse().values()\n", mode="text", expect=(".values()",), note=COMMON),
]
