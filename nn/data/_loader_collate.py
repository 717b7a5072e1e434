"""``default_collate`` and ``default_convert``: samples merged into batches (and single
samples converted) for ``DataLoader``, and the move of a batch to a device. Moved verbatim
from ``loader.py``, which re-exports every name."""

from __future__ import annotations

import collections.abc as cabc
import numbers

import numpy as np

from autograd import dtypes as _dt
from autograd.errors import ShapeError
from autograd.tensor import Tensor

# -- collate ---------------------------------------------------------------------------------


def _is_array(x) -> bool:
    return isinstance(x, np.ndarray) or type(x).__module__.startswith("cupy")


def _stack(arrays, where: str):
    shapes = {tuple(a.shape) for a in arrays}
    if len(shapes) > 1:
        raise ShapeError(
            f"collate: samples{where} have different shapes {sorted(shapes)}; they cannot be "
            "stacked into one batch (pad them, or pass a collate_fn)"
        )
    if type(arrays[0]) is np.ndarray:
        return Tensor(np.stack(arrays))
    from backends import array_module

    return Tensor(array_module(arrays[0]).stack(arrays))


def _collate_numbers(samples, where):
    """Scalars (Python or NumPy) as one tensor whose dtype fits them all: bool, int64, or the
    default float dtype for Python floats (NumPy scalars keep their promoted dtype)."""
    if not all(isinstance(s, (numbers.Number, np.generic)) for s in samples):
        raise TypeError(f"collate: samples{where} mix numbers and other types")
    if all(isinstance(s, np.generic) for s in samples):
        return Tensor(np.array(samples, dtype=np.result_type(*samples)))
    if all(isinstance(s, (bool, np.bool_)) for s in samples):
        return Tensor(np.array(samples, dtype=np.bool_))
    if all(isinstance(s, (numbers.Integral, np.integer)) for s in samples):
        return Tensor(np.array(samples, dtype=np.int64))
    return Tensor(np.array(samples, dtype=_dt.get_default_dtype()))


def default_collate(samples, _where: str = ""):
    """Merge a list of samples into one batch, field by field.

    Tensors and arrays of shape S -> a Tensor (B, *S) (dtype and device kept); Python floats ->
    a (B,) Tensor of the default float dtype; ints -> int64; bools -> bool; numpy scalars keep
    their dtype; str / bytes -> a list; tuples, lists, namedtuples and dicts -> the same
    container of collated fields. Samples of unequal shapes raise a ShapeError naming the field.
    """
    if not isinstance(samples, (list, tuple)) or not samples:
        raise ValueError("collate: expected a non-empty list of samples")
    elem = samples[0]
    if isinstance(elem, Tensor):
        return _stack(
            [s._data if isinstance(s, Tensor) else np.asarray(s) for s in samples], _where
        )
    if _is_array(elem):
        return _stack(samples, _where)
    if isinstance(elem, (str, bytes)):  # before np.generic: numpy.str_ is a str
        return list(samples)
    if isinstance(elem, (numbers.Number, np.generic)):
        return _collate_numbers(samples, _where)
    if isinstance(elem, cabc.Mapping):
        keys = list(elem)
        for s in samples:
            if not isinstance(s, cabc.Mapping) or set(s) != set(keys):
                raise ValueError(f"collate: dict samples{_where} have different keys")
        out = {k: default_collate([s[k] for s in samples], f"{_where}[{k!r}]") for k in keys}
        return out if type(elem) is dict else _rebuild(type(elem), out)
    if isinstance(elem, (tuple, list)):
        n = len(elem)
        if any(len(s) != n for s in samples):
            raise ValueError(f"collate: samples{_where} are sequences of different lengths")
        fields = [default_collate(list(f), f"{_where}[{i}]") for i, f in enumerate(zip(*samples))]
        if isinstance(elem, tuple) and hasattr(elem, "_fields"):
            return type(elem)(*fields)
        return tuple(fields) if isinstance(elem, tuple) else fields
    raise TypeError(
        f"collate: samples{_where} of type {type(elem).__name__} cannot be batched; expected "
        "Tensors, arrays, numbers, str, or tuples / lists / dicts of them (or pass a collate_fn)"
    )


def _rebuild(cls, d):
    try:
        return cls(d)
    except Exception:
        return d


def _to_device(batch, device):
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return type(batch)((k, _to_device(v, device)) for k, v in batch.items())
    if isinstance(batch, tuple) and hasattr(batch, "_fields"):
        return type(batch)(*(_to_device(v, device) for v in batch))
    if isinstance(batch, (tuple, list)):
        return type(batch)(_to_device(v, device) for v in batch)
    return batch


def default_convert(sample):
    """One sample, unbatched (``batch_size=None``): arrays and NumPy scalars -> Tensors (arrays
    of strings or objects kept), tuples / lists / namedtuples / dicts converted field by field,
    anything else (Tensors, Python numbers, str) as it is. PyTorch's ``default_convert``."""
    if isinstance(sample, Tensor) or isinstance(sample, (str, bytes)):
        return sample
    if _is_array(sample):
        return sample if sample.dtype.kind in "USOV" else Tensor(sample)
    if isinstance(sample, np.generic):
        return sample if sample.dtype.kind in "USOV" else Tensor(np.asarray(sample))
    if isinstance(sample, cabc.Mapping):
        out = {k: default_convert(v) for k, v in sample.items()}
        return out if type(sample) is dict else _rebuild(type(sample), out)
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, (tuple, list)):
        return type(sample)(default_convert(v) for v in sample)
    return sample
