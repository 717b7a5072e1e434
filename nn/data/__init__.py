"""``nn.data``: datasets, the DataLoader, cross-validation splits, dataset readers,
preprocessing fitted on the training set, and augmentation.

import autograd as ag, nn
from nn.data import DataLoader, TensorDataset, Standardize, load_digits, train_test_split

X, y = load_digits()                                   # (1797, 1, 8, 8) float32, (1797,) int64
X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.2, stratify=y)
pre = Standardize(per_channel=True).fit(X_tr)          # statistics of the training set only
loader = DataLoader(TensorDataset(pre.transform(X_tr), y_tr), batch_size=64, shuffle=True)
for xb, yb in loader:                                  # Tensors (64, 1, 8, 8), (64,)
    ...

PyTorch's ``torch.utils.data`` names work too: ``Sampler``, ``SequentialSampler``,
``RandomSampler``, ``SubsetRandomSampler``, ``WeightedRandomSampler``, ``BatchSampler``,
``IterableDataset``, ``get_worker_info``, and ``DataLoader(..., sampler=, batch_sampler=,
num_workers=, pin_memory=, ...)`` (loading runs in this process; see ``DataLoader``).
"""

from __future__ import annotations

from . import augment, datasets, preprocess, sampler, splits
from .augment import (
    cutmix,
    cutout,
    gaussian_noise,
    mixup,
    one_hot,
    random_crop,
    random_horizontal_flip,
)
from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from .datasets import (
    CIFAR10_CLASSES,
    FASHION_MNIST_CLASSES,
    DatasetFormatError,
    load_cifar10,
    load_digits,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)
from .loader import DataLoader, WorkerInfo, default_collate, default_convert, get_worker_info
from .preprocess import PCA, ZCA, Standardize, ZeroCenter
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .splits import KFold, StratifiedKFold, train_test_split

__all__ = [
    "Dataset",
    "IterableDataset",
    "TensorDataset",
    "Subset",
    "ConcatDataset",
    "ChainDataset",
    "random_split",
    "DataLoader",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "WorkerInfo",
    "Sampler",
    "SequentialSampler",
    "RandomSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
    "BatchSampler",
    "KFold",
    "StratifiedKFold",
    "train_test_split",
    "load_digits",
    "load_mnist",
    "load_fashion_mnist",
    "load_cifar10",
    "read_idx",
    "DatasetFormatError",
    "CIFAR10_CLASSES",
    "FASHION_MNIST_CLASSES",
    "ZeroCenter",
    "Standardize",
    "PCA",
    "ZCA",
    "one_hot",
    "random_horizontal_flip",
    "random_crop",
    "gaussian_noise",
    "cutout",
    "mixup",
    "cutmix",
    "augment",
    "datasets",
    "preprocess",
    "sampler",
    "splits",
]
