"""``EarlyStopping``: stop training when a validation metric has stopped improving.

::

    stopper = optim.EarlyStopping(patience=5, min_delta=1e-4, params=model)
    for epoch in range(max_epochs):
        train_one_epoch(model, opt)
        if stopper.step(validation_loss(model)):
            break
    stopper.restore_best()          # the weights of the best epoch
"""

from __future__ import annotations

import math
import numbers

from autograd.tensor import Tensor

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """Tell a training loop to stop after ``patience`` epochs without improvement.

    patience: epochs without improvement tolerated; ``step`` returns True on the ``patience``-th
        such epoch in a row (0: stop at the first epoch that does not improve).
    min_delta: an improvement must beat the best value by more than this (>= 0).
    mode: "min" (lower is better, e.g. a loss) or "max" (e.g. accuracy).
    check_finite: stop at once on a NaN or infinite value (default True).
    params: optional Tensors, or a Module (its parameters and buffers, so BatchNorm's running
        statistics come back too), whose values are copied at every new best, so
        ``restore_best()`` can put them back.

    Attributes: ``best`` (best value seen, ``inf``/``-inf`` before the first), ``best_epoch``
    (0-based index of the ``step`` call that set it, or None), ``epoch`` (index of the last
    call), ``num_bad_epochs`` (epochs since the best), ``should_stop``.
    """

    def __init__(
        self,
        patience: int = 10,
        min_delta: float = 0.0,
        mode: str = "min",
        *,
        check_finite: bool = True,
        params=None,
    ):
        if not isinstance(patience, numbers.Integral) or isinstance(patience, bool) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 0, got {patience!r}")
        if not isinstance(min_delta, numbers.Real) or not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be a number >= 0, got {min_delta!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.mode = mode
        self.check_finite = bool(check_finite)
        if params is not None and hasattr(params, "parameters"):
            # a Module: its buffers too (BatchNorm's running statistics belong to the best state)
            buffers = list(params.buffers()) if hasattr(params, "buffers") else []
            params = list(params.parameters()) + buffers
        self._params = None if params is None else list(params)
        if self._params is not None:
            for p in self._params:
                if not isinstance(p, Tensor):
                    raise TypeError(
                        f"EarlyStopping: params must be Tensors, got {type(p).__name__}"
                    )
        self._best_arrays = None
        self.reset()

    def reset(self) -> None:
        """Forget the history (best value, counters and saved weights)."""
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch = None
        self.epoch = -1
        self.num_bad_epochs = 0
        self.should_stop = False
        self._best_arrays = None

    def is_better(self, value: float) -> bool:
        """Whether ``value`` improves on ``best`` by more than ``min_delta``."""
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def step(self, value) -> bool:
        """Record this epoch's metric (a number or 1-element tensor). Returns True to stop."""
        value = float(value)
        self.epoch += 1
        if self.check_finite and not math.isfinite(value):
            self.num_bad_epochs += 1
            self.should_stop = True
            return True
        if self.is_better(value):
            self.best = value
            self.best_epoch = self.epoch
            self.num_bad_epochs = 0
            if self._params is not None:
                self._best_arrays = [p._data.copy() for p in self._params]
        else:
            self.num_bad_epochs += 1
        self.should_stop = 0 < self.num_bad_epochs >= self.patience
        return self.should_stop

    def restore_best(self) -> bool:
        """Copy the weights saved at the best epoch back into ``params`` (in place).

        Returns False (changing nothing) when no best has been recorded yet. Raises
        RuntimeError if the object was made without ``params``.
        """
        if self._params is None:
            raise RuntimeError("EarlyStopping.restore_best: made without params to restore")
        if self._best_arrays is None:
            return False
        for p, a in zip(self._params, self._best_arrays):
            p._data[...] = a
            if p._vc is not None:
                p._vc[0] += 1
        return True

    def state_dict(self) -> dict:
        """Counters and the best value (not the saved weights)."""
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "epoch": self.epoch,
            "num_bad_epochs": self.num_bad_epochs,
            "should_stop": self.should_stop,
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore what ``state_dict()`` saved."""
        missing = {"best", "best_epoch", "epoch", "num_bad_epochs", "should_stop"} - set(state_dict)
        if missing:
            raise ValueError(f"EarlyStopping.load_state_dict: missing {sorted(missing)}")
        for k in ("best", "best_epoch", "epoch", "num_bad_epochs", "should_stop"):
            setattr(self, k, state_dict[k])

    def __repr__(self):
        return (
            f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
            f"mode={self.mode!r}, best={self.best}, best_epoch={self.best_epoch})"
        )
