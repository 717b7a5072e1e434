"""autograd.func (torch.func's transforms) and nn.stateless.functional_call."""

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import func

RNG = np.random.default_rng(7)


def t64(*shape, rg=False):
    return ag.tensor(RNG.standard_normal(shape), dtype="float64", requires_grad=rg)


def cubic(x):
    return (x**3).sum()


# -- grad ------------------------------------------------------------------------------------------


def test_grad_values_and_plain_result():
    x = t64(4)
    g = func.grad(cubic)(x)
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2)
    assert not g.requires_grad and g.grad_fn is None
    assert not x.requires_grad  # the caller's tensor is untouched


def test_grad_nested_is_second_derivative():
    x = t64(3)
    gg = func.grad(lambda v: func.grad(cubic)(v).sum())(x)
    np.testing.assert_allclose(gg.numpy(), 6 * x.numpy())
    ggg = func.grad(lambda v: func.grad(lambda w: func.grad(cubic)(w).sum())(v).sum())(x)
    np.testing.assert_allclose(ggg.numpy(), np.full(3, 6.0))


def test_grad_sees_through_closures_of_an_outer_transform():
    # d/dx [ d/dy (x y^2) at y=c ] = d/dx (2 x c) = 2c
    c = ag.tensor(3.0, dtype="float64")
    out = func.grad(lambda x: func.grad(lambda y: x * y**2)(c))(ag.tensor(2.0, dtype="float64"))
    assert out.item() == pytest.approx(6.0)


def test_grad_argnums_pytrees_aux_and_unused():
    a, b = t64(2), t64(3)

    def f(p, q, scale):
        return (p["w"] * scale).sum() + (q[0] ** 2).sum(), {"n": q[0].sum()}

    (ga, gb), aux = func.grad(f, argnums=(0, 1), has_aux=True)({"w": a}, (b, a), 2.0)
    np.testing.assert_allclose(ga["w"].numpy(), np.full(2, 2.0))
    np.testing.assert_allclose(gb[0].numpy(), 2 * b.numpy())
    np.testing.assert_allclose(gb[1].numpy(), np.zeros(2))  # unused: zeros, not None
    assert aux["n"].item() == pytest.approx(b.numpy().sum())
    gv, val = func.grad_and_value(cubic)(a)
    assert val.item() == pytest.approx((a.numpy() ** 3).sum())


def test_grad_is_differentiable_by_backward_and_gradcheck():
    x = t64(3, rg=True)
    g = func.grad(cubic)(x)
    assert g.requires_grad
    cot = t64(3)
    (g * cot).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * x.detach().numpy() * cot.numpy())
    w = t64(3, 3)

    def f(v):
        return (ag.tanh(w @ v) ** 2).sum()

    assert ag.gradcheck(lambda v: func.grad(f)(v), (t64(3, rg=True),))
    assert ag.gradgradcheck(lambda v: func.grad(f)(v), (t64(3, rg=True),))


def test_grad_errors():
    x = t64(3)
    with pytest.raises(RuntimeError, match=r"scalar \(0-d\) Tensor, got a tensor of shape \(3,\)"):
        func.grad(lambda v: v * 2)(x)
    with pytest.raises(TypeError, match="dtype int64"):
        func.grad(lambda v: v.sum())(ag.tensor([1, 2]))
    with pytest.raises(ValueError, match="argnums 2 is out of range"):
        func.grad(cubic, argnums=2)(x)
    with pytest.raises(RuntimeError, match="has_aux=True"):
        func.grad(cubic, has_aux=True)(x)
    with pytest.raises(TypeError, match="argument 0 must be a Tensor"):
        func.grad(lambda v: v)(3.0)


# -- vjp / jvp / jacobians ------------------------------------------------------------------------


def test_vjp_and_jvp_match_the_jacobian():
    w = t64(4, 3)

    def f(v):
        return ag.tanh(w @ v)

    x, u, v = t64(3), t64(4), t64(3)
    jac = func.jacrev(f)(x).numpy()
    np.testing.assert_allclose(func.jacfwd(f)(x).numpy(), jac, atol=1e-12)
    out, vjp_fn = func.vjp(f, x)
    np.testing.assert_allclose(out.numpy(), np.tanh(w.numpy() @ x.numpy()))
    (gx,) = vjp_fn(u)
    np.testing.assert_allclose(gx.numpy(), u.numpy() @ jac, atol=1e-12)
    (gx2,) = vjp_fn(u * 2)  # callable again
    np.testing.assert_allclose(gx2.numpy(), 2 * u.numpy() @ jac, atol=1e-12)
    out2, jv = func.jvp(f, (x,), (v,))
    np.testing.assert_allclose(jv.numpy(), jac @ v.numpy(), atol=1e-12)
    with pytest.raises(ValueError, match=r"cotangent 0 has shape \(3,\), but output 0 has shape"):
        vjp_fn(t64(3))
    with pytest.raises(ValueError, match="1 primals but 2 tangents"):
        func.jvp(f, (x,), (v, v))


def test_hessian_and_argnums_tuple():
    a = t64(3, 3)
    a = a + a.T

    def f(x, y):
        return (x @ a @ x) * 0.5 + (x * y).sum()

    x, y = t64(3), t64(3)
    np.testing.assert_allclose(func.hessian(f)(x, y).numpy(), a.numpy(), atol=1e-12)
    jx, jy = func.jacrev(f, argnums=(0, 1))(x, y)
    np.testing.assert_allclose(jy.numpy(), x.numpy())
    np.testing.assert_allclose(jx.numpy(), a.numpy() @ x.numpy() + y.numpy(), atol=1e-12)


# -- vmap -----------------------------------------------------------------------------------------


def test_vmap_in_out_dims_and_pytrees():
    x, y = t64(5, 3), t64(3, 5)
    out = func.vmap(lambda a, b: (a * b).sum(), in_dims=(0, 1))(x, y)
    np.testing.assert_allclose(out.numpy(), (x.numpy() * y.numpy().T).sum(1))
    m = t64(3, 4)
    out = func.vmap(lambda a, mm: a @ mm, in_dims=(0, None), out_dims=1)(x, m)
    assert out.shape == (4, 5)
    np.testing.assert_allclose(out.numpy(), (x.numpy() @ m.numpy()).T)
    d = func.vmap(lambda p: {"s": p["a"].sum(), "t": (p["a"] * 2, p["a"])})({"a": x})
    np.testing.assert_allclose(d["s"].numpy(), x.numpy().sum(1))
    assert d["t"][0].shape == (5, 3)
    nested = func.vmap(func.vmap(lambda a: a * 2))(t64(2, 3, 4))
    assert nested.shape == (2, 3, 4)


def test_vmap_of_grad_gives_per_sample_gradients():
    model = nn.Linear(3, 2).double()
    params = {k: v.detach() for k, v in model.named_parameters()}
    x, y = t64(6, 3), t64(6, 2)

    def loss(p, xb, yb):
        out = func.functional_call(model, p, (xb.unsqueeze(0),))
        return ((out - yb) ** 2).sum()

    g = func.vmap(func.grad(loss), in_dims=(None, 0, 0))(params, x, y)
    assert g["weight"].shape == (6, 2, 3) and g["bias"].shape == (6, 2)
    for i in range(6):
        model.zero_grad()
        ((model(x[i : i + 1]) - y[i]) ** 2).sum().backward()
        np.testing.assert_allclose(g["weight"][i].numpy(), model.weight.grad.numpy(), atol=1e-12)
        np.testing.assert_allclose(g["bias"][i].numpy(), model.bias.grad.numpy(), atol=1e-12)


def test_vmap_is_differentiable():
    w = t64(3, rg=True)
    x = t64(4, 3)
    out = func.vmap(lambda r: (r * w).tanh().sum())(x)
    cot = t64(4)
    (out * cot).sum().backward()
    expect = (1 - np.tanh(x.numpy() * w.detach().numpy()) ** 2) * x.numpy() * cot.numpy()[:, None]
    np.testing.assert_allclose(w.grad.numpy(), expect.sum(0), atol=1e-12)


def test_vmap_randomness_and_errors():
    x = t64(4, 2)
    with pytest.raises(RuntimeError, match="randomness='error'"):
        func.vmap(lambda r: r + ag.randn(2, dtype="float64"))(x)
    ag.manual_seed(0)
    same = func.vmap(lambda r: ag.randn(2, dtype="float64"), randomness="same")(x)
    np.testing.assert_array_equal(same.numpy()[0], same.numpy()[3])
    diff = func.vmap(lambda r: ag.randn(2, dtype="float64"), randomness="different")(x)
    assert not np.array_equal(diff.numpy()[0], diff.numpy()[1])
    with pytest.raises(ValueError, match="disagree in batch size: 4 and 3"):
        func.vmap(lambda a, b: a.sum() + b.sum())(x, t64(3, 2))
    with pytest.raises(ValueError, match="in_dims has 1 entries but the function was called"):
        func.vmap(lambda a, b: a, in_dims=(0,))(x, x)
    with pytest.raises(ValueError, match="at least one argument must be mapped"):
        func.vmap(lambda a: a, in_dims=None)(x)
    with pytest.raises(ValueError, match=r"in_dim 2 is out of range for argument 0"):
        func.vmap(lambda a: a, in_dims=2)(x)
    with pytest.raises(RuntimeError, match="every entry must give the same shape"):
        func.vmap(lambda a: a[: int(a.sum().item() > 0) + 1])(ag.tensor([[1.0, 1], [-1, -1]]))


# -- functional_call ------------------------------------------------------------------------------


def test_functional_call_swaps_and_restores():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    w0 = model[0].weight
    new_w = ag.ones(3, 2)
    mean = ag.full((3,), 5.0)
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    model.eval()
    out = func.functional_call(model, ({"0.weight": new_w}, {"1.running_mean": mean}), (x,))
    z = x.numpy() @ np.ones((2, 3)) + model[0].bias.detach().numpy()
    expect = (z - 5.0) / np.sqrt(1 + 1e-5)
    np.testing.assert_allclose(out.detach().numpy(), expect, rtol=1e-5)
    assert model[0].weight is w0 and isinstance(model[0].weight, nn.Parameter)
    assert model[1].running_mean.numpy().sum() == 0

    def boom(*a):
        raise ValueError("inside")

    model.register_forward_pre_hook(boom)
    with pytest.raises(ValueError, match="inside"):
        func.functional_call(model, {"0.weight": new_w}, x)
    assert model[0].weight is w0


def test_functional_call_gradients_tied_weights_and_strict():
    emb, head = nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False)
    head.weight = emb.weight  # one parameter under two names
    model = nn.Sequential(emb, nn.Tanh(), head)
    w = ag.tensor(RNG.standard_normal((2, 2)), dtype="float32", requires_grad=True)
    x = ag.tensor([[0.5, -1.0]])
    out = func.functional_call(model, {"0.weight": w}, x)
    h = np.tanh(x.numpy() @ w.detach().numpy().T)
    np.testing.assert_allclose(out.detach().numpy(), h @ w.detach().numpy().T, rtol=1e-5)
    out.sum().backward()
    assert w.grad is not None and emb.weight.grad is None
    untied = func.functional_call(model, {"0.weight": w}, x, tie_weights=False)
    np.testing.assert_allclose(
        untied.detach().numpy(), h @ emb.weight.detach().numpy().T, rtol=1e-5
    )
    with pytest.raises(RuntimeError, match=r"missing key\(s\) \['0.weight', '2.weight'\]"):
        func.functional_call(model, {}, x, strict=True)
    both = func.functional_call(model, {"0.weight": w, "2.weight": w}, x, strict=True)
    np.testing.assert_allclose(both.detach().numpy(), out.detach().numpy())
    with pytest.raises(AttributeError, match="key '5.weight'"):
        func.functional_call(model, {"5.weight": w}, x)
    with pytest.raises(ValueError, match="more than one of the dicts"):
        func.functional_call(model, ({"0.weight": w}, {"0.weight": w}), x)


# -- against torch.func ---------------------------------------------------------------------------


def test_matches_torch_func():
    torch = pytest.importorskip("torch")
    tf = torch.func
    xn = RNG.standard_normal(4)
    wn = RNG.standard_normal((3, 4))

    def f_ag(x):
        return (ag.tensor(wn) @ x).tanh().pow(2).sum()

    def f_th(x):
        return (torch.tensor(wn) @ x).tanh().pow(2).sum()

    x_ag, x_th = ag.tensor(xn), torch.tensor(xn)
    np.testing.assert_allclose(func.grad(f_ag)(x_ag).numpy(), tf.grad(f_th)(x_th).numpy())
    np.testing.assert_allclose(
        func.hessian(f_ag)(x_ag).numpy(), tf.hessian(f_th)(x_th).numpy(), atol=1e-12
    )
    batch = RNG.standard_normal((5, 4))
    np.testing.assert_allclose(
        func.vmap(func.grad(f_ag))(ag.tensor(batch)).numpy(),
        tf.vmap(tf.grad(f_th))(torch.tensor(batch)).numpy(),
        atol=1e-12,
    )


# -- review findings: closures, in-place inputs, pytrees, structure errors ---------------------


def test_top_level_transforms_keep_gradients_through_closed_over_tensors():
    w = ag.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
    x = ag.tensor([1.0, 2.0, 3.0], dtype="float64")
    gx = func.grad(lambda v: (w * v**2).sum())(x)  # 2 w x: depends on w
    assert gx.requires_grad
    ((w * x).sum() + gx.pow(2).sum()).backward()
    np.testing.assert_allclose(w.grad.numpy(), [5.0, -30.0, 147.0])  # torch.func's values
    jac = func.jacrev(lambda v: w * v.sin())(x)
    assert jac.requires_grad
    out, jv = func.jvp(lambda v: w * v, (x,), (ag.ones(3, dtype="float64"),))
    assert jv.requires_grad and out.requires_grad
    plain = func.grad(lambda v: (v**2).sum())(x)  # nothing outside requires grad
    assert not plain.requires_grad


@pytest.mark.parametrize("nested", [False, True])
def test_an_in_place_write_to_the_input_raises(nested):
    x = ag.tensor([-1.0, 2.0], dtype="float64", requires_grad=not nested)

    def f(v):
        return v.mul_(3).pow(2).sum()

    g = (lambda u: func.grad(lambda v: func.grad(f)(v).sum())(u)) if nested else func.grad(f)
    with pytest.raises(RuntimeError, match="modified its input .* in place"):
        g(x)
    with pytest.raises(RuntimeError, match="modified inputs\\[0\\]|leaf Tensor that requires"):
        ag.functional.jacobian(lambda v: v.mul_(3), x, create_graph=True)


def test_jacobians_of_pytrees():
    p = {"a": t64(2), "b": t64(3)}
    jac = func.jacrev(lambda q: {"s": q["a"].sum() * q["b"], "t": q["a"] * 2})(p)
    assert jac["s"]["a"].shape == (3, 2) and jac["s"]["b"].shape == (3, 3)
    np.testing.assert_allclose(jac["t"]["a"].numpy(), 2 * np.eye(2))
    np.testing.assert_allclose(jac["t"]["b"].numpy(), np.zeros((2, 3)))
    np.testing.assert_allclose(
        func.jacfwd(lambda q: q["a"].sum() * q["b"])(p)["b"].numpy(),
        p["a"].numpy().sum() * np.eye(3),
        atol=1e-12,
    )
    with pytest.raises(RuntimeError, match="dtype int64"):
        func.jacrev(lambda v: (v > 0).long())(t64(2))


def test_vmap_structure_checks_and_unbatched_outputs():
    x = t64(4, 2)
    out, c = func.vmap(lambda r: (r * 2, ag.ones(3)), out_dims=(0, None))(x)
    assert out.shape == (4, 2) and c.shape == (3,)
    with pytest.raises(ValueError, match="out_dims is None for output 0"):
        func.vmap(lambda r: r * 2, out_dims=None)(x)
    with pytest.raises(ValueError, match="is a float, not a Tensor"):
        func.vmap(lambda r, s: r * s, in_dims=(0, 0))(x, 2.0)
    assert func.vmap(lambda r, s: r * s, in_dims=(0, None))(x, 2.0).shape == (4, 2)
    with pytest.raises(RuntimeError, match=r"output\[1\] is a int"):
        func.vmap(lambda r: (r * 2, 3))(x)
    with pytest.raises(ValueError, match="has keys \\['a', 'c'\\] but the input has keys"):
        func.vmap(lambda d: d["a"], in_dims=({"a": 0, "c": 0},))({"a": x, "b": x})
    d = func.vmap(lambda d: d["a"] + d["b"].sum(), in_dims=({"a": 0, "b": None},))(
        {"a": x, "b": t64(5)}
    )
    assert d.shape == (4, 2)
    ag.manual_seed(3)
    before = ag.random.get_rng_state()
    with pytest.raises(RuntimeError, match="randomness='error'"):
        func.vmap(lambda r: r + ag.randn(2, dtype="float64"))(x)
    assert ag.random.get_rng_state() == before


def test_functional_call_with_a_parametrized_key_and_structure_errors():
    P = nn.utils.parametrize

    class Double(nn.Module):
        def forward(self, a):
            return a * 2

        def right_inverse(self, a):
            return a / 2

    m = nn.Linear(2, 1, bias=False)
    P.register_parametrization(m, "weight", Double())
    w0 = m.weight.detach().numpy().copy()
    out = func.functional_call(m, {"weight": ag.tensor([[5.0, 5.0]])}, ag.tensor([[1.0, 0.0]]))
    assert out.item() == 5.0
    np.testing.assert_array_equal(m.weight.detach().numpy(), w0)  # restored, not rewritten
    assert isinstance(type(m).__dict__["weight"], property)
    lin, head = nn.Linear(2, 2, bias=False), nn.Linear(2, 2, bias=False)
    head.weight = lin.weight
    seq = nn.Sequential(lin, head)
    with pytest.raises(ValueError, match="'0.weight' and '1.weight', which are tied"):
        func.functional_call(seq, {"0.weight": ag.ones(2, 2), "1.weight": ag.zeros(2, 2)}, x2())
    with pytest.raises(TypeError, match="names a submodule"):
        func.functional_call(seq, {"1": ag.ones(2, 2)}, x2())


def x2():
    return ag.tensor([[1.0, 2.0]])


def test_stack_module_state_for_an_ensemble():
    models = [nn.Linear(3, 2).double() for _ in range(4)]
    params, buffers = func.stack_module_state(models)
    assert params["weight"].shape == (4, 2, 3) and params["weight"].requires_grad
    assert buffers == {}
    base = nn.Linear(3, 2).double()
    x = t64(5, 3)
    out = func.vmap(lambda p, xx: func.functional_call(base, p, (xx,)), in_dims=(0, None))(
        params, x
    )
    for i, m in enumerate(models):
        np.testing.assert_allclose(out[i].detach().numpy(), m(x).detach().numpy(), atol=1e-12)
    with pytest.raises(RuntimeError, match="same structure"):
        func.stack_module_state([nn.Linear(3, 2), nn.Tanh()])


def test_torch_import_paths_and_the_autograd_namespace():
    from nn.utils.parametrizations import orthogonal  # noqa: F401
    from nn.utils.rnn import pack_padded_sequence
    from nn.utils.stateless import functional_call

    assert pack_padded_sequence is nn.utils.rnn.pack_padded_sequence
    assert functional_call is nn.utils.stateless.functional_call
    assert ag.autograd.grad is ag.grad and ag.autograd.Function is ag.Function
    x = ag.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    ag.autograd.backward([(x * 3).sum(), (x * x).sum()])
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 7.0])
    with ag.autograd.set_detect_anomaly(True):
        assert ag.is_anomaly_enabled()
    assert not ag.is_anomaly_enabled()
