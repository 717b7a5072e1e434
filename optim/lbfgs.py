"""L-BFGS (Nocedal and Wright, "Numerical Optimization", algorithms 7.4 and 3.5-3.6), with
PyTorch's options, defaults and iteration rules, so a ``torch.optim.LBFGS`` loop ports as is::

    opt = optim.LBFGS(model.parameters(), lr=1, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    opt.step(closure)          # up to max_iter iterations, re-evaluating through the closure

All parameters are handled as one flat vector (one param group). Each iteration takes the
direction d = -H g from the two-loop recursion over the last ``history_size`` curvature pairs
(s = step, y = change of gradient; a pair is kept only when y.s > 1e-10), scaled by
H0 = y.s / y.y; the first iteration steps by min(1, 1 / |g|_1) * lr along -g. With
``line_search_fn=None`` the step is lr; with ``"strong_wolfe"`` a bracketing line search with
cubic interpolation finds t meeting the strong Wolfe conditions (c1 = 1e-4, c2 = 0.9, at most
the ``max_eval`` evaluations left in the step), as PyTorch's: on a piecewise-linear loss, where
the interpolating cubic degenerates, it clamps to the bracket as PyTorch's tensor arithmetic does.
"""

from __future__ import annotations

import numpy as np

from autograd.errors import ShapeError
from autograd.grad_mode import enable_grad, no_grad
from backends import array_module, device_of

from .optimizer import Optimizer, _real_view, _same_device, check_nonneg

__all__ = ["LBFGS"]

_ARRAY_KEYS = ("d", "prev_flat_grad")
_LIST_KEYS = ("old_dirs", "old_stps")
_NUMBER_KEYS = ("func_evals", "n_iter", "t", "H_diag", "prev_loss")


class LBFGS(Optimizer):
    """Limited-memory BFGS over all parameters as one vector; ``step(closure)`` runs up to
    ``max_iter`` iterations.

    lr (1): step scale; max_iter (20): iterations per ``step``; max_eval (max_iter * 5 // 4):
    closure evaluations per ``step``; tolerance_grad (1e-7): stop when max |g| is at most this;
    tolerance_change (1e-9): stop when the step or the loss change is smaller; history_size
    (100): curvature pairs kept; line_search_fn: None (fixed step) or ``"strong_wolfe"``.
    ``step`` needs a closure that re-evaluates the loss and its gradients and returns the loss;
    it returns the loss of the closure's first call. One param group only (as PyTorch).
    State (in ``state_dict``): the iteration counters, the last direction and step size, the
    previous gradient and loss, and the curvature pairs (flat vectors). The scalars of the
    recursion (y.s, step sizes, line-search values) are Python floats (double precision): with
    float64 parameters the iterates equal PyTorch's up to the last bit of its fused p + t d
    (a degenerate line search, e.g. on a linear loss, can amplify that); with float32 ones they
    differ from PyTorch's float32 arithmetic by rounding (about 1e-4 over a few dozen
    iterations).
    A complex parameter counts as its real view (..., 2), as in PyTorch: the flat vectors are
    real, with two entries (re, im) per complex element.
    """

    def __init__(
        self,
        params,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
        *,
        check_finite: bool = False,
    ):
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(
            lr=lr,
            max_iter=max_iter,
            max_eval=max_eval,
            tolerance_grad=tolerance_grad,
            tolerance_change=tolerance_change,
            history_size=history_size,
            line_search_fn=line_search_fn,
        )
        super().__init__(params, defaults, check_finite=check_finite)
        if len(self.param_groups) != 1:
            raise ValueError(
                "LBFGS doesn't support per-parameter options (parameter groups): got "
                f"{len(self.param_groups)} groups"
            )
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        """LBFGS takes one group: a second one raises ValueError."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _check_group(self, group, gi):
        check_nonneg(group, "lr", "learning rate", gi)
        for key in ("max_iter", "max_eval", "history_size"):
            v = group.get(key)
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"LBFGS: {key} must be an integer >= 1, got {v!r}")
        check_nonneg(group, "tolerance_grad", "tolerance_grad", gi)
        check_nonneg(group, "tolerance_change", "tolerance_change", gi)
        fn = group.get("line_search_fn")
        if fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {fn!r}")

    # -- the flat vector ---------------------------------------------------------------------------

    def _flat_grad(self):
        """The gradients as one real vector (zeros for a parameter without one), checked first.

        A complex parameter counts as its real view (..., 2) (PyTorch's rule): its [re, im]
        pairs are two entries each, so every inner product of the recursion is real.
        """
        self._collect()  # shapes, dtypes, devices (and finiteness with check_finite)
        parts = []
        for p in self._params:
            g = p._grad
            a = _real(p._data)
            if g is None:
                parts.append(array_module(a).zeros(a.size, a.dtype))
            else:
                parts.append(_real(g._data).ravel())
        xp = array_module(self._params[0]._data)
        return xp.concatenate(parts)

    def _add(self, t: float, d) -> None:
        """p += t * d (d's slice of each parameter's real view), in place."""
        t = float(t)  # a Python scalar: float32 parameters stay float32 arithmetic
        offset = 0
        with no_grad():
            for p in self._params:
                a = _real(p._data)
                n = a.size
                a += (d[offset : offset + n] * t).reshape(a.shape).astype(a.dtype, copy=False)
                offset += n
                if p._vc is not None:
                    p._vc[0] += 1

    def _get(self):
        return [p._data.copy() for p in self._params]

    def _set(self, arrays) -> None:
        with no_grad():
            for p, a in zip(self._params, arrays):
                p._data[...] = a
                if p._vc is not None:
                    p._vc[0] += 1

    def _evaluate(self, closure):
        with enable_grad():
            loss = closure()
        return float(loss), self._flat_grad()

    def _directional(self, closure, x, t, d):
        """Loss and flat gradient at x + t d; the parameters are put back to x."""
        self._add(t, d)
        try:
            return self._evaluate(closure)
        finally:
            self._set(x)  # also when the closure or a gradient check raises

    # -- the step ----------------------------------------------------------------------------------

    def step(self, closure=None):
        """Run up to ``max_iter`` L-BFGS iterations; returns the closure's first loss.

        closure: required; zeroes the gradients, computes the loss, calls ``backward()`` and
        returns the loss (recording is on while it runs).
        """
        if closure is None:
            raise RuntimeError(
                "LBFGS.step needs a closure that re-evaluates the model and returns the loss"
            )
        group = self.param_groups[0]
        self._check_group(group, 0)
        self._check_history()
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search = group["history_size"], group["line_search_fn"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        xp = array_module(flat_grad)
        if _absmax(flat_grad) <= tol_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps = state.get("old_dirs"), state.get("old_stps")
        h_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, h_diag = [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:  # a curvature pair only where it keeps H positive definite
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    h_diag = ys / float(y @ y)
                d = _two_loop(flat_grad, old_dirs, old_stps, h_diag)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            if state["n_iter"] == 1:
                # below 1 a 0-d tensor in PyTorch, here a NumPy float64 (see _cubic_interpolate)
                t0 = min(1.0, np.float64(1.0) / np.float64(xp.abs(flat_grad).sum())) * lr
            else:
                t0 = lr
            t = float(t0)
            gtd = float(flat_grad @ d)
            if gtd > -tol_change:  # not a descent direction (any more)
                break

            ls_evals = 0
            opt_cond = False
            if line_search is not None:
                x0 = self._get()

                def obj(t_, x0=x0, d=d):
                    return self._directional(closure, x0, t_, d)

                # at most the evaluations left in this step (PyTorch's max_ls)
                loss, flat_grad, t, ls_evals = _strong_wolfe(
                    obj, t0, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                t = float(t)
                self._add(t, d)
                opt_cond = _absmax(flat_grad) <= tol_grad
            else:
                self._add(t, d)
                if n_iter != max_iter:
                    loss, flat_grad = self._evaluate(closure)
                    opt_cond = _absmax(flat_grad) <= tol_grad
                    ls_evals = 1
            current_evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if _absmax(d) * abs(t) <= tol_change:
                break
            if abs(loss - prev_loss) < tol_change:
                break

        state.update(
            d=d,
            t=t,
            old_dirs=old_dirs,
            old_stps=old_stps,
            H_diag=h_diag,
            prev_flat_grad=prev_flat_grad,
            prev_loss=prev_loss,
        )
        return orig_loss

    def _check_history(self) -> None:
        """Raise, before the closure runs or anything changes, if the flat vectors kept from
        the last step no longer match the parameters (one was cast, moved or resized since,
        e.g. by ``module.to(...)``): TypeError (dtype), ShapeError (size), RuntimeError
        (device)."""
        st = self.state.get(self._params[0])
        if not st:
            return
        like = [_real(p._data) for p in self._params]
        n = sum(a.size for a in like)
        dt = np.result_type(*[a.dtype for a in like])
        for key in _ARRAY_KEYS + _LIST_KEYS:
            v = st.get(key)
            for a in v if isinstance(v, list) else [v]:
                if a is None:
                    continue
                if a.shape == (n,) and a.dtype == dt and _same_device(like[0], a):
                    continue
                if a.shape != (n,):  # a complex parameter now, or a resized one
                    exc, fix = ShapeError, "start it afresh (a new optimizer, or state.clear())"
                else:
                    exc = TypeError if a.dtype != dt else RuntimeError
                    fix = "convert it with optimizer.load_state_dict(optimizer.state_dict())"
                raise exc(
                    f"LBFGS.step: state {key!r} is a flat vector of {a.size} {a.dtype} elements "
                    f"on {device_of(a)}, the parameters' has {n} {dt} elements on "
                    f"{device_of(like[0])} (was a parameter cast, moved or resized, e.g. by "
                    f"module.to(), after the first step?); {fix}. No parameter or state was "
                    "changed."
                )

    # -- state dicts -------------------------------------------------------------------------------

    def state_dict(self) -> dict:
        """``{"state": {0: {...}}, "param_groups": [...]}``: numbers, and copies of the flat
        vectors (``d``, ``prev_flat_grad``) and curvature pairs (``old_dirs``, ``old_stps``)."""
        sd = super().state_dict()
        st = self.state.get(self._params[0])
        if st:
            sd["state"] = {0: {k: _copy(v) for k, v in st.items() if v is not None}}
        return sd

    def load_state_dict(self, state_dict: dict) -> None:
        """Load what ``state_dict()`` saved; checks sizes and keys first (ValueError), and then
        nothing has changed."""
        saved = dict(state_dict.get("state", {})) if isinstance(state_dict, dict) else {}
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if not isinstance(groups, list) or len(groups) != 1:
            raise ValueError("LBFGS.load_state_dict: expected exactly one param group")
        n = sum(_real(p._data).size for p in self._params)
        like = _real(self._params[0]._data)
        new = {}
        if saved:
            if set(saved) - {0}:
                raise ValueError("LBFGS.load_state_dict: state must be keyed by parameter 0 only")
            for key, v in saved[0].items():
                v = _check_value(key, v, n, like)
                if v is not None:
                    new[key] = v
        super().load_state_dict({"state": {}, "param_groups": groups})
        self._params = self.param_groups[0]["params"]
        self.state.clear()
        if new:
            self.state[self._params[0]].update(new)


def _real(a):
    """``a`` itself, or for a complex array its real view (..., 2), sharing memory."""
    return _real_view(a) if a.dtype.kind == "c" else a


def _absmax(a) -> float:
    """max |a| (0 for an empty vector)."""
    return float(array_module(a).abs(a).max()) if a.size else 0.0


def _two_loop(g, old_dirs, old_stps, h_diag):
    """d = -H g by the L-BFGS two-loop recursion over the curvature pairs (y, s)."""
    k = len(old_dirs)
    ro = [1.0 / float(y @ s) for y, s in zip(old_dirs, old_stps)]
    al = [0.0] * k
    q = -g
    for i in range(k - 1, -1, -1):
        al[i] = float(old_stps[i] @ q) * ro[i]
        q = q - old_dirs[i] * al[i]
    r = q * h_diag
    for i in range(k):
        be = float(old_dirs[i] @ r) * ro[i]
        r = r + old_stps[i] * (al[i] - be)
    return r


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1, slope g1) and (x2, f2, slope g2), clipped
    to ``bounds`` (default: between x1 and x2); their midpoint when the cubic has none.

    PyTorch's arithmetic step for step. PyTorch does it on 0-d tensors (the slopes are, and so
    are the steps the line search derived from them) mixed with Python floats; here a 0-d
    tensor is a NumPy float64 and a Python float stays one, so the rounding is the same:
    ``float / tensor`` is ``tensor.reciprocal() * float`` in PyTorch. A zero denominator (equal
    end slopes on a linear piece, or x1 == x2) gives inf or NaN rather than raising: an
    infinite minimiser is clamped to a bound by min/max, a NaN one is returned (Python's
    min/max keep a NaN first argument, as with PyTorch's tensors).
    """
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    g1, g2 = np.float64(g1), np.float64(g2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        dx, df3 = x1 - x2, 3 * (f1 - f2)
        if isinstance(dx, np.floating) or dx == 0:
            slope3 = np.reciprocal(np.float64(dx)) * df3
        else:
            slope3 = df3 / dx  # Python floats: true division, as in PyTorch
        d1 = g1 + g2 - slope3
        d2_square = d1**2 - g1 * g2
        if d2_square >= 0:
            d2 = np.sqrt(d2_square)
            if x1 <= x2:
                pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
            else:
                pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
            return min(max(pos, lo), hi)
        return (lo + hi) / 2.0


def _strong_wolfe(obj, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d meeting the strong Wolfe conditions: bracket, then zoom by cubic
    interpolation. obj(t) -> (loss, flat grad) at x + t d. Returns (loss, grad, t, evals)."""
    d_norm = _absmax(d)
    f_new, g_new = obj(t)
    evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket = bracket_f = bracket_g = bracket_gtd = None
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate: the cubic's minimum, at least 1% past t and at most 10 t
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (lo, hi))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
        bracket_gtd = [gtd, gtd_new]

    # zoom into the bracket until the strong Wolfe conditions hold
    insuf_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # keep t at least 10% of the bracket away from its ends (else it crawls)
        b_max, b_min = max(bracket), min(bracket)
        eps = 0.1 * (b_max - b_min)
        if min(b_max - t, t - b_min) < eps:
            if insuf_progress or t >= b_max or t <= b_min:
                t = b_max - eps if abs(t - b_max) < abs(t - b_min) else b_min + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj(t)
        evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high] = t, f_new, g_new
            bracket_gtd[high] = gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low] = t, f_new, g_new
            bracket_gtd[low] = gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


def _copy(v):
    if isinstance(v, list):
        return [a.copy() for a in v]
    if hasattr(v, "copy") and hasattr(v, "shape"):
        return v.copy()
    return v


def _check_value(key, v, n, like):
    """One saved LBFGS state entry, checked and converted (flat vectors to ``like``'s array
    type and dtype)."""
    from .optimizer import _foreign, _to_like

    def flat(a, where):
        a = _foreign(a)
        a = getattr(a, "_data", a)
        if not hasattr(a, "shape") or tuple(a.shape) != (n,):
            shape = getattr(a, "shape", None)
            raise ValueError(
                f"LBFGS.load_state_dict: {where} must be a flat vector of {n} elements (the "
                f"parameters' total), got shape {shape}"
            )
        return _to_like(np.asarray(a) if isinstance(a, list) else a, like.reshape(-1))

    if key in _ARRAY_KEYS:
        return flat(v, key)
    if key in _LIST_KEYS:
        if not isinstance(v, (list, tuple)):
            raise ValueError(f"LBFGS.load_state_dict: {key} must be a list of vectors")
        return [flat(a, f"{key}[{i}]") for i, a in enumerate(v)]
    if key in _NUMBER_KEYS:
        v = _foreign(v)
        v = v.item() if hasattr(v, "item") else v
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise ValueError(f"LBFGS.load_state_dict: {key} must be a number, got {v!r}")
        return int(v) if key in ("func_evals", "n_iter") else float(v)
    if key in ("ro", "al"):  # PyTorch keeps these too; they are recomputed here
        return None
    raise ValueError(f"LBFGS.load_state_dict: unknown state key {key!r}")
