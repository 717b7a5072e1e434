"""Workload "mlp": one training step of a 784-1024-1024-10 ReLU MLP, batch 256, float32.

One call: forward, cross-entropy (mean over the batch), backward and an SGD step (lr 0.01, no
momentum), from a fixed batch x (256, 784) and labels (256,). All implementations start from
the same weights (PyTorch's default Linear initialisation, drawn once) and keep training the
same model from call to call. The input does not require grad, so nobody computes gx of the
first layer.

Candidates:

* ``numpy floor``: the step written by hand in raw NumPy, as an efficient NumPy program would:
  every activation and gradient in a buffer allocated once (``out=``), bias and ReLU applied in
  place, the softmax cross-entropy and its gradient fused (``p - onehot``, scaled by 1/B, in
  place), weight gradients as GEMMs on transposed views (no copies), each hidden gradient
  written over the activation it no longer needs, the update through a 1 MiB scratch slice.
  It is the floor for the ``memory`` workload too.
* ``tapegrad``: ``nn.Sequential(nn.Linear, nn.ReLU, ...)``, ``F.cross_entropy``,
  ``optim.SGD``: ``zero_grad(); loss = F.cross_entropy(model(x), y); loss.backward();
  opt.step()``.
* ``torch``: the same program with torch's modules, when torch imports.

Reported in ms/step and samples/s. Target (issue 7): tapegrad's throughput >= 0.97x the floor's
at 2 threads. The builders here are shared with the ``memory`` workload, which runs the same
step in a subprocess per implementation.
"""

from __future__ import annotations

import math

import numpy as np

from .common import check_train_states, train_step_candidates
from .machine import load_torch
from .registry import Ratio, RunConfig, WorkloadSetup

__all__ = [
    "BATCH",
    "SIZES",
    "LR",
    "IMPLS",
    "make_data",
    "init_params",
    "build",
    "step_flops",
    "setup",
]

BATCH = 256
SIZES = (784, 1024, 1024, 10)
LR = 0.01
IMPLS = ("numpy floor", "tapegrad", "torch")
CHECK_NORM = 1e-2  # see common.compare: ReLU kinks under another BLAS
_KEYS = ("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias")


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A fixed batch: x (BATCH, 784) float32 standard normal, labels (BATCH,) int64 in [0, 10)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    return x, rng.integers(0, SIZES[-1], BATCH).astype(np.int64)


def init_params(seed: int = 1) -> list[np.ndarray]:
    """[W1, b1, W2, b2, W3, b3], W: (out, in), with PyTorch's default Linear init:
    U(-1/sqrt(in), 1/sqrt(in)) for weights and biases."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def step_flops(batch: int = BATCH) -> float:
    """Flops of one step's GEMMs: forward x W^T per layer, gW per layer, gx for layers 2 and 3."""
    pairs = list(zip(SIZES[:-1], SIZES[1:]))
    fwd = sum(2.0 * batch * i * o for i, o in pairs)
    return 2 * fwd + sum(2.0 * batch * i * o for i, o in pairs[1:])


class FloorMLP:
    """The train step in raw NumPy with a hand-written backward, lean in time and memory.

    Buffers are allocated on the first step (so the memory workload counts them as the step's):
    the gradients, the two hidden activations, one ReLU mask per hidden shape, the logits and a
    small update scratch. The backward writes each hidden gradient into the activation buffer
    it no longer needs (g2 into a2 once gW3 and the mask are taken; g1 into a1 likewise), as a
    memory-conscious hand-written step does; the ReLU mask ``a > 0`` of the ReLU's output equals
    the pre-activation's.
    """

    # elements per slice of the SGD update's scratch (1 MiB): as fast as a parameter-sized
    # scratch here (smaller slices pay ~8 µs of Python per slice), a quarter of its memory
    UPDATE_CHUNK = 1 << 18

    def __init__(self, params, x, labels, lr: float = LR):
        self.params = [p.copy() for p in params]
        self.x, self.labels, self.lr = x, labels, lr
        self.loss = None
        self.grads = None

    def _alloc(self):
        B, (_, h1, h2, c) = self.x.shape[0], SIZES
        f32 = np.float32
        self.grads = [np.empty_like(p) for p in self.params]
        masks = {}
        for h in (h1, h2):
            masks.setdefault(h, np.empty((B, h), bool))
        self._v = dict(
            a1=np.empty((B, h1), f32),
            a2=np.empty((B, h2), f32),
            m1=masks[h1],
            m2=masks[h2],
            z=np.empty((B, c), f32),
            zmax=np.empty((B, 1), f32),
            s=np.empty((B, 1), f32),
            rows=np.arange(B),
            tmp=np.empty(self.UPDATE_CHUNK, f32),
        )

    def step(self) -> float:
        """One forward, backward and SGD update; returns the loss."""
        if self.grads is None:
            self._alloc()
        W1, b1, W2, b2, W3, b3 = self.params
        gW1, gb1, gW2, gb2, gW3, gb3 = self.grads
        v = self._v
        a1, a2, m1, m2, z = v["a1"], v["a2"], v["m1"], v["m2"], v["z"]
        x, y, rows = self.x, self.labels, v["rows"]
        # forward: a = relu(x W^T + b), in place
        np.matmul(x, W1.T, out=a1)
        np.add(a1, b1, out=a1)
        np.maximum(a1, 0, out=a1)
        np.matmul(a1, W2.T, out=a2)
        np.add(a2, b2, out=a2)
        np.maximum(a2, 0, out=a2)
        np.matmul(a2, W3.T, out=z)
        np.add(z, b3, out=z)
        # cross-entropy: loss = mean(log sum exp(z - max) - (z_y - max))
        np.max(z, axis=1, keepdims=True, out=v["zmax"])
        np.subtract(z, v["zmax"], out=z)
        zy = z[rows, y]
        np.exp(z, out=z)  # z now holds exp(z - max), softmax's numerator
        np.sum(z, axis=1, keepdims=True, out=v["s"])
        self.loss = float(np.log(v["s"]).mean() - zy.mean())
        # dL/dz = (softmax - onehot) / B, in place
        np.divide(z, v["s"], out=z)
        z[rows, y] -= 1.0
        z *= 1.0 / x.shape[0]
        # backward; g2 goes into a2's buffer, g1 into a1's
        np.matmul(z.T, a2, out=gW3)
        np.sum(z, axis=0, out=gb3)
        np.greater(a2, 0, out=m2)
        g2 = np.matmul(z, W3, out=a2)
        np.multiply(g2, m2, out=g2)
        np.matmul(g2.T, a1, out=gW2)
        np.sum(g2, axis=0, out=gb2)
        np.greater(a1, 0, out=m1)
        g1 = np.matmul(g2, W2, out=a1)
        np.multiply(g1, m1, out=g1)
        np.matmul(g1.T, x, out=gW1)
        np.sum(g1, axis=0, out=gb1)
        # SGD: p -= lr g, a slice at a time (no parameter-sized temporary)
        lr, tmp, n = self.lr, v["tmp"], self.UPDATE_CHUNK
        for p, g in zip(self.params, self.grads):
            pf, gf = p.reshape(-1), g.reshape(-1)
            for i in range(0, pf.size, n):
                t = tmp[: min(n, pf.size - i)]
                np.multiply(gf[i : i + n], lr, out=t)
                np.subtract(pf[i : i + n], t, out=pf[i : i + n])
        return self.loss

    def state(self) -> dict:
        """The last step's loss, the gradients and the current parameters (NumPy arrays)."""
        return {"loss": self.loss, "grads": self.grads, "params": self.params}


def _build_tapegrad(params, x, labels):
    import autograd as ag
    import nn
    import nn.functional as F
    import optim

    h = SIZES
    model = nn.Sequential(
        nn.Linear(h[0], h[1]), nn.ReLU(), nn.Linear(h[1], h[2]), nn.ReLU(), nn.Linear(h[2], h[3])
    )
    model.load_state_dict({k: ag.tensor(p) for k, p in zip(_KEYS, params)})
    opt = optim.SGD(model.parameters(), lr=LR)
    xt, yt = ag.tensor(x), ag.tensor(labels)
    last = [None]

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), yt)
        loss.backward()
        opt.step()
        last[0] = loss
        return loss

    def state():
        ps = list(model.parameters())
        return {
            "loss": float(last[0].item()),
            "grads": [p.grad.numpy() for p in ps],
            "params": [p.detach().numpy() for p in ps],
        }

    return step, state


def _build_torch(torch, params, x, labels):
    h = SIZES
    tnn = torch.nn
    model = tnn.Sequential(
        tnn.Linear(h[0], h[1]),
        tnn.ReLU(),
        tnn.Linear(h[1], h[2]),
        tnn.ReLU(),
        tnn.Linear(h[2], h[3]),
    )
    model.load_state_dict({k: torch.from_numpy(p.copy()) for k, p in zip(_KEYS, params)})
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    xt, yt = torch.from_numpy(x.copy()), torch.from_numpy(labels.copy())
    cross_entropy = tnn.functional.cross_entropy
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
            "grads": [p.grad.numpy() for p in ps],
            "params": [p.detach().numpy() for p in ps],
        }

    return step, state


def build(impl: str, config: RunConfig, params=None, data=None):
    """``(step, state)`` for ``impl`` (one of IMPLS) from ``params`` (default ``init_params()``)
    and ``data`` (default ``make_data()``), or ``(None, reason)`` when torch is unavailable.

    step(): one train step. state(): ``{"loss", "grads", "params"}`` after the last step.
    """
    params = init_params() if params is None else params
    x, labels = make_data() if data is None else data
    if impl == "numpy floor":
        floor = FloorMLP(params, x, labels)
        return floor.step, floor.state
    if impl == "tapegrad":
        return _build_tapegrad(params, x, labels)
    if impl == "torch":
        torch, reason = load_torch(config)
        if torch is None:
            return None, reason
        return _build_torch(torch, params, x, labels)
    raise ValueError(f"mlp: unknown implementation {impl!r}; known: {', '.join(IMPLS)}")


def check_one_step(config: RunConfig, impls=IMPLS) -> tuple[bool, str]:
    """From the same start, one step of each implementation gives the floor's loss, gradients
    and updated parameters."""
    params, data = init_params(), make_data()
    states = {}
    for impl in impls:
        step, state = build(impl, config, params, data)
        if step is None:
            continue
        step()
        states[impl] = state()
    return check_train_states(states, _KEYS, CHECK_NORM)


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the mlp workload's candidates, ratios and check."""
    flops = step_flops()
    candidates = train_step_candidates(IMPLS, build, config, flops)
    ratios = [
        Ratio("tapegrad / floor, throughput", "tapegrad", "numpy floor", 0.97, True),
        Ratio("tapegrad / torch, throughput", "tapegrad", "torch", higher_is_better=True),
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
            "sizes": list(SIZES),
            "activation": "relu",
            "loss": "cross_entropy (mean)",
            "optimizer": {"name": "SGD", "lr": LR, "momentum": 0.0},
            "dtype": "float32",
            "device": "cpu",
            "flops_per_step": flops,
        },
        check=lambda: check_one_step(config),
        notes=[
            "one call: zero_grad, forward, cross-entropy, backward, SGD step on a fixed batch "
            "(the model keeps training from call to call).",
            f"GFLOP/s counts the step's GEMMs only ({flops / 1e9:.2f} GFLOP per step).",
        ],
    )
