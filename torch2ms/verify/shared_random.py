"""The same random numbers and the same data order in both frameworks, for a training comparison.

A loss curve can only be compared when both runs see the same batches in the same order and
draw the same noise. While `SharedRandomness` is active, in both frameworks:

- the random tensor factories user code calls (torch.randn/rand/randint/randn_like/rand_like/
  randperm/normal/bernoulli and their mint twins) draw from one NumPy generator, reset to the
  same seed before each phase (building, training) of each side;
- dropout (torch.nn.functional.dropout, so nn.Dropout too, and mint's function and layer)
  keeps elements by a mask from that generator, scaled by 1/(1-p) as both frameworks do;
- a shuffled torch DataLoader (RandomSampler) and a shuffled mindspore GeneratorDataset read
  the same permutation for the k-th shuffled loader's e-th epoch, from a generator of its own
  (MindSpore's pipeline runs in threads: order never depends on timing).

Weight initialisers (nn.init, Tensor.uniform_) are left alone: the weights are copied from torch
after building. Verification only: nothing here goes into converted code.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Dict, List, Tuple

import numpy as np


class _Stream:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        self.draws = 0

    def reset(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def normal(self, shape):
        self.draws += 1
        return self.rng.standard_normal(tuple(shape)).astype(np.float32)

    def uniform(self, shape):
        self.draws += 1
        return self.rng.random(tuple(shape)).astype(np.float32)

    def integers(self, low, high, shape):
        self.draws += 1
        return self.rng.integers(low, high, tuple(shape)).astype(np.int64)

    def permutation(self, n):
        self.draws += 1
        return self.rng.permutation(int(n)).astype(np.int64)


def _shape(size) -> Tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)) or len(size) == 1 and hasattr(size[0], "__iter__"):
        return tuple(int(s) for s in size[0])
    return tuple(int(s) for s in size)


def _order(seed: int, loader: int, epoch: int, n: int) -> List[int]:
    return np.random.default_rng([seed, loader, epoch]).permutation(n).tolist()


class SharedRandomness:
    """Patch both frameworks' random sources onto shared NumPy generators (a context manager)."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.stream = _Stream(seed)
        self._saved: List[Tuple[Any, str, Any]] = []
        self._loaders = {"torch": itertools.count(), "mindspore": itertools.count()}
        self._epochs: Dict[int, int] = {}  # mindspore: id of a shared sampler -> its current epoch

    # ---- phases ------------------------------------------------------------------------------
    def reset(self) -> None:
        """Before each phase of each side: the same draws from here on."""
        self.stream.reset()
        self._loaders = {"torch": itertools.count(), "mindspore": itertools.count()}

    def __enter__(self) -> "SharedRandomness":
        self._patch_torch()
        self._patch_mindspore()
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, value in reversed(self._saved):
            setattr(owner, name, value)
        self._saved.clear()

    def _set(self, owner, name: str, value) -> None:
        self._saved.append((owner, name, owner.__dict__.get(name, getattr(owner, name))))
        setattr(owner, name, value)

    # ---- torch ---------------------------------------------------------------------------------
    def _patch_torch(self) -> None:
        import torch
        import torch.nn.functional as F
        from torch.utils.data import RandomSampler

        stream, shared = self.stream, self

        def tensor(array, dtype=None, **_):
            out = torch.from_numpy(array)
            return out.to(dtype) if dtype is not None else out

        def like(fn):
            def make(input, *, dtype=None, **kw):
                return tensor(fn(tuple(input.shape)), dtype or input.dtype)
            return make

        def randint(*args, size=None, dtype=None, **_):
            if size is None:
                *bounds, size = args
            else:
                bounds = list(args)
            low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
            return tensor(stream.integers(low, high, size), dtype)

        self._set(torch, "randn", lambda *size, dtype=None, **kw: tensor(stream.normal(_shape(size)), dtype))
        self._set(torch, "rand", lambda *size, dtype=None, **kw: tensor(stream.uniform(_shape(size)), dtype))
        self._set(torch, "randint", randint)
        self._set(torch, "randn_like", like(stream.normal))
        self._set(torch, "rand_like", like(stream.uniform))
        self._set(torch, "randperm", lambda n, dtype=None, **kw: tensor(stream.permutation(n), dtype))
        self._set(torch, "bernoulli", lambda input, *a, **kw: (tensor(stream.uniform(tuple(input.shape)))
                                                               < input).to(input.dtype))

        def dropout(input, p=0.5, training=True, inplace=False):
            if not training or p == 0:
                return input
            keep = tensor(stream.uniform(tuple(input.shape)) >= p).to(input.dtype)
            return input * keep / (1 - p)

        self._set(F, "dropout", dropout)

        from torch.utils.data import SubsetRandomSampler

        def keyed(cls):
            init = cls.__init__

            def make(sampler, *args, **kwargs):
                init(sampler, *args, **kwargs)
                sampler._t2ms_key, sampler._t2ms_epoch = next(shared._loaders["torch"]), 0
            return make

        def next_order(sampler, n):
            epoch = sampler._t2ms_epoch
            sampler._t2ms_epoch += 1
            return _order(shared.seed, sampler._t2ms_key, epoch, n)

        self._set(RandomSampler, "__init__", keyed(RandomSampler))
        self._set(RandomSampler, "__iter__", lambda s: iter(next_order(s, len(s.data_source))))
        self._set(SubsetRandomSampler, "__init__", keyed(SubsetRandomSampler))
        self._set(SubsetRandomSampler, "__iter__",
                  lambda s: iter([s.indices[i] for i in next_order(s, len(s.indices))]))

    # ---- mindspore ------------------------------------------------------------------------------
    def _patch_mindspore(self) -> None:
        import mindspore as ms
        import mindspore.dataset as ds
        from mindspore import mint
        from mindspore.dataset.engine import datasets as engine

        stream, shared = self.stream, self

        def tensor(array, dtype=None):
            out = ms.Tensor(array)
            return out.astype(dtype) if dtype is not None else out

        def like(fn):
            def make(input, *, dtype=None, **kw):
                return tensor(fn(tuple(input.shape)), dtype or input.dtype)
            return make

        def randint(*args, size=None, dtype=None, **_):
            if size is None:
                *bounds, size = args
            else:
                bounds = list(args)
            low, high = (0, bounds[0]) if len(bounds) == 1 else bounds
            return tensor(stream.integers(low, high, size), dtype)

        self._set(mint, "randn", lambda *size, dtype=None, **kw: tensor(stream.normal(_shape(size)), dtype))
        self._set(mint, "rand", lambda *size, dtype=None, **kw: tensor(stream.uniform(_shape(size)), dtype))
        self._set(mint, "randint", randint)
        self._set(mint, "randn_like", like(stream.normal))
        self._set(mint, "rand_like", like(stream.uniform))
        self._set(mint, "randperm", lambda n, dtype=None, **kw: tensor(stream.permutation(n), dtype or ms.int64))
        self._set(mint, "bernoulli", lambda input, *a, **kw: (tensor(stream.uniform(tuple(input.shape)))
                                                              < input).astype(input.dtype))

        def dropout(input, p=0.5, training=True, inplace=False):
            if not training or p == 0:
                return input
            keep = tensor(stream.uniform(tuple(input.shape)) >= p).astype(input.dtype)
            return input * keep / (1 - p)

        self._set(mint.nn.functional, "dropout", dropout)
        base = mint.nn.Dropout

        class Dropout(base):
            def construct(self, input):
                return dropout(input, self.p, self.training)

        Dropout.__name__ = "Dropout"
        self._set(mint.nn, "Dropout", Dropout)

        class SharedOrder:
            """A sampler: the permutation of this loader's current epoch (bumped per iterator)."""

            def __init__(self, key: int, n: int) -> None:
                self.key, self.n = key, n

            def __iter__(self):
                epoch = max(shared._epochs.get(self.key, 0), 0)
                return iter(_order(shared.seed, self.key, epoch, self.n))

            def __len__(self):
                return self.n

        class SharedSubset(SharedOrder):
            """mindspore.dataset.SubsetRandomSampler, in the shared order."""

            def __init__(self, indices, num_samples=None) -> None:
                super().__init__(next(shared._loaders["mindspore"]), len(indices))
                self.indices = list(indices)
                shared._epochs[self.key] = -1

            def __iter__(self):
                return iter([self.indices[i] for i in super().__iter__()])

        self._set(ds, "SubsetRandomSampler", SharedSubset)
        original_init = ds.GeneratorDataset.__init__

        def init(self, source, *args, **kwargs):
            sampler = kwargs.get("sampler")
            if kwargs.get("shuffle") is True and sampler is None \
                    and hasattr(source, "__getitem__") and hasattr(source, "__len__"):
                key = next(shared._loaders["mindspore"])
                kwargs = dict(kwargs, shuffle=None, sampler=SharedOrder(key, len(source)))
                self._t2ms_key = key
                shared._epochs[key] = -1
            elif isinstance(sampler, SharedSubset):
                self._t2ms_key = sampler.key
            original_init(self, source, *args, **kwargs)

        self._set(ds.GeneratorDataset, "__init__", init)

        def starting(method: Callable) -> Callable:
            def begin(self, *args, **kwargs):
                stack = [self]
                while stack:  # a new pass over the data: each shared loader in the pipeline moves on an epoch
                    node = stack.pop()
                    key = node.__dict__.get("_t2ms_key")
                    if key is not None:
                        shared._epochs[key] += 1
                    stack.extend(getattr(node, "children", []) or [])
                return method(self, *args, **kwargs)
            return begin

        for name in ("create_tuple_iterator", "create_dict_iterator"):
            self._set(engine.Dataset, name, starting(getattr(engine.Dataset, name)))
