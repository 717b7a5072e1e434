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

from collections import defaultdict

import numpy as np

from autograd.dtypes import COMPLEX
from autograd.errors import ShapeError
from autograd.grad_mode import enable_grad
from autograd.ops.complex_parts import _real_view  # noqa: F401 - optim/lbfgs.py imports it here
from autograd.tensor import Tensor
from backends import array_module, device_of

from ._optimizer_state import _StateDictMixin

# the helpers live in _optimizer_util.py; every name is re-exported here (the optimisers import
# the option checks from this module)
from ._optimizer_util import (  # noqa: F401
    _TORCH_FLAGS,
    _all_finite,
    _as_real,
    _back_to_complex,
    _check_torch_flags,
    _copy_value,
    _foreign,
    _is_array,
    _same_device,
    _to_complex,
    _to_like,
    _where,
    _Workspace,
    check_betas,
    check_bool,
    check_nonneg,
    check_range,
)

__all__ = ["Optimizer", "NonFiniteGradError"]


class NonFiniteGradError(ValueError):
    """A gradient holds NaN or Inf and the optimizer was made with ``check_finite=True``."""


class Optimizer(_StateDictMixin):
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
