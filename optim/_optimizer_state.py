"""``Optimizer.state_dict`` / ``load_state_dict``: parameters numbered by position across the
groups, arrays copied both ways, a load validated in full before anything changes.

Split out of ``optim/optimizer.py``: ``Optimizer`` inherits these methods from
``_StateDictMixin``.
"""

from __future__ import annotations

import copy
import numbers
from collections import defaultdict

from autograd.tensor import Tensor

from ._optimizer_util import _copy_value, _foreign, _is_array, _to_like


class _StateDictMixin:
    """Mixin of ``Optimizer``: ``state_dict``, ``load_state_dict`` and the per-parameter state
    check of a load. Uses the optimizer's ``param_groups``, ``state``, ``_state_keys``,
    ``_lazy_keys``, ``_check_group`` and ``_init_state``."""

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
