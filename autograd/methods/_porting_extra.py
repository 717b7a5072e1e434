"""Tensor methods that ported PyTorch code calls: aliases of existing functions (``absolute``,
``greater``, ``multiply_`` ...), methods of the ops in ``ops/_porting_*.py``, in-place forms
(``eq_``, ``logical_and_``, ``cumsum_``, ``addmm_``, ``renorm_`` ...), the in-place metadata
changes (``t_``, ``transpose_``, ``squeeze_``, ``unsqueeze_``), casts (``byte``, ``cfloat`` ...),
queries (``is_cpu``, ``get_device``, ``storage_offset`` ...), ``retains_grad`` and
``register_post_accumulate_grad_hook``.
"""

from __future__ import annotations

import numpy as np

from .inplace import _inplace


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


def _alias(name: str, doc: str):
    """The method ``self.<alias>(...)``: ``autograd.<name>(self, ...)``."""

    def method(self, *args, **kwargs):
        return getattr(_ops(), name)(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"See ``autograd.{name}``: {doc}"
    return method


def _zero_grad_inplace(name: str):
    """The method ``name_`` of a comparison or logical op (``eq_``, ``logical_and_`` ...): self
    overwritten with ``autograd.name(self, ...)`` cast to self's dtype; returns self. On a float
    non-leaf that requires grad, self stays on the graph with a zero gradient (as torch's
    ``EqBackward0``), through ``where(True, result, self)``."""

    def method(self, *args, **kwargs):
        from ..inplace import apply_op
        from ..tensor import Tensor

        ops = _ops()
        fn = getattr(ops, name)

        def compute(x, *a, **k):
            r = fn(x, *a, **k)
            if isinstance(x, Tensor) and x.requires_grad:  # recorded: keep x, zero gradient
                from ..ops._porting_math import _xp

                keep = _xp(x).ones(tuple(x.shape), dtype=bool)
                r = ops.where(keep, ops.cast(r, x.dtype), x)
            return r

        return apply_op(self, name + "_", compute, *args, **kwargs)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = (
        f"In place: self overwritten with ``autograd.{name}(self, ...)`` cast to self's dtype "
        "(same arguments); returns self. A non-leaf that requires grad keeps requires_grad "
        "with a zero gradient, as torch."
    )
    return method


def _binary_inplace(op: str):
    """``self.op(other)`` in place through ``autograd.inplace.apply`` (``floor_divide_``...)."""

    def method(self, other):
        from ..inplace import apply

        return apply(self, op, other)

    method.__name__ = method.__qualname__ = op
    method.__doc__ = f"In place: self overwritten with ``autograd.{op[:-1]}(self, other)``."
    return method


def _meta_inplace(t, op: str, make):
    """t's shape and strides changed in place: t takes the array of ``make(t)`` (a view of t's
    memory) and, when it is recorded, its record; the version counter is bumped (a record that
    saved t then refuses to backward, as PyTorch). Refused while recording on a leaf that
    requires grad or on a view of one, as PyTorch."""
    from ..grad_mode import is_grad_enabled
    from ..inplace import _bump, _move

    if is_grad_enabled() and t._rg:
        base = getattr(t, "_base", None)
        if t._node is None:
            raise RuntimeError(
                f"{op}: a leaf Tensor that requires grad (shape {tuple(t.shape)}) is being used "
                "in an in-place operation; wrap it in `with autograd.no_grad():` or use the "
                "out-of-place form"
            )
        if base is not None and base._rg and base._node is None:
            raise RuntimeError(
                f"{op}: a view of a leaf Tensor that requires grad (the view has shape "
                f"{tuple(t.shape)}, the leaf {tuple(base.shape)}) is being used in an in-place "
                "operation; use the out-of-place form"
            )
    out = make(t)
    if out is t:
        _bump(t)
        return t
    t._data = out._data
    _bump(t)
    if out._node is not None:
        _move(t, out._node, True)
    return t


def _ptr(a) -> int:
    if type(a) is np.ndarray:
        return a.__array_interface__["data"][0]
    return int(a.data.ptr)


def _lowest(a) -> int:
    """The lowest address of array ``a``'s elements (negative strides reach below its pointer)."""
    if a.size == 0:
        return _ptr(a)
    return _ptr(a) + sum(min(0, s * (n - 1)) for n, s in zip(a.shape, a.strides))


class PortingMethods:
    """Mixin of Tensor: the methods listed in the module docstring."""

    __slots__ = ()

    # -- aliases of existing functions ---------------------------------------------------------
    absolute = _alias("abs", "|x| elementwise; abs'(0) = 0.")
    negative = _alias("neg", "-x.")
    multiply = _alias("mul", "x * y with broadcasting.")
    divide = true_divide = _alias("div", "x / y (true division) with broadcasting.")
    greater = _alias("gt", "x > y elementwise (a bool tensor).")
    greater_equal = _alias("ge", "x >= y elementwise (a bool tensor).")
    less = _alias("lt", "x < y elementwise (a bool tensor).")
    less_equal = _alias("le", "x <= y elementwise (a bool tensor).")
    not_equal = _alias("ne", "x != y elementwise (a bool tensor).")
    logical_and = _alias("logical_and", "elementwise logical and (a bool tensor).")
    logical_or = _alias("logical_or", "elementwise logical or (a bool tensor).")
    logical_xor = _alias("logical_xor", "elementwise logical xor (a bool tensor).")
    remainder = _alias("remainder", "x mod y with the sign of y.")
    floor_divide = _alias("floor_divide", "floor(x / y); zero gradient.")

    def subtract(self, other, *, alpha=1):
        """self - alpha * other (``sub``)."""
        return self.sub(other, alpha)

    def subtract_(self, other, *, alpha=1):
        """self -= alpha * other, in place (``sub_``)."""
        return self.sub_(other, alpha)

    def multiply_(self, other):
        """self *= other, in place (``mul_``)."""
        return self.mul_(other)

    def divide_(self, other, *, rounding_mode=None):
        """self /= other, in place (``div_``)."""
        return self.div_(other, rounding_mode=rounding_mode)

    true_divide_ = divide_

    def where(self, condition, y):
        """``autograd.where(condition, self, y)``: self where condition, else y."""
        return _ops().where(condition, self, y)

    # -- in-place forms ------------------------------------------------------------------------
    eq_ = _zero_grad_inplace("eq")
    ne_ = not_equal_ = _zero_grad_inplace("ne")
    lt_ = less_ = _zero_grad_inplace("lt")
    le_ = less_equal_ = _zero_grad_inplace("le")
    gt_ = greater_ = _zero_grad_inplace("gt")
    ge_ = greater_equal_ = _zero_grad_inplace("ge")
    logical_and_ = _zero_grad_inplace("logical_and")
    logical_or_ = _zero_grad_inplace("logical_or")
    logical_xor_ = _zero_grad_inplace("logical_xor")
    logical_not_ = _zero_grad_inplace("logical_not")
    remainder_ = _binary_inplace("remainder_")
    floor_divide_ = _binary_inplace("floor_divide_")
    cumsum_ = _inplace("cumsum")
    cumprod_ = _inplace("cumprod")
    addmm_ = _inplace("addmm")
    addmv_ = _inplace("addmv")
    addbmm_ = _inplace("addbmm")
    baddbmm_ = _inplace("baddbmm")
    addr_ = _inplace("addr")
    renorm_ = _inplace("renorm")
    ldexp_ = _inplace("ldexp")
    gcd_ = _inplace("gcd")
    lcm_ = _inplace("lcm")
    nextafter_ = _inplace("nextafter")

    def float_power_(self, exponent):
        """self = float_power(self, exponent) in place; self must be float64 (complex128 for a
        complex result), the dtype float_power computes in, as PyTorch."""
        want = np.complex128 if self.dtype.kind == "c" or isinstance(exponent, complex) or (
            getattr(exponent, "dtype", None) is not None and exponent.dtype.kind == "c"
        ) else np.float64  # fmt: skip
        if self.dtype != want:
            raise TypeError(
                f"float_power_: the base has dtype {self.dtype} but the operation's result "
                f"requires dtype {np.dtype(want)}"
            )
        from ..inplace import apply_op

        return apply_op(self, "float_power_", _ops().float_power, exponent)

    def fill_diagonal_(self, fill_value, wrap=False):
        """Fill the main diagonal with ``fill_value`` in place; returns self. self: 2-D, or
        n-D with all dims equal; ``wrap``: a tall matrix restarts the diagonal every ncols + 1
        rows (NumPy's fill_diagonal)."""
        from ..inplace import apply_op
        from ..ops._porting_shape import fill_diagonal

        return apply_op(self, "fill_diagonal_", fill_diagonal, fill_value, wrap)

    # -- in-place metadata changes ---------------------------------------------------------------

    def t_(self):
        """``t()`` in place: a 2-D tensor's dims swapped (0-D and 1-D unchanged); returns self."""
        return _meta_inplace(self, "t_", lambda x: _ops().t(x))

    def transpose_(self, dim0, dim1):
        """``transpose(dim0, dim1)`` in place: self's dims swapped; returns self."""
        return _meta_inplace(self, "transpose_", lambda x: _ops().transpose(x, dim0, dim1))

    swapaxes_ = swapdims_ = transpose_

    def squeeze_(self, dim=None):
        """``squeeze(dim)`` in place: size-1 dims (all, or those of ``dim``) removed."""
        return _meta_inplace(self, "squeeze_", lambda x: _ops().squeeze(x, dim))

    def unsqueeze_(self, dim):
        """``unsqueeze(dim)`` in place: a size-1 dim inserted at ``dim``; returns self."""
        return _meta_inplace(self, "unsqueeze_", lambda x: _ops().unsqueeze(x, dim))

    # -- methods of the new ops ----------------------------------------------------------------
    fmax = _alias("fmax", "elementwise max ignoring NaN.")
    fmin = _alias("fmin", "elementwise min ignoring NaN.")
    heaviside = _alias("heaviside", "the Heaviside step with ``values`` at 0.")
    histc = _alias("histc", "counts in equal-width bins over [min, max].")
    histogram = _alias("histogram", "(hist, bin_edges) of the elements.")
    nanmean = _alias("nanmean", "the mean of the non-NaN elements over ``dim``.")
    nansum = _alias("nansum", "the sum over ``dim`` treating NaN as 0.")
    select = _alias("select", "self[..., index, ...] along ``dim``; a view.")
    dist = _alias("dist", "the p-norm of self - other.")
    renorm = _alias("renorm", "slices along ``dim`` with p-norm above maxnorm scaled to it.")
    addr = _alias("addr", "beta * self + alpha * outer(vec1, vec2).")
    diagonal_scatter = _alias("diagonal_scatter", "a copy with src on a diagonal.")
    select_scatter = _alias("select_scatter", "a copy with src at index along dim.")
    slice_scatter = _alias("slice_scatter", "a copy with src at start:end:step along dim.")
    frexp = _alias("frexp", "(mantissa, exponent) with self = mantissa * 2 ** exponent.")
    ldexp = _alias("ldexp", "self * 2 ** other.")
    gcd = _alias("gcd", "greatest common divisor (integers).")
    lcm = _alias("lcm", "least common multiple (integers).")
    nextafter = _alias("nextafter", "the next float after self towards other.")
    isposinf = _alias("isposinf", "whether each element is +inf.")
    isneginf = _alias("isneginf", "whether each element is -inf.")
    isreal = _alias("isreal", "whether each element's imaginary part is 0.")
    narrow_copy = _alias("narrow_copy", "a copy of narrow(self, dim, start, length).")
    split_with_sizes = _alias("split_with_sizes", "pieces of the given sizes along dim.")

    def cholesky_solve(self, input2, upper=False):
        """See ``autograd.cholesky_solve``: X with (L L^H) X = self, L = ``input2``."""
        return _ops().cholesky_solve(self, input2, upper)

    def cholesky_inverse(self, upper=False):
        """See ``autograd.cholesky_inverse``: (L L^H)^-1 for L = self."""
        return _ops().cholesky_inverse(self, upper)

    def sum_to_size(self, *size):
        """self summed down to ``size`` (which must broadcast to self's shape); differentiable.
        ``sum_to_size(2, 1)`` or ``sum_to_size((2, 1))``."""
        if not size:
            raise TypeError("sum_to_size: missing the required argument size")
        from ..ops._porting_shape import sum_to_size

        return sum_to_size(self, *size)

    def prelu(self, weight):
        """See ``nn.functional.prelu``: max(0, x) + weight * min(0, x)."""
        import nn.functional as F  # noqa: N812 - the usual spelling

        return F.prelu(self, weight)

    def hardshrink(self, lambd=0.5):
        """See ``nn.functional.hardshrink``: x where |x| > lambd, else 0."""
        import nn.functional as F  # noqa: N812 - the usual spelling

        return F.hardshrink(self, lambd)

    # -- casts ---------------------------------------------------------------------------------

    def byte(self):
        """Cast to uint8 (no gradient)."""
        return self.astype(np.uint8)

    def char(self):
        """Cast to int8 (no gradient)."""
        return self.astype(np.int8)

    def short(self):
        """Cast to int16 (no gradient)."""
        return self.astype(np.int16)

    def cfloat(self):
        """Cast to complex64 (differentiable from a float dtype)."""
        return self.astype(np.complex64)

    def cdouble(self):
        """Cast to complex128 (differentiable from a float dtype)."""
        return self.astype(np.complex128)

    # -- queries -------------------------------------------------------------------------------

    @property
    def is_cpu(self) -> bool:
        """True when the data lives in host memory."""
        return type(self._data) is np.ndarray

    def get_device(self) -> int:
        """The GPU index of a cuda tensor; -1 for a CPU tensor."""
        dev = self.device
        return -1 if dev == "cpu" else int(dev.partition(":")[2] or 0)

    def is_signed(self) -> bool:
        """Whether the dtype is signed (False for uint8 and bool)."""
        return self._data.dtype.kind in "ifc"

    def is_nonzero(self) -> bool:
        """See ``autograd.is_nonzero``: a one-element tensor's value != 0."""
        from .. import _porting_api

        return _porting_api.is_nonzero(self)

    def is_same_size(self, other) -> bool:
        """Whether ``other`` (a Tensor) has self's shape."""
        from .. import _porting_api

        return _porting_api.is_same_size(self, other)

    def storage_offset(self) -> int:
        """Elements between the start of the memory self shares with its base (the tensor it
        is a view of; itself when none) and self's first element."""
        base = getattr(self, "_base", None)
        root = self._data if base is None else base._data
        return (_ptr(self._data) - _lowest(root)) // self._data.itemsize

    # -- autograd ------------------------------------------------------------------------------

    @property
    def retains_grad(self) -> bool:
        """True for a non-leaf tensor after ``retain_grad()`` (its ``.grad`` is kept); False
        for leaves, as PyTorch."""
        node = self._node
        extra = None if node is None else node._extra
        ref = None if not extra else extra.get("retain")
        return ref is not None and ref() is self

    def register_post_accumulate_grad_hook(self, hook):
        """Call ``hook(self)`` after backward has accumulated this leaf's gradient into
        ``.grad`` (the hook returns None; an optimiser step there is the usual use).

        Leaves that require grad only (RuntimeError otherwise, as PyTorch). ``autograd.grad``
        accumulates nothing and runs none. Returns a handle with ``remove()``.
        """
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._node is not None:
            raise RuntimeError(
                "post accumulate grad hooks cannot be registered on non-leaf tensors (this one "
                f"of shape {tuple(self.shape)} was made by {self._node!r})"
            )
        from .._post_hooks import add_post_accumulate_hook

        return add_post_accumulate_hook(self, hook)
