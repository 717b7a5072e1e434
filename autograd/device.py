"""Device helpers: resolve ``'cuda[:N]'`` to the cupy module, and move arrays between devices."""

from __future__ import annotations

__all__ = ["cuda_module", "parse_device", "parse_to_args"]


def parse_device(device) -> tuple[str, int]:
    """``'cpu'`` -> ('cpu', 0); ``'cuda'``/``'cuda:1'`` -> ('cuda', N). ValueError otherwise."""
    s = str(device)
    if s == "cpu":
        return "cpu", 0
    if s == "cuda":
        return "cuda", 0
    if s.startswith("cuda:") and s[5:].isdigit():
        return "cuda", int(s[5:])
    raise ValueError(f"unknown device {device!r}: expected 'cpu', 'cuda' or 'cuda:N'")


def cuda_module(device="cuda"):
    """The cupy module, with device N current; RuntimeError saying why if there is no GPU."""
    from backends import cupy_or_none

    kind, idx = parse_device(device)
    cp = cupy_or_none()
    if cp is None:
        raise RuntimeError(
            f"device {device!r} is not available: cupy is not installed or no CUDA GPU is "
            "visible (install tapegrad[gpu] on a machine with a GPU)"
        )
    cp.cuda.Device(idx).use()
    return cp


def move(arr, device: str):
    """``arr`` copied to ``device`` (numpy for cpu, cupy for cuda:N)."""
    kind, _ = parse_device(device)
    if kind == "cpu":
        return arr if type(arr).__module__ == "numpy" else arr.get()
    return cuda_module(device).asarray(arr)


def parse_to_args(args, kwargs) -> tuple:
    """``(device, dtype)`` from ``to(device)``, ``to(dtype)``, ``to(device, dtype)``,
    ``to(other_tensor)`` or the ``device=``/``dtype=`` keywords (either may come back None).
    """
    kwargs = dict(kwargs)
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"to() got unexpected arguments {sorted(kwargs)}")
    for a in args:
        if hasattr(a, "device") and hasattr(a, "dtype") and hasattr(a, "_data"):
            device, dtype = a.device, a.dtype
        elif isinstance(a, str) and (a.startswith("cpu") or a.startswith("cuda")):
            device = a
        else:
            if isinstance(a, str):
                from .dtypes import as_dtype

                try:
                    as_dtype(a)
                except TypeError:
                    raise ValueError(
                        f"to(): {a!r} is neither a device ('cpu', 'cuda', 'cuda:N') nor a dtype"
                    ) from None
            dtype = a
    return device, dtype
