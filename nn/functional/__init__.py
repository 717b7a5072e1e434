"""``nn.functional``: the stateless forms of layers, activations and losses.

    import nn.functional as F
    y = F.relu(F.linear(x, w, b))                 # x: (N, in), w: (out, in) -> (N, out)
    loss = F.cross_entropy(logits, labels, label_smoothing=0.1)

Note: ``F.linear`` and ``F.dropout`` are the functions, which shadow the submodules of the same
names as package attributes. To reach such a submodule, import from it by its full name
(``from nn.functional.linear import Linear``) or use ``importlib.import_module``.
"""

from __future__ import annotations

from autograd import pad  # noqa: F401 - torch.nn.functional.pad

from .activation import *  # noqa: F403
from .activation import __all__ as _act_all
from .attention import *  # noqa: F403
from .attention import __all__ as _attn_all
from .conv import *  # noqa: F403
from .conv import __all__ as _conv_all
from .ctc import *  # noqa: F403
from .ctc import __all__ as _ctc_all
from .distance import *  # noqa: F403
from .distance import __all__ as _dist_all
from .dropout import *  # noqa: F403
from .dropout import __all__ as _drop_all
from .extras import *  # noqa: F403
from .extras import __all__ as _extras_all
from .grid import *  # noqa: F403
from .grid import __all__ as _grid_all
from .linear import *  # noqa: F403
from .linear import __all__ as _lin_all
from .loss import *  # noqa: F403
from .loss import __all__ as _loss_all
from .normalization import *  # noqa: F403
from .normalization import __all__ as _norm_all
from .pooling import *  # noqa: F403
from .pooling import __all__ as _pool_all
from .vision import *  # noqa: F403
from .vision import __all__ as _vision_all

__all__ = (
    ["pad"]
    + list(_act_all)
    + list(_lin_all)
    + list(_loss_all)
    + list(_conv_all)
    + list(_pool_all)
    + list(_norm_all)
    + list(_drop_all)
    + list(_dist_all)
    + list(_vision_all)
    + list(_attn_all)
    + list(_ctc_all)
    + list(_grid_all)
    + list(_extras_all)
)
