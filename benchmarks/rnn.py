"""Workload "rnn": a 2-layer LSTM forward + backward, the recurrent hot path.

``LSTM(128, 256, num_layers=2)``, batch 32, sequence length 50 (``--quick``: 10), float32,
time-major (``batch_first=False``): x (L, 32, 128) requires grad, every parameter too; the
backward is seeded with a fixed random gy on the output (L, 32, 256) and nothing on h_n, c_n.
One call is a forward and a backward computing gx and the gradients of all eight parameters.
All implementations start from the same weights (PyTorch's default U(-1/sqrt(256), 1/sqrt(256)),
drawn once) and zero initial states.

Candidates:

* ``numpy floor``: the LSTM written by hand in NumPy, as an efficient program would. Per layer
  one GEMM projects the inputs of all time steps (both biases added once); per step one GEMM
  for the recurrent part, added in place, and the gate math fused into preallocated buffers.
  The floor keeps its gate rows in the order (o, i, f, g) instead of PyTorch's (i, f, g, o) (a
  one-time permutation of the weights), so the three sigmoid gates are one contiguous block:
  sigmoid(a) = (tanh(a / 2) + 1) / 2, and one tanh call covers all four gates; the recurrent
  GEMM is taken as W_hh h^T, the shape OpenBLAS runs fastest. Backward through time by hand:
  per step the gate gradients by in-place products into one (L, N, 4H) buffer and one GEMM for
  the recurrent gradient, then per layer one GEMM each for gW_hh, gW_ih and the input gradient
  over all steps (and one sum for the bias gradient).
* ``tapegrad``: ``nn.LSTM(128, 256, num_layers=2)`` with the same weights:
  ``out, _ = lstm(x); out.backward(gy)`` (one recorded op per layer for the recurrence).
* ``torch``: ``torch.nn.LSTM`` with the same weights, when torch imports, with
  ``torch.set_num_threads`` fixed to the run's threads.

No target (report only). GFLOP/s counts the GEMMs: per layer 2 L N 4H (K + H) flops forward
(K its input size) and twice that backward.

With ``--device cuda``: ``cupy floor`` (the floor's code on CuPy), ``tapegrad cupy set``
(tensors on cuda) and ``torch`` on CUDA (cuDNN, TF32 off). Only the cupy kernel set runs: the
numba set's GEMM is tuned for large matrices, and the recurrence's per-step GEMMs are small.
"""

from __future__ import annotations

import math

import numpy as np

from . import devices
from .common import as_numpy, compare
from .registry import Candidate, Ratio, RunConfig, WorkloadSetup

__all__ = [
    "INPUT",
    "HIDDEN",
    "LAYERS",
    "BATCH",
    "SEQ",
    "QUICK_SEQ",
    "KEYS",
    "init_params",
    "make_data",
    "lstm_flops",
    "FloorLSTM",
    "setup",
]

INPUT, HIDDEN, LAYERS, BATCH = 128, 256, 2, 32
SEQ, QUICK_SEQ = 50, 10
# relative norm error vs a float64 run of the floor: float32 rounding through 2 x 50 steps gives
# <= 8e-7 here (floor, tapegrad and torch alike); TF32 GEMMs or a wrong term give far more
CHECK_NORM = 1e-4
KEYS = tuple(
    f"{kind}_l{layer}"
    for layer in range(LAYERS)
    for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
)


def init_params(seed: int = 1) -> dict:
    """PyTorch's parameters of ``LSTM(INPUT, HIDDEN, LAYERS)`` (gate rows i, f, g, o), float32,
    from U(-1/sqrt(HIDDEN), 1/sqrt(HIDDEN))."""
    rng = np.random.default_rng(seed)
    bound = 1.0 / math.sqrt(HIDDEN)
    g = 4 * HIDDEN
    out = {}
    for layer in range(LAYERS):
        k = INPUT if layer == 0 else HIDDEN
        shapes = {"weight_ih": (g, k), "weight_hh": (g, HIDDEN), "bias_ih": (g,), "bias_hh": (g,)}
        for kind, shape in shapes.items():
            out[f"{kind}_l{layer}"] = rng.uniform(-bound, bound, shape).astype(np.float32)
    return out


def make_data(seq: int = SEQ, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x (seq, BATCH, INPUT) and the cotangent gy (seq, BATCH, HIDDEN): float32 standard normal."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((seq, BATCH, INPUT)).astype(np.float32)
    return x, rng.standard_normal((seq, BATCH, HIDDEN)).astype(np.float32)


def lstm_flops(seq: int) -> float:
    """GEMM flops of one forward + backward: per layer 2 L N 4H (K + H) forward (the input
    projection and the recurrent products), twice that backward (gx and gW_ih; gh and gW_hh)."""
    fwd = sum(
        2.0 * seq * BATCH * 4 * HIDDEN * ((INPUT if layer == 0 else HIDDEN) + HIDDEN)
        for layer in range(LAYERS)
    )
    return 3 * fwd


def _to_floor_order(w, hid: int):
    """Gate rows (i, f, g, o) -> the floor's (o, i, f, g): a roll by one gate."""
    return w[np.r_[3 * hid : 4 * hid, 0 : 3 * hid]]


def _from_floor_order(w, hid: int):
    """Gate rows (o, i, f, g) -> PyTorch's (i, f, g, o)."""
    return w[np.r_[hid : 4 * hid, 0:hid]]


class FloorLSTM:
    """The LSTM forward + backward in raw array code with a hand-written backward through time.

    params: PyTorch's state dict (NumPy arrays); x (L, N, I), gy (L, N, H): arrays of the module
    ``xp`` (numpy or cupy) it runs on. The weights are copied onto ``xp`` in gate order
    (o, i, f, g). Buffers are allocated once, at construction. ``run()`` returns
    ``(y, gx, grads)``, grads in the floor's gate order; ``grads_torch_order()`` gives them as
    PyTorch names and orders them.

    Per layer it keeps: A (L, N, 4H) the gate activations [o, i, f, g], C (L, N, H) the cells,
    TC = tanh(C) and Y (L, N, H) the hidden states (the layer's output). Zero initial states:
    step 0 has no recurrent GEMM and no f c_{t-1} term.
    """

    def __init__(self, params: dict, x, gy, xp=np):
        self.xp, self.x, self.gy = xp, x, gy
        hid, (seq, batch, _) = HIDDEN, x.shape
        dt = x.dtype
        self.w = []  # per layer: (W_ih (4H, K), W_hh (4H, H), b_ih, b_hh), floor gate order
        self.g = []  # per layer: (gW_ih, gW_hh, gb): gb is the gradient of b_ih and of b_hh
        self.buf = []
        for layer in range(LAYERS):
            w = [
                xp.asarray(np.ascontiguousarray(_to_floor_order(params[f"{k}_l{layer}"], hid)))
                for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
            ]
            self.w.append(w)
            self.g.append([xp.empty_like(w[0]), xp.empty_like(w[1]), xp.empty_like(w[2])])
            self.buf.append(
                dict(
                    A=xp.empty((seq, batch, 4 * hid), dt),
                    C=xp.empty((seq, batch, hid), dt),
                    TC=xp.empty((seq, batch, hid), dt),
                    Y=xp.empty((seq, batch, hid), dt),
                    b=xp.empty(4 * hid, dt),
                )
            )
        self.gx = xp.empty_like(x)
        self.gy0 = xp.empty((seq, batch, hid), dt)  # the gradient on layer 0's output
        self.K = xp.empty((seq, batch, 4 * hid), dt)  # the gate gradients of all steps
        self.tmp4t = xp.empty((4 * hid, batch), dt)  # a step's recurrent part, transposed
        self.tmp = xp.empty((batch, hid), dt)
        self.dh = xp.empty((batch, hid), dt)
        self.dc = xp.empty((batch, hid), dt)
        self.carry_h = xp.empty((batch, hid), dt)
        self.carry_c = xp.empty((batch, hid), dt)

    def _forward_layer(self, x, w, buf):
        """x (L, N, K) -> buf["Y"] (L, N, H); fills the layer's A, C, TC."""
        xp, hid = self.xp, HIDDEN
        w_ih, w_hh, b_ih, b_hh = w
        A, C, TC, Y, b = buf["A"], buf["C"], buf["TC"], buf["Y"], buf["b"]
        seq, batch = x.shape[:2]
        A2 = A.reshape(seq * batch, 4 * hid)
        xp.matmul(x.reshape(seq * batch, x.shape[2]), w_ih.T, out=A2)  # all steps' x W_ih^T
        xp.add(b_ih, b_hh, out=b)
        A2 += b
        tmp4t, tmp = self.tmp4t, self.tmp
        for t in range(seq):
            a = A[t]
            if t:  # (W_hh h^T)^T: OpenBLAS runs this shape ~1.6x faster than h W_hh^T
                xp.matmul(w_hh, Y[t - 1].T, out=tmp4t)
                a += tmp4t.T
            s = a[:, : 3 * hid]  # o, i, f: sigmoid(a) = (tanh(a / 2) + 1) / 2
            s *= 0.5
            xp.tanh(a, out=a)
            s *= 0.5
            s += 0.5
            o, i, f, g = a[:, :hid], a[:, hid : 2 * hid], a[:, 2 * hid : 3 * hid], a[:, 3 * hid :]
            c = C[t]
            xp.multiply(i, g, out=c)
            if t:
                xp.multiply(f, C[t - 1], out=tmp)
                c += tmp
            xp.tanh(c, out=TC[t])
            xp.multiply(o, TC[t], out=Y[t])
        return Y

    def _backward_layer(self, x, gy, w, g, buf, gx):
        """gy (L, N, H) on the layer's output -> gx (L, N, K) and the layer's g (gW_ih, gW_hh,
        gb), from the activations the forward left in ``buf``."""
        xp, hid = self.xp, HIDDEN
        w_ih, w_hh = w[0], w[1]
        gw_ih, gw_hh, gb = g
        A, C, TC, Y = buf["A"], buf["C"], buf["TC"], buf["Y"]
        seq, batch = x.shape[:2]
        K = self.K
        dh, dc, tmp = self.dh, self.dc, self.tmp
        carry_h, carry_c = self.carry_h, self.carry_c
        # backward through time; the gate gradients da_t are written into K[t]. The gate
        # derivatives are taken per step, on arrays that stay in cache: taken for all steps at
        # once before the loop, they stream (L, N, 4H) arrays through memory a dozen times,
        # which measured ~10% slower overall
        for t in range(seq - 1, -1, -1):
            a, k = A[t], K[t]
            a4, k4 = a.reshape(batch, 4, hid), k.reshape(batch, 4, hid)
            o, i, f, g = a4[:, 0], a4[:, 1], a4[:, 2], a4[:, 3]
            tc = TC[t]
            first = t == seq - 1
            dh = gy[t] if first else xp.add(gy[t], carry_h, out=self.dh)
            # dc_t = dh_t o (1 - tanh^2 c_t) + dc_{t+1} f_{t+1}
            xp.multiply(tc, tc, out=dc)
            xp.subtract(1, dc, out=dc)
            dc *= o
            dc *= dh
            if not first:
                dc += carry_c
            # da_o = dh o (1 - o) tanh c; da_i = dc g i (1 - i); da_f = dc c_{t-1} f (1 - f);
            # da_g = dc i (1 - g^2)
            s, ks = a[:, : 3 * hid], k[:, : 3 * hid]
            xp.subtract(1, s, out=ks)
            ks *= s
            kg = k4[:, 3]
            xp.multiply(g, g, out=kg)
            xp.subtract(1, kg, out=kg)
            xp.multiply(dh, tc, out=tmp)
            k4[:, 0] *= tmp
            k4[:, 1:] *= dc[:, None, :]
            k4[:, 1] *= g
            k4[:, 3] *= i
            if t:
                k4[:, 2] *= C[t - 1]
                xp.multiply(dc, f, out=carry_c)  # dc_{t-1} = dc_t f_t
                xp.matmul(k, w_hh, out=carry_h)  # dh_{t-1} = da_t W_hh
            else:
                k4[:, 2] = 0  # c_{-1} = 0
        # the weight and input gradients over all steps: one GEMM each
        rows = seq * batch
        dA = K.reshape(rows, 4 * hid)
        xp.sum(dA, axis=0, out=gb)
        xp.matmul(K[1:].reshape(rows - batch, 4 * hid).T, Y[:-1].reshape(rows - batch, hid),
                  out=gw_hh)  # fmt: skip
        xp.matmul(dA.T, x.reshape(rows, x.shape[2]), out=gw_ih)
        xp.matmul(dA, w_ih, out=gx.reshape(rows, gx.shape[2]))

    def run(self):
        """One forward and backward: (y (L, N, H), gx (L, N, I), [[gW_ih, gW_hh, gb], ...])."""
        inputs = [self.x]
        for layer in range(LAYERS):
            inputs.append(self._forward_layer(inputs[-1], self.w[layer], self.buf[layer]))
        gy = self.gy
        for layer in range(LAYERS - 1, -1, -1):
            gx = self.gx if layer == 0 else self.gy0
            self._backward_layer(
                inputs[layer], gy, self.w[layer], self.g[layer], self.buf[layer], gx
            )
            gy = gx
        return inputs[-1], self.gx, self.g

    def grads_torch_order(self) -> dict:
        """The last run's parameter gradients as NumPy arrays, named and ordered as PyTorch's."""
        out = {}
        for layer, (gw_ih, gw_hh, gb) in enumerate(self.g):
            gb = _from_floor_order(as_numpy(gb), HIDDEN)
            out[f"weight_ih_l{layer}"] = _from_floor_order(as_numpy(gw_ih), HIDDEN)
            out[f"weight_hh_l{layer}"] = _from_floor_order(as_numpy(gw_hh), HIDDEN)
            out[f"bias_ih_l{layer}"] = gb
            out[f"bias_hh_l{layer}"] = gb.copy()
        return out


def _build_tapegrad(config, set_name, params, x_np, gy_np):
    """``fwd_bwd()`` for tapegrad's nn.LSTM, returning (y, gx, {name: grad})."""
    import autograd as ag
    import nn

    lstm = nn.LSTM(INPUT, HIDDEN, num_layers=LAYERS)
    lstm.load_state_dict({k: ag.tensor(v) for k, v in params.items()})
    if config.device == "cuda":
        lstm.to("cuda")
    x = devices.tensor(config, x_np, requires_grad=True)
    gy = devices.tensor(config, gy_np)
    named = dict(lstm.named_parameters())

    def fwd_bwd():
        lstm.zero_grad()
        x.grad = None
        out, _ = lstm(x)
        out.backward(gy)
        return out, x.grad, {k: p.grad for k, p in named.items()}

    return devices.in_set(set_name, fwd_bwd)


def _build_torch(torch, config, params, x_np, gy_np):
    """``fwd_bwd()`` for torch.nn.LSTM, returning (y, gx, {name: grad})."""
    lstm = torch.nn.LSTM(INPUT, HIDDEN, num_layers=LAYERS)
    lstm.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in params.items()})
    dev = config.device
    lstm.to(dev)  # on cuda, to() also packs the weights into cuDNN's single buffer
    x = torch.tensor(x_np, requires_grad=True, device=dev)
    gy = torch.tensor(gy_np, device=dev)
    named = dict(lstm.named_parameters())

    def fwd_bwd():
        lstm.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = lstm(x)
        out.backward(gy)
        return out, x.grad, {k: p.grad for k, p in named.items()}

    return fwd_bwd


def setup(config: RunConfig) -> WorkloadSetup:
    """Build the rnn workload's candidates, ratios and correctness check."""
    cuda = config.device == "cuda"
    seq = QUICK_SEQ if config.quick else SEQ
    params = init_params()
    x_np, gy_np = make_data(seq)
    flops = lstm_flops(seq)

    floor = devices.floor_name(config)
    xp = devices.xp_for(config)
    fl = FloorLSTM(params, xp.asarray(x_np), xp.asarray(gy_np), xp)

    def floor_fn():
        y, gx, g = fl.run()
        return y, gx, fl.grads_torch_order()

    fns = {floor: floor_fn}
    tg_impls = devices.tapegrad_impls(config, kernels=False)  # on cuda: the cupy set only
    for name, set_name, skip in tg_impls:
        if skip is None:
            fns[name] = _build_tapegrad(config, set_name, params, x_np, gy_np)
    torch, reason = devices.torch_for(config)
    if torch is not None:
        fns["torch"] = _build_torch(torch, config, params, x_np, gy_np)

    candidates = [
        Candidate(floor, "numpy" if not cuda else "cupy", "fwd+bwd", fl.run,
                  sync=devices.sync_for(config, floor))
    ]  # fmt: skip
    for name, _, skip in tg_impls:
        fn = fns.get(name)
        sync = devices.sync_for(config, name) if fn else None
        candidates.append(Candidate(name, "tapegrad", "fwd+bwd", fn, skip_reason=skip, sync=sync))
    th = fns.get("torch")
    th_sync = devices.sync_for(config, "torch") if th else None
    candidates.append(Candidate("torch", "torch", "fwd+bwd", th, skip_reason=reason, sync=th_sync))
    for c in candidates:
        c.flops = flops

    ratios = []
    for name, _, _ in tg_impls:
        ratios.append(Ratio(f"{name} / floor, fwd+bwd", name, floor))
        ratios.append(Ratio(f"{name} / torch, fwd+bwd", name, "torch"))
    ratios.append(Ratio("torch / floor, fwd+bwd", "torch", floor))

    def check() -> tuple[bool, str]:
        """y, gx and every parameter gradient of each candidate match the floor's code run in
        float64 on the CPU (relative norm error <= CHECK_NORM)."""
        p64 = {k: v.astype(np.float64) for k, v in params.items()}
        ref = FloorLSTM(p64, x_np.astype(np.float64), gy_np.astype(np.float64))
        y_ref, gx_ref, _ = ref.run()
        g_ref = ref.grads_torch_order()
        problems = []
        for impl, fn in fns.items():
            y, gx, grads = fn()
            pairs = [("y", y, y_ref), ("gx", gx, gx_ref)]
            pairs += [(f"grad of {k}", grads[k], g_ref[k]) for k in KEYS]
            for what, got, want in pairs:
                p = compare(f"{impl}: {what}", got, want, np.float32, CHECK_NORM)
                if p:
                    problems.append(p)
        if problems:
            return False, "; ".join(problems)
        return True, (
            "y, gx and the 8 parameter gradients match the floor's code in float64 (relative "
            f"norm error <= {CHECK_NORM:g}): " + ", ".join(fns)
        )

    notes = [
        "one call: forward, then backward seeded with a fixed gy on the output (none on h_n, "
        "c_n), computing gx and the gradients of all 8 parameters.",
        f"GFLOP/s counts the GEMMs only ({flops / 1e9:.2f} GFLOP per call); no target.",
    ]
    if cuda:
        notes.append(
            "on cuda: torch runs cuDNN (TF32 off); the cupy floor is the NumPy floor's code on "
            "CuPy (some 20 small kernel launches per step), not a fused kernel."
        )
    return WorkloadSetup(
        candidates=candidates,
        ratios=ratios,
        unit="ms/call",
        unit_seconds=1e-3,
        units_per_call=1,
        params={
            "input_size": INPUT,
            "hidden_size": HIDDEN,
            "num_layers": LAYERS,
            "batch": BATCH,
            "seq_len": seq,
            "batch_first": False,
            "dtype": "float32",
            "device": config.device,
            "grads": ["x"] + list(KEYS),
            "flops_per_call": flops,
        },
        check=check,
        notes=notes,
    )
