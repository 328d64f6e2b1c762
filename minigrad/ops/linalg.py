"""Linear algebra (``torch.linalg``): ``inv``, ``det``, ``solve`` and the vector and
matrix norms. Every function takes a matrix ``(n, n)`` or a batch ``(..., n, n)``.

``inv`` and ``det`` are Functions; ``solve`` and the norms are compositions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ._args import tensor_arg, write_out
from .arithmetic import matmul
from .reduction import amax, amin, norm, sum


def _square(a: Any, op: str) -> Tensor:
    a = tensor_arg(a, op, "A")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are "
                           f"{'x'.join(map(str, a.shape[-2:])) or 'a scalar'} matrices "
                           f"(shape {tuple(a.shape)})")
    return a


class Inv(Function):
    @staticmethod
    def forward(ctx, a):
        try:
            out = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.inv: the input matrix is singular, the inversion "
                               "could not be completed") from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (inv,) = ctx.saved_tensors
        # d(A^-1) = -A^-1 dA A^-1, so dL/dA = -A^-T G A^-T
        inv_t = ctx.xp.swapaxes(inv, -1, -2)
        return -ctx.xp.matmul(ctx.xp.matmul(inv_t, grad), inv_t)


class Det(Function):
    once_differentiable = True  # the backward inverts A on arrays

    @staticmethod
    def forward(ctx, a):
        out = np.linalg.det(a)
        ctx.save_for_backward(a, out)
        return np.asarray(out, dtype=a.dtype)

    @staticmethod
    def backward(ctx, grad):
        a, det = ctx.saved_tensors
        try:
            inv_t = np.swapaxes(np.linalg.inv(a), -1, -2)
        except np.linalg.LinAlgError:
            raise RuntimeError("linalg.det: the gradient at a singular matrix is not "
                               "supported (A^-1 does not exist)") from None
        # d det(A)/dA = det(A) A^-T
        return (grad * det)[..., None, None] * inv_t


def inv(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The inverse of a square matrix (or of each in a batch ``(..., n, n)``);
    ``RuntimeError`` if it is singular.

    >>> import minigrad as mg
    >>> mg.linalg.inv(mg.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5 , 0.  ],
            [0.  , 0.25]])
    """
    return write_out(Inv.apply(_square(A, "linalg.inv")), out, "linalg.inv")


@tensor_method("inverse")
def inverse(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """``torch.inverse``: the same as ``linalg.inv``."""
    return write_out(Inv.apply(_square(input, "inverse")), out, "inverse")


def linalg_det(A: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The determinant of a square matrix (or of each in a batch): shape ``A.shape[:-2]``.
    Its gradient is ``det(A) A^-T`` (not defined here at singular matrices).

    >>> import minigrad as mg
    >>> mg.linalg.det(mg.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor(-2.)
    """
    return write_out(Det.apply(_square(A, "linalg.det")), out, "linalg.det")


@tensor_method("det")
def det(input: Tensor) -> Tensor:
    """``torch.det``: the same as ``linalg.det``."""
    return Det.apply(_square(input, "det"))


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: Tensor | None = None) -> Tensor:
    """``X`` with ``A X = B`` (``left=False``: ``X A = B``). ``B`` is a matrix (or batch),
    or a vector ``(n,)`` / batch of vectors ``(..., n)`` matching ``A``'s batch. Computed
    as ``inv(A) @ B``, so gradients (and second derivatives) come from ``inv`` and
    ``matmul``; this is less accurate than a factorisation for ill-conditioned ``A``.

    >>> import minigrad as mg
    >>> mg.linalg.solve(mg.tensor([[2.0, 1.0], [1.0, 3.0]]), mg.tensor([3.0, 5.0]))
    tensor([0.8, 1.4])
    """
    A = _square(A, "linalg.solve")
    B = tensor_arg(B, "linalg.solve", "B")
    n = A.shape[-1]
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if vector and left:
        if B.shape[-1] != n:
            raise RuntimeError(f"linalg.solve: A {tuple(A.shape)} and B {tuple(B.shape)} "
                               "do not fit (B's last size must be n)")
        result = matmul(Inv.apply(A), B.unsqueeze(-1)).squeeze(-1)
    else:
        if B.ndim < 2 or B.shape[-2 if left else -1] != n:
            raise RuntimeError(f"linalg.solve: A {tuple(A.shape)} and B {tuple(B.shape)} "
                               f"do not fit (A X = B needs B of shape (..., {n}, k))"
                               if left else
                               f"linalg.solve: A {tuple(A.shape)} and B {tuple(B.shape)} "
                               f"do not fit (X A = B needs B of shape (..., k, {n}))")
        result = matmul(Inv.apply(A), B) if left else matmul(B, Inv.apply(A))
    return write_out(result, out, "linalg.solve")


def _dims(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list | tuple) else dim


def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None, out: Tensor | None = None) -> Tensor:
    """The vector ``ord``-norm over ``dim`` (all elements when None, whatever the shape):
    ``ord`` is any positive number, ``inf`` (max |x|), ``-inf`` (min |x|) or 0 (the number
    of nonzeros, no gradient).

    >>> import minigrad as mg
    >>> mg.linalg.vector_norm(mg.tensor([[3.0, 0.0], [0.0, -4.0]]))
    tensor(5.)
    """
    x = tensor_arg(x, "linalg.vector_norm", "x")
    if dtype is not None:
        x = x.to(dtype)
    dim = _dims(dim)
    if ord == float("-inf"):
        result = amin(x.abs(), dim, keepdim)
    elif ord == 0:
        result = sum((x != 0).to(x.dtype), dim, keepdim)
    elif isinstance(ord, int | float) and not isinstance(ord, bool) and ord > 0:
        result = norm(x, ord, dim, keepdim)
    else:
        raise RuntimeError(f"linalg.vector_norm: unsupported ord={ord!r}")
    return write_out(result, out, "linalg.vector_norm")


def matrix_norm(A: Tensor, ord: Any = "fro", dim: tuple[int, int] = (-2, -1),
                keepdim: bool = False, *, dtype: Any = None,
                out: Tensor | None = None) -> Tensor:
    """The matrix norm over the two dims ``dim``: ``"fro"`` (Frobenius, the default),
    ``1``/``-1`` (max/min column sum of |A|), ``inf``/``-inf`` (max/min row sum of |A|).
    ``"nuc"`` and ``2`` (singular values) are not implemented.

    >>> import minigrad as mg
    >>> mg.linalg.matrix_norm(mg.tensor([[1.0, -2.0], [3.0, 4.0]]), ord=1)
    tensor(6.)
    """
    A = tensor_arg(A, "linalg.matrix_norm", "A")
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: the input tensor A must have at least 2 "
                           f"dimensions, got shape {tuple(A.shape)}")
    if dtype is not None:
        A = A.to(dtype)
    rows, cols = (d % A.ndim for d in _dims(dim))
    if ord == "fro":
        result = norm(A, 2, (rows, cols), keepdim)
    elif ord in (1, -1, float("inf"), float("-inf")):
        summed, other = (rows, cols) if ord in (1, -1) else (cols, rows)
        sums = sum(A.abs(), summed, keepdim=True)
        pick = amax if ord in (1, float("inf")) else amin
        result = pick(sums, other, keepdim=True)
        if not keepdim:
            result = result.squeeze(max(rows, cols)).squeeze(min(rows, cols))
    elif ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values, "
                                  "which minigrad does not compute; use 'fro', 1 or inf")
    else:
        raise RuntimeError(f"linalg.matrix_norm: order {ord!r} not supported")
    return write_out(result, out, "linalg.matrix_norm")


def linalg_norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None, out: Tensor | None = None) -> Tensor:
    """``torch.linalg.norm``: a vector norm when ``dim`` is an int (or ``A`` is 1-D), a
    matrix norm when ``dim`` is a pair (or ``A`` is 2-D and ``ord`` is given); with
    ``ord=None`` and ``dim=None``, the 2-norm of all elements.

    >>> import minigrad as mg
    >>> mg.linalg.norm(mg.tensor([[1.0, 2.0], [2.0, 4.0]]))
    tensor(5.)
    """
    A = tensor_arg(A, "linalg.norm", "A")
    dim = _dims(dim)
    if ord is None:
        if isinstance(dim, tuple) and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype, out=out)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: if dim=None, A must be 1-D or 2-D when ord is "
                               f"given, got shape {tuple(A.shape)}")
        dim = (-2, -1) if A.ndim == 2 else -1
    if isinstance(dim, tuple) and len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.norm: ord={ord!r} is a matrix norm; give a pair of dims")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
