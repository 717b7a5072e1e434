"""Parametrizations: a module's tensor computed on each access from unconstrained originals.

As ``torch.nn.utils.parametrize`` (reached as ``nn.utils.parametrize``)::

    class Symmetric(nn.Module):
        def forward(self, X):                  # X: (n, n) -> (n, n)
            return X.triu() + X.triu(1).T
        def right_inverse(self, A):            # optional: the original that gives A
            return A.triu()

    m = nn.Linear(5, 5)
    P.register_parametrization(m, "weight", Symmetric())
    m.weight                                   # Symmetric()(m.parametrizations.weight.original)
    m.weight = A                               # stores right_inverse(A) in the original

Registering turns the module's class into a subclass ``Parametrized<Class>`` holding a property
for the tensor, and adds a child ``parametrizations`` (a ModuleDict of ``ParametrizationList``),
so the state_dict keys are torch's: ``parametrizations.weight.original`` (or ``original0``,
``original1``, ... when ``right_inverse`` returns several tensors) and the parametrizations' own
parameters and buffers (``parametrizations.weight.0.<name>``).
"""

from __future__ import annotations

import copy
import copyreg
from collections.abc import Sequence
from contextlib import contextmanager

import autograd as ag
from autograd.tensor import Tensor

from .container import ModuleDict, ModuleList
from .module import Module
from .parameter import Parameter

__all__ = [
    "cached",
    "ParametrizationList",
    "register_parametrization",
    "is_parametrized",
    "remove_parametrizations",
    "type_before_parametrizations",
    "transfer_parametrizations_and_params",
]

_cache_enabled = 0
_cache: dict = {}


@contextmanager
def cached():
    """Within the context, each parametrized tensor is computed once (on first access) and
    reused; the cache is dropped on leaving the outermost ``cached()``.

    Useful when a parametrized tensor is read several times in one forward (an RNN's recurrent
    weight, shared weights)::

        with P.cached():
            out = model(x)
    """
    global _cache, _cache_enabled
    _cache_enabled += 1
    try:
        yield
    finally:
        _cache_enabled -= 1
        if not _cache_enabled:
            _cache = {}


def _register_parameter_or_buffer(module: Module, name: str, x) -> None:
    if isinstance(x, Parameter):
        module.register_parameter(name, x)
    else:
        module.register_buffer(name, x)


def _maybe_set(dest: Tensor, src: Tensor) -> None:
    """Point ``dest`` at ``src``'s array in place (torch's ``set_``): identity kept."""
    if src is not dest:
        dest.data = src


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor and its original(s): ``module.parametrizations[name]``.

    modules: the parametrizations (applied in order; the first one receives the originals).
    original: the parameter or buffer being parametrized. With a first ``right_inverse``
    returning one tensor (or no ``right_inverse``: the identity) it is kept as ``original``,
    its array replaced by ``right_inverse(original)``; a sequence of tensors is stored as
    ``original0``, ``original1``, ... (Parameters when ``original`` is one). unsafe: skip the
    check that the chain keeps the tensor's shape and dtype. Made by
    ``register_parametrization``, not by users.
    """

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False):
        if len(modules) == 0:
            raise ValueError("ParametrizationList requires one or more modules.")
        super().__init__(modules)
        self.unsafe = unsafe
        shape, dtype = tuple(original.shape), original.dtype
        with ag.no_grad():
            new = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    try:
                        new = module.right_inverse(new)
                    except NotImplementedError:
                        pass
        if not isinstance(new, (Tensor, Sequence)):
            raise ValueError(
                "'right_inverse' must return a Tensor or a Sequence of tensors (list, tuple...). "
                f"Got {type(new).__name__}"
            )
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if new.dtype != dtype:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the dtype.\n"
                    f"original.dtype: {dtype}\nright_inverse(original).dtype: {new.dtype}"
                )
            if new.device != original.device:
                raise ValueError(
                    "When `right_inverse` outputs one tensor, it may not change the device.\n"
                    f"original.device: {original.device}\n"
                    f"right_inverse(original).device: {new.device}"
                )
        else:
            for i, t in enumerate(new):
                if not isinstance(t, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a Tensor or a Sequence of tensors "
                        f"(list, tuple...). Got element {i} of the sequence with type "
                        f"{type(t).__name__}."
                    )
        if not unsafe:
            # checked on the new originals before the module changes (torch runs the same
            # forward once here, so a stateful parametrization advances as in torch)
            z = self[0](new) if self.is_tensor else self[0](*new)
            for module in list(self)[1:]:
                z = module(z)
            if not isinstance(z, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(z).__name__}.")
            if z.dtype != dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, "
                    f"unless `unsafe` flag is enabled.\nunparametrized dtype: {dtype}\n"
                    f"parametrized dtype: {z.dtype}"
                )
            if tuple(z.shape) != shape:
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, "
                    f"unless `unsafe` flag is enabled.\nunparametrized shape: {shape}\n"
                    f"parametrized shape: {tuple(z.shape)}"
                )
        if self.is_tensor:
            with ag.no_grad():
                _maybe_set(original, new)
            _register_parameter_or_buffer(self, "original", original)
        else:
            for i, t in enumerate(new):
                if isinstance(original, Parameter):
                    t = Parameter(t, original.requires_grad)
                elif original.requires_grad:
                    t = t.detach().requires_grad_(True)
                _register_parameter_or_buffer(self, f"original{i}", t)

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value`` through the chain's ``right_inverse`` methods (last to first) in the
        original(s), in place (no gradient). value: the parametrized tensor's shape."""
        with ag.no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise RuntimeError(
                        f"parametrization {type(module).__name__} does not implement right_inverse."
                    )
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ValueError(
                        f"`right_inverse` should return a tensor. Got {type(value).__name__}"
                    )
                if value.dtype != self.original.dtype:
                    raise ValueError(
                        f"The tensor returned by `right_inverse` has dtype {value.dtype} "
                        f"while `original` has dtype {self.original.dtype}"
                    )
                _maybe_set(self.original, value)
                return
            if not isinstance(value, Sequence):
                raise ValueError(
                    "'right_inverse' must return a sequence of tensors. "
                    f"Got {type(value).__name__}."
                )
            if len(value) != self.ntensors:
                raise ValueError(
                    "'right_inverse' must return a sequence of tensors of length "
                    f"{self.ntensors}. Got a sequence of length {len(value)}."
                )
            for i, t in enumerate(value):
                orig = getattr(self, f"original{i}")
                if not isinstance(t, Tensor):
                    raise ValueError(
                        "'right_inverse' must return a sequence of tensors. Got element "
                        f"{i} of type {type(t).__name__}."
                    )
                if t.dtype != orig.dtype:
                    raise ValueError(
                        f"Tensor {i} returned by `right_inverse` has dtype {t.dtype} while "
                        f"`original{i}` has dtype {orig.dtype}"
                    )
            for i, t in enumerate(value):
                _maybe_set(getattr(self, f"original{i}"), t)

    def forward(self):
        """The parametrized tensor: the chain applied to the original(s)."""
        mods = list(self)
        if self.is_tensor:
            x = mods[0](self.original)
        else:
            x = mods[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in mods[1:]:
            x = module(x)
        return x


def _getstate(self):
    raise RuntimeError(
        "Serialization of parametrized modules is only supported through state_dict(): save "
        "module.state_dict() and load it into a module parametrized the same way."
    )


def _default_deepcopy(self, memo):
    obj = memo.get(id(self))
    if obj is not None:
        return obj
    # a class of its own: removing a parametrization from the copy deletes its property
    # from its class, which must not break the original
    cls = type(self)
    replica = object.__new__(type(cls.__name__, cls.__bases__, dict(vars(cls))))
    memo[id(self)] = replica
    replica.__dict__ = copy.deepcopy(self.__dict__, memo)
    for slot in copyreg._slotnames(cls):
        if hasattr(self, slot):
            setattr(replica, slot, copy.deepcopy(getattr(self, slot), memo))
    return replica


def _inject_new_class(module: Module) -> None:
    """Give ``module`` a class of its own, ``Parametrized<Class>``, to hold the properties."""
    cls = type(module)
    dct = {"__getstate__": _getstate}
    if not hasattr(cls, "__deepcopy__"):
        dct["__deepcopy__"] = _default_deepcopy
    module.__class__ = type(f"Parametrized{cls.__name__}", (cls,), dct)


def _inject_property(module: Module, tensor_name: str) -> None:
    """Make ``module.<tensor_name>`` a property: read = the chain's output, write =
    ``right_inverse``."""

    def get_parametrized(self) -> Tensor:
        parametrization = self.parametrizations[tensor_name]
        if not _cache_enabled:
            return parametrization()
        key = (id(self), tensor_name)
        t = _cache.get(key)
        if t is None:
            t = _cache[key] = parametrization()
        return t

    def set_original(self, value: Tensor) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(type(module), tensor_name, property(get_parametrized, set_original))


def _check_args(fn: str, module, tensor_name) -> None:
    if not isinstance(module, Module):
        raise TypeError(f"{fn}: module must be an nn.Module, got {type(module).__name__}")
    if not isinstance(tensor_name, str):
        raise TypeError(f"{fn}: tensor_name must be a string, got {type(tensor_name).__name__}")


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make ``module.<tensor_name>`` computed as ``parametrization(original)`` on every access.

    module: holds a parameter or buffer named ``tensor_name`` (or an already parametrized
    one: the new parametrization is appended to its chain, applied to the chain's output).
    parametrization: an nn.Module whose forward maps the original(s) to a tensor of the same
    shape and dtype (checked unless ``unsafe``). Its optional ``right_inverse(X)`` gives the
    original(s) from a value X: called now on the current tensor (a sequence of tensors
    becomes ``original0``, ``original1``, ...) and on every ``module.<tensor_name> = X``.
    The parametrization takes the module's training mode. If the original requires grad the
    gradient flows through the parametrization to it. Returns ``module``.

    Raises ValueError when ``tensor_name`` names no parameter, buffer or parametrized tensor.
    """
    fn = "register_parametrization"
    _check_args(fn, module, tensor_name)
    if not isinstance(parametrization, Module):
        raise TypeError(
            f"{fn}: parametrization must be an nn.Module, got {type(parametrization).__name__}"
        )
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        if not unsafe:
            y = getattr(module, tensor_name)
            x = parametrization(y)
            if not isinstance(x, Tensor):
                raise ValueError(f"A parametrization must return a tensor. Got {type(x).__name__}.")
            if x.dtype != y.dtype:
                raise ValueError(
                    "Registering a parametrization may not change the dtype of the tensor, "
                    "unless the `unsafe` flag is enabled.\n"
                    f"module.{tensor_name}.dtype: {y.dtype}\n"
                    f"parametrization(module.{tensor_name}).dtype: {x.dtype}"
                )
            if tuple(x.shape) != tuple(y.shape):
                raise ValueError(
                    "Registering a parametrization may not change the shape of the tensor, "
                    "unless the `unsafe` flag is enabled.\n"
                    f"module.{tensor_name}.shape: {tuple(y.shape)}\n"
                    f"parametrization(module.{tensor_name}).shape: {tuple(x.shape)}"
                )
            if hasattr(parametrization, "right_inverse"):
                try:
                    z = parametrization.right_inverse(x)
                except NotImplementedError:
                    pass
                else:
                    if not isinstance(z, Tensor):
                        raise ValueError(
                            "parametrization.right_inverse must return a tensor. Got: "
                            f"{type(z).__name__}"
                        )
                    if z.dtype != y.dtype or tuple(z.shape) != tuple(y.shape):
                        raise ValueError(
                            "The tensor returned by parametrization.right_inverse must have the "
                            f"same dtype and shape as module.{tensor_name}, unless the `unsafe` "
                            f"flag is enabled.\nmodule.{tensor_name}: {y.dtype} "
                            f"{tuple(y.shape)}\nreturned: {z.dtype} {tuple(z.shape)}"
                        )
        plist = module.parametrizations[tensor_name]
        plist.append(parametrization)
        plist.unsafe |= unsafe
    elif tensor_name in module._parameters or tensor_name in module._buffers:
        original = getattr(module, tensor_name)
        if original is None:
            raise ValueError(
                f"{fn}: {type(module).__name__}.{tensor_name} is None: there is no tensor to "
                "parametrize"
            )
        plist = ParametrizationList([parametrization], original, unsafe=unsafe)
        delattr(module, tensor_name)
        if not is_parametrized(module):
            _inject_new_class(module)
            module.parametrizations = ModuleDict()
        _inject_property(module, tensor_name)
        module.parametrizations[tensor_name] = plist
    else:
        raise ValueError(
            f"{fn}: module {type(module).__name__} does not have a parameter, a buffer, or a "
            f"parametrized element with name '{tensor_name}'"
        )
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization on ``tensor_name`` (any, when None)."""
    parametrizations = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(parametrizations, ModuleDict):
        return False
    if tensor_name is None:
        return len(parametrizations) > 0
    return tensor_name in parametrizations


def remove_parametrizations(
    module: Module, tensor_name: str, leave_parametrized: bool = True
) -> Module:
    """Undo ``register_parametrization`` on ``tensor_name``: it becomes a plain parameter (or
    buffer) again.

    leave_parametrized: True keeps the current value (the chain's output, written into the
    original's tensor, so its identity and optimizer state survive); False restores the
    unparametrized original (only possible with a single original). When no parametrization is
    left the module gets its class back. Returns ``module``. Raises ValueError if
    ``tensor_name`` is not parametrized.
    """
    fn = "remove_parametrizations"
    _check_args(fn, module, tensor_name)
    if not is_parametrized(module, tensor_name):
        raise ValueError(
            f"{fn}: module {type(module).__name__} does not have a parametrization on "
            f"'{tensor_name}'"
        )
    plist = module.parametrizations[tensor_name]
    if plist.is_tensor:
        original = plist.original
        if leave_parametrized:
            with ag.no_grad():
                t = getattr(module, tensor_name)
                _maybe_set(original, t)
    else:
        if not leave_parametrized:
            raise ValueError(
                f"{fn}: cannot leave unparametrized (`leave_parametrized=False`) a tensor that "
                "is parametrized in terms of a sequence of tensors."
            )
        t = getattr(module, tensor_name)
        original = Parameter(t.detach(), True) if t.requires_grad else t
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_parameter_or_buffer(module, tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered (its class otherwise)."""
    if is_parametrized(module):
        return type(module).__bases__[0]
    return type(module)


def transfer_parametrizations_and_params(
    from_module: Module, to_module: Module, tensor_name: str | None = None
) -> Module:
    """Register ``from_module``'s parametrizations (all, or those on ``tensor_name``) on
    ``to_module`` too, sharing the parametrization modules and the original tensors (a
    missing tensor is first created on ``to_module`` as a Parameter). Returns ``to_module``."""
    if not is_parametrized(from_module):
        return to_module
    names = list(from_module.parametrizations) if tensor_name is None else [tensor_name]
    for name in names:
        if not hasattr(to_module, name):
            setattr(to_module, name, Parameter(getattr(from_module, name).detach()))
        src = from_module.parametrizations[name]
        for p in src:
            register_parametrization(to_module, name, p)
        dst = to_module.parametrizations[name]
        if src.is_tensor:
            dst.original = src.original
        else:
            for i in range(src.ntensors):
                setattr(dst, f"original{i}", getattr(src, f"original{i}"))
    return to_module
