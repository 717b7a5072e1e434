"""``Parameter``: a Tensor that a Module registers as learnable when assigned as an attribute.

w = nn.Parameter(ag.randn(4, 3))      # requires_grad=True, shares the tensor's array
model.weight = w                      # Module.__setattr__ registers it in model._parameters
"""

from __future__ import annotations

import numpy as np

import autograd as ag
from autograd.tensor import Tensor, _shared_vc, _to_array

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A leaf Tensor that modules register as a parameter (``requires_grad=True`` by default).

    data: a Tensor (its array and version counter are shared, no copy), an array (shared when
    no conversion is needed), a nested list or a scalar; None gives an empty float tensor.
    Shapes are the data's. Integer or bool data needs ``requires_grad=False``.
    """

    __slots__ = ()

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = np.empty((0,), dtype=ag.get_default_dtype())
        arr = _to_array(data, copy=False)
        self._data = arr
        self._node = None
        self._rg = False
        self._grad = None
        self._vc = _shared_vc(data, arr)
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce__(self):
        d = self._data if type(self._data) is np.ndarray else self._data.get()
        return (_rebuild_parameter, (d, self._rg))

    def __deepcopy__(self, memo):
        key = id(self)
        if key in memo:
            return memo[key]
        p = Parameter(self._data.copy(), requires_grad=self._rg)
        if self._grad is not None:
            p._grad = Tensor(self._grad._data.copy())
        memo[key] = p
        return p


def _rebuild_parameter(data, requires_grad):
    return Parameter(np.array(data, copy=True), requires_grad=requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    ``self.running_mean = nn.Buffer(ag.zeros(4))`` is ``register_buffer('running_mean', ...)``;
    the Module stores a plain Tensor sharing the array. ``persistent=False`` keeps it out of
    ``state_dict()``.
    """

    __slots__ = ()
    persistent = True

    def __init__(self, data, persistent: bool = True):
        arr = _to_array(data, copy=False)
        self._data = arr
        self._node = None
        self._rg = False
        self._grad = None
        self._vc = _shared_vc(data, arr)
        self._hooks = None
        if not persistent:
            # a slotted class has no instance dict: a subclass records the flag
            self.__class__ = _NonPersistentBuffer


class _NonPersistentBuffer(Buffer):
    __slots__ = ()
    persistent = False
