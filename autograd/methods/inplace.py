"""In-place forms ``name_`` of out-of-place ops: ``x.exp_()`` is ``x`` overwritten with ``exp(x)``.

Each runs the op of the same name in ``autograd.ops`` on the raw arrays and writes the result
back through ``autograd.inplace.apply_op``, so it has the out-of-place op's argument checks and
the in-place safety rules (refused on tensors that require grad while recording; the version
counter bumped). The hand-written in-place ops (``add_``, ``mul_``, ``fill_``, ``copy_``, ...) are
in ``_tensor_inplace.py``.
"""

from __future__ import annotations


def _ops():
    from .. import ops  # late: autograd.ops imports the tensor module

    return ops


def _inplace(name: str):
    """The method ``name_``: self = autograd.name(self, *args, **kwargs), in place."""

    def method(self, *args, **kwargs):
        from ..inplace import apply_op

        return apply_op(self, name + "_", getattr(_ops(), name), *args, **kwargs)

    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = (
        f"In place: self overwritten with ``autograd.{name}(self, ...)`` (same arguments); "
        "returns self. Refused on a tensor that requires grad while recording."
    )
    return method


class InplaceMethods:
    """Mixin of ``Tensor``: the in-place forms of elementwise and indexed ops."""

    __slots__ = ()

    # the unary table and other elementwise ops
    abs_ = absolute_ = _inplace("abs")
    neg_ = negative_ = _inplace("neg")
    exp_ = _inplace("exp")
    expm1_ = _inplace("expm1")
    log_ = _inplace("log")
    log1p_ = _inplace("log1p")
    log2_ = _inplace("log2")
    sqrt_ = _inplace("sqrt")
    rsqrt_ = _inplace("rsqrt")
    sin_ = _inplace("sin")
    cos_ = _inplace("cos")
    tan_ = _inplace("tan")
    tanh_ = _inplace("tanh")
    sigmoid_ = _inplace("sigmoid")
    relu_ = _inplace("relu")
    erf_ = _inplace("erf")
    reciprocal_ = _inplace("reciprocal")
    square_ = _inplace("square")
    sign_ = _inplace("sign")
    floor_ = _inplace("floor")
    ceil_ = _inplace("ceil")
    trunc_ = _inplace("trunc")
    round_ = _inplace("round")
    clip_ = _inplace("clamp")
    # special.py and the table rows it added
    sinh_ = _inplace("sinh")
    cosh_ = _inplace("cosh")
    asinh_ = arcsinh_ = _inplace("asinh")
    acosh_ = arccosh_ = _inplace("acosh")
    atanh_ = arctanh_ = _inplace("atanh")
    asin_ = arcsin_ = _inplace("asin")
    acos_ = arccos_ = _inplace("acos")
    atan_ = arctan_ = _inplace("atan")
    log10_ = _inplace("log10")
    exp2_ = _inplace("exp2")
    sinc_ = _inplace("sinc")
    logit_ = _inplace("logit")
    erfc_ = _inplace("erfc")
    erfinv_ = _inplace("erfinv")
    lgamma_ = _inplace("lgamma")
    digamma_ = _inplace("digamma")
    frac_ = _inplace("frac")
    deg2rad_ = _inplace("deg2rad")
    rad2deg_ = _inplace("rad2deg")
    sgn_ = _inplace("sgn")
    atan2_ = arctan2_ = _inplace("atan2")
    hypot_ = _inplace("hypot")
    xlogy_ = _inplace("xlogy")
    fmod_ = _inplace("fmod")
    copysign_ = _inplace("copysign")
    lerp_ = _inplace("lerp")
    clamp_min_ = _inplace("clamp_min")
    clamp_max_ = _inplace("clamp_max")
    nan_to_num_ = _inplace("nan_to_num")
    addcmul_ = _inplace("addcmul")
    addcdiv_ = _inplace("addcdiv")
    # indexed writes (shape.py, indexing.py) and triangles (layout.py)
    scatter_add_ = _inplace("scatter_add")
    scatter_ = _inplace("scatter")
    scatter_reduce_ = _inplace("scatter_reduce")
    index_add_ = _inplace("index_add")
    index_copy_ = _inplace("index_copy")
    index_fill_ = _inplace("index_fill")
    index_put_ = _inplace("index_put")
    masked_scatter_ = _inplace("masked_scatter")
    put_ = _inplace("put")
    triu_ = _inplace("triu")
    tril_ = _inplace("tril")
