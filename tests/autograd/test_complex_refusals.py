"""Complex operands that torch refuses get a TypeError naming the op (not NumPy's ufunc error,
nor a silent lexicographic order)."""

import pytest

import autograd as ag

Z = [1 + 2j, -3 + 0.5j]


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda z: z % 2, "remainder"),
        (lambda z: 2.0 % z, "remainder"),
        (lambda z: ag.tensor([1.0, 2.0]) % z, "remainder"),
        (lambda z: z // 2, "floor_divide"),
        (lambda z: ag.fmod(z, 2), "fmod"),
        (lambda z: ag.atan2(z, z), "atan2"),
        (lambda z: ag.round(z), "round"),
        (lambda z: ag.round(z, decimals=1), "round"),
        (lambda z: ag.unique(z), "unique"),
        (lambda z: ag.unique_consecutive(z), "unique_consecutive"),
        (lambda z: ag.searchsorted(ag.tensor([1 + 0j, 2 + 0j]), z), "searchsorted"),
        (lambda z: ag.searchsorted(ag.tensor([1.0, 2.0]), 1j), "searchsorted"),
    ],
)
def test_refused_with_the_op_name(call, name):
    with pytest.raises(TypeError, match=f"^{name}: not supported for complex tensors"):
        call(ag.tensor(Z))


def test_real_operands_still_work():
    x = ag.tensor([5.0, -7.5])
    assert (x % 2).tolist() == [1.0, 0.5] and (x // 2).tolist() == [2.0, -4.0]
    assert ag.round(ag.tensor([0.5, 1.5])).tolist() == [0.0, 2.0]


def test_complex_value_into_a_real_tensor():
    x = ag.ones(3)
    with pytest.raises(TypeError, match=r"setitem: a complex value \(\(2\+3j\)\) can't be"):
        x[0] = 2 + 3j
    assert x.tolist() == [1.0, 1.0, 1.0]  # nothing written
    # a complex tensor is cast, with NumPy's ComplexWarning (torch warns and casts alike)
    with pytest.warns(Warning, match="discards the imaginary part"):
        x[1:] = ag.tensor(Z)
    assert x.tolist() == [1.0, 1.0, -3.0]
    x[0] = 2.5
    assert x.tolist() == [2.5, 1.0, -3.0]
    with pytest.raises(TypeError, match="float\\(\\): a complex tensor"):
        float(ag.tensor([1 + 2j]))
    with pytest.raises(TypeError, match="int\\(\\): a complex tensor"):
        int(ag.tensor([1 + 2j]))
    assert float(ag.tensor([2.5])) == 2.5


def test_tensor_masked_fill_casts_and_checks_as_torch():
    x = ag.arange(3)
    assert x.masked_fill(x > 0, 1.5).tolist() == [0, 1, 1]  # cast to int64, as torch
    assert x.masked_fill(x > 0, 1.5).dtype == ag.int64
    with pytest.raises(RuntimeError, match="masked_fill: value 1j cannot be converted to type"):
        ag.ones(2).masked_fill(ag.tensor([True, False]), 1j)  # torch's error and wording
    with pytest.raises(TypeError, match="only supports boolean masks"):
        ag.ones(3).masked_fill(ag.tensor([1, 0, 1]), 7.0)


def test_fill_with_a_complex_value_names_the_op():
    r = ag.ones(2)
    with pytest.raises(TypeError, match="fill_: a complex value \\(1j\\) can't fill"):
        r.fill_(1j)
    assert r.tolist() == [1.0, 1.0]
    z = ag.ones(2, dtype=ag.complex64)
    assert z.fill_(1j).tolist() == [1j, 1j]


def test_div_rounding_modes_match_torch():
    torch = pytest.importorskip("torch")
    import numpy as np

    vals = [-7, 7, -8, 6, 0]
    for a, b in [(vals, 2), (vals, -3), ([-7.0, 7.5, -0.5], 2), (vals, [2, -2, 3, -3, 1])]:
        for mode in ("floor", "trunc"):
            ours = ag.div(
                ag.tensor(a), b if isinstance(b, int) else ag.tensor(b), rounding_mode=mode
            )
            theirs = torch.div(
                torch.tensor(a), b if isinstance(b, int) else torch.tensor(b), rounding_mode=mode
            )
            np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    x = ag.tensor([1.5, -2.5], requires_grad=True)
    x.div(2, rounding_mode="trunc").sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    y = ag.tensor([-7.0, 3.0])
    assert y.div_(2, rounding_mode="floor").tolist() == [-4.0, 1.0]
    with pytest.raises(ValueError, match="rounding_mode to be one of None, 'trunc', or 'floor'"):
        ag.div(y, 2, rounding_mode="round")
