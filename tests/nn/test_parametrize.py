"""nn.utils.parametrize, nn.utils.parametrizations (weight_norm, spectral_norm) and the legacy
hook-based nn.utils.weight_norm / spectral_norm: values, gradients, state_dicts, errors, and
the same against PyTorch."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import optim

P = nn.utils.parametrize
PZ = nn.utils.parametrizations


def _linear64(i, o, seed=0):
    rng = np.random.default_rng(seed)
    m = nn.Linear(i, o).double()
    m.load_state_dict({"weight": rng.standard_normal((o, i)), "bias": rng.standard_normal(o)})
    return m


def _np(t):
    return t.detach().numpy()


class Symmetric(nn.Module):
    def forward(self, x):  # (n, n) -> (n, n)
        return x.triu() + x.triu(1).T

    def right_inverse(self, a):
        return a.triu()


class Scale(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x * self.k

    def right_inverse(self, y):
        return y / self.k


class RankOne(nn.Module):
    def forward(self, a, b):  # (n,), (m,) -> (n, m)
        return ag.outer(a, b)

    def right_inverse(self, z):
        u, s, vh = np.linalg.svd(z.detach().numpy())
        r = np.sqrt(s[0])
        return ag.tensor(u[:, 0] * r), ag.tensor(vh[0] * r)


class Counting(nn.Module):
    def __init__(self):
        super().__init__()
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        return x * 2.0


# -- register / remove / chains ----------------------------------------------------------------


def test_register_custom_parametrization_and_assignment():
    m = _linear64(4, 4)
    w0 = _np(m.weight).copy()
    assert P.register_parametrization(m, "weight", Symmetric()) is m
    assert type(m).__name__ == "ParametrizedLinear"
    assert P.type_before_parametrizations(m) is nn.Linear
    assert isinstance(m, nn.Linear)
    assert P.is_parametrized(m) and P.is_parametrized(m, "weight")
    assert not P.is_parametrized(m, "bias") and not P.is_parametrized(nn.Linear(2, 2))
    w = _np(m.weight)
    np.testing.assert_allclose(w, w.T)
    np.testing.assert_allclose(np.triu(w), np.triu(w0))  # right_inverse kept the upper triangle
    np.testing.assert_allclose(_np(m.parametrizations.weight.original), np.triu(w0))
    assert list(m.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert "weight" not in m._parameters
    a = np.random.default_rng(1).standard_normal((4, 4))
    a = a + a.T
    m.weight = ag.tensor(a)  # through right_inverse into the original
    np.testing.assert_allclose(_np(m.weight), a)
    np.testing.assert_allclose(_np(m.parametrizations.weight.original), np.triu(a))
    # the forward uses the parametrized weight
    x = np.random.default_rng(2).standard_normal((3, 4))
    np.testing.assert_allclose(_np(m(ag.tensor(x))), x @ a.T + _np(m.bias))


def test_chained_parametrizations_apply_in_order_and_invert_in_reverse():
    m = _linear64(3, 3)
    w0 = _np(m.weight).copy()
    P.register_parametrization(m, "weight", Symmetric())
    P.register_parametrization(m, "weight", Scale(3.0))
    assert len(m.parametrizations.weight) == 2
    sym = np.triu(w0) + np.triu(w0, 1).T
    np.testing.assert_allclose(_np(m.weight), 3.0 * sym)
    a = np.arange(9.0).reshape(3, 3)
    a = a + a.T
    m.weight = ag.tensor(a)
    np.testing.assert_allclose(_np(m.weight), a)
    np.testing.assert_allclose(_np(m.parametrizations.weight.original), np.triu(a) / 3.0)


def test_multi_tensor_right_inverse_gives_original0_original1():
    m = nn.Linear(3, 4).double()
    P.register_parametrization(m, "weight", RankOne())
    plist = m.parametrizations.weight
    assert not plist.is_tensor and plist.ntensors == 2
    assert list(m.state_dict()) == [
        "bias",
        "parametrizations.weight.original0",
        "parametrizations.weight.original1",
    ]
    assert isinstance(plist.original0, nn.Parameter) and plist.original0.shape == (4,)
    assert plist.original1.shape == (3,)
    assert np.linalg.matrix_rank(_np(m.weight)) == 1
    with pytest.raises(ValueError, match="sequence of tensors"):
        P.remove_parametrizations(m, "weight", leave_parametrized=False)
    w = _np(m.weight).copy()
    P.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(_np(m.weight), w)


def test_parametrizing_a_buffer_keeps_it_a_buffer():
    m = nn.BatchNorm1d(3).double()
    P.register_parametrization(m, "running_var", Scale(2.0))
    assert "parametrizations.running_var.original" in m.state_dict()
    assert "parametrizations.running_var.original" not in dict(m.named_parameters())
    np.testing.assert_allclose(_np(m.running_var), np.ones(3))
    np.testing.assert_allclose(_np(m.parametrizations.running_var.original), 0.5 * np.ones(3))
    P.remove_parametrizations(m, "running_var")
    assert "running_var" in m._buffers and type(m) is nn.BatchNorm1d


def test_remove_leaves_current_weight_and_keeps_identity():
    m = _linear64(4, 3)
    P.register_parametrization(m, "weight", Scale(2.0))
    original = m.parametrizations.weight.original
    opt = optim.SGD(m.parameters(), lr=0.1)
    w = _np(m.weight).copy()
    P.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and "parametrizations" not in m._modules
    assert m.weight is original  # the optimizer's parameter, now holding the current value
    np.testing.assert_allclose(_np(m.weight), w)
    assert list(m.state_dict()) == ["bias", "weight"]
    m(ag.ones(2, 4, dtype=ag.float64)).sum().backward()
    opt.step()  # still drives the module's weight
    np.testing.assert_allclose(_np(m.weight), w - 0.1 * 2 * np.ones((3, 4)))


def test_remove_leave_parametrized_false_restores_original():
    m = _linear64(4, 3)
    w0 = _np(m.weight).copy()
    P.register_parametrization(m, "weight", Scale(2.0))
    P.remove_parametrizations(m, "weight", leave_parametrized=False)
    np.testing.assert_allclose(_np(m.weight), w0 / 2.0)  # the stored original, right_inverse(w0)


def test_two_tensors_parametrized_then_one_removed():
    m = _linear64(3, 3)
    P.register_parametrization(m, "weight", Scale(2.0))
    P.register_parametrization(m, "bias", Scale(3.0))
    cls = type(m)
    P.remove_parametrizations(m, "weight")
    assert type(m) is cls and P.is_parametrized(m) and not P.is_parametrized(m, "weight")
    assert list(m.state_dict()) == ["weight", "parametrizations.bias.original"]
    P.remove_parametrizations(m, "bias")
    assert type(m) is nn.Linear


def test_gradient_flows_to_original():
    m = _linear64(3, 2)
    P.register_parametrization(m, "weight", Scale(2.0))
    x = ag.tensor(np.random.default_rng(3).standard_normal((5, 3)))
    cot = np.random.default_rng(4).standard_normal((5, 2))
    (m(x) * ag.tensor(cot)).sum().backward()
    np.testing.assert_allclose(
        _np(m.parametrizations.weight.original.grad), 2.0 * cot.T @ x.numpy()
    )


def test_cached_computes_once_per_context():
    m = _linear64(3, 3)
    c = Counting()
    P.register_parametrization(m, "weight", c)
    c.calls = 0
    _ = m.weight, m.weight
    assert c.calls == 2
    with P.cached():
        a = m.weight
        with P.cached():
            assert m.weight is a
        assert m.weight is a
    assert c.calls == 3
    assert m.weight is not a and c.calls == 4


def test_parametrization_follows_training_mode():
    m = _linear64(3, 3).eval()
    s = Scale(2.0)
    P.register_parametrization(m, "weight", s)
    assert not s.training
    m.train()
    assert s.training


def test_to_dtype_converts_originals_and_deepcopy_is_independent():
    m = nn.Linear(3, 2)
    P.register_parametrization(m, "weight", Scale(2.0))
    m.double()
    assert m.weight.dtype == np.float64
    c = copy.deepcopy(m)
    assert type(c).__name__ == "ParametrizedLinear"
    P.remove_parametrizations(c, "weight")
    np.testing.assert_allclose(_np(c.weight), _np(m.weight))  # the original still parametrized
    assert P.is_parametrized(m, "weight")
    assert m.parametrizations.weight.original is not c.weight


def test_state_dict_round_trip_between_parametrized_modules():
    a, b = _linear64(4, 3, seed=0), _linear64(4, 3, seed=1)
    for m in (a, b):
        PZ.weight_norm(m)
    b.load_state_dict(a.state_dict())
    np.testing.assert_allclose(_np(b.weight), _np(a.weight))


def test_transfer_parametrizations_and_params():
    a = _linear64(3, 3)
    P.register_parametrization(a, "weight", Scale(2.0))
    b = nn.Linear(3, 3).double()
    P.transfer_parametrizations_and_params(a, b)
    assert b.parametrizations.weight.original is a.parametrizations.weight.original
    np.testing.assert_allclose(_np(b.weight), _np(a.weight))


# -- errors --------------------------------------------------------------------------------------


def test_register_errors_name_function_and_module():
    m = nn.Linear(3, 3)
    with pytest.raises(TypeError, match="register_parametrization: tensor_name must be a string"):
        P.register_parametrization(m, 3, Scale(2.0))
    with pytest.raises(ValueError, match=r"register_parametrization: module Linear .*'weights'"):
        P.register_parametrization(m, "weights", Scale(2.0))
    with pytest.raises(TypeError, match="parametrization must be an nn.Module"):
        P.register_parametrization(m, "weight", lambda x: x)
    with pytest.raises(TypeError, match="module must be an nn.Module"):
        P.register_parametrization(object(), "weight", Scale(2.0))
    assert type(m) is nn.Linear and list(m.state_dict()) == ["weight", "bias"]


class _Flatten(nn.Module):
    def forward(self, x):
        return x.reshape(-1)

    def right_inverse(self, x):
        return x * 2.0


def test_shape_changing_parametrization_refused_and_module_unchanged():
    m = nn.Linear(3, 2)
    w = m.weight
    w0 = _np(w).copy()
    with pytest.raises(ValueError, match="may not change the shape"):
        P.register_parametrization(m, "weight", _Flatten())
    assert type(m) is nn.Linear and m.weight is w
    np.testing.assert_array_equal(_np(m.weight), w0)  # right_inverse's value was not stored
    P.register_parametrization(m, "weight", _Flatten(), unsafe=True)
    assert m.weight.shape == (6,)


def test_remove_errors():
    m = nn.Linear(3, 3)
    with pytest.raises(ValueError, match=r"remove_parametrizations: module Linear .* 'weight'"):
        P.remove_parametrizations(m, "weight")
    P.register_parametrization(m, "weight", Scale(2.0))
    with pytest.raises(ValueError, match="does not have a parametrization on 'bias'"):
        P.remove_parametrizations(m, "bias")


def test_assignment_without_right_inverse_and_pickling_refused():
    class NoInv(nn.Module):
        def forward(self, x):
            return x * 2.0

    m = nn.Linear(2, 2)
    P.register_parametrization(m, "weight", NoInv())
    with pytest.raises(RuntimeError, match="NoInv does not implement right_inverse"):
        m.weight = ag.zeros(2, 2)
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(m)


# -- weight_norm -------------------------------------------------------------------------------


def _row_norms(v, dim):
    axes = tuple(a for a in range(v.ndim) if a != dim)
    return np.sqrt((v * v).sum(axis=axes, keepdims=True))


@pytest.mark.parametrize("dim", [0, 1, None, -1, -2])
def test_weight_norm_values_and_shapes(dim):
    m = _linear64(4, 3)
    w0 = _np(m.weight).copy()
    PZ.weight_norm(m, dim=dim)
    g = _np(m.parametrizations.weight.original0)
    v = _np(m.parametrizations.weight.original1)
    np.testing.assert_allclose(v, w0)
    if dim in (None, -1):  # whole-tensor norm, as torch (-1 is not "the last dim" here)
        assert g.shape == () and np.isclose(g, np.linalg.norm(w0))
    else:
        d = dim % 2
        assert g.shape == ((3, 1) if d == 0 else (1, 4))
        np.testing.assert_allclose(g, _row_norms(w0, d))
    np.testing.assert_allclose(_np(m.weight), w0)  # unchanged at registration
    rng = np.random.default_rng(5)
    g2, v2 = rng.standard_normal(g.shape), rng.standard_normal(v.shape)
    m.load_state_dict(
        {"bias": _np(m.bias), "parametrizations.weight.original0": g2,
         "parametrizations.weight.original1": v2}
    )  # fmt: skip
    norm = np.linalg.norm(v2) if dim in (None, -1) else _row_norms(v2, dim % 2)
    np.testing.assert_allclose(_np(m.weight), g2 * v2 / norm)


def test_weight_norm_conv_default_dim_is_output_channels():
    m = nn.Conv2d(2, 3, 3).double()
    w0 = _np(m.weight).copy()
    PZ.weight_norm(m)
    assert m.parametrizations.weight.original0.shape == (3, 1, 1, 1)
    np.testing.assert_allclose(_np(m.parametrizations.weight.original0), _row_norms(w0, 0))


def test_weight_norm_gradcheck_and_gradgradcheck_through_linear():
    m = _linear64(3, 2)
    PZ.weight_norm(m)
    rng = np.random.default_rng(6)
    with ag.no_grad():  # g away from ||v|| so dw/dg is not trivially 1
        m.parametrizations.weight.original0.copy_(ag.tensor(rng.uniform(0.5, 2.0, (2, 1))))
    g, v = m.parametrizations.weight.original0, m.parametrizations.weight.original1
    x = ag.tensor(rng.standard_normal((4, 3)), requires_grad=True)

    def fn(g_, v_, x_):  # g_, v_ are the module's own parameters, perturbed in place
        return m(x_)

    assert ag.gradcheck(fn, (g, v, x))
    assert ag.gradgradcheck(fn, (g, v, x))


def test_weight_norm_gradient_formula():
    m = _linear64(3, 2)
    PZ.weight_norm(m)
    g, v = m.parametrizations.weight.original0, m.parametrizations.weight.original1
    cot = np.random.default_rng(7).standard_normal((2, 3))
    (m.weight * ag.tensor(cot)).sum().backward()
    gn, vn = _np(g), _np(v)
    n = _row_norms(vn, 0)
    np.testing.assert_allclose(_np(g.grad), (cot * vn).sum(1, keepdims=True) / n)
    expect_v = gn / n * (cot - vn * (cot * vn).sum(1, keepdims=True) / n**2)
    np.testing.assert_allclose(_np(v.grad), expect_v)


def test_weight_norm_bad_dim_and_missing_name():
    with pytest.raises(IndexError, match="weight_norm: Dimension out of range"):
        PZ.weight_norm(nn.Linear(3, 2), dim=2)
    with pytest.raises(ValueError, match="register_parametrization: module Linear"):
        PZ.weight_norm(nn.Linear(3, 2), name="kernel")


# -- spectral_norm -----------------------------------------------------------------------------


def test_spectral_norm_sigma_converges_to_largest_singular_value():
    m = _linear64(6, 4)
    w0 = _np(m.weight).copy()
    PZ.spectral_norm(m, n_power_iterations=3)
    assert list(m.state_dict()) == [
        "bias",
        "parametrizations.weight.original",
        "parametrizations.weight.0._u",
        "parametrizations.weight.0._v",
    ]
    for _ in range(30):
        w = _np(m.weight)
    s = np.linalg.svd(w0, compute_uv=False)
    np.testing.assert_allclose(w, w0 / s[0], rtol=1e-6)
    assert np.isclose(np.linalg.svd(w, compute_uv=False)[0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(_np(m.parametrizations.weight.original), w0)


def test_spectral_norm_eval_mode_does_not_update_u_v():
    m = _linear64(5, 3)
    PZ.spectral_norm(m)
    sn = m.parametrizations.weight[0]
    u0 = _np(sn._u).copy()
    m.eval()
    _ = m.weight, m.weight
    np.testing.assert_array_equal(_np(sn._u), u0)
    with ag.no_grad():  # a new W: u only follows it in training mode
        new_w = np.random.default_rng(1).random((3, 5))
        m.parametrizations.weight.original.copy_(ag.tensor(new_w))
    _ = m.weight
    np.testing.assert_array_equal(_np(sn._u), u0)
    m.train()
    _ = m.weight
    assert np.abs(_np(sn._u) - u0).max() > 1e-3


def test_spectral_norm_gradient_treats_u_v_as_constants():
    m = _linear64(4, 3)
    PZ.spectral_norm(m)
    m.eval()
    w = m.parametrizations.weight.original
    sn = m.parametrizations.weight[0]
    u, v = _np(sn._u), _np(sn._v)
    cot = np.random.default_rng(8).standard_normal((3, 4))
    (m.weight * ag.tensor(cot)).sum().backward()
    wn = _np(w)
    sigma = u @ wn @ v
    expect = cot / sigma - (cot * wn).sum() / sigma**2 * np.outer(u, v)
    np.testing.assert_allclose(_np(w.grad), expect)
    x = ag.tensor(np.random.default_rng(9).standard_normal((2, 4)), requires_grad=True)
    assert ag.gradcheck(lambda w_, x_: m(x_), (w, x))


def test_spectral_norm_conv_and_1d_and_errors():
    m = nn.ConvTranspose2d(2, 3, 3).double()  # weight (2, 3, 3, 3): dim 1 by default
    PZ.spectral_norm(m)
    assert m.parametrizations.weight[0]._u.shape == (3,)
    assert m.parametrizations.weight[0]._v.shape == (18,)
    b = nn.Linear(3, 4).double()
    PZ.spectral_norm(b, name="bias")
    bias = _np(b.parametrizations.bias.original)
    np.testing.assert_allclose(_np(b.bias), bias / np.linalg.norm(bias))
    with pytest.raises(IndexError, match="spectral_norm: Dimension out of range"):
        PZ.spectral_norm(nn.Linear(3, 2), dim=2)
    with pytest.raises(ValueError, match="n_power_iterations"):
        PZ.spectral_norm(nn.Linear(3, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match="spectral_norm: module Linear has no parameter .*'w'"):
        PZ.spectral_norm(nn.Linear(3, 2), name="w")


# -- legacy hook versions --------------------------------------------------------------------


def test_legacy_weight_norm_and_remove():
    m = _linear64(4, 3)
    w0 = _np(m.weight).copy()
    with pytest.warns(FutureWarning, match="deprecated"):
        assert nn.utils.weight_norm(m) is m
    assert list(m.state_dict()) == ["bias", "weight_g", "weight_v"]
    np.testing.assert_allclose(_np(m.weight_g), _row_norms(w0, 0))
    with ag.no_grad():
        m.weight_g.mul_(2.0)
    x = ag.tensor(np.random.default_rng(1).standard_normal((2, 4)))
    np.testing.assert_allclose(_np(m(x)), x.numpy() @ (2 * w0).T + _np(m.bias))
    cot = np.random.default_rng(2).standard_normal((2, 3))
    (m(x) * ag.tensor(cot)).sum().backward()
    assert m.weight_g.grad.shape == (3, 1) and m.weight_v.grad.shape == (3, 4)
    with pytest.raises(RuntimeError, match="two weight_norm hooks"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nn.utils.weight_norm(m)
    nn.utils.remove_weight_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"] and isinstance(m.weight, nn.Parameter)
    np.testing.assert_allclose(_np(m.weight), 2 * w0)
    with pytest.raises(ValueError, match="remove_weight_norm: weight_norm of 'weight' not found"):
        nn.utils.remove_weight_norm(m)


def test_legacy_weight_norm_gradcheck():
    m = _linear64(3, 2)
    with pytest.warns(FutureWarning):
        nn.utils.weight_norm(m, dim=None)
    assert m.weight_g.shape == ()
    x = ag.tensor(np.random.default_rng(3).standard_normal((4, 3)), requires_grad=True)
    assert ag.gradcheck(lambda g, v, x_: m(x_), (m.weight_g, m.weight_v, x))


def test_legacy_spectral_norm_and_remove():
    m = _linear64(5, 3)
    w0 = _np(m.weight).copy()
    nn.utils.spectral_norm(m, n_power_iterations=5)
    assert list(m.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    x = ag.tensor(np.ones((1, 5)))
    for _ in range(20):
        m(x)
    s = np.linalg.svd(w0, compute_uv=False)[0]
    np.testing.assert_allclose(_np(m.weight), w0 / s, rtol=1e-6)
    m.eval()
    u = _np(m.weight_u).copy()
    m(x)
    np.testing.assert_array_equal(_np(m.weight_u), u)
    nn.utils.remove_spectral_norm(m)
    assert list(m.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(_np(m.weight), w0 / s, rtol=1e-6)
    with pytest.raises(ValueError, match="remove_spectral_norm: spectral_norm of 'weight'"):
        nn.utils.remove_spectral_norm(m)


# -- against PyTorch ---------------------------------------------------------------------------


def _torch_copy(torch, m_ours, ctor):
    tm = ctor().double()
    tm.load_state_dict({k: torch.tensor(_np(v)) for k, v in m_ours.state_dict().items()})
    return tm


def _assert_same_state(torch, ours, theirs, **tol):
    sd, tsd = ours.state_dict(), theirs.state_dict()
    assert list(sd) == list(tsd)
    for k in sd:
        np.testing.assert_allclose(_np(sd[k]), tsd[k].detach().numpy(), err_msg=k, **tol)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(dim):
    torch = pytest.importorskip("torch")
    m = _linear64(4, 3)
    tm = _torch_copy(torch, m, lambda: torch.nn.Linear(4, 3))
    PZ.weight_norm(m, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(tm, dim=dim)
    _assert_same_state(torch, m, tm)
    assert repr(m) == repr(tm)
    x = np.random.default_rng(1).standard_normal((5, 4))
    cot = np.random.default_rng(2).standard_normal((5, 3))
    (m(ag.tensor(x)) * ag.tensor(cot)).sum().backward()
    (tm(torch.tensor(x)) * torch.tensor(cot)).sum().backward()
    for (k, p), (tk, tp) in zip(m.named_parameters(), tm.named_parameters()):
        assert k == tk
        np.testing.assert_allclose(_np(p.grad), tp.grad.numpy(), rtol=1e-10, err_msg=k)


def test_weight_norm_state_dicts_load_across_libraries_and_from_legacy():
    torch = pytest.importorskip("torch")
    m = nn.Conv1d(2, 3, 2).double()
    tm = _torch_copy(torch, m, lambda: torch.nn.Conv1d(2, 3, 2))
    PZ.weight_norm(m)
    torch.nn.utils.parametrizations.weight_norm(tm)
    rng = np.random.default_rng(3)
    sd = {k: rng.standard_normal(v.shape) for k, v in m.state_dict().items()}
    tm.load_state_dict({k: torch.tensor(v) for k, v in sd.items()})
    m.load_state_dict(tm.state_dict())  # torch tensors in
    x = rng.standard_normal((2, 2, 5))
    np.testing.assert_allclose(_np(m(ag.tensor(x))), tm(torch.tensor(x)).detach().numpy())
    # a legacy (weight_g / weight_v) torch state_dict loads into the parametrized version
    legacy = torch.nn.Conv1d(2, 3, 2).double()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.nn.utils.weight_norm(legacy)
    lsd = legacy.state_dict()
    assert set(lsd) == {"bias", "weight_g", "weight_v"}
    m.load_state_dict(lsd)
    tm.load_state_dict(lsd)
    _assert_same_state(torch, m, tm)
    np.testing.assert_allclose(_np(m(ag.tensor(x))), legacy(torch.tensor(x)).detach().numpy())
    # and the other way: ours into torch
    tm.load_state_dict({k: torch.tensor(_np(v)) for k, v in m.state_dict().items()})


@pytest.mark.parametrize("layer", ["conv1d", "linear"])
def test_spectral_norm_matches_torch_train_and_eval(layer):
    torch = pytest.importorskip("torch")
    if layer == "conv1d":  # weight (4, 3, 2)
        m = nn.Conv1d(3, 4, 2).double()
        tm = _torch_copy(torch, m, lambda: torch.nn.Conv1d(3, 4, 2))
        shape, out = (3, 3, 5), (3, 4, 4)
    else:
        m = _linear64(5, 4)
        tm = _torch_copy(torch, m, lambda: torch.nn.Linear(5, 4))
        shape, out = (3, 5), (3, 4)
    PZ.spectral_norm(m, n_power_iterations=2)
    torch.nn.utils.parametrizations.spectral_norm(tm, n_power_iterations=2)
    assert list(m.state_dict()) == list(tm.state_dict())
    m.load_state_dict(tm.state_dict())  # same u, v (the random start differs)
    rng = np.random.default_rng(4)
    for mode in ("train", "train", "eval"):
        getattr(m, mode)(), getattr(tm, mode)()
        x, cot = rng.standard_normal(shape), rng.standard_normal(out)
        m.zero_grad(), tm.zero_grad()
        # no cached(): each layer must compute its weight once per forward (one power-iteration
        # step in training mode), as torch's do
        y, ty = m(ag.tensor(x)), tm(torch.tensor(x))
        np.testing.assert_allclose(_np(y), ty.detach().numpy(), rtol=1e-10)
        (y * ag.tensor(cot)).sum().backward()
        (ty * torch.tensor(cot)).sum().backward()
        for p, tp in zip(m.parameters(), tm.parameters()):
            np.testing.assert_allclose(_np(p.grad), tp.grad.numpy(), rtol=1e-9, atol=1e-12)
        _assert_same_state(torch, m, tm, rtol=1e-10)


def test_legacy_norms_match_torch():
    torch = pytest.importorskip("torch")
    m = _linear64(4, 3)
    tm = _torch_copy(torch, m, lambda: torch.nn.Linear(4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nn.utils.weight_norm(m, dim=1)
        torch.nn.utils.weight_norm(tm, dim=1)
    _assert_same_state(torch, m, tm)
    x = np.random.default_rng(5).standard_normal((2, 4))
    np.testing.assert_allclose(_np(m(ag.tensor(x))), tm(torch.tensor(x)).detach().numpy())
    nn.utils.remove_weight_norm(m)
    torch.nn.utils.remove_weight_norm(tm)
    _assert_same_state(torch, m, tm)

    s = nn.Conv2d(2, 3, 2).double()
    ts = _torch_copy(torch, s, lambda: torch.nn.Conv2d(2, 3, 2))
    nn.utils.spectral_norm(s)
    torch.nn.utils.spectral_norm(ts)
    assert list(s.state_dict()) == list(ts.state_dict())
    s.load_state_dict(ts.state_dict())
    x = np.random.default_rng(6).standard_normal((1, 2, 4, 4))
    for _ in range(3):
        np.testing.assert_allclose(
            _np(s(ag.tensor(x))), ts(torch.tensor(x)).detach().numpy(), rtol=1e-10
        )
    _assert_same_state(torch, s, ts, rtol=1e-10)
    nn.utils.remove_spectral_norm(s)
    torch.nn.utils.remove_spectral_norm(ts)
    _assert_same_state(torch, s, ts, rtol=1e-10)
