"""Write your own differentiable op, check its gradient numerically, and watch a bug get caught.

A custom op subclasses ``ag.Function`` and writes ``forward`` (on raw arrays) and ``backward``
(one gradient per input) side by side. ``ag.gradcheck`` compares the backward against central
differences in float64; ``ag.gradgradcheck`` does the same for the gradient of the gradient.

Two plausible-looking bugs follow. The first, a backward that forgets to multiply by the
upstream gradient ``gy``, gives the right answer whenever ``gy`` is all ones, i.e. for
``y.sum().backward()``, which is why gradcheck contracts the output with a random cotangent.
The second swaps the two partial derivatives. gradcheck catches both and names the input and
the worst element.

    python -m examples.gradcheck_custom_op [--quick] [--out runs/gradcheck_custom_op]
"""

from __future__ import annotations

import numpy as np

import autograd as ag

from ._common import parser, write_json


class Hypot(ag.Function):
    """z = sqrt(x^2 + y^2), broadcasting x and y. dz/dx = x / z, dz/dy = y / z."""

    save_inputs = (0, 1)
    save_output = True

    def forward(self, x, y):
        return (x * x + y * y) ** 0.5

    def backward(self, gy):
        # written with operators only, so create_graph=True records it (second order works)
        x, y, z = self.saved
        gx = self.reduce_grad(0, gy * x / z) if self.needs_grad(0) else None
        gyy = self.reduce_grad(1, gy * y / z) if self.needs_grad(1) else None
        return gx, gyy


class HypotForgetsGy(Hypot):
    """Bug 1: the chain rule's upstream factor is missing (right only when gy is all ones)."""

    def backward(self, gy):
        x, y, z = self.saved
        ones = gy * 0 + 1  # the gradient a plain ``.sum().backward()`` would send
        return self.reduce_grad(0, ones * x / z), self.reduce_grad(1, ones * y / z)


class HypotSwapped(Hypot):
    """Bug 2: the two partial derivatives are swapped."""

    def backward(self, gy):
        x, y, z = self.saved
        return self.reduce_grad(0, gy * y / z), self.reduce_grad(1, gy * x / z)


def hypot(x, y, op=Hypot):
    """sqrt(x^2 + y^2) through the custom op ``op``. x, y: broadcastable tensors."""
    return op.apply(x, y)


def sum_backward_matches(op, x, y) -> bool:
    """Whether ``op``'s gradient of ``hypot(x, y).sum()`` matches NumPy's closed form.

    This is the check people write by hand, with an all-ones cotangent; it passes for
    ``HypotForgetsGy``.
    """
    xs = x.detach().requires_grad_(True)
    ys = y.detach().requires_grad_(True)
    hypot(xs, ys, op).sum().backward()
    xn, yn = x.detach().numpy(), y.detach().numpy()
    z = np.sqrt(xn * xn + yn * yn)
    # d/dx sum(z) = x / z; y was broadcast over the rows, so its gradient sums over them
    ok_x = np.allclose(xs.grad.numpy(), xn / z)
    ok_y = np.allclose(ys.grad.numpy(), (yn / z).sum(axis=0))
    return bool(ok_x and ok_y)


def check(op, x, y) -> tuple[bool, str]:
    """Run gradcheck on ``op``. Returns (passed, message): the GradcheckError text if not."""
    try:
        ag.gradcheck(lambda a, b: hypot(a, b, op), (x, y))
        return True, "passed"
    except ag.GradcheckError as e:
        return False, str(e)


def main(argv=None) -> dict:
    """Check Hypot (first and second order) and the two broken variants; returns the outcomes.

    Returns a dict: ``hypot_gradcheck``, ``hypot_gradgradcheck`` (bools),
    ``forgets_gy_passes_sum_check`` (the hand check with gy = 1 is fooled),
    ``forgets_gy_caught``, ``swapped_caught`` (bools), and the two error messages.
    """
    args = parser(__doc__, "gradcheck_custom_op").parse_args(argv)
    rng = np.random.default_rng(args.seed)
    n = 3 if args.quick else 6
    # float64, and away from the origin where sqrt is not differentiable
    x = ag.tensor(
        rng.uniform(0.5, 2.0, (n, 4)) * rng.choice([-1, 1], (n, 4)),
        dtype=ag.float64,
        requires_grad=True,
    )
    y = ag.tensor(rng.uniform(0.5, 2.0, 4), dtype=ag.float64, requires_grad=True)  # broadcast

    z = hypot(x, y)
    print(f"Hypot.apply(x {tuple(x.shape)}, y {tuple(y.shape)}) -> z {tuple(z.shape)}")
    ok1, _ = check(Hypot, x, y)
    ok2 = ag.gradgradcheck(lambda a, b: hypot(a, b), (x, y))
    print(f"gradcheck(Hypot):     {'passed' if ok1 else 'FAILED'}")
    print(f"gradgradcheck(Hypot): {'passed' if ok2 else 'FAILED'}  (backward is differentiable)")

    fooled = sum_backward_matches(HypotForgetsGy, x, y)
    print(
        f"\nHypotForgetsGy vs the closed form under z.sum().backward(): "
        f"{'matches (the bug hides)' if fooled else 'differs'}"
    )
    ok3, msg3 = check(HypotForgetsGy, x, y)
    print(f"gradcheck(HypotForgetsGy): {'passed (MISSED!)' if ok3 else 'caught'}\n  {msg3}")
    ok4, msg4 = check(HypotSwapped, x, y)
    print(f"gradcheck(HypotSwapped):   {'passed (MISSED!)' if ok4 else 'caught'}\n  {msg4}")

    results = {
        "hypot_gradcheck": ok1,
        "hypot_gradgradcheck": bool(ok2),
        "forgets_gy_passes_sum_check": fooled,
        "forgets_gy_caught": not ok3,
        "swapped_caught": not ok4,
        "forgets_gy_message": msg3,
        "swapped_message": msg4,
    }
    path = write_json(args.out / "results.json", results)
    print(f"\nwrote {path}")
    results["paths"] = [str(path)]
    return results


if __name__ == "__main__":
    main()
