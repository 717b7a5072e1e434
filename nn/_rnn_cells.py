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

Backward is backpropagation through time written with ``autograd`` ops: the gates are recomputed
for every step at once from the saved inputs and the saved output (one matmul), then one loop
runs backwards over time. The same code runs on raw arrays and, under ``create_graph``, on
graph-connected tensors, so second-order gradients are exact.

Variable lengths (packed sequences): every op takes an optional ``lengths``, one int per batch
row (1 <= lengths[b] <= L). Step t of row b is then live only for t < lengths[b]; at a dead step
the state is frozen, h_t = h_{t-1} (and c_t = c_{t-1}), so position L-1 of a forward run holds
each row's state at its own last step, and a reverse run starts at each row's own last step from
h0. Backward is the same recurrence with the live mask m_t folded in: a dead step passes dh (and
dc) straight to the step before and gives no gradient to gi or the weights. Without ``lengths``
the code path is unchanged.
"""

from __future__ import annotations

import numpy as np

import autograd as ag
from autograd import Function
from backends import array_module, kernels

__all__ = ["RNNRecurrence", "LSTMRecurrence", "GRURecurrence"]


def _order(n: int, reverse: bool):
    return range(n - 1, -1, -1) if reverse else range(n)


def _sigmoid(xp, a):
    """1 / (1 + e^-a) for forward's raw arrays: ``ag.sigmoid`` on an array records nothing and
    returns an array (the same values backward recomputes with it)."""
    return ag.sigmoid(a)


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
        mm, w_t = kernels(gi).matmul, w_hh.T
        live = _live(self, xp, gi, lengths)
        y = xp.empty(gi.shape, dtype=gi.dtype)
        h = h0
        for t in _order(gi.shape[0], reverse):
            a = gi[t] + mm(h, w_t)
            a = xp.maximum(a, 0) if self.relu else xp.tanh(a)
            h = a if live is None else xp.where(live[t], a, h)
            y[t] = h
        return y

    def backward(self, gy):
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
    ``RNNRecurrence``. Returns (L, N, P + H): [h_t, c_t] at position t.
    """

    __slots__ = ("reverse", "mask")
    save_inputs = (0, 1, 2, 3, 4)
    save_output = True

    def forward(self, gi, h0, c0, w_hh, w_hr, reverse, lengths=None):
        self.reverse = reverse
        xp = array_module(gi)
        mm, w_t = kernels(gi).matmul, w_hh.T
        hid, p = c0.shape[1], h0.shape[1]
        live = _live(self, xp, gi, lengths)
        y = xp.empty(gi.shape[:2] + (p + hid,), dtype=gi.dtype)
        h, c = h0, c0
        with np.errstate(over="ignore"):
            for t in _order(gi.shape[0], reverse):
                a = gi[t] + mm(h, w_t)
                s = _sigmoid(xp, a)  # the g block is taken with tanh below
                cn = s[:, hid : 2 * hid] * c + s[:, :hid] * xp.tanh(a[:, 2 * hid : 3 * hid])
                hn = s[:, 3 * hid :] * xp.tanh(cn)
                if w_hr is not None:
                    hn = mm(hn, w_hr.T)
                if live is None:
                    h, c = hn, cn
                else:
                    h, c = xp.where(live[t], hn, h), xp.where(live[t], cn, c)
                y[t, :, :p] = h
                y[t, :, p:] = c
        return y

    def backward(self, gy):
        gi, h0, c0, w_hh, w_hr, y = self.saved
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
    """

    __slots__ = ("reverse", "mask")
    save_inputs = (0, 1, 2, 3)
    save_output = True

    def forward(self, gi, h0, w_hh, b_hh, reverse, lengths=None):
        self.reverse = reverse
        xp = array_module(gi)
        mm, w_t = kernels(gi).matmul, w_hh.T
        hid = h0.shape[1]
        live = _live(self, xp, gi, lengths)
        y = xp.empty(gi.shape[:2] + (hid,), dtype=gi.dtype)
        h = h0
        with np.errstate(over="ignore"):
            for t in _order(gi.shape[0], reverse):
                gh = mm(h, w_t)
                if b_hh is not None:
                    gh += b_hh
                x = gi[t]
                rz = _sigmoid(xp, x[:, : 2 * hid] + gh[:, : 2 * hid])
                nn_ = xp.tanh(x[:, 2 * hid :] + rz[:, :hid] * gh[:, 2 * hid :])
                hn = (h - nn_) * rz[:, hid:] + nn_
                h = hn if live is None else xp.where(live[t], hn, h)
                y[t] = h
        return y

    def backward(self, gy):
        gi, h0, w_hh, b_hh, y = self.saved
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
