"""scaled_dot_product_attention, multi_head_attention_forward and MultiheadAttention against
PyTorch: outputs, attention weights, every input and parameter gradient (random cotangents,
float64), masks of every kind, state_dict round trips, reprs, init, errors; gradcheck and
gradgradcheck on tiny sizes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd import ShapeError

from .helpers import rand64

torch = pytest.importorskip("torch")
TF = torch.nn.functional

TOL = dict(rtol=1e-10, atol=1e-12)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """torch on one thread for this module: on these tiny shapes threads only contend."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _pair(a, grad=True):
    """(ours, torch's) leaf tensors of array ``a`` (float arrays require grad if ``grad``)."""
    g = grad and a.dtype.kind == "f"
    return ag.tensor(a, requires_grad=g), torch.tensor(a, requires_grad=g)


def _compare_backward(outs, outs_t, leaves, leaves_t, mods=None, seed=1, tol=TOL):
    """Compare outputs (None matched by None), backprop one random cotangent per output through
    both, compare the leaves' gradients and, given (ours, torch's) modules, every parameter's."""
    rng = np.random.default_rng(seed)
    total = 0
    for a, b in zip(outs, outs_t):
        assert (a is None) == (b is None)
        if a is None:
            continue
        assert tuple(a.shape) == tuple(b.shape) and a.dtype == np.dtype(str(b.dtype)[6:])
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), **tol)
        g = rng.standard_normal(tuple(b.shape)).astype(a.dtype)
        total = total + (a * ag.tensor(g)).sum()
        b.backward(torch.tensor(g), retain_graph=True)
    total.backward()
    for i, (x, xt) in enumerate(zip(leaves, leaves_t)):
        if xt.requires_grad:
            assert x.grad is not None, f"leaf {i}"
            np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), err_msg=f"leaf {i}", **tol)
    if mods is not None:
        named_t = dict(mods[1].named_parameters())
        assert [n for n, _ in mods[0].named_parameters()] == list(named_t)
        for name, p in mods[0].named_parameters():
            np.testing.assert_allclose(
                p.grad.numpy(), named_t[name].grad.numpy(), err_msg=name, **tol
            )


# -- scaled_dot_product_attention ----------------------------------------------------------------

RNG = np.random.default_rng(0)
Q4, K4, V4 = (RNG.standard_normal(s) for s in [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2)])
DEAD = np.ones((4, 6), bool)
DEAD[1] = False  # query 1 sees no key
DEAD[2, ::2] = False
FMASK = RNG.standard_normal((4, 6))
FMASK[0] = -np.inf  # a fully masked row
FMASK[3, 1:4] = -np.inf

SDPA_CASES = {
    "plain": ((Q4, K4, V4), {}),
    "3d": ((Q4[0], K4[0], V4[0]), {}),
    "2d": ((Q4[0, 0], K4[0, 0], V4[0, 0]), {}),
    "batch_broadcast": ((Q4, K4[:1], V4[:1]), {}),
    "causal_square": ((Q4, K4[:, :, :4], V4[:, :, :4]), {"is_causal": True}),
    "causal_L_lt_S": ((Q4, K4, V4), {"is_causal": True}),
    "causal_L_gt_S": ((Q4, K4[:, :, :3], V4[:, :, :3]), {"is_causal": True}),
    "bool_mask": ((Q4, K4, V4), {"attn_mask": DEAD}),
    "bool_mask_per_batch": ((Q4, K4, V4), {"attn_mask": RNG.standard_normal((2, 1, 4, 6)) > 0}),
    "float_mask": ((Q4, K4, V4), {"attn_mask": FMASK}),
    "float_mask_per_head": ((Q4, K4, V4), {"attn_mask": RNG.standard_normal((3, 4, 6))}),
    "float32_mask": ((Q4, K4, V4), {"attn_mask": FMASK.astype(np.float32)}),
    "scale": ((Q4, K4, V4), {"scale": 0.3, "attn_mask": DEAD}),
    "dropout_p_zero": ((Q4, K4, V4), {"dropout_p": 0.0, "is_causal": True}),
    "gqa": (
        (RNG.standard_normal((2, 4, 3, 2)),)
        + tuple(RNG.standard_normal((2, 2, 5, 2)) for _ in range(2)),
        {"enable_gqa": True},
    ),
    "no_keys": ((Q4, K4[:, :, :0], V4[:, :, :0]), {}),
    "no_queries": ((Q4[:, :, :0], K4, V4), {"is_causal": True}),
}


@pytest.mark.parametrize("case", list(SDPA_CASES))
def test_sdpa_matches_torch(case):
    arrays, kw = SDPA_CASES[case]
    pairs = [_pair(a) for a in arrays]
    kw_o, kw_t, extra = dict(kw), dict(kw), []
    if "attn_mask" in kw:
        m, mt = _pair(kw["attn_mask"])  # a float mask requires grad: its gradient is compared
        kw_o["attn_mask"], kw_t["attn_mask"] = m, mt
        extra = [(m, mt)]
    out = F.scaled_dot_product_attention(*[p[0] for p in pairs], **kw_o)
    out_t = TF.scaled_dot_product_attention(*[p[1] for p in pairs], **kw_t)
    both = pairs + extra
    _compare_backward([out], [out_t], [p[0] for p in both], [p[1] for p in both])


def test_sdpa_fully_masked_rows_give_zeros_and_no_gradient():
    q, k, v = (rand64(*s, seed=i) for i, s in enumerate([(4, 3), (6, 3), (6, 2)]))
    for mask in (ag.tensor(DEAD), ag.tensor(FMASK)):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        dead = 1 if mask.dtype == np.bool_ else 0
        assert np.isfinite(out.detach().numpy()).all()
        np.testing.assert_array_equal(out.detach().numpy()[dead], 0.0)
        (gq,) = ag.grad((out * ag.tensor(np.arange(8.0).reshape(4, 2))).sum(), [q])
        np.testing.assert_array_equal(gq.numpy()[dead], 0.0)
        assert np.isfinite(gq.numpy()).all() and np.abs(gq.numpy()).sum() > 0


def test_sdpa_float32_stays_float32_and_matches_torch():
    arrays = [a.astype(np.float32) for a in (Q4, K4, V4)]
    pairs = [_pair(a) for a in arrays]
    out = F.scaled_dot_product_attention(*[p[0] for p in pairs], attn_mask=ag.tensor(DEAD))
    out_t = TF.scaled_dot_product_attention(*[p[1] for p in pairs], attn_mask=torch.tensor(DEAD))
    assert out.dtype == np.float32
    _compare_backward(
        [out], [out_t], [p[0] for p in pairs], [p[1] for p in pairs], tol=dict(rtol=2e-5, atol=2e-6)
    )


def test_sdpa_dropout_zeroes_weights_and_rescales_the_rest():
    """With value = identity (S x S) the output is the dropped-out attention weights."""
    q, k = ag.tensor(Q4[0, 0]), ag.tensor(RNG.standard_normal((40, 5)))
    eye = ag.tensor(np.eye(40))
    w = F.scaled_dot_product_attention(q, k, eye).numpy()
    ag.manual_seed(3)
    d = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.25).numpy()
    kept = d != 0
    assert 0.6 < kept.mean() < 0.9
    np.testing.assert_allclose(d[kept], w[kept] / 0.75, rtol=1e-12)
    ag.manual_seed(3)
    again = F.scaled_dot_product_attention(q, k, eye, dropout_p=0.25).numpy()
    np.testing.assert_array_equal(d, again)  # the autograd generator drives the masks
    np.testing.assert_array_equal(
        F.scaled_dot_product_attention(q, k, eye, dropout_p=1.0).numpy(), 0.0
    )


def _check(fn, args, fast=False):
    assert ag.gradcheck(fn, args, atol=1e-6, rtol=1e-4)
    assert ag.gradgradcheck(fn, args, atol=1e-6, rtol=1e-4, fast_mode=fast)


@pytest.mark.parametrize(
    "kw",
    [
        {},
        {"is_causal": True},
        {"mask": "bool"},
        {"mask": "float"},
        {"dropout_p": 0.3},
        {"scale": -0.7},
    ],
    ids=["plain", "causal", "bool_mask", "float_mask", "dropout", "scale"],
)
def test_sdpa_gradcheck_and_gradgradcheck(kw):
    kw = dict(kw)
    q, k, v = rand64(2, 3, 2, seed=1), rand64(2, 4, 2, seed=2), rand64(2, 4, 3, seed=3)
    args = [q, k, v]
    mask = kw.pop("mask", None)
    if mask == "bool":
        kw["attn_mask"] = ag.tensor(
            np.array([[True, False, True, True], [False] * 4, [False, True, False, True]])
        )
    elif mask == "float":  # a finite leaf; -inf added inside: one entry and a whole row
        args.append(rand64(3, 4, seed=4))
        inf = np.zeros((3, 4))
        inf[1, 2] = inf[2] = -np.inf
        kw["inf"] = ag.tensor(inf)

    def fn(q, k, v, *m):
        ag.manual_seed(9)  # the same dropout mask at every evaluation
        call = {key: val for key, val in kw.items() if key != "inf"}
        mask = (m[0] + kw["inf"],) if m else ()
        return F.scaled_dot_product_attention(q, k, v, *mask, **call)

    _check(fn, tuple(args))


def test_sdpa_errors():
    sdpa = F.scaled_dot_product_attention
    q, k, v = ag.randn(2, 4, 3), ag.randn(2, 5, 3), ag.randn(2, 5, 6)
    with pytest.raises(
        ShapeError,
        match=r"scaled_dot_product_attention: expected query, key and "
        r"value to be at least 2-D",
    ):
        sdpa(ag.randn(3), ag.randn(3), ag.randn(3))
    with pytest.raises(
        ShapeError,
        match=r"query \(2, 4, 3\), key \(2, 5, 4\) and value "
        r"\(2, 5, 6\) don't fit",
    ):
        sdpa(q, ag.randn(2, 5, 4), v)
    with pytest.raises(ShapeError, match="same sequence length"):
        sdpa(q, k, ag.randn(2, 6, 6))
    with pytest.raises(ShapeError, match=r"batch dims of query \(2, 4, 3\), key \(3, 5, 3\)"):
        sdpa(q, ag.randn(3, 5, 3), ag.randn(3, 5, 6))
    with pytest.raises(
        TypeError,
        match="scaled_dot_product_attention: expected query, key and "
        "value to have the same dtype, got float32, float64",
    ):
        sdpa(q, k.double(), v)
    with pytest.raises(TypeError, match="expected a floating point query, got dtype int64"):
        sdpa(
            ag.zeros(2, 3, dtype=ag.int64),
            ag.zeros(2, 3, dtype=ag.int64),
            ag.zeros(2, 3, dtype=ag.int64),
        )
    with pytest.raises(
        ShapeError,
        match=r"attn_mask of shape \(4, 4\) does not broadcast to the "
        r"attention weights' shape \(2, 4, 5\)",
    ):
        sdpa(q, k, v, attn_mask=ag.ones(4, 4, dtype=ag.bool))
    with pytest.raises(ShapeError, match=r"attn_mask of shape \(3, 4, 5\)"):
        sdpa(q, k, v, attn_mask=ag.zeros(3, 4, 5))
    with pytest.raises(
        TypeError,
        match="attn_mask dtype to be bool or float32 or to match the "
        "query dtype float32, got int64",
    ):
        sdpa(q, k, v, attn_mask=ag.zeros(4, 5, dtype=ag.int64))
    with pytest.raises(TypeError, match="got float64"):
        sdpa(q, k, v, attn_mask=ag.zeros(4, 5, dtype=ag.float64))
    with pytest.raises(ValueError, match="explicit attn_mask must not be given with is_causal"):
        sdpa(q, k, v, attn_mask=ag.zeros(4, 5), is_causal=True)
    with pytest.raises(
        ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"
    ):
        sdpa(q, k, v, dropout_p=1.5)
    with pytest.raises(
        ShapeError, match="with enable_gqa, key and value need the same number of heads"
    ):
        sdpa(ag.randn(1, 4, 2, 3), ag.randn(1, 3, 2, 3), ag.randn(1, 3, 2, 3), enable_gqa=True)
    with pytest.raises(ShapeError, match=r"different head counts need enable_gqa=True"):
        sdpa(ag.randn(1, 4, 2, 3), ag.randn(1, 2, 2, 3), ag.randn(1, 2, 2, 3))
    with pytest.raises(TypeError, match="expected key to be a Tensor, got list"):
        sdpa(q, [[1.0]], v)
    with pytest.raises(TypeError, match=r"scale\(\) takes|positional"):
        sdpa(q, k, v, None, 0.0, False, 0.5)  # scale is keyword-only, as in PyTorch


# -- MultiheadAttention ----------------------------------------------------------------------------

E, H, L, S, N = 4, 2, 3, 5, 2

MHA_CONFIGS = {
    "plain": {},
    "batch_first": {"batch_first": True},
    "kdim_vdim": {"kdim": 3, "vdim": 5},
    "bias_kv": {"add_bias_kv": True},
    "zero_attn": {"add_zero_attn": True},
    "no_bias": {"bias": False},
    "everything": {"add_bias_kv": True, "add_zero_attn": True, "kdim": 3, "batch_first": True},
}


def _mha_pair(dtype=np.float64, **kw):
    td = torch.float64 if dtype == np.float64 else torch.float32
    theirs = torch.nn.MultiheadAttention(E, H, dtype=td, **kw)
    ours = nn.MultiheadAttention(E, H, dtype=dtype, **kw)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


def _mask_arrays(kind, rng, batched=True):
    """(key_padding_mask, attn_mask, extra call kwargs) as numpy arrays for a mask ``kind``."""
    n = (N,) if batched else ()
    kpm_b = rng.uniform(size=n + (S,)) < 0.3
    kpm_b[..., 0] = False  # every query keeps a key
    am_b = rng.uniform(size=(L, S)) < 0.3
    am_b[:, 1] = False
    if kind == "none":
        return None, None, {}
    if kind == "kpm_bool":
        return kpm_b, None, {}
    if kind == "kpm_float":
        return rng.standard_normal(n + (S,)), None, {}
    if kind == "attn_bool_2d":
        return None, am_b, {}
    if kind == "attn_float_3d":
        return None, rng.standard_normal(((N if batched else 1) * H, L, S)), {}
    if kind == "both_bool":
        return kpm_b, am_b, {}
    if kind == "both_float":
        return rng.standard_normal(n + (S,)), np.where(am_b, -np.inf, 0.0), {}
    if kind == "causal":
        return None, np.triu(np.full((L, S), -np.inf), 1), {"is_causal": True}
    raise AssertionError(kind)


MASK_KINDS = [
    "none",
    "kpm_bool",
    "kpm_float",
    "attn_bool_2d",
    "attn_float_3d",
    "both_bool",
    "both_float",
    "causal",
]


def _run_mha(
    ours, theirs, cfg, mode, masks, need_weights=True, average=True, batched=True, eval_mode=False
):
    """Build inputs for ``mode`` ('self', 'kv_same', 'distinct'), call both modules, compare."""
    rng = np.random.default_rng(7)
    kdim, vdim = cfg.get("kdim", E), cfg.get("vdim", E)
    bf = cfg.get("batch_first", False) and batched

    def seq(n, d):
        if not batched:
            return rng.standard_normal((n, d))
        return rng.standard_normal((N, n, d) if bf else (n, N, d))

    if eval_mode:
        ours.eval(), theirs.eval()
    qp = _pair(seq(L if mode != "self" else S, E))
    if mode == "self":
        kp = vp = qp
    else:
        kp = _pair(seq(S, kdim))
        vp = kp if mode == "kv_same" else _pair(seq(S, vdim))
    kpm, am, extra = masks
    call = dict(need_weights=need_weights, average_attn_weights=average, **extra)
    call_t = dict(call)
    mask_pairs = []
    for name, m in (("key_padding_mask", kpm), ("attn_mask", am)):
        if m is not None:
            mo, mt = _pair(m, grad=False)
            call[name], call_t[name] = mo, mt
            mask_pairs.append((mo, mt))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # mismatched mask types warn in both
        out = ours(qp[0], kp[0], vp[0], **call)
        out_t = theirs(qp[1], kp[1], vp[1], **call_t)
    assert isinstance(out, tuple) and len(out) == 2
    uniq = list({id(p[0]): p for p in (qp, kp, vp)}.values())
    _compare_backward(out, out_t, [p[0] for p in uniq], [p[1] for p in uniq], mods=(ours, theirs))
    return out


# the same tensor as key and value needs kdim == vdim (and == embed_dim as the query too)
MODES = [
    (config, mode)
    for config, cfg in MHA_CONFIGS.items()
    for mode in ("self", "kv_same", "distinct")
    if mode == "distinct"
    or cfg.get("kdim", E) == cfg.get("vdim", E) == (E if mode == "self" else cfg.get("kdim", E))
]


@pytest.mark.parametrize("need_weights", [True, False], ids=["weights", "no_weights"])
@pytest.mark.parametrize("config, mode", MODES)
def test_mha_matches_torch(config, mode, need_weights):
    cfg = MHA_CONFIGS[config]
    ours, theirs = _mha_pair(**cfg)
    out, w = _run_mha(ours, theirs, cfg, mode, (None, None, {}), need_weights)
    assert (w is None) != need_weights


@pytest.mark.parametrize("need_weights", [True, False], ids=["weights", "no_weights"])
@pytest.mark.parametrize("kind", MASK_KINDS)
@pytest.mark.parametrize("config", ["plain", "batch_first", "everything"])
def test_mha_masks_match_torch(config, kind, need_weights):
    cfg = MHA_CONFIGS[config]
    ours, theirs = _mha_pair(**cfg)
    _run_mha(
        ours, theirs, cfg, "distinct", _mask_arrays(kind, np.random.default_rng(3)), need_weights
    )


@pytest.mark.parametrize("kind", ["none", "kpm_bool", "attn_float_3d", "both_bool", "causal"])
@pytest.mark.parametrize("need_weights", [True, False], ids=["weights", "no_weights"])
def test_mha_unbatched_matches_torch(need_weights, kind):
    ours, theirs = _mha_pair(add_bias_kv=True, batch_first=True)  # batch_first: ignored here
    masks = _mask_arrays(kind, np.random.default_rng(4), batched=False)
    out, w = _run_mha(
        ours, theirs, {"batch_first": True}, "distinct", masks, need_weights, batched=False
    )
    assert out.shape == (L, E)
    assert w is None if not need_weights else w.shape == (L, S + 1)


@pytest.mark.parametrize("config", ["plain", "kdim_vdim"])
def test_mha_per_head_weights_and_eval_mode_match_torch(config):
    ours, theirs = _mha_pair(dropout=0.5, **MHA_CONFIGS[config])
    out, w = _run_mha(
        ours,
        theirs,
        MHA_CONFIGS[config],
        "distinct",
        _mask_arrays("both_bool", np.random.default_rng(5)),
        average=False,
        eval_mode=True,
    )
    assert w.shape == (N, H, L, S)
    np.testing.assert_allclose(w.detach().numpy().sum(-1), 1.0, rtol=1e-12)


def test_mha_training_with_dropout_zero_matches_torch():
    ours, theirs = _mha_pair(dropout=0.0)
    assert ours.training and theirs.training
    _run_mha(ours, theirs, {}, "self", _mask_arrays("kpm_bool", np.random.default_rng(6)))


def test_mha_training_dropout_is_applied_to_the_weights():
    mha = nn.MultiheadAttention(E, H, dropout=0.5, dtype=ag.float64)
    x = rand64(L, N, E, seed=1)
    ag.manual_seed(1)
    _, w = mha(x, x, x, average_attn_weights=False)
    assert 0.2 < (w.detach().numpy() == 0).mean() < 0.8  # the returned weights are the dropped
    ag.manual_seed(1)
    out_a = mha(x, x, x, need_weights=False)[0].detach().numpy()
    ag.manual_seed(2)
    out_b = mha(x, x, x, need_weights=False)[0].detach().numpy()
    assert not np.allclose(out_a, out_b)
    mha.eval()
    np.testing.assert_array_equal(
        mha(x, x, x)[0].detach().numpy(), mha(x, x, x)[0].detach().numpy()
    )


@pytest.mark.parametrize("need_weights", [True, False], ids=["weights", "no_weights"])
def test_mha_fully_masked_query_matches_torch(need_weights):
    """A batch entry whose keys are all padding: NaN with need_weights (PyTorch's softmax),
    zeros before out_proj without (PyTorch's scaled_dot_product_attention)."""
    ours, theirs = _mha_pair()
    kpm = np.zeros((N, S), bool)
    kpm[1] = True
    rng = np.random.default_rng(8)
    xp = _pair(rng.standard_normal((L, N, E)))
    with torch.no_grad():
        theirs.out_proj.bias.normal_()
    ours.load_state_dict(theirs.state_dict())
    kp = _pair(rng.standard_normal((S, N, E)))
    out, w = ours(xp[0], kp[0], kp[0], key_padding_mask=ag.tensor(kpm), need_weights=need_weights)
    out_t, w_t = theirs(
        xp[1], kp[1], kp[1], key_padding_mask=torch.tensor(kpm), need_weights=need_weights
    )
    o = out.detach().numpy()
    np.testing.assert_allclose(o, out_t.detach().numpy(), **TOL)  # NaNs in the same places
    if need_weights:
        assert np.isnan(o[:, 1]).all() and np.isnan(w.detach().numpy()[1]).all()
        assert np.isfinite(o[:, 0]).all()
    else:
        np.testing.assert_allclose(
            o[:, 1], np.broadcast_to(ours.out_proj.bias.detach().numpy(), (L, E)), rtol=1e-12
        )
        _compare_backward([out], [out_t], [xp[0], kp[0]], [xp[1], kp[1]], mods=(ours, theirs))


def test_mha_float32_stays_float32_and_matches_torch():
    ours, theirs = _mha_pair(np.float32, add_bias_kv=True)
    rng = np.random.default_rng(9)
    x = rng.standard_normal((L, N, E)).astype(np.float32)
    out, w = ours(ag.tensor(x), ag.tensor(x), ag.tensor(x))
    out_t, w_t = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    assert out.dtype == np.float32 and w.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(), out_t.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(w.detach().numpy(), w_t.detach().numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape", [(L, 0, E), (0, N, E)], ids=["no_batch", "no_queries"])
def test_mha_empty_inputs_match_torch(shape):
    ours, theirs = _mha_pair()
    x = np.zeros(shape)
    for nw in (True, False):
        out, w = ours(ag.tensor(x), ag.tensor(x), ag.tensor(x), need_weights=nw)
        out_t, w_t = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x), need_weights=nw)
        assert out.shape == tuple(out_t.shape) == shape
        assert (w is None) == (w_t is None) and (w is None or w.shape == tuple(w_t.shape))


def test_multi_head_attention_forward_matches_torch_with_static_kv():
    rng = np.random.default_rng(10)
    arrs = {
        "in_proj_weight": rng.standard_normal((3 * E, E)),
        "in_proj_bias": rng.standard_normal(3 * E),
        "out_proj_weight": rng.standard_normal((E, E)),
        "out_proj_bias": rng.standard_normal(E),
        "static_k": rng.standard_normal((N * H, S + 1, E // H)),
        "static_v": rng.standard_normal((N * H, S + 1, E // H)),
    }
    ps = {k: _pair(v) for k, v in arrs.items()}
    q, k = _pair(rng.standard_normal((L, N, E))), _pair(rng.standard_normal((S, N, E)))
    for nw in (True, False):
        args = [
            (
                q[i],
                k[i],
                k[i],
                E,
                H,
                ps["in_proj_weight"][i],
                ps["in_proj_bias"][i],
                None,
                None,
                False,
                0.0,
                ps["out_proj_weight"][i],
                ps["out_proj_bias"][i],
            )
            for i in (0, 1)
        ]
        kw = [
            {"static_k": ps["static_k"][i], "static_v": ps["static_v"][i], "need_weights": nw}
            for i in (0, 1)
        ]
        out = F.multi_head_attention_forward(*args[0], **kw[0])
        out_t = TF.multi_head_attention_forward(*args[1], **kw[1])
        for p in list(ps.values()) + [q, k]:
            p[0].grad, p[1].grad = None, None
        leaves = list(ps.values()) + [q]
        _compare_backward(out, out_t, [p[0] for p in leaves], [p[1] for p in leaves])


def test_mha_gradcheck_and_gradgradcheck():
    """embed 4, 2 heads, L 2, S 3, batch 1; masks, bias_kv, zero attention: the whole call, to
    second order, through the inputs and every parameter."""
    mha = nn.MultiheadAttention(
        4, 2, add_bias_kv=True, add_zero_attn=True, kdim=3, dtype=ag.float64
    )
    q, k, v = rand64(2, 1, 4, seed=1), rand64(3, 1, 3, seed=2), rand64(3, 1, 4, seed=3)
    kpm = ag.tensor(np.array([[False, True, False]]))
    am = ag.tensor(np.array([[False, False, True], [True, False, False]]))
    params = tuple(mha.parameters())

    def fn(q, k, v, *p):
        return mha(q, k, v, key_padding_mask=kpm, attn_mask=am, average_attn_weights=False)

    _check(fn, (q, k, v) + params, fast=True)
    small = (mha.k_proj_weight, mha.bias_v)

    def fn2(q, k, v, w, b):
        return mha(q, k, v, key_padding_mask=kpm, attn_mask=am, need_weights=False)[0]

    _check(fn2, (q, k, v) + small)


# -- parameters, state_dict, init, repr ------------------------------------------------------------


@pytest.mark.parametrize("config", list(MHA_CONFIGS))
def test_mha_repr_names_shapes_and_state_dict_round_trip(config):
    kw = MHA_CONFIGS[config]
    theirs = torch.nn.MultiheadAttention(E, H, dtype=torch.float64, **kw)
    ours = nn.MultiheadAttention(E, H, dtype=ag.float64, **kw)
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()
    ]
    for attr in (
        "embed_dim",
        "kdim",
        "vdim",
        "_qkv_same_embed_dim",
        "num_heads",
        "dropout",
        "batch_first",
        "head_dim",
        "add_zero_attn",
    ):
        assert getattr(ours, attr) == getattr(theirs, attr), attr
    assert (ours.bias_k is None) == (theirs.bias_k is None)
    assert type(ours.out_proj).__name__ == "NonDynamicallyQuantizableLinear"
    assert isinstance(ours.out_proj, nn.Linear)
    res = ours.load_state_dict(theirs.state_dict())
    assert not res.missing_keys and not res.unexpected_keys
    assert list(ours.state_dict()) == list(theirs.state_dict())
    fresh = torch.nn.MultiheadAttention(E, H, dtype=torch.float64, **kw)
    fresh.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    for k, v in fresh.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), theirs.state_dict()[k].numpy())


def test_mha_init_matches_torch():
    e = 64
    m = nn.MultiheadAttention(e, 4, add_bias_kv=True)
    w = m.in_proj_weight.detach().numpy()
    bound = math.sqrt(6.0 / (e + 3 * e))  # xavier_uniform_ on (3e, e)
    assert w.dtype == np.float32 and np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound
    np.testing.assert_array_equal(m.in_proj_bias.detach().numpy(), 0.0)
    np.testing.assert_array_equal(m.out_proj.bias.detach().numpy(), 0.0)
    ow = m.out_proj.weight.detach().numpy()  # Linear's default: U(-1/sqrt(e), 1/sqrt(e))
    assert np.abs(ow).max() <= 1 / math.sqrt(e) and np.abs(ow).max() > 0.9 / math.sqrt(e)
    sep = nn.MultiheadAttention(e, 4, kdim=32, vdim=16)
    kb = math.sqrt(6.0 / (e + 32))
    assert np.abs(sep.k_proj_weight.detach().numpy()).max() <= kb
    assert sep.in_proj_weight is None and sep.q_proj_weight.shape == (e, e)
    a = nn.MultiheadAttention(8, 2, generator=np.random.default_rng(0))
    b = nn.MultiheadAttention(8, 2, generator=np.random.default_rng(0))
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    c = nn.MultiheadAttention(8, 2, bias=False)
    assert c.in_proj_bias is None and c.out_proj.bias is None


# -- errors ---------------------------------------------------------------------------------------


def test_mha_constructor_errors():
    with pytest.raises(
        ValueError,
        match="MultiheadAttention: embed_dim must be divisible by "
        "num_heads, got embed_dim=5 and num_heads=2",
    ):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="embed_dim and num_heads must be greater than 0"):
        nn.MultiheadAttention(4, 0)
    with pytest.raises(TypeError, match="MultiheadAttention: embed_dim must be an int"):
        nn.MultiheadAttention(4.0, 2)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        nn.MultiheadAttention(4, 2, dropout=2.0)


def test_mha_call_errors():
    m = nn.MultiheadAttention(4, 2)
    x = ag.randn(3, 2, 4)
    name = r"MultiheadAttention\(embed_dim=4, num_heads=2\): "
    cases = [
        (
            ShapeError,
            name + r"the shape of the 2-D attn_mask is \(3, 4\), but should be \(3, 3\)",
            dict(attn_mask=ag.zeros(3, 4, dtype=ag.bool)),
        ),
        (
            ShapeError,
            r"the shape of the 3-D attn_mask is \(2, 3, 3\), but should be \(4, 3, 3\)",
            dict(attn_mask=ag.zeros(2, 3, 3)),
        ),
        (
            ShapeError,
            r"expected attn_mask to be None or 2-D or 3-D, got shape \(1, 2, 3, 3\)",
            dict(attn_mask=ag.zeros(1, 2, 3, 3)),
        ),
        (
            ShapeError,
            r"expected key_padding_mask of shape \(2, 3\), got \(2, 4\)",
            dict(key_padding_mask=ag.zeros(2, 4, dtype=ag.bool)),
        ),
        (
            ShapeError,
            r"expected key_padding_mask to be None or 2-D, got shape \(3,\)",
            dict(key_padding_mask=ag.zeros(3, dtype=ag.bool)),
        ),
        (
            TypeError,
            "only bool and floating types of attn_mask are supported, got int64",
            dict(attn_mask=ag.zeros(3, 3, dtype=ag.int64)),
        ),
        (ValueError, "need attn_mask if specifying the is_causal hint", dict(is_causal=True)),
    ]
    for exc, msg, kw in cases:
        with pytest.raises(exc, match=msg):
            m(x, x, x, **kw)
    with pytest.raises(
        ShapeError,
        match=name + r"expected query with embedding dimension 4, "
        r"got shape \(3, 2, 5\)",
    ):
        m(ag.randn(3, 2, 5), x, x)
    with pytest.raises(
        ShapeError,
        match=r"expected key and value of the same shape \(S, N, 4\), "
        r"got \(3, 2, 4\) and \(4, 2, 4\)",
    ):
        m(x, x, ag.randn(4, 2, 4))
    with pytest.raises(
        ShapeError,
        match=r"query should be unbatched 2-D or batched 3-D, got "
        r"shape \(4,\)",
    ):
        m(ag.randn(4), x, x)
    with pytest.raises(
        ShapeError,
        match=r"for batched \(3-D\) query, expected key and value to "
        r"be 3-D",
    ):
        m(x, ag.randn(3, 4), ag.randn(3, 4))
    with pytest.raises(
        ShapeError,
        match=r"query \(3, 2, 4\) and key \(3, 1, 4\) have different "
        r"batch sizes",
    ):
        m(x, ag.randn(3, 1, 4), ag.randn(3, 1, 4))
    with pytest.raises(
        ShapeError,
        match=r"the shape of the 3-D attn_mask is \(3, 3, 3\), but "
        r"should be \(2, 3, 3\)",
    ):
        m(x[:, 0], x[:, 0], x[:, 0], attn_mask=ag.zeros(3, 3, 3))
    with pytest.raises(
        TypeError,
        match=r"key dtype float64 does not match the query dtype "
        r"float32",
    ):
        m(x, x.double(), x.double())
    with pytest.raises(
        TypeError, match="in_proj_weight dtype float32 does not match the query dtype float64"
    ):
        m(x.double(), x.double(), x.double())
    sep = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, batch_first=True)
    with pytest.raises(
        ShapeError,
        match=r"expected key \(S, N, kdim=3\) and value \(S, N, "
        r"vdim=5\) with the same S and N, got shapes "
        r"\(3, 2, 4\) and \(3, 2, 5\)",
    ):
        sep(ag.randn(2, 3, 4), ag.randn(2, 3, 4), ag.randn(2, 3, 5))


def test_mha_errors_come_before_any_work_and_mismatched_masks_warn():
    m = nn.MultiheadAttention(4, 2)
    x = ag.randn(3, 2, 4, requires_grad=True)
    with pytest.raises(ShapeError):
        m(x, x, x, key_padding_mask=ag.zeros(2, 5, dtype=ag.bool))
    assert x.grad is None and all(p.grad is None for p in m.parameters())
    with pytest.warns(
        UserWarning, match="Support for mismatched key_padding_mask and attn_mask is deprecated"
    ):
        m(x, x, x, key_padding_mask=ag.zeros(2, 3, dtype=ag.bool), attn_mask=ag.zeros(3, 3))


def test_multi_head_attention_forward_weight_shape_errors():
    x = ag.randn(3, 2, 4)
    w, b, ow = ag.randn(12, 4), ag.zeros(12), ag.randn(4, 4)
    with pytest.raises(
        ShapeError,
        match=r"multi_head_attention_forward: expected in_proj_weight "
        r"of shape \(12, 4\) for embed_dim 4, got \(12, 3\)",
    ):
        F.multi_head_attention_forward(
            x, x, x, 4, 2, ag.randn(12, 3), b, None, None, False, 0.0, ow, None
        )
    with pytest.raises(ValueError, match="embed_dim 4 not divisible by num_heads 3"):
        F.multi_head_attention_forward(x, x, x, 4, 3, w, b, None, None, False, 0.0, ow, None)
    with pytest.raises(ShapeError, match=r"expected static_k of shape \(4, S, 2\)"):
        F.multi_head_attention_forward(
            x, x, x, 4, 2, w, b, None, None, False, 0.0, ow, None, static_k=ag.randn(4, 3, 3)
        )
    with pytest.raises(ValueError, match="bias_k and bias_v must both be given"):
        F.multi_head_attention_forward(
            x, x, x, 4, 2, w, b, ag.zeros(1, 1, 4), None, False, 0.0, ow, None
        )


# -- GPU ------------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_sdpa_and_mha_on_cuda_match_cpu():
    """Fully masked rows, a causal mask and multi-head weights on cuda against the CPU."""
    mha = nn.MultiheadAttention(E, H, add_zero_attn=True, dtype=ag.float64)
    gpu = nn.MultiheadAttention(E, H, add_zero_attn=True, dtype=ag.float64).to("cuda")
    gpu.load_state_dict(mha.state_dict())
    rng = np.random.default_rng(11)
    x_np, g_np = rng.standard_normal((L, N, E)), rng.standard_normal((L, N, E))
    kpm_np = np.zeros((N, L), bool)
    kpm_np[1, 1:] = True
    res = {}
    for dev, m in (("cpu", mha), ("cuda", gpu)):
        q, k, v = (ag.tensor(a, device=dev, requires_grad=True) for a in (Q4, K4, V4))
        o1 = F.scaled_dot_product_attention(q, k, v, attn_mask=ag.tensor(DEAD, device=dev))
        o2 = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = ag.tensor(x_np, device=dev, requires_grad=True)
        o3, w = m(x, x, x, key_padding_mask=ag.tensor(kpm_np, device=dev))
        total = (o1 * 2).sum() + o2.sum() + (o3 * ag.tensor(g_np, device=dev)).sum() + w.sum()
        total.backward()
        assert o1.device.startswith(dev) and q.grad.device.startswith(dev)
        outs = [o1, o2, o3, w, q.grad, k.grad, v.grad, x.grad] + [p.grad for p in m.parameters()]
        res[dev] = [t.detach().cpu().numpy() for t in outs]
    for a, b in zip(res["cpu"], res["cuda"]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
