"""Workload "cnn": one training step of a LeNet-style CNN on a (64, 1, 28, 28) float32 batch.

The model (issue 4's "LeNet-style train step")::

    Conv2d(1, 6, 5) - ReLU - MaxPool2d(2) - Conv2d(6, 16, 5) - ReLU - MaxPool2d(2) - Flatten -
    Linear(256, 120) - ReLU - Linear(120, 84) - ReLU - Linear(84, 10)

One call: forward, cross-entropy (mean), backward, SGD step (lr 0.01), on a fixed batch; all
implementations start from the same weights (PyTorch's default initialisation, drawn once).
The input does not require grad.

Candidates:

* ``numpy floor``: the step by hand in raw NumPy. Activations stay channels-last (N, H, W, C),
  so each convolution is one im2col copy (``sliding_window_view``) and one GEMM whose output is
  already in that layout, with no transposes; max pooling combines the four strided views of
  each 2x2 window and its backward writes gy where the input equals the window's maximum; the
  second convolution's input gradient is a GEMM and col2im by one strided add per kernel offset
  (25); the first convolution needs no input gradient; bias gradients of the convolutions are
  GEMVs with a ones vector. ReLU masks come from the forward.
* ``tapegrad``: ``nn.Sequential`` of ``nn.Conv2d``, ``nn.ReLU``, ``nn.MaxPool2d``,
  ``nn.Flatten``, ``nn.Linear``; ``F.cross_entropy``; ``optim.SGD``.
* ``torch``: the same program in torch, when it imports.

With ``--device cuda``: ``tapegrad cupy set``, ``tapegrad numba set`` and ``torch`` on CUDA; the
floor is NumPy code, so it does not run there, but the correctness check compares each GPU
step against it run on the CPU.

Reported in ms/step and samples/s.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import devices
from .common import as_numpy, check_train_states, train_step_candidates
from .registry import Ratio, RunConfig, WorkloadSetup

__all__ = ["BATCH", "IMPLS", "make_data", "init_params", "impls_for", "build", "step_flops",
           "setup"]  # fmt: skip

BATCH = 64
IMAGE = (1, 28, 28)
LR = 0.01
IMPLS = ("numpy floor", "tapegrad", "torch")
CHECK_NORM = 1e-2  # see common.compare: ReLU kinks under another BLAS
# (name in the Sequential, shape) of every parameter, in model.parameters() order
_PARAMS = (
    ("0.weight", (6, 1, 5, 5)),
    ("0.bias", (6,)),
    ("3.weight", (16, 6, 5, 5)),
    ("3.bias", (16,)),
    ("7.weight", (120, 256)),
    ("7.bias", (120,)),
    ("9.weight", (84, 120)),
    ("9.bias", (84,)),
    ("11.weight", (10, 84)),
    ("11.bias", (10,)),
)


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch: x (64, 1, 28, 28) float32 standard normal, labels (64,) int64 in [0, 10)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH,) + IMAGE).astype(np.float32)
    return x, rng.integers(0, 10, BATCH).astype(np.int64)


def init_params(seed: int = 1) -> list[np.ndarray]:
    """The ten parameters in ``model.parameters()`` order, with PyTorch's default init:
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases (fan_in = in * kernel size)."""
    rng = np.random.default_rng(seed)
    params = []
    for (_, w_shape), (_, b_shape) in zip(_PARAMS[0::2], _PARAMS[1::2]):
        bound = 1.0 / math.sqrt(math.prod(w_shape[1:]))
        params.append(rng.uniform(-bound, bound, w_shape).astype(np.float32))
        params.append(rng.uniform(-bound, bound, b_shape).astype(np.float32))
    return params


def step_flops(batch: int = BATCH) -> float:
    """Flops of one step's GEMMs: each conv/linear forward, every weight gradient, and the
    input gradients of all layers but the first."""
    conv1 = 2.0 * batch * 24 * 24 * 6 * 25  # output pixels x out channels x C k k
    conv2 = 2.0 * batch * 8 * 8 * 16 * 150
    fcs = [2.0 * batch * i * o for i, o in ((256, 120), (120, 84), (84, 10))]
    return 2 * conv1 + 3 * conv2 + 3 * sum(fcs)


def _im2col(a: np.ndarray, k: int) -> np.ndarray:
    """a (N, H, W, C) -> (N * H' * W', C * k * k) rows ordered (c, i, j) like w.reshape(O, -1)."""
    win = sliding_window_view(a, (k, k), axis=(1, 2))  # (N, H', W', C, k, k), a view
    n, ho, wo = win.shape[:3]
    return win.reshape(n * ho * wo, -1)  # the copy


def _pool_forward(a: np.ndarray) -> np.ndarray:
    """2x2 max pooling, stride 2, channels last: (N, H, W, C) -> (N, H/2, W/2, C)."""
    y = np.maximum(a[:, 0::2, 0::2], a[:, 0::2, 1::2])
    np.maximum(y, np.maximum(a[:, 1::2, 0::2], a[:, 1::2, 1::2]), out=y)
    return y


def _pool_backward(a: np.ndarray, y: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """gx of ``_pool_forward``: gy where a equals its window's maximum (inputs after a ReLU tie
    only at 0, where the ReLU's mask zeroes the gradient anyway)."""
    n, h, w, c = a.shape
    gx = np.empty_like(a)
    gx6 = gx.reshape(n, h // 2, 2, w // 2, 2, c)
    np.equal(a.reshape(gx6.shape), y[:, :, None, :, None], out=gx6, casting="unsafe")
    gx6 *= gy[:, :, None, :, None]
    return gx


class FloorCNN:
    """The LeNet train step in raw NumPy, channels-last, with a hand-written backward."""

    def __init__(self, params, x, labels, lr: float = LR):
        self.params = [p.copy() for p in params]
        self.x_nhwc = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
        self.labels, self.lr = labels, lr
        self.rows = np.arange(x.shape[0])
        self.loss = None
        self.grads = None
        self._ones_cache = {}

    def _ones(self, n: int) -> np.ndarray:
        """A ones vector of length n: a conv bias gradient is ``ones @ g`` (a GEMV), where
        ``g.sum(axis=0)`` over (N*H*W, 6) rows would reduce along the short axis, 30x slower."""
        ones = self._ones_cache.get(n)
        if ones is None:
            ones = self._ones_cache[n] = np.ones(n, dtype=np.float32)
        return ones

    def step(self) -> float:
        """One forward, backward and SGD update; returns the loss."""
        W1, b1, W2, b2, W3, b3, W4, b4, W5, b5 = self.params
        x, y, rows = self.x_nhwc, self.labels, self.rows
        n = x.shape[0]
        w1, w2 = W1.reshape(6, -1), W2.reshape(16, -1)
        # conv1 + relu: (N*24*24, 25) @ (25, 6) -> (N, 24, 24, 6)
        cols1 = _im2col(x, 5)
        a1 = cols1 @ w1.T
        a1 += b1
        m1 = a1 > 0
        np.maximum(a1, 0, out=a1)
        a1 = a1.reshape(n, 24, 24, 6)
        p1 = _pool_forward(a1)  # (N, 12, 12, 6)
        # conv2 + relu: (N*8*8, 150) @ (150, 16) -> (N, 8, 8, 16)
        cols2 = _im2col(p1, 5)
        a2 = cols2 @ w2.T
        a2 += b2
        m2 = a2 > 0
        np.maximum(a2, 0, out=a2)
        a2 = a2.reshape(n, 8, 8, 16)
        p2 = _pool_forward(a2)  # (N, 4, 4, 16)
        f = p2.transpose(0, 3, 1, 2).reshape(n, 256)  # flatten in (C, H, W) order, as Flatten
        h3 = f @ W3.T
        h3 += b3
        m3 = h3 > 0
        np.maximum(h3, 0, out=h3)
        h4 = h3 @ W4.T
        h4 += b4
        m4 = h4 > 0
        np.maximum(h4, 0, out=h4)
        z = h4 @ W5.T
        z += b5
        # cross-entropy, and dL/dz = (softmax - onehot) / N in place
        z -= z.max(axis=1, keepdims=True)
        zy = z[rows, y]
        np.exp(z, out=z)
        s = z.sum(axis=1, keepdims=True)
        self.loss = float(np.log(s).mean() - zy.mean())
        z /= s
        z[rows, y] -= 1.0
        z *= 1.0 / n
        # backward through the linear layers
        gW5, gb5 = z.T @ h4, z.sum(axis=0)
        g4 = z @ W5
        g4 *= m4
        gW4, gb4 = g4.T @ h3, g4.sum(axis=0)
        g3 = g4 @ W4
        g3 *= m3
        gW3, gb3 = g3.T @ f, g3.sum(axis=0)
        gp2 = (g3 @ W3).reshape(n, 16, 4, 4).transpose(0, 2, 3, 1)  # back to channels last
        # pool2, relu, conv2 (weight, bias and input gradients)
        g2 = _pool_backward(a2, p2, gp2).reshape(-1, 16)
        g2 *= m2
        gW2, gb2 = (g2.T @ cols2).reshape(W2.shape), self._ones(len(g2)) @ g2
        gcols = (g2 @ w2).reshape(n, 8, 8, 6, 5, 5)
        gp1 = np.zeros((n, 12, 12, 6), dtype=np.float32)
        for i in range(5):  # col2im: one strided add per kernel offset
            for j in range(5):
                gp1[:, i : i + 8, j : j + 8, :] += gcols[..., i, j]
        # pool1, relu, conv1 (weight and bias gradients only: x needs none)
        g1 = _pool_backward(a1, p1, gp1).reshape(-1, 6)
        g1 *= m1
        gW1, gb1 = (g1.T @ cols1).reshape(W1.shape), self._ones(len(g1)) @ g1
        self.grads = [gW1, gb1, gW2, gb2, gW3, gb3, gW4, gb4, gW5, gb5]
        lr = self.lr
        for p, g in zip(self.params, self.grads):
            p -= lr * g
        return self.loss

    def state(self) -> dict:
        """The last step's loss, the gradients and the current parameters (NumPy arrays)."""
        return {"loss": self.loss, "grads": self.grads, "params": self.params}


def _step_and_state(model, opt, cross_entropy, xt, yt):
    last = [None]

    def step():
        opt.zero_grad()
        loss = cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        last[0] = loss
        return loss

    def state():
        ps = list(model.parameters())
        return {
            "loss": float(last[0].item()),
            "grads": [as_numpy(p.grad) for p in ps],
            "params": [as_numpy(p) for p in ps],
        }

    return step, state


def _lenet(nn):
    """The model from a torch-like ``nn`` namespace (tapegrad's ``nn`` or ``torch.nn``)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def impls_for(config: RunConfig) -> tuple[str, ...]:
    """The implementations on ``config.device``: IMPLS on the CPU; on cuda tapegrad per GPU
    kernel set and torch (the floor is NumPy code; the check runs it on the CPU)."""
    if config.device != "cuda":
        return IMPLS
    return tuple(name for name, _, _ in devices.tapegrad_impls(config)) + ("torch",)


def build(impl: str, config: RunConfig, params=None, data=None):
    """``(step, state)`` for ``impl`` (one of ``impls_for(config)``) on ``config.device``, or
    ``(None, reason)`` when it cannot run here.

    params: default ``init_params()``; data: default ``make_data()``.
    """
    params = init_params() if params is None else params
    x, labels = make_data() if data is None else data
    keys = [k for k, _ in _PARAMS]
    dev = config.device
    if impl == "numpy floor":
        floor = FloorCNN(params, x, labels)
        return floor.step, floor.state
    tg = {name: (set_name, skip) for name, set_name, skip in devices.tapegrad_impls(config)}
    if impl in tg:
        set_name, skip = tg[impl]
        if skip is not None:
            return None, skip
        import autograd as ag
        import nn
        import nn.functional as F
        import optim

        model = _lenet(nn)
        model.load_state_dict({k: ag.tensor(p) for k, p in zip(keys, params)})
        model.to(dev)
        opt = optim.SGD(model.parameters(), lr=LR)
        xt, yt = ag.tensor(x, device=dev), ag.tensor(labels, device=dev)
        step, state = _step_and_state(model, opt, F.cross_entropy, xt, yt)
        return devices.in_set(set_name, step), state
    if impl == "torch":
        torch, reason = devices.torch_for(config)
        if torch is None:
            return None, reason
        model = _lenet(torch.nn)
        model.load_state_dict({k: torch.from_numpy(p.copy()) for k, p in zip(keys, params)})
        model.to(dev)
        opt = torch.optim.SGD(model.parameters(), lr=LR)
        ce = torch.nn.functional.cross_entropy
        xt, yt = torch.tensor(x, device=dev), torch.tensor(labels, device=dev)
        return _step_and_state(model, opt, ce, xt, yt)
    known = ", ".join(("numpy floor",) + impls_for(config))
    raise ValueError(f"cnn: unknown implementation {impl!r} on {dev}; known: {known}")


def check_one_step(config: RunConfig) -> tuple[bool, str]:
    """From the same start, one step of each implementation gives the floor's loss, gradients
    and updated parameters (on cuda, against the floor run on the CPU)."""
    params, data = init_params(), make_data()
    states = {}
    for impl in ("numpy floor",) + tuple(i for i in impls_for(config) if i != "numpy floor"):
        step, state = build(impl, config, params, data)
        if step is not None:
            step()
            states[impl] = state()
    return check_train_states(states, [key for key, _ in _PARAMS], CHECK_NORM)


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the cnn workload's candidates, ratios and check."""
    flops = step_flops()
    candidates = train_step_candidates(impls_for(config), build, config, flops)
    if config.device == "cuda":
        ratios = [Ratio(f"{name} / torch, throughput", name, "torch", higher_is_better=True)
                  for name, _, _ in devices.tapegrad_impls(config)]  # fmt: skip
    else:
        ratios = [
            Ratio("tapegrad / torch, throughput", "tapegrad", "torch", higher_is_better=True),
            Ratio("tapegrad / floor, throughput", "tapegrad", "numpy floor", True),
            Ratio("torch / floor, throughput", "torch", "numpy floor", higher_is_better=True),
        ]
    return WorkloadSetup(
        candidates=candidates,
        ratios=ratios,
        unit="ms/step",
        unit_seconds=1e-3,
        units_per_call=1,
        items_per_call=BATCH,
        items_label="samples",
        params={
            "batch": BATCH,
            "input": [BATCH, *IMAGE],
            "layers": [k for k, _ in _PARAMS[0::2]],
            "parameter_shapes": {k: list(s) for k, s in _PARAMS},
            "loss": "cross_entropy (mean)",
            "optimizer": {"name": "SGD", "lr": LR, "momentum": 0.0},
            "dtype": "float32",
            "device": config.device,
            "flops_per_step": flops,
        },
        check=lambda: check_one_step(config),
        notes=[
            "one call: zero_grad, forward, cross-entropy, backward, SGD step on a fixed batch.",
            "the numpy floor works channels-last (one im2col copy and one GEMM per convolution, "
            "no layout transposes but the one at Flatten).",
            f"GFLOP/s counts the step's GEMMs only ({flops / 1e6:.0f} MFLOP per step).",
        ],
    )
