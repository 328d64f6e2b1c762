"""numba kernels on raw ndarrays, each beside its plain-NumPy twin.

Every operation comes in three functions with one signature: `op` (the dispatcher that the
rest of minigrad calls), `op_numba` and `op_numpy` (the twin, the readable reference). The
dispatcher runs the twin when `MINIGRAD_KERNELS=numpy` was set at import, after
`use_reference(True)`, or inside `with reference_mode():`. Nothing here imports numba until a
kernel first runs (`lazy_njit`); `warmup()` compiles everything ahead of time.

This layer knows nothing of tensors or graphs. See docs/kernels.md.
"""

from ._jit import lazy_njit
from ._mode import backend, reference_mode, use_reference, using_reference
from ._parallel import get_num_threads, set_num_threads
from ._warmup import warmup
from .adam import adam_update
from .causal_softmax_ops import causal_softmax, causal_softmax_backward
from .conv import col2im, conv_output_size, im2col
from .cross_entropy import softmax_cross_entropy_backward, softmax_cross_entropy_forward
from .gelu import gelu_backward, gelu_forward
from .layer_norm import layer_norm_backward, layer_norm_forward
from .pool import avg_pool2d_backward, avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward
from .reduce import sum_to_shape
from .rms_norm import rms_norm_backward, rms_norm_forward
from .scatter import scatter_add_flat, scatter_add_rows
from .softmax_ops import log_softmax, log_softmax_backward, softmax, softmax_backward

__all__ = [
    "adam_update",
    "avg_pool2d_backward",
    "avg_pool2d_forward",
    "backend",
    "causal_softmax",
    "causal_softmax_backward",
    "col2im",
    "conv_output_size",
    "gelu_backward",
    "gelu_forward",
    "get_num_threads",
    "im2col",
    "layer_norm_backward",
    "layer_norm_forward",
    "lazy_njit",
    "log_softmax",
    "log_softmax_backward",
    "max_pool2d_backward",
    "max_pool2d_forward",
    "reference_mode",
    "rms_norm_backward",
    "rms_norm_forward",
    "scatter_add_flat",
    "scatter_add_rows",
    "set_num_threads",
    "softmax",
    "softmax_backward",
    "softmax_cross_entropy_backward",
    "softmax_cross_entropy_forward",
    "sum_to_shape",
    "use_reference",
    "using_reference",
    "warmup",
]
