"""The op table, checked row by row: forward vs NumPy, gradcheck, gradgradcheck (float64).

Every case runs on contiguous inputs and on non-contiguous strided views. Cotangents are random.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag

from .op_table import all_specs, make_inputs

SPECS = all_specs()
CASES = [pytest.param(s, i, id=f"{s.name}-{i}") for s in SPECS for i in range(len(s.cases))]
GRAD_CASES = [p for p in CASES if p.values[0].grad]
SECOND_CASES = [p for p in GRAD_CASES if p.values[0].second]


def _np(out):
    if isinstance(out, (tuple, list)):
        return [_np(o) for o in out]
    return out.detach().numpy() if isinstance(out, ag.Tensor) else np.asarray(out)


@pytest.mark.parametrize("spec,case", CASES)
def test_forward_matches_numpy(spec, case):
    arrays, tensors = make_inputs(spec, spec.cases[case])
    got = spec.fn(*tensors)
    want = spec.ref(*arrays)
    got_np, want_np = _np(got), _np(want)
    if isinstance(want_np, list):
        assert len(got_np) == len(want_np)
        for g, w in zip(got_np, want_np):
            np.testing.assert_allclose(g, w, atol=spec.atol, rtol=spec.rtol)
    else:
        assert np.shape(got_np) == np.shape(want_np), (np.shape(got_np), np.shape(want_np))
        np.testing.assert_allclose(got_np, want_np, atol=spec.atol, rtol=spec.rtol)


@pytest.mark.parametrize("contiguous", [True, False], ids=["contig", "strided"])
@pytest.mark.parametrize("spec,case", GRAD_CASES)
def test_gradcheck(spec, case, contiguous):
    _, tensors = make_inputs(spec, spec.cases[case], contiguous=contiguous)
    assert ag.gradcheck(spec.fn, tensors)


@pytest.mark.parametrize("spec,case", SECOND_CASES)
def test_gradgradcheck(spec, case):
    _, tensors = make_inputs(spec, spec.cases[case], seed=1)
    assert ag.gradgradcheck(spec.fn, tensors)
