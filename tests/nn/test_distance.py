"""cosine_similarity, pairwise_distance, pdist, normalize and their modules: values and input
gradients against PyTorch (float32 and float64, random cotangents), PyTorch's conventions at zero
and tiny norms and at ties, gradcheck and gradgradcheck, reprs, errors, the cuda path."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional

DTYPES = [(ag.float32, torch.float32, 3e-6), (ag.float64, torch.float64, 1e-12)]
DT_IDS = ["float32", "float64"]


def _np(t):
    return t.detach().cpu().numpy() if isinstance(t, ag.Tensor) else t.detach().numpy()


def _compare(ours_fn, torch_fn, arrays, dt, tdt, tol, seed=0):
    """Both forwards on ``arrays``, one random cotangent back; compare outputs and every grad."""
    xs = [ag.tensor(a, dtype=dt, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, dtype=tdt, requires_grad=True) for a in arrays]
    y, yt = ours_fn(*xs), torch_fn(*ts)
    assert y.dtype == dt and tuple(y.shape) == tuple(yt.shape)
    np.testing.assert_allclose(_np(y), _np(yt), rtol=tol, atol=tol)
    g = np.random.default_rng(seed + 1).standard_normal(tuple(yt.shape))
    y.backward(ag.tensor(g, dtype=dt))
    yt.backward(torch.tensor(g, dtype=tdt))
    for x, t in zip(xs, ts):
        if t.grad is None:  # no gradient path in torch (p = 0): ours is all zeros
            assert x.grad is None or not _np(x.grad).any()
            continue
        assert x.grad.dtype == dt
        np.testing.assert_allclose(_np(x.grad), _np(t.grad), rtol=tol, atol=tol)


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# -- pairwise_distance ----------------------------------------------------------------------------

PD_SHAPES = [((4, 5), (4, 5)), ((4, 5), (5,)), ((1, 5), (3, 5)), ((2, 3, 4), (3, 4)), ((5,), (5,)),
             ((), ())]  # fmt: skip
PS = [2.0, 1.0, 3.0, 0.5, math.inf, 0.0, -1.0]


@pytest.mark.parametrize("dt,tdt,tol", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("p", PS)
@pytest.mark.parametrize("shapes", PD_SHAPES, ids=str)
def test_pairwise_distance_matches_torch(shapes, p, dt, tdt, tol):
    a, b = _rand(*shapes[0], seed=1), _rand(*shapes[1], seed=2)
    for keepdim in (False, True):
        _compare(lambda x, y, k=keepdim: F.pairwise_distance(x, y, p, keepdim=k),
                 lambda x, y, k=keepdim: tF.pairwise_distance(x, y, p, keepdim=k), (a, b), dt,
                 tdt, tol)  # fmt: skip
    _compare(nn.PairwiseDistance(p, 1e-3), torch.nn.PairwiseDistance(p, 1e-3), (a, b), dt, tdt,
             tol)  # fmt: skip


def test_pairwise_distance_adds_eps_to_the_difference_and_has_zero_gradient_at_zero():
    x = ag.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=ag.float64, requires_grad=True)
    y = ag.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=ag.float64)
    d = F.pairwise_distance(x, y).detach().numpy()
    np.testing.assert_allclose(d, [math.sqrt(2) * 1e-6] * 2)
    for p in (2.0, 1.0, 3.0, math.inf):
        x.grad = None
        F.pairwise_distance(x, y, p, eps=0.0).sum().backward()
        assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_pairwise_distance_promotes_integers_like_torch():
    a, b = np.array([1, 2]), np.array([2, 0])
    y = F.pairwise_distance(ag.tensor(a), ag.tensor(b))
    assert y.dtype == ag.float32
    np.testing.assert_allclose(y.numpy(), tF.pairwise_distance(torch.tensor(a), torch.tensor(b)))
    y = F.pairwise_distance(ag.tensor(a), ag.tensor([2.0, 0.0], dtype=ag.float64))
    assert y.dtype == ag.float64


def test_pairwise_distance_inf_norm_ties_share_the_gradient_like_torch():
    a, b = np.array([[1.0, -2.0, 2.0]]), np.array([[0.0, 0.0, 0.0]])
    _compare(lambda x, y: F.pairwise_distance(x, y, math.inf, eps=0.0),
             lambda x, y: tF.pairwise_distance(x, y, math.inf, eps=0.0), (a, b), ag.float64,
             torch.float64, 1e-12)  # fmt: skip


# -- cosine_similarity ----------------------------------------------------------------------------

COS_CASES = [((4, 5), (4, 5), 1), ((4, 5), (4, 5), 0), ((4, 5), (4, 5), -1), ((2, 3, 4), (3, 4), 1),
             ((2, 1, 4), (3, 4), 1), ((3, 1), (3, 4), 1), ((5,), (5,), 0), ((), (), 0)]  # fmt: skip


@pytest.mark.parametrize("dt,tdt,tol", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("case", COS_CASES, ids=str)
def test_cosine_similarity_matches_torch(case, dt, tdt, tol):
    s1, s2, dim = case
    a, b = _rand(*s1, seed=3), _rand(*s2, seed=4)
    _compare(lambda x, y: F.cosine_similarity(x, y, dim),
             lambda x, y: tF.cosine_similarity(x, y, dim), (a, b), dt, tdt, tol)  # fmt: skip
    _compare(nn.CosineSimilarity(dim, 1e-3), torch.nn.CosineSimilarity(dim, 1e-3), (a, b), dt,
             tdt, tol)  # fmt: skip


@pytest.mark.parametrize("dt,tdt,tol", DTYPES, ids=DT_IDS)
def test_cosine_similarity_tiny_and_zero_norms_follow_torchs_clamp(dt, tdt, tol):
    # rows: a norm below eps (the clamp changes the value, not the gradient path), an exact
    # zero vector, a norm exactly at eps, and an ordinary pair
    a = np.array([[1e-9, 2e-9], [0.0, 0.0], [0.6e-8, 0.8e-8], [1.0, -2.0]])
    b = np.array([[1.0, 0.5], [1.0, 0.5], [-3.0, 1.0], [2.0, 2.0]])
    _compare(F.cosine_similarity, tF.cosine_similarity, (a, b), dt, tdt, tol * 10)
    _compare(F.cosine_similarity, tF.cosine_similarity, (b, a), dt, tdt, tol * 10)
    # each input is scaled by its own clamped norm: |x1| |x2| = 2e-10 < eps would have been
    # clamped by the older max(|x1| |x2|, eps) formula, giving 0.02 instead of 1
    small = np.array([[1e-5, 0.0], [0.0, -1e-5]])
    y = F.cosine_similarity(ag.tensor(small), ag.tensor(small * 2)).numpy()
    np.testing.assert_allclose(y, [1.0, 1.0])


def test_cosine_similarity_stays_in_range_and_promotes_integers():
    a = _rand(50, 3, seed=9)
    y = F.cosine_similarity(ag.tensor(a), ag.tensor(a * 3.0)).numpy()
    assert (np.abs(y) <= 1.0 + 4e-16).all()  # rounding only, as in PyTorch
    np.testing.assert_allclose(y, tF.cosine_similarity(torch.tensor(a), torch.tensor(a * 3.0)))
    y = F.cosine_similarity(ag.tensor([1, 2]), ag.tensor([1.0, 2.0], dtype=ag.float32), dim=0)
    assert y.dtype == ag.float32 and abs(y.item() - 1.0) < 1e-6
    y = F.cosine_similarity(ag.tensor([1, 2]), ag.tensor([2, 1]), dim=0)
    assert y.dtype == ag.float32 and abs(y.item() - 0.8) < 1e-6


# -- pdist ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("dt,tdt,tol", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("p", [2.0, 1.0, 0.5, 3.0, math.inf, 0.0])
def test_pdist_matches_torch(p, dt, tdt, tol):
    a = _rand(5, 3, seed=5)
    _compare(lambda x: F.pdist(x, p), lambda x: tF.pdist(x, p), (a,), dt, tdt, tol)
    # duplicate rows (distance 0: gradient 0) and ties of |difference| (for p = inf each tied
    # element gets the whole gradient in PyTorch's pdist)
    a = np.array([[1.0, 2.0, 0.0], [1.0, 2.0, 0.0], [0.0, 1.0, 1.0], [2.0, 1.0, -1.0]])
    _compare(lambda x: F.pdist(x, p), lambda x: tF.pdist(x, p), (a,), dt, tdt, tol)


def test_pdist_small_and_empty():
    for n in (0, 1):
        x = ag.zeros(n, 3, requires_grad=True)
        y = F.pdist(x)
        assert y.shape == (0,) and y.dtype == ag.float32
    y = F.pdist(ag.tensor([[0.0, 0.0], [3.0, 4.0]]))
    assert y.tolist() == [5.0]
    assert F.pdist(ag.zeros(3, 0), math.inf).tolist() == [0.0, 0.0, 0.0]


# -- normalize ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dt,tdt,tol", DTYPES, ids=DT_IDS)
@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 1), (3.0, 0), (math.inf, -1), (2.0, 2)])
def test_normalize_matches_torch(p, dim, dt, tdt, tol):
    a = _rand(3, 4, 2, seed=6)
    _compare(lambda x: F.normalize(x, p, dim), lambda x: tF.normalize(x, p, dim), (a,), dt, tdt,
             tol)  # fmt: skip


@pytest.mark.parametrize("dt,tdt,tol", DTYPES, ids=DT_IDS)
def test_normalize_tiny_rows_use_the_clamp_with_its_gradient(dt, tdt, tol):
    a = np.array([[0.0, 0.0], [1e-13, 0.0], [3.0, 4.0]])
    _compare(F.normalize, tF.normalize, (a,), dt, tdt, tol)
    _compare(lambda x: F.normalize(x, eps=0.1), lambda x: tF.normalize(x, eps=0.1),
             (np.array([[0.06, 0.08], [0.3, 0.4]]),), dt, tdt, tol)  # fmt: skip


def test_normalize_zero_dim_vector_and_dtype():
    y = F.normalize(ag.tensor([3.0, 4.0], dtype=ag.float32), dim=0)
    assert y.dtype == ag.float32 and np.allclose(y.numpy(), [0.6, 0.8])
    assert F.normalize(ag.zeros(0, 3)).shape == (0, 3)


# -- gradcheck and gradgradcheck ------------------------------------------------------------------

GRAD_CASES = {
    "pairwise_distance": (lambda x, y: F.pairwise_distance(x, y), ((3, 4), (3, 4))),
    "pairwise_distance_p1": (lambda x, y: F.pairwise_distance(x, y, 1.0), ((3, 4), (4,))),
    "pairwise_distance_p3_keepdim": (lambda x, y: F.pairwise_distance(x, y, 3.0, keepdim=True),
                                     ((3, 4), (3, 4))),
    "pairwise_distance_p0.7": (lambda x, y: F.pairwise_distance(x, y, 0.7), ((3, 4), (3, 4))),
    "pairwise_distance_inf": (lambda x, y: F.pairwise_distance(x, y, math.inf), ((3, 4), (3, 4))),
    "cosine_similarity": (lambda x, y: F.cosine_similarity(x, y), ((3, 4), (3, 4))),
    "cosine_similarity_bcast_dim0": (lambda x, y: F.cosine_similarity(x, y, 0), ((3, 1), (3, 4))),
    # (below eps the clamp changes the value but not the gradient path, as in PyTorch, so the
    # gradient there is not the value's derivative: torch parity is tested above instead)
    "cosine_similarity_near_eps": (lambda x, y: F.cosine_similarity(x * 1e-7, y, eps=1e-8),
                                   ((3, 4), (3, 4))),
    "pdist": (lambda x: F.pdist(x), ((4, 3),)),
    "pdist_p1": (lambda x: F.pdist(x, 1.0), ((4, 3),)),
    "pdist_p3": (lambda x: F.pdist(x, 3.0), ((4, 3),)),
    "pdist_inf": (lambda x: F.pdist(x, math.inf), ((4, 3),)),
    "normalize": (lambda x: F.normalize(x), ((3, 4),)),
    "normalize_p1_dim0": (lambda x: F.normalize(x, 1.0, 0), ((3, 4),)),
    "normalize_clamped": (lambda x: F.normalize(x, eps=10.0), ((3, 4),)),
}  # fmt: skip


@pytest.mark.parametrize("name", list(GRAD_CASES))
def test_gradcheck_and_gradgradcheck(name):
    fn, shapes = GRAD_CASES[name]
    xs = tuple(
        ag.tensor(_rand(*s, seed=10 + i), dtype=ag.float64, requires_grad=True)
        for i, s in enumerate(shapes)
    )
    assert ag.gradcheck(fn, xs)
    assert ag.gradgradcheck(fn, xs)


# -- modules and errors ---------------------------------------------------------------------------


def test_module_reprs_and_attributes_match_torch():
    for ours, theirs in [
        (nn.CosineSimilarity(), torch.nn.CosineSimilarity()),
        (nn.CosineSimilarity(0, 1e-6), torch.nn.CosineSimilarity(0, 1e-6)),
        (nn.PairwiseDistance(), torch.nn.PairwiseDistance()),
        (nn.PairwiseDistance(1, 1e-3, True), torch.nn.PairwiseDistance(1, 1e-3, True)),
    ]:
        assert repr(ours) == repr(theirs)
    for ours, theirs in [(nn.CosineSimilarity(), torch.nn.CosineSimilarity()),
                         (nn.PairwiseDistance(3, keepdim=True),
                          torch.nn.PairwiseDistance(3, keepdim=True))]:  # fmt: skip
        for attr in ("dim", "eps", "norm", "keepdim"):
            assert getattr(ours, attr, None) == getattr(theirs, attr, None)


ERRORS = [
    (ag.ShapeError,
     r"pairwise_distance: x1 shape \(2, 3\) and x2 shape \(2, 4\) are not broadcastable",
     lambda: F.pairwise_distance(ag.ones(2, 3), ag.ones(2, 4))),
    (TypeError, r"pairwise_distance: p must be a real number, got 'fro'",
     lambda: F.pairwise_distance(ag.ones(2, 3), ag.ones(2, 3), "fro")),
    (TypeError, r"pairwise_distance: x2 must be a Tensor, got list",
     lambda: F.pairwise_distance(ag.ones(2), [1.0, 2.0])),
    (ag.ShapeError,
     r"cosine_similarity: x1 shape \(2, 3\) and x2 shape \(4,\) are not broadcastable",
     lambda: F.cosine_similarity(ag.ones(2, 3), ag.ones(4))),
    (IndexError, r"cosine_similarity: dim 1 is out of range for a tensor with 1 dimensions",
     lambda: F.cosine_similarity(ag.ones(3), ag.ones(3))),
    (ag.ShapeError, r"pdist: only supports 2D tensors, got: 1D \(shape \(3,\)\)",
     lambda: F.pdist(ag.ones(3))),
    (ag.ShapeError, r"pdist: only supports 2D tensors, got: 3D", lambda: F.pdist(ag.ones(3, 2, 1))),
    (ValueError, r"pdist: only supports non-negative p values, got p=-1.0",
     lambda: F.pdist(ag.ones(3, 2), -1)),
    (TypeError, r"pdist: only supports floating-point dtypes, got int64",
     lambda: F.pdist(ag.tensor([[1, 2], [3, 4]]))),
    (TypeError, r"normalize: expected a floating point tensor, got dtype int64",
     lambda: F.normalize(ag.tensor([1, 2]), dim=0)),
    (IndexError, r"normalize: dim 1 is out of range for a tensor with 1 dimensions",
     lambda: F.normalize(ag.ones(3))),
]  # fmt: skip


@pytest.mark.parametrize("exc,pattern,call", ERRORS, ids=[e[1][:30] for e in ERRORS])
def test_errors_name_the_function_and_the_shapes(exc, pattern, call):
    with pytest.raises(exc, match=pattern):
        call()


# -- cuda -----------------------------------------------------------------------------------------


@pytest.mark.gpu
def test_cuda_matches_cpu():
    a, b = _rand(4, 3, seed=1), _rand(4, 3, seed=2)
    fns = [
        lambda x, y: F.pairwise_distance(x, y),
        lambda x, y: F.pairwise_distance(x, y, math.inf),
        lambda x, y: F.cosine_similarity(x * 1e-9, y),
        lambda x, y: F.pdist(x - y, math.inf),
        lambda x, y: F.pdist(x * y, 3.0),
        lambda x, y: F.normalize(x, 1.0, 0) * y,
    ]
    for fn in fns:
        outs, grads = [], []
        for dev in ("cpu", "cuda"):
            x = ag.tensor(a, device=dev, requires_grad=True)
            y = ag.tensor(b, device=dev, requires_grad=True)
            out = fn(x, y)
            assert out.device.startswith(dev)
            out.sum().backward()
            outs.append(_np(out))
            grads.append((_np(x.grad), _np(y.grad)))
        np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)
        for g1, g0 in zip(grads[1], grads[0]):
            np.testing.assert_allclose(g1, g0, rtol=1e-12)
