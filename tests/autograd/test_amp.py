"""``autocast`` (autograd/amp.py): the op policy against PyTorch's (CPU: side by side with
torch's CPU autocast in float16; CUDA: torch's lists, on the fake CuPy in CI), gradients flowing
back in each input's dtype, nesting, decorators, threads, the weight-cast cache, custom_fwd /
custom_bwd and the errors. GradScaler: test_grad_scaler.py."""

from __future__ import annotations

import math
import threading
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

F16, F32, F64 = np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _rng(seed=0):
    return np.random.default_rng(seed)


# -- the policy on the CPU, against torch.autocast("cpu", dtype=torch.float16) ---------------------

# name -> (fn(lib, F, *inputs), input makers). The first float input is varied (float32 or
# float16); the others are float32 (or int64 labels). ``lib`` is autograd or torch.
_N = lambda *s: lambda r: r.standard_normal(s)  # noqa: E731
_P = lambda *s: lambda r: r.uniform(0.2, 0.8, s)  # noqa: E731 - in (0, 1)
_L = lambda n, c: lambda r: r.integers(0, c, n)  # noqa: E731 - class labels


def _const(make):
    """An input that never requires grad (a +-1 target, running statistics)."""
    make.nograd = True
    return make


_S = lambda *s: _const(lambda r: np.where(r.standard_normal(s) > 0, 1.0, -1.0))  # noqa: E731
_R = lambda *s: _const(lambda r: r.uniform(0.5, 1.5, s))  # noqa: E731 - running statistics


def _ml_target(r):
    return np.array([[2, 0, -1, 1], [1, -1, 0, 0], [3, 2, 1, -1]])


CPU_CASES = {
    # torch's CPU lower-precision list (and ops torch runs through it: einsum, multi_dot, ...)
    "matmul": (lambda t, F, a, b: t.matmul(a, b), [_N(3, 4), _N(4, 5)]),
    "mm": (lambda t, F, a, b: t.mm(a, b), [_N(3, 4), _N(4, 5)]),
    "bmm": (lambda t, F, a, b: t.bmm(a, b), [_N(2, 3, 4), _N(2, 4, 5)]),
    "addmm": (lambda t, F, a, b, c: t.addmm(c, a, b), [_N(3, 4), _N(4, 5), _N(3, 5)]),
    "baddbmm": (lambda t, F, a, b, c: t.baddbmm(c, a, b), [_N(2, 3, 4), _N(2, 4, 5), _N(5)]),
    "addbmm": (lambda t, F, a, b, c: t.addbmm(c, a, b), [_N(2, 3, 4), _N(2, 4, 5), _N(3, 5)]),
    "einsum": (lambda t, F, a, b: t.einsum("ij,jk->ik", a, b), [_N(3, 4), _N(4, 5)]),
    "multi_dot": (lambda t, F, *m: t.linalg.multi_dot(list(m)), [_N(3, 4), _N(4, 5), _N(5, 2)]),
    "tensordot": (lambda t, F, a, b: t.tensordot(a, b, dims=1), [_N(3, 4), _N(4, 5)]),
    "inner": (lambda t, F, a, b: t.inner(a, b), [_N(3, 4), _N(5, 4)]),
    "vecdot": (lambda t, F, a, b: t.linalg.vecdot(a, b), [_N(3, 4), _N(3, 4)]),
    "linear": (lambda t, F, x, w, b: F.linear(x, w, b), [_N(3, 4), _N(5, 4), _N(5)]),
    "conv1d": (lambda t, F, x, w, b: F.conv1d(x, w, b), [_N(2, 2, 7), _N(3, 2, 3), _N(3)]),
    "conv2d": (
        lambda t, F, x, w, b: F.conv2d(x, w, b, padding=1),
        [_N(1, 2, 5, 5), _N(3, 2, 3, 3), _N(3)],
    ),  # fmt: skip
    "conv_transpose2d": (
        lambda t, F, x, w: F.conv_transpose2d(x, w, stride=2),
        [_N(1, 2, 3, 3), _N(2, 3, 3, 3)],
    ),  # fmt: skip
    "prelu": (lambda t, F, x, w: F.prelu(x, w), [_N(2, 3, 4), _P(3)]),
    "sdpa": (
        lambda t, F, q, k, v: F.scaled_dot_product_attention(q, k, v),
        [_N(1, 2, 3, 4), _N(1, 2, 5, 4), _N(1, 2, 5, 4)],
    ),  # fmt: skip
    # float32 list
    "prod": (lambda t, F, x: t.prod(x, 1), [_P(3, 4)]),
    "cdist": (lambda t, F, a, b: t.cdist(a, b), [_N(3, 4), _N(2, 4)]),
    "trace": (lambda t, F, x: t.trace(x), [_N(3, 3)]),
    "quantile": (lambda t, F, x: t.quantile(x, 0.3, dim=1), [_N(3, 5)]),
    "grid_sample": (
        lambda t, F, x, g: F.grid_sample(x, g, align_corners=False),
        [_N(1, 2, 4, 4), lambda r: r.uniform(-1, 1, (1, 3, 3, 2))],
    ),  # fmt: skip
    "cross_entropy": (lambda t, F, x, y: F.cross_entropy(x, y), [_N(3, 4), _L(3, 4)]),
    "nll_loss": (lambda t, F, x, y: F.nll_loss(x, y), [_N(3, 4), _L(3, 4)]),
    "mse_loss": (lambda t, F, x, y: F.mse_loss(x, y), [_N(3, 4), _N(3, 4)]),
    "l1_loss": (lambda t, F, x, y: F.l1_loss(x, y), [_N(3, 4), _N(3, 4)]),
    "smooth_l1_loss": (lambda t, F, x, y: F.smooth_l1_loss(x, y), [_N(3, 4), _N(3, 4)]),
    "huber_loss": (lambda t, F, x, y: F.huber_loss(x, y, delta=0.5), [_N(3, 4), _N(3, 4)]),
    "kl_div": (lambda t, F, x, y: F.kl_div(x, y, reduction="batchmean"), [_N(3, 4), _P(3, 4)]),
    "bce_with_logits": (
        lambda t, F, x, y: F.binary_cross_entropy_with_logits(x, y),
        [_N(3, 4), _P(3, 4)],
    ),  # fmt: skip
    "binary_cross_entropy": (
        lambda t, F, x, y: F.binary_cross_entropy(x, y),
        [_P(3, 4), _P(3, 4)],
    ),  # fmt: skip
    "soft_margin_loss": (lambda t, F, x, y: F.soft_margin_loss(x, y), [_N(3, 4), _S(3, 4)]),
    "margin_ranking_loss": (
        lambda t, F, a, b, y: F.margin_ranking_loss(a, b, y, margin=0.1),
        [_N(5), _N(5), _S(5)],
    ),  # fmt: skip
    "hinge_embedding_loss": (lambda t, F, x, y: F.hinge_embedding_loss(x, y), [_N(6), _S(6)]),
    "cosine_embedding_loss": (
        lambda t, F, a, b, y: F.cosine_embedding_loss(a, b, y),
        [_N(3, 4), _N(3, 4), _S(3)],
    ),  # fmt: skip
    "multi_margin_loss": (lambda t, F, x, y: F.multi_margin_loss(x, y), [_N(3, 4), _L(3, 4)]),
    "multilabel_margin_loss": (
        lambda t, F, x, y: F.multilabel_margin_loss(x, y),
        [_N(3, 4), _ml_target],
    ),  # fmt: skip
    "triplet_margin_loss": (
        lambda t, F, a, p, n: F.triplet_margin_loss(a, p, n),
        [_N(3, 4), _N(3, 4), _N(3, 4)],
    ),  # fmt: skip
    "ctc_loss": (
        lambda t, F, lp, tg, il, tl: F.ctc_loss(lp.log_softmax(2), tg, il, tl),
        [
            _N(6, 2, 4),
            lambda r: np.array([[1, 2], [3, 1]]),
            lambda r: np.array([6, 5]),
            lambda r: np.array([2, 2]),
        ],
    ),  # fmt: skip
    "poisson_nll_loss": (lambda t, F, x, y: F.poisson_nll_loss(x, y), [_N(3, 4), _P(3, 4)]),
    # norms: torch's CPU kernels take a float16 input with float32 parameters (float16 out)
    "layer_norm": (lambda t, F, x, w, b: F.layer_norm(x, (4,), w, b), [_N(3, 4), _N(4), _N(4)]),
    "group_norm": (lambda t, F, x, w, b: F.group_norm(x, 2, w, b), [_N(2, 4, 3), _N(4), _N(4)]),
    "rms_norm": (lambda t, F, x, w: F.rms_norm(x, (4,), w, eps=1e-5), [_N(3, 4), _N(4)]),
    "batch_norm": (
        lambda t, F, x, m, v, w, b: F.batch_norm(x, m, v, w, b, training=True),
        [_N(4, 3, 2), _R(3), _R(3), _N(3), _N(3)],
    ),  # fmt: skip
    "instance_norm": (
        lambda t, F, x, w, b: F.instance_norm(x, weight=w, bias=b),
        [_N(2, 3, 4), _N(3), _N(3)],
    ),  # fmt: skip
    # promote, and ops the CPU list leaves alone (they keep their input dtypes)
    "cat": (lambda t, F, a, b: t.cat([a, b]), [_N(3), _N(2)]),
    "softmax": (lambda t, F, x: F.softmax(x, -1), [_N(3, 4)]),
    "log_softmax": (lambda t, F, x: F.log_softmax(x, -1), [_N(3, 4)]),
    "sum": (lambda t, F, x: x.sum(1), [_N(3, 4)]),
    "exp": (lambda t, F, x: x.exp(), [_N(3, 4)]),
    "pow": (lambda t, F, x: x**2, [_N(3, 4)]),
    "cumsum": (lambda t, F, x: t.cumsum(x, 1), [_N(3, 4)]),
    "tanh": (lambda t, F, x: t.tanh(x), [_N(3, 4)]),
    "mv": (lambda t, F, a, b: t.mv(a, b), [_N(3, 4), _N(4)]),
}


# torch refuses a float16 and a float32 operand in these (tapegrad computes): the float16-first
# variant is checked against torch with every operand float16, and mv (not on the CPU list)
# promotes to float32 as NumPy does
_TORCH_REFUSES_MIXED = {"inner", "multi_dot", "tensordot", "mv"}


def _inputs(case, first_dtype, rest_dtype=F32, seed=0):
    r = _rng(seed)
    makers = CPU_CASES[case][1]
    arrays = [make(r) for make in makers]
    dts, seen = [], False
    for a in arrays:
        if a.dtype.kind in "iu":
            dts.append(None)
        else:
            dts.append(first_dtype if not seen else rest_dtype)
            seen = True
    grads = [d is not None and not getattr(m, "nograd", False) for m, d in zip(makers, dts)]
    return arrays, dts, grads


def _run_ag(case, first_dtype):
    arrays, dts, grads = _inputs(case, first_dtype)
    xs = [
        ag.tensor(a, dtype=ag.int64) if d is None else ag.tensor(a, dtype=d, requires_grad=g)
        for a, d, g in zip(arrays, dts, grads)
    ]
    with ag.autocast("cpu"):
        out = CPU_CASES[case][0](ag, F, *xs)
    return xs, out


def _run_torch(torch, case, first_dtype, rest_dtype=F32):
    tF = torch.nn.functional
    arrays, dts, grads = _inputs(case, first_dtype, rest_dtype)
    xs = [
        torch.tensor(a)
        if d is None
        else torch.tensor(a, dtype=getattr(torch, d.name)).requires_grad_(g)
        for a, d, g in zip(arrays, dts, grads)
    ]
    with torch.autocast("cpu", dtype=torch.float16):
        out = CPU_CASES[case][0](torch, tF, *xs)
    return xs, out


@pytest.mark.filterwarnings("ignore:Mismatch dtype between input and weight")  # torch rms_norm
@pytest.mark.parametrize("first", ["float32", "float16"])
@pytest.mark.parametrize("case", sorted(CPU_CASES))
def test_cpu_policy_matches_torch(torch, case, first):
    """Output dtype and values as torch's CPU autocast in float16; every gradient comes back in
    its own input's dtype, matching torch's within float16 rounding."""
    xs, out = _run_ag(case, np.dtype(first))
    if case in _TORCH_REFUSES_MIXED and first == "float16":
        assert out.dtype == (F32 if case == "mv" else F16)
        _, tout = _run_torch(torch, case, F16, F16)
        tol = 3e-2
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=tol, atol=tol)
        return
    txs, tout = _run_torch(torch, case, np.dtype(first))
    assert str(out.dtype) == str(tout.dtype).replace("torch.", ""), case
    tol = 3e-2 if F16 in (out.dtype, np.dtype(first)) else 1e-4
    np.testing.assert_allclose(
        out.detach().numpy().astype(np.float64), tout.detach().double().numpy(), rtol=tol, atol=tol
    )
    cot = _rng(1).standard_normal(tuple(out.shape))
    (out.to(ag.float64) * ag.tensor(cot)).sum().backward()
    (tout.double() * torch.tensor(cot)).sum().backward()
    for x, tx in zip(xs, txs):
        if not x.requires_grad:
            continue
        assert x.grad.dtype == x.dtype, (case, x.dtype)
        assert str(tx.grad.dtype).replace("torch.", "") == str(x.grad.dtype)
        scale = 1 + np.abs(tx.grad.double().numpy()).max()
        np.testing.assert_allclose(
            x.grad.numpy().astype(np.float64), tx.grad.double().numpy(), atol=tol * scale
        )


def test_float64_and_integer_tensors_are_never_cast():
    a64, b64 = ag.randn(3, 4, dtype=ag.float64), ag.randn(4, 2, dtype=ag.float64)
    i = ag.arange(12).reshape(3, 4)
    with ag.autocast("cpu"):
        assert (a64 @ b64).dtype == F64
        assert F.cross_entropy(ag.randn(3, 4, dtype=ag.float64), ag.tensor([0, 1, 2])).dtype == F64
        assert ag.prod(i, 1).dtype == np.dtype(np.int64)
        assert (ag.randn(3, 4) @ ag.randn(4, 2)).dtype == F16


def test_a_float32_linear_gets_float32_grads_matching_torch(torch):
    """A float32 model under autocast: float16 activations, float32 loss, float32 weight grads
    equal to torch's (same weights) within float16 rounding."""
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))
    tmodel = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    with torch.no_grad():
        for p, tp in zip(model.parameters(), tmodel.parameters()):
            tp.copy_(torch.tensor(p.detach().numpy()))
    x = _rng(2).standard_normal((5, 6)).astype(np.float32)
    y = np.array([0, 2, 1, 1, 0])
    with ag.autocast("cpu"):
        h = model(ag.tensor(x))
        loss = F.cross_entropy(h, ag.tensor(y))
    with torch.autocast("cpu", dtype=torch.float16):
        th = tmodel(torch.tensor(x))
        tloss = torch.nn.functional.cross_entropy(th, torch.tensor(y))
    assert h.dtype == F16 and loss.dtype == F32
    assert str(th.dtype) == "torch.float16" and str(tloss.dtype) == "torch.float32"
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-3)
    loss.backward()
    tloss.backward()
    for p, tp in zip(model.parameters(), tmodel.parameters()):
        assert p.grad.dtype == F32
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=2e-2, atol=2e-3)


def test_outside_autocast_nothing_changes():
    a, b = ag.randn(3, 4), ag.randn(4, 2)
    with ag.autocast("cpu"):
        pass
    assert (a @ b).dtype == F32 and ag.sum(a.half()).dtype == F16
    assert not ag.is_autocast_enabled("cpu") and ag.amp._active[0] == 0


# -- the context manager: nesting, decorator, state, threads ---------------------------------------


def test_nested_enable_disable_and_state_restored():
    a, b = ag.randn(3, 4), ag.randn(4, 2)
    assert not ag.is_autocast_enabled("cpu")
    with ag.autocast("cpu"):
        assert ag.is_autocast_enabled("cpu") and not ag.is_autocast_enabled()  # None: cuda
        assert ag.get_autocast_dtype("cpu") == F16
        assert (a @ b).dtype == F16
        with ag.autocast("cpu", enabled=False):
            assert not ag.is_autocast_enabled("cpu")
            assert (a @ b).dtype == F32
            with ag.amp.autocast("cpu"):
                assert (a @ b).dtype == F16
            assert (a @ b).dtype == F32
        assert (a @ b).dtype == F16
    assert not ag.is_autocast_enabled("cpu") and (a @ b).dtype == F32
    with pytest.raises(KeyError):
        with ag.autocast("cpu"):
            raise KeyError("inside")
    assert not ag.is_autocast_enabled("cpu") and ag.amp._active[0] == 0


def test_decorator_and_reused_instance():
    ctx = ag.autocast("cpu")

    @ctx
    def f(a, b):
        return a @ b

    @ag.autocast("cpu", enabled=False)
    def g(a, b):
        return a @ b, f(a, b)  # the inner region re-enables

    a, b = ag.randn(3, 4), ag.randn(4, 2)
    assert f(a, b).dtype == F16 and (a @ b).dtype == F32
    with ag.autocast("cpu"):
        plain, inner = g(a, b)
    assert plain.dtype == F32 and inner.dtype == F16
    with ctx:  # the same instance as a context manager, entered twice (re-entrant)
        with ctx:
            assert (a @ b).dtype == F16
        assert (a @ b).dtype == F16
    assert (a @ b).dtype == F32
    with pytest.raises(TypeError, match="requires a callable"):
        ag.autocast("cpu")(3)


def test_autocast_state_is_per_thread():
    a, b = ag.randn(3, 4), ag.randn(4, 2)
    entered, checked = threading.Event(), threading.Event()
    seen = {}

    def other():
        entered.wait(5)
        seen["enabled"] = ag.is_autocast_enabled("cpu")
        seen["dtype"] = (a @ b).dtype
        checked.set()

    t = threading.Thread(target=other)
    t.start()
    with ag.autocast("cpu"):
        entered.set()
        checked.wait(5)
        mine = (a @ b).dtype
    t.join()
    assert mine == F16 and seen == {"enabled": False, "dtype": F32}


def test_cpu_autocast_leaves_other_devices_and_gpu_lists_alone():
    """'cpu' autocast applies the CPU list only: exp, softmax and sum keep float16 there (they
    are float32 only on CUDA), and 'cuda' autocast leaves cpu tensors alone."""
    x = ag.randn(3, 4).half()
    with ag.autocast("cpu"):
        assert x.exp().dtype == F16 and x.softmax(-1).dtype == F16 and x.sum().dtype == F16
        assert F.layer_norm(x, (4,)).dtype == F16
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no GPU here: torch warns and disables too
        with ag.autocast("cuda"):
            assert (ag.randn(3, 4) @ ag.randn(4, 2)).dtype == F32


def test_weight_cast_cache():
    """A float32 parameter used twice in one region is cast once; the cast is redone after an
    in-place update and after backward freed its record; the cache ends with the region."""
    w = ag.randn(4, 4, requires_grad=True)
    x = ag.randn(2, 4)
    with ag.autocast("cpu"):
        y1, y2 = x @ w, x @ w
        c1, c2 = y1._node.parents[1], y2._node.parents[1]
        assert c1 is not c2  # a record per use (each graph can backpropagate on its own) ...
        assert y1._node._unpack(False)[1] is y2._node._unpack(False)[1]  # ... one cast array
        (y1.float().sum() + y2.float().sum()).backward()
        np.testing.assert_allclose(w.grad.numpy(), 2 * np.repeat(x.numpy().sum(0)[:, None], 4, 1),
                                   rtol=1e-2)  # fmt: skip
        y3 = x @ w  # served from the cache again, through a fresh record
        assert y3._node.parents[1] is not y1._node.parents[1]
        y3.float().sum().backward()
        with ag.no_grad():
            w.mul_(2.0)  # a new version: the cached float16 copy is stale
        y4 = x @ w
        want = (x.numpy() @ w.detach().numpy()).astype(np.float16)
        np.testing.assert_allclose(y4.detach().numpy(), want, rtol=1e-2, atol=1e-2)
        assert len(ag.amp._tls.cache) == 1
    assert not ag.amp._tls.cache
    with ag.autocast("cpu", cache_enabled=False):
        assert (x @ w)._node.parents[1] is not (x @ w)._node.parents[1]


def test_an_autocast_op_runs_its_own_body_without_autocast():
    """As torch excludes the autocast key inside an autocast op: an op on the float32 list whose
    implementation calls matmul (a lower-precision op) keeps that matmul in float32."""

    def mse_loss(a, b):  # named as a float32-list op, implemented with a matmul
        assert not ag.amp._tls.ready
        return a @ b

    a, b = ag.randn(3, 4).half(), ag.randn(4, 2)
    with ag.autocast("cpu"):
        out = ag.amp.autocast_call(mse_loss, a, b)
        assert ag.amp._tls.ready and (a @ b).dtype == F16
    assert out.dtype == F32
    np.testing.assert_array_equal(out.detach().numpy(), a.float().numpy() @ b.numpy())


def test_backward_inside_the_region_gives_the_outside_gradients():
    ag.manual_seed(3)
    m = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
    x = ag.randn(5, 4)
    grads = []
    for inside in (False, True):
        m.zero_grad()
        with ag.autocast("cpu"):
            loss = F.cross_entropy(m(x), ag.tensor([0, 1, 2, 0, 1]))
            if inside:
                loss.backward()
        if not inside:
            loss.backward()
        grads.append([p.grad.numpy().copy() for p in m.parameters()])
    for g0, g1 in zip(*grads):
        np.testing.assert_array_equal(g0, g1)


def test_create_graph_backward_inside_the_region_runs_in_the_forward_dtypes():
    """A float32 forward differentiated with create_graph inside an autocast region: torch's
    backward ops run in the forward's dtypes, so the gradient is exact float32 math."""
    m = nn.Linear(4, 3)
    x = ag.randn(5, 4, requires_grad=True)
    y = (m(x) ** 3).sum()
    (want,) = ag.grad(y, x, retain_graph=True)
    with ag.autocast("cpu"):
        (g,) = ag.grad(y, x, create_graph=True)
    assert g.dtype == ag.float32 and g.requires_grad
    np.testing.assert_array_equal(g.detach().numpy(), want.numpy())


def _custom_mm(lib, amp, cast_inputs):
    """A custom matmul Function written for ``lib`` (autograd or torch) with amp's decorators;
    it records the dtypes its forward and backward products ran in."""
    seen = []

    class MM(lib.autograd.Function if lib is not ag else ag.Function):
        @staticmethod
        @amp.custom_fwd(device_type="cpu", cast_inputs=cast_inputs)
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            out = a @ b
            seen.append(("fwd", str(out.dtype).replace("torch.", "")))
            return out

        @staticmethod
        @amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            ga = g @ b.transpose(0, 1)
            seen.append(("bwd", str(ga.dtype).replace("torch.", "")))
            return ga, a.transpose(0, 1) @ g

    return MM, seen


@pytest.mark.parametrize("cast_inputs", [None, "float32"])
def test_custom_fwd_and_bwd_match_torch(torch, cast_inputs):
    """cast_inputs=None: forward runs under the region's autocast and backward (run outside it)
    gets the same state back; cast_inputs=float32: forward gets float32 inputs, autocast off."""
    a = _rng(6).standard_normal((3, 4)).astype(np.float32)
    b = _rng(7).standard_normal((4, 2)).astype(np.float32)
    runs = []
    for lib, amp in ((ag, ag.amp), (torch, torch.amp)):
        cast = None if cast_inputs is None else getattr(lib, cast_inputs)
        MM, seen = _custom_mm(lib, amp, cast)
        ta, tb = lib.tensor(a).requires_grad_(), lib.tensor(b).requires_grad_()
        with lib.autocast("cpu", dtype=lib.float16):
            out = MM.apply(ta.half(), tb)
        out.float().sum().backward()
        runs.append((seen, str(out.dtype).replace("torch.", ""), str(ta.grad.dtype)))
        np.testing.assert_allclose(ta.grad.numpy(), np.ones((3, 2)) @ b.T, rtol=1e-2, atol=1e-2)
    assert runs[0][0] == runs[1][0] and runs[0][1] == runs[1][1]
    want = "float16" if cast_inputs is None else "float32"
    assert runs[0][0] == [("fwd", want), ("bwd", want)]


def test_autocast_errors_name_the_function():
    with pytest.raises(TypeError, match=r"autocast.*tapegrad lacks bfloat16"):
        ag.autocast("cpu", dtype="bfloat16")
    with pytest.raises(ValueError, match=r"autocast: unsupported autocast device_type 'tpu'"):
        ag.autocast("tpu")
    with pytest.raises(TypeError, match=r"autocast: device_type must be a str"):
        ag.autocast(0)
    with pytest.raises(ValueError, match="is_autocast_enabled"):
        ag.is_autocast_enabled("cuda:0")
    with pytest.raises(ValueError, match="get_autocast_dtype"):
        ag.get_autocast_dtype("xla")
    with pytest.warns(UserWarning, match="target dtype float32 is not supported"):
        ctx = ag.autocast("cpu", dtype=ag.float32)
    with ctx:
        assert not ag.is_autocast_enabled("cpu")
        assert (ag.randn(2, 2) @ ag.randn(2, 2)).dtype == F32
    assert ag.amp.is_autocast_available("cuda") and not ag.amp.is_autocast_available("tpu")


# -- CUDA: torch's CUDA lists, on cuda tensors (the fake CuPy in CI) -------------------------------

_LOWER, _FP32, _KEEP = ("float16", "float16"), ("float32", "float32"), ("float32", "float16")
_BN = ("float32", "float16")  # batch/instance norm: float16 in with float32 parameters stays

CUDA_CASES = {
    "matmul": (lambda a, b: a @ b, [(3, 4), (4, 5)], _LOWER),
    "mm": (lambda a, b: ag.mm(a, b), [(3, 4), (4, 5)], _LOWER),
    "bmm": (lambda a, b: ag.bmm(a, b), [(2, 3, 4), (2, 4, 5)], _LOWER),
    "mv": (lambda a, b: ag.mv(a, b), [(3, 4), (4,)], _LOWER),
    "addmv": (lambda c, a, b: ag.addmv(c, a, b), [(3,), (3, 4), (4,)], _LOWER),
    "baddbmm": (lambda c, a, b: ag.baddbmm(c, a, b), [(5,), (2, 3, 4), (2, 4, 5)], _LOWER),
    "einsum": (lambda a, b: ag.einsum("ij,jk->ik", a, b), [(3, 4), (4, 5)], _LOWER),
    "chain_matmul": (lambda a, b: ag.chain_matmul(a, b), [(3, 4), (4, 5)], _LOWER),
    "vecdot": (lambda a, b: ag.linalg.vecdot(a, b), [(3, 4), (3, 4)], _LOWER),
    "linear": (lambda x, w: F.linear(x, w), [(3, 4), (5, 4)], _LOWER),
    "conv1d": (lambda x, w: F.conv1d(x, w), [(1, 2, 6), (3, 2, 3)], _LOWER),
    "conv_transpose1d": (lambda x, w: F.conv_transpose1d(x, w), [(1, 2, 6), (2, 3, 3)], _LOWER),
    "prelu": (lambda x, w: F.prelu(x, w), [(2, 3), (3,)], _LOWER),
    "sdpa": (
        lambda q, k: F.scaled_dot_product_attention(q, k, k),
        [(1, 3, 4), (1, 5, 4)],
        _LOWER,
    ),  # fmt: skip
    "exp": (lambda x: x.exp(), [(3,)], _FP32),
    "log1p": (lambda x: ag.log1p(x.abs()), [(3,)], _FP32),
    "rsqrt": (lambda x: ag.rsqrt(x.abs() + 1), [(3,)], _FP32),
    "sinh": (lambda x: ag.sinh(x), [(3,)], _FP32),
    "acos": (lambda x: ag.acos(x.clamp(-0.9, 0.9)), [(3,)], _FP32),
    "erfinv": (lambda x: ag.erfinv(x.clamp(-0.9, 0.9)), [(3,)], _FP32),
    "pow": (lambda x: x**2, [(3,)], _FP32),
    "softplus": (lambda x: F.softplus(x), [(3,)], _FP32),
    "sum": (lambda x: x.sum(), [(3,)], _FP32),
    "sum_dtype": (lambda x: x.sum(dtype=x.dtype), [(3,)], ("float32", "float16")),
    "cumsum": (lambda x: x.cumsum(0), [(3,)], _FP32),
    "prod": (lambda x: x.prod(), [(3,)], _FP32),
    "softmax": (lambda x: x.softmax(-1), [(2, 3)], _FP32),
    "log_softmax": (lambda x: F.log_softmax(x, -1), [(2, 3)], _FP32),
    "logsumexp": (lambda x: x.logsumexp(-1), [(2, 3)], _FP32),
    "norm": (lambda x: x.norm(), [(2, 3)], _FP32),
    "vector_norm": (lambda x: ag.linalg.vector_norm(x), [(2, 3)], _FP32),
    "layer_norm": (lambda x, w: F.layer_norm(x, (3,), w), [(2, 3), (3,)], _FP32),
    "group_norm": (lambda x: F.group_norm(x, 1), [(2, 2, 3)], _FP32),
    "cross_entropy": (
        lambda x: F.cross_entropy(x, ag.tensor([0, 2]).to(x.device)),
        [(2, 3)],
        _FP32,
    ),  # fmt: skip
    "mse_loss": (lambda x, y: F.mse_loss(x, y), [(3,), (3,)], _FP32),
    "cosine_similarity": (lambda a, b: F.cosine_similarity(a, b), [(2, 3), (2, 3)], _FP32),
    "cdist": (lambda a, b: ag.cdist(a, b), [(2, 3), (4, 3)], _FP32),
    "interpolate": (
        lambda x: F.interpolate(x, scale_factor=2, mode="linear"),
        [(1, 1, 3)],
        _FP32,
    ),  # fmt: skip
    "batch_norm": (
        lambda x, w: F.batch_norm(x, None, None, w, training=True),
        [(4, 3), (3,)],
        _BN,
    ),  # fmt: skip
    "addcmul": (lambda x, a, b: ag.addcmul(x, a, b), [(3,), (3,), (3,)], _FP32),
    "dot": (lambda a, b: ag.dot(a, b), [(3,), (3,)], _FP32),
    "atan2": (lambda a, b: ag.atan2(a, b), [(3,), (3,)], _FP32),
    "tensordot": (lambda a, b: ag.tensordot(a, b, dims=1), [(2, 3), (3, 4)], _FP32),
    "tanh": (lambda x: x.tanh(), [(3,)], _KEEP),
    "relu": (lambda x: F.relu(x), [(3,)], _KEEP),
    "mean": (lambda x: x.mean(), [(3,)], _KEEP),
}


@pytest.mark.gpu
@pytest.mark.parametrize("case", sorted(CUDA_CASES))
def test_cuda_policy_follows_torchs_lists(case):
    """torch's CUDA lists (a float16 first input; the others float32): lower precision for the
    matmul family, float32 for the fp32 list, the widest input for promote, untouched
    otherwise. Gradients come back in each input's dtype."""
    fn, shapes, want = CUDA_CASES[case]
    for first, expected in zip((F32, F16), want):
        r = _rng(4)
        xs = [
            ag.tensor(
                r.uniform(0.5, 1.5, s), dtype=first if i == 0 else F32, device="cuda"
            ).requires_grad_()
            for i, s in enumerate(shapes)
        ]
        with ag.autocast("cuda"):
            out = fn(*xs)
        assert out.device.startswith("cuda") and str(out.dtype) == expected, (case, first)
        out.float().sum().backward()
        for x in xs:
            assert x.grad.dtype == x.dtype and x.grad.device == x.device


@pytest.mark.gpu
def test_cuda_promote_keeps_float16_when_all_inputs_are():
    a, b, c = (ag.randn(3, device="cuda").half() for _ in range(3))
    with ag.autocast("cuda"):
        assert ag.addcmul(a, b, c).dtype == F16 and ag.dot(a, b).dtype == F16
        assert ag.addcmul(a, b, c.float()).dtype == F32
        assert ag.dot(a, b.double()).dtype == F64  # float64 is never cast, so it wins


@pytest.mark.gpu
def test_cuda_autocast_applies_to_cuda_tensors_only():
    ca, cb = ag.randn(3, 4, device="cuda"), ag.randn(4, 2, device="cuda")
    a, b = ag.randn(3, 4), ag.randn(4, 2)
    with ag.autocast("cuda"):
        assert (ca @ cb).dtype == F16 and (a @ b).dtype == F32
        assert a.exp().dtype == F32 and a.half().exp().dtype == F16  # the CUDA list only
    with ag.autocast("cpu"):
        assert (ca @ cb).dtype == F32 and (a @ b).dtype == F16
    with ag.autocast("cuda"), ag.autocast("cpu"):
        assert (ca @ cb).dtype == F16 and (a @ b).dtype == F16
        assert ca.half().exp().dtype == F32 and a.half().exp().dtype == F16


@pytest.mark.gpu
def test_cuda_binary_cross_entropy_is_refused_as_in_torch():
    p = ag.rand(3, device="cuda") * 0.8 + 0.1
    with ag.autocast("cuda"):
        with pytest.raises(RuntimeError, match="binary_cross_entropy.*unsafe to autocast"):
            F.binary_cross_entropy(p, p)
        F.binary_cross_entropy_with_logits(p, p)  # the safe form runs


def test_cached_weight_cast_serves_graphs_that_backpropagate_one_at_a_time():
    """Two losses built in one region share the weight's cached cast array but not its record:
    backward through the first must leave the second usable (torch's cast records save
    nothing), and ag.grad on each works too."""
    m = nn.Linear(5, 3)
    a, b = ag.randn(4, 5), ag.randn(4, 5)
    with ag.autocast("cpu"):
        l1 = m(a).float().sum()
        l2 = m(b).float().sum()
    (g1,) = ag.grad(l1, m.weight)
    (g2,) = ag.grad(l2, m.weight)
    assert g1.dtype == ag.float32 and g2.dtype == ag.float32
    want1 = np.broadcast_to(a.numpy().astype(np.float16).sum(0), (3, 5))
    want2 = np.broadcast_to(b.numpy().astype(np.float16).sum(0), (3, 5))
    np.testing.assert_allclose(g1.numpy(), want1, rtol=2e-3, atol=2e-3)
    np.testing.assert_allclose(g2.numpy(), want2, rtol=2e-3, atol=2e-3)


def test_erf_and_gelu_keep_float16_so_a_gelu_mlp_runs_under_autocast():
    x = ag.tensor(np.linspace(-3, 3, 7), dtype=ag.float16, requires_grad=True)
    assert ag.erf(x).dtype == F16  # scipy's erf has no float16 loop and widened to float64
    y = F.gelu(x)
    y.sum().backward()
    assert y.dtype == F16 and x.grad.dtype == F16
    want = [0.5 * v * (1 + math.erf(v / math.sqrt(2))) for v in np.linspace(-3, 3, 7)]
    np.testing.assert_allclose(y.detach().numpy(), want, rtol=2e-3, atol=2e-3)
    m = nn.Sequential(nn.Linear(4, 4), nn.GELU(), nn.Linear(4, 2))
    with ag.autocast("cpu"):
        out = m(ag.ones(3, 4))
    assert out.dtype == F16
    out.float().sum().backward()
    assert all(p.grad.dtype == F32 for p in m.parameters())


@pytest.mark.parametrize(
    "name", ["inv", "det", "solve", "cholesky", "qr", "svdvals", "eigh", "pinv", "lstsq"]
)
def test_cpu_autocast_runs_linalg_on_float16_in_float32(name):
    """torch's CPU float32 list holds the decompositions, inverses and solves: a float16
    activation reaches them as float32 (outside autocast float16 stays refused)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 3))
    a = (a @ a.T + 3 * np.eye(3)).astype(np.float16)
    x = ag.tensor(a, requires_grad=True)
    b = ag.tensor(np.ones((3, 1), np.float16))
    calls = {
        "solve": lambda m: ag.linalg.solve(m, b),
        "lstsq": lambda m: ag.linalg.lstsq(m, b).solution,
    }
    f = calls.get(name, lambda m: getattr(ag.linalg, name)(m))
    with ag.autocast("cpu"):
        y = f(x)
    y = y[0] if isinstance(y, tuple) else y
    assert y.dtype == F32
    y.sum().backward()
    assert x.grad.dtype == F16
    with pytest.raises(TypeError, match="float16 is not supported"):
        f(x)


_CPU_F32_LAYERS = {
    "avg_pool3d": (lambda F, x: F.avg_pool3d(x, 2), 5),
    "max_pool3d": (lambda F, x: F.max_pool3d(x, 2), 5),
    "adaptive_avg_pool3d": (lambda F, x: F.adaptive_avg_pool3d(x, 2), 5),
    "adaptive_max_pool3d": (lambda F, x: F.adaptive_max_pool3d(x, 2), 5),
    "max_pool2d": (lambda F, x: F.max_pool2d(x, 2), 4),
    "pad_reflect": (lambda F, x: F.pad(x, (1, 1, 1, 1), mode="reflect"), 4),
    "pad_replicate": (lambda F, x: F.pad(x, (1, 1, 1, 1), mode="replicate"), 4),
    "pad_constant": (lambda F, x: F.pad(x, (1, 1)), 4),
}


@pytest.mark.parametrize("name", list(_CPU_F32_LAYERS))
def test_cpu_autocast_pools_and_pads_dtype(name):
    """torch's CPU float32 list has the 3-D pools and the reflect/replicate pads; the 2-D pools
    and constant padding keep float16."""
    f, nd = _CPU_F32_LAYERS[name]
    x = ag.tensor(np.random.default_rng(0).standard_normal((1, 2) + (4,) * (nd - 2)))
    x = x.half().requires_grad_()
    want = F32 if name.endswith("3d") or name in ("pad_reflect", "pad_replicate") else F16
    with ag.autocast("cpu"):
        y = f(F, x)
    assert y.dtype == want
    y.float().sum().backward()
    assert x.grad.dtype == F16
    torch = pytest.importorskip("torch")
    tx = torch.tensor(x.detach().numpy())
    with torch.autocast("cpu", dtype=torch.float16):
        ty = f(torch.nn.functional, tx)
    assert str(ty.dtype).split(".")[1] == str(y.dtype)
    np.testing.assert_allclose(y.detach().numpy(), ty.float().numpy(), rtol=1e-3, atol=1e-3)
