"""``Optimizer``: param groups, per-parameter state, an all-or-nothing ``step`` and state dicts.

Every optimiser is a subclass that names its options (``defaults``), checks them
(``_check_group``), says which state it keeps (``_state_keys``, ``_init_state``) and updates one
param group's raw arrays in place (``_update_group``, which calls the algorithm's functional core).
The base class does the rest, PyTorch's way:

* ``param_groups``: a list of dicts, each with ``"params"`` (a list of Tensors) and every option;
  a group's own options override the defaults. ``add_param_group`` appends one.
* ``state``: per-parameter state, ``state[p]`` a dict of arrays (shaped like ``p``) and Python
  numbers (``step``), created lazily at a parameter's first update.
* ``step(closure=None)``: checks every gradient first (shape, dtype and device equal to its
  parameter's; finite too when the optimizer was made with ``check_finite=True``), every array
  state likewise (a parameter cast or moved, e.g. by ``module.to()``, after its state was made
  is refused: ``load_state_dict(state_dict())`` converts the state) and every group's options,
  and raises before any parameter or state is touched. Only then does it update,
  with recording off and ``out=`` ufuncs on ``p._data`` and the state arrays: no graph, no new
  parameter arrays. Parameters whose ``.grad`` is None are skipped.
* ``state_dict()`` / ``load_state_dict()``: parameters are numbered by position across groups;
  arrays are copied both ways. A load is validated in full before anything changes.

Temporaries come from a small workspace (flat buffers reused across steps, one per slot, dtype and
device, as large as the largest parameter), so a step allocates nothing in steady state.

Complex parameters are handled here once, as PyTorch does (``torch.view_as_real``): a complex
parameter (...) is updated as the real array (..., 2) of its [re, im] pairs, its gradient and
array state likewise, each a view sharing memory, so every rule (``g * g``, ``|g|``, ``sign``,
comparisons) treats a complex number as two real ones and stays written once. The state is kept
complex, shaped like the parameter (as in ``torch.optim``), so state dicts load both ways; state
the first update makes (``_init_state``, lazy keys) is made on the real view and stored complex,
so a fill value ``v`` becomes ``v + vj`` (PyTorch's Adagrad and Rprop do the same).
"""

from __future__ import annotations

import copy
import numbers
from collections import defaultdict

import numpy as np

from autograd.dtypes import COMPLEX
from autograd.errors import ShapeError
from autograd.grad_mode import enable_grad
from autograd.ops.complex_parts import _real_view  # view_as_real's view, any layout, cupy too
from autograd.tensor import Tensor
from backends import array_module, array_types, device_of

__all__ = ["Optimizer", "NonFiniteGradError"]


class NonFiniteGradError(ValueError):
    """A gradient holds NaN or Inf and the optimizer was made with ``check_finite=True``."""


# -- option checks shared by the optimisers (ValueError, with PyTorch's wording) ------------------


def _where(gi) -> str:
    return "" if gi is None else f" (param group {gi})"


def check_nonneg(group: dict, key: str, label: str, gi) -> None:
    """Raise ValueError unless ``group[key]`` is a real number >= 0 (NaN is refused)."""
    v = group[key]
    if isinstance(v, Tensor):
        v = v.item()
    if not isinstance(v, numbers.Real) or isinstance(v, bool) or not v >= 0.0:
        raise ValueError(f"Invalid {label}: {v!r}{_where(gi)}")


def check_range(group: dict, key: str, label: str, gi, lo: float, hi: float, hi_open=False):
    """Raise ValueError unless ``lo <= group[key] <= hi`` (``< hi`` when ``hi_open``)."""
    v = group[key]
    ok = isinstance(v, numbers.Real) and not isinstance(v, bool) and lo <= v <= hi
    if ok and hi_open and v == hi:
        ok = False
    if not ok:
        raise ValueError(f"Invalid {label}: {v!r}{_where(gi)}")


def check_betas(group: dict, gi, key: str = "betas") -> None:
    """Raise ValueError unless ``group[key]`` is a pair of numbers in ``[0, 1)``."""
    betas = group[key]
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise ValueError(
            f"Invalid {key}: expected a pair (beta1, beta2), got {betas!r}{_where(gi)}"
        )
    for i, b in enumerate(betas):
        if not isinstance(b, numbers.Real) or isinstance(b, bool) or not 0.0 <= b < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {b!r}{_where(gi)}")


def check_bool(group: dict, key: str, gi) -> None:
    """Raise ValueError unless ``group[key]`` is a bool (numpy bools accepted)."""
    if not isinstance(group[key], (bool, np.bool_)):
        raise ValueError(f"Invalid {key}: expected a bool, got {group[key]!r}{_where(gi)}")


class _Workspace:
    """Scratch arrays for the update's temporaries, reused across steps.

    ``like(a, slot)`` returns an uninitialised array with ``a``'s shape, dtype and device, a view
    into a flat buffer kept per ``(slot, dtype, device)`` and grown to the largest size asked for.
    Two different slots never overlap; the same slot is the same memory for every shape.
    """

    __slots__ = ("_pools", "_views")

    def __init__(self):
        self._pools = {}
        self._views = {}

    def like(self, a, slot: int):
        """A scratch array shaped like ``a`` (contents undefined)."""
        cls = type(a)
        dev = None if cls is np.ndarray else device_of(a)
        key = (slot, a.shape, a.dtype, cls, dev)
        v = self._views.get(key)
        if v is None:
            v = self._make(a, key)
        return v

    def _make(self, a, key):
        slot, shape, dtype, cls, dev = key
        pkey = (slot, dtype, cls, dev)
        n = a.size
        pool = self._pools.get(pkey)
        if pool is None or pool.size < n:
            xp = array_module(a)
            if xp is not np:
                with xp.cuda.Device(a.device.id):
                    pool = xp.empty(max(n, 1), dtype=dtype)
            else:
                pool = np.empty(max(n, 1), dtype=dtype)
            self._pools[pkey] = pool
            # views into the old buffer are dropped; the old buffer is freed with them
            for k in [k for k in self._views if (k[0], k[2], k[3], k[4]) == pkey]:
                del self._views[k]
        v = pool[:n].reshape(shape)
        self._views[key] = v
        return v

    def clear(self) -> None:
        """Free every scratch buffer (they are made again on the next step)."""
        self._pools.clear()
        self._views.clear()


def _same_device(pa, ga) -> bool:
    if type(pa) is not type(ga):
        return False
    if type(pa) is np.ndarray:
        return True
    return device_of(pa) == device_of(ga)


def _foreign(v):
    """A torch tensor (a state loaded from ``torch.optim``) as a numpy array; else ``v``."""
    if not isinstance(v, Tensor) and all(hasattr(v, a) for a in ("detach", "cpu", "numpy")):
        return v.detach().cpu().numpy()
    return v


def _is_array(v) -> bool:
    return isinstance(v, array_types()) or type(v).__module__.startswith("cupy")


# PyTorch's implementation switches: foreach/fused pick its kernels and capturable is for CUDA
# graphs; tapegrad has one vectorised step, so they are accepted and change nothing.
# differentiable=True (a step recorded on the tape) is not supported.
_TORCH_FLAGS = ("foreach", "fused", "capturable", "differentiable")


def _check_torch_flags(name: str, flags: dict) -> None:
    """TypeError for a keyword that is not one of PyTorch's switches; NotImplementedError for
    differentiable=True."""
    for k in flags:
        if k not in _TORCH_FLAGS:
            raise TypeError(f"{name}.__init__() got an unexpected keyword argument '{k}'")
    if flags.get("differentiable"):
        raise NotImplementedError(
            f"{name}: differentiable=True (an optimiser step recorded for autograd) is not "
            "supported; the step runs under no_grad"
        )


class Optimizer:
    """Base class of the optimisers: param groups, lazy per-parameter state, all-or-nothing steps.

    params: an iterable of Tensors, of ``(name, Tensor)`` pairs, or of dicts (param groups), each
        with ``"params"`` and any options that differ from ``defaults``.
    defaults: the options every group gets unless it sets its own (``lr``, ...).
    check_finite: when True, ``step()`` also refuses gradients holding NaN or Inf (raising
        ``NonFiniteGradError``, a ValueError, before anything changes), so one bad batch cannot
        poison the weights and the moment estimates. Costs one reduction per parameter; off by
        default. May be changed later as ``opt.check_finite``.

    Subclasses set ``_state_keys`` (state key -> ``"array"``, ``"int"`` or ``"float"``) and
    implement ``_check_group``, ``_init_state`` and ``_update_group``.
    """

    #: state key -> kind ("array": shaped like the parameter, "int", "float"); for load checks
    _state_keys: dict[str, str] = {}
    #: state keys the update makes itself when missing (e.g. after an option was switched on)
    _lazy_keys: frozenset = frozenset()

    def __init__(self, params, defaults: dict, *, check_finite: bool = False, **torch_flags):
        _check_torch_flags(type(self).__name__, torch_flags)
        self.defaults = dict(defaults)
        self.check_finite = bool(check_finite)
        self.state: defaultdict[Tensor, dict] = defaultdict(dict)
        self.param_groups: list[dict] = []
        self._ws = _Workspace()
        self._check_group(dict(self.defaults), None)
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or "
                f"dicts, but got {type(params).__name__}"
            )
        if isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        groups = [params] if isinstance(params, dict) else list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    # -- groups --------------------------------------------------------------------------------

    def add_param_group(self, param_group: dict) -> None:
        """Append a param group: ``{"params": [...], option: value, ...}``.

        Options it does not set come from ``defaults``. Raises TypeError for a non-Tensor
        parameter, ValueError for a non-leaf tensor, a parameter listed twice or already in
        another group, or an invalid option; nothing is added then.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError("param_group must have a 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        names = None
        if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
            names = [n for n, _ in params]
            params = [p for _, p in params]
            if not all(isinstance(n, str) for n in names):
                raise TypeError("named parameters must be (str, Tensor) pairs")
        gi = len(self.param_groups)
        seen = set()
        for pi, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, but parameter "
                    f"{pi} of param group {gi} is a {type(p).__name__}"
                )
            if not p.is_leaf:
                raise ValueError(
                    f"can't optimize a non-leaf Tensor (parameter {pi} of param group {gi}, "
                    f"shape {tuple(p.shape)})"
                )
            if id(p) in seen:
                raise ValueError(
                    f"parameter {pi} of param group {gi} (shape {tuple(p.shape)}) is listed twice"
                )
            seen.add(id(p))
        for gj, other in enumerate(self.param_groups):
            for p in other["params"]:
                if id(p) in seen:
                    raise ValueError(
                        "some parameters appear in more than one parameter group: a parameter "
                        f"of shape {tuple(p.shape)} is already in param group {gj}"
                    )
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self._check_group(group, gi)
        group["params"] = params
        if names is not None:
            group["param_names"] = names
        else:
            group.pop("param_names", None)
        self.param_groups.append(group)

    def _check_group(self, group: dict, gi) -> None:
        """Raise ValueError if an option of ``group`` (param group ``gi``) is invalid."""

    # -- gradients -----------------------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default), or to zeros in place."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g._node is not None:
                        g.detach_()
                    g._data.fill(0)

    def _collect(self):
        """Check every group and gradient; return ``[(group, params, grad arrays, cplx)]``,
        ``cplx`` the positions of the complex parameters in ``params`` (None when there are none).

        Raises (before anything is changed) naming the group, the parameter's index and shape,
        and the problem: ShapeError (shape), TypeError (dtype or not a Tensor), RuntimeError
        (device), NonFiniteGradError (NaN/Inf, with ``check_finite``), ValueError (an option).
        """
        work = []
        check_finite = self.check_finite
        state = self.state
        array_keys = [k for k, kind in self._state_keys.items() if kind == "array"]
        for gi, group in enumerate(self.param_groups):
            self._check_group(group, gi)
            ps, gs = [], []
            cplx = None
            for pi, p in enumerate(group["params"]):
                g = p._grad
                if g is None:
                    continue
                pa = p._data
                if type(pa) is np.ndarray and not pa.flags.writeable:
                    self._bad(gi, pi, p, group, "the parameter's array is read-only", ValueError)
                if not isinstance(g, Tensor):
                    self._bad(gi, pi, p, group, f"gradient is a {type(g).__name__}, not a Tensor")
                ga = g._data
                if ga.shape != pa.shape:
                    self._bad(gi, pi, p, group, f"gradient has shape {tuple(ga.shape)}", ShapeError)
                dt = pa.dtype
                if ga.dtype != dt:
                    self._bad(gi, pi, p, group, f"gradient has dtype {ga.dtype}", TypeError)
                if type(ga) is not type(pa) or (
                    type(pa) is not np.ndarray and not _same_device(pa, ga)
                ):
                    self._bad(gi, pi, p, group, f"gradient is on {device_of(ga)}", RuntimeError)
                if check_finite and not _all_finite(ga):
                    xp = array_module(ga)
                    n_nan = int(xp.isnan(ga).sum())
                    n_inf = int(xp.isinf(ga).sum())
                    self._bad(
                        gi,
                        pi,
                        p,
                        group,
                        f"gradient is not finite ({n_nan} NaN, {n_inf} Inf of {ga.size} elements)",
                        NonFiniteGradError,
                    )
                st = state.get(p) if array_keys else None
                if st:
                    self._check_state(gi, pi, p, group, st, array_keys)
                if dt in COMPLEX:  # the one complex test per parameter (see step)
                    if cplx is None:
                        cplx = []
                    cplx.append(len(ps))
                ps.append(p)
                gs.append(ga)
            if ps:
                work.append((group, ps, gs, cplx))
        return work

    def _check_state(self, gi, pi, p, group, st, array_keys):
        """Raise (through ``_bad``) if an array state of ``p`` no longer matches it: a parameter
        cast or moved after the state was made (``module.to(...)`` mid-training) would otherwise
        be updated from state of another dtype, shape or device."""
        pa = p._data
        cpu, dt, sh = type(pa) is np.ndarray, pa.dtype, pa.shape
        reload = "optimizer.load_state_dict(optimizer.state_dict())"
        for key in array_keys:
            v = st.get(key)
            if v is None or (cpu and type(v) is np.ndarray and v.dtype is dt and v.shape == sh):
                continue  # the common case, decided without the calls below
            if not _is_array(v):
                continue
            if v.dtype != pa.dtype:
                if (v.dtype.kind == "c") != (pa.dtype.kind == "c"):
                    fix = "a state cannot be cast between real and complex: start it afresh "
                    fix += "(a new optimizer, or del optimizer.state[param])"
                else:
                    fix = f"cast the state with {reload}, or start it afresh (a new optimizer)"
                problem = (
                    f"state {key!r} has dtype {v.dtype}, the parameter {pa.dtype} (was the "
                    "parameter cast, e.g. by module.to(), after the optimizer's first step?); "
                    + fix
                )
                exc = TypeError
            elif v.shape != pa.shape:
                problem = f"state {key!r} has shape {tuple(v.shape)}, the parameter "
                problem += str(tuple(pa.shape))
                exc = ShapeError
            elif not _same_device(pa, v):
                problem = f"state {key!r} is on {device_of(v)} (was the parameter moved after "
                problem += f"the optimizer's first step?); move the state with {reload}"
                exc = RuntimeError
            else:
                continue
            self._bad(gi, pi, p, group, problem, exc)

    def _bad(self, gi, pi, p, group, problem, exc=TypeError):
        names = group.get("param_names")
        name = f" {names[pi]!r}" if names else ""
        raise exc(
            f"{type(self).__name__}.step: param group {gi}, parameter {pi}{name} (shape "
            f"{tuple(p.shape)}, dtype {p.dtype}, device {p.device}): {problem}. "
            "No parameter or state was changed."
        )

    # -- the step ------------------------------------------------------------------------------

    def step(self, closure=None):
        """Update every parameter that has a gradient, or raise and change nothing.

        closure: optional callable that clears the gradients, recomputes the loss, calls
            ``backward()`` and returns the loss; it runs with recording on (``enable_grad``).
        Returns the closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        work = self._collect()
        state = self.state
        ws = self._ws
        for group, ps, gs, cplx in work:
            states = [state[p] for p in ps]
            arrays = [p._data for p in ps]
            # complex parameters: their arrays, gradients and states become real views here
            made = None if cplx is None else _as_real(arrays, gs, states, cplx)
            for a, st in zip(arrays, states):
                if not st:
                    st.update(self._init_state(a, group))
            self._update_group(group, arrays, gs, states, ws)
            if made is not None:
                _back_to_complex([state[ps[i]] for i in cplx], [states[i] for i in cplx], made)
            for p in ps:
                vc = p._vc
                if vc is not None:  # records that saved p must not backprop through new values
                    vc[0] += 1
        return loss

    def _init_state(self, p, group: dict) -> dict:
        """The fresh state of parameter array ``p`` in ``group`` (before its first update)."""
        return {}

    def _update_group(self, group: dict, params: list, grads: list, states: list, ws) -> None:
        """Update ``params`` (arrays) in place from ``grads`` (arrays) and their ``states``."""
        raise NotImplementedError

    # -- state dicts ---------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """``{"state": {index: {key: copy}}, "param_groups": [{options, "params": [index]}]}``.

        Parameters are numbered by position across the groups, in order. Arrays are copied, so
        the dict does not change as training goes on.
        """
        index = {}
        groups = []
        for group in self.param_groups:
            g = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            g["params"] = ids
            groups.append(g)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state.get(p)
                if st:
                    state[index[id(p)]] = {k: _copy_value(v) for k, v in st.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Load options and state saved by ``state_dict()``; the trajectory continues identically.

        Checks everything first and raises ValueError naming the problem (group count, group
        sizes, unknown parameter ids, unknown state keys, state shapes, invalid options), in
        which case nothing changes. Arrays are copied, cast to the parameter's dtype and moved
        to its device.
        """
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            raise ValueError(
                "load_state_dict: expected a dict with 'state' and 'param_groups' (as returned by "
                "state_dict())"
            )
        saved_groups = state_dict["param_groups"]
        saved_state = state_dict["state"]
        if not isinstance(saved_state, dict):
            raise ValueError("load_state_dict: 'state' must be a dict {param index: state}")
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"load_state_dict: the state dict has {len(saved_groups)} parameter groups, but "
                f"the optimizer has {len(self.param_groups)}"
            )
        id_to_param = {}
        new_groups = []
        for gi, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if not isinstance(saved, dict) or "params" not in saved:
                raise ValueError(f"load_state_dict: param group {gi} has no 'params' entry")
            ids = list(saved["params"])
            if len(ids) != len(group["params"]):
                raise ValueError(
                    f"load_state_dict: param group {gi} has {len(ids)} parameters in the state "
                    f"dict, but {len(group['params'])} in the optimizer"
                )
            for pi, (i, p) in enumerate(zip(ids, group["params"])):
                if not isinstance(i, numbers.Integral) or isinstance(i, bool) or i in id_to_param:
                    raise ValueError(
                        f"load_state_dict: param group {gi}, parameter {pi}: id {i!r} is not a "
                        "unique integer"
                    )
                id_to_param[int(i)] = (gi, pi, p)
            new = {
                k: copy.deepcopy(v) for k, v in saved.items() if k not in ("params", "param_names")
            }
            for k, v in group.items():
                if k not in new and k not in ("params", "param_names"):
                    new[k] = v  # an option the saved dict lacks keeps its current value
            self._check_group(new, gi)
            new["params"] = group["params"]
            if "param_names" in group:
                new["param_names"] = group["param_names"]
            new_groups.append(new)
        new_state = defaultdict(dict)
        for i, st in saved_state.items():
            if i not in id_to_param:
                raise ValueError(f"load_state_dict: state for unknown parameter id {i!r}")
            gi, pi, p = id_to_param[i]
            new_state[p] = self._load_param_state(st, p, new_groups[gi], gi, pi)
        for group, new in zip(self.param_groups, new_groups):
            group.clear()
            group.update(new)
        self.state = new_state

    def _load_param_state(self, st, p: Tensor, group: dict, gi: int, pi: int) -> dict:
        """Check one parameter's saved state against ``_state_keys``; return a converted copy."""
        where = f"load_state_dict: param group {gi}, parameter {pi} (shape {tuple(p.shape)})"
        if not isinstance(st, dict):
            raise ValueError(f"{where}: state must be a dict, got {type(st).__name__}")
        if not st:
            return {}
        out = {}
        for key, v in st.items():
            kind = self._state_keys.get(key)
            if kind is None:
                known = ", ".join(self._state_keys) or "none"
                raise ValueError(
                    f"{where}: unknown state key {key!r} for {type(self).__name__} (known: {known})"
                )
            v = _foreign(v)
            if kind == "array":
                if isinstance(v, Tensor):
                    v = v._data
                if not _is_array(v):
                    raise ValueError(f"{where}: state {key!r} must be an array, got {type(v)}")
                if tuple(v.shape) != tuple(p.shape):
                    raise ValueError(
                        f"{where}: state {key!r} has shape {tuple(v.shape)}, expected "
                        f"{tuple(p.shape)}"
                    )
                if v.dtype.kind not in "fc":
                    raise ValueError(f"{where}: state {key!r} has dtype {v.dtype}")
                if v.dtype.kind == "c" and p.dtype.kind != "c":
                    raise ValueError(
                        f"{where}: state {key!r} is complex ({v.dtype}) but the parameter is "
                        f"{p.dtype} (casting would drop the imaginary part)"
                    )
                if v.dtype.kind != "c" and p.dtype.kind == "c":
                    raise ValueError(
                        f"{where}: state {key!r} is real ({v.dtype}) but the parameter is "
                        f"{p.dtype} (a complex parameter's state is complex, as in torch)"
                    )
                out[key] = _to_like(v, p._data)
            elif kind == "int":
                if isinstance(v, Tensor) or _is_array(v):
                    v = v.item() if v.size == 1 else v
                if not isinstance(v, numbers.Real) or isinstance(v, bool) or v != int(v) or v < 0:
                    raise ValueError(f"{where}: state {key!r} must be an integer >= 0, got {v!r}")
                out[key] = int(v)
            else:
                if isinstance(v, Tensor) or _is_array(v):
                    v = v.item() if v.size == 1 else v
                if not isinstance(v, numbers.Real) or isinstance(v, bool):
                    raise ValueError(f"{where}: state {key!r} must be a number, got {v!r}")
                out[key] = float(v)
        init = self._init_state(p._data, group)
        missing = [k for k in init if k not in out and k not in self._lazy_keys]
        if missing:
            raise ValueError(f"{where}: state is missing {', '.join(missing)}")
        return out

    # -- misc ----------------------------------------------------------------------------------

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for gi, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {gi}")
            for k in sorted(group):
                if k not in ("params", "param_names"):
                    lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)


def _all_finite(a) -> bool:
    """Whether every element of ``a`` is finite: one sum, then a full check if it overflowed."""
    xp = array_module(a)
    if a.size == 0:
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        s = a.sum()
    if bool(xp.isfinite(s)):
        return True  # NaN or Inf anywhere makes the sum NaN or Inf
    return bool(xp.isfinite(a).all())


def _as_real(arrays, grads, states, cplx):
    """Swap the complex parameters' arrays, gradients and state dicts (positions ``cplx``) for
    real views, in the lists given. Returns, per position, the views made of its state arrays."""
    made = []
    for i in cplx:
        arrays[i] = _real_view(arrays[i])
        grads[i] = _real_view(grads[i])
        st = states[i]
        views = {k: _real_view(v) for k, v in st.items() if _is_array(v) and v.dtype.kind == "c"}
        vst = dict(st)
        vst.update(views)
        states[i] = vst
        made.append(views)
    return made


def _back_to_complex(originals, viewed, made):
    """Write what an update did to the real-view state dicts ``viewed`` back to the complex
    parameters' own state dicts ``originals``: numbers, and arrays made during the update (fresh
    or lazy state, real (..., 2)) as complex arrays; the views of ``made`` were updated in place."""
    for st, vst, views in zip(originals, viewed, made):
        for k, v in vst.items():
            if views.get(k) is v:
                continue
            if _is_array(v) and v.dtype.kind == "f" and v.ndim and v.shape[-1] == 2:
                v = _to_complex(v)
            st[k] = v
        for k in [k for k in st if k not in vst]:
            del st[k]


def _to_complex(r):
    """Real array (..., 2) of [re, im] pairs as a complex array (...) (a view when its last axis
    is contiguous, else of a contiguous copy)."""
    if r.strides[-1] != r.itemsize:
        r = array_module(r).ascontiguousarray(r)
    return r.view(np.result_type(r.dtype, np.complex64))[..., 0]


def _copy_value(v):
    if isinstance(v, Tensor):
        return v._data.copy()
    if _is_array(v):
        return v.copy()
    return copy.deepcopy(v)


def _to_like(v, p):
    """A copy of array ``v`` with ``p``'s dtype, on ``p``'s device."""
    xp = array_module(p)
    if xp is np:
        if type(v) is not np.ndarray:
            v = v.get()
        return np.array(v, dtype=p.dtype, copy=True)
    with xp.cuda.Device(p.device.id):
        return xp.array(v, dtype=p.dtype, copy=True)
