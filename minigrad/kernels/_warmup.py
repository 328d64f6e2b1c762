"""`warmup()`: compile every numba kernel for float32 and float64 ahead of time.

Kernels otherwise compile on first use (a fraction of a second each, once per dtype); with a
writable cache the compiled code is reused by later processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from . import (
    adam,
    causal_softmax_ops,
    conv,
    cross_entropy,
    gelu,
    layer_norm,
    pool,
    reduce,
    rms_norm,
    scatter,
    softmax_ops,
)

DTYPES = (np.float32, np.float64)


def _tiny_calls(dtype: type) -> list[tuple[str, Callable[[], object]]]:
    """(name, call) pairs that run each numba kernel once on tiny `dtype` inputs.

    Inputs that come from another op are made with the NumPy twins, so that building them
    compiles nothing and every compilation happens in one of the calls.
    """
    x = np.linspace(-1.0, 1.0, 12, dtype=dtype).reshape(3, 4)
    w = np.ones(4, dtype)
    img = np.linspace(-1.0, 1.0, 32, dtype=dtype).reshape(1, 2, 4, 4)
    idx = np.array([0, 2, 0])
    probs = softmax_ops.softmax_numpy(x)
    _, mean, rstd = layer_norm.layer_norm_forward_numpy(x, w, w, 1e-5)
    _, rms = rms_norm.rms_norm_forward_numpy(x, w, 1e-6)
    cols = conv.im2col_numpy(img, 2, 2)
    pooled, argmax = pool.max_pool2d_forward_numpy(img, 2)

    def adam_step() -> None:
        p, g = np.ones(4, dtype), np.ones(4, dtype)
        m, v = np.zeros(4, dtype), np.zeros(4, dtype)
        adam.adam_update_numba(p, g, m, v, None, step=1, lr=0.1, beta1=0.9, beta2=0.99, eps=1e-8)

    return [
        ("scatter_add_rows", lambda: scatter.scatter_add_rows_numba(x.copy(), idx, x)),
        ("scatter_add_flat", lambda: scatter.scatter_add_flat_numba(w.copy(), idx, x[0, :3])),
        ("adam_update", adam_step),
        ("layer_norm_forward", lambda: layer_norm.layer_norm_forward_numba(x, w, w, 1e-5)),
        ("layer_norm_backward",
         lambda: layer_norm.layer_norm_backward_numba(x, x, mean, rstd, w)),
        ("rms_norm_forward", lambda: rms_norm.rms_norm_forward_numba(x, w, 1e-6)),
        ("rms_norm_backward", lambda: rms_norm.rms_norm_backward_numba(x, x, rms, w)),
        # the kernel only takes gradients of at least reduce.SMALL elements
        ("sum_to_shape", lambda: reduce.sum_to_shape_numba(
            np.ones((reduce.SMALL // 4, 4), dtype), (4,))),
        ("im2col", lambda: conv.im2col_numba(img, 2, 2)),
        ("col2im", lambda: conv.col2im_numba(cols, img.shape, 2, 2)),
        ("max_pool2d_forward", lambda: pool.max_pool2d_forward_numba(img, 2)),
        ("max_pool2d_backward", lambda: pool.max_pool2d_backward_numba(pooled, argmax, img.shape)),
        ("softmax", lambda: softmax_ops.softmax_numba(x)),
        ("softmax_backward", lambda: softmax_ops.softmax_backward_numba(x, probs)),
        ("softmax_cross_entropy_forward",
         lambda: cross_entropy.softmax_cross_entropy_forward_numba(x, idx)),
        ("softmax_cross_entropy_backward",
         lambda: cross_entropy.softmax_cross_entropy_backward_numba(1.0, probs, idx)),
        ("causal_softmax", lambda: causal_softmax_ops.causal_softmax_numba(x[None], 0.5)),
        ("causal_softmax_backward",
         lambda: causal_softmax_ops.causal_softmax_backward_numba(x[None], probs[None], 0.5)),
        ("gelu_forward", lambda: gelu.gelu_forward_numba(x)),
        ("gelu_backward", lambda: gelu.gelu_backward_numba(x, x)),
    ]


def warmup(verbose: bool = False) -> float:
    """Compile (or load from numba's cache) every kernel for float32 and float64.

    Returns the seconds taken; `verbose` prints the time of each kernel.

    >>> seconds = warmup()   # doctest: +SKIP
    """
    start = time.perf_counter()
    for dtype in DTYPES:
        for name, call in _tiny_calls(dtype):
            before = time.perf_counter()
            call()
            if verbose:
                print(f"{np.dtype(dtype).name:>8} {name}: {time.perf_counter() - before:6.2f} s")
    return time.perf_counter() - start
