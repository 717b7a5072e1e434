"""Batch norm under ``func.vmap``: running statistics are not updated once per entry (refused,
as torch), and ``replace_all_batch_norm_modules_`` makes a model vmap-able, as torch.func's."""

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import func


def _model(seed=0):
    ag.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 4, dtype=ag.float64), nn.BatchNorm1d(4, dtype=ag.float64))


def _x(seed=1):
    return ag.tensor(np.random.default_rng(seed).standard_normal((5, 6, 3)))


def test_training_batch_norm_under_vmap_is_refused_before_any_update():
    m = _model()
    bn = m[1]
    with pytest.raises(RuntimeError, match=r"batch_norm: called inside vmap.*replace_all"):
        func.vmap(m)(_x())
    np.testing.assert_array_equal(bn.running_mean.detach().numpy(), np.zeros(4))
    np.testing.assert_array_equal(bn.running_var.detach().numpy(), np.ones(4))
    assert int(bn.num_batches_tracked.item()) == 0
    # the refusal leaves no vmap state behind: a plain call updates as usual
    m(_x()[0])
    assert int(bn.num_batches_tracked.item()) == 1


def test_eval_mode_and_untracked_batch_norm_run_under_vmap():
    m = _model().eval()
    x = _x()
    out = func.vmap(m)(x)
    want = np.stack([m(x[b]).detach().numpy() for b in range(5)])
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-13, atol=1e-14)
    u = nn.BatchNorm1d(3, track_running_stats=False, dtype=ag.float64)
    out = func.vmap(u)(x)
    xb = x.detach().numpy()
    ref = (xb - xb.mean(1, keepdims=True)) / np.sqrt(xb.var(1, keepdims=True) + u.eps)
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12, atol=1e-12)


def test_replace_all_batch_norm_modules_makes_vmap_use_batch_statistics():
    m = _model()
    assert func.replace_all_batch_norm_modules_(m) is m
    bn = m[1]
    assert bn.running_mean is None and bn.running_var is None
    assert bn.num_batches_tracked is None and bn.track_running_stats is False
    assert list(m.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]  # as torch's
    x = _x()
    out = func.vmap(m)(x)
    h = np.stack([m[0](x[b]).detach().numpy() for b in range(5)])
    ref = (h - h.mean(1, keepdims=True)) / np.sqrt(h.var(1, keepdims=True) + bn.eps)
    ref = ref * bn.weight.detach().numpy() + bn.bias.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    m.eval()  # no running statistics left: eval mode normalises with the batch's too
    np.testing.assert_allclose(func.vmap(m)(x).detach().numpy(), ref, rtol=1e-12, atol=1e-12)


def test_per_sample_gradients_through_replaced_batch_norm_match_torch():
    torch = pytest.importorskip("torch")
    m = _model()
    func.replace_all_batch_norm_modules_(m)
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4)).double()
    with torch.no_grad():
        tm[0].weight.copy_(torch.from_numpy(m[0].weight.detach().numpy()))
        tm[0].bias.copy_(torch.from_numpy(m[0].bias.detach().numpy()))
    torch.func.replace_all_batch_norm_modules_(tm)
    x = _x()
    params = dict(m.named_parameters())
    tparams = {k: v.detach() for k, v in tm.named_parameters()}

    def loss(p, xb):
        return (func.functional_call(m, p, (xb,)) ** 3).sum()

    def tloss(p, xb):
        return (torch.func.functional_call(tm, p, (xb,)) ** 3).sum()

    g = func.vmap(func.grad(loss), in_dims=(None, 0))(params, x)
    tg = torch.func.vmap(torch.func.grad(tloss), in_dims=(None, 0))(
        tparams, torch.from_numpy(x.detach().numpy())
    )
    for k in params:
        got, want = g[k].detach().numpy(), tg[k].detach().numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
