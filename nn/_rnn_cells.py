"""The recurrences behind ``nn.RNN``/``LSTM``/``GRU`` and their cells: one op per layer and
direction.

Each op takes the input projections of the whole sequence, ``gi = x @ W_ih^T + b`` (L, N, G),
computed beforehand in one matmul, and runs the recurrent part over time on raw arrays: one
record on the tape per layer and direction, whatever the sequence length (a record per step, with
a slice of ``gi`` each, would make backward quadratic in L: a slice's gradient is a full-size
array). Gate order and formulas are PyTorch's:

* RNN:  h_t = act(gi_t + W_hh h_{t-1})                         (b_hh folded into gi)
* LSTM: a = gi_t + W_hh h_{t-1} = [a_i, a_f, a_g, a_o]          (b_hh folded into gi)
        c_t = sigmoid(a_f) c_{t-1} + sigmoid(a_i) tanh(a_g)
        h_t = W_hr (sigmoid(a_o) tanh(c_t))                     (W_hr only with proj_size)
* GRU:  gh = W_hh h_{t-1} + b_hh;  r, z = sigmoid(gi_{r,z} + gh_{r,z})
        n = tanh(gi_n + r * gh_n);  h_t = (1 - z) n + z h_{t-1}

Forward is a tight loop on preallocated buffers: per step one GEMM for the recurrent part,
taken as W_hh h^T (the shape OpenBLAS runs fastest here, ~1.7x h W_hh^T), and the gate math by
in-place ufuncs. LSTM and GRU keep their gate activations (and the LSTM tanh(c_t)) as private
saved values (``Function.save_private``).

Backward has two paths. First order (``create_graph`` off: ``gy`` is an array) is
backpropagation through time by hand on arrays: per step the gate gradients by in-place products
into one (L, N, G) buffer, from the activations forward kept, and one GEMM for the recurrent
gradient; after the loop one GEMM over all steps for the weight gradient. Under ``create_graph``
(``gy`` a Tensor) the rule is written with ``autograd`` ops, so it records a graph and
second-order gradients are exact: the gates are recomputed for every step at once from the saved
inputs and output (one matmul, graph-connected), then one loop runs backwards over time. Both
give the same gradients up to rounding (tests/nn/test_rnn.py checks it).

Variable lengths (packed sequences): every op takes an optional ``lengths``, one int per batch
row (1 <= lengths[b] <= L). Step t of row b is then live only for t < lengths[b]; at a dead step
the state is frozen, h_t = h_{t-1} (and c_t = c_{t-1}), so position L-1 of a forward run holds
each row's state at its own last step, and a reverse run starts at each row's own last step from
h0. Backward is the same recurrence with the live mask m_t folded in: a dead step passes dh (and
dc) straight to the step before and gives no gradient to gi or the weights. Without ``lengths``
the code path is unchanged.

The cell layers (``nn.RNNCell``, ...) run one step through ``_rnn_tanh_cell``, ``_lstm_cell``,
... at the end of this file: torch's cell ops, the entry points autocast casts by its policy.
"""

from __future__ import annotations

import numpy as np

import autograd as ag
from autograd import Function
from autograd.tensor import Tensor
from backends import array_module, kernels

from .functional.linear import Linear as _LinearFn

__all__ = ["RNNRecurrence", "LSTMRecurrence", "GRURecurrence"]


def _order(n: int, reverse: bool):
    return range(n - 1, -1, -1) if reverse else range(n)


def _sigmoid_(xp, a):
    """a <- 1 / (1 + e^-a) in place (any strides). Full precision for both signs; e^-a
    overflows to inf for very negative a (call under ``np.errstate(over="ignore")``), giving 0,
    the limit."""
    xp.negative(a, out=a)
    xp.exp(a, out=a)
    a += 1
    xp.reciprocal(a, out=a)


def _live(op, xp, gi, lengths):
    """Bool (L, N, 1), step t of row b is live (t < lengths[b]), or None when ``lengths`` is
    None; keeps the float mask (gi's dtype) in ``op.mask`` for backward."""
    if lengths is None:
        op.mask = None
        return None
    live = (xp.arange(gi.shape[0])[:, None] < xp.asarray(lengths)[None, :])[..., None]
    op.mask = live.astype(gi.dtype)
    return live


def _prev(hs, h0, reverse: bool):
    """The state each step reads: (L, N, H) from h0 (N, H) and the states hs (L, N, H)."""
    if reverse:
        return ag.cat([hs[1:], h0[None]], 0)
    return ag.cat([h0[None], hs[:-1]], 0)


def _weight_grad(dg, inp):
    """sum_t dg_t^T inp_t: dg (L, N, G), inp (L, N, K) -> (G, K)."""
    rows = dg.shape[0] * dg.shape[1]  # not -1: ambiguous when a size is 0
    return ag.matmul(dg.reshape(rows, dg.shape[2]).T, inp.reshape(rows, inp.shape[2]))


def _weight_grad_arrays(dg, hs, h0, reverse: bool):
    """sum_t dg_t^T h_prev(t) on arrays, without building the (L, N, K) states read: dg
    (L, N, G); hs (L, N, K) the states (any row stride); h0 (N, K). Returns (G, K)."""
    mm = kernels(dg).matmul
    n, batch, g = dg.shape
    rows, k = (n - 1) * batch, hs.shape[2]
    # forward: step t >= 1 reads h_{t-1}, step 0 reads h0; reverse: step t < L-1 reads h_{t+1}
    steps, read = (slice(None, -1), slice(1, None)) if reverse else (slice(1, None), slice(-1))
    out = mm(dg[steps].reshape(rows, g).T, hs[read].reshape(rows, k))
    out += mm(dg[-1 if reverse else 0].T, h0)
    return out


def _masks(m):
    """(m, 1 - m) for a float mask m (L, N, 1), or (None, None)."""
    return (None, None) if m is None else (m, 1 - m)


class RNNRecurrence(Function):
    """Elman recurrence h_t = act(gi_t + h_{t-1} @ w_hh^T), act tanh or relu.

    gi: (L, N, H) input projections (both biases added); h0: (N, H); w_hh: (H, H);
    nonlinearity: 'tanh' | 'relu'; reverse: run from t = L-1 down to 0; lengths: None or one
    int per row (frozen state past it, see the module docstring). Returns (L, N, H), h_t at
    position t. Backward needs only the outputs: tanh' = 1 - h^2, relu' = [h > 0].
    """

    __slots__ = ("relu", "reverse", "mask")
    save_inputs = (1, 2)
    save_output = True

    def forward(self, gi, h0, w_hh, nonlinearity, reverse, lengths=None):
        self.relu, self.reverse = nonlinearity == "relu", reverse
        xp = array_module(gi)
        live = _live(self, xp, gi, lengths)
        y = xp.empty(gi.shape, dtype=gi.dtype)
        rec = xp.empty((w_hh.shape[0], gi.shape[1]), dtype=gi.dtype)
        h = h0
        for t in _order(gi.shape[0], reverse):
            a = y[t]
            xp.matmul(w_hh, h.T, out=rec)
            xp.add(gi[t], rec.T, out=a)
            if self.relu:
                xp.maximum(a, 0, out=a)
            else:
                xp.tanh(a, out=a)
            if live is not None:
                xp.copyto(a, h, where=~live[t])
            h = a
        return y

    def backward(self, gy):
        if isinstance(gy, Tensor):
            return self._backward_graph(gy)
        h0, w_hh, y = self.saved
        xp = array_module(y)
        n = y.shape[0]
        m, dead = _masks(self.mask)
        da = xp.empty(y.shape, dtype=y.dtype)
        dh = xp.empty(y.shape[1:], dtype=y.dtype)
        carry = xp.empty(y.shape[1:], dtype=y.dtype)
        last = n - 1 if self.reverse else 0  # the step that reads h0
        first = True
        for t in _order(n, not self.reverse):
            g = gy[t] if first else xp.add(gy[t], carry, out=dh)
            first = False
            h, k = y[t], da[t]
            if self.relu:
                xp.multiply(g, h > 0, out=k)
            else:
                xp.multiply(h, h, out=k)
                xp.subtract(1, k, out=k)
                k *= g
            if m is not None:
                k *= m[t]
            if t != last or self.needs_grad(1):
                xp.matmul(k, w_hh, out=carry)
                if m is not None:
                    carry += g * dead[t]
        gw = _weight_grad_arrays(da, y, h0, self.reverse) if self.needs_grad(2) else None
        gh0 = carry if self.needs_grad(1) else None
        return (da if self.needs_grad(0) else None), gh0, gw, None, None, None

    def _backward_graph(self, gy):
        """backward under create_graph: autograd ops on Tensors (second order exact)."""
        h0, w_hh, y = self.saved
        n, m = y.shape[0], self.mask
        dead = None if m is None else 1 - m  # a dead step passes dh on unchanged
        das = [None] * n
        carry = None
        last = n - 1 if self.reverse else 0  # the step that reads h0
        for t in _order(n, not self.reverse):
            dh = gy[t] if carry is None else gy[t] + carry
            h = y[t]
            da = dh * (h > 0).astype(h.dtype) if self.relu else dh * (1 - h * h)
            if m is not None:
                da = da * m[t]
            das[t] = da
            if t != last or self.needs_grad(1):
                carry = ag.matmul(da, w_hh)
                if m is not None:
                    carry = carry + dh * dead[t]
        da = ag.stack(das)
        gw = _weight_grad(da, _prev(y, h0, self.reverse)) if self.needs_grad(2) else None
        gi = da if self.needs_grad(0) else None
        return gi, carry if self.needs_grad(1) else None, gw, None, None, None


class LSTMRecurrence(Function):
    """LSTM recurrence (gates i, f, g, o), optionally with a projection of the hidden state.

    gi: (L, N, 4H) input projections (both biases added); h0: (N, P); c0: (N, H);
    w_hh: (4H, P); w_hr: (P, H) or None (then P = H); reverse and lengths as in
    ``RNNRecurrence``. Returns (L, N, P + H): [h_t, c_t] at position t. Keeps the activations
    [i, f, g, o] (L, N, 4H) and tanh(c_t) (L, N, H) for the first-order backward.
    """

    __slots__ = ("reverse", "mask")
    save_inputs = (0, 1, 2, 3, 4)
    save_output = True
    save_private = True

    def forward(self, gi, h0, c0, w_hh, w_hr, reverse, lengths=None):
        self.reverse = reverse
        xp = array_module(gi)
        n, batch, dt = gi.shape[0], gi.shape[1], gi.dtype
        hid, p = c0.shape[1], h0.shape[1]
        live = _live(self, xp, gi, lengths)
        y = xp.empty((n, batch, p + hid), dtype=dt)
        act = xp.empty(gi.shape, dtype=dt)  # [i, f, g, o] per step
        tcs = xp.empty((n, batch, hid), dtype=dt)  # tanh(c_t)
        rec = xp.empty((4 * hid, batch), dtype=dt)
        tmp = xp.empty((batch, hid), dtype=dt)
        h, c = h0, c0
        with np.errstate(over="ignore"):
            for t in _order(n, reverse):
                a, tc = act[t], tcs[t]
                xp.matmul(w_hh, h.T, out=rec)
                xp.add(gi[t], rec.T, out=a)
                i, f = a[:, :hid], a[:, hid : 2 * hid]
                g, o = a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
                # sigmoid over the whole row, contiguous, then tanh put back in the g block:
                # ~1.5x faster than sigmoid on the i, f and o blocks (strided) alone
                xp.tanh(g, out=tmp)
                _sigmoid_(xp, a)
                xp.copyto(g, tmp)
                hn, cn = y[t, :, :p], y[t, :, p:]
                xp.multiply(f, c, out=cn)
                xp.multiply(i, g, out=tmp)
                cn += tmp
                xp.tanh(cn, out=tc)
                if w_hr is None:
                    xp.multiply(o, tc, out=hn)
                else:
                    xp.multiply(o, tc, out=tmp)
                    hn[...] = kernels(gi).matmul(tmp, w_hr.T)
                if live is not None:
                    dead = ~live[t]
                    xp.copyto(hn, h, where=dead)
                    xp.copyto(cn, c, where=dead)
                h, c = hn, cn
        self._private = (act, tcs)
        return y

    def backward(self, gy):
        if isinstance(gy, Tensor):
            return self._backward_graph(gy)
        _, h0, c0, w_hh, w_hr, y, act, tcs = self.saved
        xp = array_module(y)
        n, batch, dt = y.shape[0], y.shape[1], y.dtype
        p, hid = h0.shape[1], c0.shape[1]
        m, dead = _masks(self.mask)
        da = xp.empty(act.shape, dtype=dt)  # the gate gradients d a_t of all steps
        dhs = xp.empty((n, batch, p), dtype=dt) if self.needs_grad(4) else None
        dh, carry_h = xp.empty((batch, p), dtype=dt), xp.empty((batch, p), dtype=dt)
        dc, carry_c = xp.empty((batch, hid), dtype=dt), xp.empty((batch, hid), dtype=dt)
        tmp = xp.empty((batch, hid), dtype=dt)
        last = n - 1 if self.reverse else 0  # the step that reads h0 and c0
        first = True
        for t in _order(n, not self.reverse):
            gh = gy[t, :, :p] if first else xp.add(gy[t, :, :p], carry_h, out=dh)
            if dhs is not None:
                dhs[t] = gh
            dr = gh if w_hr is None else xp.matmul(gh, w_hr)  # d(o_t tanh c_t)
            a, tc, k = act[t], tcs[t], da[t]
            i, f = a[:, :hid], a[:, hid : 2 * hid]
            g, o = a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
            # dc_t = dr o (1 - tanh^2 c_t) + gc_t + dc_{t+1} f_{t+1}
            xp.multiply(tc, tc, out=dc)
            xp.subtract(1, dc, out=dc)
            dc *= o
            dc *= dr
            if m is not None:
                dc *= m[t]
            dc += gy[t, :, p:]
            if not first:
                dc += carry_c
            # d a_i = dc g i (1 - i), d a_f = dc c_{t-1} f (1 - f), d a_g = dc i (1 - g^2),
            # d a_o = dr tanh(c_t) o (1 - o)
            xp.subtract(1, a, out=k)
            k *= a
            kg = k[:, 2 * hid : 3 * hid]
            xp.multiply(g, g, out=kg)
            xp.subtract(1, kg, out=kg)
            k.reshape(batch, 4, hid)[:, :3] *= dc[:, None, :]
            k[:, :hid] *= g
            k[:, hid : 2 * hid] *= c0 if t == last else y[t + 1 if self.reverse else t - 1, :, p:]
            kg *= i
            xp.multiply(dr, tc, out=tmp)
            k[:, 3 * hid :] *= tmp
            if m is not None:
                k *= m[t]
            if t != last or self.needs_grad(2):
                if m is None:
                    xp.multiply(dc, f, out=carry_c)
                else:  # a dead step passes dc on unchanged
                    xp.multiply(f, m[t], out=tmp)
                    tmp += dead[t]
                    xp.multiply(dc, tmp, out=carry_c)
            if t != last or self.needs_grad(1):
                xp.matmul(k, w_hh, out=carry_h)
                if m is not None:
                    carry_h += gh * dead[t]
            first = False
        gw_hh = gw_hr = None
        if self.needs_grad(3):
            gw_hh = _weight_grad_arrays(da, y[..., :p], h0, self.reverse)
        if self.needs_grad(4):
            r = act[..., 3 * hid :] * tcs  # o_t tanh(c_t), what w_hr multiplies
            if m is not None:
                r *= m
            rows = n * batch
            gw_hr = kernels(y).matmul(dhs.reshape(rows, p).T, r.reshape(rows, hid))
        return (
            da if self.needs_grad(0) else None,
            carry_h if self.needs_grad(1) else None,
            carry_c if self.needs_grad(2) else None,
            gw_hh,
            gw_hr,
            None,
            None,
        )

    def _backward_graph(self, gy):
        """backward under create_graph: autograd ops on Tensors, the gates recomputed from the
        saved inputs (second order exact)."""
        gi, h0, c0, w_hh, w_hr, y = self.saved[:6]
        n, p, hid = y.shape[0], h0.shape[1], c0.shape[1]
        hs, cs = y[..., :p], y[..., p:]
        hp, cp = _prev(hs, h0, self.reverse), _prev(cs, c0, self.reverse)
        a = gi + ag.matmul(hp, w_hh.T)
        s = ag.sigmoid(a)
        i, f, o = s[..., :hid], s[..., hid : 2 * hid], s[..., 3 * hid :]
        g = ag.tanh(a[..., 2 * hid : 3 * hid])
        tc = ag.tanh(cs)
        # d a_i, d a_f, d a_g per unit dc_t, then d a_o per unit dr_t (r_t = o_t tanh c_t)
        k = ag.cat([g * i * (1 - i), cp * f * (1 - f), i * (1 - g * g), tc * o * (1 - o)], -1)
        k_c = o * (1 - tc * tc)  # dc_t per unit dr_t
        ot = o * tc if self.needs_grad(4) else None  # r_t, what w_hr multiplies
        m = self.mask
        if m is not None:  # a dead step: no gate gradients; dc and dh pass on unchanged
            dead = 1 - m
            k, k_c, f = k * m, k_c * m, f * m + dead
            ot = None if ot is None else ot * m
        gh, gc = gy[..., :p], gy[..., p:]
        das, dhs = [None] * n, [None] * n
        carry_h = carry_c = None
        last = n - 1 if self.reverse else 0
        for t in _order(n, not self.reverse):
            dh = gh[t] if carry_h is None else gh[t] + carry_h
            dr = dh if w_hr is None else ag.matmul(dh, w_hr)
            dhs[t] = dh
            dc = dr * k_c[t] + gc[t]
            if carry_c is not None:
                dc = dc + carry_c
            da = ag.cat([dc, dc, dc, dr], -1) * k[t]
            das[t] = da
            if t != last or self.needs_grad(2):
                carry_c = dc * f[t]
            if t != last or self.needs_grad(1):
                carry_h = ag.matmul(da, w_hh)
                if m is not None:
                    carry_h = carry_h + dh * dead[t]
        da = ag.stack(das)
        gw_hh = _weight_grad(da, hp) if self.needs_grad(3) else None
        gw_hr = _weight_grad(ag.stack(dhs), ot) if self.needs_grad(4) else None
        return (
            da if self.needs_grad(0) else None,
            carry_h if self.needs_grad(1) else None,
            carry_c if self.needs_grad(2) else None,
            gw_hh,
            gw_hr,
            None,
            None,
        )


class GRURecurrence(Function):
    """GRU recurrence (gates r, z, n; the reset gate multiplies W_hn h + b_hn).

    gi: (L, N, 3H) input projections (b_ih added); h0: (N, H); w_hh: (3H, H); b_hh: (3H,) or
    None; reverse and lengths as in ``RNNRecurrence``. Returns (L, N, H), h_t at position t.
    Keeps [r, z, n, W_hn h_{t-1} + b_hn] (L, N, 4H) for the first-order backward.
    """

    __slots__ = ("reverse", "mask")
    save_inputs = (0, 1, 2, 3)
    save_output = True
    save_private = True

    def forward(self, gi, h0, w_hh, b_hh, reverse, lengths=None):
        self.reverse = reverse
        xp = array_module(gi)
        n, batch, dt = gi.shape[0], gi.shape[1], gi.dtype
        hid = h0.shape[1]
        live = _live(self, xp, gi, lengths)
        y = xp.empty((n, batch, hid), dtype=dt)
        act = xp.empty((n, batch, 4 * hid), dtype=dt)  # [r, z, n, W_hn h + b_hn] per step
        rec = xp.empty((3 * hid, batch), dtype=dt)
        h = h0
        with np.errstate(over="ignore"):
            for t in _order(n, reverse):
                a, x = act[t], gi[t]
                xp.matmul(w_hh, h.T, out=rec)
                rz, nn_, ghn = a[:, : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
                if b_hh is None:
                    xp.add(x[:, : 2 * hid], rec[: 2 * hid].T, out=rz)
                    ghn[...] = rec[2 * hid :].T
                else:
                    xp.add(rec[: 2 * hid].T, b_hh[: 2 * hid], out=rz)
                    rz += x[:, : 2 * hid]
                    xp.add(rec[2 * hid :].T, b_hh[2 * hid :], out=ghn)
                _sigmoid_(xp, rz)
                xp.multiply(a[:, :hid], ghn, out=nn_)
                nn_ += x[:, 2 * hid :]
                xp.tanh(nn_, out=nn_)
                hn = y[t]
                xp.subtract(h, nn_, out=hn)
                hn *= a[:, hid : 2 * hid]
                hn += nn_
                if live is not None:
                    xp.copyto(hn, h, where=~live[t])
                h = hn
        self._private = (act,)
        return y

    def backward(self, gy):
        if isinstance(gy, Tensor):
            return self._backward_graph(gy)
        _, h0, w_hh, b_hh, y, act = self.saved
        xp = array_module(y)
        n, batch, hid, dt = y.shape[0], y.shape[1], y.shape[2], y.dtype
        m, dead = _masks(self.mask)
        dgi = xp.empty((n, batch, 3 * hid), dtype=dt)  # d(pre-activation) of gi's r, z, n
        dgh = xp.empty((n, batch, 3 * hid), dtype=dt)  # ... and of gh = W_hh h + b_hh
        dh, carry = xp.empty((batch, hid), dtype=dt), xp.empty((batch, hid), dtype=dt)
        tmp = xp.empty((batch, hid), dtype=dt)
        last = n - 1 if self.reverse else 0
        first = True
        for t in _order(n, not self.reverse):
            g = gy[t] if first else xp.add(gy[t], carry, out=dh)
            first = False
            a, k, kh = act[t], dgi[t], dgh[t]
            r, z = a[:, :hid], a[:, hid : 2 * hid]
            nn_, ghn = a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
            kr, kz, kn = k[:, :hid], k[:, hid : 2 * hid], k[:, 2 * hid :]
            # d n = dh (1 - z) (1 - n^2); d r = d n gh_n r (1 - r); d z = dh (h_prev - n) z (1 - z)
            xp.subtract(1, z, out=tmp)
            xp.multiply(nn_, nn_, out=kn)
            xp.subtract(1, kn, out=kn)
            kn *= tmp
            kn *= g
            xp.subtract(1, r, out=kr)
            kr *= r
            kr *= ghn
            kr *= kn
            hp = h0 if t == last else y[t + 1 if self.reverse else t - 1]
            xp.subtract(hp, nn_, out=kz)
            kz *= tmp
            kz *= z
            kz *= g
            if m is not None:
                k *= m[t]
            kh[:, : 2 * hid] = k[:, : 2 * hid]
            xp.multiply(kn, r, out=kh[:, 2 * hid :])
            if t != last or self.needs_grad(1):
                xp.matmul(kh, w_hh, out=carry)
                if m is None:
                    xp.multiply(g, z, out=tmp)
                else:  # a dead step passes dh on unchanged
                    xp.multiply(z, m[t], out=tmp)
                    tmp += dead[t]
                    tmp *= g
                carry += tmp
        gw = gb = None
        if self.needs_grad(2):
            gw = _weight_grad_arrays(dgh, y, h0, self.reverse)
        if self.needs_grad(3):
            gb = dgh.sum(axis=(0, 1))
        return (
            dgi if self.needs_grad(0) else None,
            carry if self.needs_grad(1) else None,
            gw,
            gb,
            None,
            None,
        )

    def _backward_graph(self, gy):
        """backward under create_graph: autograd ops on Tensors, the gates recomputed from the
        saved inputs (second order exact)."""
        gi, h0, w_hh, b_hh, y = self.saved[:5]
        n, hid = y.shape[0], h0.shape[1]
        hp = _prev(y, h0, self.reverse)
        ghs = ag.matmul(hp, w_hh.T)
        if b_hh is not None:
            ghs = ghs + b_hh
        rz = ag.sigmoid(gi[..., : 2 * hid] + ghs[..., : 2 * hid])
        r, z = rz[..., :hid], rz[..., hid:]
        gh_n = ghs[..., 2 * hid :]
        nn_ = ag.tanh(gi[..., 2 * hid :] + r * gh_n)
        # d(pre-activation) of the r, z, n blocks of gi and of gh per unit dh_t
        k_n = (1 - z) * (1 - nn_ * nn_)
        k_rn = k_n * gh_n * r * (1 - r)
        k_z = (hp - nn_) * z * (1 - z)
        k_i, k_h = ag.cat([k_rn, k_z, k_n], -1), ag.cat([k_rn, k_z, k_n * r], -1)
        m = self.mask
        if m is not None:  # a dead step: no gate gradients; dh passes on unchanged
            k_i, k_h, z = k_i * m, k_h * m, z * m + (1 - m)
        dis = [None] * n
        carry = None
        last = n - 1 if self.reverse else 0
        for t in _order(n, not self.reverse):
            dh = gy[t] if carry is None else gy[t] + carry
            d3 = ag.cat([dh, dh, dh], -1)
            dis[t] = d3 * k_i[t]
            if t != last or self.needs_grad(1):
                carry = dh * z[t] + ag.matmul(d3 * k_h[t], w_hh)
        dgi = ag.stack(dis)
        gw = gb = None
        if self.needs_grad(2) or self.needs_grad(3):
            dgh = ag.cat([dgi[..., : 2 * hid], dgi[..., 2 * hid :] * r], -1)
            if self.needs_grad(2):
                gw = _weight_grad(dgh, hp)
            if self.needs_grad(3):
                gb = dgh.sum(axis=(0, 1))
        return (
            dgi if self.needs_grad(0) else None,
            carry if self.needs_grad(1) else None,
            gw,
            gb,
            None,
            None,
        )


# The cell layers' ops, with torch's names and signatures (torch.rnn_tanh_cell, ...), which
# autocast looks up (autograd/amp.py); the layers check the arguments. input (N, I); hx (N, H)
# (LSTM: a tuple (h, c)); w_ih (G*H, I), w_hh (G*H, H), b_ih and b_hh (G*H,) or None.


def _gates(x, w_ih, b_ih, b_hh=None):
    """x W_ih^T + b_ih (+ b_hh) as a one-step sequence (1, N, G)."""
    b = b_ih
    if b is not None and b_hh is not None:
        b = b + b_hh
    return _LinearFn.apply(x, w_ih, b).unsqueeze(0)


def _cell_op(fn):
    fn.__name__ = fn.__qualname__ = fn.__name__.lstrip("_")  # the name autocast looks up
    return fn


@_cell_op
def _rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = tanh(input W_ih^T + b_ih + hx W_hh^T + b_hh) (N, H)."""
    return RNNRecurrence.apply(_gates(input, w_ih, b_ih, b_hh), hx, w_hh, "tanh", False)[0]


@_cell_op
def _rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """h' = relu(input W_ih^T + b_ih + hx W_hh^T + b_hh) (N, H)."""
    return RNNRecurrence.apply(_gates(input, w_ih, b_ih, b_hh), hx, w_hh, "relu", False)[0]


@_cell_op
def _lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step from hx = (h, c) -> (h', c'), each (N, H)."""
    h, c = hx
    y = LSTMRecurrence.apply(_gates(input, w_ih, b_ih, b_hh), h, c, w_hh, None, False)
    hid = w_hh.shape[1]
    return y[0, :, :hid], y[0, :, hid:]


@_cell_op
def _gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step -> h' (N, H) (b_hh enters the reset gate's product, so it is not folded)."""
    return GRURecurrence.apply(_gates(input, w_ih, b_ih), hx, w_hh, b_hh, False)[0]
