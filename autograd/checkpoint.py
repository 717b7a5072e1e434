"""Activation checkpointing: ``ag.checkpoint(fn, *args)`` runs ``fn`` without recording and
runs it again during backward, so the activations inside ``fn`` are not kept between the
forward and the backward pass (memory for compute, as ``torch.utils.checkpoint``)::

    h = ag.checkpoint(block, x)        # block: a module or function of tensors; h: one Tensor
    loss = head(h).sum()
    loss.backward()                    # block runs again here, then its backward

One record stands for the call: it saves the tensor arguments (version-checked, so changing
them in place before backward raises) and the random-number state (so dropout inside ``fn``
draws the same mask again). Its backward re-runs ``fn`` with recording on and backpropagates
through that graph, which also accumulates into the ``.grad`` of parameters ``fn`` uses (as
PyTorch's re-entrant checkpoint does). Hence, as there: ``ag.grad(...)`` and
``backward(inputs=...)`` through a checkpoint raise (the parameters' gradients could not be
returned), and so does ``create_graph``.

``use_reentrant=False`` (PyTorch's recommended kind) records ``fn``'s graph as usual but with
saved-tensor hooks (``autograd.graph``) that keep a counter instead of each value a record
saves; the first backward that needs one runs ``fn`` again (same random state) and hands the
recomputed values out in the same order. The graph is the ordinary one, so ``ag.grad``,
``backward(inputs=...)``, ``create_graph`` (higher order), tensors in keyword arguments or
containers and any output structure all work; what is dropped is every saved activation.

Both kinds record the autocast state of the first run (enabled and dtype per device type, and
the weight-cast cache flag) and re-enter it for the recomputation, as PyTorch's checkpoint
does: under ``ag.autocast`` the recomputed graph has the dtypes of the first run, so the
gradients are those of the same call without checkpointing.
"""

from __future__ import annotations

import contextlib

import numpy as np

from backends import array_module, device_of

from . import amp as _amp
from .engine import run_backward
from .function import Function
from .grad_mode import _state, enable_grad, no_grad
from .graph import _pop, _push
from .random import gen, thread_generator
from .tensor import Tensor, _wrap

__all__ = ["checkpoint"]


class _Call:
    __slots__ = ("fn", "args", "kwargs", "positions", "rng", "amp")

    def __init__(self, fn, args, kwargs, positions, rng, amp):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        self.positions, self.rng, self.amp = positions, rng, amp


_classes: dict = {}


def _record_class(n: int):
    """The record class for ``n`` tensor arguments and the anchor (``save_inputs``: all)."""
    cls = _classes.get(n)
    if cls is None:
        cls = type(
            f"Checkpoint{n}",
            (_CheckpointBase,),
            {"__slots__": (), "save_inputs": tuple(range(2, n + 3))},
        )
        _classes[n] = cls
    return cls


class _CheckpointBase(Function):
    """out = fn(args), computed before (the record's forward only hands the output over)."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ("call",)
    op_name = "checkpoint"

    def forward(self, out, call, *xs):
        self.call = call
        return out

    def backward(self, gy):
        if isinstance(gy, Tensor):
            raise RuntimeError(
                "checkpoint: create_graph=True (a higher-order gradient) is not supported through "
                "a checkpointed call"
            )
        if _state.returning:
            raise RuntimeError(
                "checkpoint: not compatible with ag.grad() or backward(inputs=...): its backward "
                "accumulates into the .grad of the parameters fn uses; call backward() instead"
            )
        call = self.call
        saved = self.saved  # version-checked arrays of the tensor arguments
        args = list(call.args)
        leaves = []
        for pos, arr in zip(call.positions, saved):
            t = _wrap(arr, None, False)
            if call.args[pos].requires_grad:
                t.requires_grad_(True)
            args[pos] = t
            leaves.append(t)
        with enable_grad(), _replayed(call.rng), _autocast_as(call.amp):
            out = call.fn(*args, **call.kwargs)
        if not isinstance(out, Tensor) or not out.requires_grad:
            return (None, None) + (None,) * (len(leaves) + 1)
        run_backward([out], [gy], False, False, None, "checkpoint")
        grads = tuple(None if t.grad is None else t.grad._data for t in leaves)
        return (None, None) + grads + (None,)  # the anchor gets nothing


def checkpoint(fn, *args, use_reentrant: bool = True, preserve_rng_state: bool = True,
               **kwargs):  # fmt: skip
    """``fn(*args, **kwargs)`` with its activations recomputed in backward instead of kept
    (see the module docstring).

    use_reentrant: True (the default): one record stands for the call; fn returns one Tensor;
    tensors are positional arguments (inside kwargs or containers they are refused); it is
    always recorded and keeps its arguments until backward. False: fn's own graph with its
    saved values dropped; any arguments and outputs; ``ag.grad``, ``inputs=`` and higher order
    work. preserve_rng_state: re-run fn with the generator and random state of the first run
    (default True). Returns fn's output. Under no_grad it is simply ``fn(*args, **kwargs)``.
    """
    if not _state.grad:
        return fn(*args, **kwargs)
    if not use_reentrant:
        return _Frame(fn, args, kwargs, preserve_rng_state).run()
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    for where, value in [(f"keyword argument {k!r}", v) for k, v in kwargs.items()] + [
        (f"argument {i}", a) for i, a in enumerate(args) if isinstance(a, (list, tuple, dict))
    ]:
        if _holds_tensor(value):
            raise TypeError(
                f"checkpoint: {where} holds a Tensor; pass tensors as positional arguments of "
                "fn (they are the ones saved and differentiated)"
            )
    if preserve_rng_state:
        g = gen()  # this thread's generator (a DataLoader's per-batch one, or the global one)
        rng = (g, g.bit_generator.state)
    else:
        rng = None
    amp = _autocast_state()
    with no_grad():
        out = fn(*args, **kwargs)
    if not isinstance(out, Tensor):
        raise TypeError(f"checkpoint: fn must return one Tensor, got {type(out).__name__}")
    call = _Call(fn, args, kwargs, positions, rng, amp)
    tensors = [args[i] for i in positions]
    # the anchor requires grad, so the call is recorded even when no argument does (the
    # parameters fn uses still need their gradients)
    anchor = _anchor(tensors[0]._data if tensors else None)
    return _record_class(len(positions)).apply(out._data, call, *tensors, anchor)


class _Frame:
    """One non-re-entrant checkpointed call: its saved values are numbered in forward and
    recomputed, all at once, by the first backward that needs one.

    While fn's first run is in progress the values are kept (``live``), so a backward inside
    fn itself works; they are dropped when fn returns. The tensors among the arguments are
    version-checked before the recomputation (changed in place since: it raises).
    """

    __slots__ = ("fn", "args", "kwargs", "rng", "amp", "count", "storage", "live", "versions")

    def __init__(self, fn, args, kwargs, preserve_rng_state):
        self.fn, self.args, self.kwargs = fn, args, kwargs
        g = gen() if preserve_rng_state else None
        self.rng = (g, g.bit_generator.state) if g is not None else None
        self.amp = _autocast_state()
        self.count = 0
        self.storage = None
        self.live = None
        self.versions = []
        for t in _tensors_in((args, kwargs)):
            if t._vc is None:
                t._vc = [0]
            self.versions.append((t, t._vc, t._vc[0]))

    def run(self):
        self.live = {}
        _push((self._pack, self._unpack))
        try:
            return self._call(first=True)
        finally:
            _pop()
            self.live = None

    def _call(self, first: bool):
        if first and self.rng is not None:  # draws as it would without checkpointing
            with thread_generator(self.rng[0]):
                return self.fn(*self.args, **self.kwargs)
        with _replayed(self.rng):
            return self.fn(*self.args, **self.kwargs)

    def _pack(self, obj):
        k = self.count
        self.count = k + 1
        if self.live is not None:
            self.live[k] = obj
        return k

    def _unpack(self, k):
        if self.live is not None and k in self.live:  # a backward inside fn's first run
            return self.live[k]
        if self.storage is None:
            self._recompute()
        return self.storage[k]

    def _recompute(self):
        for t, vc, ver in self.versions:
            if vc[0] != ver:
                raise RuntimeError(
                    "checkpoint: an argument of the checkpointed call (a tensor of shape "
                    f"{tuple(t.shape)}) was modified by an in-place operation after the call "
                    f"(version {vc[0]}, expected {ver}); recomputing would give wrong gradients"
                )
        storage = []

        def capture(obj):  # the arrays only: the recomputed graph itself is not kept
            storage.append(obj._data if isinstance(obj, Tensor) else obj)
            return obj

        _push((capture, _same))
        try:
            # backward runs with recording off and autocast off; the saves need recording on,
            # and the first run's autocast state gives the same ops in the same dtypes
            with enable_grad(), _autocast_as(self.amp):
                self._call(first=False)
        finally:
            _pop()
        if len(storage) != self.count:
            raise RuntimeError(
                f"checkpoint: fn saved {self.count} values for backward in its first run and "
                f"{len(storage)} when run again; with use_reentrant=False it must record the "
                "same ops each time (no control flow on values that change between the runs)"
            )
        self.storage = storage


def _tensors_in(value):
    """The Tensors in ``value`` and in the lists, tuples and dicts it holds."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _tensors_in(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _tensors_in(v)


def _same(obj):
    return obj


def _holds_tensor(value) -> bool:
    return next(_tensors_in(value), None) is not None


@contextlib.contextmanager
def _replayed(rng):
    """Run the body with ``rng`` = (generator, state): that generator active in this thread,
    back at the state it had on the first run, and restored after; a no-op for None."""
    if rng is None:
        yield
        return
    g, state = rng
    now = g.bit_generator.state
    g.bit_generator.state = state
    try:
        with thread_generator(g):
            yield
    finally:
        g.bit_generator.state = now


def _autocast_state():
    """This thread's autocast state, to recompute under: ((device type, dtype, enabled) for
    'cpu' and 'cuda', weight-cast cache flag). Inside an autocast op or a backward pass
    autocast is off, and recorded so."""
    st = _amp._tls
    live = not st.busy
    devs = tuple((d, st.dtype[d], live and st.on[d] is not None) for d in ("cpu", "cuda"))
    return devs, st.cache_enabled


@contextlib.contextmanager
def _autocast_as(state):
    """Run the body under the autocast ``state`` of ``_autocast_state`` (each device type
    enabled or disabled as recorded, whatever the state around it), restored after."""
    devs, cache = state
    with contextlib.ExitStack() as stack:
        for dev, dtype, enabled in devs:
            stack.enter_context(
                _amp.autocast(dev, dtype=dtype, enabled=enabled, cache_enabled=cache)
            )
        yield


def _anchor(like):
    """A 0-d leaf that requires grad (it never receives a gradient), one per device: on the
    device of ``like`` (the first tensor argument's array), on the CPU when there is none."""
    key = "cpu" if like is None else device_of(like)
    a = _ANCHORS.get(key)
    if a is None:
        xp = np if like is None else array_module(like)
        a = _ANCHORS[key] = _wrap(xp.zeros((), np.float32), None, False).requires_grad_(True)
    return a


_ANCHORS: dict = {}
