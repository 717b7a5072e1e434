"""``Tensor`` conversions: to numpy and Python values (``numpy``, ``item``, ``tolist``, the
``__array__`` / ``__float__`` / ``__index__`` / ``__repr__`` / ``__format__`` / DLPack / pickle
protocols, ``len``, ``iter``, ``bool``, ``in``), and the device / dtype moves (``to``, ``cpu``,
``cuda``, ``type_as``, ``astype``, ``float`` ... ``bool``). Moved verbatim from ``tensor.py``.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as _dt
from ..device import parse_to_args

_ndarray = np.ndarray

# names of autograd/tensor.py, bound by its last line (``bind_tensor_names``): this module
# loads before they exist, since ``Tensor`` inherits from the class below
_FROM_TENSOR = ("Tensor", "_ops", "_rebuild")
Tensor = _ops = _rebuild = None


class ConversionMethods:
    """Conversions of ``Tensor`` to other types, devices and dtypes."""

    __slots__ = ()

    # -- conversion ----------------------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared for cpu tensors; copied from the GPU)."""
        if self._rg:
            # as in PyTorch: make the user say they leave the graph
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad. Use tensor.detach().numpy()."
            )
        d = self._data
        return d if type(d) is _ndarray else d.get()

    def __array__(self, dtype=None, copy=None):
        d = self._data if type(self._data) is _ndarray else self._data.get()
        if dtype is not None:
            d = d.astype(dtype, copy=False)
        return d.copy() if copy else d

    def item(self):
        """The single element as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"item(): a tensor with {self._data.size} elements cannot be converted to a "
                f"Python scalar (shape {self.shape})"
            )
        return self._data.reshape(()).item()

    def tolist(self):
        """The data as nested Python lists."""
        return self._data.tolist()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self._data.size} elements is ambiguous"
            )
        return bool(self._data.reshape(()))

    def __float__(self):
        v = self.item()
        if isinstance(v, complex):  # Python's message names no tensor; torch's is a RuntimeError
            raise TypeError(
                f"float(): a complex tensor ({self.dtype}) has no float value; use .real"
            )
        return float(v)

    def __int__(self):
        v = self.item()
        if isinstance(v, complex):
            raise TypeError(f"int(): a complex tensor ({self.dtype}) has no int value; use .real")
        return int(v)

    def __index__(self):
        if self.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be used as an index")
        return int(self.item())

    def __repr__(self):
        d = self._data if type(self._data) is _ndarray else self._data.get()
        body = np.array2string(
            d, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3, precision=4
        )
        extra = [f"dtype={d.dtype}"]
        if type(self._data) is not _ndarray:
            extra.append(f"device='{self.device}'")
        if self._node is not None:
            extra.append(f"grad_fn={self._node!r}")
        elif self._rg:
            extra.append("requires_grad=True")
        return f"tensor({body}, {', '.join(extra)})"

    def __dlpack__(self, *args, **kwargs):
        return self._data.__dlpack__(*args, **kwargs)

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

    def __reduce__(self):
        # the array itself: a cuda tensor stays on its device through deepcopy and pickle
        return (_rebuild, (self._data, self._rg))

    def __format__(self, spec):
        # f"{loss:.4f}": a one-element tensor formats as its number (PyTorch's rule)
        if self._data.size == 1 and self._data.ndim <= 1 and spec:
            return format(self.item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string {spec!r} for a tensor of shape {tuple(self.shape)} "
                "(only 0-d and one-element 1-D tensors take a number format)"
            )
        return str(self)

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, bool)) or hasattr(element, "dtype"):
            return bool((self == element).any().item())
        raise TypeError(
            f"'in <tensor>' requires a tensor or a number as left operand, not "
            f"{type(element).__name__}"
        )

    # -- device / dtype movement ---------------------------------------------------------------

    def to(self, *args, **kwargs) -> Tensor:
        """``to(device)``, ``to(dtype)`` or ``to(device, dtype)``: differentiable move/cast."""
        device, dtype = parse_to_args(args, kwargs)
        out = self
        if dtype is not None and _dt.as_dtype(dtype) != self.dtype:
            out = _ops.cast(out, _dt.as_dtype(dtype))
        if (
            device is not None
            and str(device) != out.device
            and not (str(device) == "cuda" and out.device.startswith("cuda"))
        ):
            out = _ops.to_device(out, str(device))
        return out

    def cpu(self) -> Tensor:
        """This tensor on the CPU (differentiable copy when it is on a GPU)."""
        return self.to("cpu")

    def cuda(self, device=None) -> Tensor:
        """This tensor on GPU ``device`` (differentiable copy)."""
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def type_as(self, other) -> Tensor:
        """This tensor cast to ``other``'s dtype."""
        return self.to(other.dtype)

    def astype(self, dtype) -> Tensor:
        """Cast to ``dtype`` (differentiable between float dtypes)."""
        dtype = _dt.as_dtype(dtype)
        return self if dtype == self.dtype else _ops.cast(self, dtype)

    def float(self) -> Tensor:
        """Cast to float32."""
        return self.astype(np.float32)

    def double(self) -> Tensor:
        """Cast to float64."""
        return self.astype(np.float64)

    def half(self) -> Tensor:
        """Cast to float16."""
        return self.astype(np.float16)

    def int(self) -> Tensor:
        """Cast to int32 (no gradient)."""
        return self.astype(np.int32)

    def long(self) -> Tensor:
        """Cast to int64 (no gradient)."""
        return self.astype(np.int64)

    def bool(self) -> Tensor:
        """Cast to bool (no gradient)."""
        return self.astype(np.bool_)
