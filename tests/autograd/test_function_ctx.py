"""PyTorch's custom-Function protocol on ``ag.Function`` (autograd/function_ctx.py).

The examples of PyTorch's docs (Exp, LinearFunction, MulConstant, MyCube, ...) are written once
against a base class and a library, built for tapegrad and for torch, and compared: values,
gradients, what backward received, error messages.
"""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import autograd as ag
from autograd.function import FunctionCtx, once_differentiable

torch = pytest.importorskip("torch")


def f64(a, requires_grad=True):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def t64(a, requires_grad=True):
    return torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def npy(t):
    return t.detach().numpy()


def both(a, requires_grad=True):
    """The same float64 data as a tapegrad and a torch tensor."""
    return f64(a, requires_grad), t64(a, requires_grad)


def _torch_once(fn):
    from torch.autograd.function import once_differentiable as torch_once

    return torch_once(fn)


# -- the docs' examples, written once per library -----------------------------------------------


def make(lib):
    """PyTorch's doc examples (and a few more) as classes of ``lib``'s Function."""
    Function = ag.Function if lib is ag else torch.autograd.Function
    once = once_differentiable if lib is ag else _torch_once
    zeros_like = lib.zeros_like

    class Exp(Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result

    class LinearFunction(Function):
        calls = []

        @staticmethod
        def forward(input, weight, bias):  # noqa: A002
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def setup_context(ctx, inputs, output):
            input, weight, bias = inputs  # noqa: A001
            ctx.save_for_backward(input, weight, bias)

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors  # noqa: A001
            grad_input = grad_weight = grad_bias = None
            LinearFunction.calls.append(tuple(ctx.needs_input_grad))
            if ctx.needs_input_grad[0]:
                grad_input = grad_output.mm(weight)
            if ctx.needs_input_grad[1]:
                grad_weight = grad_output.t().mm(input)
            if bias is not None and ctx.needs_input_grad[2]:
                grad_bias = grad_output.sum(0)
            return grad_input, grad_weight, grad_bias

    class MulConstant(Function):
        @staticmethod
        def forward(tensor, constant):
            return tensor * constant

        @staticmethod
        def setup_context(ctx, inputs, output):
            tensor, constant = inputs
            ctx.constant = constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    class MyExp(Function):  # the brief's: a non-tensor argument with a default, saved output
        @staticmethod
        def forward(ctx, x, k=2.0):
            y = x.exp() * k
            ctx.save_for_backward(x, y)
            ctx.k = k
            return y

        @staticmethod
        def backward(ctx, gy):
            x, y = ctx.saved_tensors
            return gy * y, None

    class MyCube(Function):  # the docs' double-backward example: two outputs, one saved
        @staticmethod
        def forward(x):
            result = x**3
            dx = 3 * x**2
            return result, dx

        @staticmethod
        def setup_context(ctx, inputs, output):
            (x,) = inputs
            result, dx = output
            ctx.save_for_backward(x, dx)

        @staticmethod
        def backward(ctx, grad_output, grad_dx):
            x, dx = ctx.saved_tensors
            return grad_output * dx + grad_dx * 6 * x

    class SinCos(Function):  # two outputs, backward nonlinear in a saved input
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, gs, gc):
            (x,) = ctx.saved_tensors
            return gs * x.cos() - gc * x.sin()

    class TwoThree(Function):
        received = []

        @staticmethod
        def forward(ctx, x, materialize=True):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g2, g3):
            TwoThree.received.append((g2, g3))
            gx = None
            for g, c in ((g2, 2.0), (g3, 3.0)):
                if g is not None:
                    gx = g * c if gx is None else gx + g * c
            return gx, None

    class SortWithIndices(Function):
        received = []

        @staticmethod
        def forward(ctx, x):
            values, indices = x.sort(-1)
            ctx.mark_non_differentiable(indices)
            ctx.save_for_backward(indices)
            return values, indices

        @staticmethod
        def backward(ctx, g_values, g_indices):
            SortWithIndices.received.append(g_indices)
            (indices,) = ctx.saved_tensors
            return zeros_like(g_values).scatter(-1, indices, g_values)

    class Clamp01NonDiff(Function):  # a float output marked non-differentiable
        @staticmethod
        def forward(ctx, x):
            y = x * 2
            mask = (x > 0).double()
            ctx.mark_non_differentiable(mask)
            return y, mask

        @staticmethod
        def backward(ctx, gy, gmask):
            return gy * 2

    class OnceCube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @once
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            return gy * 3 * x**2

    class Square(Function):  # backward returns a broadcast shape (and, if cast, float32)
        @staticmethod
        def forward(ctx, x, cast=False):
            ctx.save_for_backward(x)
            ctx.cast = cast
            return x * x

        @staticmethod
        def backward(ctx, gy):
            (x,) = ctx.saved_tensors
            g = (gy * 2 * x).expand(3, *x.shape)
            return (g.float() if ctx.cast else g) / 3, None

    return dict(
        Exp=Exp, LinearFunction=LinearFunction, MulConstant=MulConstant, MyExp=MyExp,
        MyCube=MyCube, SinCos=SinCos, TwoThree=TwoThree, SortWithIndices=SortWithIndices,
        Clamp01NonDiff=Clamp01NonDiff, OnceCube=OnceCube, Square=Square,
    )  # fmt: skip


AG = make(ag)
TH = make(torch)
rng = np.random.default_rng(0)


def check_against_torch(name, arrays, consts=(), cotangent_seed=1, tol=1e-12):
    """Run AG[name] and TH[name] on the same data; compare outputs and input gradients."""
    ins = [both(a) for a in arrays]
    outs = []
    for k, fns in ((0, AG), (1, TH)):
        args = [p[k] for p in ins] + list(consts)
        out = fns[name].apply(*args)
        outs.append(out if isinstance(out, tuple) else (out,))
    r = np.random.default_rng(cotangent_seed)
    loss_ag = loss_th = 0
    for a_out, t_out in zip(*outs):
        np.testing.assert_allclose(npy(a_out), npy(t_out), rtol=tol, atol=tol)
        assert a_out.requires_grad == t_out.requires_grad
        if a_out.requires_grad:
            v = r.standard_normal(a_out.shape)
            loss_ag = loss_ag + (a_out * f64(v, False)).sum()
            loss_th = loss_th + (t_out * t64(v, False)).sum()
    loss_ag.backward()
    loss_th.backward()
    for a, t in ins:
        np.testing.assert_allclose(npy(a.grad), npy(t.grad), rtol=tol, atol=tol)
    return outs


# -- values and gradients against torch ---------------------------------------------------------


def test_exp_matches_torch_and_saves_its_output():
    x = rng.standard_normal((3, 4))
    outs = check_against_torch("Exp", [x])
    y = outs[0][0]
    assert type(y.grad_fn).__name__ == "ExpBackward" == type(outs[1][0].grad_fn).__name__
    assert isinstance(y.grad_fn, FunctionCtx) and isinstance(y.grad_fn, ag.Function)
    assert AG["Exp"]._backward_cls is type(y.grad_fn)
    assert y.grad_fn._forward_cls is AG["Exp"]


def test_brief_example_with_constant_argument():
    x = rng.standard_normal(5)
    check_against_torch("MyExp", [x], consts=(3.0,))
    check_against_torch("MyExp", [x])  # the default k
    a, t = both(x)
    # keyword arguments reach forward as in torch
    np.testing.assert_allclose(npy(AG["MyExp"].apply(a, k=4.0)), npy(TH["MyExp"].apply(t, k=4.0)))


@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "bias-None"])
def test_linear_function_setup_context_style(with_bias):
    x, w, b = rng.standard_normal((4, 3)), rng.standard_normal((5, 3)), rng.standard_normal(5)
    if with_bias:
        check_against_torch("LinearFunction", [x, w, b])
    else:
        check_against_torch("LinearFunction", [x, w], consts=(None,))


def test_linear_function_needs_input_grad_skips_work_like_torch():
    x, w = rng.standard_normal((4, 3)), rng.standard_normal((5, 3))
    for lib, fns, mk in ((ag, AG, f64), (torch, TH, t64)):
        fn = fns["LinearFunction"]
        fn.calls.clear()
        xi, wi, bi = mk(x, False), mk(w), mk(np.zeros(5), False)
        fn.apply(xi, wi, bi).sum().backward()
        assert fn.calls == [(False, True, False)], lib.__name__
        assert xi.grad is None and bi.grad is None and wi.grad is not None


def test_mul_constant_non_tensor_argument():
    x = rng.standard_normal((2, 3))
    check_against_torch("MulConstant", [x], consts=(2.5,))


def test_mycube_two_outputs_first_and_second_order_match_torch():
    x = rng.standard_normal(6)
    check_against_torch("MyCube", [x])
    a, t = both(x)
    ga = ag.grad(AG["MyCube"].apply(a)[0].sum(), a, create_graph=True)[0]
    gt = torch.autograd.grad(TH["MyCube"].apply(t)[0].sum(), t, create_graph=True)[0]
    np.testing.assert_allclose(npy(ga), npy(gt))
    np.testing.assert_allclose(npy(ga), 3 * x**2)
    (gga,) = ag.grad(ga.sum(), a)
    (ggt,) = torch.autograd.grad(gt.sum(), t)
    np.testing.assert_allclose(npy(gga), npy(ggt))
    np.testing.assert_allclose(npy(gga), 6 * x)


def test_two_outputs_both_used_and_gradcheck():
    x = rng.standard_normal((2, 3))
    check_against_torch("TwoThree", [x])
    check_against_torch("SinCos", [x])
    a = f64(x)
    assert ag.gradcheck(lambda t: AG["TwoThree"].apply(t), (a,))
    assert ag.gradgradcheck(lambda t: AG["TwoThree"].apply(t), (a,))


@pytest.mark.parametrize("materialize", [True, False])
def test_unused_output_gets_zeros_or_none_like_torch(materialize):
    x = rng.standard_normal(4)
    got = []
    for fns, mk in ((AG, f64), (TH, t64)):
        fn = fns["TwoThree"]
        fn.received.clear()
        xi = mk(x)
        y2, y3 = fn.apply(xi, materialize)
        (y3 * 1.5).sum().backward()
        ((g2, g3),) = fn.received
        got.append((g2, g3, npy(xi.grad)))
    (a2, a3, agx), (t2, t3, tgx) = got
    np.testing.assert_allclose(agx, tgx)
    if materialize:
        np.testing.assert_array_equal(npy(a2), npy(t2))
        np.testing.assert_array_equal(npy(a2), np.zeros(4))
    else:
        assert a2 is None and t2 is None
    np.testing.assert_allclose(npy(a3), npy(t3))


def test_sort_with_integer_indices_output():
    x = rng.standard_normal((3, 5))
    outs = check_against_torch("SortWithIndices", [x])
    (av, ai), (tv, ti) = outs
    np.testing.assert_array_equal(npy(ai), ti.numpy())
    assert not ai.requires_grad and ai.grad_fn is None
    # the non-differentiable output got materialized zeros of its (integer) dtype, as in torch
    ag_gi, th_gi = AG["SortWithIndices"].received[-1], TH["SortWithIndices"].received[-1]
    np.testing.assert_array_equal(npy(ag_gi), th_gi.numpy())
    assert ag_gi.dtype == np.int64 and ag_gi.shape == (3, 5)
    # values is the only differentiable output: its grad_fn is the call's record
    assert type(av.grad_fn).__name__ == "SortWithIndicesBackward"
    a = f64(x)
    assert ag.gradcheck(lambda t: AG["SortWithIndices"].apply(t)[0], (a,))
    assert ag.gradgradcheck(lambda t: AG["SortWithIndices"].apply(t)[0], (a,))


def test_mark_non_differentiable_float_output():
    x = rng.standard_normal(5)
    outs = check_against_torch("Clamp01NonDiff", [x])
    (ay, am), (ty, tm) = outs
    assert not am.requires_grad and not tm.requires_grad
    assert ay.requires_grad and ty.requires_grad


def test_several_outputs_with_different_dtypes():
    class Split(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, (x * 3).float()

        @staticmethod
        def backward(ctx, ga, gb):
            assert ga.dtype == np.float64 and gb.dtype == np.float32
            return ga * 2 + gb.double() * 3

    x = f64([1.0, 2.0])
    a, b = Split.apply(x)
    assert a.dtype == np.float64 and b.dtype == np.float32
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(npy(x.grad), [5.0, 5.0])


# -- gradcheck / gradgradcheck through torch-style Functions ------------------------------------


@pytest.mark.parametrize(
    "name", ["Exp", "MyExp", "LinearFunction", "MulConstant", "MyCube", "SinCos", "Square"]
)
def test_gradcheck_and_gradgradcheck(name):
    fn = AG[name]
    if name == "LinearFunction":
        args = (f64(rng.standard_normal((3, 2))), f64(rng.standard_normal((4, 2))))
        args += (f64(rng.standard_normal(4)),)
        call = fn.apply
    else:
        args = (f64(rng.standard_normal((2, 3))),)
        consts = {"MulConstant": (1.7,), "MyExp": (0.5,)}.get(name, ())
        call = (lambda t: fn.apply(t, *consts)) if consts else fn.apply
    assert ag.gradcheck(call, args)
    assert ag.gradgradcheck(call, args)


def test_double_backward_through_saved_input_and_output():
    # d/dx of MyExp's backward (gy * y) reaches y = k e^x, recorded on the call's record
    x = rng.standard_normal(3)
    a, t = both(x)
    (ga,) = ag.grad(AG["MyExp"].apply(a, 1.5).sum(), a, create_graph=True)
    (gt,) = torch.autograd.grad(TH["MyExp"].apply(t, 1.5).sum(), t, create_graph=True)
    assert ga.requires_grad and gt.requires_grad
    (gga,) = ag.grad((ga * ga).sum(), a)
    (ggt,) = torch.autograd.grad((gt * gt).sum(), t)
    np.testing.assert_allclose(npy(gga), npy(ggt))


def test_double_backward_with_saved_tensor_hooks():
    x = f64(rng.standard_normal((2, 3)))
    with ag.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        assert ag.gradgradcheck(lambda t: AG["MyCube"].apply(t), (x,))
        assert ag.gradgradcheck(lambda t: AG["MyExp"].apply(t, 0.3), (x,))


def test_hessian_through_a_two_output_function():
    h = ag.functional.hessian(lambda t: AG["MyCube"].apply(t)[0].sum(), f64([1.0, 2.0]))
    np.testing.assert_allclose(npy(h), np.diag([6.0, 12.0]))


# -- once_differentiable ------------------------------------------------------------------------


def test_once_differentiable_first_order_and_refuses_second():
    x = rng.standard_normal(4)
    check_against_torch("OnceCube", [x])
    a = f64(x)
    (g,) = ag.grad(AG["OnceCube"].apply(a).sum(), a, create_graph=True)
    np.testing.assert_allclose(npy(g), 3 * x**2)
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="differentiate twice .* @once_differentiable"):
        g.sum().backward()
    # torch raises the same once its gradient requires grad
    t = t64(x)
    seed = torch.ones((), dtype=torch.float64, requires_grad=True)
    (gt,) = torch.autograd.grad(TH["OnceCube"].apply(t).sum(), t, seed, create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice .* @once_differentiable"):
        gt.sum().backward()


def test_once_differentiable_backward_runs_without_recording():
    seen = []

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * 2

        @staticmethod
        @once_differentiable
        def backward(ctx, gy):
            seen.append(ag.is_grad_enabled())
            return gy * 2

    x = f64([1.0, 2.0])
    ag.grad(Probe.apply(x).sum(), x, create_graph=True)
    Probe.apply(x).sum().backward()
    assert seen == [False, False]


# -- ctx semantics --------------------------------------------------------------------------------


def test_forward_runs_without_recording_on_the_callers_tensors():
    seen = {}

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x, y, k):
            seen["grad"] = ag.is_grad_enabled()
            seen["same"] = (x is xin, y is yin)
            seen["needs"] = ctx.needs_input_grad
            z = x * y * k
            seen["z_rg"] = z.requires_grad
            return z

        @staticmethod
        def backward(ctx, gz):
            return gz, gz, None

    xin, yin = f64([1.0]), f64([2.0], requires_grad=False)
    z = Probe.apply(xin, yin, 3.0)
    assert seen == {"grad": False, "same": (True, True), "needs": (True, False, False),
                    "z_rg": False}  # fmt: skip
    assert z.requires_grad and ag.is_grad_enabled()
    with ag.no_grad():
        z = Probe.apply(xin, yin, 3.0)
    assert not z.requires_grad and z.grad_fn is None
    z = Probe.apply(f64([1.0], requires_grad=False), yin, 3.0)
    assert not z.requires_grad


def test_backward_receives_tensors_and_saved_tensors_without_graph_by_default():
    kinds = []

    class Probe(ag.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x, None)
            return x * 2

        @staticmethod
        def backward(ctx, gy):
            x, none = ctx.saved_tensors
            kinds.append((type(gy), type(x), none, gy.requires_grad, ag.is_grad_enabled()))
            return gy * 2

    x = f64([1.0, 2.0])
    Probe.apply(x).sum().backward()
    assert kinds == [(ag.Tensor, ag.Tensor, None, False, False)]


def test_saved_intermediate_tensor():
    class Sinh(ag.Function):
        @staticmethod
        def forward(ctx, x):
            e = x.exp()
            ctx.save_for_backward(e, 1 / e)  # neither an input nor an output
            return (e - 1 / e) / 2

        @staticmethod
        def backward(ctx, gy):
            e, inv = ctx.saved_tensors
            return gy * (e + inv) / 2

    x = rng.standard_normal(5)
    a = f64(x)
    Sinh.apply(a).sum().backward()
    np.testing.assert_allclose(npy(a.grad), np.cosh(x))


def test_input_returned_as_is_is_a_new_tensor_on_its_data():
    class Ident(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, gy):
            return gy * 1.0

    x = f64([1.0, 2.0])
    y = Ident.apply(x)
    assert y is not x and y.grad_fn is not None and x.is_leaf
    (y * 3.0).sum().backward()
    np.testing.assert_allclose(npy(x.grad), [3.0, 3.0])


def test_gradient_is_summed_to_a_broadcast_shape_and_cast_like_torch():
    x = rng.standard_normal((1, 2))
    check_against_torch("Square", [x])
    check_against_torch("Square", [x], consts=(True,), tol=1e-6)  # through float32
    a = f64(x)
    (g,) = ag.grad(AG["Square"].apply(a, True).sum(), a, create_graph=True)
    assert g.dtype == np.float64 and g.shape == (1, 2) and g.requires_grad


def test_retain_graph_hooks_and_retain_grad_on_outputs():
    a = f64([1.0, 2.0, 3.0])
    y2, y3 = AG["TwoThree"].apply(a)
    y3.retain_grad()
    seen = []
    y2.register_hook(lambda g: seen.append(npy(g).copy()))
    loss = (y2 * y3).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_allclose(npy(y3.grad), 2 * 2 * npy(a))  # twice y2
    np.testing.assert_allclose(seen[0], 3 * npy(a))
    np.testing.assert_allclose(npy(a.grad), 2 * 12 * npy(a))  # d(6 a^2)/da, twice
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_grad_of_an_output_of_several():
    a = f64([1.0, 2.0])
    y2, y3 = AG["TwoThree"].apply(a)
    z = (y2 * y3).sum()
    gy2, ga = ag.grad(z, [y2, a])
    np.testing.assert_allclose(npy(gy2), npy(y3))
    np.testing.assert_allclose(npy(ga), 12 * npy(a))


def test_saved_tensors_hooks_apply():
    packed = []

    def pack(t):
        packed.append(tuple(t.shape))
        return t

    a = f64(rng.standard_normal(3))
    with ag.graph.saved_tensors_hooks(pack, lambda t: t):
        y = AG["MyExp"].apply(a, 2.0)
    assert packed == [(3,), (3,)]
    y.sum().backward()
    np.testing.assert_allclose(npy(a.grad), 2 * np.exp(npy(a)))


def test_graph_is_freed_without_garbage_collection():
    a = f64([1.0, 2.0])
    y2, y3 = AG["TwoThree"].apply(a)
    ref = weakref.ref(y2.grad_fn.parents[0])
    z = AG["Exp"].apply(a)  # saves its output: ctx must not hold the output tensor
    ref2 = weakref.ref(z.grad_fn)
    gc.disable()
    try:
        del y2, y3, z
        assert ref() is None and ref2() is None
    finally:
        gc.enable()


def test_subclass_and_vjp_spelling():
    class Base(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def vjp(ctx, gy):
            return gy * 2

    class Child(Base):
        pass

    x = f64([1.0])
    Child.apply(x).backward()
    np.testing.assert_allclose(npy(x.grad), [2.0])
    assert Child._backward_cls is not Base._backward_cls
    assert type(Child.apply(x).grad_fn).__name__ == "ChildBackward"


def test_legacy_protocol_untouched():
    class Cube(ag.Function):
        save_inputs = (0,)

        def forward(self, x):
            return x**3

        def backward(self, gy):
            (x,) = self.saved
            return gy * 3 * x * x

    assert Cube.apply.__func__ is ag.Function.apply.__func__
    assert not hasattr(Cube, "_backward_cls")
    x = f64([2.0])
    Cube.apply(x).backward()
    np.testing.assert_allclose(npy(x.grad), [12.0])


def test_anomaly_mode_names_the_function():
    class NanBack(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x + 1

        @staticmethod
        def backward(ctx, gy):
            return gy * np.nan

    class InfForward(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x / 0.0

        @staticmethod
        def backward(ctx, gy):
            return gy

    x = f64([1.0])
    with ag.detect_anomaly():
        y = NanBack.apply(x) * 2.0
        with pytest.raises(RuntimeError, match="NanBackBackward"):
            y.sum().backward()
        with pytest.raises(RuntimeError, match="InfForwardBackward returned non-finite"):
            with np.errstate(divide="ignore"):
                InfForward.apply(x)


# -- in-place modification of a saved tensor ------------------------------------------------------


def test_saved_input_modified_in_place_raises_like_torch():
    for lib, fns, mk in ((ag, AG, f64), (torch, TH, t64)):
        x = mk([1.0, 2.0])
        h = x * 1.0
        y = fns["MyExp"].apply(h)
        with lib.no_grad():
            h.add_(1.0)
        with pytest.raises(RuntimeError, match="modified by an in(-)?place operation"):
            y.sum().backward()


def test_saved_output_modified_in_place_raises():
    x = f64([1.0, 2.0])
    y = AG["Exp"].apply(x)
    with ag.no_grad():
        y.mul_(2.0)
    with pytest.raises(RuntimeError, match="ExpBackward.*version 1; expected version 0"):
        y.sum().backward()


# -- errors, with torch's wording ---------------------------------------------------------------


def _errors(make_cls, run):
    """The exception raised by ``run(cls, mk)`` for tapegrad's and torch's classes."""
    out = []
    for Function, mk in ((ag.Function, f64), (torch.autograd.Function, t64)):
        with pytest.raises(Exception) as e:
            run(make_cls(Function), mk)
        out.append(e)
    return out


def test_wrong_number_of_gradients_message_matches_torch():
    def make_cls(Function):
        class MyExp(Function):
            @staticmethod
            def forward(ctx, x, k=2.0):
                return x.exp() * k

            @staticmethod
            def backward(ctx, gy):
                return gy  # one gradient for two arguments

        return MyExp

    a, t = _errors(make_cls, lambda c, mk: c.apply(mk([1.0, 2.0]), 3.0).sum().backward())
    assert a.type is t.type is RuntimeError
    assert str(a.value) == str(t.value)
    assert str(a.value) == (
        "function MyExpBackward returned an incorrect number of gradients (expected 2, got 1)"
    )


def test_extra_none_gradients_are_allowed():
    class Extra(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, gy):
            return gy * 2, None, None

    x = f64([1.0])
    Extra.apply(x).backward()
    np.testing.assert_allclose(npy(x.grad), [2.0])


def test_wrong_shape_message_matches_torch():
    def make_cls(Function):
        class Bad(Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, gy):
                return gy.sum()[None].expand(3)

        return Bad

    a, t = _errors(make_cls, lambda c, mk: c.apply(mk([1.0, 2.0])).sum().backward())
    assert a.type is t.type is RuntimeError
    assert str(a.value) == str(t.value)
    assert "BadBackward" in str(a.value) and "[3]" in str(a.value)


def test_gradient_for_non_tensor_argument_message_matches_torch():
    def make_cls(Function):
        class Bad2(Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, gy):
                return gy, gy

        return Bad2

    a, t = _errors(make_cls, lambda c, mk: c.apply(mk([1.0, 2.0]), 2.0).sum().backward())
    assert a.type is t.type is RuntimeError
    assert str(a.value) == str(t.value)


@pytest.mark.filterwarnings("ignore:.*should not be instantiated:DeprecationWarning")
def test_legacy_call_raises_torchs_error():
    def make_cls(Function):
        class MyExp(Function):
            @staticmethod
            def forward(ctx, x):
                return x.exp()

            @staticmethod
            def backward(ctx, gy):
                return gy

        return MyExp

    a, t = _errors(make_cls, lambda c, mk: c()(mk([1.0])))
    assert a.type is t.type is RuntimeError
    assert str(a.value) == str(t.value)
    assert "Legacy autograd function with non-static forward method is deprecated" in str(a.value)


def test_save_for_backward_non_tensor_message_matches_torch():
    def make_cls(Function):
        class NonT(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x, 3)
                return x * 2

            @staticmethod
            def backward(ctx, gy):
                return gy

        return NonT

    a, t = _errors(make_cls, lambda c, mk: c.apply(mk([1.0])))
    assert a.type is t.type is TypeError
    assert str(a.value) == str(t.value)


def test_missing_backward_message_matches_torch():
    def make_cls(Function):
        class NoBackward(Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

        return NoBackward

    a, t = _errors(make_cls, lambda c, mk: c.apply(mk([1.0])).sum().backward())
    assert a.type is t.type is NotImplementedError
    assert str(a.value) == str(t.value)


def test_non_tensor_gradient_is_refused():
    class WrongT(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, gy):
            return 3

    with pytest.raises(RuntimeError, match="WrongTBackward returned an invalid gradient at"):
        WrongT.apply(f64([1.0])).sum().backward()


def test_once_differentiable_error_names_the_function():
    a = f64([1.0, 2.0])
    (g,) = ag.grad(AG["OnceCube"].apply(a).sum(), a, create_graph=True)
    with pytest.raises(RuntimeError, match="OnceCubeBackward"):
        ag.grad(g.sum(), a)


def test_mark_dirty_is_refused_clearly():
    class Dirty(ag.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, gy):
            return gy * 2

    with pytest.raises(NotImplementedError, match="mark_dirty .* not supported"):
        Dirty.apply(f64([1.0]) * 1.0)


@pytest.mark.parametrize("where", ["forward", "backward"])
def test_reserved_ctx_attribute_is_refused(where):
    class Clash(ag.Function):
        @staticmethod
        def forward(ctx, x):
            if where == "forward":
                ctx.saved = x
            return x * 2

        @staticmethod
        def backward(ctx, gy):
            ctx.parents = None
            return gy

    name = "saved" if where == "forward" else "parents"
    with pytest.raises(AttributeError, match=rf"ctx\.{name} cannot be assigned"):
        Clash.apply(f64([1.0])).sum().backward()


def test_saved_tensors_outside_backward():
    x = f64([1.0, 2.0])
    y = AG["MyExp"].apply(x, 2.0)
    sx, sy = y.grad_fn.saved_tensors
    np.testing.assert_allclose(npy(sx), npy(x))
    np.testing.assert_allclose(npy(sy), npy(y))
    assert y.grad_fn.k == 2.0 and y.grad_fn.name() == "MyExpBackward"
    y.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.grad_fn.saved_tensors  # noqa: B018 - freed by the backward
