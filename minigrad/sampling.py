"""Sampling from distributions given as tensors: ``multinomial`` and ``normal``, with
PyTorch's signatures, drawing from minigrad's generator (``mg.manual_seed`` fixes them).
Neither records a gradient."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtypes
from ._device import check_device
from ._tensor import Tensor, tensor_method
from .ops._args import write_out
from .random import Generator, rng


def _values(x: Any) -> np.ndarray:
    return x.numpy(force=True) if isinstance(x, Tensor) else np.asarray(x)


@tensor_method("multinomial")
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """Indices drawn from the categories weighted by ``input`` (1-D, or 2-D: one row per
    draw); the weights need not sum to one. int64, shape ``(num_samples,)`` or
    ``(rows, num_samples)``.

    >>> import minigrad as mg
    >>> mg.multinomial(mg.tensor([0.0, 1.0, 0.0]), 2, replacement=True).tolist()
    [1, 1]
    """
    w = _values(input).astype(np.float64)
    if w.ndim not in (1, 2) or w.shape[-1] == 0:
        raise ValueError(f"multinomial: prob_dist must be 1 or 2 dim with at least one "
                         f"category, got shape {w.shape}")
    if not isinstance(num_samples, int | np.integer) or num_samples <= 0:
        raise ValueError(f"multinomial: num_samples must be a positive int, got {num_samples!r}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("multinomial: probability tensor contains either `inf`, `nan` or "
                         "element < 0")
    rows = w.reshape(-1, w.shape[-1])
    totals = rows.sum(axis=1)
    if np.any(totals <= 0):
        raise ValueError("multinomial: invalid multinomial distribution (sum of "
                         "probabilities <= 0)")
    if not replacement and num_samples > int((rows > 0).sum(axis=1).min()):
        raise ValueError(f"multinomial: cannot sample n_sample={num_samples} > "
                         f"{int((rows > 0).sum(axis=1).min())} categories of non-zero weight "
                         "without replacement")
    g = rng(generator)
    picks = np.stack([g.choice(rows.shape[1], size=num_samples, replace=replacement,
                               p=row / row.sum()) for row in rows]).astype(np.int64)
    result = Tensor(picks.reshape(w.shape[:-1] + (num_samples,)))
    return write_out(result, out, "multinomial")


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *,
           generator: Generator | None = None, dtype: Any = None,
           out: Tensor | None = None, requires_grad: bool = False,
           device: Any = None) -> Tensor:
    """Samples of N(mean, std**2), elementwise: ``normal(mean_tensor, std_tensor)`` (the
    two broadcast), ``normal(mean_tensor, 1.0)``, ``normal(0.0, std_tensor)``, or
    ``normal(0.0, 1.0, size=(2, 3))`` (float32 unless ``dtype``); ``requires_grad=True``
    makes the draw a leaf that requires grad.

    >>> import minigrad as mg
    >>> mg.normal(mg.zeros(3), 0.0).tolist()
    [0.0, 0.0, 0.0]
    """
    check_device(device, "normal")
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    m, s = _values(mean), _values(std)
    if np.any(s < 0):
        raise ValueError("normal: std must be >= 0")
    if tensors:
        if size is not None:
            raise TypeError("normal: size is only taken when mean and std are numbers")
        shape = np.broadcast_shapes(m.shape, s.shape)
        dt = _dtypes.promote(tensors[0].dtype, tensors[-1].dtype) if dtype is None else dtype
    else:
        if size is None:
            raise TypeError("normal: with a number for mean and std give size, e.g. "
                            "normal(0.0, 1.0, size=(2, 3))")
        shape = (size,) if isinstance(size, int) else tuple(size)
        dt = _dtypes.DEFAULT_FLOAT if dtype is None else dtype
    dt = _dtypes.canonical(dt)
    if dt.kind != "f":
        raise TypeError(f"normal: needs a floating dtype, got {dt}")
    draw = m + s * rng(generator).standard_normal(shape)
    result = write_out(Tensor(np.asarray(draw, dtype=dt)), out, "normal")
    return result.requires_grad_() if requires_grad else result


__all__ = ["multinomial", "normal"]
