"""Cases for the rows of the `others` table: tensor constructors, dtypes, and a few utilities."""
from api.harness import Case

_DTYPES = {  # row: data it is tried on
    "float": "[1.5, -2.0]", "double": "[1.5, -2.0]", "float32": "[1.5, -2.0]", "float64": "[1.5, -2.0]",
    "float16": "[1.5, -2.0]", "int8": "[1, -2]", "uint8": "[1, 200]", "int16": "[1, -300]", "int": "[1, -2]",
    "int32": "[1, -2]", "int64": "[1, -2]", "long": "[1, -2]", "bool": "[True, False]",
}

CASES = [
    Case("torch.Tensor", """
        import torch
        a = torch.Tensor([1, 2])
        b = torch.Tensor([[1.5, 2.0]])
        x = torch.ones(2)
        c = isinstance(x, torch.Tensor)
        def double(t: torch.Tensor) -> torch.Tensor:
            return t * 2
        d = double(x)
    """, outputs=("a", "b", "c", "d"), note="torch.Tensor(data) is float32 whatever the data"),
    Case("torch.tensor", """
        import torch
        import numpy as np
        a = torch.tensor([1, 2])
        b = torch.tensor([[1.0, 2.5]])
        c = torch.tensor(3)
        d = torch.tensor(True)
        e = torch.tensor([1, 2], dtype=torch.float32)
        f = torch.tensor(np.array([1.0, 2.0]))
        g = torch.tensor([0.5], dtype=torch.float64)
    """, outputs=("a", "b", "c", "d", "e", "f", "g")),
    Case("torch.tensor", """
        import torch
        out = torch.tensor([1.0, 2.0], requires_grad=True)
    """, mode="flag", expect=("`requires_grad=`",)),
    Case("torch.FloatTensor", """
        import torch
        a = torch.FloatTensor([1, 2])
        b = torch.FloatTensor([[0.5, 1.0]])
    """, outputs=("a", "b")),
    Case("torch.IntTensor", """
        import torch
        a = torch.IntTensor([1, 2])
        b = torch.IntTensor([1.7, -2.2])
    """, outputs=("a", "b")),
    Case("torch.LongTensor", """
        import torch
        a = torch.LongTensor([1.7, -2.2])
        b = torch.LongTensor([[3, 4]])
    """, outputs=("a", "b")),
    Case("torch.ByteTensor", """
        import torch
        a = torch.ByteTensor([1, 200])
        b = torch.ByteTensor([1.7, 3.0])
    """, outputs=("a", "b")),
    Case("torch.BoolTensor", """
        import torch
        a = torch.BoolTensor([1, 0, 1])
        b = torch.BoolTensor([0.5, 0.0])
    """, outputs=("a", "b")),
    Case("torch.bfloat16", """
        import torch
        x = torch.ones(2, dtype=torch.bfloat16)
        out = x.dtype == torch.bfloat16
    """, note="NumPy has no bfloat16: the dtype is compared inside each framework"),
    Case("torch.complex64", """
        import torch
        out = torch.tensor([1 + 2j, 3j], dtype=torch.complex64)
    """),
    Case("torch.dtype", """
        import torch
        a = isinstance(torch.float32, torch.dtype)
        def zeros(n, dtype: torch.dtype = torch.float32):
            return torch.zeros(n, dtype=dtype)
        b = zeros(2)
        c = zeros(3, torch.int64)
    """, outputs=("a", "b", "c"), note="corrected from the module mindspore.dtype to the class mindspore.Type"),
    Case("torch.Generator", """
        import torch
        g = torch.Generator()
        g.manual_seed(3)
        a = torch.randn(2, 3, generator=g)
        b = torch.multinomial(torch.tensor([0.2, 0.8]), 4, True, generator=g)
    """, outputs=("a", "b"), mode="random"),
    Case("torch.no_grad", """
        import torch
        x = torch.tensor([1.0, 2.0])
        with torch.no_grad():
            a = x * 2
        @torch.no_grad()
        def inc(t):
            return t + 1
        b = inc(x)
    """, outputs=("a", "b"), note="mindspore._no_grad is private but the only counterpart in MindSpore 2.10"),
    Case("torch.version", """
        import torch
        ver = torch.version
        out = isinstance(ver.__version__, str)
    """, note="only the bare module maps: torch.version.__version__ is flagged as not in the tables"),
    Case("torch.vmap", """
        import torch
        def f(a):
            return a * 2 + 1
        x = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        a = torch.vmap(f)(x)
        b = torch.vmap(f, in_dims=1, out_dims=1)(x)
    """, outputs=("a", "b"), mode="text",
         expect=("mindspore.vmap(f)(x)", "mindspore.vmap(f, in_axes=1, out_axes=1)(x)"),
         note="mindspore.vmap compiles the function from its source file; the harness execs a string "
              "(the converted code gave torch's values when run from a file)"),
    Case("torch.nn.Parameter", """
        import torch
        from torch import nn
        p = nn.Parameter(torch.tensor([1.0, 2.0]))
        q = torch.nn.Parameter(torch.tensor([1.0]), False)
        r = q.requires_grad
        s = torch.nn.Parameter(torch.ones(2), requires_grad=False).requires_grad
        out = p * 2
    """, outputs=("p", "q", "r", "s", "out")),
    Case("torch.from_numpy", """
        import torch
        import numpy as np
        a = torch.from_numpy(np.array([1, 2], dtype=np.int32))
        b = torch.from_numpy(np.arange(6.0).reshape(2, 3))
    """, outputs=("a", "b")),
]

for _name, _call, _dtype in (("Tensor", "torch.Tensor(2, 3)", "float32"), ("FloatTensor", "torch.FloatTensor(2, 3)", "float32"),
                             ("LongTensor", "torch.LongTensor(2, 3, 4)", "int64"), ("IntTensor", "torch.IntTensor(3, 2)", "int32"),
                             ("ByteTensor", "torch.ByteTensor(2, 2)", "uint8"), ("BoolTensor", "torch.BoolTensor(1, 4)", "bool"),
                             ("DoubleTensor", "torch.DoubleTensor(2, 3)", "float64"),
                             ("HalfTensor", "torch.HalfTensor(3, 1)", "float16")):
    CASES.append(Case(f"torch.{_name}", f"import torch\nout = {_call}\nshape = tuple(out.shape)\n"
                      f"same_dtype = out.dtype == torch.{_dtype}\n", outputs=("shape", "same_dtype"),
                      note="the size form: mint.empty of that shape (values uninitialised in both)"))

for _name, _data in _DTYPES.items():
    CASES.append(Case(f"torch.{_name}", f"""
        import torch
        a = torch.tensor({_data}, dtype=torch.{_name})
        b = torch.zeros(2, dtype=torch.{_name})
        c = a.dtype == torch.{_name}
    """, outputs=("a", "b", "c")))
