"""tapegrad's autograd: Tensor, the tape, differentiable ops, grad modes and gradcheck.

import autograd as ag
x = ag.tensor([[1.0, 2.0]], requires_grad=True)
y = (x * x).sum(dim=1).mean()
y.backward()
x.grad                      # tensor([[2., 4.]])
"""

from . import _torch_autograd as autograd  # noqa: F401 - torch.autograd: ag.autograd.grad, ...
from . import (
    amp,  # autocast, GradScaler: mixed precision (torch.amp)
    distributions,  # torch.distributions (its modules load on first use)
    fft,  # fft, ifft, rfft, irfft, hfft, fftn, fftfreq, fftshift, ... (torch.fft)
    func,  # grad, vjp, jvp, jacrev, jacfwd, hessian, vmap, functional_call (torch.func)
    functional,  # jacobian, hessian, vjp, jvp, hvp, vhp (torch.autograd.functional)
    graph,  # saved_tensors_hooks, save_on_cpu (torch.autograd.graph)
    linalg,  # inv, det, solve, cholesky, qr, eigh, svd, norms (torch.linalg)
    special,  # erfcx, ndtr, log_ndtr, ndtri, i0/i1(e), entr, xlog1py, ... (torch.special)
)
from ._porting_api import *  # noqa: F403 - result_type, logspace, asarray, set_num_threads, relu_, ...
from ._porting_api import __all__ as _porting_all
from .amp import autocast, get_autocast_dtype, is_autocast_enabled
from .checkpoint import checkpoint
from .dtypes import (
    bool_,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    uint8,
)
from .engine import grad
from .errors import ShapeError
from .factory import (
    arange,
    bernoulli,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    multinomial,
    normal,
    ones,
    ones_like,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    zeros,
    zeros_like,
)
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .ops import *  # noqa: F403 - the differentiable functions
from .ops import __all__ as _ops_all
from .random import get_rng_state, manual_seed, set_rng_state
from .tensor import Tensor, as_tensor, from_dlpack, from_numpy, tensor

bool = bool_  # noqa: A001 - PyTorch's spelling: ag.bool
vmap = func.vmap  # torch.vmap
float = float32  # noqa: A001
int = int32  # noqa: A001

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "as_tensor", "from_numpy", "from_dlpack", "Function", "FunctionCtx",
    "once_differentiable", "grad", "func", "functional", "distributions", "vmap",
    "finfo", "iinfo",
    "graph", "linalg", "special", "fft", "checkpoint", "amp", "autocast",
    "is_autocast_enabled", "get_autocast_dtype",
    "gradcheck", "gradgradcheck", "GradcheckError",
    "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled", "detect_anomaly",
    "is_anomaly_enabled", "inference_mode", "is_inference_mode_enabled", "ShapeError",
    "manual_seed", "get_rng_state", "set_rng_state",
    "float16", "float32", "float64", "half", "double", "int8", "int16", "int32", "int64",
    "uint8", "long", "bool_", "get_default_dtype", "set_default_dtype",
    "complex64", "complex128", "cfloat", "cdouble",
    "zeros", "ones", "full", "empty", "arange", "linspace", "eye", "rand", "randn", "randint",
    "zeros_like", "ones_like", "full_like", "empty_like", "rand_like", "randn_like",
    "randint_like", "randperm", "multinomial", "bernoulli", "normal", "poisson",
] + list(_ops_all) + list(_porting_all)  # fmt: skip


def __getattr__(name):
    """``ag.viz`` (make_dot, plot_dot_graph) loads on first use: drawing is rare."""
    if name == "viz":
        import importlib

        return importlib.import_module(".viz", __name__)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")
