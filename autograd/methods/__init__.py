"""Tensor methods of the wider op set, grouped by the ops module they call.

``Tensor`` inherits these mixins (empty ``__slots__``, no state): each method is a thin call to the
entry point of the same name in ``autograd.ops``, documented there. The core methods (arithmetic,
the unary table, reductions, shape) stay in ``tensor.py``.
"""

from __future__ import annotations

from ._porting_extra import PortingMethods
from .complex import ComplexMethods
from .indexing import IndexingMethods
from .inplace import InplaceMethods
from .layout import LayoutMethods
from .linalg import LinalgMethods
from .sorting import SortingMethods
from .special import SpecialMethods
from .statistics import StatisticsMethods

__all__ = ["TensorMethods"]


class TensorMethods(
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
