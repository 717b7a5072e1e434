"""Automatic mixed precision, as ``torch.amp``: ``autocast`` and ``GradScaler``.

import autograd as ag
model = ...; opt = optim.SGD(model.parameters(), lr=0.1)
scaler = ag.amp.GradScaler("cuda")
for x, y in data:
    opt.zero_grad()
    with ag.autocast("cuda"):            # matmul/conv/linear in float16, losses in float32
        loss = F.cross_entropy(model(x), y)
    scaler.scale(loss).backward()        # scaled, so small float16 gradients do not underflow
    scaler.unscale_(opt)                 # optional: clip or inspect the true gradients
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    scaler.step(opt)                     # skipped when a gradient is inf or NaN
    scaler.update()                      # backs the scale off after a skip, grows it when stable

``autocast(device_type)`` runs the ops of PyTorch's autocast lists in the dtype torch picks for
them on that device (tables ``_CUDA`` and ``_CPU`` below, from torch 2.13's
``aten/src/ATen/autocast_mode.h/.cpp``, for the ops tapegrad has; the two lists differ):

* lower precision (float16): matmul, mm, bmm, the add*mm family, linear, convolutions, ...;
* float32: the losses, softmax/log_softmax, layer/group/rms norm, sums, norms, exp/log/pow and
  the other functions that overflow or lose accuracy in float16 (the CUDA list), cdist, prod,
  quantile, trace, ... (the CPU list);
* promote: ops with several float inputs run in the widest of them (addcmul, atan2, dot, ...);
* mixed: batch/instance norm (and on the CPU layer/group/rms norm) take a float16 input with
  float32 parameters, as torch's kernels do: computed in float32, returned in float16;
* state: the recurrences torch's CPU list leaves out (GRU, the LSTM off oneDNN, the GRU and
  LSTM cells) run their gates through linear in float16 and update the recurrent state in the
  state's own dtype: computed in float16, returned in the dtype of the state (hx, or c of an
  LSTM's (h, c)). On CUDA every recurrence is lower precision (cuDNN and the *_cell ops).

Only floating tensors on the autocast's device are cast, never float64 (as torch). A cast is a
recorded ``Cast``, so gradients flow back in each input's own dtype: a float32 parameter used by
a float16 matmul gets a float32 ``.grad``. An autocast op's own implementation is not autocast
again (torch excludes the autocast key while the op runs). Backward ops run in the dtypes their
forward ran in (a backward pass without ``create_graph`` works on arrays, which are never cast;
``_backward_begin``/``_backward_end`` turn autocast off for a whole pass).

The switch an op's entry point reads is ``_active[0]``, the number of autocast regions open in
any thread: while it is 0 an op pays one list read. Only then does it read this thread's
``_tls.ready`` and pass itself and its arguments to ``autocast_call``, which casts them by the
op's policy and calls it again with autocast suspended.

``custom_fwd``/``custom_bwd`` decorate a custom ``Function``'s forward and backward as torch's.
``GradScaler`` lives in ``autograd/_grad_scaler.py``.

Differences from torch: tapegrad has no bfloat16 (NumPy lacks it), so both devices default to
float16 (torch's CPU default is bfloat16) and asking for bfloat16 raises TypeError.
"""

from __future__ import annotations

import functools
import threading
import warnings
import weakref

import numpy as np

from ._grad_scaler import GradScaler, OptState, _cuda_usable
from .function import Function
from .grad_mode import _decorate
from .grad_mode import _state as _grad_state
from .tensor import Tensor

__all__ = [
    "autocast",
    "is_autocast_available",
    "is_autocast_enabled",
    "get_autocast_dtype",
    "custom_fwd",
    "custom_bwd",
    "GradScaler",
    "OptState",
]

_F16 = np.dtype(np.float16)
_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)
_DEVICES = ("cpu", "cuda")

# -- the policies (torch's CastPolicy), per device type -------------------------------------------

LOWER = "lower"  # every eligible input to the autocast dtype (float16)
FP32 = "fp32"  # every eligible input to float32 (also torch's fp32_set_opt_dtype/append_dtype)
PROMOTE = "promote"  # every eligible input to the widest eligible dtype among them
MIXED = "mixed"  # float16 input with float32 parameters: computed in float32, output in float16
STATE = "state"  # computed in float16, outputs in the recurrent state's dtype (args[1], see above)
BANNED = "banned"  # raises (binary_cross_entropy on CUDA, as torch)


def _table(**lists) -> dict:
    return {op: policy.lower() for policy, names in lists.items() for op in names.split()}


# torch's CUDA lists (autocast_mode.h: AT_FORALL_LOWER_PRECISION_FP, _FP32, _FP32_SET_OPT_DTYPE,
# _DIFFERENT_REDISPATCH_SIGNATURE (norm), _PROMOTE). cross_entropy is not itself on them: torch
# runs it as log_softmax + nll_loss, both float32. batch_norm/instance_norm are not either: cuDNN
# takes a float16 input with float32 parameters and returns float16, which MIXED reproduces.
# rnn_tanh, rnn_relu, lstm and gru (nn.RNN/LSTM/GRU) run on cuDNN, whose _cudnn_rnn torch
# autocasts to lower precision (cudnn/AutocastRNN.cpp: input, hx, cx and weights in float16).
_CUDA = _table(
    LOWER="""matmul linalg_matmul mm bmm mv addmm addmv addbmm baddbmm einsum chain_matmul
        multi_dot vecdot linear conv1d conv2d conv3d conv_transpose1d conv_transpose2d
        conv_transpose3d prelu scaled_dot_product_attention lstm_cell gru_cell rnn_tanh_cell
        rnn_relu_cell rnn_tanh rnn_relu lstm gru""",
    FP32="""acos asin cosh sinh tan erfinv exp expm1 log log10 log2 log1p reciprocal rsqrt pow
        softplus layer_norm rms_norm group_norm cosine_similarity poisson_nll_loss
        cosine_embedding_loss nll_loss hinge_embedding_loss kl_div l1_loss smooth_l1_loss
        huber_loss mse_loss margin_ranking_loss multilabel_margin_loss soft_margin_loss
        triplet_margin_loss multi_margin_loss binary_cross_entropy_with_logits pdist cdist
        logsumexp interpolate prod softmax log_softmax cumprod cumsum vector_norm matrix_norm sum
        norm cross_entropy""",
    PROMOTE="""addcdiv addcmul atan2 bilinear cross dot vdot grid_sample index_put tensordot
        scatter_add""",
    MIXED="batch_norm instance_norm",
    BANNED="binary_cross_entropy",
)

# torch's CPU lists (autocast_mode.cpp, AutocastCPU). einsum, multi_dot, chain_matmul and
# tensordot are not on them, but torch runs them through bmm/mm, so they come out in float16.
# The norms take a float16 input with float32 parameters natively on the CPU (MIXED).
# The recurrences are not on them either but for mkldnn_rnn_layer, the oneDNN LSTM torch runs
# for a float32 input without projections (and not packed with ragged lengths). The others run
# each step through linear: the RNN's h' = act(linear + linear) comes out in float16 (LOWER);
# GRU and LSTM gates are float16 and their state update h' = (h - n) z + n, c' = f c + i g
# promotes to the state's dtype (STATE).
_CPU = _table(
    LOWER="""matmul linalg_matmul mm bmm addmm addbmm baddbmm linear vecdot conv1d conv2d conv3d
        conv_transpose1d conv_transpose2d conv_transpose3d prelu scaled_dot_product_attention
        einsum multi_dot chain_matmul tensordot mkldnn_rnn_layer rnn_tanh rnn_relu
        rnn_tanh_cell rnn_relu_cell""",
    FP32="""prod quantile nanquantile cdist trace grid_sample binary_cross_entropy mse_loss
        cosine_embedding_loss nll_loss hinge_embedding_loss poisson_nll_loss smooth_l1_loss
        cross_entropy l1_loss huber_loss margin_ranking_loss soft_margin_loss triplet_margin_loss
        multi_margin_loss kl_div multilabel_margin_loss binary_cross_entropy_with_logits
        ctc_loss avg_pool3d max_pool3d adaptive_avg_pool3d adaptive_max_pool3d pad""",
    PROMOTE="index_copy",
    MIXED="layer_norm group_norm rms_norm batch_norm instance_norm",
    STATE="gru lstm gru_cell lstm_cell",
)

_POLICIES = {"cpu": _CPU, "cuda": _CUDA}
AUTOCAST_OPS = frozenset(_CUDA) | frozenset(_CPU)  # the names an entry point may pass

_BCE_BANNED = (
    "binary_cross_entropy and nn.BCELoss are unsafe to autocast.\n"
    "Many models use a sigmoid layer right before the binary cross entropy layer.\n"
    "In this case, combine the two layers using nn.functional.binary_cross_entropy_with_logits\n"
    "or nn.BCEWithLogitsLoss.  binary_cross_entropy_with_logits and BCEWithLogits are\n"
    "safe to autocast."
)

# -- state -----------------------------------------------------------------------------------------

_active = [0]  # autocast regions open in all threads (entered and not yet exited)
_lock = threading.Lock()


class _State(threading.local):
    def __init__(self):
        self.on = {"cpu": None, "cuda": None}  # the autocast dtype of each device while enabled
        self.dtype = {"cpu": _F16, "cuda": _F16}  # get_autocast_dtype, enabled or not
        self.cache_enabled = True
        self.nesting = 0
        self.busy = 0  # inside an autocast op or a backward pass: no autocast there
        self.ready = False  # some device is enabled and not busy: what entry points read
        self.cache = {}  # id(float32 leaf) -> (weakref, version, its float16 cast)

    def refresh(self):
        on = self.on
        self.ready = not self.busy and (on["cpu"] is not None or on["cuda"] is not None)


_tls = _State()


def _device_arg(device_type, what: str) -> str:
    if not isinstance(device_type, str):
        raise TypeError(f"{what}: device_type must be a str, got {type(device_type).__name__}")
    if device_type not in _DEVICES:
        raise ValueError(
            f"{what}: unsupported autocast device_type {device_type!r} (expected 'cpu' or 'cuda')"
        )
    return device_type


def is_autocast_available(device_type: str) -> bool:
    """Whether ``autocast`` supports ``device_type`` ('cpu' and 'cuda' do)."""
    return device_type in _DEVICES


def is_autocast_enabled(device_type: str | None = None) -> bool:
    """Whether autocast is on for ``device_type`` in this thread (None: 'cuda', as torch)."""
    dev = _device_arg("cuda" if device_type is None else device_type, "is_autocast_enabled")
    return _tls.on[dev] is not None


def get_autocast_dtype(device_type: str):
    """The dtype ``autocast(device_type)`` runs lower-precision ops in: float16 unless set."""
    return _tls.dtype[_device_arg(device_type, "get_autocast_dtype")]


def _fast_dtype(dtype, device: str):
    """The autocast dtype asked for: float16, or None (unsupported: autocast disabled)."""
    if "bfloat16" in str(dtype):  # 'bfloat16', torch.bfloat16, ml_dtypes.bfloat16, ...
        raise TypeError(
            f"autocast: tapegrad lacks bfloat16 (NumPy has no bfloat16 dtype), so "
            f"autocast({device!r}, dtype=bfloat16) cannot run; use dtype=float16 (the default)"
        )
    try:
        d = np.dtype(dtype)
    except TypeError as e:
        raise TypeError(f"autocast: dtype must be a dtype, got {dtype!r}") from e
    if d != _F16:
        warnings.warn(
            f"In {device.upper()} autocast, but the target dtype {d} is not supported. Disabling "
            f"autocast.\n{device.upper()} Autocast only supports float16 in tapegrad.",
            stacklevel=3,
        )
        return None
    return d


class autocast:  # noqa: N801 - PyTorch's name
    """Run the ops inside in mixed precision (context manager or decorator), as ``torch.autocast``.

    device_type: 'cuda' (applies to ops on cuda tensors) or 'cpu' (ops on cpu tensors).
    dtype: the lower precision; None is ``get_autocast_dtype(device_type)`` (float16; tapegrad
        has no bfloat16: asking for it raises TypeError, any other dtype warns and disables).
    enabled: False turns autocast off for the block (nested regions: the innermost wins).
    cache_enabled: reuse the float16 cast of a float32 parameter across its uses inside the
        outermost autocast region (default True, as torch).

    State is per thread. 'cuda' without a usable GPU warns and disables itself, as torch does.
    """

    def __init__(self, device_type: str, dtype=None, enabled: bool = True, cache_enabled=None):
        self.device = _device_arg(device_type, "autocast")
        self.fast_dtype = _tls.dtype[self.device] if dtype is None else dtype
        fast = _fast_dtype(self.fast_dtype, self.device) if enabled else None
        if enabled and self.device == "cuda" and fast is not None and not _cuda_usable():
            warnings.warn("CUDA is not available. Disabling autocast.", stacklevel=2)
            fast = None
        self._fast = fast
        self._enabled = fast is not None
        if fast is not None:
            self.fast_dtype = fast
        self._cache_enabled = _tls.cache_enabled if cache_enabled is None else bool(cache_enabled)
        self._prev = []  # one entry per __enter__ not yet exited (re-entrant)

    def __enter__(self):
        st = _tls
        dev = self.device
        self._prev.append((st.on[dev], st.dtype[dev], st.cache_enabled, st.busy))
        st.busy = 0  # a region opened inside an autocast op or a backward pass applies
        st.on[dev] = self._fast
        if self._fast is not None:
            st.dtype[dev] = self._fast
        st.cache_enabled = self._cache_enabled
        st.nesting += 1
        with _lock:
            _active[0] += 1
        st.refresh()
        return self

    def __exit__(self, *exc):
        st = _tls
        dev = self.device
        st.on[dev], st.dtype[dev], st.cache_enabled, st.busy = self._prev.pop()
        st.nesting -= 1
        if st.nesting == 0:
            st.cache.clear()  # casts never outlive the outermost region
        with _lock:
            _active[0] -= 1
        st.refresh()
        return False

    def _fresh(self):
        ctx = object.__new__(autocast)
        ctx.__dict__.update(self.__dict__)
        ctx._prev = []
        return ctx

    def __call__(self, func):
        if not callable(func):
            raise TypeError(
                f"autocast()(func) requires a callable, but got {type(func).__name__}; as a "
                f"context manager write `with ag.autocast({self.device!r}):`"
            )
        return _decorate(self._fresh, func)


# -- the casts, for the entry points of the listed ops -------------------------------------------

_Cast = None


def _cast(t: Tensor, dtype) -> Tensor:
    global _Cast
    if _Cast is None:
        from .ops.elementwise import Cast as _Cast
    return _Cast.apply(t, dtype)


def _dev(t: Tensor) -> str:
    return "cuda" if type(t._data).__module__.startswith("cupy") else "cpu"


def cpu_float32(t):
    """``t`` for a linear-algebra op under CPU autocast: a float16 CPU tensor cast to float32
    (torch's CPU float32 list has the decompositions, inverses and solves), anything else as it
    is. Called by ``ops._linalg_util._matrix`` when an autocast region is open."""
    if (
        _tls.ready
        and _tls.on["cpu"] is not None
        and isinstance(t, Tensor)
        and t._data.dtype == _F16
        and _dev(t) == "cpu"
    ):
        return _cast(t, _F32)
    return t


def _device_type(args, kwargs):
    """'cpu' or 'cuda' for the first tensor among the arguments (one level into lists)."""
    for v in _flat((*args, *kwargs.values())):
        if isinstance(v, Tensor):
            return _dev(v)
    return None


def _eligible(v, dev: str) -> bool:
    """A floating, non-float64 tensor on the autocast's device (torch's ``is_eligible``)."""
    if not isinstance(v, Tensor):
        return False
    dt = v._data.dtype
    return dt.kind == "f" and dt != _F64 and _dev(v) == dev


def _lower_cached(t: Tensor, to):
    """``t`` cast to ``to``, reusing the cast of a float32 leaf parameter (torch's weight cache)."""
    st = _tls
    if not (
        st.cache_enabled
        and t._rg
        and t._node is None
        and t._data.dtype == _F32
        and getattr(t, "_base", None) is None
        and _grad_state.grad
    ):
        return _cast(t, to)
    key = id(t)
    hit = st.cache.get(key)
    if hit is not None and hit[0]() is t and hit[1] == t._version and hit[2].dtype == to:
        # the cast array is shared, the record is not: each use gets its own (torch's cast
        # records save nothing, so graphs sharing one could each backpropagate; ours release)
        return _CachedCast.apply(t, hit[2])
    c = _cast(t, to)
    st.cache[key] = (weakref.ref(t), t._version, c._data)
    return c


class _CachedCast(Function):
    """A cast whose result was computed before (the weight cache): forward hands the array
    over, backward is Cast's (the gradient in the input's dtype)."""

    __slots__ = ()

    def forward(self, x, arr):
        return arr

    def backward(self, gy):
        return self.reduce_grad(0, gy), None


def _autocasts(*tensors) -> bool:
    """Whether an autocast region of this thread (enabled, not suspended) covers every one of
    ``tensors``: Tensors, floating, not float64, on an enabled device type. For a composite
    layer whose own dtype check would refuse a float16 input with float32 weights: the
    autocast ops inside it cast them to one dtype (torch's MultiheadAttention, RNNs)."""
    st = _tls
    if not st.ready:
        return False
    for t in tensors:
        if not isinstance(t, Tensor):
            return False
        dev = _dev(t)
        if st.on[dev] is None or not _eligible(t, dev):
            return False
    return True


def _state_dtype(args, dev: str, low):
    """STATE: the dtype of the recurrent state ``args[1]`` (the last of a tuple (h, c)) when
    the outputs go back to it (it is eligible and not ``low``), else None."""
    state = args[1] if len(args) > 1 else None
    if isinstance(state, (tuple, list)):
        state = state[-1] if state else None
    if not _eligible(state, dev) or state._data.dtype == low:
        return None
    return state._data.dtype


def _cast_back(out, to):
    """``out`` (a Tensor, or a tuple or list of them and None) with each floating non-float64
    Tensor not already ``to`` cast to ``to``."""
    if isinstance(out, Tensor):
        dt = out._data.dtype
        return _cast(out, to) if dt.kind == "f" and dt != _F64 and dt != to else out
    if type(out) in (tuple, list):
        return type(out)(_cast_back(v, to) for v in out)
    return out


def _map(args, fn):
    return tuple(type(v)(fn(w) for w in v) if isinstance(v, (list, tuple)) else fn(v) for v in args)


def _flat(args):
    for v in args:
        if isinstance(v, (list, tuple)):
            yield from v
        else:
            yield v


def autocast_call(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with the inputs cast by the autocast policy of ``fn.__name__``
    (the op's name in the tables above) on the device of its first tensor argument.

    Entry points of the listed ops call it (``if _active[0] and _tls.ready``) with themselves as
    ``fn``; ``fn`` then runs with this thread's autocast suspended, so it does its own work.
    """
    st = _tls
    dev = _device_type(args, kwargs)
    low = None if dev is None else st.on[dev]
    op = fn.__name__
    policy = None if low is None else _POLICIES[dev].get(op)
    back = None
    if policy is not None:
        eligible = [v for v in _flat((*args, *kwargs.values())) if _eligible(v, dev)]
        if policy == BANNED:
            raise RuntimeError(f"{op}: {_BCE_BANNED}")
        if policy == MIXED:
            first = args[0] if args else None
            to = None
            if (
                _eligible(first, dev)
                and first._data.dtype == low
                and any(v._data.dtype == _F32 for v in eligible)
            ):
                to, back = _F32, low
        elif policy == PROMOTE:
            to = _F32 if any(v._data.dtype == _F32 for v in eligible) else low
        elif policy == STATE:
            to, back = low, _state_dtype(args, dev, low)
        else:
            to = low if policy == LOWER else _F32
        if to is not None and any(v._data.dtype != to for v in eligible):
            cast = _lower_cached if policy in (LOWER, STATE) else _cast

            def one(v):
                return cast(v, to) if _eligible(v, dev) and v._data.dtype != to else v

            args = _map(args, one)
            kwargs = {k: one(v) for k, v in kwargs.items()}
    st.busy += 1
    st.ready = False
    try:
        out = fn(*args, **kwargs)
    finally:
        st.busy -= 1
        st.refresh()
    if back is not None:
        out = _cast_back(out, back)
    return out


def _backward_begin():
    """Autocast off in this thread for a backward pass: torch runs backward ops in the dtypes
    their forward used. For ``engine.run_backward`` (paired with ``_backward_end``)."""
    _tls.busy += 1
    _tls.ready = False


def _backward_end():
    _tls.busy -= 1
    _tls.refresh()


# -- custom Functions (torch.amp.custom_fwd / custom_bwd) ---------------------------------------


def _cast_inputs(value, dev: str, dtype):
    """Eligible tensors in ``value`` (nested lists, tuples, dicts) cast to ``dtype``."""
    if isinstance(value, Tensor):
        keep = not _eligible(value, dev) or value._data.dtype == dtype
        return value if keep else _cast(value, dtype)
    if isinstance(value, (list, tuple)):
        return type(value)(_cast_inputs(v, dev, dtype) for v in value)
    if isinstance(value, dict):
        return {k: _cast_inputs(v, dev, dtype) for k, v in value.items()}
    return value


def custom_fwd(fwd=None, *, device_type: str, cast_inputs=None):
    """Decorator for the ``forward(ctx, ...)`` of a custom ``Function``, as torch's.

    cast_inputs None: forward runs under the surrounding autocast state, which is recorded on
    ``ctx`` for ``custom_bwd``. A dtype (e.g. ``ag.float32``): inside an autocast region for
    ``device_type``, forward's floating tensors (not float64) are cast to it and forward runs
    with autocast off.
    """
    _device_arg(device_type, "custom_fwd")
    if fwd is None:
        return functools.partial(custom_fwd, device_type=device_type, cast_inputs=cast_inputs)
    to = None if cast_inputs is None else np.dtype(cast_inputs)

    @functools.wraps(fwd)
    def decorate_fwd(ctx, *args, **kwargs):
        ctx._dtype = get_autocast_dtype(device_type)
        on = is_autocast_enabled(device_type)
        ctx._fwd_used_autocast = on and to is None
        if to is None or not on:
            return fwd(ctx, *args, **kwargs)
        with autocast(device_type, enabled=False):
            args = _cast_inputs(args, device_type, to)
            return fwd(ctx, *args, **_cast_inputs(kwargs, device_type, to))

    return decorate_fwd


def custom_bwd(bwd=None, *, device_type: str):
    """Decorator for the ``backward(ctx, ...)`` of a custom ``Function`` whose forward has
    ``custom_fwd``: backward runs with the autocast state forward ran with, as torch's."""
    _device_arg(device_type, "custom_bwd")
    if bwd is None:
        return functools.partial(custom_bwd, device_type=device_type)

    @functools.wraps(bwd)
    def decorate_bwd(ctx, *args, **kwargs):
        with autocast(device_type, dtype=ctx._dtype, enabled=ctx._fwd_used_autocast):
            return bwd(ctx, *args, **kwargs)

    return decorate_bwd
