"""The ``cupy`` kernel set: the GPU hot path (cuBLAS matmul, im2col + cuBLAS convolution).

Same functions and signatures as the ``numpy`` set (see ``backends/numpy_kernels.py`` for the
shape conventions). Convolution and pooling run the numpy set's array-module-generic code with
``xp = cupy``: im2col through a strided view, the GEMMs through ``cupy.matmul`` (cuBLAS),
col2im as one strided add per kernel offset. cupy is imported lazily, inside the functions, so
this module imports on a machine without it.
"""

from __future__ import annotations

from . import cupy_or_none
from . import numpy_kernels as _generic

__all__ = [
    "name",
    "matmul",
    "conv_forward",
    "conv_grad_input",
    "conv_grad_weight",
    "max_pool_forward",
    "max_pool_backward",
    "avg_pool_forward",
    "avg_pool_backward",
]

name = "cupy"


def _cp():
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError(
            "the cupy kernel set needs cupy and a CUDA GPU; neither was found (pip install "
            "cupy-cuda12x on a machine with a GPU)"
        )
    return cp


def matmul(x, y):
    """Matrix product on the GPU (cuBLAS), numpy.matmul semantics.

    x: (..., n, k) or (k,); y: (..., k, m) or (k,). Returns (..., n, m).
    """
    return _cp().matmul(x, y)


def conv_forward(x, w, b, stride, padding, dilation, groups):
    """N-D cross-correlation on the GPU plus an optional bias.

    x: (N, C, *S); w: (O, C // groups, *K); b: (O,) or None; stride, dilation: d ints;
    padding: d (lo, hi) pairs. Returns (N, O, *Y),
    Y = (S + lo + hi - dilation * (K - 1) - 1) // stride + 1.
    """
    return _generic._conv_forward(_cp(), x, w, b, stride, padding, dilation, groups)


def conv_grad_input(gy, w, x_shape, stride, padding, dilation, groups):
    """Gradient of ``conv_forward`` in x. gy: (N, O, *Y); w: (O, C // groups, *K);
    x_shape: (N, C, *S). Returns gx of shape x_shape."""
    return _generic._conv_grad_input(
        _cp(), gy, w, tuple(x_shape), stride, padding, dilation, groups
    )


def conv_grad_weight(x, gy, w_shape, stride, padding, dilation, groups):
    """Gradient of ``conv_forward`` in w. x: (N, C, *S); gy: (N, O, *Y);
    w_shape: (O, C // groups, *K). Returns gw of shape w_shape."""
    return _generic._conv_grad_weight(
        _cp(), x, gy, tuple(w_shape), stride, padding, dilation, groups
    )


def max_pool_forward(x, kernel, stride, padding, dilation, ceil_mode):
    """Max pooling on the GPU. x: (N, C, *S); kernel, stride, padding, dilation: d ints.

    Returns ``(y, indices)``, both (N, C, *Y); indices the window-offset (C-order) position of
    each maximum in the smallest signed integer dtype that holds it, as in the numpy set.
    """
    return _generic._max_pool_forward(_cp(), x, kernel, stride, padding, dilation, ceil_mode)


def max_pool_backward(gy, indices, x_shape, kernel, stride, padding, dilation):
    """Gradient of ``max_pool_forward``. gy, indices: (N, C, *Y); x_shape: (N, C, *S).
    Returns gx of shape x_shape."""
    return _generic._max_pool_backward(
        _cp(), gy, indices, x_shape, kernel, stride, padding, dilation
    )


def avg_pool_forward(x, kernel, stride, padding, ceil_mode, count_include_pad):
    """Average pooling on the GPU. x: (N, C, *S); kernel, stride, padding: d ints.
    Returns (N, C, *Y)."""
    return _generic._avg_pool_forward(
        _cp(), x, kernel, stride, padding, ceil_mode, count_include_pad
    )


def avg_pool_backward(gy, x_shape, kernel, stride, padding, count_include_pad):
    """Gradient of ``avg_pool_forward``. gy: (N, C, *Y); x_shape: (N, C, *S).
    Returns gx of shape x_shape."""
    return _generic._avg_pool_backward(
        _cp(), gy, x_shape, kernel, stride, padding, count_include_pad
    )
