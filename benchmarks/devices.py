"""Device plumbing for the workloads that run on ``--device cpu`` and ``--device cuda``.

On the CPU a workload's implementations are ``numpy floor``, ``tapegrad`` and ``torch``; on
cuda they are ``cupy floor`` (where the workload has a floor), ``tapegrad cupy set`` and
``tapegrad numba set`` (tapegrad under each GPU kernel set, ``backends.use``), and ``torch``
(CUDA, TF32 off). These helpers name them, say why one cannot run here, give the array module,
the torch device and the synchronisation a GPU sample needs.

Imports nothing heavy at load time; cupy and torch are reached through ``benchmarks.gpu`` and
``benchmarks.machine`` when called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .registry import RunConfig

__all__ = ["floor_name", "tapegrad_impls", "in_set", "torch_for", "xp_for", "sync_for", "tensor"]


def floor_name(config: RunConfig) -> str:
    """``"numpy floor"`` on the CPU, ``"cupy floor"`` on cuda."""
    return "cupy floor" if config.device == "cuda" else "numpy floor"


def tapegrad_impls(config: RunConfig, kernels: bool = True) -> list[tuple]:
    """``(candidate name, kernel set or None, skip reason or None)`` for each tapegrad
    implementation: one on the CPU, one per GPU kernel set on cuda. ``kernels=False``: the
    workload calls no kernel a set replaces (matmul, convolution, pooling), so on cuda only the
    ``cupy`` set runs (the ``numba`` set would run the same CuPy code)."""
    if config.device != "cuda":
        return [("tapegrad", None, None)]
    from .gpu import GPU_SETS, _set_reason

    sets = GPU_SETS if kernels else ("cupy",)
    return [(f"tapegrad {s} set", s, _set_reason(s)) for s in sets]


def in_set(set_name: str | None, fn):
    """``fn`` run under the kernel set ``set_name`` (``fn`` itself when None)."""
    if set_name is None:
        return fn
    from .gpu import _in_set

    return _in_set(set_name, fn)


def torch_for(config: RunConfig):
    """``(torch, None)`` usable on ``config.device`` (CUDA with TF32 off), or ``(None, why)``."""
    if config.device == "cuda":
        from .gpu import _torch_cuda

        return _torch_cuda(config)
    from .machine import load_torch

    return load_torch(config)


def xp_for(config: RunConfig):
    """The array module of ``config.device``: numpy, or cupy (RuntimeError saying why not)."""
    if config.device == "cuda":
        from .gpu import _cupy

        return _cupy()
    import numpy

    return numpy


def sync_for(config: RunConfig, impl: str):
    """What a timed sample of ``impl`` ends with: None on the CPU, else a device synchronize
    (torch's for torch, cupy's for the rest)."""
    if config.device != "cuda":
        return None
    if impl == "torch":
        torch, _ = torch_for(config)
        return torch.cuda.synchronize
    return xp_for(config).cuda.Device().synchronize


def tensor(config: RunConfig, array, requires_grad: bool = False):
    """A tapegrad tensor of the NumPy ``array`` on ``config.device``."""
    import autograd as ag

    return ag.tensor(array, device=config.device, requires_grad=requires_grad)
