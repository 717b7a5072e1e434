"""Recurrent layers: ``RNNCell``, ``LSTMCell``, ``GRUCell`` and the multi-layer, optionally
bidirectional ``RNN``, ``LSTM`` and ``GRU``, as ``torch.nn``.

Same constructor arguments and defaults, parameter names and shapes (a PyTorch ``state_dict``
loads as is, and back), initialisation U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) for every
parameter, reprs and return structures. A layer projects the whole input sequence in one matmul
per layer and direction; the recurrence over time is one op (``nn/_rnn_cells.py``)::

    lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True)
    out, (h_n, c_n) = lstm(x)        # x: (N, L, 10) -> out: (N, L, 20); h_n, c_n: (2, N, 20)

A ``PackedSequence`` input (``nn.utils.rnn``) is unpacked to the padded, length-ordered layout
(T, B, I) by one gather and runs through the same ops with the sequence lengths: past its own
end a sequence's state is frozen (forward direction) or not yet started (reverse direction), so
its last state is its state at its own last step; the valid outputs are gathered back into a
PackedSequence, and h_n/c_n are returned in the original batch order.

Under ``ag.autocast`` the layers run as torch's ops of the same names (``rnn_tanh``, ``lstm``,
``gru_cell``, ...: the policies are in autograd/amp.py): on CUDA in float16 (cuDNN); on the CPU
the RNNs in float16, GRU and LSTM with float16 gates and outputs in the recurrent state's dtype
(an LSTM with a float32 input, no projections and no ragged lengths runs on torch's oneDNN
path: float16). Parameters keep float32 gradients.
"""

from __future__ import annotations

import functools
import math
import numbers
import warnings

import numpy as np

import autograd as ag
from autograd import ShapeError
from autograd.amp import _active as _amp_on
from autograd.amp import _autocasts
from autograd.amp import _tls as _amp
from autograd.amp import autocast_call as _autocast
from autograd.tensor import Tensor

from . import functional as F
from . import init
from ._args import input_shape, size_arg
from ._rnn_cells import (
    GRURecurrence,
    LSTMRecurrence,
    RNNRecurrence,
    _gru_cell,
    _lstm_cell,
    _rnn_relu_cell,
    _rnn_tanh_cell,
)
from .functional.linear import Linear as _LinearFn
from .module import Module
from .parameter import Parameter
from .rnn_utils import PackedSequence, _batch_sizes, _host_ints, _sorted_lengths, _steps

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _tensor(name, x):
    """(x as a Tensor, its shape); TypeError naming the layer for a non-array."""
    shape = input_shape(name, x)
    return (x if isinstance(x, Tensor) else ag.as_tensor(x)), shape


def _check_dtype(name, what, t, w):
    # under autocast a float16 input meets float32 weights: the layer's op casts them to one
    # dtype (float64 is never cast, so it is still refused)
    if t.dtype != w.dtype and not (_amp_on[0] and _autocasts(t, w)):
        raise TypeError(
            f"{name}: {what} dtype {t.dtype} does not match weight dtype {w.dtype}; convert the "
            f"{what} ({what}.to({w.dtype})) or the model (model.to({t.dtype}))"
        )


def _check_bool(name, arg, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name}: {arg} should be of type bool, got: {type(value).__name__}")


def _check_nonlinearity(name, value):
    if value not in ("tanh", "relu"):
        raise ValueError(f"{name}: Unknown nonlinearity '{value}'. Select from 'tanh' or 'relu'.")


def _project(x, w_ih, b):
    """x (L, N, I) @ w_ih^T + b -> (L, N, G), as one 2-D GEMM over all L*N rows (on a 3-D x,
    matmul runs one small GEMM per step, ~1.8x slower forward and backward)."""
    steps, batch, size = x.shape
    gi = _LinearFn.apply(x.reshape(steps * batch, size), w_ih, b)
    return gi.reshape(steps, batch, w_ih.shape[0])


def _run(mode, x, h0, c0, w, reverse, lengths=None):
    """One layer and direction: x (L, N, I), h0 (N, P), c0 (N, H) (LSTM) ->
    (output (L, N, P), h_n (N, P), c_n (N, H) or None). w: (w_ih, w_hh, b_ih, b_hh, w_hr).
    lengths: None or (N,) ints, row b valid for t < lengths[b]; the state is frozen past it, so
    position L-1 (forward) or 0 (reverse) holds each row's final state."""
    w_ih, w_hh, b_ih, b_hh, w_hr = w
    last = 0 if reverse else -1
    if mode == "GRU":
        gi = _project(x, w_ih, b_ih)
        y = GRURecurrence.apply(gi, h0, w_hh, b_hh, reverse, lengths)
        return y, y[last], None
    gi = _project(x, w_ih, None if b_ih is None else b_ih + b_hh)
    if mode == "LSTM":
        y = LSTMRecurrence.apply(gi, h0, c0, w_hh, w_hr, reverse, lengths)
        p = h0.shape[-1]
        return y[..., :p], y[last, :, :p], y[last, :, p:]
    act = "relu" if mode == "RNN_RELU" else "tanh"
    y = RNNRecurrence.apply(gi, h0, w_hh, act, reverse, lengths)
    return y, y[last], None


def _recurrence(name: str):
    """The op torch calls ``name`` for a whole RNN layer stack, the autocast entry point of
    ``RNNBase``: input (L, N, I) time-major, hx h0 (D*layers, N, P) or, for an LSTM, (h0, c0),
    params the flat weights (``_flat_weights`` order) -> (output (L, N, D*P), h_n, c_n or
    None). module: the layer (its sizes); lengths: see ``_run``."""

    def op(input, hx, params, *, module, lengths=None):
        h0, c0 = hx if isinstance(hx, tuple) else (hx, None)
        return module._layers(input, h0, c0, lengths, params)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = _recurrence.__doc__.replace("``name``", name)
    return op


_RECURRENCES = {mode: _recurrence(mode.lower()) for mode in ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")}
_ONEDNN_LSTM = _recurrence("mkldnn_rnn_layer")  # the LSTM on torch's CPU oneDNN path


class RNNBase(Module):
    """Base of ``RNN``, ``LSTM`` and ``GRU``; ``mode``: 'RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU'.

    Parameters, per layer k and direction (suffix '' or '_reverse'), in PyTorch's order:
    ``weight_ih_l{k}`` (G*H, I_k), ``weight_hh_l{k}`` (G*H, P), ``bias_ih_l{k}``,
    ``bias_hh_l{k}`` (G*H,) and, with ``proj_size``, ``weight_hr_l{k}`` (P, H); G the gate count
    (1, 4, 3), P = proj_size or hidden_size, I_0 = input_size, I_k = D*P above (D directions).
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None,
                 generator=None):  # fmt: skip
        super().__init__()
        name = self._get_name()
        if mode not in _GATES:
            raise ValueError(f"{name}: Unrecognized RNN mode: {mode}")
        input_size = size_arg(name, "input_size", input_size, 1)
        hidden_size = size_arg(name, "hidden_size", hidden_size, 1)
        num_layers = size_arg(name, "num_layers", num_layers, 1)
        proj_size = size_arg(name, "proj_size", proj_size, 0)
        if (
            not isinstance(dropout, numbers.Real)
            or isinstance(dropout, bool)
            or not 0 <= dropout <= 1
        ):
            raise ValueError(
                f"{name}: dropout should be a number in range [0, 1] representing the "
                f"probability of an element being zeroed, got {dropout!r}"
            )
        _check_bool(name, "bias", bias)
        _check_bool(name, "batch_first", batch_first)
        if proj_size and mode != "LSTM":
            raise ValueError(
                f"{name}: proj_size argument is only supported for LSTM, not RNN or GRU"
            )
        if proj_size >= hidden_size:
            raise ValueError(
                f"{name}: proj_size has to be smaller than hidden_size, got proj_size="
                f"{proj_size} and hidden_size={hidden_size}"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                "dropout option adds dropout after all but last recurrent layer, so non-zero "
                f"dropout expects num_layers greater than 1, but got dropout={dropout} and "
                f"num_layers={num_layers}",
                stacklevel=3,
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        gates = _GATES[mode] * hidden_size
        real = proj_size or hidden_size
        dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        self._slots = []  # per layer and direction: names of (w_ih, w_hh, b_ih, b_hh, w_hr)
        for layer in range(num_layers):
            for d in range(dirs):
                layer_in = input_size if layer == 0 else real * dirs
                shapes = {"weight_ih": (gates, layer_in), "weight_hh": (gates, real)}
                if bias:
                    shapes.update(bias_ih=(gates,), bias_hh=(gates,))
                if proj_size:
                    shapes["weight_hr"] = (proj_size, hidden_size)
                sfx = "_reverse" if d else ""
                names = {k: f"{k}_l{layer}{sfx}" for k in shapes}
                for k, shape in shapes.items():
                    p = Parameter(ag.empty(*shape, dtype=dtype, device=device))
                    setattr(self, names[k], p)
                self._flat_weights_names.extend(names.values())
                self._all_weights.append(list(names.values()))
                keys = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
                self._slots.append(tuple(names.get(k) for k in keys))
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """Re-draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv, generator=generator)

    def flatten_parameters(self) -> None:
        """Does nothing (PyTorch compacts the weights for cuDNN; kept so its code runs)."""

    @property
    def all_weights(self) -> list:
        """The parameters per layer and direction: [[w_ih, w_hh, b_ih, b_hh(, w_hr)], ...]."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, n, None) for n in self._flat_weights_names]

    def _hidden(self, name, what, hx, expected, batched, w):
        """hx checked against ``expected`` (the batched shape) and made batched (D*layers, N, .)."""
        hx, shape = _tensor(name, hx)
        want = expected if batched else (expected[0], expected[2])
        if len(shape) != len(want):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            raise ShapeError(
                f"{name}: For {kind} input, {what} should also be {len(want)}-D but got "
                f"{len(shape)}-D tensor of shape {shape}"
            )
        if shape != want:
            raise ShapeError(f"{name}: Expected {what} size {want}, got {shape}")
        _check_dtype(name, what, hx, w)
        return hx if batched else hx.unsqueeze(1)

    def forward(self, input, hx=None):
        """input: (L, N, input_size), (N, L, input_size) with batch_first, or unbatched
        (L, input_size); hx: (D*num_layers, N, P) (unbatched: (D*num_layers, P)) or None
        (zeros), for LSTM a tuple (h_0, c_0), c_0 (D*num_layers, N, hidden_size).

        Returns (output, h_n) (LSTM: (output, (h_n, c_n))): output (L, N, D*P) ((N, L, D*P)
        with batch_first, (L, D*P) unbatched), h_n and c_n shaped as h_0 and c_0.

        A PackedSequence input (data (sum(lengths), input_size), N = batch_sizes[0]; batch_first
        does not apply) gives a PackedSequence output (data (sum(lengths), D*P), the same
        batch_sizes and indices); h_n/c_n hold each sequence's state at its own last step (the
        reverse direction's at its first), in the original batch order, and hx is taken in
        that order too.
        """
        name = self._get_name()
        if isinstance(input, PackedSequence):
            return self._forward_packed(name, input, hx)
        x, shape = _tensor(name, input)
        if len(shape) not in (2, 3):
            raise ShapeError(
                f"{name}: Expected input to be 2D or 3D, got {len(shape)}D tensor instead "
                f"(shape {shape})"
            )
        if shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {shape[-1]}"
            )
        # getattr, not _parameters: a weight may be swapped for a computed tensor (weight drop)
        w0 = getattr(self, self._flat_weights_names[0])
        _check_dtype(name, "input", x, w0)
        batched = len(shape) == 3
        first = batched and self.batch_first
        if shape[1 if first else 0] == 0:
            raise ShapeError(
                f"{name}: Expected sequence length to be larger than 0, got input of shape {shape}"
            )
        batch = (shape[0] if first else shape[1]) if batched else 1
        h0, c0 = self._state0(name, hx, batch, batched, x, w0)
        # time-major (L, N, I) from here on
        x = x.transpose(0, 1) if first else (x if batched else x.unsqueeze(1))
        x, h_n, c_n = self._recur(x, h0, c0)
        lstm = c_n is not None
        if not batched:
            x, h_n = x.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if lstm else None
        elif first:
            x = x.transpose(0, 1)
        return (x, (h_n, c_n)) if lstm else (x, h_n)

    def _forward_packed(self, name, seq, hx):
        """``forward`` on a PackedSequence: padded length-ordered layout, lengths to the ops."""
        x, shape = _tensor(name, seq.data)
        if len(shape) != 2:
            raise ShapeError(
                f"{name}: packed input data must be 2-D (sum of lengths, input_size), got "
                f"shape {shape}"
            )
        if shape[-1] != self.input_size:
            raise ShapeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected "
                f"{self.input_size}, got {shape[-1]}"
            )
        w0 = getattr(self, self._flat_weights_names[0])
        _check_dtype(name, "input", x, w0)
        bs = _batch_sizes(name, seq)
        steps, batch, total = bs.size, int(bs[0]), shape[0]
        h0, c0 = self._state0(name, hx, batch, True, x, w0)
        if seq.sorted_indices is not None:  # hx comes in the original order
            h0 = h0.index_select(1, seq.sorted_indices)
            c0 = None if c0 is None else c0.index_select(1, seq.sorted_indices)
        # (T, B, I), column j the j-th longest sequence: padded step (t, j) is packed row
        # pos[t, j], or the extra zero row `total` past the sequence's end
        lengths = _sorted_lengths(bs)
        t, j = _steps(bs)
        pos = np.full((steps, batch), total, dtype=np.int64)
        pos[t, j] = np.arange(total)
        if total < pos.size:
            x = ag.cat([x, ag.zeros((1, shape[1]), dtype=x.dtype, device=x.device)], 0)
        x = x.index_select(0, pos.reshape(-1)).reshape(steps, batch, shape[1])
        ragged = tuple(lengths.tolist()) if lengths[-1] < steps else None
        y, h_n, c_n = self._recur(x, h0, c0, ragged)
        out = PackedSequence(y[(t, j)], seq.batch_sizes, seq.sorted_indices, seq.unsorted_indices)
        if seq.unsorted_indices is not None:
            unsorted = _host_ints(seq.unsorted_indices)
            h_n = h_n.index_select(1, unsorted)
            c_n = None if c_n is None else c_n.index_select(1, unsorted)
        return (out, (h_n, c_n)) if c_n is not None else (out, h_n)

    def _state0(self, name, hx, batch, batched, x, w0):
        """(h_0, c_0) checked and batched, (D*num_layers, N, P) and (D*num_layers, N, H) (c_0
        None but for LSTM); zeros for hx None."""
        lstm = self.mode == "LSTM"
        dirs = 2 if self.bidirectional else 1
        h_shape = (self.num_layers * dirs, batch, self.proj_size or self.hidden_size)
        c_shape = (self.num_layers * dirs, batch, self.hidden_size)
        c0 = None
        if hx is None:
            h0 = ag.zeros(h_shape, dtype=x.dtype, device=x.device)
            if lstm:
                c0 = ag.zeros(c_shape, dtype=x.dtype, device=x.device)
        elif lstm:
            if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError(
                    f"{name}: hx must be a tuple (h_0, c_0) of two Tensors, got "
                    f"{type(hx).__name__}"
                    + (f" of length {len(hx)}" if isinstance(hx, (tuple, list)) else "")
                )
            h0 = self._hidden(name, "hidden[0]", hx[0], h_shape, batched, w0)
            c0 = self._hidden(name, "hidden[1]", hx[1], c_shape, batched, w0)
        else:
            h0 = self._hidden(name, "hidden", hx, h_shape, batched, w0)
        return h0, c0

    def _recur(self, x, h0, c0, lengths=None):
        """``_layers``, through the layer's autocast op (``_RECURRENCES``) while an autocast
        region is open: x, the state and the weights cast by its policy."""
        if not (_amp_on[0] and _amp.ready):
            return self._layers(x, h0, c0, lengths)
        op = _RECURRENCES[self.mode]
        cpu = x.device == "cpu"
        lstm = c0 is not None
        if lstm and cpu and x.dtype == np.float32 and not self.proj_size and not lengths:
            op = _ONEDNN_LSTM  # torch runs this LSTM on oneDNN, autocast to float16
        hx = h0 if c0 is None else (h0, c0)
        y, h_n, c_n = _autocast(op, x, hx, self._flat_weights, module=self, lengths=lengths)
        low = _amp.on["cpu"]
        if lstm and cpu and self.proj_size and low is not None and y.dtype != low:
            # torch projects h_t = W_hr (o_t tanh(c_t)) by matmul, in float16 whatever c's dtype
            y, h_n = ag.cast(y, low), ag.cast(h_n, low)
        return y, h_n, c_n

    def _layers(self, x, h0, c0, lengths=None, params=None):
        """Every layer and direction over x (L, N, I), time-major, from h0 (D*layers, N, P) and
        c0 (LSTM) -> (output (L, N, D*P), h_n, c_n or None). lengths: see ``_run``. params:
        the weights in ``_flat_weights`` order (None: the layer's own)."""
        lstm = self.mode == "LSTM"
        dirs = 2 if self.bidirectional else 1
        if params is None:  # getattr: a weight may be a computed tensor (weight drop)
            weight = functools.partial(getattr, self)
        else:
            weight = dict(zip(self._flat_weights_names, params)).__getitem__
        hn, cn = [], []
        for layer in range(self.num_layers):
            outs = []
            for d in range(dirs):
                k = layer * dirs + d
                w = tuple(None if n is None else weight(n) for n in self._slots[k])
                self._check_weights(k, w)
                out, h, c = _run(self.mode, x, h0[k], c0[k] if lstm else None, w, d == 1, lengths)
                outs.append(out)
                hn.append(h)
                cn.append(c)
            x = outs[0] if dirs == 1 else ag.cat(outs, 2)
            if self.dropout > 0 and self.training and layer + 1 < self.num_layers:
                x = F.dropout(x, self.dropout, True)
        return x, ag.stack(hn), (ag.stack(cn) if lstm else None)

    def _check_weights(self, k, w):
        """ShapeError naming the layer unless layer-and-direction k's weights w (w_ih, w_hh,
        b_ih, b_hh, w_hr) have the shapes its sizes give (a swapped-in weight may not)."""
        dirs = 2 if self.bidirectional else 1
        gates, p = _GATES[self.mode] * self.hidden_size, self.proj_size or self.hidden_size
        want = (
            (gates, self.input_size if k < dirs else p * dirs),
            (gates, p),
            (gates,),
            (gates,),
            (self.proj_size, self.hidden_size),
        )
        for pname, t, shape in zip(self._slots[k], w, want):
            if pname is not None and (t is None or tuple(t.shape) != shape):
                got = "None" if t is None else f"shape {tuple(t.shape)}"
                layer = f"{self._get_name()}({self.extra_repr()})"
                raise ShapeError(
                    f"{layer}: {pname} has {got}, expected {shape} from the layer's sizes"
                )

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


class RNN(RNNBase):
    """Multi-layer Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or
    relu (``nonlinearity``). See ``RNNBase.forward`` for shapes; returns (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None,
                 generator=None, **kwargs):  # fmt: skip
        _reject_kwargs("RNN", kwargs)
        _check_nonlinearity("RNN", nonlinearity)
        mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(mode, input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype, generator)  # fmt: skip
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Multi-layer LSTM (gates i, f, g, o), optionally with projections (``proj_size`` P > 0:
    h_t = W_hr (o_t * tanh(c_t))). See ``RNNBase.forward`` for shapes; returns
    (output, (h_n, c_n))."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device=None, dtype=None,
                 generator=None):  # fmt: skip
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype, generator)  # fmt: skip


class GRU(RNNBase):
    """Multi-layer GRU (gates r, z, n; n = tanh(W_in x + b_in + r * (W_hn h + b_hn))). See
    ``RNNBase.forward`` for shapes; returns (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None, generator=None,
                 **kwargs):  # fmt: skip
        _reject_kwargs("GRU", kwargs)
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype, generator)  # fmt: skip


def _reject_kwargs(name, kwargs):
    if "proj_size" in kwargs:
        raise ValueError(f"{name}: proj_size argument is only supported for LSTM, not RNN or GRU")
    if kwargs:
        raise TypeError(f"{name}: unexpected keyword argument '{next(iter(kwargs))}'")


# -- cells ---------------------------------------------------------------------------------------


class RNNCellBase(Module):
    """Base of the cells: ``weight_ih`` (G*H, input_size), ``weight_hh`` (G*H, H), ``bias_ih``
    and ``bias_hh`` (G*H,) (or None without bias), G = ``num_chunks`` gates, all drawn from
    U(-1/sqrt(H), 1/sqrt(H)). As in PyTorch, forward checks the input and state against the
    weights themselves (input_size = weight_ih.shape[1], H = weight_hh.shape[1]): swapped-in
    weights of other, consistent shapes work."""

    _chunks = 1  # G

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int,
                 device=None, dtype=None, generator=None):  # fmt: skip
        super().__init__()
        name = self._get_name()
        input_size = size_arg(name, "input_size", input_size)
        hidden_size = size_arg(name, "hidden_size", hidden_size)
        _check_bool(name, "bias", bias)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        g = num_chunks * hidden_size
        self.weight_ih = Parameter(ag.empty(g, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(ag.empty(g, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(ag.empty(g, dtype=dtype, device=device))
            self.bias_hh = Parameter(ag.empty(g, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        """Re-draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv, generator=generator)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        nonlinearity = self.__dict__.get("nonlinearity", "tanh")
        if nonlinearity != "tanh":
            s += f", nonlinearity={nonlinearity}"
        return s

    def _input(self, input):
        """(name, input as (N, input_size), batched, weights): the weights (w_ih, w_hh, b_ih,
        b_hh) read once (a parametrized one is computed) and checked with the input."""
        name = self._get_name()
        w = (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        x, shape = _tensor(name, input)
        if len(shape) not in (1, 2):
            raise ShapeError(
                f"{name}: Expected input to be 1D or 2D, got {len(shape)}D instead (shape {shape})"
            )
        si, sh = tuple(w[0].shape), tuple(w[1].shape)
        g = sh[1] * self._chunks if len(sh) == 2 else None
        if (
            len(si) != 2
            or si[0] != g
            or sh[0] != g
            or any(b is not None and tuple(b.shape) != (g,) for b in w[2:])
        ):
            bs = ", ".join(f"{n} {None if b is None else tuple(b.shape)}" for n, b in
                           (("bias_ih", w[2]), ("bias_hh", w[3])))  # fmt: skip
            raise ShapeError(
                f"{name}({self.extra_repr()}): the weights don't fit together: weight_ih {si}, "
                f"weight_hh {sh}, {bs}; expected ({self._chunks}*H, input_size), "
                f"({self._chunks}*H, H) and ({self._chunks}*H,) for one hidden size H"
            )
        if shape[-1] != si[1]:
            raise ShapeError(
                f"{name}: input.size(-1) must be equal to input_size. Expected {si[1]}, got "
                f"{shape[-1]}" + ("" if si[1] == self.input_size else f" (weight_ih {si})")
            )
        _check_dtype(name, "input", x, w[0])
        batched = len(shape) == 2
        return name, (x if batched else x.unsqueeze(0)), batched, w

    def _hidden(self, name, what, hx, x, batched, w):
        """hx as (N, H) (zeros when None), H = w_hh.shape[1], checked against input x
        (N, input_size)."""
        hid = w[1].shape[1]
        if hx is None:
            return ag.zeros((x.shape[0], hid), dtype=x.dtype, device=x.device)
        hx, shape = _tensor(name, hx)
        want = (x.shape[0], hid) if batched else (hid,)
        if shape != want:
            raise ShapeError(
                f"{name}: Expected {what} size {want} for input of shape "
                f"{tuple(x.shape) if batched else tuple(x.shape[1:])}, got {shape}"
            )
        _check_dtype(name, what, hx, w[0])
        return hx if batched else hx.unsqueeze(0)

    def _step(self, cell, x, hx, w):
        """``cell(x, hx, *w)``, through autocast while a region is open (the cell's policy
        casts x, hx and the weights)."""
        if _amp_on[0] and _amp.ready:
            return _autocast(cell, x, hx, *w)
        return cell(x, hx, *w)


class RNNCell(RNNCellBase):
    """h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh), act tanh or relu.

    forward(input, hx=None): input (N, input_size) or (input_size,); hx (N, hidden_size) or
    (hidden_size,), zeros when None. Returns h' shaped as hx.
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device=None, dtype=None,
                 generator=None):  # fmt: skip
        _check_nonlinearity("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, 1, device, dtype, generator)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        """(N, input_size) or (input_size,), hx as the result or None -> h' (N, hidden_size)
        or (hidden_size,)."""
        name, x, batched, w = self._input(input)
        h = self._hidden(name, "hidden", hx, x, batched, w)
        cell = _rnn_tanh_cell if self.nonlinearity == "tanh" else _rnn_relu_cell
        y = self._step(cell, x, h, w)
        return y if batched else y[0]


class LSTMCell(RNNCellBase):
    """One LSTM step (gates i, f, g, o): c' = f c + i g, h' = o tanh(c').

    forward(input, hx=None): input (N, input_size) or (input_size,); hx a tuple (h, c), each
    (N, hidden_size) or (hidden_size,), zeros when None. Returns (h', c').
    """

    _chunks = 4

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None, generator=None):  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 4, device, dtype, generator)

    def forward(self, input, hx=None):
        """(N, input_size) or (input_size,), hx a tuple (h, c) or None -> (h', c'), each
        (N, hidden_size) or (hidden_size,)."""
        name, x, batched, w = self._input(input)
        if hx is None:
            h = c = self._hidden(name, "hx[0]", None, x, batched, w)
        else:
            if not (isinstance(hx, (tuple, list)) and len(hx) == 2):
                raise TypeError(
                    f"{name}: hx must be a tuple (h, c) of two Tensors, got {type(hx).__name__}"
                )
            h = self._hidden(name, "hx[0]", hx[0], x, batched, w)
            c = self._hidden(name, "hx[1]", hx[1], x, batched, w)
        h, c = self._step(_lstm_cell, x, (h, c), w)
        return (h, c) if batched else (h[0], c[0])


class GRUCell(RNNCellBase):
    """One GRU step (gates r, z, n): n = tanh(W_in x + b_in + r (W_hn h + b_hn)),
    h' = (1 - z) n + z h.

    forward(input, hx=None): input (N, input_size) or (input_size,); hx (N, hidden_size) or
    (hidden_size,), zeros when None. Returns h' shaped as hx.
    """

    _chunks = 3

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None,
                 dtype=None, generator=None):  # fmt: skip
        super().__init__(input_size, hidden_size, bias, 3, device, dtype, generator)

    def forward(self, input, hx=None):
        """(N, input_size) or (input_size,), hx as the result or None -> h' (N, hidden_size)
        or (hidden_size,)."""
        name, x, batched, w = self._input(input)
        h = self._hidden(name, "hidden", hx, x, batched, w)
        y = self._step(_gru_cell, x, h, w)
        return y if batched else y[0]
