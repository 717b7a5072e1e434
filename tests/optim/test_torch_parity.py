"""Parity with torch.optim, step by step, where torch is installed (skipped otherwise).

Each optimiser torch also has runs 30 float64 steps beside torch's on the same problem; the
parameters agree at every step. Also: the constructor defaults are torch's, and param groups with
per-group options behave the same.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import autograd as ag
import optim

from .cases import CASES, TORCH_NAMES, case_id
from .problems import make_problem

torch = pytest.importorskip("torch")

TORCH_CASES = [c for c in CASES if c[0] in TORCH_NAMES]


@pytest.fixture(autouse=True)
def _torch_float64():
    # torch keeps NAdam's mu_product and the step counts as tensors of the default dtype
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(prev)


def _run_pair(name, groups_ours, groups_torch, kw, loss_ours, loss_torch, n_steps=30):
    opt = getattr(optim, name)(groups_ours, **kw)
    opt_t = getattr(torch.optim, name)(groups_torch, **kw)
    for _ in range(n_steps):
        opt.zero_grad()
        loss_ours().backward()
        opt.step()
        opt_t.zero_grad()
        loss_torch().backward()
        opt_t.step()
        yield opt, opt_t


@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
def test_matches_torch_step_by_step(case):
    name, problem, kw = case
    prob = make_problem(problem)
    W = ag.tensor(prob.W0.copy(), requires_grad=True)
    b = ag.tensor(prob.b0.copy(), requires_grad=True)
    Wt = torch.tensor(prob.W0.copy(), requires_grad=True)
    bt = torch.tensor(prob.b0.copy(), requires_grad=True)
    Xt, Yt = torch.tensor(prob.X), torch.tensor(prob.Y)

    def loss_torch():
        return ((Xt @ Wt.T + bt - Yt) ** 2).mean()

    for step, _ in enumerate(_run_pair(name, [W, b], [Wt, bt], kw, lambda: prob.loss(W, b),
                                       loss_torch)):  # fmt: skip
        for mine, theirs in ((W, Wt), (b, bt)):
            np.testing.assert_allclose(
                mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-13,
                err_msg=f"{name} {kw}: differs from torch.optim after step {step + 1}",
            )  # fmt: skip


def test_param_groups_with_per_group_options_match_torch():
    prob = make_problem("quad")
    W = ag.tensor(prob.W0.copy(), requires_grad=True)
    b = ag.tensor(prob.b0.copy(), requires_grad=True)
    Wt = torch.tensor(prob.W0.copy(), requires_grad=True)
    bt = torch.tensor(prob.b0.copy(), requires_grad=True)
    Xt, Yt = torch.tensor(prob.X), torch.tensor(prob.Y)
    kw = dict(lr=0.01, momentum=0.9)
    ours = [{"params": [W]}, {"params": [b], "lr": 0.1, "nesterov": True, "weight_decay": 0.1}]
    theirs = [{"params": [Wt]}, {"params": [bt], "lr": 0.1, "nesterov": True, "weight_decay": 0.1}]

    def loss_torch():
        return ((Xt @ Wt.T + bt - Yt) ** 2).mean()

    for _ in _run_pair("SGD", ours, theirs, kw, lambda: prob.loss(W, b), loss_torch):
        np.testing.assert_allclose(W.detach().numpy(), Wt.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(b.detach().numpy(), bt.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", TORCH_NAMES)
def test_defaults_are_torchs(name):
    ours = inspect.signature(getattr(optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    compared = 0
    for key, p in ours.items():
        if key in ("params", "check_finite") or p.kind is p.VAR_KEYWORD:  # **torch_flags
            continue
        assert key in theirs, f"{name}: option {key!r} is not torch's"
        default = theirs[key].default
        assert p.default == default, f"{name}({key}=...): {p.default!r}, torch has {default!r}"
        compared += 1
    assert compared >= 4


def test_state_dict_layout_matches_torch():
    """Same group keys (plus ours) and the same param numbering and state keys as torch."""
    prob = make_problem("quad")
    W = ag.tensor(prob.W0.copy(), requires_grad=True)
    b = ag.tensor(prob.b0.copy(), requires_grad=True)
    Wt = torch.tensor(prob.W0.copy(), requires_grad=True)
    bt = torch.tensor(prob.b0.copy(), requires_grad=True)
    opt = optim.Adam([{"params": [W]}, {"params": [b], "lr": 0.1}], amsgrad=True)
    opt_t = torch.optim.Adam([{"params": [Wt]}, {"params": [bt], "lr": 0.1}], amsgrad=True)
    for o, w, bb in ((opt, W, b), (opt_t, Wt, bt)):
        (w.sum() + bb.sum()).backward()
        o.step()
    sd, sd_t = opt.state_dict(), opt_t.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in sd_t["param_groups"]]
    assert sorted(sd["state"]) == sorted(sd_t["state"])
    for i in sd["state"]:
        assert set(sd["state"][i]) == set(sd_t["state"][i])
        np.testing.assert_allclose(sd["state"][i]["exp_avg"], sd_t["state"][i]["exp_avg"].numpy())
    for g, gt in zip(sd["param_groups"], sd_t["param_groups"]):
        for k in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize"):
            assert g[k] == gt[k]
