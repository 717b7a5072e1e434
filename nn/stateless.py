"""Calling a module with other parameters: ``functional_call`` (``torch.func.functional_call``,
also ``nn.utils.stateless.functional_call``).

The module's parameters and buffers named in the given dicts are swapped for the given tensors
for one call and restored afterwards (also when the call raises), so a model can be run, and
differentiated, as a function of its weights: meta-learning inner loops, per-sample gradients
with ``autograd.func.vmap(grad(...))``, ensembles over stacked weights.
"""

from __future__ import annotations

from autograd.tensor import Tensor

__all__ = ["functional_call"]


def _merge(dicts) -> dict:
    if isinstance(dicts, dict):
        return dict(dicts)
    if not isinstance(dicts, (tuple, list)) or not all(isinstance(d, dict) for d in dicts):
        raise TypeError(
            "functional_call: parameter_and_buffer_dicts must be a dict or a tuple of dicts, got "
            f"{type(dicts).__name__}"
        )
    out = {}
    for d in dicts:
        clash = sorted(set(out) & set(d))
        if clash:
            raise ValueError(f"functional_call: {clash} appear in more than one of the dicts")
        out.update(d)
    return out


def _slot(module, key: str):
    """``(owner_module, attribute, kind)`` for dotted ``key``; kind 'p', 'b' or None (an
    attribute that is neither a parameter nor a buffer)."""
    path, _, name = key.rpartition(".")
    try:
        owner = module.get_submodule(path)
    except AttributeError as e:
        raise AttributeError(f"functional_call: key '{key}': {e}") from None
    if name in owner._parameters:
        return owner, name, "p"
    if name in owner._buffers:
        return owner, name, "b"
    if name in owner._modules:
        raise TypeError(
            f"functional_call: key '{key}' names a submodule ({type(owner._modules[name]).__name__}"
            "), not a parameter or buffer"
        )
    if isinstance(getattr(type(owner), name, None), property):
        # a parametrized tensor: its class (one per module, nn.parametrize) computes it
        return owner, name, "prop"
    return owner, name, None


def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights: bool = True, strict: bool = False):  # fmt: skip
    """``module(*args, **kwargs)`` run with some parameters and buffers replaced.

    parameter_and_buffer_dicts: ``{dotted_name: Tensor}`` (as ``named_parameters`` names
    them), or a tuple of such dicts with distinct keys. args: one argument or a tuple of them.
    tie_weights: a parameter shared under several names (tied weights) takes the given tensor
    under all of them when only one name is given. strict: every parameter and buffer must be
    given and every key must name one. The module is restored afterwards, also on error.
    Returns what ``module`` returns.
    """
    values = _merge(parameter_and_buffer_dicts)
    for k, v in values.items():
        if not isinstance(k, str):
            raise TypeError(f"functional_call: keys must be str, got {k!r}")
        if v is not None and not isinstance(v, Tensor):
            raise TypeError(
                f"functional_call: the value for '{k}' must be a Tensor, got {type(v).__name__}"
            )
    slots = {k: _slot(module, k) for k in values}
    named = list(module.named_parameters(remove_duplicate=False)) + list(
        module.named_buffers(remove_duplicate=False)
    )
    if tie_weights:  # every alias of a replaced tensor takes the replacement
        by_id, given = {}, {}
        for k in list(values):
            owner, name, kind = slots[k]
            if kind in ("p", "b"):
                orig = (owner._parameters if kind == "p" else owner._buffers)[name]
                if id(orig) in by_id and by_id[id(orig)] is not values[k]:
                    raise ValueError(
                        f"functional_call: got different values for keys '{given[id(orig)]}' "
                        f"and '{k}', which are tied; give one value, or pass tie_weights=False"
                    )
                by_id[id(orig)], given[id(orig)] = values[k], k
        for k, t in named:
            if k not in values and id(t) in by_id:
                values[k] = by_id[id(t)]
                slots[k] = _slot(module, k)
    if strict:
        unexpected = sorted(k for k, s in slots.items() if s[2] is None)
        missing = sorted({k for k, _ in named} - set(values))
        if unexpected or missing:
            raise RuntimeError(
                f"functional_call: strict=True: missing key(s) {missing}, unexpected key(s) "
                f"{unexpected} for {type(module).__name__}"
            )
    saved = []
    try:
        for k, v in values.items():
            owner, name, kind = slots[k]
            if kind == "prop":  # shadow the property on the module's own class
                cls = type(owner)
                saved.append((cls, name, "prop", cls.__dict__[name]))
                setattr(cls, name, v)
            elif kind is None:
                saved.append((owner, name, None, owner.__dict__.get(name, _ABSENT)))
                object.__setattr__(owner, name, v)
            else:
                store = owner._parameters if kind == "p" else owner._buffers
                saved.append((owner, name, store, store[name]))
                store[name] = v
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for owner, name, store, old in reversed(saved):
            if store == "prop":
                setattr(owner, name, old)
            elif store is not None:
                store[name] = old
            elif old is _ABSENT:
                owner.__dict__.pop(name, None)
            else:
                owner.__dict__[name] = old


_ABSENT = object()
