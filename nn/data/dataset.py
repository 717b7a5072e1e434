"""Datasets: indexable collections of samples, PyTorch's map-style API.

ds = TensorDataset(X, y)              # X: (N, ...), y: (N,) arrays or Tensors
x0, y0 = ds[0]                        # Tensors of shapes X.shape[1:] and ()
train, val = random_split(ds, [0.8, 0.2], generator=np.random.default_rng(0))

class Stream(IterableDataset):        # iterable-style: samples come from a stream, in order
    def __iter__(self):
        yield from read_records()
"""

from __future__ import annotations

import bisect
import itertools
import numbers
from typing import Generic, TypeVar

import numpy as np

from autograd import random as _random
from autograd.tensor import Tensor

from .sampler import as_generator

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "ChainDataset",
    "random_split",
]

T_co = TypeVar("T_co", covariant=True)


def _check_index(i, n: int, who: str) -> int:
    if not isinstance(i, numbers.Integral) or isinstance(i, bool):
        raise TypeError(f"{who}: index must be an integer, got {type(i).__name__}")
    i = int(i)
    if i < -n or i >= n:
        raise IndexError(f"{who}: index {i} is out of range for a dataset of length {n}")
    return i + n if i < 0 else i


def _as_indices(indices, n: int | None, who: str) -> np.ndarray:
    """A 1-D int64 array of indices (list, range, array or Tensor); checked against ``n``."""
    if isinstance(indices, Tensor):
        indices = indices.numpy()
    idx = np.asarray(indices)
    if idx.size == 0:
        return np.zeros(0, dtype=np.int64)
    if idx.ndim != 1 or idx.dtype.kind not in "iu":
        raise TypeError(
            f"{who}: indices must be a 1-D sequence of integers, got {idx.dtype} "
            f"of shape {idx.shape}"
        )
    idx = idx.astype(np.int64, copy=False)
    if n is not None and (idx.min() < -n or idx.max() >= n):
        raise IndexError(
            f"{who}: indices must be in [-{n}, {n}), got min {idx.min()} and max {idx.max()}"
        )
    return np.where(idx < 0, idx + (n or 0), idx)


class Dataset(Generic[T_co]):
    """A map-style dataset: ``ds[i]`` is sample ``i`` for ``0 <= i < len(ds)``.

    Subclasses define ``__getitem__`` and ``__len__``. A sample is anything ``DataLoader``'s
    collate understands: Tensors, arrays, numbers, or tuples / lists / dicts of them.
    ``ds1 + ds2`` concatenates (a ``ConcatDataset``). Subscriptable for annotations, as in
    PyTorch: ``class Pairs(Dataset[tuple])``.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset[T_co]):
    """An iterable-style dataset: subclasses define ``__iter__``, which yields the samples (for
    data read from a stream, or generated). ``len`` is optional (define ``__len__`` to give
    ``len(DataLoader(ds))``). ``ds1 + ds2`` chains them (a ``ChainDataset``).

    ``DataLoader`` batches the samples in iteration order; ``sampler``, ``batch_sampler`` and
    ``shuffle=True`` are refused, as in PyTorch. Each epoch calls ``iter(ds)`` once. There are no
    worker processes: ``nn.data.get_worker_info()`` is None inside ``__iter__``, so the
    single-process branch of PyTorch-style sharding code runs and yields everything once.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __len__(self) -> int:
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")

    def __add__(self, other) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of equally long Tensors or arrays: ``ds[i] = (t[i] for t in tensors)``.

    tensors: Tensors or arrays (numpy, cupy), each (N, ...) with the same N. Samples are tuples
    of Tensors (a row of a numpy array becomes a CPU Tensor sharing its memory); the arrays
    are kept as given, not copied. ``DataLoader`` takes whole batches with one fancy index per
    field (``get_batch``) instead of stacking rows one by one.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor or array")
        arrays = []
        for k, t in enumerate(tensors):
            a = t._data if isinstance(t, Tensor) else t
            if not hasattr(a, "shape") or not hasattr(a, "dtype"):
                a = np.asarray(a)
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: tensor {k} is 0-d; it needs a sample dimension")
            arrays.append(a)
        n = arrays[0].shape[0]
        if any(a.shape[0] != n for a in arrays):
            sizes = [a.shape[0] for a in arrays]
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dims {sizes}")
        self.tensors = tuple(Tensor(a) for a in arrays)

    def __getitem__(self, index):
        i = _check_index(index, len(self), "TensorDataset")
        return tuple(Tensor(t._data[i]) for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def get_batch(self, indices) -> tuple:
        """The collated batch of ``indices`` (B,): a tuple of Tensors of shapes (B, ...)."""
        idx = _as_indices(indices, len(self), "TensorDataset")
        out = []
        for t in self.tensors:
            a = t._data
            if type(a) is not np.ndarray:  # cupy: index with a device array
                from backends import array_module

                out.append(Tensor(a[array_module(a).asarray(idx)]))
            else:
                out.append(Tensor(a[idx]))
        return tuple(out)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (a sequence of ints), in that order."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = _as_indices(indices, len(dataset), "Subset")

    def __getitem__(self, index):
        i = _check_index(index, len(self), "Subset")
        return self.dataset[int(self.indices[i])]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several datasets one after another: ``len = sum(len(d))``."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one dataset")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise TypeError("ConcatDataset does not support IterableDataset (use ChainDataset)")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        i = _check_index(index, len(self), "ConcatDataset")
        d = bisect.bisect_right(self.cumulative_sizes, i)
        start = self.cumulative_sizes[d - 1] if d > 0 else 0
        return self.datasets[d][i - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after another: ``iter`` yields all of the first, then the next...
    ``len`` is the sum of theirs (TypeError when one has none)."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(
                    f"ChainDataset only supports IterableDataset, got {type(d).__name__}"
                )

    def __iter__(self):
        return itertools.chain.from_iterable(self.datasets)

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


def batch_fetcher(dataset):
    """``fetch(indices) -> batch`` when ``dataset`` (or the dataset under its ``Subset`` s) has a
    vectorised ``get_batch``; else None (the loader then collates samples one by one)."""
    if isinstance(dataset, Subset):
        inner = batch_fetcher(dataset.dataset)
        if inner is None:
            return None
        rows = dataset.indices
        return lambda idx: inner(rows[_as_indices(idx, len(rows), "Subset")])
    return getattr(dataset, "get_batch", None)


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Split ``dataset`` at random into non-overlapping ``Subset`` s of the given lengths.

    lengths: ints summing to ``len(dataset)``, or fractions summing to 1 (Python or NumPy
    floats; each gets ``floor(frac * N)``, computed in the fraction's precision, and the
    remainder is dealt one by one from the first, as in PyTorch).
    generator: a ``numpy.random.Generator`` or an int seed; default the global autograd
    generator (so ``autograd.manual_seed`` makes the split reproducible).
    """
    n = len(dataset)
    lengths = list(lengths)
    fractions = lengths and all(isinstance(v, (float, np.floating)) for v in lengths)  # np.float32
    if fractions and abs(sum(lengths) - 1) < 1e-6:
        if any(not 0 <= v <= 1 for v in lengths):
            raise ValueError(f"random_split: fractions must be in [0, 1], got {lengths}")
        counts = [int(np.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(v, numbers.Integral) or v < 0 for v in lengths):
        raise ValueError(f"random_split: lengths must be ints >= 0 or fractions, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of "
            f"the input dataset ({n})"
        )
    perm = _random.gen(as_generator(generator, "random_split")).permutation(n)
    out, start = [], 0
    for length in lengths:
        out.append(Subset(dataset, perm[start : start + length]))
        start += length
    return out
