"""Datasets read from disk: scikit-learn's bundled digits, MNIST / Fashion-MNIST IDX files, and
CIFAR-10 python batches. Nothing is downloaded: the user names a local folder.

X, y = load_digits()                                  # (1797, 1, 8, 8) float32 in [0, 1], (1797,)
X, y = load_mnist("~/data/mnist", train=True)         # (60000, 1, 28, 28), (60000,) int64
X, y = load_cifar10("~/data/cifar-10-batches-py")     # (50000, 3, 32, 32), (50000,) int64

A missing file raises FileNotFoundError listing the paths tried; a corrupt or truncated one
raises ``DatasetFormatError`` (a ValueError) naming the path and what was expected.
"""

from __future__ import annotations

import gzip
import pickle
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "DatasetFormatError",
    "load_digits",
    "read_idx",
    "load_mnist",
    "load_fashion_mnist",
    "load_cifar10",
    "MNIST_FILES",
    "CIFAR10_CLASSES",
    "FASHION_MNIST_CLASSES",
]


class DatasetFormatError(ValueError):
    """A dataset file exists but is not in the expected format (bad magic, sizes, truncation)."""


# -- scikit-learn digits ---------------------------------------------------------------------


def load_digits(*, flatten: bool = False, scale: bool = True):
    """scikit-learn's bundled 8x8 handwritten digits (1797 samples, 10 classes): no download.

    Returns ``(X, y)``: X float32 (1797, 1, 8, 8), or (1797, 64) with ``flatten=True``, with
    pixel values 0..16 divided by 16 when ``scale`` (else kept as 0..16); y int64 (1797,) in
    0..9. Needs scikit-learn (``pip install tapegrad[examples]``).
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as e:
        raise ImportError(
            "load_digits needs scikit-learn, an optional dependency: "
            "pip install tapegrad[examples]  (or: pip install scikit-learn)"
        ) from e
    d = _sk_load_digits()
    X = np.asarray(d.data, dtype=np.float32)
    if scale:
        X /= np.float32(16.0)
    if not flatten:
        X = X.reshape(-1, 1, 8, 8)
    return np.ascontiguousarray(X), np.asarray(d.target, dtype=np.int64)


# -- IDX (MNIST, Fashion-MNIST) -----------------------------------------------------------------

# IDX type codes -> big-endian dtypes
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

#: The standard file names (each may also be gzipped, with ``.gz`` appended).
MNIST_FILES = {
    True: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    False: ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip magic (whatever its name)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise DatasetFormatError(f"{path}: corrupt or truncated gzip file ({e})") from e
    return raw


def read_idx(path) -> np.ndarray:
    """Read one IDX file (plain or gzipped) into an array of its native shape and dtype.

    The format: 2 zero bytes, a type code (0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions d, d big-endian uint32 sizes, then
    the data, big-endian, row-major. Returns a native-endian array of that shape.
    Raises FileNotFoundError, or DatasetFormatError naming the path and what was expected.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DatasetFormatError(f"{path}: {len(raw)} bytes is too short for an IDX header")
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        magic = int.from_bytes(raw[:4], "big")
        raise DatasetFormatError(
            f"{path}: not an IDX file: magic number 0x{magic:08X}; expected 0x0000TTDD with a "
            "type code TT in {08, 09, 0B, 0C, 0D, 0E} (MNIST images: 0x00000803, labels: "
            "0x00000801)"
        )
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetFormatError(
            f"{path}: truncated IDX header: {ndim} dimensions need {header} bytes, the file has "
            f"{len(raw)}"
        )
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        what = "truncated" if got < expected else "has trailing data"
        raise DatasetFormatError(
            f"{path}: IDX data {what}: shape {shape} of {dtype.name} needs {expected} bytes after "
            f"the header, the file has {got}"
        )
    arr = np.frombuffer(raw, dtype=dtype, count=expected // dtype.itemsize, offset=header)
    return arr.reshape(shape).astype(dtype.newbyteorder("="))


def _find(root: Path, names, subdirs) -> Path:
    tried = []
    for sub in subdirs:
        for name in names:
            p = root / sub / name if sub else root / name
            tried.append(p)
            if p.is_file():
                return p
    listing = "\n  ".join(str(p) for p in tried)
    raise FileNotFoundError(f"dataset file not found; looked for:\n  {listing}")


def _load_idx_pair(root, train: bool, normalize: bool, folder: str, what: str):
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{what}: data folder not found: {root}")
    subdirs = ("", "raw", f"{folder}/raw", folder)
    img_name, lbl_name = MNIST_FILES[bool(train)]
    img_path = _find(root, (img_name, img_name + ".gz"), subdirs)
    lbl_path = _find(root, (lbl_name, lbl_name + ".gz"), subdirs)
    images, labels = read_idx(img_path), read_idx(lbl_path)
    if images.ndim != 3 or images.dtype != np.uint8:
        raise DatasetFormatError(
            f"{img_path}: expected IDX images: uint8 of shape (N, rows, cols) (magic 0x00000803), "
            f"got {images.dtype} of shape {images.shape}"
        )
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise DatasetFormatError(
            f"{lbl_path}: expected IDX labels: uint8 of shape (N,) (magic 0x00000801), got "
            f"{labels.dtype} of shape {labels.shape}"
        )
    if len(labels) != len(images):
        raise DatasetFormatError(
            f"{what}: {img_path} has {len(images)} images but {lbl_path} has {len(labels)} labels"
        )
    if labels.size and labels.max() > 9:
        raise DatasetFormatError(f"{lbl_path}: labels must be 0..9, found {int(labels.max())}")
    X = images[:, None]
    X = X.astype(np.float32) / np.float32(255.0) if normalize else X.copy()
    return X, labels.astype(np.int64)


def load_mnist(root, train: bool = True, *, normalize: bool = True):
    """MNIST from the IDX files in the folder ``root`` (nothing is downloaded).

    Looks for ``train-images-idx3-ubyte`` / ``train-labels-idx1-ubyte`` (``train=True``) or
    ``t10k-images-idx3-ubyte`` / ``t10k-labels-idx1-ubyte``, each plain or with ``.gz``, in
    ``root``, ``root/raw``, ``root/MNIST/raw`` or ``root/MNIST``. Returns ``(X, y)``: X
    (N, 1, 28, 28) float32 in [0, 1] (uint8 0..255 when ``normalize=False``), y int64 (N,).
    """
    return _load_idx_pair(root, train, normalize, "MNIST", "load_mnist")


def load_fashion_mnist(root, train: bool = True, *, normalize: bool = True):
    """Fashion-MNIST: the same files and layout as ``load_mnist`` (subfolder ``FashionMNIST``).

    Returns ``(X, y)``: X (N, 1, 28, 28) float32 in [0, 1], y int64 (N,); class names in
    ``FASHION_MNIST_CLASSES``.
    """
    return _load_idx_pair(root, train, normalize, "FashionMNIST", "load_fashion_mnist")


# -- CIFAR-10 -----------------------------------------------------------------------------------

CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)

# What a CIFAR batch pickle may reference: a dict, lists, str/bytes and numpy arrays. Anything
# else (a class or function to call) is refused, so a tampered batch cannot run code on load.
_ALLOWED_GLOBALS = {
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),
}


class _BatchUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) not in _ALLOWED_GLOBALS:
            raise pickle.UnpicklingError(
                f"refusing to load global {module}.{name}: a CIFAR-10 batch holds only a dict "
                "of arrays, lists and strings"
            )
        if module.startswith("numpy.core") and hasattr(np, "_core"):
            module = "numpy._core" + module[len("numpy.core") :]  # NumPy 2 moved numpy.core
        return super().find_class(module, name)


def _read_cifar_batch(path: Path):
    try:
        with open(path, "rb") as f:
            d = _BatchUnpickler(f, encoding="latin1").load()
    except (
        pickle.UnpicklingError,
        EOFError,
        ValueError,
        TypeError,
        AttributeError,
        IndexError,
        KeyError,
    ) as e:
        raise DatasetFormatError(
            f"{path}: not a CIFAR-10 python batch (a pickled dict with 'data' and 'labels'): {e}"
        ) from e
    if not isinstance(d, dict):
        raise DatasetFormatError(f"{path}: expected a pickled dict, got {type(d).__name__}")
    d = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in d.items()}
    if "data" not in d or "labels" not in d:
        raise DatasetFormatError(
            f"{path}: expected keys 'data' and 'labels' in a CIFAR-10 batch, got {sorted(d)}"
        )
    data = d["data"]
    if (
        not isinstance(data, np.ndarray)
        or data.dtype != np.uint8
        or data.ndim != 2
        or (data.shape[1] != 3072)
    ):
        desc = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DatasetFormatError(f"{path}: 'data' must be uint8 of shape (N, 3072), got {desc}")
    try:
        labels = np.asarray(d["labels"], dtype=np.int64)
    except (TypeError, ValueError) as e:
        raise DatasetFormatError(f"{path}: 'labels' must be a list of ints: {e}") from e
    if labels.shape != (data.shape[0],):
        raise DatasetFormatError(
            f"{path}: 'labels' has shape {labels.shape}, expected ({data.shape[0]},) to match "
            "'data'"
        )
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DatasetFormatError(
            f"{path}: labels must be 0..9, found {labels.min()}..{labels.max()}"
        )
    return data.reshape(-1, 3, 32, 32), labels


def load_cifar10(root, train: bool = True, *, normalize: bool = True):
    """CIFAR-10 from the python batches in the folder ``root`` (nothing is downloaded).

    Reads ``data_batch_1`` .. ``data_batch_5`` (``train=True``) or ``test_batch``, found in
    ``root`` or ``root/cifar-10-batches-py``. Returns ``(X, y)``: X (N, 3, 32, 32) float32 in
    [0, 1] (uint8 when ``normalize=False``), y int64 (N,); class names in ``CIFAR10_CLASSES``.

    Security: CIFAR's own batches are Python pickles, and unpickling untrusted data can run
    code. This reader only lets the pickle build dicts, lists, strings and numpy arrays
    (anything else raises DatasetFormatError), but use batches from a trusted source (the
    official archive, checksum verified).
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"load_cifar10: data folder not found: {root}")
    names = [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]
    parts = [_read_cifar_batch(_find(root, (n,), ("", "cifar-10-batches-py"))) for n in names]
    X = np.concatenate([p[0] for p in parts]) if len(parts) > 1 else parts[0][0]
    y = np.concatenate([p[1] for p in parts])
    X = X.astype(np.float32) / np.float32(255.0) if normalize else np.ascontiguousarray(X)
    return X, y
