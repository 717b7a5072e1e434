"""Complex tensors in the Jacobian/Hessian transforms: ``autograd.func`` (torch.func) and
``autograd.functional`` (torch.autograd.functional) give PyTorch's results where PyTorch
computes them and raise where it raises, never a silently different number."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import autograd.functional as AF
from autograd import func

RNG = np.random.default_rng(11)
ZN = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)
XN = RNG.standard_normal(3)
VC = RNG.standard_normal(3) + 1j * RNG.standard_normal(3)
VR = RNG.standard_normal(3)


def c128(a):
    return ag.tensor(np.asarray(a, dtype=np.complex128))


def f64(a):
    return ag.tensor(np.asarray(a, dtype=np.float64))


def f_cc(z):  # complex -> complex, not holomorphic
    return z * z + z.conj() * 2


def f_rc(x):  # real -> complex
    return (x * 1j).exp() * x


def f_cr(z):  # complex -> real
    return z.abs() ** 2 + z.real


def h_cr(z):  # complex -> real scalar with a non-trivial Hessian
    return ((z * z * z * 2).abs().sum() + (z * z + 1).abs().prod()).reshape(())


# -- autograd.func: jacrev / jacfwd / hessian refuse complex, as torch.func ----------------------

TRANSFORMS = {
    "jacrev": func.jacrev,
    "jacfwd": func.jacfwd,
    "hessian": func.hessian,
}


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_func_jacobians_refuse_complex_input_before_running_f(name):
    calls = []

    def f(z):
        calls.append(1)
        return f_cr(z).sum()

    with pytest.raises(
        RuntimeError, match=rf"^{name}: Expected all inputs to be real.*idx: 0.*complex128"
    ):
        TRANSFORMS[name](f)(c128(ZN))
    assert calls == []  # refused before any work
    # a complex positional argument that is not differentiated is refused too (as torch)
    with pytest.raises(RuntimeError, match=rf"{name}: .*inputs.*idx: 2 \(dtype complex128\)"):
        TRANSFORMS[name](lambda x, n, w: (x * w).abs().sum(), argnums=0)(f64(XN), 3, c128(ZN))


@pytest.mark.parametrize("name", list(TRANSFORMS))
def test_func_jacobians_refuse_complex_output(name):
    with pytest.raises(
        RuntimeError, match=rf"^{name}: Expected all outputs to be real.*output idx: 0"
    ):
        TRANSFORMS[name](lambda x: f_rc(x).sum())(f64(XN))
    if name != "hessian":
        with pytest.raises(RuntimeError, match=rf"{name}: .*outputs.*idx: 1 \(dtype complex128\)"):
            TRANSFORMS[name](lambda x: (x * 2, x * 1j))(f64(XN))
        # complex aux outputs are not differentiated: allowed, as torch
        jac, aux = TRANSFORMS[name](lambda x: (x * 2, x * 1j), has_aux=True)(f64(XN))
        np.testing.assert_allclose(jac.numpy(), 2 * np.eye(3))
        np.testing.assert_allclose(aux.numpy(), XN * 1j)


# -- autograd.functional: jacobian ---------------------------------------------------------------


def test_jacobian_complex_output_refused_without_vectorize():
    for f, x in ((f_cc, c128(ZN)), (f_rc, f64(XN))):
        with pytest.raises(
            RuntimeError, match=r"^jacobian: outputs\[0\] is complex \(complex128\).*vectorize=True"
        ):
            AF.jacobian(f, x)
    with pytest.raises(RuntimeError, match=r"jacobian: outputs\[1\] is complex"):
        AF.jacobian(lambda x: (x * 2, x * 1j), f64(XN))
    # vectorize=True: PyTorch's vectorized rows, gradients of real one-hot cotangents
    z = ZN
    J = AF.jacobian(lambda z: z * z, c128(z), vectorize=True)  # holomorphic: conj(f'(z))
    np.testing.assert_allclose(J.numpy(), np.diag(np.conj(2 * z)), atol=1e-12)
    J = AF.jacobian(lambda x: x * (1 + 2j), f64(XN), vectorize=True)  # real input: real part
    assert J.dtype == np.float64
    np.testing.assert_allclose(J.numpy(), np.eye(3), atol=1e-12)
    # forward mode: the derivative along each real unit direction
    J = AF.jacobian(lambda z: z * z, c128(z), strategy="forward-mode")
    np.testing.assert_allclose(J.numpy(), np.diag(2 * z), atol=1e-12)
    # a real output of a complex input: row k = d out_k/dx + i d out_k/dy
    J = AF.jacobian(lambda z: z.abs() ** 2, c128(z))
    np.testing.assert_allclose(J.numpy(), np.diag(2 * z), atol=1e-12)


# -- autograd.functional: hessian / hvp / vhp / vjp / jvp ----------------------------------------


def test_hessian_complex_input_needs_vectorize_and_complex_output_refused():
    with pytest.raises(
        RuntimeError, match=r"^hessian: inputs\[0\] is complex \(complex128\).*vectorize=True"
    ):
        AF.hessian(lambda z: (z.abs() ** 2).sum(), c128(ZN))
    with pytest.raises(RuntimeError, match=r"hessian: inputs\[1\] is complex"):
        AF.hessian(lambda x, z: (x * z).abs().sum(), (f64(XN), c128(ZN)))
    # sum |z|^2: gradient 2z, whose real one-hot rows are 2 I
    H = AF.hessian(lambda z: (z.abs() ** 2).sum(), c128(ZN), vectorize=True)
    np.testing.assert_allclose(H.numpy(), 2 * np.eye(3), atol=1e-12)
    # linear in z: the gradient is a constant, its Jacobian zeros (no refusal, as torch)
    H = AF.hessian(lambda z: z.real.sum(), c128(ZN))
    np.testing.assert_allclose(H.numpy(), np.zeros((3, 3)))
    for fn in (AF.hessian, AF.hvp, AF.vhp):
        args = () if fn is AF.hessian else (f64(VR),)
        with pytest.raises(RuntimeError, match=rf"^{fn.__name__}: func's output is complex"):
            fn(lambda x: f_rc(x).sum(), f64(XN), *args)


def test_omitted_v_refused_for_complex_tensors():
    z1 = c128(ZN[:1])
    with pytest.raises(RuntimeError, match=r"^vjp: v was omitted but func's output is complex"):
        AF.vjp(lambda x: (x * 1j).sum(), f64(XN))
    with pytest.raises(RuntimeError, match=r"^jvp: v was omitted but the input is complex"):
        AF.jvp(lambda z: (z * z).abs(), z1)
    with pytest.raises(RuntimeError, match=r"^hvp: v was omitted but the input is complex"):
        AF.hvp(lambda z: (z * z).abs().sum(), z1)
    with pytest.raises(RuntimeError, match=r"^vhp: v was omitted but the input is complex"):
        AF.vhp(lambda z: (z * z).abs().sum(), z1)
    # real tensors keep the default v = 1; a complex input with a real output keeps it for vjp
    _, g = AF.vjp(lambda z: (z.abs() ** 2).sum(), z1)
    np.testing.assert_allclose(g.numpy(), 2 * ZN[:1])
    _, jv = AF.jvp(lambda x: x * 1j, f64(XN[:1]))
    np.testing.assert_allclose(jv.numpy(), [1j])


# -- against torch --------------------------------------------------------------------------------


class _Lib:
    """One library's namespaces: ``func`` (torch.func), ``AF`` (torch.autograd.functional) and
    ``t`` (a tensor from a NumPy array, dtype kept)."""

    def __init__(self, func_ns, af_ns, tensor):
        self.func, self.AF, self.t = func_ns, af_ns, tensor


def _h2(x, z):
    return ((z * z * x).real + (z * x).abs()).sum()


def _rc_sum(x):
    return f_rc(x).sum()


_VEC = {"vectorize": True}
_FWD = {"vectorize": True, "strategy": "forward-mode"}

# name -> call(L); each either agrees in value between torch and ours, or both raise
CASES = {
    "func.jacrev cc": lambda L: L.func.jacrev(f_cc)(L.t(ZN)),
    "func.jacrev rc": lambda L: L.func.jacrev(f_rc)(L.t(XN)),
    "func.jacrev cr": lambda L: L.func.jacrev(f_cr)(L.t(ZN)),
    "func.jacfwd cr": lambda L: L.func.jacfwd(f_cr)(L.t(ZN)),
    "func.jacfwd rc": lambda L: L.func.jacfwd(f_rc)(L.t(XN)),
    "func.hessian cr": lambda L: L.func.hessian(h_cr)(L.t(ZN)),
    "func.hessian rc": lambda L: L.func.hessian(_rc_sum)(L.t(XN)),
    "func.grad cr": lambda L: L.func.grad(lambda z: f_cr(z).sum())(L.t(ZN)),
    "func.vjp cc": lambda L: L.func.vjp(f_cc, L.t(ZN))[1](L.t(VC)),
    "func.jvp cc": lambda L: L.func.jvp(f_cc, (L.t(ZN),), (L.t(VC),)),
    "AF.jacobian cc": lambda L: L.AF.jacobian(f_cc, L.t(ZN)),
    "AF.jacobian rc": lambda L: L.AF.jacobian(f_rc, L.t(XN)),
    "AF.jacobian cr": lambda L: L.AF.jacobian(f_cr, L.t(ZN)),
    "AF.jacobian cc vec": lambda L: L.AF.jacobian(f_cc, L.t(ZN), **_VEC),
    "AF.jacobian rc vec": lambda L: L.AF.jacobian(f_rc, L.t(XN), **_VEC),
    "AF.jacobian 2 in vec": lambda L: L.AF.jacobian(
        lambda x, z: z * z * x, (L.t(XN), L.t(ZN)), **_VEC
    ),
    "AF.jacobian rc fwd": lambda L: L.AF.jacobian(f_rc, L.t(XN), **_FWD),
    "AF.jacobian cr fwd": lambda L: L.AF.jacobian(f_cr, L.t(ZN), **_FWD),
    "AF.jacobian cc fwd": lambda L: L.AF.jacobian(lambda z: z * z * 2, L.t(ZN), **_FWD),
    "AF.hessian c": lambda L: L.AF.hessian(h_cr, L.t(ZN)),
    "AF.hessian c vec": lambda L: L.AF.hessian(h_cr, L.t(ZN), **_VEC),
    "AF.hessian mixed vec": lambda L: L.AF.hessian(_h2, (L.t(XN), L.t(ZN)), **_VEC),
    "AF.hessian rc": lambda L: L.AF.hessian(_rc_sum, L.t(XN)),
    "AF.hvp c": lambda L: L.AF.hvp(h_cr, L.t(ZN), L.t(VC)),
    "AF.vhp c": lambda L: L.AF.vhp(h_cr, L.t(ZN), L.t(VC)),
    "AF.hvp mixed": lambda L: L.AF.hvp(_h2, (L.t(XN), L.t(ZN)), (L.t(VR), L.t(VC))),
    "AF.hvp rc": lambda L: L.AF.hvp(_rc_sum, L.t(XN), L.t(VR)),
    "AF.vjp cc": lambda L: L.AF.vjp(f_cc, L.t(ZN), L.t(VC)),
    "AF.vjp rc": lambda L: L.AF.vjp(f_rc, L.t(XN), L.t(VC)),
    "AF.vjp c no v": lambda L: L.AF.vjp(lambda z: (z * z).sum(), L.t(ZN)),
    "AF.vjp cr no v": lambda L: L.AF.vjp(lambda z: z.abs().sum(), L.t(ZN)),
    "AF.jvp cc": lambda L: L.AF.jvp(f_cc, L.t(ZN), L.t(VC)),
    "AF.jvp rc": lambda L: L.AF.jvp(f_rc, L.t(XN), L.t(VR)),
    "AF.jvp c1 no v": lambda L: L.AF.jvp(lambda z: z * z, L.t(ZN[:1])),
    "AF.hvp c1 no v": lambda L: L.AF.hvp(lambda z: (z * z).abs().sum(), L.t(ZN[:1])),
}


def _leaves(r):
    if isinstance(r, (tuple, list)):
        return [leaf for item in r for leaf in _leaves(item)]
    return [np.asarray(r.detach().numpy() if hasattr(r, "detach") else r)]


def test_complex_jacobians_match_torch():
    torch = pytest.importorskip("torch")
    theirs = _Lib(torch.func, torch.autograd.functional, torch.tensor)
    ours = _Lib(func, AF, ag.tensor)
    disagree = []
    for name, call in CASES.items():
        try:
            want = call(theirs)
        except RuntimeError:
            want = None
        try:
            got = call(ours)
        except RuntimeError as e:
            if want is not None:
                disagree.append(f"{name}: torch computes, ours raises {e}")
            continue
        if want is None:
            disagree.append(f"{name}: torch raises, ours computes")
            continue
        w, g = _leaves(want), _leaves(got)
        if len(w) != len(g) or any(
            a.shape != b.shape or a.dtype != b.dtype or not np.allclose(a, b, atol=1e-10)
            for a, b in zip(w, g)
        ):
            disagree.append(f"{name}: values differ")
    assert not disagree, "\n".join(disagree)
