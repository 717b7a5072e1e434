"""``nn``: modules, parameters, layers, activations, losses and initialisers.

import autograd as ag, nn
model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
loss = nn.CrossEntropyLoss()(model(x), labels)      # x: (N, 4), labels: (N,) int
loss.backward()
"""

from __future__ import annotations

from . import data, functional, init, utils  # noqa: F401
from .activation import *  # noqa: F403
from .activation import __all__ as _act_all
from .attention import *  # noqa: F403
from .attention import __all__ as _attn_all
from .checkpoint import CheckpointError, load, save
from .container import *  # noqa: F403
from .container import __all__ as _cont_all
from .conv import *  # noqa: F403
from .conv import __all__ as _conv_all
from .distance import *  # noqa: F403
from .distance import __all__ as _dist_all
from .dropout import *  # noqa: F403
from .dropout import __all__ as _drop_all
from .extras import *  # noqa: F403
from .extras import __all__ as _extras_all
from .linear import *  # noqa: F403
from .linear import __all__ as _lin_all
from .loss import *  # noqa: F403
from .loss import __all__ as _loss_all
from .module import Module, RemovableHandle
from .normalization import *  # noqa: F403
from .normalization import __all__ as _norm_all
from .padding import *  # noqa: F403
from .padding import __all__ as _pad_all
from .parameter import Buffer, Parameter
from .pooling import *  # noqa: F403
from .pooling import __all__ as _pool_all
from .rnn import *  # noqa: F403
from .rnn import __all__ as _rnn_all
from .transformer import *  # noqa: F403
from .transformer import __all__ as _tf_all
from .vision import *  # noqa: F403
from .vision import __all__ as _vision_all

__all__ = (
    ["Module", "Parameter", "Buffer", "RemovableHandle", "functional", "init", "utils"]
    + list(_cont_all)
    + list(_lin_all)
    + list(_act_all)
    + list(_loss_all)
    + list(_conv_all)
    + list(_pool_all)
    + list(_norm_all)
    + list(_drop_all)
    + list(_dist_all)
    + list(_pad_all)
    + list(_rnn_all)
    + list(_vision_all)
    + list(_extras_all)
    + list(_attn_all)
    + list(_tf_all)
)
__all__ += ["data", "save", "load", "CheckpointError"]
