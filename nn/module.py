"""``Module``: the base class of layers and models, with PyTorch's API.

A module owns parameters (``Parameter``), buffers (non-learnable tensors such as running
statistics) and child modules, all registered by plain attribute assignment::

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(4, 8)         # a child module
            self.scale = nn.Parameter(ag.ones(8))
            self.register_buffer("steps", ag.zeros((), dtype=ag.int64))

        def forward(self, x):                 # x: (N, 4) -> (N, 8)
            return self.fc1(x).relu() * self.scale

Calling the module runs forward pre-hooks, ``forward`` and forward hooks.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

import autograd as ag
from autograd import dtypes as _dt
from autograd.device import parse_to_args
from autograd.tensor import Tensor

# hook registration and state dicts live in their own modules (mixins of Module); every name
# defined there is re-exported here
from ._module_hooks import RemovableHandle, _handle_ids, _HooksMixin  # noqa: F401
from ._module_state import (  # noqa: F401
    IncompatibleKeys,
    _convert_like,
    _run_load_pre_hooks,
    _StateDictMixin,
    _swap_data,
    _value_array,
)
from .parameter import Buffer, Parameter

__all__ = ["Module", "RemovableHandle"]


def _addindent(s: str, n: int) -> str:
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


def _check_name(kind: str, name) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')


class Module(_HooksMixin, _StateDictMixin):
    """Base class for all layers and models.

    Subclasses call ``super().__init__()`` first, assign parameters, buffers and submodules as
    attributes, and implement ``forward``. ``module(*args)`` runs the hooks around ``forward``.
    """

    training: bool
    _version = 1

    def __init__(self):
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_pre_hooks_with_kwargs"] = set()
        d["_forward_hooks"] = OrderedDict()
        d["_forward_hooks_with_kwargs"] = set()
        d["_backward_hooks"] = OrderedDict()
        d["_backward_pre_hooks"] = OrderedDict()

    # -- forward and hooks -------------------------------------------------------------------

    def forward(self, *args, **kwargs):
        """Compute the module's output; every subclass defines it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        if not (
            self._forward_pre_hooks
            or self._forward_hooks
            or self._backward_hooks
            or self._backward_pre_hooks
        ):
            return self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_pre_hooks.items()):
            if hid in self._forward_pre_hooks_with_kwargs:
                res = hook(self, args, kwargs)
                if res is not None:
                    if not (isinstance(res, tuple) and len(res) == 2):
                        raise RuntimeError(
                            "forward pre-hook registered with with_kwargs=True must return None "
                            f"or a tuple (new_args, new_kwargs), got {res!r}"
                        )
                    args, kwargs = res
            else:
                res = hook(self, args)
                if res is not None:
                    args = res if isinstance(res, tuple) else (res,)
        call = None
        if (self._backward_hooks or self._backward_pre_hooks) and ag.is_grad_enabled():
            from ._backward_hooks import wrap_inputs

            args, call = wrap_inputs(self, args)
        out = self.forward(*args, **kwargs)
        for hid, hook in list(self._forward_hooks.items()):
            if hid in self._forward_hooks_with_kwargs:
                res = hook(self, args, kwargs, out)
            else:
                res = hook(self, args, out)
            if res is not None:
                out = res
        if call is not None:  # after the forward hooks, as PyTorch: grad_output is the final one
            from ._backward_hooks import wrap_output

            out = wrap_output(out, call)
        return out

    # -- registration --------------------------------------------------------------------------

    def _require_init(self, what: str):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {what} before Module.__init__() call "
                f"(call super().__init__() first in {type(self).__name__}.__init__)"
            )

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared but absent one) under ``name``."""
        self._require_init("parameters")
        _check_name("parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                "(nn.Parameter or None required)"
            )
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a buffer: a tensor that is state but not a parameter (e.g. running statistics).

        Buffers move with ``to()`` and, when ``persistent``, are saved in ``state_dict()``.
        """
        self._require_init("buffers")
        _check_name("buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' "
                "(Tensor or None required)"
            )
        if isinstance(tensor, (Buffer, Parameter)):
            tensor = _plain(tensor)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module (or None) under ``name``."""
        self._require_init("child modules")
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name("module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            self._require_init("parameters")
            _remove_from(name, d, self._buffers, self._modules, self._non_persistent_buffers)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    "(nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            self._require_init("child modules")
            _remove_from(name, d, params, self._buffers, self._non_persistent_buffers)
            self._modules[name] = value
        elif d.get("_modules") is not None and name in d["_modules"]:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' "
                    "(nn.Module or None expected)"
                )
            d["_modules"][name] = None
        elif isinstance(value, Buffer):
            self._require_init("buffers")
            _remove_from(name, d, params, self._modules, set())
            self.register_buffer(name, value, persistent=value.persistent)
        elif d.get("_buffers") is not None and name in d["_buffers"]:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as buffer '{name}' "
                    "(Tensor or None expected)"
                )
            d["_buffers"][name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str):
        d = self.__dict__
        if "_parameters" in d:
            if name in d["_parameters"]:
                return d["_parameters"][name]
            if name in d["_buffers"]:
                return d["_buffers"][name]
            if name in d["_modules"]:
                return d["_modules"][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if name in d.get("_parameters", ()):
            del d["_parameters"][name]
        elif name in d.get("_buffers", ()):
            del d["_buffers"][name]
            d["_non_persistent_buffers"].discard(name)
        elif name in d.get("_modules", ()):
            del d["_modules"][name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        keys = list(super().__dir__())
        keys += list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(set(k for k in keys if not k[0].isdigit()))

    def __setstate__(self, state):
        self.__dict__.update(state)
        for name in ("_backward_hooks", "_backward_pre_hooks"):  # pickles from before them
            self.__dict__.setdefault(name, OrderedDict())

    def get_submodule(self, target: str) -> Module:
        """The submodule at dotted path ``target`` ('' is self); AttributeError if absent."""
        mod = self
        if target == "":
            return mod
        for item in target.split("."):
            if item not in mod._modules or mod._modules[item] is None:
                raise AttributeError(
                    f"{type(mod).__name__} has no submodule `{item}` (in '{target}')"
                )
            mod = mod._modules[item]
        return mod

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at dotted path ``target`` (e.g. ``'0.weight'``)."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._parameters:
            raise AttributeError(f"{type(mod).__name__} has no parameter `{name}`")
        return mod._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``."""
        mod_path, _, name = target.rpartition(".")
        mod = self.get_submodule(mod_path)
        if name not in mod._buffers:
            raise AttributeError(f"{type(mod).__name__} has no buffer `{name}`")
        return mod._buffers[name]

    # -- iteration -----------------------------------------------------------------------------

    def _named_members(self, get, prefix="", recurse=True, remove_duplicate=True):
        memo = set()
        mods = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]  # fmt: skip
        for mod_prefix, mod in mods:
            for k, v in get(mod):
                if v is None or (remove_duplicate and id(v) in memo):
                    continue
                if remove_duplicate:
                    memo.add(id(v))
                yield (mod_prefix + "." + k if mod_prefix else k), v

    def parameters(self, recurse: bool = True):
        """Iterate over parameters (each once), this module's and, if ``recurse``, descendants'."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate=True):
        """Iterate over ``(dotted_name, parameter)`` pairs, e.g. ``('0.weight', p)``."""
        yield from self._named_members(
            lambda m: m._parameters.items(), prefix, recurse, remove_duplicate
        )

    def buffers(self, recurse: bool = True):
        """Iterate over buffers (each once)."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate=True):
        """Iterate over ``(dotted_name, buffer)`` pairs."""
        yield from self._named_members(
            lambda m: m._buffers.items(), prefix, recurse, remove_duplicate
        )

    def children(self):
        """Iterate over the direct child modules (each once)."""
        for _, m in self.named_children():
            yield m

    def named_children(self):
        """Iterate over ``(name, child)`` pairs of direct children."""
        memo = set()
        for name, m in self._modules.items():
            if m is not None and id(m) not in memo:
                memo.add(id(m))
                yield name, m

    def modules(self):
        """Iterate over all modules in the tree, self first (each once)."""
        for _, m in self.named_modules():
            yield m

    def named_modules(self, memo=None, prefix: str = "", remove_duplicate: bool = True):
        """Iterate over ``(dotted_name, module)`` for the whole tree, self first as ``''``.

        remove_duplicate: a module reachable under several names is yielded once (else under
        each name, as ``state_dict`` needs; a module that contains itself is still not walked
        twice down one path). Depth-first with an explicit stack, so very deep trees do not hit
        the recursion limit.
        """
        if memo is None:
            memo = set()
        stack = [(prefix, self, ())]
        while stack:
            name, mod, above = stack.pop()
            if remove_duplicate:
                if id(mod) in memo:
                    continue
                memo.add(id(mod))
            elif id(mod) in above:
                continue
            yield name, mod
            path = above if remove_duplicate else above + (id(mod),)
            kids = [
                (name + "." + k if name else k, m, path)
                for k, m in mod._modules.items()
                if m is not None
            ]
            stack.extend(reversed(kids))

    # -- modes and gradients -------------------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Set training mode (``training = mode``) on this module, then ``train(mode)`` on
        each child (so a child's own ``train`` override applies, as in PyTorch)."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for m in self.children():  # each child's own train() (it may keep parts frozen)
            m.train(mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``): dropout off, batch norm uses running stats."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (e.g. False to freeze a layer)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's ``.grad``: to None (default) or to zeros in place."""
        for p in self.parameters():
            g = p._grad
            if g is None:
                continue
            if set_to_none:
                p._grad = None
            elif g._node is not None or g._rg:
                p._grad = ag.zeros_like(g.detach())
            else:
                with ag.no_grad():
                    g.zero_()

    # -- devices and dtypes --------------------------------------------------------------------

    def _apply_to_tensors(self, fn, params_too: bool = True):
        """Replace every parameter's and buffer's array by ``fn(tensor)``'s (identity kept).

        All new arrays are computed first, then assigned: a failing conversion changes nothing.
        """
        plan = []
        with ag.no_grad():
            for m in self.modules():
                if params_too:
                    for p in m._parameters.values():
                        if p is None:
                            continue
                        new = fn(p.detach())
                        g = p._grad
                        newg = None if g is None else fn(g.detach())
                        plan.append((p, new, g, newg))
                for b in m._buffers.values():
                    if b is not None:
                        plan.append((b, fn(b.detach()), None, None))
        for t, new, g, newg in plan:
            if new._data is not t._data:
                _swap_data(t, new._data)
            if g is not None and newg._data is not g._data:
                t._grad = Tensor(newg._data)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Move parameters and buffers: ``to(device)``, ``to(dtype)`` or ``to(device, dtype)``.

        A dtype (floating point or complex) applies to floating point and complex tensors only
        (integer buffers keep theirs), as in PyTorch: ``to(ag.cfloat)`` makes a real layer
        complex (imaginary parts 0); a complex tensor cast to a real dtype loses its imaginary
        part (with a warning). Parameters keep their identity (their arrays are replaced), so an
        optimiser built before the move keeps working. Returns self.
        """
        device, dtype = parse_to_args(args, kwargs)
        if dtype is not None:
            dtype = _dt.as_dtype(dtype)
            if dtype.kind not in "fc":
                raise TypeError(
                    "nn.Module.to only accepts floating point or complex dtypes, but got "
                    f"desired dtype={dtype}"
                )

        def convert(t):
            if dtype is not None and t.dtype.kind in "fc":
                t = t.to(dtype)
            if device is not None:
                t = t.to(device)
            return t

        return self._apply_to_tensors(convert)

    def cpu(self) -> Module:
        """Move everything to the CPU."""
        return self.to("cpu")

    def cuda(self, device=None) -> Module:
        """Move everything to the GPU (``cuda`` or ``cuda:N``)."""
        return self.to("cuda" if device is None else f"cuda:{int(device)}")

    def _to_real_float(self, dtype) -> Module:
        """Cast the real floating point parameters and buffers to ``dtype``; complex and integer
        ones keep theirs (PyTorch's ``float()``/``double()``/``half()``)."""
        dtype = np.dtype(dtype)
        return self._apply_to_tensors(lambda t: t.to(dtype) if t.dtype.kind == "f" else t)

    def float(self) -> Module:
        """Cast floating point parameters and buffers to float32 (complex ones keep theirs)."""
        return self._to_real_float(np.float32)

    def double(self) -> Module:
        """Cast floating point parameters and buffers to float64 (complex ones keep theirs)."""
        return self._to_real_float(np.float64)

    def half(self) -> Module:
        """Cast floating point parameters and buffers to float16 (complex ones keep theirs)."""
        return self._to_real_float(np.float16)

    def apply(self, fn) -> Module:
        """Call ``fn(module)`` on every descendant (children first) and then self; returns self.

        Typical use: custom initialisation, ``model.apply(init_weights)``.
        """
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # -- repr ----------------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in ``repr`` (override in layers)."""
        return ""

    def _get_name(self) -> str:
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        child_lines = []
        for key, module in self._modules.items():
            mod_str = _addindent(repr(module), 2)
            child_lines.append(f"({key}): {mod_str}")
        lines += child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra.split("\n")) == 1 and not child_lines:
                main += extra
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _plain(t: Tensor) -> Tensor:
    out = Tensor(t._data)
    out._vc = t._vc if t._vc is not None else None
    return out


def _remove_from(name, d, *containers):
    for c in containers:
        if c is None:
            continue
        if isinstance(c, set):
            c.discard(name)
        elif name in c:
            del c[name]
    d.pop(name, None)
