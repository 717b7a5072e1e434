"""PyTorch's custom-Function protocol on ``ag.Function``: static forward / backward and a ctx.

A ``Function`` subclass whose ``forward`` is a ``staticmethod`` follows PyTorch's protocol; this is
decided once, when the class is made (``Function.__init_subclass__`` calls ``setup``), and such a
class gets its own ``apply``, so the per-op path of the project's ops (``Function.apply``,
``apply_fast``) is untouched::

    class MyExp(ag.Function):
        @staticmethod
        def forward(ctx, x, k=2.0):      # Tensors (and other args), run with grad mode off
            y = x.exp() * k
            ctx.save_for_backward(x, y)   # read back as ctx.saved_tensors
            ctx.k = k                     # any other attribute
            return y

        @staticmethod
        def backward(ctx, gy):            # one gradient Tensor per output of forward
            x, y = ctx.saved_tensors
            return gy * y, None           # one per forward argument (None for non-tensors)

    y = MyExp.apply(x, 3.0)

Also ``forward(x, ...)`` with ``setup_context(ctx, inputs, output)``, ``ctx.needs_input_grad``,
``ctx.mark_non_differentiable``, ``ctx.set_materialize_grads``, ``once_differentiable``, and a
forward returning a tuple of tensors. ``ctx.mark_dirty`` (in-place forward) is not supported.

How a call sits on the tape:

* ``ctx`` is the call's record: an instance of ``MyExp._backward_cls``, a ``FunctionCtx`` named
  ``MyExpBackward`` (so ``y.grad_fn is ctx`` and errors name the user's class, as in PyTorch).
  Its parents are the tensor arguments that require grad.
* One differentiable output: it is the record's output. Several: the record's output is virtual
  (shape ``()``, dtype object) and each differentiable output is made by a thin ``_Select``
  record on it, whose backward hands its gradient on as a ``_Grads``, one slot per output, that
  the engine sums like an array. No data is packed or copied, mixed dtypes are fine, and an
  output no gradient reached stays ``None`` (``set_materialize_grads(False)``) or becomes zeros.
* ``save_for_backward`` keeps (value, version counter, version) triples, as ``save_inputs`` /
  ``save_output`` do: in-place modification, saved-tensor hooks and freeing after backward are
  the engine's. A saved input stays that Tensor (so under ``create_graph`` backward's ops reach
  the graph behind it); a saved output is kept as its array and re-wrapped on this record.
* ``backward`` gets Tensors: graph tensors under ``create_graph`` (its ops are recorded, so double
  backward works when it is written with differentiable ops), constants otherwise. Its results
  are checked as PyTorch does: their number, ``None`` for non-tensor arguments, a shape that
  broadcasts to the input's (summed down), the dtype (cast).
"""

from __future__ import annotations

import functools
import inspect

import numpy as np

from backends import array_module, array_types

from . import function as _fn
from .function import Function, _anomaly_forward, _new, _next_seq, _pack, sum_to
from .grad_mode import _refresh, _state
from .tensor import Tensor, _wrap

__all__ = ["FunctionCtx", "once_differentiable"]

_OBJECT = np.dtype(object)
_BASE_BACKWARD = Function.__dict__["backward"]
_BASE_SETUP = Function.__dict__["setup_context"].__func__

_LEGACY_CALL = (
    "Legacy autograd function with non-static forward method is deprecated. Please use "
    "new-style autograd function with static forward method. (Example: "
    "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
)
_NO_BACKWARD = (
    "You must implement either the backward or vjp method for your custom autograd.Function "
    "to use it with backward mode AD."
)

# names the engine reads or writes on a record: user code may not assign them on ctx
_RESERVED = frozenset(
    {"parents", "seq", "saved", "oshape", "odtype", "forward", "backward", "apply", "_saved"}
)


class FunctionCtx(Function):
    """The ``ctx`` of a PyTorch-style ``Function``, and the record of the call on the tape.

    forward (or setup_context) calls ``save_for_backward``, ``mark_non_differentiable``,
    ``set_materialize_grads`` and sets any attribute of its own; backward reads
    ``saved_tensors``, ``needs_input_grad`` and those attributes. Each Function class gets its
    own subclass, ``<Name>Backward`` (``MyExp._backward_cls``).
    """

    __slots__ = (
        "needs_input_grad", "materialize_grads", "_to_save", "_non_diff", "_is_tensor", "_outs",
        "_k", "_saved_outs", "__dict__",
    )  # fmt: skip

    _forward_cls = None  # the user's Function class (set per subclass)
    _select_cls = None  # its output-selecting record class, for several outputs
    # the same class with assignment to the record's names refused: ctx is an instance of it
    # while user code (forward, setup_context, backward) runs
    _guarded = None

    def __init__(self):
        self.needs_input_grad = ()
        self.materialize_grads = True
        self._to_save = ()
        self._non_diff = ()

    def __repr__(self):
        return f"<{type(self).__name__}>"

    def name(self) -> str:
        """The record's name, ``'<Function>Backward'`` (PyTorch's ``grad_fn.name()``)."""
        return type(self).__name__

    # -- the ctx API --------------------------------------------------------------------------

    def save_for_backward(self, *tensors):
        """Keep ``tensors`` (inputs, outputs or intermediates of forward, or None) for backward,
        where ``ctx.saved_tensors`` returns them. An in-place change to one of them before
        backward makes backward raise."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward can only save variables, but argument {i} is of type "
                    f"{type(t).__name__}"
                )
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple:
        """The tensors given to ``save_for_backward``, in order (None where None was saved).

        In backward under ``create_graph`` they are connected to the graph. Raises if one was
        modified in place since, or after a backward without ``retain_graph`` freed them.
        """
        try:
            s = self.saved
        except AttributeError:
            s = None
        if s is None:
            try:
                self._saved  # noqa: B018 - set once the call is recorded
            except AttributeError:
                raise RuntimeError(
                    f"{type(self).__name__}: saved_tensors is available in backward, or on the "
                    "grad_fn of a recorded call, not inside forward (or on a call that was not "
                    "recorded because no input required grad)"
                ) from None
            s = self._unpack(False)
        return tuple(v if v is None or isinstance(v, Tensor) else _wrap(v, None, False) for v in s)

    def mark_non_differentiable(self, *tensors):
        """Mark output tensors that never get a gradient (``requires_grad`` stays False).
        backward still receives a gradient slot for each: zeros, or None when grads are not
        materialized."""
        self._non_diff = tensors

    def set_materialize_grads(self, value: bool):
        """Whether backward receives zeros (True, the default) or None for outputs that no
        gradient reached."""
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors):
        """Not supported: tapegrad cannot move an input onto this record after forward wrote
        into it. Raises NotImplementedError."""
        raise NotImplementedError(
            f"{type(self).__name__}: ctx.mark_dirty (a custom Function that modifies an input "
            "in place and returns it) is not supported by tapegrad. Return a new tensor "
            "instead: modify a clone (y = x.clone(); y.mul_(2); return y) or use out-of-place "
            "ops."
        )

    def save_for_forward(self, *tensors):
        """Not supported: tapegrad has no forward-mode AD (jvp). Raises NotImplementedError."""
        raise NotImplementedError(
            f"{type(self).__name__}: save_for_forward is for forward-mode AD (jvp), which "
            "tapegrad does not have"
        )

    # -- the record, used by the engine ------------------------------------------------------

    def backward(self, gy):
        """The engine's entry: ``gy`` is the output's gradient (array or graph Tensor), or a
        ``_Grads`` for several outputs. Calls the user's backward with one Tensor per output and
        returns one checked gradient per forward argument."""
        outs = self._outs
        if self._k >= 0:
            parts = [None] * len(outs)
            parts[self._k] = gy
        else:
            parts = gy.parts
        grads = []
        for meta, g in zip(outs, parts):
            if g is None:
                if meta is not None and self.materialize_grads:
                    shape, dtype, xp = meta
                    g = _wrap(xp.zeros(shape, dtype=dtype), None, False)
            elif not isinstance(g, Tensor):
                g = _wrap(g, None, False)
            grads.append(g)
        fcls = self._forward_cls
        fn = fcls.backward
        if fn is _BASE_BACKWARD:
            fn = getattr(fcls, "vjp", None)
            if fn is None:
                raise NotImplementedError(_NO_BACKWARD)
        cls = self.__class__
        self.__class__ = cls._guarded
        try:
            result = fn(self, *grads)
        finally:
            self.__class__ = cls
        return self._input_grads(result)

    def _input_grads(self, result):
        """The user's backward result as the engine wants it: one array (Tensor under
        create_graph) or None per forward argument, each of its input's shape and dtype."""
        if not isinstance(result, tuple):
            result = (result,)
        parents = self.parents
        n = len(parents)
        if len(result) > n and all(g is None for g in result[n:]):
            result = result[:n]
        if len(result) != n:
            raise RuntimeError(
                f"function {type(self).__name__} returned an incorrect number of gradients "
                f"(expected {n}, got {len(result)})"
            )
        create_graph = _state.grad
        out = []
        for i, g in enumerate(result):
            if g is None:
                out.append(None)
            elif not self._is_tensor[i]:
                raise RuntimeError(
                    f"function {type(self).__name__} returned a gradient different than None at "
                    f"position {i + 1}, but the corresponding forward input was not a Variable"
                )
            elif parents[i] is None:
                out.append(None)  # a tensor input that does not require grad
            else:
                out.append(self._fit(i, g, create_graph))
        return tuple(out)

    def _fit(self, i, g, create_graph):
        """Gradient ``g`` for argument ``i`` checked and fitted as PyTorch's validate_outputs:
        a shape the input broadcasts to is summed down, another dtype is cast."""
        if isinstance(g, Tensor):
            arr = g._data
        elif isinstance(g, np.generic):
            g = arr = np.asarray(g)
        elif isinstance(g, array_types()):
            arr = g
        else:
            raise RuntimeError(
                f"function {type(self).__name__} returned an invalid gradient at index {i} - "
                f"expected a Tensor or None (got {type(g).__name__})"
            )
        shape, dtype = self.input_meta(i)
        if arr.shape != shape:
            if not _expandable(shape, arr.shape):
                raise RuntimeError(
                    f"Function {type(self).__name__} returned an invalid gradient at index {i} - "
                    f"got {list(arr.shape)} but expected shape compatible with {list(shape)}"
                )
            g = sum_to(g, shape)
        if g.dtype != dtype:
            g = g.astype(dtype)
        if create_graph:
            return g if isinstance(g, Tensor) else _wrap(g, None, False)
        return g._data if isinstance(g, Tensor) else g

    def _unpack(self, create_graph: bool):
        out = Function._unpack(self, create_graph)
        so = self._saved_outs
        if create_graph and so:
            # several outputs: a saved output is reached through its own _Select record
            for j, k in so:
                t = out[j]
                if isinstance(t, Tensor) and t._node is self:
                    t._node = self._select(k, t._data)
        return out

    def _select(self, k: int, arr):
        """A record making output ``k`` (array ``arr``) of this record's virtual output."""
        sel = _new(self._select_cls)
        sel.parents = (self,)
        sel.seq = _next_seq()
        sel.oshape = arr.shape
        sel.odtype = arr.dtype
        sel._extra = None
        sel._saved = ()
        sel.k = k
        sel.n = len(self._outs)
        return sel


class _Grads:
    """The gradient of a record with several outputs: ``parts[k]`` is output k's (an array, a
    Tensor under create_graph, or None when none reached it). Added like an array by the engine
    (shape ``()``, dtype object: the shape and dtype of such a record)."""

    __slots__ = ("parts",)
    shape = ()
    dtype = _OBJECT

    def __add__(self, other):
        parts = list(self.parts)
        for k, g in enumerate(other.parts):
            if g is not None:
                if parts[k] is None:
                    parts[k] = g
                else:
                    s = parts[k] + g
                    parts[k] = np.asarray(s) if isinstance(s, np.generic) else s
        r = _new(_Grads)
        r.parts = parts
        return r


class _Select(Function):
    """Output ``k`` of ``n`` of a record with several outputs: backward passes its gradient on
    in slot k of a ``_Grads`` (nothing to compute, so it is differentiable again as is)."""

    __slots__ = ("k", "n")

    def backward(self, gy):
        parts = [None] * self.n
        parts[self.k] = gy
        r = _new(_Grads)
        r.parts = parts
        return r

    def __repr__(self):
        return f"<{type(self).__name__}>"


class _OnceDifferentiable(Function):
    """g itself, recorded on the tensors the gradient depends on, so that differentiating the
    result of a ``once_differentiable`` backward raises (PyTorch's DelayedError)."""

    __slots__ = ("fname",)

    def forward(self, g, fname, *anchors):
        self.fname = fname
        return g

    def backward(self, gy):
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable "
            f"({self.fname})"
        )


def once_differentiable(fn):
    """Decorator for a PyTorch-style ``backward`` that is not itself differentiable (it may use
    non-differentiable array code). Under ``create_graph`` it runs with recording off, and a
    later attempt to differentiate its result raises."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        if not _state.grad:
            return fn(ctx, *args)
        _state.grad = False
        _refresh()
        try:
            outputs = fn(ctx, *args)
        finally:
            _state.grad = True
            _refresh()
        try:
            saved = ctx.saved or ()
        except AttributeError:
            saved = ()
        anchors, seen = [], set()
        for a in (*args, *saved):
            if isinstance(a, Tensor) and a._rg and id(a) not in seen:
                seen.add(id(a))
                anchors.append(a)
        if not anchors:
            return outputs
        name = type(ctx).__name__
        single = not isinstance(outputs, tuple)
        res = []
        for g in (outputs,) if single else outputs:
            if isinstance(g, array_types()):
                g = _wrap(g, None, False)
            if isinstance(g, Tensor):
                g = _OnceDifferentiable.apply(g, name, *anchors)
            res.append(g)
        return res[0] if single else tuple(res)

    return wrapper


def _expandable(shape, gshape) -> bool:
    """Whether ``shape`` broadcasts to ``gshape``."""
    if len(shape) > len(gshape):
        return False
    return all(s == g or s == 1 for s, g in zip(reversed(shape), reversed(gshape)))


def _guarded_setattr(self, name, value):
    if name in _RESERVED:
        raise AttributeError(
            f"ctx.{name} cannot be assigned: ctx ({type(self).__name__}) is also the call's "
            "record on the tape, which uses that name. Store the value under another name."
        )
    object.__setattr__(self, name, value)


def _legacy_call(self, *args, **kwargs):
    raise RuntimeError(_LEGACY_CALL)


def setup(cls):
    """Make ``cls``, a Function subclass with a static ``forward``, follow PyTorch's protocol:
    its record class, ``apply`` and the legacy-call error."""
    name = cls.__name__
    attrs = {"__slots__": (), "__module__": cls.__module__}
    bcls = type(f"{name}Backward", (FunctionCtx,), dict(attrs, _forward_cls=cls))
    bcls._select_cls = type(f"{name}Backward", (_Select,), dict(attrs))
    bcls._guarded = type(f"{name}Backward", (bcls,), dict(attrs, __setattr__=_guarded_setattr))
    cls._backward_cls = bcls
    cls._fn_setup_context = cls.setup_context is not _BASE_SETUP
    cls._fn_signature = None
    cls.apply = classmethod(_apply)
    cls.__call__ = _legacy_call


def _bind(cls, args, kwargs):
    """For setup_context style: the arguments with forward's defaults filled in, as PyTorch
    passes them to setup_context (and counts gradients for)."""
    sig = cls.__dict__.get("_fn_signature")
    if sig is None:
        sig = inspect.signature(cls.forward)
        cls._fn_signature = sig
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.args


def _apply(cls, *args, **kwargs):
    """Run ``cls.forward`` on ``args`` with grad mode off and record the call when grad mode is
    on and a tensor argument requires grad. Returns forward's result, its tensors recorded."""
    setup_style = cls._fn_setup_context
    if setup_style:
        args = _bind(cls, args, kwargs)
        kwargs = {}
    ctx = cls._backward_cls()
    mode = _state.mode
    n = len(args)
    is_tensor = [False] * n
    needs = [False] * n
    parents = [None] * n
    record = False
    for i, a in enumerate(args):
        if isinstance(a, Tensor):
            is_tensor[i] = True
            if a._rg:
                needs[i] = True
                if mode:
                    record = True
                    parents[i] = a._node if a._node is not None else a
    ctx.needs_input_grad = tuple(needs)
    prev = _state.grad
    _state.grad = False
    _refresh()
    bcls = ctx.__class__
    ctx.__class__ = bcls._guarded
    try:
        if setup_style:
            out = cls.forward(*args)
            cls.setup_context(ctx, args, out)
        else:
            out = cls.forward(ctx, *args, **kwargs)
    finally:
        ctx.__class__ = bcls
        _state.grad = prev
        _refresh()
    return _outputs(ctx, args, out, tuple(parents) if record else None, tuple(is_tensor), mode)


def _alias(t: Tensor) -> Tensor:
    """A new tensor on ``t``'s data and version counter, outside the graph."""
    a = _wrap(t._data, None, False)
    if t._vc is None:
        t._vc = [0]
    a._vc = t._vc
    return a


def _outputs(ctx, args, out, parents, is_tensor, mode):
    """Connect forward's output tensors to ``ctx`` (when ``parents``: the call is recorded) and
    keep what save_for_backward named. Returns the result as forward returned it."""
    multi = isinstance(out, tuple)
    outs = list(out) if multi else [out]
    in_ids = {id(a) for a in args if isinstance(a, Tensor)}
    non_diff = {id(t) for t in ctx._non_diff}
    to_save = ctx._to_save
    # dropped: they may hold the outputs, which will hold ctx (no reference cycles)
    ctx._non_diff = ctx._to_save = ()
    first = {}  # id of a tensor forward returned -> index of its first occurrence
    diff = []
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor):
            continue
        oid = id(o)
        on_graph = o._node is not None or o._rg
        if oid in in_ids or oid in first or (parents is not None and on_graph):
            # an input returned as is, a repeat, or a tensor already on a graph: a new tensor
            # on its data, as PyTorch returns a view of an input
            outs[k] = _alias(o)
        first.setdefault(oid, k)
        if parents is not None and oid not in non_diff and o._data.dtype.kind in "fc":
            diff.append(k)
    if parents is None or not diff:
        return tuple(outs) if multi else outs[0]

    ctx.parents = parents
    ctx._is_tensor = is_tensor
    ctx.seq = _next_seq()
    ctx._extra = None
    ctx._outs = tuple(
        (o._data.shape, o._data.dtype, array_module(o._data)) if isinstance(o, Tensor) else None
        for o in outs
    )
    if len(diff) == 1:
        k = diff[0]
        o = outs[k]
        ctx._k = k
        ctx.oshape = o._data.shape
        ctx.odtype = o._data.dtype
        o._node = ctx
        o._rg = True
    else:
        ctx._k = -1
        ctx.oshape = ()
        ctx.odtype = _OBJECT
        for k in diff:
            o = outs[k]
            o._node = ctx._select(k, o._data)
            o._rg = True

    saved = []
    saved_outs = []
    for j, t in enumerate(to_save):
        if t is None:
            saved.append((None, None, 0))
            continue
        tid = id(t)
        k = first.get(tid) if tid not in in_ids else None
        if k is not None:
            t = outs[k]
            if k in diff:
                # an output: kept as its array, re-wrapped on this record under create_graph
                vc = t._vc
                if vc is None:
                    vc = t._vc = [0]
                saved.append((t._data, vc, vc[0]))
                if ctx._k < 0:
                    saved_outs.append((j, k))
                continue
        vc = t._vc
        if vc is None:
            vc = t._vc = [0]
        saved.append((t, vc, vc[0]))  # an input or an intermediate: the Tensor itself
    ctx._saved = _pack(saved) if (_fn._hooked and saved) else saved
    ctx._saved_outs = tuple(saved_outs)
    if mode == 2:
        for k in diff:
            _anomaly_forward(ctx, outs[k]._data)
    return tuple(outs) if multi else outs[0]
