"""Linear, Bilinear, Identity, Flatten, Unflatten, Embedding and their functional forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

from .helpers import check_module_grads, rand64


def test_linear_forward_matches_numpy_and_shapes():
    lin = nn.Linear(3, 4)
    x = ag.randn(2, 5, 3)
    y = lin(x)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert y.shape == (2, 5, 4) and y.dtype == np.float32
    np.testing.assert_allclose(y.detach().numpy(), x.numpy() @ w.T + b, rtol=1e-5, atol=1e-6)
    v = lin(ag.randn(3))
    assert v.shape == (4,)
    nb = nn.Linear(3, 4, bias=False)
    assert nb.bias is None and len(list(nb.parameters())) == 1
    np.testing.assert_allclose(nb(x).detach().numpy(), x.numpy() @ nb.weight.detach().numpy().T,
                               rtol=1e-5, atol=1e-6)  # fmt: skip


@pytest.mark.parametrize("shape", [(4, 3), (2, 3, 3), (3,)])
def test_linear_gradcheck_through_input_and_parameters(shape):
    lin = nn.Linear(3, 2, dtype=ag.float64)
    check_module_grads(lin, rand64(*shape), second_order=True)


def test_linear_default_init_bounds():
    lin = nn.Linear(100, 50)
    bound = 1 / math.sqrt(100)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(lin.bias.detach().numpy()).max() <= bound
    # U(-b, b) has std b / sqrt(3)
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound / math.sqrt(3)


def test_linear_generator_makes_init_reproducible():
    a = nn.Linear(5, 5, generator=np.random.default_rng(3))
    b = nn.Linear(5, 5, generator=np.random.default_rng(3))
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    ag.manual_seed(1)
    c = nn.Linear(5, 5)
    ag.manual_seed(1)
    d = nn.Linear(5, 5)
    np.testing.assert_array_equal(c.weight.detach().numpy(), d.weight.detach().numpy())


def test_linear_shape_error_names_layer_and_shapes():
    lin = nn.Linear(3, 4)
    with pytest.raises(ag.ShapeError) as e:
        lin(ag.randn(8, 5))
    assert str(e.value) == (
        "Linear(in_features=3, out_features=4): expected input with last dimension 3, got (8, 5)"
    )
    with pytest.raises(ValueError):  # ShapeError is a ValueError too
        F.linear(ag.randn(2, 2), ag.randn(4, 3))


def test_functional_linear_on_raw_arrays_and_mixed_requires_grad():
    x = np.ones((2, 3))
    w = np.full((4, 3), 2.0)
    out = F.linear(x, w, np.zeros(4))
    assert isinstance(out, np.ndarray) and np.all(out == 6)
    wt = rand64(4, 3)
    ag.gradcheck(lambda w: F.linear(ag.tensor(x), w), (wt,))


def test_bilinear():
    m = nn.Bilinear(3, 2, 4, dtype=ag.float64)
    x1, x2 = rand64(5, 3, seed=1), rand64(5, 2, seed=2)
    y = m(x1, x2)
    ref = np.einsum("ni,kij,nj->nk", x1.detach().numpy(), m.weight.detach().numpy(),
                    x2.detach().numpy()) + m.bias.detach().numpy()  # fmt: skip
    np.testing.assert_allclose(y.detach().numpy(), ref)
    check_module_grads(m, x1, x2)


def test_identity_flatten_unflatten():
    x = rand64(2, 3, 4, 5)
    assert nn.Identity(7, foo=1)(x) is x
    np.testing.assert_array_equal(nn.Flatten()(x).detach().numpy(),
                                  x.detach().numpy().reshape(2, 60))  # fmt: skip
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    u = nn.Unflatten(1, (3, 2, 2))
    z = ag.randn(2, 12)
    assert u(z).shape == (2, 3, 2, 2)
    assert nn.Unflatten(-1, (-1, 4))(z).shape == (2, 3, 4)
    with pytest.raises(ag.ShapeError, match=r"Unflatten.*\(2, 12\)"):
        nn.Unflatten(1, (5, 2))(z)
    check_module_grads(nn.Flatten(), rand64(2, 3, 2))
    check_module_grads(nn.Unflatten(1, (2, 3)), rand64(2, 6))


def test_embedding_forward_and_gradient_accumulates_repeats():
    emb = nn.Embedding(5, 3, dtype=ag.float64)
    idx = ag.tensor([[0, 2, 2], [4, 2, 1]])
    y = emb(idx)
    w = emb.weight.detach().numpy()
    np.testing.assert_array_equal(y.detach().numpy(), w[idx.numpy()])
    gy = np.random.default_rng(0).standard_normal((2, 3, 3))
    y.backward(ag.tensor(gy))
    ref = np.zeros((5, 3))
    np.add.at(ref, idx.numpy(), gy)
    np.testing.assert_allclose(emb.weight.grad.numpy(), ref)
    ag.gradcheck(lambda w: emb(idx), (emb.weight,))


def test_embedding_padding_idx_gets_no_gradient_and_starts_at_zero():
    emb = nn.Embedding(4, 2, padding_idx=1)
    assert not emb.weight.detach().numpy()[1].any()
    idx = ag.tensor([1, 1, 3])
    emb(idx).sum().backward()
    g = emb.weight.grad.numpy()
    assert not g[1].any() and np.all(g[3] == 1)


def test_embedding_errors_and_from_pretrained():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"Embedding\(4, 2\): embedding: index 4 is out of range"):
        emb(ag.tensor([0, 4]))
    with pytest.raises(TypeError, match="integer"):
        emb(ag.tensor([0.0]))
    pre = ag.randn(3, 2)
    e2 = nn.Embedding.from_pretrained(pre)
    assert not e2.weight.requires_grad and e2.weight._data is pre._data


def test_embedding_max_norm_renormalises_looked_up_rows():
    emb = nn.Embedding(3, 4, max_norm=1.0)
    with ag.no_grad():
        emb.weight.mul_(10)
    emb(ag.tensor([0, 2]))
    norms = np.linalg.norm(emb.weight.detach().numpy(), axis=1)
    assert norms[0] <= 1.0 + 1e-5 and norms[2] <= 1.0 + 1e-5 and norms[1] > 1.5


def test_one_hot():
    t = ag.tensor([[0, 2], [1, 0]])
    oh = F.one_hot(t, 3)
    assert oh.dtype == np.int64 and oh.shape == (2, 2, 3)
    np.testing.assert_array_equal(oh.numpy(), np.eye(3, dtype=np.int64)[t.numpy()])
    assert F.one_hot(ag.tensor([0, 4])).shape == (2, 5)
    with pytest.raises(IndexError):
        F.one_hot(ag.tensor([3]), 3)


@pytest.mark.parametrize("in_f, out_f", [(0, 3), (3, 0)])
def test_linear_with_a_zero_size_runs_backward(in_f, out_f):
    """As PyTorch: weight grad (out, in) of zeros, bias grad the batch count per output."""
    m = nn.Linear(in_f, out_f)
    x = ag.randn(2, in_f, requires_grad=True)
    m(x).sum().backward()
    assert m.weight.grad.shape == (out_f, in_f) and x.grad.shape == (2, in_f)
    np.testing.assert_array_equal(m.bias.grad.numpy(), np.full(out_f, 2.0))


def test_linear_refuses_an_input_of_another_dtype():
    m = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"Linear\(in_features=3, out_features=2\): input dtype "):
        m(ag.tensor(np.ones((2, 3))))
    with pytest.raises(TypeError, match="linear: input dtype int64 and weight dtype float32"):
        F.linear(ag.tensor(np.ones((2, 3), dtype=np.int64)), m.weight)
    assert m(ag.ones(2, 3)).dtype == np.float32


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.Linear(2.5, 3), "Linear: in_features must be an int, got float 2.5"),
        (lambda: nn.Linear(2, -1), "Linear: out_features must be >= 0, got -1"),
        (lambda: nn.Bilinear(1, 2, -3), "Bilinear: out_features must be >= 0"),
        (lambda: nn.Embedding(-1, 2), "Embedding: num_embeddings must be >= 0"),
        (lambda: nn.BatchNorm2d(-2), "BatchNorm2d: num_features must be >= 0"),
        (lambda: nn.LayerNorm((3, -1)), "LayerNorm: normalized_shape must be >= 0"),
        (lambda: nn.GroupNorm(0, 3), "GroupNorm: num_groups must be >= 1"),
        (lambda: nn.PReLU(0), "PReLU: num_parameters must be >= 1"),
        (lambda: nn.Maxout(2, 3, True), "Maxout: pieces must be an int, got bool"),
    ],
)
def test_layer_size_arguments_are_checked_with_the_layer_named(make, message):
    with pytest.raises((TypeError, ValueError), match=message.replace("(", r"\(")):
        make()


def test_bilinear_batch_mismatch_names_both_shapes():
    m = nn.Bilinear(2, 3, 4)
    with pytest.raises(ag.ShapeError, match=r"bilinear: input shapes \(2, 2\) and \(3, 3\)"):
        m(ag.randn(2, 2), ag.randn(3, 3))
