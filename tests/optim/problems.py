"""Small float64 problems for the optimiser tests, each with its loss written against autograd
(what the optimisers are driven by) and its gradient written by hand in NumPy (what the
reference implementations in ``reference.py`` are driven by).

Each problem has two parameters: a weight ``W`` and a bias ``b``; ``X`` and ``Y`` are fixed.

* ``quad``: least squares, ``mean((X W^T + b - Y)^2)``; W (3, 4).
* ``rownorm``: the same loss with each row of W normalised to unit length first, so the loss is
  invariant to the scale of every output channel (AdamP's channel-wise case); W (3, 4).
* ``layernorm4d``: a conv-shaped weight (2, 3, 2, 2) normalised by its whole norm and used as a
  (2, 12) matrix, invariant to the scale of the whole layer (AdamP's layer-wise case).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import autograd as ag


@dataclass
class Problem:
    name: str
    W0: np.ndarray
    b0: np.ndarray
    X: np.ndarray
    Y: np.ndarray

    def loss(self, W: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
        """The loss as an autograd graph (a scalar tensor)."""
        X, Y = ag.tensor(self.X), ag.tensor(self.Y)
        if self.name == "quad":
            V = W
        elif self.name == "rownorm":
            V = W / W.norm(dim=1, keepdim=True)
        else:
            V = (W / W.norm()).reshape(W.shape[0], -1)
        return ((X @ V.T + b - Y) ** 2).mean()

    def grads(self, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The gradient of ``loss`` in NumPy, by hand."""
        if self.name == "quad":
            V = W
        elif self.name == "rownorm":
            n = np.sqrt((W * W).sum(axis=1, keepdims=True))
            V = W / n
        else:
            n = np.sqrt((W * W).sum())
            V = (W / n).reshape(W.shape[0], -1)
        r = self.X @ V.T + b - self.Y
        dpred = 2.0 * r / r.size
        gV = dpred.T @ self.X
        gb = dpred.sum(axis=0)
        if self.name == "quad":
            gW = gV
        elif self.name == "rownorm":
            gW = (gV - V * (gV * V).sum(axis=1, keepdims=True)) / n  # d(w/|w|) projects out w
        else:
            Vf = V.reshape(W.shape)
            gVf = gV.reshape(W.shape)
            gW = (gVf - Vf * (gVf * Vf).sum()) / n
        return gW, gb


def make_problem(name: str, seed: int = 0) -> Problem:
    """The problem ``name`` with fixed random data (float64)."""
    rng = np.random.default_rng(seed)
    if name in ("quad", "rownorm"):
        W0 = rng.standard_normal((3, 4))
        X = rng.standard_normal((8, 4))
        Y = rng.standard_normal((8, 3))
    elif name == "layernorm4d":
        W0 = rng.standard_normal((2, 3, 2, 2))
        X = rng.standard_normal((8, 12))
        Y = rng.standard_normal((8, 2))
    else:
        raise ValueError(name)
    b0 = rng.standard_normal(Y.shape[1])
    return Problem(name, W0, b0, X, Y)
