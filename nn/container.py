"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``,
``ParameterDict``."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from .module import Module, _addindent
from .parameter import Parameter

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _index(idx, n: int, what: str) -> int:
    idx = operator.index(idx)
    if not -n <= idx < n:
        raise IndexError(f"{what}: index {idx} is out of range for length {n}")
    return idx + n if idx < 0 else idx


class Sequential(Module):
    """Modules applied in order: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Built from modules (named '0', '1', ...) or from one OrderedDict of ``name: module``.
    Input and output shapes are those of the first and last module.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (OrderedDict, dict)):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        keys = list(self._modules)
        return self._modules[keys[_index(idx, len(keys), "Sequential")]]

    def __setitem__(self, idx, module: Module) -> None:
        keys = list(self._modules)
        self.add_module(keys[_index(idx, len(keys), "Sequential")], module)

    def __delitem__(self, idx) -> None:
        keys = list(self._modules)
        if isinstance(idx, slice):
            for k in keys[idx]:
                del self._modules[k]
        else:
            del self._modules[keys[_index(idx, len(keys), "Sequential")]]
        if all(k.isdigit() for k in self._modules):  # keep '0', '1', ... contiguous
            mods = list(self._modules.values())
            self._modules.clear()
            for i, m in enumerate(mods):
                self._modules[str(i)] = m

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        """Append each module of ``modules``; returns self."""
        for m in modules:
            self.append(m)
        return self

    def __add__(self, other: Sequential) -> Sequential:
        """A new Sequential of self's modules, then ``other``'s (the same module objects)."""
        if not isinstance(other, Sequential):
            return NotImplemented
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            return NotImplemented
        return self.extend(list(other))

    def __mul__(self, n: int) -> Sequential:
        """A new Sequential repeating self's modules ``n`` times (the same objects, shared)."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"Sequential * n: n must be a positive int, got {n!r}")
        return Sequential(*(list(self) * n))

    __rmul__ = __mul__

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index``; returns self."""
        mods = list(self._modules.values())
        n = len(mods)
        if list(self._modules) != [str(i) for i in range(n)]:
            raise ValueError(
                f"Sequential.insert: the modules have names ({', '.join(self._modules)}), and "
                "inserting renumbers them (their state_dict keys would change); build a new "
                "Sequential from an OrderedDict instead"
            )
        index = operator.index(index)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for length {n}")
        mods.insert(index + n if index < 0 else index, module)
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)
        return self

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at ``index``."""
        m = self[index]
        del self[index]
        return m

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]


class ModuleList(Module):
    """A list of modules, registered as children '0', '1', ... (no forward of its own)."""

    def __init__(self, modules: Iterable[Module] | None = None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __repr__(self):
        # runs of modules that print alike are shown once, "(0-2): 3 x Linear(...)", as torch
        reprs = [repr(m) for m in self]
        if not reprs:
            return self._get_name() + "()"
        runs = []  # [first index, last index, repr]
        for i, r in enumerate(reprs):
            if runs and runs[-1][2] == r:
                runs[-1][1] = i
            else:
                runs.append([i, i, r])
        lines = []
        for first, last, r in runs:
            head = f"({first})" if first == last else f"({first}-{last}): {last - first + 1} x"
            lines.append(_addindent(f"{head}: {r}" if first == last else f"{head} {r}", 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(idx, len(self), "ModuleList"))]

    def __setitem__(self, idx, module: Module) -> None:
        self.add_module(str(_index(idx, len(self), "ModuleList")), module)

    def __delitem__(self, idx) -> None:
        mods = list(self._modules.values())
        if isinstance(idx, slice):
            del mods[idx]
        else:
            del mods[_index(idx, len(mods), "ModuleList")]
        self._modules.clear()
        for i, m in enumerate(mods):
            self._modules[str(i)] = m

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList(list(self) + list(other))

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of ``modules``; returns self."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                f"ModuleList.extend should be called with an iterable, got {type(modules).__name__}"
            )
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        mods = list(self._modules.values())
        mods.insert(operator.index(index), module)
        self._modules.clear()
        for i, m in enumerate(mods):
            self.add_module(str(i), m)

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at ``index``."""
        m = self[index]
        del self[index]
        return m

    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            "ModuleList has no forward: iterate over it in your module's forward"
        )

    def __dir__(self):
        return [k for k in super().__dir__() if not k.isdigit()]


class _Registry:
    """The read-only mapping protocol over one of a Module's registries (named by ``_registry``).

    ModuleDict and ParameterDict differ only in the registry and in how ``__setitem__`` stores.
    """

    _registry = "_modules"

    def __getitem__(self, key: str):
        return getattr(self, self._registry)[key]

    def __delitem__(self, key: str) -> None:
        del getattr(self, self._registry)[key]

    def __len__(self) -> int:
        return len(getattr(self, self._registry))

    def __iter__(self):
        return iter(getattr(self, self._registry))

    def __contains__(self, key) -> bool:
        return key in getattr(self, self._registry)

    def keys(self):
        """The names, in insertion order."""
        return getattr(self, self._registry).keys()

    def items(self):
        """``(name, value)`` pairs, in insertion order."""
        return getattr(self, self._registry).items()

    def values(self):
        """The values, in insertion order."""
        return getattr(self, self._registry).values()

    def get(self, key: str, default=None):
        """The value under ``key``, or ``default``."""
        return getattr(self, self._registry).get(key, default)

    def clear(self) -> None:
        """Remove every entry."""
        getattr(self, self._registry).clear()

    def pop(self, key: str):
        """Remove ``key`` and return its value."""
        v = self[key]
        del self[key]
        return v

    def update(self, values) -> None:
        """Add entries from a mapping (another ModuleDict / ParameterDict too) or an iterable
        of ``(name, value)`` pairs."""
        name = type(self).__name__
        if isinstance(values, (Mapping, _Registry)):
            items = list(values.items())
        elif isinstance(values, Iterable):
            items = []
            for j, pair in enumerate(values):
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(f"{name}.update: element #{j} should be a (name, value) pair")
                items.append(pair)
        else:
            raise TypeError(
                f"{name}.update needs a mapping or an iterable, got {type(values).__name__}"
            )
        for k, v in items:
            self[k] = v


class ModuleDict(_Registry, Module):
    """An ordered dict of modules ``{name: module}``, registered as children (no forward)."""

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleDict has no forward: index it in your module's forward")


class ParameterList(Module):
    """A list of parameters, registered as '0', '1', ... (tensors are wrapped as Parameters)."""

    def __init__(self, values: Iterable | None = None):
        super().__init__()
        if values is not None:
            for v in values:
                self.append(v)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters.values())

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return ParameterList(list(self._parameters.values())[idx])
        return self._parameters[str(_index(idx, len(self), "ParameterList"))]

    def __setitem__(self, idx, value) -> None:
        i = _index(idx, len(self), "ParameterList")
        self.register_parameter(str(i), value if isinstance(value, Parameter) else Parameter(value))

    def append(self, value) -> ParameterList:
        """Add a parameter (a Tensor is wrapped, sharing its array); returns self."""
        p = value if isinstance(value, Parameter) else Parameter(value)
        self.register_parameter(str(len(self)), p)
        return self

    def extend(self, values: Iterable) -> ParameterList:
        """Append every value; returns self."""
        for v in values:
            self.append(v)
        return self

    def extra_repr(self) -> str:
        return "\n".join(
            f"({k}): Parameter containing: [Tensor of shape {tuple(p.shape)}, dtype {p.dtype}]"
            for k, p in self._parameters.items()
        )


class ParameterDict(_Registry, Module):
    """An ordered dict of parameters ``{name: Parameter}`` (tensors are wrapped)."""

    _registry = "_parameters"

    def __init__(self, parameters: Mapping | Iterable | None = None):
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __setitem__(self, key: str, value) -> None:
        self.register_parameter(key, value if isinstance(value, Parameter) else Parameter(value))

    def extra_repr(self) -> str:
        return "\n".join(
            f"({k}): Parameter containing: [Tensor of shape {tuple(p.shape)}, dtype {p.dtype}]"
            for k, p in self._parameters.items()
        )
