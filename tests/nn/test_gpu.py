"""nn on the GPU (cupy): moving modules, layers, losses, init and clipping. Skipped without one."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

pytestmark = pytest.mark.gpu


def test_module_to_cuda_keeps_identity_and_trains():
    model = nn.Sequential(nn.Linear(3, 8), nn.GELU(), nn.Linear(8, 2))
    cpu_state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    w = model[0].weight
    model.to("cuda")
    assert model[0].weight is w and w.device.startswith("cuda")
    x = ag.randn(5, 3).to("cuda")
    t = ag.tensor([0, 1, 1, 0, 1]).to("cuda")
    loss = F.cross_entropy(model(x), t, label_smoothing=0.1)
    loss.backward()
    assert w.grad.device.startswith("cuda")
    total = nn.utils.clip_grad_norm_(model, 0.1)
    assert np.isfinite(total.item())
    model.load_state_dict(cpu_state)
    assert model[0].weight.device.startswith("cuda")
    model.cpu()
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), cpu_state["0.weight"])


def test_losses_and_init_on_cuda_match_cpu():
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((6, 4))
    t_np = (rng.uniform(size=(6, 4)) > 0.5).astype(np.float64)
    for dev in ("cpu", "cuda"):
        x = ag.tensor(x_np, device=dev)
        t = ag.tensor(t_np, device=dev)
        r = F.binary_cross_entropy_with_logits(x, t, pos_weight=ag.ones(4, dtype=ag.float64,
                                                                         device=dev))  # fmt: skip
        c = F.cross_entropy(x, ag.tensor([0, 1, 2, 3, 0, 1], device=dev))
        if dev == "cpu":
            ref = (r.item(), c.item())
        else:
            np.testing.assert_allclose((r.item(), c.item()), ref, rtol=1e-10)
    w = nn.Parameter(ag.empty(64, 64, device="cuda"))
    nn.init.kaiming_normal_(w, generator=np.random.default_rng(1))
    v = nn.Parameter(ag.empty(64, 64))
    nn.init.kaiming_normal_(v, generator=np.random.default_rng(1))
    np.testing.assert_allclose(w.detach().cpu().numpy(), v.detach().numpy())
