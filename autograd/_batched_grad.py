"""``autograd.grad(..., is_grads_batched=True)``: one vector-Jacobian product per entry of a
batch of output gradients (PyTorch's), stacked.

PyTorch vmaps the backward pass; here each entry is its own backward pass through the kept
graph (the results are the same; the time is B passes).
"""

from __future__ import annotations


def batched_grad(run_backward, outputs, grad_outputs, retain_graph, create_graph, inputs):
    """Per-input gradients of shape (B, *input.shape), or None where no entry reaches it.

    grad_outputs: one Tensor per output, each of shape (B, *output.shape) with the same B.
    run_backward: the engine's (outputs, grads, retain_graph, create_graph, inputs, what).
    """
    from .ops import stack
    from .tensor import Tensor

    sizes = set()
    for i, (o, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(g, Tensor) or tuple(g.shape[1:]) != tuple(o.shape) or g.ndim < 1:
            shape = tuple(g.shape) if isinstance(g, Tensor) else type(g).__name__
            raise ValueError(
                f"grad: with is_grads_batched=True, grad_outputs[{i}] must be a Tensor of shape "
                f"(B, *output shape) = (B, {', '.join(map(str, o.shape))}), got {shape}"
            )
        sizes.add(g.shape[0])
    if len(sizes) != 1:
        raise ValueError(
            f"grad: is_grads_batched=True needs one batch size across grad_outputs, got "
            f"{sorted(sizes)}"
        )
    (n,) = sizes
    keep = create_graph if retain_graph is None else retain_graph
    per = [
        run_backward(
            outputs, [g[b] for g in grad_outputs], keep or b < n - 1, create_graph, inputs, "grad"
        )
        for b in range(n)
    ]
    out = []
    for i, x in enumerate(inputs):
        col = [r[i] for r in per]
        if n == 0 or all(g is None for g in col):
            out.append(None)
            continue
        from .factory import zeros_like

        out.append(stack([zeros_like(x) if g is None else g for g in col]))
    return out
