"""``Tensor``: an array (numpy or cupy) plus the record of the op that made it.

A tensor holds its array in ``_data``, and, when it was made by a recorded op, that op's record
(``_node``, a ``Function`` instance). Leaves have no record; a leaf that requires grad receives
its gradient in ``.grad``. Operators are defined on the class and call the ops in ``autograd.ops``.
"""

from __future__ import annotations

import numpy as np

from backends import array_module, device_of

from . import dtypes as _dt
from .device import parse_to_args
from .methods import TensorMethods

__all__ = ["Tensor", "tensor", "as_tensor", "from_numpy", "from_dlpack"]

_ndarray = np.ndarray


def _wrap(data, node, requires_grad):
    """Make a Tensor around ``data`` without any checks (the per-op path)."""
    t = object.__new__(Tensor)
    t._data = data
    t._node = node
    t._rg = requires_grad
    t._grad = None
    t._vc = None
    t._hooks = None
    return t


def _device_str(a) -> str:
    return device_of(a)


def _to_array(data, dtype=None, copy=True, device=None):
    """Convert ``data`` (Tensor, array, scalar, nested list) to an array with the default dtype."""
    if isinstance(data, Tensor):
        data = data._data
    if dtype is not None:
        dtype = _dt.as_dtype(dtype)
    xp = np
    if device is not None:
        from .device import parse_device

        parse_device(device)  # 'tpu' and the like raise here, naming the device
    if device is not None and str(device).startswith("cuda"):
        from .device import cuda_module

        xp = cuda_module(device)
    elif type(data).__module__.startswith("cupy") and device is None:
        xp = array_module(data)
    elif type(data).__module__.startswith("cupy"):
        data = data.get()
    if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in _flat(data)):
        data = _nested_to_numpy(data)
    try:
        arr = xp.array(data, dtype=dtype, copy=True) if copy else xp.asarray(data, dtype=dtype)
    except ValueError as e:
        if isinstance(data, (list, tuple)) and "inhomogeneous" in str(e):
            raise ValueError(
                "tensor: nested sequences must be rectangular (every row of a dim the same "
                f"length), got a ragged one: {e}"
            ) from None
        raise
    if dtype is None:
        if arr.dtype == np.float64 and not _is_float64_source(data):
            arr = arr.astype(_dt.get_default_dtype())
        elif arr.dtype == np.complex128 and not _is_float64_source(data):
            # Python complex numbers get the default dtype's complex: complex64 (as torch)
            arr = arr.astype(_dt.complex_of(_dt.get_default_dtype()))
        elif arr.dtype.kind not in "biufc":
            raise TypeError(
                f"tensor: cannot make a tensor from {type(data).__name__} with dtype {arr.dtype}"
            )
    if arr.dtype not in _dt.SUPPORTED:
        raise TypeError(
            f"tensor: dtype {arr.dtype} is not supported; use one of "
            + ", ".join(str(d) for d in _dt.SUPPORTED)
        )
    return arr


def _flat(data):
    for v in data:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def _nested_to_numpy(data):
    if isinstance(data, (list, tuple)):
        return [_nested_to_numpy(v) for v in data]
    if isinstance(data, Tensor):
        return data.detach().numpy()  # the new tensor is a leaf: values only, as in PyTorch
    return data


def _is_float64_source(data) -> bool:
    """Arrays that already are float64 keep it (also inside lists: ``tensor([t64, t64])``);
    Python floats get the default dtype."""
    if hasattr(data, "dtype") and not isinstance(data, np.generic):
        return True
    if isinstance(data, (list, tuple)):
        return any(_is_float64_source(v) for v in data)
    return isinstance(data, (np.float64, np.complex128))


class Tensor(TensorMethods):
    """An n-dimensional array that records the ops applied to it for reverse-mode autodiff.

    Build one with ``autograd.tensor(data, dtype=None, requires_grad=False, device=None)``.
    ``Tensor(data, requires_grad=False)`` also works and does not copy numpy input.
    """

    # _base: a view's root (the tensor whose memory it points into), None on a root that was
    # viewed, unset elsewhere; set by ops._shape_util.share_version, never on the per-op path:
    # read it with getattr(t, "_base", None)
    __slots__ = ("_data", "_node", "_rg", "_grad", "_vc", "_hooks", "_base", "__weakref__")
    # numpy must defer to us in ``ndarray * Tensor`` (so the graph is kept)
    __array_ufunc__ = None
    __array_priority__ = 1000
    _leaf_edge = True  # the engine tells leaf tensors from records by this flag

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        arr = _to_array(data, dtype=dtype, copy=False)
        self._data = arr
        self._node = None
        self._rg = False
        self._grad = None
        self._vc = _shared_vc(data, arr)
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    # -- basic properties ----------------------------------------------------------------------

    @property
    def shape(self) -> tuple:
        """The shape, a tuple of ints."""
        return self._data.shape

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return self._data.ndim

    @property
    def dtype(self):
        """The numpy dtype of the elements."""
        return self._data.dtype

    @property
    def device(self) -> str:
        """``'cpu'`` or ``'cuda:N'``: where the array lives."""
        return device_of(self._data)

    @property
    def is_cuda(self) -> bool:
        """True when the data lives on a GPU."""
        return type(self._data) is not _ndarray

    @property
    def requires_grad(self) -> bool:
        """Whether ops on this tensor are recorded for gradients."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        """Whether ops on this tensor are recorded for gradients."""
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op (user-created, or not requiring grad)."""
        return self._node is None

    @property
    def grad_fn(self):
        """The record of the op that made this tensor, or None for a leaf."""
        return self._node

    @property
    def grad(self):
        """The gradient accumulated by ``backward()`` (a Tensor), or None.

        Reading it on a non-leaf that did not ``retain_grad()`` warns, as PyTorch (backward
        fills ``.grad`` of leaves only)."""
        g = self._grad
        if g is None and self._node is not None:
            _nonleaf_grad_warning(self)
        return g

    @grad.setter
    def grad(self, value):
        """The gradient accumulated by ``backward()`` (a Tensor of this shape), or None."""
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"grad must be a Tensor or None, got {type(value).__name__}")
            if value.shape != self.shape or value.dtype != self.dtype:
                raise ValueError(
                    f"assigned grad has shape {value.shape} and dtype {value.dtype}, but the "
                    f"tensor has shape {self.shape} and dtype {self.dtype}"
                )
        self._grad = value

    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's array, outside the graph (``requires_grad=False``).

        Unlike PyTorch's ``.data`` it shares the version counter too (it is ``detach()``): an
        in-place change through it is seen by every record that saved this tensor.
        """
        return self.detach()

    @data.setter
    def data(self, value):
        """A tensor sharing this one's array, outside the graph (like ``detach()``)."""
        arr = value._data if isinstance(value, Tensor) else _to_array(value, copy=False)
        vc = self._vc
        if vc is not None:
            vc[0] += 1  # records that saved the old values must not use the new ones
            if len(vc) > 1 and getattr(self, "_base", None) is None:
                # the views of the old memory keep a root of their own: a hidden tensor on that
                # memory and this tensor's record so far (so writes through them still reach
                # each other; PyTorch leaves them pointing at this tensor, a bug)
                old = _wrap(self._data, self._node, self._rg)
                old._vc, old._base = vc, None
                for r in vc[1:]:
                    u = r()
                    if u is not None and getattr(u, "_base", None) is self:
                        u._base = old
        self._data = arr
        self._vc = _shared_vc(value, arr)
        self._base = None  # no longer a view of its former memory

    @property
    def T(self) -> Tensor:
        """All dimensions reversed (``permute(n-1, ..., 0)``)."""
        return _ops.permute(self, tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self) -> Tensor:
        """The last two dimensions swapped (batched matrix transpose)."""
        if self.ndim < 2:
            raise IndexError(f"mT: needs at least 2 dimensions, got a tensor of shape {self.shape}")
        return _ops.transpose(self, -2, -1)

    @property
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc[0]

    def size(self, dim: int | None = None):
        """The shape, or its length along ``dim``."""
        if dim is None:
            return self._data.shape
        return self._data.shape[_ops.norm_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        """The number of elements."""
        return int(self._data.size)

    def dim(self) -> int:
        """Number of dimensions (PyTorch spelling of ``ndim``)."""
        return self._data.ndim

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

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

    __hash__ = object.__hash__

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

    # -- graph management ----------------------------------------------------------------------

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set whether this leaf records ops for gradients; returns self."""
        if not requires_grad and self._node is not None:
            raise RuntimeError(
                "requires_grad_(False): this tensor was made by a recorded op; use detach()"
            )
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                "only tensors of floating point or complex dtype can require gradients, "
                f"got dtype {self._data.dtype}"
            )
        self._rg = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A tensor sharing this one's array (and version counter), outside the graph."""
        t = _wrap(self._data, None, False)
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        return t

    def detach_(self) -> Tensor:
        """Cut this tensor from its graph in place; it becomes a leaf. A view (of any tensor,
        requiring grad or not) is refused, as in PyTorch: use ``detach()``."""
        if getattr(self, "_base", None) is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. (detach_: this tensor of "
                f"shape {tuple(self.shape)} is a view of a tensor of shape "
                f"{tuple(self._base.shape)}; writes through it must keep reaching its base)"
            )
        self._node = None
        self._rg = False
        return self

    def clone(self) -> Tensor:
        """A copy of the data; differentiable (the gradient passes through unchanged)."""
        return _ops.clone(self)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self._rg:
            raise RuntimeError("can't retain_grad on a tensor that doesn't require grad")
        if self._node is not None:
            _engine.retain(self)

    def register_hook(self, hook):
        """Call ``hook(grad) -> Tensor or None`` when this tensor's gradient is computed.

        A returned tensor replaces the gradient. Returns a handle with ``remove()``.
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require grad")
        return _engine.add_hook(self, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) * gradient into ``.grad`` of every leaf that requires grad.

        gradient: same shape as self; required unless self has one element.
        """
        _engine.backward(self, gradient, retain_graph, create_graph, inputs)

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

    # -- arithmetic (the per-op path: straight to the op classes) ------------------------------

    # a Python int/float operand is a constant: the const ops skip the generic argument loop.
    # (numpy scalars are not weak under NumPy 2 promotion, so they take the generic path.)

    def __add__(self, other):
        if other.__class__ is float or other.__class__ is int:
            return _add_const(self, other)
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _Add.apply(self, other)

    def __radd__(self, other):
        if other.__class__ is float or other.__class__ is int:
            return _add_const(self, other)
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _Add.apply(other, self)

    def __sub__(self, other):
        if other.__class__ is float or (
            other.__class__ is int and self._data.dtype.kind in "fc"
        ):  # x + (-c); on integers -c may not fit the dtype (uint8 - 2), so subtract there
            return _add_const(self, -other)
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _Sub.apply(self, other)

    def __rsub__(self, other):
        if other.__class__ is float or other.__class__ is int:
            return _rsub_const(self, other)
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _Sub.apply(other, self)

    def __mul__(self, other):
        if other.__class__ is float or other.__class__ is int:
            return _mul_const(self, other)
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _Mul.apply(self, other)

    def __rmul__(self, other):
        if other.__class__ is float or other.__class__ is int:
            return _mul_const(self, other)
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _Mul.apply(other, self)

    def __truediv__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _Div.apply(self, other)

    def __rtruediv__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _Div.apply(other, self)

    def __floordiv__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _ops.floor_divide(self, other)

    def __rfloordiv__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _ops.floor_divide(other, self)

    def __mod__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _ops.remainder(self, other)

    def __rmod__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _ops.remainder(other, self)

    def __pow__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _ops.pow(self, other)

    def __rpow__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _ops.pow(other, self)

    def __matmul__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        if other.__class__ in _NOT_OPERANDS:  # Python's own TypeError
            return NotImplemented
        return _ops.matmul(other, self)

    def __neg__(self):
        return _neg_fast(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    # comparisons and logic: no gradient
    def __eq__(self, other):
        return _ops.eq(self, other)

    def __ne__(self, other):
        return _ops.ne(self, other)

    def __lt__(self, other):
        return _ops.lt(self, other)

    def __le__(self, other):
        return _ops.le(self, other)

    def __gt__(self, other):
        return _ops.gt(self, other)

    def __ge__(self, other):
        return _ops.ge(self, other)

    def __and__(self, other):
        return _ops.bitwise_and(self, other)

    def __rand__(self, other):
        return _ops.bitwise_and(other, self)

    def __or__(self, other):
        return _ops.bitwise_or(self, other)

    def __ror__(self, other):
        return _ops.bitwise_or(other, self)

    def __xor__(self, other):
        return _ops.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _ops.bitwise_xor(other, self)

    def __invert__(self):
        return _ops.bitwise_not(self)

    # in-place arithmetic
    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    def __ifloordiv__(self, other):
        return _inplace.apply(self, "floor_divide_", other)

    def __imod__(self, other):
        return _inplace.apply(self, "remainder_", other)

    def __iand__(self, other):
        return _inplace.apply(self, "bitwise_and_", other)

    def __ior__(self, other):
        return _inplace.apply(self, "bitwise_or_", other)

    def __ixor__(self, other):
        return _inplace.apply(self, "bitwise_xor_", other)

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

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _inplace.setitem(self, index, value)

    # -- in-place ops (see autograd/inplace.py for the safety rules) ----------------------------

    def add_(self, other, alpha=1) -> Tensor:
        """self += alpha * other, in place."""
        return _inplace.apply(self, "add_", other, alpha)

    def sub_(self, other, alpha=1) -> Tensor:
        """self -= alpha * other, in place."""
        return _inplace.apply(self, "sub_", other, alpha)

    def mul_(self, other) -> Tensor:
        """self *= other, in place."""
        return _inplace.apply(self, "mul_", other)

    def div_(self, other) -> Tensor:
        """self /= other, in place."""
        return _inplace.apply(self, "div_", other)

    def pow_(self, other) -> Tensor:
        """self **= other, in place."""
        return _inplace.apply(self, "pow_", other)

    def zero_(self) -> Tensor:
        """Fill with zeros in place."""
        return _inplace.apply(self, "fill_", 0)

    def fill_(self, value) -> Tensor:
        """Fill with ``value`` in place."""
        return _inplace.apply(self, "fill_", value)

    def copy_(self, src) -> Tensor:
        """Copy ``src`` (broadcastable) into self in place."""
        return _inplace.apply(self, "copy_", src)

    def clamp_(self, min=None, max=None) -> Tensor:
        """Clip to [min, max] in place."""
        return _inplace.apply(self, "clamp_", min, max)

    def uniform_(self, a=0.0, b=1.0, generator=None) -> Tensor:
        """Fill in place with samples uniform on [a, b)."""
        return _inplace.apply(self, "uniform_", a, b, generator)

    def normal_(self, mean=0.0, std=1.0, generator=None) -> Tensor:
        """Fill in place with normal samples (mean, std)."""
        return _inplace.apply(self, "normal_", mean, std, generator)

    # -- elementwise ---------------------------------------------------------------------------

    def tanh(self):
        """See ``autograd.tanh``: tanh(x) elementwise."""
        return _tanh_fast(self)

    def exp(self):
        """See ``autograd.exp``: e^x elementwise."""
        return _ops.exp(self)

    def log(self):
        """See ``autograd.log``: Natural log elementwise."""
        return _ops.log(self)

    def log1p(self):
        """See ``autograd.log1p``: log(1 + x), accurate for small x."""
        return _ops.log1p(self)

    def expm1(self):
        """See ``autograd.expm1``: e^x - 1, accurate for small x."""
        return _ops.expm1(self)

    def log2(self):
        """See ``autograd.log2``: Base-2 log elementwise."""
        return _ops.log2(self)

    def sqrt(self):
        """See ``autograd.sqrt``: Square root elementwise."""
        return _ops.sqrt(self)

    def rsqrt(self):
        """See ``autograd.rsqrt``: 1 / sqrt(x) elementwise."""
        return _ops.rsqrt(self)

    def abs(self):
        """See ``autograd.abs``: |x| elementwise; abs'(0) = 0."""
        return _ops.abs(self)

    def sign(self):
        """See ``autograd.sign``: -1, 0 or 1 elementwise; zero gradient."""
        return _ops.sign(self)

    def sin(self):
        """See ``autograd.sin``: sin(x) elementwise."""
        return _ops.sin(self)

    def cos(self):
        """See ``autograd.cos``: cos(x) elementwise."""
        return _ops.cos(self)

    def tan(self):
        """See ``autograd.tan``: tan(x) elementwise."""
        return _ops.tan(self)

    def sigmoid(self):
        """See ``autograd.sigmoid``: 1 / (1 + e^-x) elementwise, without overflow for large |x|."""
        return _ops.sigmoid(self)

    def relu(self):
        """See ``autograd.relu``: max(x, 0) elementwise; relu'(0) = 0."""
        return _ops.relu(self)

    def softplus(self, beta=1.0, threshold=20.0):
        """See ``autograd.softplus``: log(1 + e^(beta x)) / beta, linear where beta x >..."""
        return _ops.softplus(self, beta, threshold)

    def erf(self):
        """See ``autograd.erf``: The error function elementwise."""
        return _ops.erf(self)

    def reciprocal(self):
        """See ``autograd.reciprocal``: 1 / x elementwise."""
        return _ops.reciprocal(self)

    def square(self):
        """See ``autograd.square``: x * x elementwise."""
        return _ops.square(self)

    def neg(self):
        """-self."""
        return _Neg.apply(self)

    def floor(self):
        """See ``autograd.floor``: Round down; zero gradient."""
        return _ops.floor(self)

    def ceil(self):
        """See ``autograd.ceil``: Round up; zero gradient."""
        return _ops.ceil(self)

    def round(self, decimals=0):
        """See ``autograd.round``: Round half to even (numpy's rule) to ``decimals`` places;..."""
        return _ops.round(self, decimals)

    def clamp(self, min=None, max=None):
        """See ``autograd.clamp``: Clip x to [min, max]; either bound may be None, a scalar..."""
        return _ops.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        """See ``autograd.maximum``: Elementwise max with broadcasting; ties split the..."""
        return _ops.maximum(self, other)

    def minimum(self, other):
        """See ``autograd.minimum``: Elementwise min with broadcasting; ties split the..."""
        return _ops.minimum(self, other)

    def pow(self, exponent):
        """See ``autograd.pow``: x ** y; either may be a scalar constant. Broadcasting shapes."""
        return _ops.pow(self, exponent)

    def add(self, other, alpha=1):
        """self + alpha * other."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other, alpha=1):
        """self - alpha * other."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other):
        """self * other."""
        return self * other

    def div(self, other):
        """self / other."""
        return self / other

    def matmul(self, other):
        """See ``autograd.matmul``: Matrix product. x: (..., n, k) or (k,); y: (..., k, m)..."""
        return _ops.matmul(self, other)

    def softmax(self, dim=-1, *, axis=None):
        """See ``autograd.softmax``: exp(x) / sum(exp(x)) along ``dim`` (default the last),..."""
        return _ops.softmax(self, dim if axis is None else axis)

    def log_softmax(self, dim=-1, *, axis=None):
        """See ``autograd.log_softmax``: log(softmax(x)) along ``dim`` (default the last),..."""
        return _ops.log_softmax(self, dim if axis is None else axis)

    def eq(self, other):
        """See ``autograd.eq``: Elementwise numpy.equal; returns a bool tensor (no gradient)."""
        return _ops.eq(self, other)

    def ne(self, other):
        """See ``autograd.ne``: Elementwise numpy.not_equal; returns a bool tensor (no gradient)."""
        return _ops.ne(self, other)

    def lt(self, other):
        """See ``autograd.lt``: Elementwise numpy.less; returns a bool tensor (no gradient)."""
        return _ops.lt(self, other)

    def le(self, other):
        """See ``autograd.le``: Elementwise numpy.less_equal; returns a bool tensor (no..."""
        return _ops.le(self, other)

    def gt(self, other):
        """See ``autograd.gt``: Elementwise numpy.greater; returns a bool tensor (no gradient)."""
        return _ops.gt(self, other)

    def ge(self, other):
        """See ``autograd.ge``: Elementwise numpy.greater_equal; returns a bool tensor (no..."""
        return _ops.ge(self, other)

    def logical_not(self):
        """See ``autograd.logical_not``: Elementwise numpy.logical_not; returns a bool..."""
        return _ops.logical_not(self)

    def isnan(self):
        """See ``autograd.isnan``: Elementwise numpy.isnan; returns a bool tensor (no gradient)."""
        return _ops.isnan(self)

    def isfinite(self):
        """See ``autograd.isfinite``: Elementwise numpy.isfinite; returns a bool tensor (no..."""
        return _ops.isfinite(self)

    # -- reductions (dim/axis, keepdim/keepdims both accepted) ---------------------------------

    def sum(self, dim=None, keepdim=False, *, axis=None, keepdims=None, dtype=None):
        """See ``autograd.sum``: Sum over ``dim`` (int, tuple, or None for all). x: any shape."""
        return _ops.sum(self, dim, keepdim, axis=axis, keepdims=keepdims, dtype=dtype)

    def mean(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.mean``: Mean over ``dim`` (int, tuple, or None for all). x: any..."""
        return _ops.mean(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def prod(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.prod``: Product over ``dim`` (int, tuple, or None for all)."""
        return _ops.prod(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.max``: The max of x; with an int ``dim``, a ``(values, indices)``..."""
        return _ops.max(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.min``: The min of x; with an int ``dim``, a ``(values, indices)``..."""
        return _ops.min(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.amax``: Max over ``dim`` (int, tuple, or None for all); ties share..."""
        return _ops.amax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.amin``: Min over ``dim`` (int, tuple, or None for all); ties share..."""
        return _ops.amin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):  # fmt: skip
        """See ``autograd.var``: Variance over ``dim`` (int, tuple, or None for all),..."""
        return _ops.var(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                        keepdims=keepdims, ddof=ddof)  # fmt: skip

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None,
            keepdims=None, ddof=None):  # fmt: skip
        """See ``autograd.std``: Standard deviation: sqrt(var(x, ...)); same arguments and..."""
        return _ops.std(self, dim, unbiased, keepdim, correction=correction, axis=axis,
                        keepdims=keepdims, ddof=ddof)  # fmt: skip

    def logsumexp(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.logsumexp``: log(sum(exp(x))) over ``dim`` (int, tuple, or None..."""
        return _ops.logsumexp(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def norm(self, p="fro", dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.norm``: The vector p-norm of x over ``dim`` (int, tuple, or None..."""
        return _ops.norm(self, p, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmax(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.argmax``: Indices (int64, no gradient) of the max along ``dim``;..."""
        return _ops.argmax(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def argmin(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.argmin``: Indices (int64, no gradient) of the min along ``dim``;..."""
        return _ops.argmin(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def cumsum(self, dim=None, *, axis=None):
        """See ``autograd.cumsum``: Cumulative sum along ``dim`` (required unless x has at..."""
        return _ops.cumsum(self, dim, axis=axis)

    def cumprod(self, dim=None, *, axis=None):
        """See ``autograd.cumprod``: Cumulative product along ``dim`` (required unless x has..."""
        return _ops.cumprod(self, dim, axis=axis)

    def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.all``: Whether every element over ``dim`` (int, tuple, None for..."""
        return _ops.all(self, dim, keepdim, axis=axis, keepdims=keepdims)

    def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """See ``autograd.any``: Whether some element over ``dim`` (int, tuple, None for..."""
        return _ops.any(self, dim, keepdim, axis=axis, keepdims=keepdims)

    # -- shape ---------------------------------------------------------------------------------

    def reshape(self, *shape):
        """See ``autograd.reshape``: x with a new shape (one dim may be -1); a view when..."""
        return _ops.reshape(self, *shape)

    def view(self, *shape, dtype=None):
        """See ``autograd.view``: reshape that is always a view (raises when it would copy).

        ``view(dtype)`` (PyTorch's): the bytes reinterpreted as ``dtype``, sharing memory and
        version counter, not differentiable (the result never requires grad). (..., n) ->
        (..., n * element_size() // dtype's itemsize); a different itemsize needs stride(-1)
        == 1 and, to a larger one, divisible size(-1), strides and offset (see
        ``autograd.ops.complex_parts.view_dtype``).
        """
        if dtype is None and len(shape) == 1:
            a = shape[0]
            if isinstance(a, (np.dtype, str)) or (
                isinstance(a, type)
                and (issubclass(a, np.generic) or a in (bool, int, float, complex))
            ):
                dtype, shape = a, ()
        if dtype is not None:
            if shape:
                raise TypeError(f"view: pass a shape or a dtype, got both {shape} and {dtype}")
            return _ops.complex_parts.view_dtype(self, dtype)
        return _ops.view(self, *shape)

    def view_as(self, other):
        """Viewed as ``other``'s shape (see ``view``)."""
        return _ops.view(self, other.shape)

    def reshape_as(self, other):
        """Reshaped to ``other``'s shape."""
        return _ops.reshape(self, other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """See ``autograd.flatten``: Dims ``start_dim..end_dim`` (inclusive) merged into..."""
        return _ops.flatten(self, start_dim, end_dim)

    def transpose(self, *dims):
        """``transpose(d0, d1)`` swaps two dims; ``transpose(perm)`` permutes them."""
        if len(dims) == 2 and not isinstance(dims[0], (tuple, list)):
            return _ops.transpose(self, dims[0], dims[1])
        return _ops.permute(self, *dims) if dims else self.T

    def swapaxes(self, a, b):
        """Swap dims ``a`` and ``b``."""
        return _ops.transpose(self, a, b)

    def permute(self, *dims):
        """See ``autograd.permute``: x with dims reordered: ``permute(x, 2, 0, 1)`` or..."""
        return _ops.permute(self, *dims)

    def expand(self, *shape):
        """See ``autograd.expand``: x broadcast to ``shape``; -1 keeps a dimension..."""
        return _ops.expand(self, *shape)

    def expand_as(self, other):
        """Broadcast to ``other``'s shape."""
        return _ops.expand(self, other.shape)

    def broadcast_to(self, shape):
        """See ``autograd.broadcast_to``: x broadcast to ``shape`` (a read-only view); the..."""
        return _ops.broadcast_to(self, shape)

    def squeeze(self, dim=None, *, axis=None):
        """See ``autograd.squeeze``: x without size-1 dims: all of them (dim None), or those..."""
        return _ops.squeeze(self, dim, axis=axis)

    def unsqueeze(self, dim):
        """See ``autograd.unsqueeze``: x with a size-1 dim inserted at ``dim`` (in [-ndim-1,..."""
        return _ops.unsqueeze(self, dim)

    def flip(self, *dims):
        """See ``autograd.flip``: x reversed along ``dims`` (ints, or one tuple/list); no..."""
        return _ops.flip(self, *dims)

    def repeat(self, *sizes):
        """See ``autograd.repeat``: ``torch.Tensor.repeat``: x tiled ``sizes[i]`` times..."""
        return _ops.repeat(self, *sizes)

    def tile(self, *reps):
        """See ``autograd.tile``: ``torch.tile`` / ``numpy.tile``: like ``repeat``, but..."""
        return _ops.tile(self, *reps)

    def split(self, split_size_or_sections, dim=0):
        """See ``autograd.split``: Split x along ``dim`` into pieces; each piece is a slice..."""
        return _ops.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        """See ``autograd.chunk``: Split x along ``dim`` into ``chunks`` pieces of size..."""
        return _ops.chunk(self, chunks, dim)

    def index_select(self, dim, index):
        """See ``autograd.index_select``: x's entries at ``index`` along ``dim``; repeated..."""
        return _ops.index_select(self, dim, index)

    def gather(self, dim, index):
        """See ``autograd.gather``: ``torch.gather``: out[i][j][k] = x[i][index[i][j][k]][k]..."""
        return _ops.gather(self, dim, index)

    def scatter_add(self, dim, index, src):
        """See ``autograd.scatter_add``: ``torch.scatter_add`` (out of place): y = x;..."""
        return _ops.scatter_add(self, dim, index, src)

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` (bool, broadcast to self) is True, else self; the value is
        cast to self's dtype as torch (see ``ag.masked_fill``). Differentiable in self."""
        return _ops.masked_fill(self, mask, value)

    def masked_fill_(self, mask, value) -> Tensor:
        """``self[mask] = value`` in place (mask broadcast to self's shape)."""
        m = mask._data if isinstance(mask, Tensor) else mask
        self[array_module(self._data).broadcast_to(m, self.shape)] = value
        return self

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False) -> Tensor:
        """A new tensor of ``data`` with self's dtype and device unless given."""
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device,
                      requires_grad=requires_grad)  # fmt: skip

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        """A tensor of shape ``size`` filled with ``fill_value``, self's dtype and device."""
        from .factory import full

        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)  # fmt: skip

    def new_zeros(self, *args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        """Zeros of shape ``size``, self's dtype and device unless given."""
        return self.new_full(_size_arg(args) if size is None else size, 0, dtype, device,
                             requires_grad)  # fmt: skip

    def new_ones(self, *args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        """Ones of shape ``size``, self's dtype and device unless given."""
        return self.new_full(_size_arg(args) if size is None else size, 1, dtype, device,
                             requires_grad)  # fmt: skip

    def new_empty(self, *args, size=None, dtype=None, device=None, requires_grad=False) -> Tensor:
        """An uninitialised tensor of shape ``size``, self's dtype and device unless given."""
        return self.new_full(_size_arg(args) if size is None else size, 0, dtype, device,
                             requires_grad)  # fmt: skip

    def contiguous(self):
        """Self when its array is C-contiguous, else a C-contiguous copy (differentiable)."""
        if self._data.flags.c_contiguous:
            return self
        return _ops.clone(self)


# right-hand sides an arithmetic operator declines (Python then raises its clear TypeError:
# unsupported operand type(s) for +: 'Tensor' and 'str')
_NOT_OPERANDS = frozenset({str, bytes, type(None), dict, set})


def _nonleaf_grad_warning(t) -> None:
    extra = t._node._extra
    ref = extra.get("retain") if extra is not None else None
    if ref is not None and ref() is t:
        return  # retain_grad() was called: None until a backward reaches it
    import warnings

    warnings.warn(
        "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
        ".grad attribute won't be populated during autograd.backward(). If you indeed want the "
        ".grad field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf "
        "Tensor. If you access the non-leaf Tensor by mistake, make sure you access the leaf "
        "Tensor instead.",
        UserWarning,
        stacklevel=3,
    )


def _size_arg(size):
    """``f(2, 3)`` or ``f((2, 3))`` as one tuple."""
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else size


def _rebuild(data, requires_grad):
    t = Tensor(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


# -- construction -------------------------------------------------------------------------------


def tensor(data, dtype=None, requires_grad: bool = False, device=None) -> Tensor:
    """A new leaf tensor holding a copy of ``data`` (nested lists, scalars, arrays, tensors).

    dtype: default float32 for Python floats, int64 for ints, kept for arrays.
    device: ``'cpu'`` (default) or ``'cuda[:N]'``.
    """
    arr = _to_array(data, dtype=dtype, copy=True, device=device)
    t = _wrap(arr, None, False)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Like ``tensor`` but shares ``data``'s memory when no conversion is needed."""
    if isinstance(data, Tensor):
        # a conversion of a tensor stays on its graph (to() records the cast and the move)
        if dtype is not None and _dt.as_dtype(dtype) != data.dtype:
            data = data.to(dtype)
        if device is not None and str(device) != data.device:
            data = data.to(device)
        return data
    arr = _to_array(data, dtype=dtype, copy=False, device=device)
    t = _wrap(arr, None, False)
    t._vc = _shared_vc(data, arr)
    return t


def _shared_vc(src, arr):
    """The version counter for a new tensor on ``arr``: ``src``'s when ``arr`` is its array."""
    if isinstance(src, Tensor) and arr is src._data:
        if src._vc is None:
            src._vc = [0]
        return src._vc
    return None


def from_numpy(a: np.ndarray) -> Tensor:
    """A tensor sharing ``a``'s memory (no copy; any supported dtype kept)."""
    if not isinstance(a, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(a).__name__}")
    if a.dtype not in _dt.SUPPORTED:
        raise TypeError(f"from_numpy: dtype {a.dtype} is not supported")
    if isinstance(a, np.memmap):  # the same memory (the file's) as a plain array
        a = a.view(np.ndarray)
    return _wrap(a, None, False)


def from_dlpack(ext) -> Tensor:
    """Zero-copy tensor from any object with ``__dlpack__`` (numpy, cupy, torch arrays)."""
    dev = ext.__dlpack_device__() if hasattr(ext, "__dlpack_device__") else (1, 0)
    if dev[0] == 2:  # kDLCUDA
        from .device import cuda_module

        arr = cuda_module("cuda").from_dlpack(ext)
    else:
        arr = np.from_dlpack(ext)
    if arr.dtype not in _dt.SUPPORTED:
        raise TypeError(f"from_dlpack: dtype {arr.dtype} is not supported")
    return _wrap(arr, None, False)


from . import engine as _engine  # noqa: E402
from . import inplace as _inplace  # noqa: E402
from . import ops as _ops  # noqa: E402
from .function import fast_path as _fast_path  # noqa: E402
from .ops.arithmetic import Add as _Add  # noqa: E402
from .ops.arithmetic import AddConst as _AddConst  # noqa: E402
from .ops.arithmetic import Div as _Div  # noqa: E402
from .ops.arithmetic import Mul as _Mul  # noqa: E402
from .ops.arithmetic import MulConst as _MulConst  # noqa: E402
from .ops.arithmetic import Neg as _Neg  # noqa: E402
from .ops.arithmetic import RSubConst as _RSubConst  # noqa: E402
from .ops.arithmetic import Sub as _Sub  # noqa: E402
from .ops.elementwise import Tanh as _Tanh  # noqa: E402

# the per-op path of the operators: a Python int/float operand is a constant (see fast_path)
_add_const = _fast_path(_AddConst)
_mul_const = _fast_path(_MulConst)
_rsub_const = _fast_path(_RSubConst)
_neg_fast = _fast_path(_Neg)
_tanh_fast = _fast_path(_Tanh)
