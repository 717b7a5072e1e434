"""ag.finfo / ag.iinfo (torch.finfo / torch.iinfo), ag.vmap, ag.autograd.Variable."""

import pytest

import autograd as ag

torch = pytest.importorskip("torch")

FLOATS = [("float16", "float16"), ("float32", "float32"), ("float64", "float64"),
          ("complex64", "complex64"), ("complex128", "complex128")]  # fmt: skip
INTS = ["int8", "uint8", "int16", "int32", "int64"]


@pytest.mark.parametrize("ours, theirs", FLOATS)
def test_finfo_matches_torch(ours, theirs):
    a, b = ag.finfo(getattr(ag, ours)), torch.finfo(getattr(torch, theirs))
    for name in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(a, name) == getattr(b, name), name
    assert type(a.eps) is float and type(a.bits) is int


def test_finfo_default_and_errors():
    assert ag.finfo().dtype == "float32" and ag.finfo("double").bits == 64
    with pytest.raises(TypeError, match="int32 is not a floating point dtype; use iinfo"):
        ag.finfo(ag.int32)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_matches_torch(name):
    a, b = ag.iinfo(getattr(ag, name)), torch.iinfo(getattr(torch, name))
    assert (a.bits, a.min, a.max, a.dtype) == (b.bits, b.min, b.max, b.dtype)
    assert type(a.max) is int


def test_iinfo_refuses_floats_and_bool_as_torch():
    for d in (ag.float32, ag.bool_):
        with pytest.raises(TypeError, match="is not an integer dtype; use finfo"):
            ag.iinfo(d)


def test_top_level_vmap_and_no_leaked_names():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert ag.vmap(lambda r: r.sum())(x).tolist() == [3.0, 7.0]
    assert not hasattr(ag, "annotations")


def test_variable_is_a_new_leaf_sharing_data_as_torch():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    v = ag.autograd.Variable(y)  # the graph behind y is not followed
    assert v.is_leaf and not v.requires_grad and v is not y
    (v * y).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0]  # torch's; following v's graph would give [8, 16]
    w = ag.autograd.Variable(x, requires_grad=True)
    assert w is not x and w.requires_grad and w.is_leaf
    w.detach()[0] = 5.0  # shares memory
    assert x.detach().tolist()[0] == 5.0
    assert isinstance(x, ag.autograd.Variable) and not isinstance(3, ag.autograd.Variable)
    with pytest.raises(TypeError, match="Variable data has to be a tensor, but got list"):
        ag.autograd.Variable([1.0])
