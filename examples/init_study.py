"""How weight initialisation shapes activations and gradients through a deep tanh or ReLU net.

The lecture notes' experiment: push unit-Gaussian data through a stack of equal-width layers and
watch the spread of the activations layer by layer, for four initialisations of the weights
(biases zero):

* zero: every activation is 0 and so is every gradient: nothing can ever learn (and even a
  constant non-zero init would leave all units of a layer identical: the symmetry is never broken);
* small random, N(0, 0.01^2): the activations shrink by ~0.01 * sqrt(width) per layer and
  collapse towards 0, and the weight gradients with them;
* Xavier (std 1/sqrt(fan_in) for a square layer): keeps tanh's activations at a steady spread;
  under ReLU, which zeroes half its inputs, the variance still halves per layer;
* He (std sqrt(2/fan_in)): compensates for that half, keeping ReLU nets steady.

    python -m examples.init_study [--quick] [--out runs/init_study] [--depth 10] [--width 500]
"""

from __future__ import annotations

import numpy as np

import autograd as ag
import nn

from ._common import parser, pyplot, save_figure, write_json

INITS = {
    "zero": lambda w, g: nn.init.zeros_(w),
    "small random (0.01)": lambda w, g: nn.init.small_random_(w, std=0.01, generator=g),
    "Xavier": lambda w, g: nn.init.xavier_normal_(w, generator=g),
    "He": lambda w, g: nn.init.kaiming_normal_(w, nonlinearity="relu", generator=g),
}
NONLINEARITIES = {"tanh": nn.Tanh, "relu": nn.ReLU}


def build(depth: int, width: int, act: str, init: str, generator) -> nn.Sequential:
    """``depth`` x (Linear(width, width) + activation) with weights from ``INITS[init]``."""
    layers = []
    for _ in range(depth):
        lin = nn.Linear(width, width)
        INITS[init](lin.weight, generator)
        nn.init.zeros_(lin.bias)
        layers += [lin, NONLINEARITIES[act]()]
    return nn.Sequential(*layers)


def layer_statistics(net: nn.Sequential, x: ag.Tensor, generator) -> dict:
    """Forward ``x`` (N, width) through ``net``, backward a random linear loss.

    Returns per hidden layer (lists of length depth): ``act_mean``, ``act_std`` of its output,
    ``grad_std``: std of the gradient of the loss w.r.t. its weight, and ``saturated``: the
    share of outputs with |h| > 0.99 (tanh's flat region).
    """
    hs = []
    h = x
    for layer in net:
        h = layer(h)
        if not isinstance(layer, nn.Linear):
            hs.append(h)
    cot = ag.tensor(generator.standard_normal(h.shape).astype(np.float32))
    (h * cot).sum().backward()
    linears = [m for m in net if isinstance(m, nn.Linear)]
    arr = [t.detach().numpy() for t in hs]
    return {
        "act_mean": [float(a.mean()) for a in arr],
        "act_std": [float(a.std()) for a in arr],
        "saturated": [float(np.mean(np.abs(a) > 0.99)) for a in arr],
        "grad_std": [float(m.weight.grad.numpy().std()) for m in linears],
    }


def main(argv=None) -> dict:
    """Run every (nonlinearity, init) pair, print a table, plot the per-layer statistics.

    Returns ``{"stats": {act: {init: layer_statistics}}, "plot": path, "paths": [...]}``.
    """
    ap = parser(__doc__, "init_study")
    ap.add_argument("--depth", type=int, default=None, help="layers (default 10; quick 6)")
    ap.add_argument("--width", type=int, default=None, help="units (default 500; quick 100)")
    args = ap.parse_args(argv)
    depth = args.depth or (6 if args.quick else 10)
    width = args.width or (100 if args.quick else 500)
    n = 200 if args.quick else 1000
    rng = np.random.default_rng(args.seed)
    x = ag.tensor(rng.standard_normal((n, width)).astype(np.float32))

    stats: dict = {}
    print(f"{depth} layers of width {width}, input {n} x {width} ~ N(0, 1)")
    print(
        f"{'':6s}{'init':22s}{'std layer 1':>12s}{'std layer ' + str(depth):>14s}"
        f"{'grad std L1':>13s}{'tanh |h|>0.99':>15s}"
    )
    for act in NONLINEARITIES:
        stats[act] = {}
        for init in INITS:
            g = np.random.default_rng(args.seed)
            s = layer_statistics(build(depth, width, act, init, g), x, g)
            stats[act][init] = s
            sat = f"{s['saturated'][-1]:.1%}" if act == "tanh" else "-"
            print(
                f"{act:6s}{init:22s}{s['act_std'][0]:12.3g}{s['act_std'][-1]:14.3g}"
                f"{s['grad_std'][0]:13.3g}{sat:>15s}"
            )

    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex=True)
    layers = np.arange(1, depth + 1)
    floor = 1e-12  # zero init: all exactly 0, drawn at the floor of the log axis
    for r, act in enumerate(NONLINEARITIES):
        for init, s in stats[act].items():
            axes[r, 0].semilogy(layers, np.maximum(s["act_std"], floor), "o-", label=init)
            axes[r, 1].semilogy(layers, np.maximum(s["grad_std"], floor), "o-", label=init)
        axes[r, 0].set(title=f"{act}: std of layer activations", ylabel="std")
        axes[r, 1].set(title=f"{act}: std of dLoss/dW per layer")
    for a in axes.flat:
        a.grid(alpha=0.3, which="both")
        a.set_ylim(bottom=floor / 3)
    for a in axes[1]:
        a.set_xlabel("layer")
    axes[0, 0].legend(
        fontsize=8, title="init (zero: all exactly 0, drawn at 1e-12)", title_fontsize=8
    )
    fig.suptitle(f"{depth}-layer net, width {width}: activation and gradient scale by init")
    path = save_figure(fig, args.out / "init_study.png")
    report = write_json(args.out / "results.json", {"depth": depth, "width": width, "stats": stats})
    print(f"\nwrote {path}\nwrote {report}")
    return {"stats": stats, "plot": path, "paths": [str(path), str(report)]}


if __name__ == "__main__":
    main()
