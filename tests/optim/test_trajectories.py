"""Every optimiser, with every option combination in ``cases.py``, follows the published update
rule: a 25-step float64 trajectory on a small problem (gradients from ``backward()``) matches the
NumPy reference in ``reference.py`` (gradients by hand) at every step."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import optim

from . import reference
from .cases import CASES, case_id
from .problems import make_problem

N_STEPS = 25


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_trajectory_matches_reference(case):
    name, problem, kw = case
    prob = make_problem(problem)
    W = ag.tensor(prob.W0.copy(), requires_grad=True)
    b = ag.tensor(prob.b0.copy(), requires_grad=True)
    opt = getattr(optim, name)([W, b], **kw)
    o = reference.options(name, **kw)
    ref_p = [prob.W0.copy(), prob.b0.copy()]
    ref_s = [{}, {}]
    for t in range(N_STEPS):
        opt.zero_grad()
        prob.loss(W, b).backward()
        opt.step()
        grads = prob.grads(*ref_p)
        ref_p = [reference.step(name, p, g, s, o) for p, g, s in zip(ref_p, grads, ref_s)]
        for mine, ref, label in zip((W, b), ref_p, ("W", "b")):
            np.testing.assert_allclose(
                mine.detach().numpy(), ref, rtol=1e-9, atol=1e-12,
                err_msg=f"{name} {kw}: {label} differs from the reference after step {t + 1}",
            )  # fmt: skip
        assert mine.dtype == np.float64
    # the rule's branches were reached where the case is about them
    if name == "AdamP" and problem != "quad":
        assert ref_s[0].get("projected", 0) > 0, "the scale-invariant weight was never projected"
    if name == "RAdam":
        assert 0 < ref_s[0].get("rectified", 0) < N_STEPS, "both RAdam branches should run"


def test_adamp_projects_only_scale_invariant_weights():
    """On the plain least-squares problem the weight's gradient is not orthogonal to it: AdamP
    is then exactly Adam with decoupled decay. On the row-normalised one it is not."""
    prob = make_problem("quad")
    ref_s = [{}, {}]
    p = [prob.W0.copy(), prob.b0.copy()]
    o = reference.options("AdamP", lr=0.05)
    for _ in range(10):
        p = [reference.step("AdamP", a, g, s, o) for a, g, s in zip(p, prob.grads(*p), ref_s)]
    assert ref_s[0].get("projected", 0) == 0

    W = ag.tensor(prob.W0.copy(), requires_grad=True)
    W2 = ag.tensor(prob.W0.copy(), requires_grad=True)
    b = ag.tensor(prob.b0.copy(), requires_grad=True)
    b2 = ag.tensor(prob.b0.copy(), requires_grad=True)
    o1 = optim.AdamP([W, b], lr=0.05, weight_decay=0.1)
    o2 = optim.AdamW([W2, b2], lr=0.05, weight_decay=0.1)
    for _ in range(10):
        for opt, w, bb in ((o1, W, b), (o2, W2, b2)):
            opt.zero_grad()
            prob.loss(w, bb).backward()
            opt.step()
    np.testing.assert_allclose(W.detach().numpy(), W2.detach().numpy(), rtol=1e-12)


def test_adamp_projection_keeps_scale_invariant_norm_growth_small():
    """The point of AdamP: with the radial part of the update removed, the norm of a
    scale-invariant weight grows much less than under Adam."""
    prob = make_problem("rownorm")
    norms = {}
    for cls in (optim.AdamP, optim.Adam):
        W = ag.tensor(prob.W0.copy(), requires_grad=True)
        b = ag.tensor(prob.b0.copy(), requires_grad=True)
        opt = cls([W, b], lr=0.1)
        for _ in range(30):
            opt.zero_grad()
            prob.loss(W, b).backward()
            opt.step()
        norms[cls.__name__] = np.linalg.norm(W.detach().numpy(), axis=1)
    start = np.linalg.norm(prob.W0, axis=1)
    assert (norms["AdamP"] - start).sum() < 0.5 * (norms["Adam"] - start).sum()


def test_float32_parameters_stay_float32():
    prob = make_problem("quad")
    for name in ("SGD", "Adam", "AdamP", "Lion", "RMSprop", "NAdam"):
        W = ag.tensor(prob.W0.astype(np.float32), requires_grad=True)
        b = ag.tensor(prob.b0.astype(np.float32), requires_grad=True)
        opt = getattr(optim, name)([W, b], lr=0.01)
        for _ in range(3):
            opt.zero_grad()
            X, Y = ag.tensor(prob.X.astype(np.float32)), ag.tensor(prob.Y.astype(np.float32))
            ((X @ W.T + b - Y) ** 2).mean().backward()
            opt.step()
        assert W.dtype == np.float32 and b.dtype == np.float32
        for v in opt.state[W].values():
            if isinstance(v, np.ndarray):
                assert v.dtype == np.float32
