"""Module backward hooks (``register_full_backward_hook``, ``register_full_backward_pre_hook``)
built from three tape records around one call of a module:

* ``_Out``: identity on the module's output. Its backward sees grad_output first: it runs the
  backward pre-hooks (which may replace it) and keeps it for the full hooks.
* ``_Gate`` + ``_Pass``: the gradients of the module's tensor inputs must all be known before
  the full hooks run, and the hooks may replace any of them. A record returns gradients only to
  its own parents, so the inputs are re-wired: ``_Gate`` takes every input that requires grad as
  a parent and outputs a 0-d token; each input then reaches the module through ``_Pass``, an
  identity on the input's array whose only parent is that token. The ``_Pass`` records run
  first (they are newer), store their gradients and send the token a zero; the ``_Gate`` record
  runs after all of them, calls the hooks with the whole grad_input, and returns what they say
  to the real inputs.

When no input requires grad the full hooks run in ``_Out`` with an all-None grad_input, as in
PyTorch. A backward that reaches the inputs without passing through the output (a loss on a
tensor the module stashed) runs no hook, as in PyTorch. The hooks are those registered when the
module was called. Only modules returning one Tensor (after the forward hooks) are supported.
"""

from __future__ import annotations

from autograd import Function, Tensor
from autograd.ops.shape import share_version
from autograd.tensor import _wrap
from backends import array_module


def _as_tensors(grads):
    """Hooks see Tensors (a first-order backward runs on raw arrays); None stays None."""
    return tuple(g if g is None or isinstance(g, Tensor) else _wrap(g, None, False) for g in grads)


def _as_engine(g, like):
    """A hook's gradient back in the engine's form: raw when the engine runs raw (``like``,
    the gradient it handed out, is an array), a Tensor under create_graph."""
    if g is None or isinstance(like, Tensor):
        return g
    return g._data if isinstance(g, Tensor) else g


class _Call:
    """What one module call's records share: the hooks, grad_output, the inputs' gradients."""

    __slots__ = (
        "module", "n_args", "positions", "like", "grads", "grad_output", "token_dtype", "full",
        "pre",
    )  # fmt: skip

    def __init__(self, module, n_args, positions, like):
        self.module = module
        self.n_args = n_args  # positional arguments of the call
        self.positions = positions  # those that are tensors requiring grad, in order
        self.like = like  # position -> (array module, shape, dtype): zeros for an unused input
        self.grads = {}
        self.grad_output = None
        self.token_dtype = None
        # the hooks registered at call time (PyTorch's rule), fired at backward
        self.full = list(module._backward_hooks.values())
        self.pre = list(module._backward_pre_hooks.values())

    def run_full_hooks(self, grad_input: tuple) -> tuple:
        """Call every full backward hook with Tensors; returns the (possibly replaced)
        grad_input in the engine's form."""
        raw = grad_input
        grad_input = _as_tensors(grad_input)
        grad_output = _as_tensors(self.grad_output)
        for hook in self.full:
            res = hook(self.module, grad_input, grad_output)
            if res is not None:
                res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(res) != len(grad_input):
                    raise RuntimeError(
                        f"backward hook of {type(self.module).__name__} returned {len(res)} "
                        f"gradients, but the module has {len(grad_input)} positional inputs"
                    )
                grad_input = res
        like = next((g for g in raw if g is not None), None)
        return tuple(_as_engine(g, like) for g in grad_input)


class _Out(Function):
    """y = x (the module's output); backward runs the pre-hooks and records grad_output."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ("call",)

    def forward(self, x, call):
        self.call = call
        return x

    def backward(self, gy):
        call = self.call
        grad_output = _as_tensors((gy,))
        for hook in call.pre:
            res = hook(call.module, grad_output)
            if res is not None:
                grad_output = tuple(res) if isinstance(res, (tuple, list)) else (res,)
                if len(grad_output) != 1:
                    raise RuntimeError(
                        f"backward pre-hook of {type(call.module).__name__} returned "
                        f"{len(grad_output)} gradients for 1 output"
                    )
        call.grad_output = grad_output
        if not call.positions and call.full:
            call.run_full_hooks((None,) * call.n_args)
            call.grad_output = None
        return _as_engine(grad_output[0], gy), None


class _Gate(Function):
    """A 0-d token whose parents are the module's inputs; backward hands them the hooks' say."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ("call",)

    def forward(self, call, *xs):
        self.call = call
        return array_module(xs[0]).zeros((), dtype=xs[0].dtype)

    def backward(self, token_grad):
        call = self.call
        grad_input = [None] * call.n_args
        for pos in call.positions:
            g = call.grads.get(pos)
            if g is None:  # an input the output does not depend on: zeros, as PyTorch
                g = _zeros(call.like[pos], token_grad)
            grad_input[pos] = g
        # the hooks fire only when this backward came through the module's output
        if call.full and call.grad_output is not None:
            grad_input = call.run_full_hooks(tuple(grad_input))
        call.grads, call.grad_output = {}, None  # a retained graph's next pass starts afresh
        return (None,) + tuple(grad_input[pos] for pos in call.positions)


def _zeros(meta, like):
    """Zeros of ``meta = (array module, shape, dtype)``, a constant Tensor when ``like`` (the
    gradient the engine handed in) is a Tensor."""
    xp, shape, dtype = meta
    z = xp.zeros(shape, dtype)
    return _wrap(z, None, False) if isinstance(like, Tensor) else z


class _Pass(Function):
    """y = the input's array (identity); its gradient is stored for the gate, not passed on."""

    twice_differentiable = False  # see Function.twice_differentiable

    __slots__ = ("call", "pos")

    def forward(self, token, x, call, pos):
        self.call, self.pos = call, pos
        return x

    def backward(self, gy):
        self.call.grads[self.pos] = gy
        raw = gy._data if isinstance(gy, Tensor) else gy
        wake = array_module(raw).zeros((), self.call.token_dtype)  # wakes the gate
        return (_wrap(wake, None, False) if isinstance(gy, Tensor) else wake), None, None, None


def wrap_inputs(module, args: tuple):
    """``(args, call)``: the args with each tensor that requires grad re-wired through the gate
    (see the module docstring), and the call's shared state."""
    positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
    like = {i: (array_module(args[i]._data), args[i].shape, args[i].dtype) for i in positions}
    call = _Call(module, len(args), positions, like)
    if not positions:
        return args, call
    token = _Gate.apply(call, *[args[i] for i in positions])
    call.token_dtype = token.dtype
    new = list(args)
    for pos in positions:
        x = args[pos]
        new[pos] = share_version(x, _Pass.apply(token, x._data, call, pos))
    return tuple(new), call


def wrap_output(out, call):
    """The module's output through ``_Out``; TypeError for outputs other than one Tensor."""
    if not isinstance(out, Tensor):
        raise TypeError(
            f"{type(call.module).__name__}: full backward hooks need a module that returns one "
            f"Tensor, got {type(out).__name__}"
        )
    if not out.requires_grad:
        return out
    return share_version(out, _Out.apply(out, call))
