"""Tensor methods, grouped by topic, in mixins that ``Tensor`` inherits (empty ``__slots__``, no
state).

The core mixins (``_tensor_*.py``: conversions and device / dtype moves, the hand-written in-place
ops, elementwise ops, reductions, shape) hold methods moved verbatim from ``tensor.py``; they use
that module's names (``_ops``, ``Tensor``, ...), bound by ``bind_tensor_names`` at its end. The
others hold the wider op set, each method a thin call to the entry point of the same name in
``autograd.ops``, documented there. The arithmetic operators (the per-op path), the basic
properties and graph management stay in ``tensor.py``.
"""

from __future__ import annotations

from . import (
    _tensor_convert,
    _tensor_elementwise,
    _tensor_inplace,
    _tensor_reductions,
    _tensor_shape,
)
from ._porting_extra import PortingMethods
from ._tensor_convert import ConversionMethods
from ._tensor_elementwise import ElementwiseMethods
from ._tensor_inplace import InplaceOpMethods
from ._tensor_reductions import ReductionMethods
from ._tensor_shape import ShapeMethods
from .complex import ComplexMethods
from .indexing import IndexingMethods
from .inplace import InplaceMethods
from .layout import LayoutMethods
from .linalg import LinalgMethods
from .sorting import SortingMethods
from .special import SpecialMethods
from .statistics import StatisticsMethods

__all__ = ["TensorMethods"]

_CORE = (_tensor_convert, _tensor_inplace, _tensor_elementwise, _tensor_reductions, _tensor_shape)


class TensorMethods(
    # the core mixins first: these methods were Tensor's own, so they win over any other mixin's
    ConversionMethods,
    InplaceOpMethods,
    ElementwiseMethods,
    ReductionMethods,
    ShapeMethods,
    SpecialMethods,
    SortingMethods,
    IndexingMethods,
    LinalgMethods,
    LayoutMethods,
    InplaceMethods,
    ComplexMethods,
    StatisticsMethods,
    PortingMethods,
):
    """All the mixins in one base class of ``Tensor``."""

    __slots__ = ()


def bind_tensor_names(namespace: dict) -> None:
    """Give the core mixins the names of ``autograd/tensor.py`` their methods use.

    namespace: that module's ``globals()``. Each ``_tensor_*.py`` lists the names it needs in
    ``_FROM_TENSOR`` (``_ops``, ``Tensor``, ``_tanh_fast``, ...). They load before those names
    exist (``Tensor`` inherits from them, and ``autograd.ops`` imports ``Tensor``), so
    ``tensor.py`` calls this once, at its end; afterwards a method reads them as plain globals
    of its module, as it did in ``tensor.py``.
    """
    for module in _CORE:
        for name in module._FROM_TENSOR:
            setattr(module, name, namespace[name])
