"""Cross-validation splits (scikit-learn's ``KFold`` / ``StratifiedKFold`` semantics) and a
train/test split of arrays.

for train_idx, val_idx in StratifiedKFold(5, shuffle=True, generator=rng).split(X, y):
    model = fit(X[train_idx], y[train_idx]); score(model, X[val_idx], y[val_idx])
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from autograd import random as _random
from autograd.tensor import Tensor

__all__ = ["KFold", "StratifiedKFold", "train_test_split"]


def _n_samples(X) -> int:
    if isinstance(X, numbers.Integral) and not isinstance(X, bool):
        return int(X)
    if hasattr(X, "shape") and len(X.shape) > 0:
        return int(X.shape[0])
    return len(X)


def _labels(y) -> np.ndarray:
    if isinstance(y, Tensor):
        y = y.numpy()
    elif type(y).__module__.startswith("cupy"):
        y = y.get()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"stratified split: y must be 1-D class labels, got shape {y.shape}")
    return y


class KFold:
    """K-fold cross-validation: split N samples into ``n_splits`` folds; each fold is the
    validation set once while the others train.

    The first ``N % n_splits`` folds have ``N // n_splits + 1`` samples, the rest
    ``N // n_splits``. Without shuffle the folds are consecutive runs of indices; with shuffle
    the indices are permuted first by ``generator`` (a ``numpy.random.Generator``; default the
    global autograd generator, drawn when ``split`` is called).
    """

    def __init__(self, n_splits: int = 5, shuffle: bool = False, generator=None):
        if not isinstance(n_splits, numbers.Integral) or isinstance(n_splits, bool) or n_splits < 2:
            raise ValueError(
                f"{type(self).__name__}: n_splits must be an int >= 2, got {n_splits!r}"
            )
        self.n_splits = int(n_splits)
        self.shuffle = bool(shuffle)
        self.generator = generator

    def get_n_splits(self, X=None, y=None) -> int:
        """The number of folds."""
        return self.n_splits

    def _check_n(self, n: int) -> None:
        if self.n_splits > n:
            raise ValueError(
                f"{type(self).__name__}: cannot have n_splits={self.n_splits} greater than the "
                f"number of samples {n}"
            )

    def _test_folds(self, n: int, y):
        """fold[i] for every sample i."""
        idx = _random.gen(self.generator).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits, dtype=np.int64)
        sizes[: n % self.n_splits] += 1
        folds = np.empty(n, dtype=np.int64)
        folds[idx] = np.repeat(np.arange(self.n_splits), sizes)
        return folds

    def split(self, X, y=None):
        """Yield ``(train_idx, val_idx)`` int64 arrays, once per fold, each sorted.

        X: the samples (N, ...) (array, Tensor, dataset) or the int N. y: labels (N,), used by
        ``StratifiedKFold`` only. The validation sets partition ``range(N)``.
        """
        n = _n_samples(X)
        self._check_n(n)
        folds = self._test_folds(n, y)
        for k in range(self.n_splits):
            yield np.flatnonzero(folds != k), np.flatnonzero(folds == k)


class StratifiedKFold(KFold):
    """K-fold whose folds keep the class proportions of ``y`` (scikit-learn's algorithm).

    Samples are sorted by class and dealt to the folds round-robin, so each fold receives
    ``count_c // n_splits`` or one more of every class c, and the fold sizes differ by at most
    one. With shuffle, which samples of a class go to which fold is random. Raises when
    ``n_splits`` exceeds every class's count; warns when it exceeds the smallest one.
    """

    def split(self, X, y):
        """Yield ``(train_idx, val_idx)`` per fold; y: class labels (N,) of any sortable type."""
        if y is None:
            raise ValueError("StratifiedKFold.split: y (class labels) is required")
        y = _labels(y)
        n = _n_samples(X)
        if len(y) != n:
            raise ValueError(f"StratifiedKFold.split: X has {n} samples but y has {len(y)}")
        yield from super().split(n, y)

    def _test_folds(self, n: int, y):
        # classes numbered by first appearance, as scikit-learn does
        _, first, inv = np.unique(y, return_index=True, return_inverse=True)
        inv = inv.reshape(-1)
        enc = np.argsort(np.argsort(first))[inv]
        n_classes = len(first)
        counts = np.bincount(enc, minlength=n_classes)
        if np.all(self.n_splits > counts):
            raise ValueError(
                f"StratifiedKFold: n_splits={self.n_splits} cannot be greater than the number of "
                f"members in each class (largest class has {counts.max()})"
            )
        if self.n_splits > counts.min():
            warnings.warn(
                f"StratifiedKFold: the least populated class has only {counts.min()} members, "
                f"fewer than n_splits={self.n_splits}",
                UserWarning,
                stacklevel=3,
            )
        # deal the class-sorted sequence round-robin: allocation[k, c] samples of c go to fold k
        order = np.sort(enc)
        alloc = np.stack(
            [
                np.bincount(order[k :: self.n_splits], minlength=n_classes)
                for k in range(self.n_splits)
            ]
        )
        rng = _random.gen(self.generator) if self.shuffle else None
        folds = np.empty(n, dtype=np.int64)
        for c in range(n_classes):
            f = np.repeat(np.arange(self.n_splits), alloc[:, c])
            if rng is not None:
                rng.shuffle(f)
            folds[enc == c] = f
        return folds


def train_test_split(
    *arrays, test_size=0.25, stratify=None, shuffle: bool = True, generator=None
) -> list:
    """Split arrays (or Tensors) of the same length N into train and test parts.

    test_size: a fraction in (0, 1) or an int count. stratify: class labels (N,) whose
    proportions both parts keep. generator: a ``numpy.random.Generator`` (default the global
    autograd generator). Returns ``[a_train, a_test, b_train, b_test, ...]``, indexed rows of
    each input (Tensors stay Tensors).
    """
    if not arrays:
        raise ValueError("train_test_split: expected at least one array")
    n = _n_samples(arrays[0])
    if any(_n_samples(a) != n for a in arrays):
        raise ValueError(
            f"train_test_split: inputs have different lengths {[_n_samples(a) for a in arrays]}"
        )
    if isinstance(test_size, (bool, np.bool_)) or not isinstance(test_size, numbers.Real):
        raise TypeError(
            f"train_test_split: test_size must be a fraction in (0, 1) or a count, got "
            f"{test_size!r}"
        )
    if isinstance(test_size, numbers.Integral):
        n_test = int(test_size)
    elif float(test_size).is_integer() and test_size >= 1:
        n_test = int(test_size)
    else:
        if not 0.0 < test_size < 1.0:
            raise ValueError(
                f"train_test_split: test_size must be a fraction in (0, 1) or a whole count, "
                f"got {test_size}"
            )
        n_test = int(np.ceil(float(test_size) * n))
    if not 0 < n_test < n:
        raise ValueError(f"train_test_split: test_size={test_size!r} leaves an empty part (N={n})")
    rng = _random.gen(generator)
    if stratify is None:
        perm = rng.permutation(n) if shuffle else np.arange(n)
        test, train = perm[:n_test], perm[n_test:]
    else:
        if not shuffle:
            raise ValueError("train_test_split: stratify needs shuffle=True")
        y = _labels(stratify)
        if len(y) != n:
            raise ValueError(f"train_test_split: stratify has {len(y)} labels for {n} samples")
        classes, enc = np.unique(y, return_inverse=True)
        enc = enc.reshape(-1)
        counts = np.bincount(enc)
        # largest-remainder apportionment of n_test over the classes
        exact = counts * n_test / n
        take = np.floor(exact).astype(np.int64)
        rest = n_test - take.sum()
        if rest:
            take[np.argsort(-(exact - take), kind="stable")[:rest]] += 1
        test_parts, train_parts = [], []
        for c in range(len(classes)):
            members = rng.permutation(np.flatnonzero(enc == c))
            test_parts.append(members[: take[c]])
            train_parts.append(members[take[c] :])
        test = rng.permutation(np.concatenate(test_parts))
        train = rng.permutation(np.concatenate(train_parts))
    out = []
    for a in arrays:
        out.append(_take(a, train))
        out.append(_take(a, test))
    return out


def _take(a, idx):
    if isinstance(a, Tensor):
        d = a._data
        if type(d) is not np.ndarray:
            from backends import array_module

            idx = array_module(d).asarray(idx)
        return Tensor(d[idx])
    if isinstance(a, np.ndarray) or hasattr(a, "shape"):
        return a[idx]
    return [a[int(i)] for i in idx]
