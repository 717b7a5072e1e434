"""``Function``: the one mechanism every differentiable op (the project's and users') is built on.

An op subclasses ``Function`` and writes two methods next to each other:

* ``forward(self, *args)`` receives raw arrays (numpy or cupy) in place of tensors, and any
  non-tensor argument (a Python scalar, an axis, a shape) unchanged. It returns one array.
* ``backward(self, gy)`` receives the upstream gradient ``gy`` (same shape as the output) and
  returns one gradient per forward argument (a tuple, or a single value for a one-argument op),
  ``None`` where an argument needs none. It reads what forward saved from ``self.saved``.

What backward needs is declared, not copied: ``save_inputs`` lists the indices of the forward
arguments to keep, and ``save_output = True`` keeps the output; ``self.saved`` holds them in that
order (inputs, then the output). An op that makes an array in forward that backward reuses (a
softmax kept for cross-entropy's gradient) sets ``save_private = True`` and assigns the tuple
``self._private`` in forward: those arrays follow in ``self.saved`` and are freed with the rest
after backward. Small non-tensor facts (an axis, a shape, a boolean mask) may be
kept as attributes in forward; declare them in ``__slots__`` or let the subclass have a dict.

The rule is written once for first and higher order. When ``create_graph`` is false the engine
calls ``backward`` with raw arrays and recording off, so the rule costs what its array calls cost.
When ``create_graph`` is true, ``gy`` and ``self.saved`` are tensors connected to the graph and the
same arithmetic records a graph of the gradient. So rules use operators, array methods shared by
arrays and tensors (``sum``, ``reshape``, ``transpose``, ``astype``), ``self.reduce_grad``
(broadcasting's un-reduction), and the op functions of ``autograd`` (which accept both arrays
and tensors).

``self.needs_grad(i)`` says whether argument ``i`` wants a gradient; skip the work if not.

Example, a user-defined op::

    class Cube(ag.Function):
        save_inputs = (0,)

        def forward(self, x):
            return x ** 3

        def backward(self, gy):
            (x,) = self.saved
            return gy * 3 * x * x

    y = Cube.apply(t)         # t: Tensor; y: Tensor, recorded on the tape

PyTorch's protocol works on the same base class: a subclass whose ``forward`` is a
``staticmethod`` (``forward(ctx, x, ...)``, or ``forward(x, ...)`` with ``setup_context``) and
``backward(ctx, *grads)`` work on Tensors and a ``ctx`` (``FunctionCtx``: ``save_for_backward``,
``saved_tensors``, ``needs_input_grad``, ...), as in ``torch.autograd.Function``. The protocol is
chosen when the class is made, and such a class gets its own ``apply``; see
``autograd/function_ctx.py``::

    class MyExp(ag.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, gy):
            (y,) = ctx.saved_tensors
            return gy * y

    y = MyExp.apply(t)
"""

from __future__ import annotations

import itertools
import traceback

import numpy as np

from backends import array_types

from .dtypes import COMPLEX as _COMPLEX
from .grad_mode import _altered, _state

__all__ = ["Function", "sum_to", "apply_fast", "fast_path", "record_output"]
# also FunctionCtx and once_differentiable (PyTorch's protocol), loaded on use: see __getattr__

_next_seq = itertools.count().__next__
_new = object.__new__
_ndarray = np.ndarray
_generic = np.generic


class _Released:
    """Marker left in a record whose saved values were freed by a backward pass."""

    __slots__ = ()

    def __repr__(self):
        return "<released>"


RELEASED = _Released()

# saved-tensor hooks (autograd.graph): how many hook contexts are open in any thread, so the
# per-op path tests one module global; the hooks themselves are per thread (_state.saved_hooks)
_hooked = 0


class _Packed:
    """A saved value replaced by what a pack hook returned (``autograd.graph``).

    tensor: whether a Tensor input was saved (else an array: the output, a private array or a
    raw operand). For a tensor the graph identity is kept apart from the data: ``edge``, the
    record that made it, or ``leaf``, the leaf itself when it requires grad (a parameter lives
    on anyway), so a higher-order backward still reaches the graph behind it.
    """

    __slots__ = ("value", "unpack", "tensor", "edge", "leaf", "shape")

    def restore(self, create_graph: bool, vc):
        """What the record's backward reads: an array, or (create_graph) a graph Tensor."""
        v = self.unpack(self.value)
        raw = v._data if isinstance(v, Tensor) else v
        if raw.shape != self.shape:
            raise RuntimeError(
                f"saved tensor hooks: unpack returned shape {tuple(raw.shape)}, the saved value "
                f"had shape {tuple(self.shape)}"
            )
        if not (self.tensor and create_graph):
            return raw
        if self.leaf is not None:
            return self.leaf
        t = _wrap(raw, self.edge, self.edge is not None)
        t._vc = vc
        return t


def _pack(saved):
    """``saved`` entries (value, version counter, version) with each value packed by this
    thread's innermost pack hook (unchanged when this thread has none)."""
    hooks = _state.saved_hooks
    if not hooks:
        return saved
    pack, unpack = hooks[-1]
    out = []
    for obj, vc, ver in saved:
        if not isinstance(obj, (Tensor, _generic) + array_types()):
            out.append((obj, vc, ver))  # a Python scalar or other constant: kept as is
            continue
        p = _new(_Packed)
        p.unpack = unpack
        p.tensor = isinstance(obj, Tensor)
        if p.tensor:
            p.edge = obj._node
            p.leaf = obj if obj._node is None and obj._rg else None
            p.shape = obj._data.shape
        else:
            p.edge = p.leaf = None
            p.shape = obj.shape
        p.value = pack(obj)
        out.append((p, vc, ver))
    return tuple(out)


class Function:
    """Base class of a differentiable op; an instance is the op's record on the tape.

    Subclass it, set ``save_inputs`` / ``save_output``, and write ``forward`` and ``backward``
    (see the module docstring). Call ``YourOp.apply(*args)``: tensors among ``args`` are inputs,
    everything else is passed to ``forward`` unchanged. Returns a Tensor when any argument is a
    Tensor, else the raw array (so backward rules run raw when not building a graph).

    A subclass with a static ``forward`` follows PyTorch's protocol instead (``forward(ctx,
    ...)``, ``backward(ctx, *grads)`` on Tensors; ``autograd/function_ctx.py``).
    """

    __slots__ = (
        "parents", "seq", "_saved", "saved", "oshape", "odtype", "_extra", "_private",
        "__weakref__",
    )  # fmt: skip

    save_inputs: tuple = ()
    save_output: bool = False
    save_private: bool = False  # forward sets self._private, a tuple of arrays backward needs
    _generic_only: bool = False
    _saves: bool = False  # save_inputs, save_output or save_private (set per subclass)
    _leaf_edge = False  # see Tensor._leaf_edge
    # False for ops whose output never carries a gradient (comparisons, argmax, floor, ...)
    differentiable: bool = True
    # True for ops whose derivative is piecewise constant in a saved tensor that PyTorch's
    # backward reads (relu, abs, leaky_relu, hardtanh, threshold, the shrinks): under
    # create_graph their gradient is always linked to it with a zero derivative, as torch's
    # threshold_backward is, so a bias reached only through the mask gets zeros (engine._attach)
    mask_grad: bool = False
    # False for ops whose backward is written wholly in differentiable ops (mul, div, pow,
    # matmul, exp, ...): a gradient of theirs that does not require grad (a constant times a
    # constant) is left unlinked, as in torch. True (the default): under create_graph such a
    # gradient is linked to the op's first saved tensor that requires grad with a zero
    # derivative (engine._attach), as torch's *_backward ops are (pooling, fmod, sort, ...)
    link_saved: bool = True
    # True for ops whose backward is right for complex inputs and outputs (PyTorch's convention:
    # the gradient of a real loss L is dL/d(re) + i dL/d(im), so a holomorphic f gets
    # gy * conj(f'(z)), and a real input gets the real part of its gradient). Recording any
    # other op on a complex tensor raises (``_complex_unsupported``) rather than give a gradient
    # that silently misses a conjugate; without recording every op runs on complex arrays.
    # Classes in PyTorch's protocol (static forward with ctx) are not guarded: their backward is
    # taken as written for torch, whose convention this is.
    complex_ok: bool = False
    # False for ops whose backward is not differentiable again on purpose (ctc_loss, a
    # reentrant checkpoint, module backward hooks running user code): jacrev does not switch to
    # its forward (double backward) strategy through them
    twice_differentiable: bool = True

    def forward(self, *args):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement forward")

    def backward(self, gy):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    @staticmethod
    def setup_context(ctx, inputs, output):  # pragma: no cover - PyTorch protocol, optional
        """PyTorch protocol: fill ``ctx`` from forward's ``inputs`` and ``output`` when
        ``forward`` takes no ctx. Override it (as a staticmethod) to use that style."""
        raise NotImplementedError("setup_context is not implemented.")

    def needs_grad(self, i: int) -> bool:
        """Whether forward argument ``i`` is a tensor that wants a gradient."""
        return self.parents[i] is not None

    def input_meta(self, i: int):
        """``(shape, dtype)`` of tensor argument ``i`` (one that needs a gradient)."""
        p = self.parents[i]
        if isinstance(p, Tensor):
            return p._data.shape, p._data.dtype
        return p.oshape, p.odtype

    def reduce_grad(self, i: int, g):
        """Fit ``g`` (array or Tensor) to argument ``i``: sum broadcast dims, cast the dtype.

        g: shape broadcast from argument i's shape. Returns argument i's shape and dtype.
        This is broadcasting's un-reduction, written once for every op.
        """
        p = self.parents[i]
        if isinstance(p, Tensor):
            shape, dtype = p._data.shape, p._data.dtype
        else:
            shape, dtype = p.oshape, p.odtype
        if g.shape != shape:
            g = sum_to(g, shape)
        if g.dtype != dtype:
            # a real input of a complex op gets the real part of its gradient (torch's rule)
            g = (g.real if g.dtype in _COMPLEX and dtype not in _COMPLEX else g).astype(dtype)
        return g

    def name(self) -> str:
        """The record's name as torch's ``grad_fn.name()`` gives it: ``'SinBackward0'``."""
        return f"{type(self).__name__}Backward0"

    def __repr__(self):
        return f"<{type(self).__name__}Backward>"

    def register_prehook(self, hook):
        """``hook(grad_outputs) -> None or tuple``, run before this record's backward with a
        1-tuple holding its output's gradient; a returned tuple replaces it (torch's
        ``Node.register_prehook``). Returns a handle with ``remove()``."""
        from ._node_hooks import register

        return register(self, "node_pre", hook)

    def register_hook(self, hook):
        """``hook(grad_inputs, grad_outputs) -> None or tuple``, run after this record's
        backward: ``grad_inputs`` has one entry per input edge (None where none flows), and a
        returned tuple of that length replaces them (torch's ``Node.register_hook``). Returns
        a handle with ``remove()``."""
        from ._node_hooks import register

        return register(self, "node_post", hook)

    @property
    def next_functions(self) -> tuple:
        """Where backward goes from this record, as torch's ``grad_fn.next_functions``.

        One ``(node, 0)`` pair per input edge: the record that made the input, an
        ``AccumulateGrad`` (``.variable`` is the leaf) for a leaf that requires grad, or
        ``None`` for an input that needs no gradient. Trailing ``None`` entries are left out
        (a record cannot tell a constant tensor from an axis argument), so ``x * c`` with a
        constant ``c`` lists one edge where torch lists two.
        """
        from .graph import accumulate_grad_of

        parents = list(self.parents or ())
        while parents and parents[-1] is None:  # non-tensor arguments (an axis) trail
            parents.pop()
        return tuple(
            (None, 0) if p is None else (accumulate_grad_of(p) if p._leaf_edge else p, 0)
            for p in parents
        )

    @classmethod
    def apply(cls, *args):
        """Run the op on ``args`` and record it when grad mode is on and an input requires grad.

        Returns a Tensor (or a raw array when no argument is a Tensor).
        """
        node = object.__new__(cls)
        n = len(args)
        arrays = list(args)
        parents = [None] * n
        need = False
        any_tensor = False
        host_arrays = False
        dev_type = None
        cplx = False
        for i in range(n):
            a = args[i]
            if isinstance(a, Tensor):
                any_tensor = True
                d = a._data
                arrays[i] = d
                if dev_type is None:
                    dev_type = type(d)
                elif type(d) is not dev_type:
                    _device_mismatch(cls, args)
                if a._rg:
                    need = True
                    parents[i] = a._node if a._node is not None else a
                    if d.dtype in _COMPLEX:
                        cplx = True
            elif a.__class__ is _ndarray:
                host_arrays = True
        if not any_tensor:
            out = node.forward(*arrays)
            return np.asarray(out) if isinstance(out, _generic) else out
        if host_arrays and dev_type is not _ndarray:  # cuda: NumPy operands are host data
            _host_operands(args, arrays)
        out = node.forward(*arrays)
        if type(out) is not _ndarray and isinstance(out, (_generic, float, int, bool)):
            out = np.asarray(out)
        mode = _state.mode if _altered else 1
        if not (need and mode and cls.differentiable):
            return _wrap(out, None, False)
        odtype = out.dtype
        if (cplx or odtype in _COMPLEX) and not cls.complex_ok:
            _complex_unsupported(cls, args, out)
        node.parents = parents
        node.seq = _next_seq()
        node.oshape = out.shape
        node.odtype = odtype
        node._extra = None
        result = _wrap(out, node, True)
        if cls._saves:
            si = cls.save_inputs
            saved = []
            for i in si:
                a = args[i]
                if isinstance(a, Tensor):
                    vc = a._vc
                    if vc is None:
                        vc = a._vc = [0]
                    saved.append((a, vc, vc[0]))
                elif isinstance(a, array_types()):
                    # a raw array operand has no version counter: keep a private copy, so a
                    # later change to the caller's array cannot alter this gradient (on cuda a
                    # NumPy operand's device copy is private already)
                    arr = arrays[i]
                    saved.append((arr.copy() if arr is a else arr, None, 0))
                else:
                    saved.append((a, None, 0))
            if cls.save_output:
                vc = result._vc = [0]
                saved.append((out, vc, 0))
            if cls.save_private:
                saved.extend([(a, None, 0) for a in node._private])
                node._private = None
            node._saved = _pack(saved) if _hooked else saved
        else:
            node._saved = ()
        if mode == 2:
            _anomaly_forward(node, out)
        return result

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # ops that save inputs or never differentiate take the generic path in apply_fast
        cls._generic_only = bool(cls.save_inputs) or cls.save_private or not cls.differentiable
        cls._saves = bool(cls.save_inputs) or cls.save_output or cls.save_private
        for klass in cls.__mro__:
            if "forward" in klass.__dict__:
                if isinstance(klass.__dict__["forward"], staticmethod):
                    # PyTorch's protocol: its own apply, leaving this class's apply as it is
                    from .function_ctx import setup

                    setup(cls)
                break

    # -- used by the engine -------------------------------------------------------------------

    def _unpack(self, create_graph: bool):
        """The saved values as arrays (or as graph-connected tensors when create_graph)."""
        packed = self._saved
        if packed is RELEASED:
            raise RuntimeError(
                f"Trying to backward through the graph a second time (in {type(self).__name__}): "
                "its saved values were freed after the first backward. Pass retain_graph=True "
                "to the first backward() if you need to backward through it again."
            )
        out = []
        for obj, vc, ver in packed:
            if vc is not None and vc[0] != ver:
                _modified(self, obj, vc, ver)
            if obj.__class__ is _Packed:
                if obj.tensor:
                    out.append(obj.restore(create_graph, vc))
                    continue
                obj = obj.restore(create_graph, vc)
            if obj.__class__ is _ndarray:
                if create_graph and vc is not None:
                    # the op's own output: re-wrapped so gradients flow back through this record
                    t = _wrap(obj, self, True)
                    t._vc = vc
                    obj = t
            elif isinstance(obj, Tensor) and not create_graph:
                obj = obj._data
            elif create_graph and vc is not None and not isinstance(obj, Tensor):
                t = _wrap(obj, self, True)  # a cupy output
                t._vc = vc
                obj = t
            out.append(obj)
        return out


def apply_fast(cls, x, c=None):
    """``cls.apply(x)`` or ``cls.apply(x, c)`` for a Tensor ``x`` and a constant ``c``.

    The same record ``apply`` makes, without the generic argument loop, and no edge for the
    constant (its trailing ``None`` gradient may be omitted by backward). Ops that save inputs
    take the generic path; the others run ``fast_path(cls)``.
    """
    if cls._generic_only:
        return cls.apply(x) if c is None else cls.apply(x, c)
    fast = _fast_paths.get(cls)
    if fast is None:
        fast = _fast_paths[cls] = fast_path(cls)
    return fast(x, c)


_fast_paths: dict = {}  # apply_fast's op class -> its fast_path


def fast_path(cls):
    """``apply_fast`` made for one op class: ``f(x)``, or ``f(x, c)`` for a constant ``c``.

    x: a Tensor. Returns what ``cls.apply(x[, c])`` returns, recorded alike. ``cls`` saves
    nothing but, optionally, its output (else TypeError). Tensor's operators keep one per op.

    Each function made here gets its own copy of the code: CPython caches attribute access per
    code object, for one class at a time, so a copy that only sees ``cls`` keeps those caches
    (one body shared by mul, add and tanh misses them on every store into a record). The mode
    is read from the thread only while some thread has changed it (``grad_mode._altered``).
    """
    if cls._generic_only:
        raise TypeError(f"fast_path: {cls.__name__} saves inputs or is not differentiable")
    save_output = bool(cls.save_output)
    complex_ok = cls.complex_ok

    def fast(x, c=None):
        mode = _state.mode if _altered else 1
        if mode == 2:
            return cls.apply(x) if c is None else cls.apply(x, c)
        node = cls()
        out = node.forward(x._data) if c is None else node.forward(x._data, c)
        if out.__class__ is not _ndarray and isinstance(out, _generic):
            out = np.asarray(out)
        t = _new(Tensor)
        t._data = out
        t._grad = None
        t._hooks = None
        if not (mode and x._rg):
            t._node = None
            t._rg = False
            t._vc = None
            return t
        e = x._node
        odtype = out.dtype
        if odtype in _COMPLEX and not complex_ok:
            _complex_unsupported(cls, (x, c), out)
        node.parents = (x,) if e is None else (e,)
        node.seq = _next_seq()
        node.oshape = out.shape
        node.odtype = odtype
        node._extra = None
        t._node = node
        t._rg = True
        if save_output:
            vc = t._vc = [0]
            node._saved = ((out, vc, 0),) if not _hooked else _pack(((out, vc, 0),))
        else:
            t._vc = None
            node._saved = ()
        return t

    fast.__code__ = fast.__code__.replace()  # this op's own caches
    fast.__qualname__ = f"fast_path.<{cls.__name__}>"
    return fast


def record_output(cls, out, edge, **attrs):
    """A Tensor for ``out`` recorded as ``cls`` applied to the input behind ``edge``.

    For a backward rule under ``create_graph`` that already holds an op's output: the op's
    forward need not run again. ``cls`` saves its output (``save_output``) and nothing else;
    ``edge`` is a record's parent entry (a record, a leaf Tensor, or None for a constant);
    ``attrs`` are the forward's facts (``axis=1``). out: any shape; returns a Tensor of it.
    """
    if not cls.save_output or cls.save_inputs or cls.save_private:
        raise TypeError(f"record_output: {cls.__name__} must save its output and nothing else")
    if edge is None or not _state.mode:
        return _wrap(out, None, False)
    if out.dtype in _COMPLEX and not cls.complex_ok:
        _complex_unsupported(cls, (), out)
    node = _new(cls)
    for k, v in attrs.items():
        setattr(node, k, v)
    node.parents = (edge,)
    node.seq = _next_seq()
    node.oshape = out.shape
    node.odtype = out.dtype
    node._extra = None
    t = _wrap(out, node, True)
    vc = t._vc = [0]
    node._saved = ((out, vc, 0),) if not _hooked else _pack(((out, vc, 0),))
    return t


def _complex_unsupported(cls, args, out):
    """Raise: ``cls`` has no complex rule, and a complex tensor is being recorded through it."""
    name = getattr(cls, "op_name", None) or cls.__name__
    dts = [str(a.dtype) for a in args if isinstance(a, Tensor)]
    raise TypeError(
        f"{name}: autograd does not support complex tensors in this op (inputs "
        f"{', '.join(dts) or 'none'}, output {out.dtype}); its gradient rule is written for "
        "real tensors. Run it without recording (no_grad, or detach the input), split the "
        "tensor with .real / .imag, or, for your own Function whose backward follows the "
        "conjugate convention (gy * conj(df/dz)), set complex_ok = True on the class"
    )


def _modified(node, obj, vc, ver):
    shape = obj.shape
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an in-place "
        f"operation: a tensor of shape {tuple(shape)} saved by {type(node).__name__} is at "
        f"version {vc[0]}; expected version {ver}. Do the in-place change after backward(), or "
        "clone() before it."
    )


def _device_mismatch(cls, args):
    from .tensor import _device_str

    devs = [_device_str(a._data) for a in args if isinstance(a, Tensor)]
    first = devs[0]
    other = next((d for d in devs if d != first), None)
    if other is None:  # one device, yet mixed array types: a tensor built around a non-array
        kinds = sorted({type(a._data).__name__ for a in args if isinstance(a, Tensor)})
        raise TypeError(
            f"{_op_name(cls)}: tensors hold mixed array types ({', '.join(kinds)}); a Tensor's "
            "data must be a numpy or cupy ndarray"
        )
    raise RuntimeError(
        f"Expected all tensors to be on the same device, but got {first} and {other} "
        f"(in {_op_name(cls)})"
    )


def _host_operands(args, arrays):
    """For an op on cuda tensors: NumPy operands (constants, index arrays) are copied to the
    tensors' device, as CuPy does for index arrays and JAX for every operand; a 0-d one becomes
    a NumPy scalar (no copy). ``arrays`` is updated in place."""
    from backends import array_module

    dev = None
    for i, a in enumerate(args):
        if type(a) is _ndarray:
            if a.ndim == 0:
                arrays[i] = a[()]
                continue
            if dev is None:
                dev = next(t._data for t in args if isinstance(t, Tensor))
            xp = array_module(dev)
            with xp.cuda.Device(dev.device.id):
                arrays[i] = xp.asarray(a)


def _op_name(cls) -> str:
    return getattr(cls, "op_name", None) or cls.__name__.lower()


def _library_dirs() -> tuple:
    """The folders of tapegrad's own packages (autograd, nn, optim, backends), each ending in
    a separator so ``autograd_x.py`` beside them is not taken for one of them."""
    import os

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return tuple(os.path.join(root, p) + os.sep for p in ("autograd", "nn", "optim", "backends"))


def _user_frame() -> str:
    """``file:line`` of the innermost stack frame outside tapegrad's packages (the user's line
    that made the op, also when a layer such as nn.Linear made it on the user's behalf)."""
    import os

    lib = _library_dirs()
    for fr in reversed(traceback.extract_stack()):
        if not os.path.abspath(fr.filename).startswith(lib):
            return f"{fr.filename}:{fr.lineno}"
    return "<unknown>"


def _anomaly_forward(node, out):
    where = _user_frame()
    node._extra = {"where": where}
    if out.dtype.kind in "fc":
        xp = _xp(out)
        if not bool(xp.isfinite(out).all()):
            raise RuntimeError(
                f"Function {type(node).__name__} returned non-finite values (NaN or Inf) in its "
                f"forward output, shape {tuple(out.shape)}; the op was created at {where}"
            )


def _xp(a):
    from backends import array_module

    return array_module(a)


# -- broadcasting's reduction, written once -----------------------------------------------------


def sum_to(g, shape):
    """Sum ``g`` (array or Tensor) over broadcast dimensions so its shape becomes ``shape``.

    g: shape S, broadcastable from ``shape``. Returns shape ``shape``. No-op when equal. The
    result is a fresh array (never a view), so a leaf can keep it as its ``.grad``.
    """
    gshape = g.shape
    if gshape == shape:
        return g
    lead = len(gshape) - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g


from .tensor import Tensor, _wrap  # noqa: E402  (tensor.py imports this module's users)


def __getattr__(name):
    # PyTorch's protocol lives in function_ctx.py, loaded when first asked for
    if name in ("FunctionCtx", "once_differentiable"):
        from . import function_ctx

        return getattr(function_ctx, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
