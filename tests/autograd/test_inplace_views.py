"""In-place ops through views while recording (PyTorch's CopySlices, autograd/_inplace_views.py).

A table of scenarios (writes through slices, int indices, transposes, reshape/view, diagonal,
narrow, select, unsqueeze, chains of views, the base written while views live, sibling views,
complex real/imag/view_as_real/view_as_complex, a constant buffer written with a value that
requires grad) is run by tapegrad and by PyTorch: values, first-order gradients and
second-order gradients (create_graph) must agree. gradcheck/gradgradcheck cover such writes
without torch, and the refusals (a view of a leaf, overlapping views, views made under no_grad,
saved tensors changed by a write) are checked with their messages.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd._inplace_views import MemoryOverlapError
from autograd.errors import ShapeError

# -- scenarios: f(L, *inputs) -> list of output tensors; L is the library (ours or torch) -----


class _Lib:
    """The few names that differ between tapegrad and torch, for the scenarios."""

    def __init__(self, lib):
        self.lib = lib
        self.torch = lib.__name__ == "torch"

    def zeros(self, *shape):
        return self.lib.zeros(*shape, dtype=self.lib.float64)

    def view_as_real(self, z):
        return self.lib.view_as_real(z)

    def view_as_complex(self, x):
        return self.lib.view_as_complex(x)

    def grad(self, out, inputs, create_graph=False):
        return self.lib.autograd.grad(out, inputs, create_graph=create_graph, allow_unused=True)

    def tensor(self, a, requires_grad=False):
        return self.lib.tensor(a, requires_grad=requires_grad)


def s_slice_mul(L, x):
    y = x * 2
    y[1:3].mul_(3)
    return [y]


def s_base_written_view_lives(L, x, w):
    y = x * 2
    v = y[:, 0]
    y.add_(1)
    return [y, v * w]


def s_int_index_mul_tensor(L, x, w):
    y = x * 1
    y[1].mul_(w)
    return [y]


def s_transpose_relu(L, x):
    y = x * 1
    y.t().relu_()
    return [y]


def s_narrow_copy_then_transpose_relu(L, a, b, c):
    h = a @ b
    h.narrow(1, 0, 2).copy_(c)
    h.t().relu_()
    return [h]


def s_reshape_view_slice_exp(L, x):
    y = x * 1
    y.reshape(-1)[1:5].exp_()
    return [y]


def s_view_of_view_of_view(L, x, w):
    y = x * 1
    v = y[1:]
    vv = v.T
    vv[0].mul_(w)
    return [y, v, vv]


def s_diagonal(L, x, w):
    y = x * 1
    d1 = y.diagonal(1)
    y.diagonal().mul_(w)
    return [y, d1]


def s_select_clamp(L, x):
    y = x * 1
    y[:, 2].clamp_(-0.5, 0.5)  # select(1, 2)
    return [y]


def s_unsqueeze_mul(L, x, w):
    y = x * 1
    y.unsqueeze(0).mul_(w)
    return [y]


def s_siblings_overlapping(L, x, w):
    y = x * 1
    a = y[:, :3]
    b = y[:, 1:]
    a.mul_(2)
    b.add_(w)
    return [y, a, b]


def s_siblings_disjoint(L, x, w):
    y = x * 1
    a, b = y[0], y[1]
    a.sub_(w)
    b.div_(w)
    return [y, a, b]


def s_constant_buffer(L, w):
    buf = L.zeros(4)
    u = buf[1:3]
    buf[:2].copy_(w)
    return [buf, u * u]


def s_constant_buffer_setitem_through_view(L, w):
    buf = L.zeros(3, 4)
    buf[1][1:3] = w
    return [buf]


def s_iadd_view(L, x, w):
    y = x * 1
    v = y[:, 1:]
    v += w
    return [y, v]


def s_setitem_transposed(L, x, w):
    y = x * 1
    y.T[1] = w
    return [y]


def s_fill_with_tensor(L, x, s):
    y = x * 1
    y[0].fill_(s)
    return [y]


def s_zero_view_of_view(L, x):
    y = x * 1
    y[1:][:, 2:].zero_()
    return [y * y]


def s_written_twice_views_between(L, x, w):
    y = x * 1
    v = y[0]
    v.mul_(w)
    y.mul_(x)  # (exp_ would save y itself in torch: the write to v below then fails there)
    u = y[:, 1]
    v.add_(u[1])  # u[0] is v[1]: torch refuses an operand that overlaps the written tensor
    return [y, u, v]


def s_expand_read_after_write(L, x):
    y = x * 1
    e = y.expand(3, 4)
    y.exp_()
    return [e]


def s_complex_real_and_view_as_real(L, z):
    w = z * 2
    w.real.mul_(3)
    L.view_as_real(w)[..., 1].zero_()
    return [w]


def s_complex_imag_add_real(L, z, x):
    w = z * 1
    re = w.real
    w.imag.add_(x * x)
    return [w, re]


def s_complex_base_written_real_view_lives(L, z, x):
    w = z * 1
    im = w.imag
    w.mul_(z)
    return [w, im * x]


def s_view_as_complex_of_real(L, r, zc):
    h = r * 1
    c = L.view_as_complex(h)
    c.mul_(zc)
    return [h, c]


# name -> (scenario, input kinds: shape tuples, "c" prefix for complex)
SCENARIOS = {
    "slice_mul": (s_slice_mul, [(4, 3)]),
    "base_written_view_lives": (s_base_written_view_lives, [(3, 4), (3,)]),
    "int_index_mul_tensor": (s_int_index_mul_tensor, [(3, 4), (4,)]),
    "transpose_relu": (s_transpose_relu, [(3, 4)]),
    "narrow_copy_transpose_relu": (s_narrow_copy_then_transpose_relu, [(3, 2), (2, 4), (3, 2)]),
    "reshape_view_slice_exp": (s_reshape_view_slice_exp, [(2, 3)]),
    "view_of_view_of_view": (s_view_of_view_of_view, [(3, 4), (2,)]),
    "diagonal": (s_diagonal, [(3, 3), (3,)]),
    "select_clamp": (s_select_clamp, [(3, 4)]),
    "unsqueeze_mul": (s_unsqueeze_mul, [(3, 4), (4,)]),
    "siblings_overlapping": (s_siblings_overlapping, [(2, 4), (2, 3)]),
    "siblings_disjoint": (s_siblings_disjoint, [(2, 3), (3,)]),
    "constant_buffer": (s_constant_buffer, [(2,)]),
    "constant_buffer_setitem_view": (s_constant_buffer_setitem_through_view, [(2,)]),
    "iadd_view": (s_iadd_view, [(2, 3), (2, 2)]),
    "setitem_transposed": (s_setitem_transposed, [(3, 2), (3,)]),
    "fill_with_tensor": (s_fill_with_tensor, [(2, 3), ()]),
    "zero_view_of_view": (s_zero_view_of_view, [(3, 4)]),
    "written_twice_views_between": (s_written_twice_views_between, [(2, 3), (3,)]),
    "expand_read_after_write": (s_expand_read_after_write, [(1, 4)]),
    "complex_real_view_as_real": (s_complex_real_and_view_as_real, [("c", 3)]),
    "complex_imag_add_real": (s_complex_imag_add_real, [("c", 2, 3), (2, 3)]),
    "complex_base_written": (s_complex_base_written_real_view_lives, [("c", 3), (3,)]),
    "view_as_complex_of_real": (s_view_as_complex_of_real, [(3, 2), ("c", 3)]),
}


def _inputs(kinds, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for k in kinds:
        if isinstance(k, tuple) and k and k[0] == "c":
            shape = k[1:]
            out.append(rng.standard_normal(shape) + 1j * rng.standard_normal(shape))
        else:
            out.append(rng.standard_normal(k))
    return out


def _as_real(L, t):
    """A real tensor for a loss: view_as_real of a complex t."""
    return L.view_as_real(t) if t.is_complex() else t


def _np(t):
    return t.detach().resolve_conj().cpu().numpy()  # (torch may hand out lazy conjugates)


def _run(lib, name, seed=0):
    """Values, first-order and second-order gradients of scenario ``name`` run by ``lib``."""
    L = _Lib(lib)
    fn, kinds = SCENARIOS[name]
    arrays = _inputs(kinds, seed)
    inputs = [L.tensor(a, requires_grad=True) for a in arrays]
    outs = fn(L, *inputs)
    rng = np.random.default_rng(100 + seed)
    loss = 0
    for o in outs:
        r = _as_real(L, o)
        g = L.tensor(rng.standard_normal(tuple(r.shape)))
        loss = loss + (r * r * g).sum() + (r * g).sum()
    grads = L.grad(loss, inputs, create_graph=True)
    s = 0
    for gr in grads:
        if gr is None:
            continue
        r = _as_real(L, gr)
        s = s + (r * L.tensor(rng.standard_normal(tuple(r.shape)))).sum()
    grads2 = L.grad(s, inputs) if getattr(s, "requires_grad", False) else [None] * len(inputs)
    fix = lambda gs, xs: [  # noqa: E731 - None (unused input) as zeros
        np.zeros(np.shape(a), dtype=np.asarray(a).dtype) if g is None else _np(g)
        for g, a in zip(gs, xs)
    ]
    return [_np(o) for o in outs], fix(grads, arrays), fix(grads2, arrays)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_scenario_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours = _run(ag, name)
    theirs = _run(torch, name)
    for what, a, b in zip(("values", "grads", "second-order grads"), ours, theirs):
        assert len(a) == len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            np.testing.assert_allclose(x, y, rtol=1e-10, atol=1e-12, err_msg=f"{what} {i}")


def test_requires_grad_and_groups_follow_torch():
    torch = pytest.importorskip("torch")
    for lib in (ag, torch):
        w = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        buf = lib.zeros(4, dtype=lib.float64)
        u = buf[1:3]  # made before the write: it requires grad afterwards (torch)
        buf[:2].copy_(w)
        assert buf.requires_grad and u.requires_grad and not buf.is_leaf, lib.__name__
        assert u._base is buf
        assert buf._version == u._version == 1
        np.testing.assert_array_equal(_np(u), [2.0, 0.0])


# random sequences of views and writes (a real root, a constant buffer, a complex root) ------

_VIEWS = [
    lambda t, r: t[int(r.integers(0, t.shape[0]))] if t.ndim and t.shape[0] else t,
    lambda t, r: t[1:] if t.ndim and t.shape[0] > 1 else t,
    lambda t, r: t.t() if t.ndim == 2 else t,
    lambda t, r: t[:, 1:3] if t.ndim == 2 and t.shape[1] >= 3 else t,
    lambda t, r: t.diagonal() if t.ndim == 2 else t,
    lambda t, r: t.unsqueeze(0),
    lambda t, r: t[::2] if t.ndim else t,
    lambda t, r: t.narrow(-1, 0, 1) if t.ndim and t.shape[-1] else t,
    lambda t, r: t.real,
    lambda t, r: t.imag if _cplx(t) else t,
]
_WRITES = [
    lambda t, w, c: t.mul_(c.sum() if _cplx(t) else w.sum()),
    lambda t, w, c: t.add_(c.prod() if _cplx(t) else w.prod()),
    lambda t, w, c: t.sub_(1.5),
    lambda t, w, c: t.zero_(),
    lambda t, w, c: t.copy_((c[0] if _cplx(t) else w[0] * 2).expand(t.shape)),
    lambda t, w, c: t.__iadd__(c[0] * c[1] if _cplx(t) else w[2]),
    lambda t, w, c: t.__setitem__(0, c[1] if _cplx(t) else w[1]) if t.ndim and t.shape[0] else t,
    lambda t, w, c: t.fill_(c[1] if _cplx(t) else w[1]),  # (torch's backward fails for a real
]  # value written into a complex tensor)


def _cplx(t):
    return t.is_complex()


def _sequence(lib, seed):
    """Six random steps (maybe a new view of a live tensor, then a write to a live tensor);
    returns the live tensors' values and requires_grad, and the first- and second-order
    gradients of a quadratic loss of all of them."""
    L = _Lib(lib)
    r = np.random.default_rng(seed)
    data = np.random.default_rng(1000 + seed)
    x0, w0 = data.standard_normal((3, 4)), data.standard_normal(3)
    c0 = data.standard_normal(2) + 1j * data.standard_normal(2)
    x, w, c = (L.tensor(a, requires_grad=True) for a in (x0, w0, c0))
    kind = seed % 3
    if kind == 0:
        root = x * 1.0
    elif kind == 1:
        root = L.zeros(3, 4)  # a constant buffer: it starts to require grad when written
    else:
        root = (x * 1.0)[:, :2] * c  # complex (3, 2)
    live = [root]
    for _ in range(6):
        if r.integers(0, 3) == 0 or len(live) < 2:
            view = _VIEWS[int(r.integers(0, len(_VIEWS)))]
            live.append(view(live[int(r.integers(0, len(live)))], r))
        t = live[int(r.integers(0, len(live)))]
        if L.torch:
            _ = t.grad_fn  # torch regenerates a view's record lazily; until then an untouched
            # view of a buffer that just started to require grad passes for a leaf (its quirk)
        _WRITES[int(r.integers(0, len(_WRITES)))](t, w, c)
    loss = 0
    for i, t in enumerate(live):
        rt = _as_real(L, t)
        loss = loss + (rt * rt).sum() * (i + 1)
    inputs = [x, w, c]
    grads = L.grad(loss, inputs, create_graph=True)
    s = sum((_as_real(L, g) ** 2).sum() for g in grads if g is not None)
    grads2 = L.grad(s, inputs) if getattr(s, "requires_grad", False) else [None] * 3
    fix = [np.zeros(np.shape(a), np.asarray(a).dtype) for a in (x0, w0, c0)]
    return (
        [_np(t) for t in live],
        [t.requires_grad for t in live],
        [f if g is None else _np(g) for g, f in zip(grads, fix)],
        [f if g is None else _np(g) for g, f in zip(grads2, fix)],
    )


@pytest.mark.parametrize("seed", range(45))
def test_random_sequences_of_views_and_writes_match_torch(seed):
    torch = pytest.importorskip("torch")
    ours, theirs = _sequence(ag, seed), _sequence(torch, seed)
    assert ours[1] == theirs[1]  # requires_grad of every live tensor
    for k, what in ((0, "values"), (2, "grads"), (3, "second-order grads")):
        for i, (p, q) in enumerate(zip(ours[k], theirs[k])):
            np.testing.assert_allclose(p, q, rtol=1e-10, atol=1e-12, err_msg=f"{what} {i}")


# -- gradcheck / gradgradcheck without torch ----------------------------------------------------


def _t(*shape, seed=0, cplx=False):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    if cplx:
        a = a + 1j * rng.standard_normal(shape)
    return ag.tensor(a, requires_grad=True)


def _flat(*ts):
    return ag.cat([(ag.view_as_real(t) if ag.is_complex(t) else t).reshape(-1) for t in ts])


def f_slice_and_base(x, w):
    y = x * x
    v = y[:, 1]
    y[1:].mul_(w)
    y.t()[0].add_(v)
    return _flat(y, v)


def f_negative_step(x, w):
    y = x * 1.0
    r = y[::-1]  # numpy-style negative step (a view with a negative stride)
    r[0].mul_(w)
    y[:, ::-2].exp_()
    return _flat(y, r)


def f_noncontiguous_constant_root(w):
    # a root whose array is not contiguous (a strided numpy array shared by from_numpy): the
    # positions come from its addresses
    buf = ag.from_numpy(np.zeros((4, 6))[:, ::2])
    v = buf.T[1:]
    v.copy_(w)
    side = buf[:, 2]
    buf[:, 0].mul_(w[0])
    return _flat(buf, side * side)


def f_complex_parts(z, x):
    w = z * z
    w.real.mul_(x)
    ag.view_as_real(w)[:, 1].add_(x * x)
    w.imag[1:].zero_()
    return _flat(w)


def f_complex_noncontiguous(z, x):
    w = (z * 1.0).T  # a view (transposed) of a complex root
    w.imag.mul_(x)
    w.real.add_(1.0)
    return _flat(w.T * z)


def f_view_as_complex(r, z):
    h = r * r
    c = ag.view_as_complex(h)
    c.mul_(z)
    h[:, 0].exp_()
    return _flat(h, c)


GRADCHECKS = {
    "slice_and_base": (f_slice_and_base, lambda: (_t(3, 4), _t(4, seed=1))),
    "negative_step": (f_negative_step, lambda: (_t(3, 4), _t(4, seed=1))),
    "noncontiguous_constant_root": (f_noncontiguous_constant_root, lambda: (_t(2, 4),)),
    "complex_parts": (f_complex_parts, lambda: (_t(3, 2, cplx=True), _t(3, 2, seed=1))),
    "complex_noncontiguous": (
        f_complex_noncontiguous,
        lambda: (_t(2, 3, cplx=True), _t(3, 2, seed=1)),
    ),
    "view_as_complex": (f_view_as_complex, lambda: (_t(3, 2), _t(3, cplx=True, seed=1))),
}


@pytest.mark.parametrize("name", sorted(GRADCHECKS))
def test_gradcheck_and_gradgradcheck(name):
    fn, make = GRADCHECKS[name]
    inputs = make()
    assert ag.gradcheck(fn, inputs)
    assert ag.gradgradcheck(fn, inputs)


def test_noncontiguous_constant_root_values():
    w = ag.tensor(np.arange(8.0).reshape(2, 4), requires_grad=True)
    arr = np.zeros((4, 6))
    buf = ag.from_numpy(arr[:, ::2])
    buf.T[1:].copy_(w)
    want = np.zeros((4, 3))
    want[:, 1:] = np.arange(8.0).reshape(2, 4).T
    np.testing.assert_array_equal(buf.detach().numpy(), want)
    np.testing.assert_array_equal(arr[:, ::2], want)  # written into the shared memory
    np.testing.assert_array_equal(arr[:, 1::2], 0.0)
    (buf * buf).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.arange(8.0).reshape(2, 4))


def test_float32_stays_float32_and_views_see_the_write():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), dtype=ag.float32, requires_grad=True)
    y = x * 1.0
    col = y[:, 2]
    y[:, 1:].mul_(ag.tensor(2.0, dtype=ag.float64))  # a float64 0-d operand: cast back
    assert y.dtype == col.dtype == ag.float32
    np.testing.assert_array_equal(col.detach().numpy(), [4.0, 10.0])
    col.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 2], [0, 0, 2]])


def test_empty_and_0d_views():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = x * 1.0
    e = y[3:]
    e.mul_(5.0)  # nothing to write: recorded, values unchanged
    s = y[1]  # a 0-d view
    s.mul_(4.0)
    assert s.shape == () and s.item() == 8.0
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2 * 8.0 * 4.0, 6.0])


def test_retain_grad_follows_the_base_and_the_views():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = x * 1.0
    y.retain_grad()
    v = y[1:]
    v.retain_grad()
    y[:2].mul_(3.0)
    (y * ag.tensor([1.0, 10.0, 100.0])).sum().backward(retain_graph=True)
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 10.0, 100.0])
    assert v.grad is None  # v is not on that loss's path (as in torch)
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 30.0, 100.0])
    (v * ag.tensor([7.0, 9.0])).sum().backward()  # v's record goes through y's (torch's values)
    np.testing.assert_allclose(v.grad.numpy(), [7.0, 9.0])
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 17.0, 109.0])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 51.0, 109.0])


def test_a_copy_or_detached_alias_is_not_part_of_the_group():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    w = ag.tensor([5.0, 7.0], dtype=ag.float64, requires_grad=True)
    y = x * 1.0
    v = y[:1]
    d = y.detach()  # shares memory and version; outside the group (torch: not differentiable)
    d.mul_(w)
    assert d.requires_grad and y.grad_fn is not None
    np.testing.assert_array_equal(v.detach().numpy(), [5.0])
    (v * 1.0).sum().backward()  # v's record is y's: the write through d is not on it
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0])
    assert w.grad is None


def test_groups_hold_no_reference_cycles():
    import gc
    import weakref

    gc.disable()  # freed by reference counting alone, as every graph
    try:
        x = ag.tensor(np.ones((3, 4)), requires_grad=True)
        y = x * 1.0
        v = y[1:].T
        v.mul_(2.0)
        y.add_(1.0)  # regenerates v
        refs = [weakref.ref(t) for t in (y, v, y.grad_fn, v.grad_fn)]
        assert v._base is y
        del y, v
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


# -- the written view is downstream of its base (as torch's: a gather from the new base) -------


def _written_view_cases(L):
    """Hooks, retain_grad and grad() around a view written in place; the results, as lists."""

    def mk():
        x = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
        y = x * 1
        return x, y, y[:2]

    w3, w2 = L.tensor([1.0, 10.0, 100.0], dtype=L.float64), L.tensor([1.0, 10.0], dtype=L.float64)
    out, calls = [], []
    x, y, v = mk()
    v.mul_(2)
    v.register_hook(lambda g: g * 0)  # after the write: v is not on y's path
    y.sum().backward()
    out.append(x.grad)
    x, y, v = mk()
    v.mul_(2)
    v.retain_grad()
    ((y * w3).sum() + v.sum()).backward()
    out += [v.grad, x.grad]
    x, y, v = mk()
    v.mul_(2)
    out.append(L.autograd.grad((v * w2).sum(), y, allow_unused=True)[0])
    out.append(L.autograd.grad((y * w3).sum(), v, allow_unused=True)[0])
    x, y, v = mk()
    v.register_hook(lambda g: calls.append("before, y") or g * 0)  # v's old record: off the path
    v.mul_(2)
    y.sum().backward()
    out.append(x.grad)
    x, y, v = mk()
    v.register_hook(lambda g: calls.append("before, v") or g * 0)
    v.mul_(2)
    v.sum().backward()
    out.append(x.grad)
    x, y, v = mk()
    v.register_hook(lambda g: calls.append("before, old use") or g * 0)
    z = v * 3  # uses v's old record: its hook runs
    v.mul_(2)
    (z.sum() + y.sum()).backward()
    out.append(x.grad)
    x, y, v = mk()
    v.retain_grad()  # before the write: follows v onto its new record
    v.mul_(2)
    ((y * w3).sum() + v.sum()).backward()
    out += [v.grad, x.grad]
    x, y, v = mk()
    y.register_hook(lambda g: calls.append("base before") or g * 2)  # y's old record: on the path
    v.mul_(2)
    (y * w3).sum().backward()
    out.append(x.grad)
    return [None if g is None else _np(g) for g in out], calls


WRITTEN_VIEW_WANT = [
    [2.0, 2.0, 1.0],
    [1.0, 1.0],
    [4.0, 22.0, 100.0],
    [1.0, 10.0, 0.0],
    None,
    [2.0, 2.0, 1.0],
    [2.0, 2.0, 0.0],
    [2.0, 2.0, 1.0],
    [1.0, 1.0],
    [4.0, 22.0, 100.0],
    [4.0, 40.0, 200.0],
]


def test_written_view_is_gathered_from_the_new_base():
    got, calls = _written_view_cases(ag)
    for i, (g, want) in enumerate(zip(got, WRITTEN_VIEW_WANT)):
        if want is None:
            assert g is None, i
        else:
            np.testing.assert_allclose(g, want, err_msg=str(i))
    assert calls == ["before, old use", "base before"]


def test_written_view_matches_torch():
    torch = pytest.importorskip("torch")
    ours, theirs = _written_view_cases(ag), _written_view_cases(torch)
    assert ours[1] == theirs[1]
    for i, (p, q) in enumerate(zip(ours[0], theirs[0])):
        assert (p is None) == (q is None), i
        if p is not None:
            np.testing.assert_allclose(p, q, err_msg=str(i))
    assert [None if q is None else q.tolist() for q in theirs[0]] == WRITTEN_VIEW_WANT


def test_no_grad_view_of_a_constant_buffer_refuses_the_recorded_write():
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    buf = ag.zeros(3, dtype=ag.float64)
    with ag.no_grad():
        v = buf[:2]
        w = v[1:]  # a view of the view, also made under no_grad
    for write in (lambda: buf.__setitem__(slice(0, 2), x), lambda: buf[2:].copy_(x[:1])):
        with pytest.raises(RuntimeError, match="was created in no_grad mode, and its base"):
            write()
    assert buf._version == 0 and not buf.requires_grad
    np.testing.assert_array_equal(buf.numpy(), [0.0, 0.0, 0.0])
    buf[:2] = ag.tensor([3.0, 4.0], dtype=ag.float64)  # a constant write: not recorded
    np.testing.assert_array_equal(w.numpy(), [4.0])
    del v, w
    buf[:2] = x  # no such view lives: recorded, with the right gradient
    (g,) = ag.grad((buf * buf).sum(), x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])


def test_no_grad_view_of_a_constant_buffer_is_refused_by_torch_too():
    torch = pytest.importorskip("torch")
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    buf = torch.zeros(3)
    with torch.no_grad():
        v = buf[:2]
    buf[:2] = x
    with pytest.raises(RuntimeError, match="was created in no_grad mode"):
        (buf.sum() + v.sum()).backward()


def _detach_views(L):
    x = L.tensor([1.0, 2.0, 3.0], dtype=L.float64, requires_grad=True)
    y = x * 1
    with L.no_grad():
        ng = y[1:]
    return [y[:2], y.view(3, 1), (x * 1j).real, x[1:], L.zeros(3)[:2], x.detach()[:2], ng]


def test_detach_in_place_refuses_views():
    for v in _detach_views(ag):
        node = v.grad_fn
        with pytest.raises(RuntimeError, match=r"Can't detach views in-place. Use detach\(\)"):
            v.detach_()
        assert v.grad_fn is node and v._base is not None  # unchanged
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = x * 1
    v = y[:2]
    y.detach_()  # a base with live views: allowed, as in torch
    assert y.is_leaf and not y.requires_grad and v.requires_grad


def test_detach_in_place_refuses_views_in_torch_too():
    torch = pytest.importorskip("torch")
    for v in _detach_views(torch):
        with pytest.raises(RuntimeError, match=r"Can't detach views in-place. Use detach\(\)"):
            v.detach_()


def test_write_through_a_view_of_a_memmap_root(tmp_path):
    # an ndarray subclass shared by from_numpy: its addresses are read as numpy's
    mm = np.memmap(tmp_path / "buf.dat", dtype=np.float64, mode="w+", shape=(4,))
    buf = ag.from_numpy(mm)
    x = ag.tensor([1.0, 2.0], dtype=ag.float64, requires_grad=True)
    u = buf[1:3]
    buf[:2].copy_(x)
    buf[1:3].mul_(x)
    np.testing.assert_array_equal(np.asarray(mm), [1.0, 2.0, 0.0, 0.0])  # written in the file
    np.testing.assert_array_equal(np.asarray(u._data), [2.0, 0.0])
    (g,) = ag.grad((buf * buf).sum() + (u * u).sum(), x)
    np.testing.assert_allclose(g.numpy(), [18.0, 8.0])  # torch's, on a plain buffer


def f_views_outlive_data_setter(x):
    y = x * 1.0
    v, w = y[:2], y[1:]
    y.data = ag.zeros(4, dtype=ag.float64)  # y moves to new memory; v and w keep the old one
    v.mul_(x[1:])
    w[1:].add_(x[:1] * x[:1])
    return _flat(v, w)


def test_views_outlive_the_data_setter_of_their_base():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = x * 1.0
    v, w = y[:2], y[1:]
    y.data = ag.zeros(4, dtype=ag.float64)
    v.mul_(2.0)  # torch runs it too
    np.testing.assert_array_equal(v.detach().numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(w.detach().numpy(), [4.0, 3.0])  # a sibling sees the write
    np.testing.assert_array_equal(y.detach().numpy(), [0.0, 0.0, 0.0, 0.0])
    (g,) = ag.grad((v * v).sum() + (w * ag.tensor([1.0, 10.0], dtype=ag.float64)).sum(), x)
    np.testing.assert_allclose(g.numpy(), [8.0, 18.0, 10.0])
    x2 = _t(3, seed=3)
    assert ag.gradcheck(f_views_outlive_data_setter, (x2,))
    assert ag.gradgradcheck(f_views_outlive_data_setter, (x2,))


def test_write_through_a_small_view_does_not_copy_a_large_root():
    import tracemalloc

    n = 200_000  # 1.6 MB of float64
    x = ag.tensor(np.arange(10.0), requires_grad=True)
    w = ag.tensor(np.ones(n), requires_grad=True)
    y = w * 1.0
    side = y[:8]  # a live view meeting the write: gathered again, O(its size)
    tracemalloc.start()
    try:
        y[5:15].mul_(x)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 200_000, peak  # the scatter writes into the root's memory
    np.testing.assert_array_equal(y[3:16].detach().numpy(), [1, 1] + list(range(10)) + [1])
    np.testing.assert_array_equal(side.detach().numpy(), [1, 1, 1, 1, 1, 0, 1, 2])
    gw, gx = ag.grad((y * y).sum() + side.sum(), (w, x))
    want_w = 2.0 * np.ones(n)
    want_w[:8] += 1
    want_w[5:15] = 2.0 * np.arange(10.0) ** 2 + np.r_[np.arange(3.0), np.zeros(7)]
    np.testing.assert_allclose(gw.numpy(), want_w)
    np.testing.assert_allclose(gx.numpy(), 2.0 * np.arange(10.0) + np.r_[np.ones(3), np.zeros(7)])


# -- refusals ---------------------------------------------------------------------------------


def test_a_view_of_a_leaf_that_requires_grad_is_refused_before_any_change():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    for write in (lambda: x[:2].add_(1.0), lambda: x[1:][:1].mul_(2.0),
                  lambda: x.T.relu_(), lambda: x[0].__setitem__((), 5.0)):  # fmt: skip
        with pytest.raises(RuntimeError, match="a view of a leaf Tensor that requires grad"):
            write()
    z = ag.tensor([1 + 2j], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"mul_: a view of a leaf"):
        z.real.mul_(2.0)
    np.testing.assert_array_equal(x.detach().numpy(), [1.0, 2.0, 3.0])
    assert x._version == 0
    with ag.no_grad():  # as an optimiser does
        x[:2].add_(1.0)
    np.testing.assert_array_equal(x.detach().numpy(), [2.0, 3.0, 3.0])
    assert x.is_leaf and x.grad_fn is None


def test_overlapping_views_are_refused_with_torchs_message():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = x * 2.0
    e = y[:1].expand(3)
    for write in (lambda: e.mul_(2.0), lambda: e.copy_(x), lambda: y.expand(2, 3).relu_()):
        with pytest.raises(RuntimeError, match="more than one element of the written-to"):
            write()
    with pytest.raises(MemoryOverlapError, match="mul_: unsupported operation"):
        ag.zeros(1).expand(3).mul_(2.0)  # not recorded: refused all the same, as torch
    with pytest.raises(ValueError, match="single memory location"):  # also a ValueError
        ag.broadcast_to(ag.zeros(3), (2, 3)).add_(1.0)
    np.testing.assert_array_equal(y.detach().numpy(), [2.0, 4.0, 6.0])
    assert y._version == 0
    ag.zeros(1, 3).expand(1, 3).add_(1.0)  # a size-1 dim may have any stride


def test_overlapping_refusals_match_torch():
    torch = pytest.importorskip("torch")
    t = torch.tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="more than one element of the written-to"):
        t[:1].expand(3).mul_(2.0)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        torch.ones(3, requires_grad=True)[1:].add_(1)


def test_saved_tensor_version_checks_still_hold():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = x * 2.0
    v = y[:2]
    z = (v * v).sum()  # Mul saves v (version 0)
    y.add_(1.0)  # the group's version is now 1
    with pytest.raises(RuntimeError, match=r"saved by Mul is at version 1; expected version 0"):
        z.backward()
    y2 = x * 2.0
    s = (y2 * y2).sum()  # saves the base
    y2[0].mul_(2.0)  # written through a view
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        s.backward()
    e = x.exp()  # Exp saves its output
    e[1:].relu_()
    with pytest.raises(RuntimeError, match=r"saved by Exp is at version 1"):
        e.sum().backward()


def test_views_made_under_no_grad_are_refused_as_torch():
    x = ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64, requires_grad=True)
    y = x * 2.0
    with ag.no_grad():
        v = y[:2]
    with pytest.raises(RuntimeError, match="created in no_grad mode and is being modified"):
        v.mul_(2.0)
    with pytest.raises(RuntimeError, match="created in no_grad mode, and its base"):
        y[2:].add_(1.0)  # a sibling written while the no_grad view lives
    np.testing.assert_array_equal(y.detach().numpy(), [2.0, 4.0, 6.0])
    with ag.no_grad():
        v.mul_(2.0)  # both in no_grad: a plain write
    np.testing.assert_array_equal(y.detach().numpy(), [4.0, 8.0, 6.0])
    buf = ag.zeros(3, dtype=ag.float64)  # a constant buffer
    with ag.no_grad():
        u = buf[:2]
    u.add_(1.0)  # a constant into a constant group: a plain write, as in torch
    with pytest.raises(RuntimeError, match="created in no_grad mode and is being modified"):
        u.copy_(x[:2] * 1.0)
    np.testing.assert_array_equal(buf.numpy(), [1.0, 1.0, 0.0])
    assert not buf.requires_grad and buf._version == 1


def test_errors_of_the_op_come_first_and_change_nothing():
    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    y = x * 1.0
    keep = y[0]
    node, base_node = keep.grad_fn, y.grad_fn
    v = y[:, 1:]
    with pytest.raises(ShapeError, match="copy_"):
        v.copy_(ag.ones(3, 3))
    with pytest.raises(TypeError):
        v.clamp_(min="a")
    assert y._version == 0 and keep.grad_fn is node and y.grad_fn is base_node
    np.testing.assert_array_equal(y.detach().numpy(), np.ones((2, 3)))


# -- a cuda run (the fake CuPy in CI) ---------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("name", ["slice_and_base", "complex_parts", "view_as_complex"])
def test_cuda_matches_cpu(name):
    fn, make = GRADCHECKS[name]
    res = []
    for dev in ("cpu", "cuda"):
        inputs = [ag.tensor(t.detach().numpy(), device=dev, requires_grad=True) for t in make()]
        out = fn(*inputs)
        g = ag.tensor(np.random.default_rng(5).standard_normal(out.shape), device=dev)
        grads = ag.grad((out * out * g).sum(), inputs, create_graph=True)
        s = sum((ag.view_as_real(gr) if ag.is_complex(gr) else gr).sum() for gr in grads)
        grads2 = ag.grad(s, inputs)
        res.append([out.cpu().detach().numpy()] + [t.cpu().detach().numpy() for t in grads2])
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-14)


@pytest.mark.gpu
def test_cuda_constant_buffer_and_overlap():
    w = ag.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    buf = ag.zeros(4, device="cuda")
    u = buf[1:3]
    buf[:2].copy_(w)
    assert u.requires_grad
    (u * u).sum().backward()
    np.testing.assert_allclose(w.grad.cpu().numpy(), [0.0, 4.0])
    with pytest.raises(MemoryOverlapError):
        ag.zeros(1, device="cuda").expand(3).add_(1.0)
