"""Combining tensors: ``take_along_dim``, ``column_stack``, ``baddbmm``,
``cartesian_prod`` and ``cdist``, all composed of existing differentiable ops."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._tensor import Tensor, tensor_method
from ._args import check_dim, tensor_arg, write_out
from .indexing import gather
from .matrix import hstack, meshgrid
from .movement import bmm
from .pointwise import sqrt, where
from .reduction import amax, sum
from .shape import stack


@tensor_method("take_along_dim")
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None, *,
                   out: Tensor | None = None) -> Tensor:
    """Pick values along ``dim`` at ``indices`` (as returned by ``argsort``/``argmax``
    with ``keepdim``); the other dimensions broadcast. With ``dim=None`` both are
    flattened first.

    >>> import minigrad as mg
    >>> x = mg.tensor([[10.0, 30.0, 20.0], [5.0, 4.0, 6.0]])
    >>> mg.take_along_dim(x, x.argmax(dim=1, keepdim=True), dim=1)
    tensor([[30.],
            [ 6.]])
    """
    input = tensor_arg(input, "take_along_dim", floating=False)
    idx = tensor_arg(indices, "take_along_dim", "indices", floating=False)
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"take_along_dim(): dtype of indices should be Long but got "
                           f"{idx.dtype}")
    if dim is None:
        return write_out(gather(input.reshape(-1), 0, idx.reshape(-1)), out, "take_along_dim")
    if input.ndim != idx.ndim:
        raise RuntimeError(f"take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {input.ndim} and {idx.ndim}")
    d = check_dim(dim, input.ndim, "take_along_dim")
    try:
        shape = list(np.broadcast_shapes(*[tuple(s[:d]) + (1,) + tuple(s[d + 1:])
                                           for s in (input.shape, idx.shape)]))
    except ValueError:
        raise RuntimeError(f"take_along_dim(): shapes {tuple(input.shape)} and "
                           f"{tuple(idx.shape)} do not broadcast outside dim {dim}") from None
    x = input.expand(*shape[:d], input.shape[d], *shape[d + 1:])
    i = idx.expand(*shape[:d], idx.shape[d], *shape[d + 1:])
    return write_out(gather(x, d, i.contiguous()), out, "take_along_dim")


def column_stack(tensors: Sequence[Tensor], *, out: Tensor | None = None) -> Tensor:
    """Join as columns: 0-d and 1-D tensors become columns ``(n, 1)``, then everything is
    joined along dim 1 (``hstack``).

    >>> import minigrad as mg
    >>> mg.column_stack([mg.tensor([1, 2]), mg.tensor([[3, 4], [5, 6]])])
    tensor([[1, 3, 4],
            [2, 5, 6]])
    """
    if not tensors:
        raise RuntimeError("column_stack expects a non-empty TensorList")
    cols = [t.reshape(t.numel(), 1) if t.ndim <= 1 else t
            for t in (tensor_arg(t, "column_stack", "tensors", floating=False)
                      for t in tensors)]
    return write_out(hstack(cols), out, "column_stack")


@tensor_method("baddbmm")
def baddbmm(input: Tensor, batch1: Tensor, batch2: Tensor, *, beta: float = 1,
            alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """``beta * input + alpha * (batch1 @ batch2)`` for batches of matrices ``batch1``
    (b, n, m) and ``batch2`` (b, m, p); ``input`` broadcasts to (b, n, p). With
    ``beta=0`` the input is ignored (even NaN in it), as in PyTorch.

    >>> import minigrad as mg
    >>> mg.baddbmm(mg.ones(1, 2, 2), mg.ones(1, 2, 3), mg.ones(1, 3, 2), alpha=0.5)
    tensor([[[2.5, 2.5],
             [2.5, 2.5]]])
    """
    if batch1.ndim != 3 or batch2.ndim != 3:
        raise RuntimeError(f"baddbmm: batch1 and batch2 must be 3-D tensors, got shapes "
                           f"{tuple(batch1.shape)} and {tuple(batch2.shape)}")
    product = bmm(batch1, batch2)
    if alpha != 1:
        product = product * alpha
    if beta == 0:
        return write_out(product, out, "baddbmm")
    return write_out((input if beta == 1 else input * beta) + product, out, "baddbmm")


def cartesian_prod(*tensors: Tensor) -> Tensor:
    """All combinations of the elements of 1-D tensors, one per row (like
    ``itertools.product``); a single tensor is returned as it is.

    >>> import minigrad as mg
    >>> mg.cartesian_prod(mg.tensor([1, 2]), mg.tensor([3, 4]))
    tensor([[1, 3],
            [1, 4],
            [2, 3],
            [2, 4]])
    """
    if not tensors:
        raise RuntimeError("cartesian_prod expects a non-empty TensorList")
    for t in tensors:
        if tensor_arg(t, "cartesian_prod", "tensors", floating=False).ndim != 1:
            raise RuntimeError(f"cartesian_prod: expect a 1D vector, but got shape "
                               f"{tuple(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], dim=1)


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The p-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M): a tensor (..., P, R). ``p`` may be 0 (count of differing coordinates),
    any positive number, or ``inf``. ``compute_mode`` is accepted; distances are always
    computed directly from the differences. The gradient at zero distance is 0 (as in
    PyTorch), not NaN.

    >>> import minigrad as mg
    >>> mg.cdist(mg.tensor([[0.0, 0.0], [1.0, 1.0]]), mg.tensor([[3.0, 4.0]]))
    tensor([[5.    ],
            [3.6056]])
    """
    x1 = tensor_arg(x1, "cdist", "x1")
    x2 = tensor_arg(x2, "cdist", "x2")
    if x1.ndim < 2 or x2.ndim < 2 or x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: x1 (..., P, M) and x2 (..., R, M) must be at least 2-D "
                           f"with the same last size, got shapes {tuple(x1.shape)} and "
                           f"{tuple(x2.shape)}")
    if not isinstance(p, int | float) or isinstance(p, bool) or p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got p={p!r}")
    diff = (x1.unsqueeze(-2) - x2.unsqueeze(-3)).abs()
    if p == 0:
        return sum((diff != 0).to(diff.dtype), -1)
    if p == float("inf"):
        return amax(diff, -1)
    if p == 1:
        return sum(diff, -1)
    powered = sum(diff * diff if p == 2 else diff ** p, -1)
    positive = powered > 0
    safe = where(positive, powered, 1.0)  # the root's derivative is infinite at 0
    root = sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return where(positive, root, 0.0)
