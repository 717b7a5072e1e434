"""Samplers: the order in which ``DataLoader`` visits a map-style dataset (``torch.utils.data``'s).

loader = DataLoader(ds, batch_size=64, sampler=SubsetRandomSampler(train_idx))
loader = DataLoader(ds, batch_size=64, sampler=WeightedRandomSampler(w, num_samples=len(w)))
loader = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(ds), 64, drop_last=True))

A sampler is an iterable of indices (``BatchSampler``: of lists of indices), with ``len`` the
number it yields. Randomness: ``generator`` is None, an int seed or a ``numpy.random.Generator``.
Each ``iter()`` of a random sampler draws one 63-bit seed from it (None: from the autograd
generator, so ``autograd.manual_seed`` fixes the order) and samples from a generator seeded with
that, as ``DataLoader`` does for its shuffle. An int seed makes a generator once, at construction:
successive epochs differ, and the same seed repeats the same sequence of epochs. Inside a
``DataLoader``, a sampler given no generator draws from a generator of the loader's epoch seed
(see ``DataLoader``), so the order is the same with or without prefetch and after a resume.
"""

from __future__ import annotations

import itertools
import numbers
from typing import Generic, TypeVar

import numpy as np

from autograd import random as _random
from autograd.tensor import Tensor

__all__ = [
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
]

T_co = TypeVar("T_co", covariant=True)


def as_generator(generator, who: str):
    """``generator`` checked: None (the autograd generator, resolved at each draw), an int seed
    (-> a new ``numpy.random.Generator``) or a ``numpy.random.Generator`` (kept)."""
    if generator is None or isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, numbers.Integral) and not isinstance(generator, bool):
        if generator < 0:
            raise ValueError(f"{who}: a generator seed must be >= 0, got {generator}")
        return np.random.default_rng(int(generator))
    raise TypeError(
        f"{who}: generator must be None, an int seed or a numpy.random.Generator, got "
        f"{type(generator).__name__}"
    )


def epoch_rng(generator) -> np.random.Generator:
    """One iteration's generator: seeded by one draw from ``generator`` (None: the autograd
    generator of this thread, see ``autograd.random.gen``)."""
    return np.random.default_rng(int(_random.gen(generator).integers(2**63)))


def _is_bool(v) -> bool:
    return isinstance(v, (bool, np.bool_))


def _is_positive_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) and v > 0


class Sampler(Generic[T_co]):
    """Base class of samplers: subclasses define ``__iter__`` (indices, or lists of indices for
    a batch sampler) and, usually, ``__len__``. ``data_source`` is accepted and ignored, as in
    PyTorch. Subscriptable for annotations: ``class MySampler(Sampler[int])``."""

    def __init__(self, data_source=None) -> None:
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler[int]):
    """``0, 1, ..., len(data_source) - 1``, always in that order."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler[int]):
    """Indices of ``data_source`` in random order.

    Without replacement: a random permutation of ``range(N)`` (``num_samples > N``: whole
    permutations one after another, then the start of one more). With replacement:
    ``num_samples`` independent uniform draws from ``range(N)``. num_samples: default
    ``len(data_source)``, read at each ``iter()`` (the dataset may change size). generator: see
    the module docstring; with the generator of a ``DataLoader(shuffle=True)``, the first
    epoch's order is the loader's.
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = as_generator(generator, "RandomSampler")
        if not _is_bool(replacement):
            raise TypeError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        if not _is_positive_int(self.num_samples):
            raise ValueError(
                "num_samples should be a positive integer value, but got "
                f"num_samples={self.num_samples}"
            )

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n, m = len(self.data_source), int(self.num_samples)
        rng = epoch_rng(self.generator)  # drawn now, not at the first next()
        if self.replacement:
            return iter(rng.integers(n, size=m).tolist())
        if n == 0:
            return iter(())
        parts = [rng.permutation(n) for _ in range(m // n)]
        if m % n:
            parts.append(rng.permutation(n)[: m % n])
        return iter(np.concatenate(parts).tolist() if len(parts) > 1 else parts[0].tolist())

    def __len__(self) -> int:
        return int(self.num_samples)


class SubsetRandomSampler(Sampler[int]):
    """The elements of ``indices`` (a sequence, array or Tensor) in random order, without
    replacement."""

    def __init__(self, indices, generator=None) -> None:
        self.indices = indices
        self.generator = as_generator(generator, "SubsetRandomSampler")

    def __iter__(self):
        perm = epoch_rng(self.generator).permutation(len(self.indices))
        idx = self.indices
        if isinstance(idx, Tensor):
            idx = idx.numpy()
        if isinstance(idx, np.ndarray):
            return iter(idx[perm].tolist())
        return iter([idx[i] for i in perm.tolist()])

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """``num_samples`` indices of ``range(len(weights))``, index i drawn with probability
    ``weights[i] / sum(weights)``.

    weights: (N,) non-negative, not necessarily summing to one. replacement=False: an index
    drawn is not drawn again (each draw renormalises over the rest, ``torch.multinomial``'s
    rule), so num_samples must not exceed the number of non-zero weights. Bad weights raise a
    ValueError here, not at the first ``iter()`` as in PyTorch.
    """

    def __init__(self, weights, num_samples, replacement=True, generator=None) -> None:
        if not _is_positive_int(num_samples):
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={num_samples}"
            )
        if not _is_bool(replacement):
            raise ValueError(
                f"replacement should be a boolean value, but got replacement={replacement}"
            )
        if isinstance(weights, Tensor):
            weights = weights.numpy()
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(
                f"weights should be a 1d sequence but given weights have shape {tuple(w.shape)}"
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("WeightedRandomSampler: weights must be finite and >= 0")
        if not w.sum() > 0:
            raise ValueError("WeightedRandomSampler: the weights sum to 0 (nothing to sample)")
        if not replacement and num_samples > np.count_nonzero(w):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw num_samples={num_samples} without "
                f"replacement from {np.count_nonzero(w)} non-zero weights"
            )
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = bool(replacement)
        self.generator = as_generator(generator, "WeightedRandomSampler")

    def __iter__(self):
        rng = epoch_rng(self.generator)
        p = self.weights / self.weights.sum()
        out = rng.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return iter(out.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list]):
    """Lists of ``batch_size`` consecutive indices of ``sampler`` (any iterable of indices);
    the last one shorter, or dropped when ``drop_last``.

    list(BatchSampler(SequentialSampler(range(10)), 3, drop_last=False))
    # [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    """

    def __init__(self, sampler, batch_size, drop_last) -> None:
        if not _is_positive_int(batch_size):
            raise ValueError(
                f"batch_size should be a positive integer value, but got batch_size={batch_size}"
            )
        if not _is_bool(drop_last):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = bool(drop_last)

    def __iter__(self):
        it, bs = iter(self.sampler), self.batch_size
        if self.drop_last:
            return (list(b) for b in zip(*([it] * bs)))
        return iter(lambda: list(itertools.islice(it, bs)), [])

    def __len__(self) -> int:
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
