"""A stand-in for CuPy made of NumPy, so the ``gpu``-marked tests also run on a machine without a
GPU (``tests/test_fake_gpu.py`` runs them with this folder first on ``PYTHONPATH``).

It keeps the CuPy rules whose breach crashes only on a real GPU:

* arrays are ``cupy.ndarray``, a type of their own: ``type(a) is numpy.ndarray`` is false and
  ``type(a).__module__`` is ``"cupy"``, so every ``xp`` and device branch takes its cuda side;
* no implicit conversion to the host: ``numpy.asarray(a)`` (``__array__``) raises CuPy's
  TypeError; ``a.get()`` and ``cupy.asnumpy(a)`` copy explicitly, ``cupy.asarray(numpy_array)``
  copies to the "device";
* ufuncs, operators and ``cupy`` / NumPy functions refuse NumPy arrays and lists mixed with
  cupy arrays (``TypeError: Unsupported type``), as CuPy does; Python and NumPy scalars pass;
* reductions and scalar indexing return 0-d arrays, never NumPy scalars (``float(a)``,
  ``int(a)``, ``a.item()`` work, as on CuPy, where they synchronise);
* ``a.device``, ``cupy.cuda.Device`` / ``Stream`` / ``Event`` / ``runtime`` queries,
  ``cupy.get_default_memory_pool()``, ``cupyx.scatter_add`` and ``cupyx.scipy.special.erf``.

What it cannot check: kernels, speed, and functions CuPy lacks (every NumPy function is here).
Indexing with NumPy arrays or lists and assigning NumPy values into a slice are accepted, as
CuPy accepts them (it copies them to the device).
"""

from __future__ import annotations

import sys
import types
import weakref

import numpy as _np

__version__ = "0.0.0-fake"

_CONVERTERS = {"asarray", "array", "asanyarray", "ascontiguousarray", "asfortranarray"}


_OWNERS: dict = {}  # id(NumPy array owning its memory) -> weakref to its cupy.ndarray


def _owner(a):
    """The one cupy.ndarray for the NumPy array ``a`` that owns its memory."""
    ref = _OWNERS.get(id(a))
    obj = ref() if ref is not None else None
    if obj is None or obj._a is not a:
        obj = ndarray._of(a)
    return obj


def _refuse(x):
    raise TypeError(f"Unsupported type {type(x)}")


def _unwrap(x, strict: bool):
    """The NumPy array inside ``x`` (recursively through lists / tuples / dicts). With
    ``strict``, a NumPy array or a list of numbers among the arguments raises, as in CuPy."""
    if type(x) is ndarray:
        return x._a
    if strict and type(x) is _np.ndarray:
        _refuse(x)
    if isinstance(x, (list, tuple)):
        items = [_unwrap(v, strict) for v in x]
        return type(x)(items) if type(x) in (list, tuple) else type(x)(*items)
    if isinstance(x, dict):
        return {k: _unwrap(v, strict) for k, v in x.items()}
    return x


def _wrap(r):
    """NumPy results back as cupy arrays (NumPy scalars as 0-d arrays, as CuPy returns)."""
    if type(r) is _np.ndarray:
        return ndarray._of(r)
    if isinstance(r, _np.generic) and not isinstance(r, (_np.str_, _np.bytes_)):
        return ndarray._of(_np.asarray(r))
    if type(r) in (list, tuple):
        return type(r)(_wrap(v) for v in r)
    if isinstance(r, tuple) and hasattr(r, "_fields"):  # named tuples (np.linalg results)
        return type(r)(*(_wrap(v) for v in r))
    return r


class Device:
    """``cupy.cuda.Device``: device 0 only."""

    def __init__(self, device=None):
        self.id = 0 if device is None else int(getattr(device, "id", device))
        if self.id != 0:
            raise RuntimeError(f"fake cupy: no device {self.id} (only device 0)")

    def use(self):
        return None

    def synchronize(self):
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<CUDA Device {self.id}>"

    @property
    def compute_capability(self):
        return "90"


class ndarray:  # noqa: N801 (CuPy's name)
    """A NumPy array posing as a cupy array (see the module's docstring)."""

    __slots__ = ("_a", "_basew", "__weakref__")
    __array_priority__ = 100

    @classmethod
    def _of(cls, a):
        obj = object.__new__(cls)
        obj._a = a
        # as in CuPy, a view holds its base array (one object per owner of the memory)
        obj._basew = None if a.base is None or type(a.base) is not _np.ndarray else _owner(a.base)
        if a.base is None:
            key = id(a)
            _OWNERS[key] = weakref.ref(
                obj, lambda r: _OWNERS.pop(key, None) if _OWNERS.get(key) is r else None
            )
        return obj

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._a = _np.ndarray(shape, dtype=dtype, strides=strides, order=order)

    # -- the host boundary
    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
            "construct a NumPy array explicitly."
        )

    def get(self, stream=None, order="C", out=None, blocking=True):
        if out is not None:
            out[...] = self._a
            return out
        return _np.array(self._a, order=order)

    def set(self, arr, stream=None):
        if type(arr) is not _np.ndarray:
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray, got {type(arr)}")
        self._a[...] = arr

    @property
    def device(self):
        return Device(0)

    # -- NumPy's protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        for x in inputs:
            if type(x) is _np.ndarray or isinstance(x, (list, tuple)):
                _refuse(x)
        args = [x._a if type(x) is ndarray else x for x in inputs]
        out = kwargs.get("out")
        if out is not None:
            kwargs["out"] = tuple(_unwrap(o, True) for o in out)
        if "where" in kwargs:
            kwargs["where"] = _unwrap(kwargs["where"], True)
        r = getattr(ufunc, method)(*args, **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _wrap(r)

    def __array_function__(self, func, types_, args, kwargs):
        return _wrap(func(*_unwrap(args, True), **_unwrap(kwargs, True)))

    # -- attributes and methods: NumPy's, results wrapped
    def __getattr__(self, name):
        if name.startswith("__"):  # __array_interface__ and the like: NumPy would read the host
            raise AttributeError(name)
        attr = getattr(self._a, name)
        if callable(attr):

            def method(*args, **kwargs):
                return _wrap(attr(*_unwrap(args, True), **_unwrap(kwargs, True)))

            return method
        return _wrap(attr)

    @property
    def shape(self):
        return self._a.shape

    @shape.setter
    def shape(self, value):
        self._a.shape = value

    @property
    def dtype(self):
        return self._a.dtype

    @property
    def ndim(self):
        return self._a.ndim

    @property
    def size(self):
        return self._a.size

    @property
    def strides(self):
        return self._a.strides

    @property
    def itemsize(self):
        return self._a.itemsize

    @property
    def nbytes(self):
        return self._a.nbytes

    @property
    def flags(self):
        return self._a.flags

    @property
    def T(self):  # noqa: N802
        return ndarray._of(self._a.T)

    @property
    def base(self):
        return self._basew

    @property
    def real(self):
        return ndarray._of(self._a.real)

    @property
    def imag(self):
        return ndarray._of(self._a.imag)

    @property
    def data(self):
        return types.SimpleNamespace(ptr=self._a.__array_interface__["data"][0])

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        for i in range(len(self._a)):
            yield self[i]

    def __getitem__(self, key):
        key = _unwrap(key, False)
        r = self._a[key]
        if isinstance(r, _np.generic):  # CuPy gives a 0-d view, NumPy a scalar copy
            items = key if isinstance(key, tuple) else (key,)
            r = self._a[tuple(i for i in items if i is not Ellipsis) + (Ellipsis,)]
        return _wrap(r)

    def __setitem__(self, key, value):
        if isinstance(value, (list, tuple)):
            _refuse(value)
        self._a[_unwrap(key, False)] = _unwrap(value, False)

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __index__(self):
        if self._a.ndim != 0 or self._a.dtype.kind not in "iub":
            raise TypeError("only integer scalar arrays can be converted to a scalar index")
        return int(self._a)

    def __complex__(self):
        return complex(self._a)

    def __repr__(self):
        return repr(self._a)

    def __str__(self):
        return str(self._a)

    def __copy__(self):
        return ndarray._of(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray._of(self._a.copy())

    def __reduce__(self):
        return (ndarray._of, (self._a,))

    def __dlpack_device__(self):
        return (2, 0)  # kDLCUDA, device 0

    def __dlpack__(self, *args, **kwargs):
        raise TypeError("fake cupy: DLPack exchange needs a real GPU")

    def __hash__(self):
        raise TypeError("unhashable type: 'cupy.ndarray'")


def _binop(ufunc, reflected=False):
    def op(self, other):
        if type(other) is _np.ndarray or isinstance(other, (list, tuple)):
            _refuse(other)
        if not isinstance(other, (ndarray, _np.generic, int, float, bool, complex)):
            return NotImplemented
        return ufunc(other, self) if reflected else ufunc(self, other)

    return op


def _inplace(ufunc):
    def op(self, other):
        ufunc(self, other, out=(self,))
        return self

    return op


for _name, _uf in {
    "add": _np.add, "sub": _np.subtract, "mul": _np.multiply, "truediv": _np.true_divide,
    "floordiv": _np.floor_divide, "mod": _np.remainder, "pow": _np.power,
    "matmul": _np.matmul, "and": _np.bitwise_and, "or": _np.bitwise_or, "xor": _np.bitwise_xor,
    "lshift": _np.left_shift, "rshift": _np.right_shift,
}.items():  # fmt: skip
    setattr(ndarray, f"__{_name}__", _binop(_uf))
    setattr(ndarray, f"__r{_name}__", _binop(_uf, reflected=True))
    setattr(ndarray, f"__i{_name}__", _inplace(_uf))
_CMP = {"lt": _np.less, "le": _np.less_equal, "gt": _np.greater, "ge": _np.greater_equal,
        "eq": _np.equal, "ne": _np.not_equal}  # fmt: skip
for _name, _uf in _CMP.items():
    setattr(ndarray, f"__{_name}__", _binop(_uf))
ndarray.__neg__ = lambda self: _np.negative(self)
ndarray.__pos__ = lambda self: _np.positive(self)
ndarray.__abs__ = lambda self: _np.absolute(self)
ndarray.__invert__ = lambda self: _np.invert(self)
ndarray.__divmod__ = lambda self, other: _np.divmod(self, other)


# -- the module's functions -----------------------------------------------------------------------


def asarray(a, dtype=None, order=None, *, blocking=False):
    """Copy host data to the "device" (a cupy array passes through, cast if asked)."""
    if type(a) is ndarray:
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    return ndarray._of(_np.array(_unwrap(a, False), dtype=dtype, order=order or "K"))


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *, blocking=False):
    return ndarray._of(_np.array(_unwrap(obj, False), dtype=dtype, copy=True, order=order,
                                 ndmin=ndmin))  # fmt: skip


def ascontiguousarray(a, dtype=None):
    if type(a) is not ndarray:
        _refuse(a)
    return ndarray._of(_np.ascontiguousarray(a._a, dtype=dtype))


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if type(a) is ndarray:
        return a.get(order=order, out=out)
    return _np.asarray(a, order=order)


def from_dlpack(obj):
    raise TypeError("fake cupy: DLPack exchange needs a real GPU")


def get_array_module(*args):
    return _this if any(type(a) is ndarray for a in args) else _np


def _wrap_function(fn, name):
    def wrapped(*args, **kwargs):
        return _wrap(fn(*_unwrap(args, True), **_unwrap(kwargs, True)))

    wrapped.__name__ = name
    wrapped.__doc__ = fn.__doc__
    return wrapped


class _Namespace(types.ModuleType):
    """A NumPy submodule (linalg, fft, lib.stride_tricks) with its functions wrapped."""

    def __init__(self, name, target):
        super().__init__(name)
        self._target = target

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if isinstance(attr, types.ModuleType):
            return _Namespace(f"{self.__name__}.{name}", attr)
        if callable(attr) and not isinstance(attr, type):
            return _wrap_function(attr, name)
        return attr


def _as_strided(x, shape=None, strides=None, **kwargs):
    return ndarray._of(_np.lib.stride_tricks.as_strided(x._a, shape, strides, **kwargs))


linalg = _Namespace("cupy.linalg", _np.linalg)
fft = _Namespace("cupy.fft", _np.fft)
lib = types.SimpleNamespace(
    stride_tricks=types.SimpleNamespace(
        as_strided=_as_strided,
        sliding_window_view=_wrap_function(
            _np.lib.stride_tricks.sliding_window_view, "sliding_window_view"
        ),
    )
)


class _Random(types.ModuleType):
    """``cupy.random``: NumPy's generators, their draws on the "device"."""

    def __getattr__(self, name):
        attr = getattr(_np.random, name)
        if name == "default_rng":
            return lambda *a, **k: _RandomGen(_np.random.default_rng(*a, **k))
        if callable(attr) and not isinstance(attr, type):
            return _wrap_function(attr, name)
        return attr


class _RandomGen:
    def __init__(self, gen):
        self._g = gen

    def __getattr__(self, name):
        return _wrap_function(getattr(self._g, name), name)


random = _Random("cupy.random")


# -- cupy.cuda ------------------------------------------------------------------------------------


class Stream:
    """``cupy.cuda.Stream``: a context manager that makes itself current."""

    null = None
    _current: list = []

    def __init__(self, null=False, non_blocking=False, ptr=None):
        self.ptr = 0 if null else id(self)

    def synchronize(self):
        return None

    def use(self):
        Stream._current[:] = [self]
        return self

    def __enter__(self):
        Stream._current.append(self)
        return self

    def __exit__(self, *exc):
        Stream._current.pop()
        return False


Stream.null = Stream(null=True)


def get_current_stream(device_id=None):
    return Stream._current[-1] if Stream._current else Stream.null


class Event:
    """``cupy.cuda.Event``: records the host clock (the fake runs synchronously)."""

    def __init__(self, block=False, disable_timing=False, interprocess=False):
        self.t = None

    def record(self, stream=None):
        import time

        self.t = time.perf_counter()

    def synchronize(self):
        return None

    @property
    def done(self):
        return True


def get_elapsed_time(start, end):
    return (end.t - start.t) * 1e3


class _Runtime:
    """``cupy.cuda.runtime``: one device, CUDA 12 driver and runtime."""

    CUDARuntimeError = RuntimeError

    @staticmethod
    def getDeviceCount():  # noqa: N802 (CuPy's name)
        return 1

    @staticmethod
    def driverGetVersion():  # noqa: N802
        return 12040

    @staticmethod
    def runtimeGetVersion():  # noqa: N802
        return 12040

    @staticmethod
    def getDeviceProperties(device):  # noqa: N802
        return {"name": b"Fake GPU (NumPy)", "multiProcessorCount": 4, "totalGlobalMem": 2**34,
                "major": 9, "minor": 0}  # fmt: skip

    @staticmethod
    def getDevice():  # noqa: N802
        return 0

    @staticmethod
    def deviceSynchronize():  # noqa: N802
        return None

    @staticmethod
    def memGetInfo():  # noqa: N802
        return (2**33, 2**34)


class _MemoryPool:
    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_all_blocks(self):
        return None

    def set_limit(self, size=0, fraction=None):
        return None

    def get_limit(self):
        return 0


_pool = _MemoryPool()


def get_default_memory_pool():
    return _pool


def get_default_pinned_memory_pool():
    return _pool


cuda = types.SimpleNamespace(
    Device=Device,
    Stream=Stream,
    Event=Event,
    runtime=_Runtime,
    get_current_stream=get_current_stream,
    get_elapsed_time=get_elapsed_time,
    is_available=lambda: True,
    MemoryPool=_MemoryPool,
    get_device_id=lambda: 0,
)


def __getattr__(name):
    """Everything else is NumPy's, with arrays wrapped: creation functions, ufuncs (which
    dispatch to ``ndarray.__array_ufunc__``), dtypes and constants."""
    attr = getattr(_np, name)
    if isinstance(attr, _np.ufunc):
        return _Ufunc(attr)
    if isinstance(attr, type) or not callable(attr):
        return attr
    if name in _CONVERTERS:
        return asarray
    return _wrap_function(attr, name)


class _Ufunc:
    """A NumPy ufunc that refuses NumPy arrays and lists, as CuPy's do."""

    def __init__(self, uf):
        self._uf = uf
        self.__name__ = uf.__name__

    def __call__(self, *args, **kwargs):
        for x in args:
            if type(x) is _np.ndarray or isinstance(x, (list, tuple)):
                _refuse(x)
        return _wrap(self._uf(*args, **kwargs))

    def __getattr__(self, name):
        attr = getattr(self._uf, name)
        if callable(attr):
            return _wrap_function(attr, name)
        return attr


_this = sys.modules[__name__]
