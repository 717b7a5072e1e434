"""``Tensor``: an array (numpy or cupy) plus the record of the op that made it.

A tensor holds its array in ``_data``, and, when it was made by a recorded op, that op's record
(``_node``, a ``Function`` instance). Leaves have no record; a leaf that requires grad receives
its gradient in ``.grad``. Operators are defined on the class and call the ops in ``autograd.ops``;
the other methods come from the mixins in ``autograd/methods/`` (``TensorMethods``).
"""

from __future__ import annotations

import numpy as np

from backends import array_module, device_of

from . import dtypes as _dt
from .methods import TensorMethods
from .methods import bind_tensor_names as _bind_tensor_names

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
    # a class defining __eq__ gets __hash__ = None unless it sets one itself
    __hash__ = object.__hash__

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
    def _version(self) -> int:
        return 0 if self._vc is None else self._vc[0]

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

    # -- new tensors like this one (new_zeros & co. are in methods/_tensor_shape.py) ----------

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        """A tensor of shape ``size`` filled with ``fill_value``, self's dtype and device."""
        from .factory import full

        return full(size, fill_value, dtype=dtype or self.dtype, device=device or self.device,
                    requires_grad=requires_grad)  # fmt: skip

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

    def __getitem__(self, index):
        return _ops.getitem(self, index)

    def __setitem__(self, index, value):
        _inplace.setitem(self, index, value)


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

# the core mixins (methods/_tensor_*.py) use names of this module: bound now they all exist
_bind_tensor_names(globals())
