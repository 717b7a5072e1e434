"""Attention: ``scaled_dot_product_attention`` and ``multi_head_attention_forward``, as in
``torch.nn.functional``.

Both are compositions of differentiable ops (matmul, where, softmax, dropout, linear), so their
gradients of every order come from those ops' rules::

    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)   # (N, H, L, E) -> (N, H, L, Ev)

Mask conventions follow PyTorch, and differ between the two: for ``scaled_dot_product_attention``
a bool ``attn_mask`` marks with True the positions that *take part*; for
``multi_head_attention_forward`` (and ``nn.MultiheadAttention``) a bool mask marks with True the
positions that are *masked out*. Float masks are added to the attention scores in both.
"""

from __future__ import annotations

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
from backends import array_module

from .dropout import dropout as _dropout
from .linear import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

_NEG_INF = float("-inf")


def _tensor(op, name, x, device=None):
    """``x`` as a Tensor (arrays wrapped without copying); TypeError naming ``op`` otherwise."""
    if isinstance(x, Tensor):
        return x
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise TypeError(f"{op}: expected {name} to be a Tensor, got {type(x).__name__}")
    return ag.as_tensor(x, device=device)


def _check_p(op, p):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p!r}")


def _mask_dtype(op, name, mask, dtype):
    """TypeError unless ``mask`` is bool, float32 or of the query's ``dtype`` (PyTorch's rule)."""
    md = mask.dtype
    if md != np.bool_ and not (md.kind == "f" and md in (np.dtype(np.float32), dtype)):
        raise TypeError(
            f"{op}: expected {name} dtype to be bool or float32 or to match the query dtype "
            f"{dtype}, got {md}"
        )


def _safe_softmax(scores):
    """softmax over the last dim, with rows whose scores are all -inf giving zeros (not NaN) and
    no gradient, as PyTorch's attention does for fully masked rows."""
    data = scores._data
    dead = (data == _NEG_INF).all(axis=-1, keepdims=True)
    if not dead.any():
        return ag.softmax(scores, -1)
    # the dead rows' scores are replaced before the softmax, so no NaN reaches backward
    return ag.where(dead, 0.0, ag.softmax(ag.where(dead, 0.0, scores), -1))


def scaled_dot_product_attention(
    query,
    key,
    value,
    attn_mask=None,
    dropout_p=0.0,
    is_causal=False,
    *,
    scale=None,
    enable_gqa=False,
):
    """softmax(query @ key^T * scale + mask) @ value, with dropout on the attention weights.

    query: (*B, Hq, L, E), key: (*B, H, S, E), value: (*B, H, S, Ev) (any number >= 0 of
    leading dims, broadcast against each other; at least 2-D). Returns (*B, Hq, L, Ev).
    attn_mask: broadcastable to the weights' shape (*B, Hq, L, S); bool (True = takes part) or
    float (added to the scores; float32 or query's dtype). is_causal: position i attends to
    j <= i (top-left aligned when L != S); not together with attn_mask. scale: default
    1 / sqrt(E). dropout_p: applied to the weights whenever > 0 (there is no training flag;
    masks come from autograd's generator). enable_gqa: key and value have H heads (dim -3)
    dividing Hq, each repeated Hq / H times. Rows whose positions are all masked give zeros.
    """
    if _amp_on[0] and _amp.ready:
        return _autocast(scaled_dot_product_attention, query, key, value, attn_mask, dropout_p,
                         is_causal, scale=scale, enable_gqa=enable_gqa)  # fmt: skip
    op = "scaled_dot_product_attention"
    q = _tensor(op, "query", query)
    k = _tensor(op, "key", key, q.device)
    v = _tensor(op, "value", value, q.device)
    qs, ks, vs = tuple(q.shape), tuple(k.shape), tuple(v.shape)
    if min(len(qs), len(ks), len(vs)) < 2:
        raise ShapeError(
            f"{op}: expected query, key and value to be at least 2-D, got shapes {qs}, {ks} "
            f"and {vs}"
        )
    if q.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point query, got dtype {q.dtype}")
    if not q.dtype == k.dtype == v.dtype:
        raise TypeError(
            f"{op}: expected query, key and value to have the same dtype, got {q.dtype}, "
            f"{k.dtype} and {v.dtype}"
        )
    if ks[-1] != qs[-1] or ks[-2] != vs[-2]:
        raise ShapeError(
            f"{op}: query {qs}, key {ks} and value {vs} don't fit: expected query and key "
            "with the same last dim E, key and value with the same sequence length S (dim -2)"
        )
    _check_p(op, dropout_p)
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, numbers.Real)):
        raise TypeError(f"{op}: scale must be a float or None, got {type(scale).__name__}")
    if enable_gqa and min(len(qs), len(ks), len(vs)) >= 3 and ks[-3] != qs[-3]:
        if ks[-3] != vs[-3] or ks[-3] == 0 or qs[-3] % ks[-3]:
            raise ShapeError(
                f"{op}: with enable_gqa, key and value need the same number of heads H (dim -3) "
                f"dividing the query's Hq, got query {qs}, key {ks} and value {vs}"
            )
        reps = qs[-3] // ks[-3]
        ks = ks[:-3] + (qs[-3],) + ks[-2:]
        vs = vs[:-3] + (qs[-3],) + vs[-2:]
    else:
        reps = 1
    try:
        np.broadcast_shapes(qs[:-2], ks[:-2], vs[:-2])
        wbatch = np.broadcast_shapes(qs[:-2], ks[:-2])
    except ValueError:
        raise ShapeError(
            f"{op}: the batch dims of query {qs}, key {ks} and value {vs} don't broadcast"
            + ("" if enable_gqa else " (different head counts need enable_gqa=True)")
        ) from None
    L, S = qs[-2], ks[-2]
    wshape = tuple(wbatch) + (L, S)
    if attn_mask is not None:
        if is_causal:
            raise ValueError(f"{op}: an explicit attn_mask must not be given with is_causal=True")
        attn_mask = _tensor(op, "attn_mask", attn_mask, q.device)
        _mask_dtype(op, "attn_mask", attn_mask, q.dtype)
        ms = tuple(attn_mask.shape)
        try:
            fits = np.broadcast_shapes(ms, wshape) == wshape
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(
                f"{op}: attn_mask of shape {ms} does not broadcast to the attention weights' "
                f"shape {wshape} (query {qs}, key {ks})"
            )

    if reps > 1:
        k = ag.repeat_interleave(k, reps, dim=-3)
        v = ag.repeat_interleave(v, reps, dim=-3)
    if S == 0:  # no keys: zeros (an empty softmax row), still connected to the graph
        return ag.matmul(ag.matmul(q, k.transpose(-2, -1)), v)
    s = 1.0 / math.sqrt(qs[-1]) if scale is None else float(scale)
    scores = ag.matmul(q * s, k.transpose(-2, -1))
    if is_causal:
        xp = array_module(q._data)
        scores = ag.where(xp.tril(xp.ones((L, S), dtype=bool)), scores, _NEG_INF)
    if attn_mask is None:
        attn = ag.softmax(scores, -1)
    else:
        if attn_mask.dtype == np.bool_:
            scores = ag.where(attn_mask, scores, _NEG_INF)
        else:
            if attn_mask.dtype != q.dtype:
                attn_mask = ag.cast(attn_mask, q.dtype)
            scores = scores + attn_mask
        attn = _safe_softmax(scores)
    if dropout_p > 0.0:
        attn = _dropout(attn, dropout_p, True)
    return ag.matmul(attn, v)


# -- multi-head attention ------------------------------------------------------------------------


def _canonical_mask(op, mask, name, other, other_name, dtype, device):
    """A bool mask (True = masked out) as a float mask of ``dtype``: -inf where True, else 0.

    A float mask is checked and cast to ``dtype``. ``other``: the mask it will be combined with
    (None to skip the check); a different dtype warns, as PyTorch.
    """
    if mask is None:
        return None
    mask = _tensor(op, name, mask, device)
    if mask.dtype != np.bool_ and mask.dtype.kind != "f":
        raise TypeError(
            f"{op}: only bool and floating types of {name} are supported, got {mask.dtype}"
        )
    if other is not None and getattr(other, "dtype", None) != mask.dtype:
        warnings.warn(
            f"Support for mismatched {name} and {other_name} is deprecated. Use same type for "
            "both instead.",
            stacklevel=4,
        )
    if mask.dtype == np.bool_:
        xp = array_module(mask._data)
        return Tensor(xp.where(mask._data, dtype.type(_NEG_INF), dtype.type(0)))
    _mask_dtype(op, name, mask, dtype)
    return mask if mask.dtype == dtype else ag.cast(mask, dtype)


def _check_mha(op, q, k, v, kpm, attn_mask, E, H, w, separate, static_k, static_v):
    """Every check of multi-head attention's arguments, before any work. q, k, v: the
    (seq, batch, feature) or unbatched (seq, feature) inputs; w: the projection weights."""
    qs, ks, vs = tuple(q.shape), tuple(k.shape), tuple(v.shape)
    nd = len(qs)
    if nd not in (2, 3):
        raise ShapeError(f"{op}: query should be unbatched 2-D or batched 3-D, got shape {qs}")
    kind = "batched (3-D)" if nd == 3 else "unbatched (2-D)"
    if len(ks) != nd or len(vs) != nd:
        raise ShapeError(
            f"{op}: for {kind} query, expected key and value to be {nd}-D, got shapes {ks} and {vs}"
        )
    for name, m, dims in (("key_padding_mask", kpm, (nd - 1,)), ("attn_mask", attn_mask, (2, 3))):
        if m is not None and len(m.shape) not in dims:
            want = " or ".join(f"{d}-D" for d in dims)
            raise ShapeError(
                f"{op}: for {kind} query, expected {name} to be None or {want}, got shape "
                f"{tuple(m.shape)}"
            )
    if q.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point query, got dtype {q.dtype}")
    # under autocast a float16 input meets float32 weights (or key/value): the projections
    # (linear) cast them to one dtype, as in PyTorch; float64 is never cast, so still refused
    for name, t in (("key", k), ("value", v)) + tuple(w.items()):
        if t is not None and t.dtype != q.dtype and not (_amp_on[0] and _autocasts(q, t)):
            raise TypeError(
                f"{op}: {name} dtype {t.dtype} does not match the query dtype {q.dtype}"
            )
    if H <= 0 or E % H:
        raise ValueError(f"{op}: embed_dim {E} not divisible by num_heads {H}")
    if qs[-1] != E:
        raise ShapeError(f"{op}: expected query with embedding dimension {E}, got shape {qs}")
    if separate:
        kdim, vdim = w["k_proj_weight"].shape[-1], w["v_proj_weight"].shape[-1]
        if ks[:-1] != vs[:-1] or ks[-1] != kdim or vs[-1] != vdim:
            raise ShapeError(
                f"{op}: expected key (S, N, kdim={kdim}) and value (S, N, vdim={vdim}) with the "
                f"same S and N, got shapes {ks} and {vs}"
            )
    elif ks != vs or ks[-1] != E:
        raise ShapeError(
            f"{op}: expected key and value of the same shape (S, N, {E}), got {ks} and {vs}"
        )
    if nd == 3 and ks[1] != qs[1]:
        raise ShapeError(f"{op}: query {qs} and key {ks} have different batch sizes")
    L, S, N = qs[0], ks[0], (qs[1] if nd == 3 else 1)
    if attn_mask is not None:
        ms = tuple(attn_mask.shape)
        want = (L, S) if len(ms) == 2 else ((N * H, L, S) if nd == 3 else (H, L, S))
        if ms != want:
            raise ShapeError(
                f"{op}: the shape of the {len(ms)}-D attn_mask is {ms}, but should be {want}"
            )
    if kpm is not None:
        want = (N, S) if nd == 3 else (S,)
        if tuple(kpm.shape) != want:
            raise ShapeError(
                f"{op}: expected key_padding_mask of shape {want}, got {tuple(kpm.shape)}"
            )
    hd = E // H
    kl = S if static_k is None else static_k.shape[1]
    vl = S if static_v is None else static_v.shape[1]
    for name, st in (("static_k", static_k), ("static_v", static_v)):
        if st is not None and (st.ndim != 3 or (st.shape[0], st.shape[2]) != (N * H, hd)):
            raise ShapeError(
                f"{op}: expected {name} of shape ({N * H}, S, {hd}), got {tuple(st.shape)}"
            )
    if kl != vl or ((attn_mask is not None or kpm is not None) and kl != S):
        raise ShapeError(
            f"{op}: keys ({kl}) and values ({vl}) need the same sequence length, the key's "
            f"{S} when masks are given"
        )


def _check_weights(op, E, w):
    """ShapeError naming ``op`` unless each given projection weight has its expected shape."""
    kdim = w["k_proj_weight"].shape[-1] if "k_proj_weight" in w else E
    vdim = w["v_proj_weight"].shape[-1] if "v_proj_weight" in w else E
    want = {
        "in_proj_weight": (3 * E, E),
        "q_proj_weight": (E, E),
        "k_proj_weight": (E, kdim),
        "v_proj_weight": (E, vdim),
        "in_proj_bias": (3 * E,),
        "out_proj_weight": (E, E),
        "out_proj_bias": (E,),
        "bias_k": (1, 1, E),
        "bias_v": (1, 1, E),
    }
    for name, t in w.items():
        if t is not None and tuple(t.shape) != want[name]:
            raise ShapeError(
                f"{op}: expected {name} of shape {want[name]} for embed_dim {E}, got "
                f"{tuple(t.shape)}"
            )


def _mha(query, key, value, E, H, in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
         dropout_p, out_proj_weight, out_proj_bias, training, key_padding_mask, need_weights,
         attn_mask, separate, q_proj_weight, k_proj_weight, v_proj_weight, static_k, static_v,
         average_attn_weights, is_causal, batch_first, op):  # fmt: skip
    """multi_head_attention_forward with the layer's name ``op`` and its batch_first flag."""
    q = _tensor(op, "query", query)
    k = q if key is query else _tensor(op, "key", key, q.device)
    v = k if value is key else _tensor(op, "value", value, q.device)
    kpm = (
        None
        if key_padding_mask is None
        else _tensor(op, "key_padding_mask", key_padding_mask, q.device)
    )
    am = None if attn_mask is None else _tensor(op, "attn_mask", attn_mask, q.device)
    if separate:
        w = {
            "q_proj_weight": q_proj_weight,
            "k_proj_weight": k_proj_weight,
            "v_proj_weight": v_proj_weight,
        }
        if any(t is None for t in w.values()):
            raise ValueError(f"{op}: use_separate_proj_weight needs q, k and v_proj_weight")
    else:
        if in_proj_weight is None:
            raise ValueError(f"{op}: in_proj_weight is None but use_separate_proj_weight is False")
        w = {"in_proj_weight": in_proj_weight}
    w.update(
        in_proj_bias=in_proj_bias,
        out_proj_weight=out_proj_weight,
        out_proj_bias=out_proj_bias,
        bias_k=bias_k,
        bias_v=bias_v,
    )
    if (bias_k is None) != (bias_v is None):
        raise ValueError(f"{op}: bias_k and bias_v must both be given or both be None")
    if bias_k is not None and (static_k is not None or static_v is not None):
        raise ValueError(f"{op}: bias_k and bias_v cannot be added to static keys and values")
    batched = q.ndim == 3
    bf = batch_first and batched
    # checked in (seq, batch, feature) order, as the computation below sees them
    ct = (lambda t: t.transpose(0, 1)) if bf and k.ndim == 3 and v.ndim == 3 else (lambda t: t)
    _check_mha(op, ct(q), ct(k), ct(v), kpm, am, E, H, w, separate, static_k, static_v)
    _check_weights(op, E, w)
    _check_p(op, dropout_p)
    if is_causal and am is None:
        raise ValueError(
            f"{op}: need attn_mask if specifying the is_causal hint. You may use the "
            "Transformer module method `generate_square_subsequent_mask` to create this mask."
        )
    kpm = _canonical_mask(op, kpm, "key_padding_mask", am, "attn_mask", q.dtype, q.device)
    if is_causal and kpm is None and not need_weights:
        am = None  # the hint alone: a causal mask in attention
    else:
        am = _canonical_mask(op, am, "attn_mask", None, "", q.dtype, q.device)
        if kpm is not None:
            is_causal = False  # merged with the padding mask, it is no longer causal

    if bf:  # to (seq, batch, feature), keeping which of q, k, v are the same tensor
        if k is v:
            if q is k:
                q = k = v = q.transpose(1, 0)
            else:
                q, k = q.transpose(1, 0), k.transpose(1, 0)
                v = k
        else:
            q, k, v = q.transpose(1, 0), k.transpose(1, 0), v.transpose(1, 0)
    if not batched:
        q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
        kpm = None if kpm is None else kpm.unsqueeze(0)
    L, N, _ = q.shape
    hd = E // H
    if separate:
        bq = bk = bv = None
        if in_proj_bias is not None:
            bq, bk, bv = ag.chunk(in_proj_bias, 3)
        q, k, v = (
            linear(q, q_proj_weight, bq),
            linear(k, k_proj_weight, bk),
            linear(v, v_proj_weight, bv),
        )
    else:
        q, k, v = _in_projection_packed(q, k, v, in_proj_weight, in_proj_bias)
    if am is not None and am.ndim == 2:
        am = am.unsqueeze(0)
    if bias_k is not None:
        k = ag.cat([k, bias_k.repeat(1, N, 1)])
        v = ag.cat([v, bias_v.repeat(1, N, 1)])
        am = None if am is None else ag.pad(am, (0, 1))
        kpm = None if kpm is None else ag.pad(kpm, (0, 1))
    # (seq, batch, E) -> (batch * heads, seq, head_dim)
    q = q.reshape(L, N * H, hd).transpose(0, 1)
    k = k.reshape(k.shape[0], N * H, hd).transpose(0, 1) if static_k is None else static_k
    v = v.reshape(v.shape[0], N * H, hd).transpose(0, 1) if static_v is None else static_v
    if add_zero_attn:
        zeros = ag.zeros((N * H, 1, hd), dtype=q.dtype, device=q.device)
        k, v = ag.cat([k, zeros], 1), ag.cat([v, zeros], 1)
        am = None if am is None else ag.pad(am, (0, 1))
        kpm = None if kpm is None else ag.pad(kpm, (0, 1))
    S = k.shape[1]
    if kpm is not None:  # (N, S) -> (N * H, 1, S), merged into the attention mask
        kpm = ag.broadcast_to(kpm.reshape(N, 1, 1, S), (N, H, 1, S)).reshape(N * H, 1, S)
        am = kpm if am is None else am + kpm
    if not training:
        dropout_p = 0.0

    if need_weights:
        qs = q * math.sqrt(1.0 / float(hd))
        kt = k.transpose(-2, -1)
        weights = ag.baddbmm(am, qs, kt) if am is not None else ag.bmm(qs, kt)
        weights = ag.softmax(weights, -1)  # fully masked rows: NaN, as PyTorch here
        if dropout_p > 0.0:
            weights = _dropout(weights, dropout_p, True)
        out = ag.bmm(weights, v).transpose(0, 1).reshape(L * N, E)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(L, N, E)
        weights = weights.reshape(N, H, L, S)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not batched:
            out, weights = out.squeeze(1), weights.squeeze(0)
    else:
        if am is not None:
            am = am.unsqueeze(0) if am.shape[0] == 1 else am.reshape(N, H, -1, S)
        out = scaled_dot_product_attention(
            q.reshape(N, H, L, hd),
            k.reshape(N, H, S, hd),
            v.reshape(N, H, S, hd),
            am,
            dropout_p,
            is_causal,
        )
        out = out.permute(2, 0, 1, 3).reshape(N * L, E)
        out = linear(out, out_proj_weight, out_proj_bias).reshape(L, N, E)
        weights = None
        if not batched:
            out = out.squeeze(1)
    if bf:
        out = out.transpose(1, 0)
    return out, weights


def _in_projection_packed(q, k, v, w, b):
    """q, k, v (..., E) projected by the packed (3E, E) weight w and (3E,) bias b: one matmul
    for self-attention (q is k is v), two when k is v, three otherwise (as PyTorch)."""
    E = q.shape[-1]
    if k is v:
        if q is k:
            return ag.chunk(linear(q, w, b), 3, -1)
        b_q = b_kv = None
        if b is not None:
            b_q, b_kv = b[:E], b[E:]
        kv = linear(k, w[E:], b_kv)
        return (linear(q, w[:E], b_q),) + tuple(ag.chunk(kv, 2, -1))
    b_q = b_k = b_v = None
    if b is not None:
        b_q, b_k, b_v = ag.chunk(b, 3)
    w_q, w_k, w_v = ag.chunk(w, 3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim_to_check,
    num_heads,
    in_proj_weight,
    in_proj_bias,
    bias_k,
    bias_v,
    add_zero_attn,
    dropout_p,
    out_proj_weight,
    out_proj_bias,
    training=True,
    key_padding_mask=None,
    need_weights=True,
    attn_mask=None,
    use_separate_proj_weight=False,
    q_proj_weight=None,
    k_proj_weight=None,
    v_proj_weight=None,
    static_k=None,
    static_v=None,
    average_attn_weights=True,
    is_causal=False,
):
    """The forward of ``nn.MultiheadAttention`` with explicit weights (PyTorch's signature).

    query: (L, N, E) or unbatched (L, E); key, value: (S, N, kdim / vdim) or (S, kdim / vdim).
    in_proj_weight: (3E, E) (or q/k/v_proj_weight (E, E), (E, kdim), (E, vdim) with
    ``use_separate_proj_weight``); in_proj_bias: (3E,) or None; bias_k, bias_v: (1, 1, E) or
    None (appended to the keys and values); out_proj_weight (E, E), out_proj_bias (E,).
    key_padding_mask: (N, S) or (S,); attn_mask: (L, S) or (N * num_heads, L, S)
    ((num_heads, L, S) unbatched). Bool masks: True = masked out; float masks are added.
    static_k, static_v: (N * num_heads, S, E / num_heads), replacing the projected keys/values.
    Returns (attn_output (L, N, E), attn_weights (N, L, S), or (N, num_heads, L, S) when not
    ``average_attn_weights``, or None when not ``need_weights``); unbatched without N.
    Fully masked rows give NaN weights and outputs with ``need_weights`` (PyTorch's softmax),
    zeros without it (PyTorch's scaled_dot_product_attention).
    """
    return _mha(
        query,
        key,
        value,
        embed_dim_to_check,
        num_heads,
        in_proj_weight,
        in_proj_bias,
        bias_k,
        bias_v,
        add_zero_attn,
        dropout_p,
        out_proj_weight,
        out_proj_bias,
        training,
        key_padding_mask,
        need_weights,
        attn_mask,
        use_separate_proj_weight,
        q_proj_weight,
        k_proj_weight,
        v_proj_weight,
        static_k,
        static_v,
        average_attn_weights,
        is_causal,
        False,
        "multi_head_attention_forward",
    )
