"""``inplace=True`` in nn activations and dropout: x is overwritten and returned (the same object),
the write is recorded (gradients, second order, equal to the out-of-place form), a leaf that
requires grad is refused naming the function or layer, ``no_grad`` and non-grad tensors are plain
writes, views on a recorded graph are recorded through their base (views of a leaf that requires
grad are refused), and PyTorch agrees."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

# values of w * x, away from every kink below (0, +-1, +-3, 6, 0.5, -2, 1.5, 0 of celu ...)
BASE = np.array([-7.0, -4.1, -2.5, -1.3, -0.7, -0.2, 0.3, 0.9, 1.6, 2.2, 3.6, 6.5, 8.0])

# (id, F call, module factory, module name); each callable takes the library (ours or torch's)
# so the same row drives the comparison with PyTorch
CASES = [
    ("relu", lambda F, x, **k: F.relu(x, **k), lambda nn, **k: nn.ReLU(**k), "ReLU"),
    ("relu6", lambda F, x, **k: F.relu6(x, **k), lambda nn, **k: nn.ReLU6(**k), "ReLU6"),
    ("leaky_relu", lambda F, x, **k: F.leaky_relu(x, 0.2, **k),
     lambda nn, **k: nn.LeakyReLU(0.2, **k), "LeakyReLU"),
    ("elu", lambda F, x, **k: F.elu(x, 1.3, **k), lambda nn, **k: nn.ELU(1.3, **k), "ELU"),
    ("selu", lambda F, x, **k: F.selu(x, **k), lambda nn, **k: nn.SELU(**k), "SELU"),
    ("celu", lambda F, x, **k: F.celu(x, 0.5, **k), lambda nn, **k: nn.CELU(0.5, **k), "CELU"),
    ("celu_neg", lambda F, x, **k: F.celu(x, -0.8, **k), lambda nn, **k: nn.CELU(-0.8, **k),
     "CELU"),
    ("hardtanh", lambda F, x, **k: F.hardtanh(x, -2.0, 1.5, **k),
     lambda nn, **k: nn.Hardtanh(-2.0, 1.5, **k), "Hardtanh"),
    ("threshold", lambda F, x, **k: F.threshold(x, 0.5, -2.0, **k),
     lambda nn, **k: nn.Threshold(0.5, -2.0, **k), "Threshold"),
    ("hardsigmoid", lambda F, x, **k: F.hardsigmoid(x, **k),
     lambda nn, **k: nn.Hardsigmoid(**k), "Hardsigmoid"),
    ("hardswish", lambda F, x, **k: F.hardswish(x, **k), lambda nn, **k: nn.Hardswish(**k),
     "Hardswish"),
    ("silu", lambda F, x, **k: F.silu(x, **k), lambda nn, **k: nn.SiLU(**k), "SiLU"),
    ("mish", lambda F, x, **k: F.mish(x, **k), lambda nn, **k: nn.Mish(**k), "Mish"),
    ("rrelu_eval", lambda F, x, **k: F.rrelu(x, 0.1, 0.3, False, **k),
     lambda nn, **k: nn.RReLU(0.1, 0.3, **k).eval(), "RReLU"),
]  # fmt: skip
IDS = [c[0] for c in CASES]


def _fn(case, kind):
    """x, inplace -> the case's F call or a fresh module's output."""
    _, call, make, _ = case
    if kind == "F":
        return lambda x, inplace: call(F, x, inplace=inplace)
    return lambda x, inplace: make(nn, inplace=inplace)(x)


def _op_name(case, kind):
    return case[3] if kind == "module" else case[0].split("_eval")[0].replace("_neg", "")


def _wx(seed=0):
    """w (float64 leaf requiring grad) and a fixed x with w * x == BASE."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.5, 1.5, BASE.shape) * rng.choice([-1.0, 1.0], BASE.shape)
    w = ag.tensor(BASE / x, dtype=ag.float64, requires_grad=True)
    return w, ag.tensor(x, dtype=ag.float64)


# -- same object, values, dtype ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["F", "module"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_returns_the_input_overwritten_with_the_out_of_place_values(case, kind):
    f = _fn(case, kind)
    x = ag.tensor(BASE, dtype=ag.float32)
    expected = f(ag.tensor(BASE, dtype=ag.float32), False)
    vc = x._version
    y = f(x, True)
    assert y is x
    assert x.dtype == ag.float32 and x._version > vc
    np.testing.assert_array_equal(x.numpy(), expected.numpy())
    assert not np.array_equal(x.numpy(), BASE.astype(np.float32))  # the values did change
    # inplace=False leaves its input alone and returns a new tensor
    z = ag.tensor(BASE, dtype=ag.float32)
    out = f(z, False)
    assert out is not z
    np.testing.assert_array_equal(z.numpy(), BASE.astype(np.float32))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_0d_and_empty_inputs(case):
    f = _fn(case, "F")
    s = ag.tensor(-0.7, dtype=ag.float64)
    expected = f(ag.tensor(-0.7, dtype=ag.float64), False).item()
    assert f(s, True) is s and s.shape == () and s.item() == expected
    e = ag.zeros(0, 3)
    assert f(e, True) is e and e.shape == (0, 3)


# -- gradients: recorded, equal to the out-of-place form, second order ------------------------


@pytest.mark.parametrize("kind", ["F", "module"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradient_through_the_inplace_op_equals_the_out_of_place_one(case, kind):
    f = _fn(case, kind)
    w, x = _wx()
    g = ag.tensor(np.random.default_rng(3).standard_normal(BASE.shape))
    h = w * x
    y = f(h, True)
    assert y is h and not h.is_leaf and h.requires_grad and h.grad_fn is not None
    (ag.sum(y * g) * 1.0).backward()
    g_in = w.grad.numpy().copy()
    w.grad = None
    y2 = f(w * x, False)
    ag.sum(y2 * g).backward()
    np.testing.assert_allclose(g_in, w.grad.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(y.detach().numpy(), y2.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_gradcheck_and_gradgradcheck(case):
    f = _fn(case, "F")
    w, x = _wx(1)
    assert ag.gradcheck(lambda w: f(w * x, True), (w,))
    assert ag.gradgradcheck(lambda w: f(w * x, True), (w,))
    # and downstream of the write: the recorded op is used by later ops
    assert ag.gradgradcheck(lambda w: f(w * x, True) * w, (w,))


# -- refusals and plain writes ----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["F", "module"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_leaf_that_requires_grad_is_refused_naming_the_op(case, kind):
    f = _fn(case, kind)
    w = ag.tensor(BASE, requires_grad=True)
    name = _op_name(case, kind)
    with pytest.raises(
        RuntimeError,
        match=rf"^{name}\(inplace=True\): a leaf Tensor that requires grad .* in-place operation",
    ):
        f(w, True)
    np.testing.assert_array_equal(w.detach().numpy(), BASE)
    assert w.is_leaf and w.grad_fn is None and w._version == 0


@pytest.mark.parametrize("kind", ["F", "module"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_no_grad_and_non_grad_tensors_are_plain_writes(case, kind):
    f = _fn(case, kind)
    expected = f(ag.tensor(BASE), False).numpy()
    w = ag.tensor(BASE, requires_grad=True)
    with ag.no_grad():
        assert f(w, True) is w
    assert w.is_leaf and w.requires_grad and w.grad_fn is None
    np.testing.assert_array_equal(w.detach().numpy(), expected)
    c = ag.tensor(BASE)  # grad mode on, but nothing requires grad
    assert f(c, True) is c and not c.requires_grad and c.grad_fn is None
    np.testing.assert_array_equal(c.numpy(), expected)


@pytest.mark.parametrize("kind", ["F", "module"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_views(case, kind):
    """A view of an interior tensor (a row, a transpose) is written and recorded, as PyTorch's
    CopySlices: the base sees the write and its gradient goes through it, equal to the
    out-of-place form; so is the base while a view of it lives (the view sees the new values).
    A view of a leaf that requires grad is refused and nothing is written; a view of a tensor
    outside the graph is written through to its base, as in PyTorch."""
    f = _fn(case, kind)
    start = BASE.reshape(1, -1).repeat(2, 0)
    g = np.random.default_rng(1).standard_normal(start.shape)
    picks = {
        "row": (lambda h: h[0], lambda h: ag.stack([f(h[0], False), h[1]])),
        "T": (lambda h: h.T, lambda h: f(h.T, False).T),
        "base": (lambda h: h, lambda h: f(h, False)),
    }
    for name, (pick, out_of_place) in picks.items():
        w = ag.tensor(start, requires_grad=True)
        h = w * 1.0
        keep = h[1, 2:5]  # a live view of h: it must see the write and carry its gradient
        v = pick(h)
        assert f(v, True) is v, name
        (h * ag.tensor(g) + keep.sum()).sum().backward()
        w2 = ag.tensor(start, requires_grad=True)
        h2 = out_of_place(w2 * 1.0)
        (h2 * ag.tensor(g) + h2[1, 2:5].sum()).sum().backward()
        np.testing.assert_allclose(h.detach().numpy(), h2.detach().numpy(), rtol=1e-15)
        np.testing.assert_allclose(keep.detach().numpy(), h2.detach().numpy()[1, 2:5])
        np.testing.assert_allclose(w.grad.numpy(), w2.grad.numpy(), rtol=1e-12, atol=1e-15)
    w = ag.tensor(start, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"\(inplace=True\): a view of a leaf"):
        f(w[1], True)
    np.testing.assert_array_equal(w.detach().numpy(), start)
    expected = f(ag.tensor(BASE), False).numpy()
    base = ag.tensor(BASE.reshape(1, -1).repeat(2, 0))
    v = base[1]
    assert f(v, True) is v
    np.testing.assert_array_equal(base.numpy()[1], expected)
    np.testing.assert_array_equal(base.numpy()[0], BASE)


def test_writing_a_value_saved_for_backward_fails_at_backward_as_in_torch():
    z = ag.tensor(BASE / 4, dtype=ag.float64, requires_grad=True)
    e = ag.exp(z)  # Exp saves its output
    F.relu(e, inplace=True)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        e.sum().backward()
    s = ag.sigmoid(z * 1.0)
    nn.SiLU(inplace=True)(s)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        s.sum().backward()


def test_layers_that_do_not_save_their_output_allow_inplace_relu():
    ag.manual_seed(0)
    x = ag.randn(2, 3, 5, 5, dtype=ag.float64)
    for layer in (nn.Conv2d(3, 4, 3, dtype=ag.float64), nn.BatchNorm2d(3, dtype=ag.float64),
                  nn.LayerNorm([5], dtype=ag.float64)):  # fmt: skip
        xi = x.detach().clone().requires_grad_(True)
        xo = x.detach().clone().requires_grad_(True)
        layer(xi)  # BatchNorm: one step of running statistics each, equal for both
        ag.sum(nn.ReLU(inplace=True)(layer(xi)) ** 2).backward()
        layer(xo)
        ag.sum(nn.ReLU()(layer(xo)) ** 2).backward()
        np.testing.assert_allclose(xi.grad.numpy(), xo.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_integer_inputs_are_written_as_data():
    x = ag.tensor([-2, 0, 3, 7])
    assert F.relu(x, inplace=True) is x
    np.testing.assert_array_equal(x.numpy(), [0, 0, 3, 7])
    t = ag.tensor([1, 2, 3])
    assert F.threshold(t, 1, 5, inplace=True) is t
    np.testing.assert_array_equal(t.numpy(), [5, 2, 3])
    assert t.dtype == ag.int64
    with pytest.raises(TypeError, match="leaky_relu"):
        F.leaky_relu(ag.tensor([1, -2]), 0.1, inplace=True)


def test_bad_arguments_raise_before_any_write():
    x = ag.tensor(BASE)
    with pytest.raises(TypeError, match=r"relu\(inplace=True\): expected a Tensor"):
        F.relu(BASE, inplace=True)
    with pytest.raises(ValueError, match="hardtanh: min_val"):
        F.hardtanh(x, 2.0, 1.0, inplace=True)
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        F.celu(x, 0.0, inplace=True)
    with pytest.raises(ValueError, match="rrelu: lower bound"):
        F.rrelu(x, 0.5, 0.1, inplace=True)
    with pytest.raises(TypeError, match="threshold: value"):
        F.threshold(x, 0.5, "a", inplace=True)
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        nn.CELU(0.0, inplace=True)(x)
    np.testing.assert_array_equal(x.numpy(), BASE)


def test_repr_unchanged():
    assert repr(nn.ReLU(inplace=True)) == "ReLU(inplace=True)"
    assert repr(nn.Dropout(0.1, True)) == "Dropout(p=0.1, inplace=True)"
    assert repr(nn.AlphaDropout(0.2, True)) == "AlphaDropout(p=0.2, inplace=True)"
    assert repr(nn.FeatureAlphaDropout()) == "FeatureAlphaDropout(p=0.5, inplace=False)"


# -- rrelu in training ------------------------------------------------------------------------


def test_rrelu_training_inplace_equals_out_of_place_with_the_same_draws():
    w, x = _wx(2)
    g = np.random.default_rng(5).standard_normal(BASE.shape)

    def run(inplace):
        w.grad = None
        gen = np.random.default_rng(7)
        y = F.rrelu(w * x, 0.1, 0.3, True, inplace=inplace, generator=gen)
        ag.sum(y * ag.tensor(g)).backward()
        return y.detach().numpy(), w.grad.numpy().copy()

    (y1, g1), (y2, g2) = run(True), run(False)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(g1, g2)
    neg = BASE < 0
    slope = y1[neg] / BASE[neg]
    assert np.all((slope >= 0.1) & (slope <= 0.3)) and len(set(slope)) > 1
    fresh = lambda w: F.rrelu(w * x, 0.1, 0.3, True, True, np.random.default_rng(7))  # noqa: E731
    assert ag.gradcheck(fresh, (w,)) and ag.gradgradcheck(fresh, (w,))
    m = nn.RReLU(0.1, 0.3, inplace=True)
    with pytest.raises(RuntimeError, match=r"^RReLU\(inplace=True\): a leaf"):
        m(w)
    h = ag.tensor(BASE)
    assert m(h) is h and np.all(h.numpy()[neg] < 0) and np.all(h.numpy()[~neg] == BASE[~neg])


# -- dropout -----------------------------------------------------------------------------------

DROPOUTS = [
    ("dropout", F.dropout, nn.Dropout, (4, 5)),
    ("dropout1d", F.dropout1d, nn.Dropout1d, (2, 3, 4)),
    ("dropout2d", F.dropout2d, nn.Dropout2d, (2, 3, 2, 2)),
    ("dropout3d", F.dropout3d, nn.Dropout3d, (2, 3, 1, 2, 2)),
    ("alpha_dropout", F.alpha_dropout, None, (4, 5)),
    ("feature_alpha_dropout", F.feature_alpha_dropout, None, (2, 3, 4)),
]
DIDS = [d[0] for d in DROPOUTS]


def _dx(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape) + 0.1


@pytest.mark.parametrize("row", DROPOUTS, ids=DIDS)
def test_dropout_eval_and_p0_return_x_untouched_even_a_leaf(row):
    _, f, _, shape = row
    w = ag.tensor(_dx(shape), requires_grad=True)
    for p, training in ((0.5, False), (0.0, True)):
        assert f(w, p, training, True) is w
        assert w._version == 0 and w.is_leaf
    np.testing.assert_array_equal(w.detach().numpy(), _dx(shape))


@pytest.mark.parametrize("row", DROPOUTS, ids=DIDS)
def test_dropout_inplace_equals_out_of_place_under_the_same_mask(row):
    name, f, _, shape = row
    w = ag.tensor(_dx(shape, 1), dtype=ag.float64, requires_grad=True)
    g = ag.tensor(np.random.default_rng(2).standard_normal(shape))
    outs = []
    for inplace in (True, False):
        w.grad = None
        h = w * 1.5
        y = f(h, 0.4, True, inplace, np.random.default_rng(11))
        assert (y is h) == inplace
        ag.sum(y * g).backward()
        outs.append((y.detach().numpy(), w.grad.numpy().copy()))
    np.testing.assert_array_equal(outs[0][0], outs[1][0])
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    kept = outs[0][0] != outs[0][0].min() if "alpha" in name else outs[0][0] != 0
    assert kept.any() and not kept.all()
    fresh = lambda w: f(w * 1.5, 0.4, True, True, np.random.default_rng(11))  # noqa: E731
    assert ag.gradcheck(fresh, (w,)) and ag.gradgradcheck(fresh, (w,))
    with pytest.raises(RuntimeError, match=rf"^{name}\(inplace=True\): a leaf Tensor"):
        f(w, 0.4, True, True)
    with ag.no_grad():
        assert f(w, 0.4, True, True) is w
    assert w.is_leaf and w.grad_fn is None
    x32 = ag.tensor(_dx(shape), dtype=ag.float32)
    assert f(x32, 0.4, True, True) is x32 and x32.dtype == ag.float32


@pytest.mark.parametrize("row", DROPOUTS, ids=DIDS)
def test_dropout_p1_inplace_zeroes_x_with_zero_gradient(row):
    name, f, _, shape = row
    w = ag.tensor(_dx(shape), dtype=ag.float64, requires_grad=True)
    h = w * 2.0
    assert f(h, 1.0, True, True) is h
    assert np.all(h.detach().numpy() == 0)
    ag.sum(h * 3.0).backward()
    assert np.all(w.grad.numpy() == 0)
    with pytest.raises(RuntimeError, match=rf"^{name}\(inplace=True\): a leaf"):
        f(w, 1.0, True, True)


@pytest.mark.parametrize("row", [d for d in DROPOUTS if d[2] is not None], ids=DIDS[:4])
def test_dropout_modules_inplace(row):
    _, _, layer, shape = row
    m = layer(0.5, inplace=True)
    cls = layer.__name__
    w = ag.tensor(_dx(shape), requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"^{cls}\(inplace=True\): a leaf Tensor"):
        m(w)
    h = w * 1.0
    ag.manual_seed(4)
    assert m(h) is h
    ag.manual_seed(4)
    ref = layer(0.5)(w * 1.0)
    np.testing.assert_array_equal(h.detach().numpy(), ref.detach().numpy())
    m.eval()
    assert m(w) is w  # eval: the identity, no refusal (as PyTorch)
    x = ag.tensor(_dx(shape))
    assert layer(0.5, inplace=False)(x) is not x


def test_unbatched_feature_dropout_inplace():
    x = ag.tensor(_dx((3, 4)))  # (C, L)
    ref = F.dropout1d(ag.tensor(_dx((3, 4))), 0.5, True, False, np.random.default_rng(0))
    assert F.dropout1d(x, 0.5, True, True, np.random.default_rng(0)) is x
    np.testing.assert_array_equal(x.numpy(), ref.numpy())
    with pytest.raises(ag.ShapeError, match="dropout2d"):
        F.dropout2d(ag.ones(4, 5), 0.5, inplace=True)
    with pytest.raises(ag.ShapeError, match="Dropout2d"):
        nn.Dropout2d(0.5, inplace=True)(ag.ones(4, 5))


def test_alpha_dropout_values_gradient_and_statistics():
    p = 0.3
    alpha = 1.7580993408473766
    a = 1 / np.sqrt((alpha**2 * p + 1) * (1 - p))
    x = ag.tensor(np.random.default_rng(0).standard_normal((400, 500)))
    y = F.alpha_dropout(x, p, True).numpy()
    dropped = np.isclose(y, -alpha * a * (1 - p), rtol=0, atol=1e-12)
    kept = ~dropped
    assert abs(dropped.mean() - p) < 5 * np.sqrt(p * (1 - p) / y.size)
    np.testing.assert_allclose(y[kept], a * x.numpy()[kept] + alpha * a * p, rtol=1e-5)
    assert abs(y.mean()) < 0.01 and abs(y.std() - 1) < 0.01  # self-normalising
    assert F.alpha_dropout(x, p) is x  # training defaults to False, as in PyTorch
    w = ag.tensor(np.ones((50, 40)), requires_grad=True)
    yy = F.alpha_dropout(w, p, True)
    yy.sum().backward()
    mask = ~np.isclose(yy.detach().numpy(), -alpha * a * (1 - p), rtol=0, atol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), a * mask, rtol=1e-12)
    c = F.feature_alpha_dropout(ag.tensor(_dx((6, 5, 3))), 0.5, True).numpy()
    assert all(len(set(ch.ravel())) in (1, 3) for ch in c.reshape(30, 3))
    with pytest.raises(ag.ShapeError, match="at least 2 dimensions"):
        F.feature_alpha_dropout(ag.ones(5), 0.5, True)
    assert F.feature_alpha_dropout(ag.ones(5), 0.5) is not None  # eval: no shape check
    with pytest.raises(TypeError, match="floating-point"):
        F.alpha_dropout(ag.tensor([1, 2]), 0.5, True)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.alpha_dropout(x, 1.5, True)


def test_alpha_dropout_modules_ignore_inplace_as_in_torch():
    for layer in (nn.AlphaDropout, nn.FeatureAlphaDropout):
        m = layer(0.5, inplace=True)
        x = ag.tensor(_dx((2, 3, 4)))
        y = m(x)
        assert y is not x
        np.testing.assert_array_equal(x.numpy(), _dx((2, 3, 4)))
        assert np.any(y.numpy() != x.numpy())
        m.eval()
        assert m(x) is x


# -- against PyTorch ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["F", "module"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_against_torch_values_gradients_and_leaf_refusal(case, kind):
    torch = pytest.importorskip("torch")
    name, call, make, _ = case
    ours = _fn(case, kind)
    if kind == "F":
        theirs = lambda x, inplace: call(torch.nn.functional, x, inplace=inplace)  # noqa: E731
    else:
        theirs = lambda x, inplace: make(torch.nn, inplace=inplace)(x)  # noqa: E731
    w, x = _wx(4)
    wt = torch.tensor(w.detach().numpy(), requires_grad=True)
    xt = torch.tensor(x.numpy())
    g = np.random.default_rng(6).standard_normal(BASE.shape)
    h, ht = w * x, wt * xt
    y, yt = ours(h, True), theirs(ht, True)
    assert (y is h) and (yt is ht)
    np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12, atol=1e-15)
    ag.sum(y * ag.tensor(g)).backward()
    if name == "celu_neg":
        # PyTorch refuses this backward ("In-place elu backward calculation is triggered with a
        # negative slope which is not supported"); ours is recorded on a copy of the input, so
        # it is exact: compare with PyTorch's out-of-place gradient
        with pytest.raises(RuntimeError, match="negative slope"):
            (yt * torch.tensor(g)).sum().backward()
        wt.grad = None
        yt = theirs(wt * xt, False)
    (yt * torch.tensor(g)).sum().backward()
    # PyTorch's float64 hardsigmoid backward multiplies by 1/6 rounded to float32, and its celu
    # backward with a negative alpha is float32-accurate too (both out of place as well; ours
    # equal the exact derivatives)
    tol = 1e-6 if name in ("hardsigmoid", "celu_neg") else 1e-12
    np.testing.assert_allclose(w.grad.numpy(), wt.grad.numpy(), rtol=tol, atol=1e-15)
    for lib_fn, leaf in ((ours, ag.tensor(BASE, requires_grad=True)),
                         (theirs, torch.tensor(BASE, requires_grad=True))):  # fmt: skip
        with pytest.raises(
            RuntimeError, match="a leaf .*requires grad.* is being used in an in-place op"
        ):
            lib_fn(leaf, True)


def test_against_torch_small_net_with_inplace_relu_and_dropout():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    xa = rng.standard_normal((5, 4))

    def build(lib, p):
        return lib.Sequential(
            lib.Linear(4, 6), lib.ReLU(inplace=True), lib.Dropout(p, inplace=True),
            lib.Linear(6, 3), lib.ReLU(inplace=True), lib.Dropout(p, inplace=True),
            lib.Linear(3, 2),
        )  # fmt: skip

    for p, train in ((0.0, True), (0.7, False)):
        ours, theirs = build(nn, p), build(torch.nn, p)
        ours.train(train)
        theirs.train(train)
        for (_, po), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
            a = rng.standard_normal(tuple(po.shape))
            with ag.no_grad():
                po.copy_(ag.tensor(a, dtype=po.dtype))
            with torch.no_grad():
                pt.copy_(torch.tensor(a))
        ours.double()
        theirs.double()
        y = ours(ag.tensor(xa, dtype=ag.float64))
        yt = theirs(torch.tensor(xa, dtype=torch.float64))
        np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-12)
        g = rng.standard_normal((5, 2))
        ag.sum(y * ag.tensor(g)).backward()
        (yt * torch.tensor(g)).sum().backward()
        for (n, po), (_, pt) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert np.any(po.grad.numpy() != 0), n
            np.testing.assert_allclose(po.grad.numpy(), pt.grad.numpy(), rtol=1e-10, err_msg=n)


def test_against_torch_dropout_edge_cases():
    torch = pytest.importorskip("torch")
    tF = torch.nn.functional
    for ours, theirs in ((F.dropout, tF.dropout), (F.alpha_dropout, tF.alpha_dropout)):
        w = ag.tensor(np.ones(4), requires_grad=True)
        wt = torch.ones(4, requires_grad=True)
        assert ours(w, 0.5, False, True) is w and theirs(wt, 0.5, False, True) is wt
        assert ours(w, 0.0, True, True) is w and theirs(wt, 0.0, True, True) is wt
        for lib_fn, leaf in ((ours, w), (theirs, wt)):
            with pytest.raises(
                RuntimeError, match="a leaf .*requires grad.* is being used in an in-place op"
            ):
                lib_fn(leaf, 1.0, True, True)
        h, ht = w * 2.0, wt * 2.0
        assert ours(h, 1.0, True, True) is h and theirs(ht, 1.0, True, True) is ht
        np.testing.assert_array_equal(h.detach().numpy(), ht.detach().numpy())
    # alpha dropout's two output values per p agree with PyTorch's
    x = np.random.default_rng(1).standard_normal((50, 40)).astype(np.float32)
    y = F.alpha_dropout(ag.tensor(x), 0.25, True).numpy()
    yt = tF.alpha_dropout(torch.tensor(x), 0.25, True).numpy()
    alpha = 1.7580993408473766
    dropped = -alpha * (1 - 0.25) / np.sqrt((alpha**2 * 0.25 + 1) * (1 - 0.25))
    drop_o = np.isclose(y, dropped, rtol=1e-6, atol=0)
    drop_t = np.isclose(yt, dropped, rtol=1e-6, atol=0)
    assert 300 < drop_o.sum() < 700 and 300 < drop_t.sum() < 700  # 2000 * 0.25 = 500
    both = ~drop_o & ~drop_t  # kept by both: the same affine map of x
    assert both.sum() > 1000
    np.testing.assert_allclose(y[both], yt[both], rtol=1e-5, atol=1e-6)


# -- cuda ---------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_cuda_inplace_matches_cpu():
    """Each in-place row and dropout (same generator seed) on cuda: x itself returned, still on
    the device, values and gradients equal to the CPU ones."""
    fns = [_fn(c, "F") for c in CASES] + [
        lambda x, inplace: F.dropout(x, 0.4, True, inplace, np.random.default_rng(1)),
        lambda x, inplace: F.alpha_dropout(x, 0.4, True, inplace, np.random.default_rng(1)),
        lambda x, inplace: F.rrelu(x, 0.1, 0.3, True, inplace, np.random.default_rng(1)),
    ]
    g = np.random.default_rng(2).standard_normal(BASE.shape)
    for f in fns:
        outs, grads = [], []
        for dev in ("cpu", "cuda"):
            w = ag.tensor(BASE, dtype=ag.float64, device=dev, requires_grad=True)
            h = w * 1.0
            assert f(h, True) is h and h.device.startswith(dev)
            ag.sum(h * ag.tensor(g, device=dev)).backward()
            outs.append(h.detach().cpu().numpy())
            grads.append(w.grad.cpu().numpy())
            c = ag.tensor(BASE, device=dev)
            assert f(c, True) is c and c.device.startswith(dev)
            np.testing.assert_array_equal(c.cpu().numpy(), outs[-1])
        np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12)


def test_in_place_activation_on_a_power_keeps_the_power_record_valid():
    # x ** c saves x only (as torch's pow(Tensor, Scalar)), so writing into its output is fine
    x = ag.tensor([[-1.0, 2.0]], requires_grad=True)
    h = (x * 1.0) ** 2
    F.silu(h, inplace=True)
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[-1.8553, 4.2107]], atol=1e-4)  # torch's
    x64 = ag.tensor([0.5, -1.3], dtype="float64", requires_grad=True)
    for c in (0, 1, 2, 0.5, -1, 3):
        assert ag.gradgradcheck(lambda t, c=c: (t * t + 0.1) ** c, (x64,))
