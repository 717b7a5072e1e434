"""The PyTorch porting API, part 2: Tensor methods side by side with torch.

* methods and their in-place forms (aliases, the new ops' methods, ``eq_``, ``cumsum_``,
  ``addmm_``, ``fill_diagonal_``, ...): values, dtypes, returning self;
* the in-place metadata changes ``t_``, ``transpose_``, ``swapaxes_``, ``swapdims_``,
  ``squeeze_``, ``unsqueeze_``: values, gradients, version counter, views sharing memory,
  torch's refusals;
* ``retains_grad`` and ``register_post_accumulate_grad_hook``;
* the top-level in-place spellings (``autograd.relu_(x)``, ...), threads, seeds, the
  determinism flag.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import autograd as ag

from .test_torch_api_gaps import A34, B34, I32, V3, V4, R, _np, _outs, _same, _tri

torch = pytest.importorskip("torch")


# -- Tensor methods ------------------------------------------------------------------------------

METHODS = [
    ("absolute", ()),
    ("negative", ()),
    ("multiply", (B34,)),
    ("divide", (B34,)),
    ("true_divide", (2.0,)),
    ("greater", (B34,)),
    ("greater_equal", (0.0,)),
    ("less", (B34,)),
    ("less_equal", (0.5,)),
    ("not_equal", (B34,)),
    ("logical_and", (B34 > 0,)),
    ("logical_or", (B34 > 0,)),
    ("logical_xor", (B34 > 0,)),
    ("remainder", (0.7,)),
    ("floor_divide", (0.7,)),
    ("fmax", (B34,)),
    ("fmin", (B34,)),
    ("nansum", ()),
    ("nanmean", (0,)),
    ("select", (0, -1)),
    ("dist", (B34, 3)),
    ("renorm", (2, 1, 1.5)),
    ("addr", (V3, V4)),
    ("frexp", ()),
    ("ldexp", (B34,)),
    ("nextafter", (B34,)),
    ("isposinf", ()),
    ("isneginf", ()),
    ("isreal", ()),
    ("histc", (5,)),
    ("sum_to_size", (3, 1)),
    ("narrow_copy", (0, 1, 2)),
    ("split_with_sizes", ([2, 2], 1)),
    ("hardshrink", (0.6,)),
    ("prelu", (np.array([0.25]),)),
    ("diagonal_scatter", (V3,)),
    ("select_scatter", (V3, 1, 0)),
    ("slice_scatter", (B34[:, :2].copy(), 1, 1, 3)),
    ("subtract", (B34,), {"alpha": 2}),
    ("where", (A34 > 0, B34)),
    ("heaviside", (B34,)),
    ("cholesky_inverse", ()),
]


def _conv(lib, v):
    if isinstance(v, np.ndarray):
        return ag.tensor(v) if lib is ag else torch.from_numpy(v.copy())
    return v


@pytest.mark.parametrize("case", METHODS, ids=[m[0] for m in METHODS])
def test_methods_match_torch(case):
    name, args, kw = case[0], case[1], (case[2] if len(case) > 2 else {})
    base = _tri((4, 4)) if name == "cholesky_inverse" else A34
    a = getattr(ag.tensor(base), name)(*[_conv(ag, v) for v in args], **kw)
    t = getattr(torch.from_numpy(base.copy()), name)(*[_conv(torch, v) for v in args], **kw)
    _same(_outs(a), _outs(t), rtol=1e-7, atol=1e-9)


INPLACE = [
    ("eq_", (A34.round(),)),
    ("ne_", (0.0,)),
    ("lt_", (B34,)),
    ("le_", (B34,)),
    ("gt_", (0.1,)),
    ("ge_", (B34,)),
    ("greater_", (B34,)),
    ("less_equal_", (B34,)),
    ("not_equal_", (0.0,)),
    ("logical_and_", (B34,)),
    ("logical_or_", (B34 * 0,)),
    ("logical_xor_", (B34,)),
    ("logical_not_", ()),
    ("remainder_", (0.7,)),
    ("floor_divide_", (0.7,)),
    ("cumsum_", (1,)),
    ("cumprod_", (0,)),
    ("addmm_", (A34[:, :3].copy(), B34[:3].copy()), {"beta": 0.5}),
    ("addr_", (V3, V4), {"alpha": 2}),
    ("renorm_", (1, 0, 2.0)),
    ("ldexp_", (B34,)),
    ("nextafter_", (B34,)),
    ("float_power_", (2,)),
    ("fill_diagonal_", (5.0,)),
    ("divide_", (B34,)),
    ("multiply_", (B34,)),
    ("subtract_", (B34,), {"alpha": 3}),
    ("true_divide_", (2.0,)),
]


@pytest.mark.parametrize("case", INPLACE, ids=[m[0] for m in INPLACE])
def test_inplace_methods_match_torch(case):
    name, args, kw = case[0], case[1], (case[2] if len(case) > 2 else {})
    a, t = ag.tensor(A34), torch.from_numpy(A34.copy())
    ra = getattr(a, name)(*[_conv(ag, v) for v in args], **kw)
    rt = getattr(t, name)(*[_conv(torch, v) for v in args], **kw)
    assert ra is a and rt is t
    _same([a], [t], rtol=1e-7, atol=1e-9)


def test_integer_and_matrix_inplace_methods_match_torch():
    for name in ("gcd_", "lcm_", "remainder_"):
        a, t = ag.tensor(I32[0]), torch.from_numpy(I32[0].copy())
        getattr(a, name)(ag.tensor(I32[1] + 30))
        getattr(t, name)(torch.from_numpy(I32[1] + 30))
        _same([a], [t])
    m, v = R.normal(size=(2, 3, 4)), R.normal(size=(2, 4, 5))
    for name, base, args in (
        ("baddbmm_", R.normal(size=(2, 3, 5)), (m, v)),
        ("addbmm_", R.normal(size=(3, 5)), (m, v)),
        ("addmv_", V3.copy(), (A34, V4)),
    ):
        a, t = ag.tensor(base), torch.from_numpy(base.copy())
        getattr(a, name)(*[ag.tensor(u) for u in args], alpha=2.0)
        getattr(t, name)(*[torch.from_numpy(u.copy()) for u in args], alpha=2.0)
        _same([a], [t], rtol=1e-9)


def test_fill_diagonal_wrap_and_dims_match_torch():
    for shape, wrap in (((5, 2), True), ((5, 2), False), ((7, 3), True), ((2, 2, 2), False)):
        a, t = ag.zeros(*shape), torch.zeros(*shape)
        _same([a.fill_diagonal_(5, wrap=wrap)], [t.fill_diagonal_(5, wrap=wrap)])
    a, t = ag.zeros(2, 2, dtype=ag.int64), torch.zeros(2, 2, dtype=torch.int64)
    _same([a.fill_diagonal_(2.7)], [t.fill_diagonal_(2.7)])


# -- in-place metadata changes -------------------------------------------------------------------

META = [
    ("t_", ()),
    ("transpose_", (0, 2)),
    ("swapaxes_", (1, 2)),
    ("swapdims_", (0, 1)),
    ("squeeze_", ()),
    ("squeeze_", (1,)),
    ("unsqueeze_", (-1,)),
]


@pytest.mark.parametrize("name,args", META, ids=[f"{m[0]}{m[1]}" for m in META])
def test_metadata_inplace_matches_torch(name, args):
    base = R.normal(size=(3, 4) if name == "t_" else (2, 1, 3))
    a = ag.tensor(base, requires_grad=True)
    t = torch.from_numpy(base.copy()).requires_grad_(True)
    ya, yt = a * 2.0, t * 2.0
    va, vt = ya._version, yt._version
    assert getattr(ya, name)(*args) is ya and getattr(yt, name)(*args) is yt
    assert ya._version == va + 1 and yt._version == vt + 1
    assert ya.is_contiguous() == yt.is_contiguous()
    _same([ya], [yt])
    c = R.normal(size=tuple(yt.shape))
    (ya * ag.tensor(c)).sum().backward()
    (yt * torch.from_numpy(c)).sum().backward()
    _same([a.grad], [t.grad])
    # a view, then its base: the memory stays shared (a write through the view reaches it)
    pa, pt = ag.tensor(base), torch.from_numpy(base.copy())
    ua, ut = pa[0:1], pt[0:1]
    getattr(ua, name)(*args)
    getattr(ut, name)(*args)
    ua.mul_(3.0)
    ut.mul_(3.0)
    _same([ua, pa], [ut, pt])
    getattr(pa, name)(*args)
    getattr(pt, name)(*args)
    _same([pa], [pt])


def test_metadata_inplace_refusals_and_saved_tensors_match_torch():
    for lib in (ag, torch):
        leaf = (
            lib.ones(2, 3, requires_grad=True)
            if lib is ag
            else torch.ones(2, 3, requires_grad=True)
        )
        with pytest.raises(RuntimeError):
            leaf.t_()  # a leaf that requires grad
        with pytest.raises(RuntimeError):
            leaf[0:1].t_()  # a view of one
        with lib.no_grad():
            leaf.t_()  # allowed without recording
        assert tuple(leaf.shape) == (3, 2)
        y = leaf * 3.0
        w = y * y  # saves y
        y.t_()
        with pytest.raises(RuntimeError, match="modified by an in"):
            w.sum().backward()


@pytest.mark.parametrize("changed", ["view", "base"])
def test_metadata_inplace_in_a_recorded_view_group_matches_torch(changed):
    base = R.normal(size=(3, 4))
    out = []
    for lib in (ag, torch):
        x = torch.from_numpy(base.copy()) if lib is torch else ag.tensor(base)
        x.requires_grad_(True)
        y = x * 1.0
        v = y[1:]
        (v if changed == "view" else y).t_()
        v.mul_(2.0)  # the writes reach each other through the transposed member
        y.mul_(3.0)
        (y * y).sum().backward()
        out.append((y.detach(), v.detach(), x.grad))
    for a, t in zip(*out):
        _same([a], [t])


# -- retains_grad, post-accumulate hooks -----------------------------------------------------------


def test_retains_grad_matches_torch():
    for lib in (ag, torch):
        a = lib.ones(2, requires_grad=True)
        y = a * 2
        assert (y.retains_grad, a.retains_grad) == (False, False)
        y.retain_grad()
        a.retain_grad()
        assert (y.retains_grad, a.retains_grad) == (True, False)
        y.add_(1)  # retain_grad follows the tensor onto its new record
        assert y.retains_grad


def _hook_run(lib):
    c = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    log = []
    h = c.register_post_accumulate_grad_hook(lambda t: log.append(_np(t.grad).copy()))
    c.register_hook(lambda g: g * 2)
    (c * 3).sum().backward()
    (c * c).sum().backward()
    n1 = len(log)
    lib.autograd.grad((c * 3).sum(), c)  # accumulates nothing: no post hook
    n2 = len(log)
    (c * 1).sum().backward(inputs=[c])
    n3 = len(log)
    h.remove()
    (c * 3).sum().backward()
    return log, (n1, n2, n3, len(log)), _np(c.grad)


def test_post_accumulate_grad_hook_matches_torch():
    la, na, ga = _hook_run(ag)
    lt, nt, gt = _hook_run(torch)
    assert na == nt == (2, 2, 3, 3)
    for a, t in zip(la, lt):
        np.testing.assert_allclose(a, t)
    np.testing.assert_allclose(ga, gt)


def test_post_accumulate_grad_hook_errors_as_torch():
    for lib in (ag, torch):
        with pytest.raises(RuntimeError):
            (lib.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(lambda t: None)
        with pytest.raises(RuntimeError):
            lib.ones(2).register_post_accumulate_grad_hook(lambda t: None)
        c = lib.ones(2, requires_grad=True)
        c.register_post_accumulate_grad_hook(lambda t: t * 2)
        with pytest.raises(RuntimeError):
            (c * 1).sum().backward()


def test_post_accumulate_hook_steps_an_optimiser_in_backward():
    w = ag.tensor([1.0, -2.0], requires_grad=True)

    def step(p):
        with ag.no_grad():
            p.sub_(0.5 * p.grad)
        p.grad = None

    w.register_post_accumulate_grad_hook(step)
    (w * w).sum().backward()
    np.testing.assert_allclose(_np(w), [0.0, 0.0])
    assert w.grad is None


# -- top-level in-place spellings, threads, seeds, determinism ------------------------------------

UNARY_INPLACE = [
    "abs_",
    "acos_",
    "arccos_",
    "asin_",
    "arcsin_",
    "atan_",
    "arctan_",
    "asinh_",
    "arcsinh_",
    "atanh_",
    "arctanh_",
    "ceil_",
    "cos_",
    "cosh_",
    "deg2rad_",
    "erf_",
    "erfc_",
    "exp2_",
    "exp_",
    "expm1_",
    "floor_",
    "frac_",
    "log10_",
    "log1p_",
    "log2_",
    "log_",
    "logit_",
    "nan_to_num_",
    "neg_",
    "negative_",
    "rad2deg_",
    "reciprocal_",
    "relu_",
    "round_",
    "rsqrt_",
    "sigmoid_",
    "sin_",
    "sinc_",
    "sinh_",
    "sqrt_",
    "square_",
    "tan_",
    "tanh_",
    "trunc_",
    "zero_",
    "detach_",
]


def test_top_level_inplace_spellings_match_torch():
    base = R.uniform(0.2, 0.9, (2, 3))
    for name in UNARY_INPLACE:
        a, t = ag.tensor(base), torch.from_numpy(base.copy())
        assert getattr(ag, name)(a) is a and getattr(torch, name)(t) is t
        _same([a], [t], rtol=1e-12)
    big = base + 1.5
    calls = [
        ("acosh_", big, ()),
        ("arccosh_", big, ()),
        ("clamp_", base, (0.3, 0.6)),
        ("clip_", base, (0.4,)),
        ("clamp_min_", base, (0.5,)),
        ("clamp_max_", base, (0.5,)),
        ("fill_", base, (2.5,)),
        ("xlogy_", base, (big,)),
        ("ldexp_", base, (big,)),
        ("addmv_", base[0].copy(), (A34[:3, :3].T.copy()[:3, :3], V3)),
    ]
    for name, b, args in calls:
        a, t = ag.tensor(b), torch.from_numpy(b.copy())
        getattr(ag, name)(a, *[_conv(ag, v) for v in args])
        getattr(torch, name)(t, *[_conv(torch, v) for v in args])
        _same([a], [t], rtol=1e-12)
    a, t = ag.tensor(I32[0]), torch.from_numpy(I32[0].copy())
    ag.gcd_(a, ag.tensor(I32[1]))
    torch.gcd_(t, torch.from_numpy(I32[1].copy()))
    _same([a], [t])
    a, t = ag.zeros(3), torch.zeros(3)
    ag.index_put_(a, (ag.tensor([0, 2]),), ag.tensor([1.0, 2.0]))
    torch.index_put_(t, (torch.tensor([0, 2]),), torch.tensor([1.0, 2.0]))
    _same([a], [t])
    with pytest.raises(TypeError):
        ag.relu_(np.ones(2))


def test_num_threads_set_blas_and_kernel_threads():
    from threadpoolctl import threadpool_info

    import backends.numpy_kernels as nk

    env = os.environ.get("TAPEGRAD_NUM_THREADS")
    saved = (nk._blas["libs"], nk._blas["saved"])
    before = {d["filepath"]: d["num_threads"] for d in threadpool_info() if d["user_api"] == "blas"}
    try:
        ag.set_num_threads(1)
        assert ag.get_num_threads() == nk._num_threads() == 1
        info = [d for d in threadpool_info() if d["user_api"] == "blas"]
        assert all(d["num_threads"] == 1 for d in info)
        with nk._blas_single_threaded():  # the kernels' sections restore the count set here
            pass
        assert all(d["num_threads"] == 1 for d in threadpool_info() if d["user_api"] == "blas")
        ag.set_num_threads(3)
        assert ag.get_num_threads() == 3
    finally:
        from threadpoolctl import ThreadpoolController

        for lib in ThreadpoolController().select(user_api="blas").lib_controllers:
            if lib.filepath in before:
                lib.set_num_threads(before[lib.filepath])
        nk._blas["libs"], nk._blas["saved"] = saved
        if env is None:
            os.environ.pop("TAPEGRAD_NUM_THREADS", None)
        else:
            os.environ["TAPEGRAD_NUM_THREADS"] = env


def test_seeds_and_determinism_flag():
    state = ag.get_rng_state()
    try:
        ag.manual_seed(5)
        assert ag.initial_seed() == 5
        a = ag.rand(3)
        s = ag.seed()
        assert isinstance(s, int) and 0 <= s < 2**64 and ag.initial_seed() == s
        ag.manual_seed(5)
        np.testing.assert_array_equal(_np(ag.rand(3)), _np(a))
    finally:
        ag.set_rng_state(state)
    assert not ag.are_deterministic_algorithms_enabled()
    try:
        ag.use_deterministic_algorithms(True, warn_only=True)
        assert ag.are_deterministic_algorithms_enabled()
        assert ag.is_deterministic_algorithms_warn_only_enabled()
    finally:
        ag.use_deterministic_algorithms(False)
    assert not ag.are_deterministic_algorithms_enabled()
