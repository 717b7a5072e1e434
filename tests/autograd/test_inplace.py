"""In-place ops: what they do, when they are refused, and that they never give a wrong gradient.

The rule under test: a record that saved a tensor for backward raises at backward time if that
tensor (or anything sharing its memory through a view) was changed in place after the record.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def f64(a, requires_grad=False):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# -- plain tensors ------------------------------------------------------------------------------


def test_inplace_ops_on_plain_tensors():
    x = f64([1.0, 2.0, 3.0])
    assert x.add_(1.0) is x
    np.testing.assert_array_equal(x.numpy(), [2.0, 3.0, 4.0])
    x.add_(f64([1.0, 1.0, 1.0]), alpha=2)
    np.testing.assert_array_equal(x.numpy(), [4.0, 5.0, 6.0])
    x.sub_(1.0)
    x.mul_(f64([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.numpy(), [3.0, 8.0, 15.0])
    x.div_(2.0)
    np.testing.assert_array_equal(x.numpy(), [1.5, 4.0, 7.5])
    x.pow_(2)
    np.testing.assert_array_equal(x.numpy(), [2.25, 16.0, 56.25])
    x.clamp_(min=3.0, max=20.0)
    np.testing.assert_array_equal(x.numpy(), [3.0, 16.0, 20.0])
    x.fill_(7.0)
    np.testing.assert_array_equal(x.numpy(), [7.0, 7.0, 7.0])
    x.copy_(f64([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0, 3.0])
    x.zero_()
    np.testing.assert_array_equal(x.numpy(), [0.0, 0.0, 0.0])


def test_augmented_assignment_and_setitem():
    x = f64([[1.0, 2.0], [3.0, 4.0]])
    alias = x
    x += 1.0
    x *= 2.0
    x -= f64([1.0, 0.0])
    x /= 2.0
    assert x is alias
    np.testing.assert_array_equal(x.numpy(), [[1.5, 3.0], [3.5, 5.0]])
    x[0, 1] = -1.0
    x[1] = f64([9.0, 8.0])
    x[x > 8.5] = 0.0
    np.testing.assert_array_equal(x.numpy(), [[1.5, -1.0], [0.0, 8.0]])
    i = ag.tensor([1, 2, 3])
    i[ag.tensor([0, 2])] = 7
    assert i.tolist() == [7, 2, 7]


def test_inplace_version_counter_increments():
    x = f64([1.0, 2.0])
    v0 = x._version
    x.add_(1.0)
    x[0] = 3.0
    x.zero_()
    assert x._version == v0 + 3


def test_inplace_shape_mismatch_raises_before_changing_anything():
    x = f64([[1.0, 2.0], [3.0, 4.0]])
    before = x.numpy().copy()
    with pytest.raises(ag.ShapeError):
        x.add_(f64([1.0, 2.0, 3.0]))
    with pytest.raises(ag.ShapeError):
        x.mul_(f64(np.ones((3, 2, 2))))  # would broadcast to a bigger shape
    with pytest.raises(TypeError):
        ag.tensor([1, 2]).div_(2)  # true division can't be stored in int64
    np.testing.assert_array_equal(x.numpy(), before)
    assert x._version == 0


# -- refusal with grad mode on ------------------------------------------------------------------

OPS = {
    "add_": lambda t: t.add_(1.0),
    "sub_": lambda t: t.sub_(1.0),
    "mul_": lambda t: t.mul_(2.0),
    "div_": lambda t: t.div_(2.0),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(3.0),
    "copy_": lambda t: t.copy_(f64([5.0, 6.0])),
    "clamp_": lambda t: t.clamp_(0.0, 1.0),
    "uniform_": lambda t: t.uniform_(),
    "iadd": lambda t: t.__iadd__(1.0),
    "imul": lambda t: t.__imul__(2.0),
    "setitem": lambda t: t.__setitem__(0, 7.0),
    "setitem_slice": lambda t: t.__setitem__(slice(None), f64([0.0, 0.0])),
}


@pytest.mark.parametrize("op", list(OPS))
def test_inplace_on_leaf_requiring_grad_raises(op):
    x = f64([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        OPS[op](x)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0])
    assert x._version == 0


# each in-place op on an interior tensor and the out-of-place op it must equal
RECORDED = {
    "add_": (lambda t, w: t.add_(w, alpha=2.0), lambda t, w: t + 2.0 * w),
    "sub_": (lambda t, w: t.sub_(w), lambda t, w: t - w),
    "mul_": (lambda t, w: t.mul_(w), lambda t, w: t * w),
    "div_": (lambda t, w: t.div_(w + 3.0), lambda t, w: t / (w + 3.0)),
    "pow_": (lambda t, w: t.pow_(2.0), lambda t, w: t**2.0),
    "zero_": (lambda t, w: t.zero_(), lambda t, w: t * 0.0),
    "fill_w": (lambda t, w: t.fill_(w[1]), lambda t, w: t * 0.0 + w[1]),
    "copy_": (lambda t, w: t.copy_(w * w), lambda t, w: w * w),
    "clamp_": (lambda t, w: t.clamp_(-0.5, 0.5), lambda t, w: t.clamp(-0.5, 0.5)),
    "iadd": (lambda t, w: t.__iadd__(w), lambda t, w: t + w),
    "imul": (lambda t, w: t.__imul__(w), lambda t, w: t * w),
    "setitem": (
        lambda t, w: t.__setitem__(0, w[1] * 3.0),
        lambda t, w: ag.cat([(w[1] * 3.0).reshape(1), t[1:]]),
    ),
    "setitem_mask": (
        lambda t, w: t.__setitem__(t > 0.0, 0.0),
        lambda t, w: ag.where(t > 0.0, 0.0, t),
    ),
    "setitem_slice": (
        lambda t, w: t.__setitem__(slice(1, None), w[:2] * w[1:]),
        lambda t, w: ag.cat([t[:1], w[:2] * w[1:]]),
    ),
    "exp_": (lambda t, w: t.exp_(), lambda t, w: t.exp()),
    "sigmoid_": (lambda t, w: t.sigmoid_(), lambda t, w: t.sigmoid()),
    "scatter_add_": (
        lambda t, w: t.scatter_add_(0, ag.tensor([0, 0, 2]), w),
        lambda t, w: t.scatter_add(0, ag.tensor([0, 0, 2]), w),
    ),
}


def _run(fn, inplace):
    def f(x, w):
        t = x * 1.5 - 0.25  # an interior tensor
        out = fn(t, w) if not inplace else None
        if inplace:
            r = fn(t, w)
            assert r is None or r is t
            out = t
        return (out * x).sin()

    return f


@pytest.mark.parametrize("op", list(RECORDED))
def test_inplace_on_an_interior_tensor_is_recorded(op):
    """out += y on an interior tensor records the op: gradients equal the out-of-place form's."""
    rng = np.random.default_rng(3)
    inplace, outofplace = RECORDED[op]
    x0, w0 = rng.uniform(-1, 1, 3), rng.uniform(-1, 1, 3)
    xs = [f64(x0, requires_grad=True) for _ in range(2)]
    ws = [f64(w0, requires_grad=True) for _ in range(2)]
    y1, y2 = _run(inplace, True)(xs[0], ws[0]), _run(outofplace, False)(xs[1], ws[1])
    np.testing.assert_allclose(y1.detach().numpy(), y2.detach().numpy(), rtol=1e-14)
    g = rng.standard_normal(3)
    y1.backward(f64(g))
    y2.backward(f64(g))
    np.testing.assert_allclose(xs[0].grad.numpy(), xs[1].grad.numpy(), rtol=1e-12, atol=1e-15)
    if ws[1].grad is not None:
        np.testing.assert_allclose(ws[0].grad.numpy(), ws[1].grad.numpy(), rtol=1e-12)
    else:
        assert ws[0].grad is None or not ws[0].grad.numpy().any()
    if op not in ("zero_", "fill_w", "copy_"):  # those cut x out: nothing left to check
        assert ag.gradcheck(_run(inplace, True), (f64(x0, requires_grad=True),
                                                   f64(w0, requires_grad=True)))  # fmt: skip
        assert ag.gradgradcheck(_run(inplace, True), (f64(x0, requires_grad=True),
                                                       f64(w0, requires_grad=True)))  # fmt: skip


def test_resnet_style_residual_add_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    gy = rng.standard_normal((2, 3))
    res = []
    for lib in (ag, torch):
        x, idt = lib.tensor(a, requires_grad=True), lib.tensor(b, requires_grad=True)
        out = x * 2.0
        out += idt
        out[out > 1.0] = 1.0
        out = lib.relu(out)
        out.backward(lib.tensor(gy))
        res.append((out.detach().numpy(), x.grad.numpy(), idt.grad.numpy()))
    for got, want in zip(*res):
        np.testing.assert_allclose(got, want, rtol=1e-14)


def test_recorded_inplace_keeps_the_version_check_of_saved_outputs():
    x = f64([0.5, 1.0], requires_grad=True)
    y = x.exp()  # Exp saves its output
    y += 1.0
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


@pytest.mark.parametrize("op", ["add_", "setitem", "mul_"])
def test_inplace_through_a_view_on_the_graph_is_recorded(op):
    # PyTorch's CopySlices: a write through a view reaches its base's record, and a write to
    # the base reaches its live views' records (tests/autograd/test_inplace_views.py has more)
    fns = {"add_": lambda t: t.add_(1.0), "setitem": lambda t: t.__setitem__(0, 7.0),
           "mul_": lambda t: t.mul_(2.0)}  # fmt: skip
    outs = {"add_": lambda a: a + 1.0, "setitem": lambda a: ag.cat([a[:1] * 0 + 7.0, a[1:]]),
            "mul_": lambda a: a * 2.0}  # fmt: skip
    x = f64([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    v = y[0:2]
    fns[op](v)  # through the view
    fns[op](y)  # the base, while the view lives
    g = f64([0.5, -1.0, 2.0])
    (y * g + v.sum() * y[2]).sum().backward()
    x2 = f64([1.0, 2.0, 3.0], requires_grad=True)
    y2 = outs[op](ag.cat([outs[op](x2[:2] * 2.0), x2[2:] * 2.0]))
    (y2 * g + y2[:2].sum() * y2[2]).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), y2.detach().numpy())
    np.testing.assert_allclose(v.detach().numpy(), y2.detach().numpy()[:2])
    np.testing.assert_allclose(x.grad.numpy(), x2.grad.numpy())
    with pytest.raises(RuntimeError, match="a view of a leaf"):
        fns[op](x[0:2])  # a view of a leaf that requires grad
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0, 3.0])


def test_retain_grad_follows_the_tensor_through_an_inplace_op():
    x = f64([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    y.retain_grad()
    y += 1.0
    (y * y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), 2 * (2 * np.array([1.0, 2.0]) + 1.0))


@pytest.mark.parametrize("op", list(OPS))
def test_inplace_on_leaf_allowed_under_no_grad(op):
    x = f64([1.0, 2.0], requires_grad=True)
    before = x.detach().numpy().copy()
    with ag.no_grad():
        OPS[op](x)
    assert x.requires_grad and x.is_leaf
    assert x._version == 1
    if op != "setitem_slice":
        assert not np.array_equal(x.detach().numpy(), before)


def test_writing_a_value_that_requires_grad_into_a_plain_tensor_records_it():
    w = f64([1.0, 2.0], requires_grad=True)
    buf = f64([0.0, 0.0])
    buf.add_(w)
    buf[0] = w[1] * 3.0
    assert buf.requires_grad and not buf.is_leaf
    (buf * buf).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 2 * 6.0 * 3.0 + 2 * 2.0])
    # through a view: the base and its other views record it too (PyTorch's CopySlices)
    w.grad = None
    base = f64([0.0, 0.0, 0.0])
    other = base[1:]
    base[0:2].copy_(w)
    assert base.requires_grad and other.requires_grad
    np.testing.assert_array_equal(other.detach().numpy(), [2.0, 0.0])
    (other * f64([5.0, 7.0])).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [0.0, 5.0])
    # a tensor saved for backward: the write is recorded, that backward then raises (torch)
    saved = f64([1.0, 1.0])
    y = (w * saved).sum()
    saved.add_(w)
    assert saved.requires_grad
    np.testing.assert_array_equal(saved.detach().numpy(), [2.0, 3.0])
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_optimizer_style_update_after_backward():
    w = f64([1.0, 2.0], requires_grad=True)
    for _ in range(3):
        loss = (w * w).sum()
        loss.backward()
        with ag.no_grad():
            w.sub_(w.grad, alpha=0.25)
            w.grad.zero_()
    np.testing.assert_allclose(w.detach().numpy(), np.array([1.0, 2.0]) * 0.5**3)


# -- saved tensors modified before backward -----------------------------------------------------


def test_modifying_saved_input_under_no_grad_raises_at_backward():
    x = f64([1.0, 2.0], requires_grad=True)
    w = f64([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    with ag.no_grad():
        w.mul_(2.0)
    with pytest.raises(RuntimeError, match="version") as e:
        y.backward()
    assert "Mul" in str(e.value)
    assert x.grad is None


def test_modifying_saved_constant_raises_at_backward():
    x = f64([1.0, 2.0], requires_grad=True)
    w = f64([3.0, 4.0])  # does not require grad: in-place is allowed with grad mode on
    y = (x * w).sum()
    w.mul_(2.0)
    with pytest.raises(RuntimeError, match="version"):
        y.backward()


def test_modifying_saved_output_raises_at_backward():
    x = f64([1.0, 2.0], requires_grad=True)
    for make in (lambda x: x.exp(), lambda x: x.tanh(), lambda x: x.sigmoid(), lambda x: x.sqrt()):
        y = make(x)  # these save their output
        z = y.sum()
        with ag.no_grad():
            y[0] = 5.0
        with pytest.raises(RuntimeError, match="version"):
            z.backward()


def test_modification_that_no_record_saved_is_fine():
    x = f64([1.0, 2.0], requires_grad=True)
    w = f64([3.0, 4.0])
    y = (x + w).sum()  # Add saves nothing
    w.mul_(2.0)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


def test_modification_after_backward_is_fine_and_retained_graph_then_raises():
    x = f64([1.0, 2.0], requires_grad=True)
    w = f64([3.0, 4.0])
    y = (x * w).sum()
    y.backward(retain_graph=True)
    w.add_(1.0)
    with pytest.raises(RuntimeError, match="version"):
        y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 4.0])


def _mutations():
    """Ways to change ``w``'s values in place, each through a different alias of it."""
    m = {
        "direct": lambda w: w.mul_(2.0),
        "iadd": lambda w: w.__iadd__(1.0),
        "setitem": lambda w: w.__setitem__((0, 1), 9.0),
        "detach": lambda w: w.detach().mul_(2.0),
        "data": lambda w: w.data.mul_(2.0),
        "data_setter": lambda w: setattr(w, "data", ag.tensor(np.full((4, 3), 2.0))),
        "slice": lambda w: w[1:3].add_(1.0),
        "int_index": lambda w: w[2].fill_(0.0),
        "ellipsis": lambda w: w[..., 0].zero_(),
        "newaxis": lambda w: w[None].add_(1.0),
        "reshape": lambda w: w.reshape(12).add_(1.0),
        "view_of_view": lambda w: w.reshape(2, 6)[1, 2:4].add_(1.0),
        "flatten": lambda w: w.flatten()[3:5].add_(1.0),
        "squeeze": lambda w: w.unsqueeze(0).squeeze(0).add_(1.0),
        "transpose": lambda w: w.T.add_(1.0),
        "permute": lambda w: w.permute(1, 0)[0].add_(1.0),
        "split": lambda w: w.split(2)[1].add_(1.0),
        "chunk": lambda w: w.chunk(3, dim=1)[0].add_(1.0),
        "detach_view": lambda w: w.detach().reshape(3, 4)[0].add_(1.0),
        "Tensor_ctor": lambda w: ag.Tensor(w).add_(1.0),
        "as_tensor": lambda w: ag.as_tensor(w, dtype=ag.float64).add_(1.0),
        "contiguous": lambda w: w.contiguous().add_(1.0),
        "to_same": lambda w: w.to(ag.float64).add_(1.0),
        "einsum_view": lambda w: ag.einsum("ij->ji", w).add_(1.0),
    }
    return m


@pytest.mark.parametrize("how", list(_mutations()))
@pytest.mark.parametrize("requires_grad", [False, True], ids=["const", "param"])
def test_no_silently_wrong_gradient_through_any_alias(how, requires_grad):
    """Either the gradient is right for the values the forward pass saw, or backward raises."""
    rng = np.random.default_rng(0)
    x0, w0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    x = f64(x0, requires_grad=True)
    w = f64(w0.copy(), requires_grad=requires_grad)
    y = (x * w * x).sum()  # Mul saves both operands: the gradient depends on w's values
    with ag.no_grad():
        _mutations()[how](w)
    assert not np.array_equal(w.detach().numpy(), w0), "the mutation must change w"
    try:
        y.backward()
    except RuntimeError as e:
        assert "version" in str(e)
        return
    np.testing.assert_allclose(x.grad.numpy(), 2 * x0 * w0)  # if it did not raise


@pytest.mark.parametrize("how", ["slice", "reshape", "transpose", "detach"])
def test_no_silently_wrong_gradient_when_the_base_of_a_saved_view_changes(how):
    rng = np.random.default_rng(1)
    w = f64(rng.standard_normal((4, 3)))
    v = {
        "slice": lambda: w[1:3],
        "reshape": lambda: w.reshape(3, 4),
        "transpose": lambda: w.T,
        "detach": lambda: w.detach(),
    }[how]()
    x = f64(rng.standard_normal(v.shape), requires_grad=True)
    y = (x * v).sum()  # saves the view
    w.add_(1.0)  # change the base
    with pytest.raises(RuntimeError, match="version"):
        y.backward()


def test_copies_do_not_share_versions():
    rng = np.random.default_rng(2)
    w = f64(rng.standard_normal((4, 3)))
    x = f64(rng.standard_normal((4, 3)), requires_grad=True)
    c = w.clone()
    adv = w[[0, 1, 2, 3]]  # advanced indexing copies
    y = (x * c).sum() + (x * adv).sum()
    w.mul_(100.0)  # neither copy changed: backward is fine and right
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * c.numpy())


def test_mutating_a_raw_ndarray_operand_after_forward():
    # a raw array operand is copied when saved (it has no version counter to check)
    x = f64([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0])
    y = (x * a).sum()
    a *= 10.0
    try:
        y.backward()
    except RuntimeError:
        return
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_broadcast_views_are_read_only():
    w = f64([1.0, 2.0, 3.0])
    e = w.expand(2, 3)
    with pytest.raises(ValueError):
        e.add_(1.0)
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0, 3.0])


@pytest.mark.gpu
def test_recorded_inplace_ops_on_cuda_match_the_cpu():
    a = np.random.default_rng(0).standard_normal((3, 4))
    grads = []
    for dev in ("cpu", "cuda"):
        x = ag.tensor(a, device=dev, requires_grad=True)
        w = ag.tensor(a[0], device=dev, requires_grad=True)
        out = x * 2.0
        out += x
        out[out > 0.5] = 0.0
        out[1] = w * 3.0
        out[:, ag.tensor([0, 2], device=dev)] = 1.0
        out.exp_()
        out.sum().backward()
        assert out.device.startswith(dev)
        grads.append((x.grad.cpu().numpy(), w.grad.cpu().numpy()))
    for g_cpu, g_cuda in zip(*grads):
        np.testing.assert_allclose(g_cuda, g_cpu, rtol=1e-12)


# -- second review of recorded in-place ops -----------------------------------------------------


def test_a_recorded_setitem_keeps_its_own_copy_of_the_index():
    x = f64([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    w = f64([10.0], requires_grad=True)
    y = x * 1.0
    m = x > 2.5
    y[m] = w
    m.fill_(False)  # the caller's mask changes after the write: the gradient must not
    i = ag.tensor([0, 1])
    y[i] = w * 2.0
    i += 2
    (y * f64([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.0, 0.0, 0.0])
    # y = [2w, 2w, w, w]: the mask and index the writes saw, whatever they hold now
    np.testing.assert_allclose(w.grad.numpy(), [2.0 * (1.0 + 2.0) + 3.0 + 4.0])


def test_a_float_value_written_into_an_integer_tensor_carries_no_gradient():
    w = f64([0.7, 1.6, -2.4], requires_grad=True)
    i = ag.zeros(3, dtype=ag.int64)
    i.copy_(w)
    assert not i.requires_grad and i.dtype == ag.int64
    np.testing.assert_array_equal(i.numpy(), [0, 1, -2])
    m = ag.zeros(2, dtype=ag.bool_)
    m[0] = w[0]
    assert not m.requires_grad and m.numpy().tolist() == [True, False]


def test_a_view_made_under_no_grad_blocks_a_recorded_write_to_its_base():
    x = f64([1.0, 2.0, 3.0], requires_grad=True)
    w = f64([1.0, 1.0, 1.0], requires_grad=True)
    y = x * 2.0
    with ag.no_grad():
        v = y[:2]
    with pytest.raises(RuntimeError, match="view"):
        y.add_(w)
    del v  # once the view is gone the write is recorded
    y.add_(w)
    (y * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 4 * np.array([1.0, 2.0, 3.0]) + 1.0)


def test_a_view_that_is_gone_no_longer_blocks_in_place_writes():
    x = f64([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2.0
    y[1:] = y[:-1].clone()  # the read view dies before the write: y = [2x0, 2x0, 2x1]
    (y * f64([0.5, -1.5, 2.5])).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0 * (0.5 - 1.5), 2.0 * 2.5, 0.0])


def test_setitem_takes_a_value_with_leading_ones_and_refuses_a_list_of_graph_tensors():
    x = f64([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = f64([[5.0, 6.0]], requires_grad=True)  # (1, 2) into a (2,) row: numpy drops the 1
    y = x * 1.0
    y[0] = w
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [[1.0, 1.0]])
    np.testing.assert_allclose(x.grad.numpy(), [[0.0, 0.0], [1.0, 1.0]])
    a = f64([1.0], requires_grad=True)
    z = x * 1.0
    with pytest.raises(TypeError, match="stack"):
        z[0] = [a[0], a[0]]
