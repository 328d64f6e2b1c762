"""linear, embedding, dropout, one_hot, normalize, cosine_similarity."""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import kernels
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from ..autograd.tracing import source
from ..creation import from_numpy
from ..random import rng
from ..sparse import SparseGrad
from ._args import check_dim, index_data, optional_tensor, tensor_arg
from .indexing import IndexAdd
from .pointwise import clamp
from .reduction import norm


class Linear(Function):
    name = "linear"

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        rows = x.reshape(-1, x.shape[-1])  # leading dims flattened: one BLAS call, not a batch
        out = np.matmul(rows, weight.T)
        if bias is not None:
            out += bias
        return out.reshape(x.shape[:-1] + (weight.shape[0],))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        out_features, in_features = weight.shape
        g2 = grad.reshape(-1, out_features)  # leading dims flattened: one product, not a batch
        dx = dw = db = None
        if ctx.needs_input_grad[0]:
            dx = (g2 @ weight).reshape(x.shape)  # dL/dx = G W
        if ctx.needs_input_grad[1]:
            dw = g2.T @ x.reshape(-1, in_features)  # dL/dW = G^T x
        if ctx.needs_input_grad[2]:
            db = g2.sum(axis=0)  # dL/db = column sums of G
        return dx, dw, db


def linear(input: Tensor, weight: Tensor, bias: Any = None) -> Tensor:
    """x W^T + b for x (..., in), W (out, in), b (out,).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> w = mg.tensor([[1.0, 0.0], [1.0, 1.0]])
    >>> F.linear(mg.tensor([[1.0, 2.0]]), w, mg.tensor([0.5, 0.0]))
    tensor([[1.5, 3. ]])
    """
    op = "linear"
    x = tensor_arg(input, op)
    w = tensor_arg(weight, op, "weight")
    b = optional_tensor(bias, op, "bias")
    if w.ndim != 2 or x.ndim == 0 or x.shape[-1] != w.shape[1]:
        raise ValueError(
            f"{op}: input of shape {x.shape} and weight of shape {w.shape} don't match: need "
            "weight (out_features, in_features) with in_features == input.shape[-1]"
        )
    if b is not None and b.shape not in ((w.shape[0],), ()):
        raise ValueError(f"{op}: bias must have shape ({w.shape[0]},), got {b.shape}")
    return Linear.apply(x, w, b)


class Embedding(Function):
    name = "embedding"

    @staticmethod
    def forward(ctx, index, weight, padding_idx, scale_grad_by_freq, sparse):
        ctx.index, ctx.padding_idx, ctx.weight_shape = index, padding_idx, weight.shape
        ctx.scale_grad_by_freq, ctx.sparse = scale_grad_by_freq, sparse
        ctx.save_for_backward(index)  # guards an index Tensor against in-place edits
        return np.take(weight, index, axis=0)

    @staticmethod
    def backward(ctx, grad):
        ctx.saved_tensors  # noqa: B018 - raises if the index was edited in place
        rows, width = ctx.weight_shape
        flat = ctx.index.reshape(-1)
        if ctx.scale_grad_by_freq:
            if ctx.sparse:
                raise RuntimeError("embedding_backward: scale_grad_by_freq not supported with "
                                   "sparse gradients (as in PyTorch)")
            # each position's gradient divided by how often its row occurs in the batch
            counts = np.bincount(flat, minlength=rows)[ctx.index]
            grad = grad / counts[..., None].astype(grad.dtype)
        if ctx.create_graph:  # recorded: the scatter-add as a differentiable op
            dw = IndexAdd.apply(grad, ctx.index, ctx.weight_shape)
            if ctx.padding_idx is not None:
                keep = np.ones((rows, 1), grad.dtype)
                keep[ctx.padding_idx] = 0
                dw = dw * keep
            return None, dw, None, None, None
        if ctx.sparse:  # the same sum, kept as the rows it touches (minigrad/sparse.py)
            values = np.array(grad.reshape(-1, width))
            if ctx.padding_idx is not None:
                keep = flat != ctx.padding_idx
                flat, values = flat[keep], values[keep]
            return None, SparseGrad(flat, values, ctx.weight_shape), None, None, None
        # d weight[i] = sum of the output gradients of every position that read row i
        # (float16 accumulates in float32, the kernel's dtypes, and is rounded back once)
        wide = np.float32 if grad.dtype == np.float16 else grad.dtype
        dw = np.zeros(ctx.weight_shape, wide)
        kernels.scatter_add_rows(dw, flat, grad.reshape(-1, width).astype(wide, copy=False))
        if ctx.padding_idx is not None:
            dw[ctx.padding_idx] = 0
        return None, dw.astype(grad.dtype, copy=False), None, None, None


def _renorm_rows(weight: Tensor, index: np.ndarray, max_norm: float, norm_type: float) -> None:
    """Scale each row of ``weight`` that ``index`` looks up and whose ``norm_type``-norm
    exceeds ``max_norm`` to norm ``max_norm`` (by max_norm / (norm + 1e-7), as PyTorch),
    in place and unrecorded. Like PyTorch's, the write bumps the weight's version even when
    no row changes, so a graph that saved the weight earlier refuses to backward."""
    rows = np.unique(index)
    values = weight.numpy(force=True)[rows]
    norms = np.linalg.norm(values, ord=norm_type, axis=1).astype(np.float64)
    scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    with no_grad():
        weight[from_numpy(rows)] = from_numpy(values * scale.astype(values.dtype)[:, None])


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer ``input`` (any shape);
    the ``padding_idx`` row receives no gradient. ``max_norm`` first rescales, in place, each
    looked-up row whose ``norm_type``-norm exceeds it. ``scale_grad_by_freq`` divides the
    gradient of each row by how often its index occurs in ``input``. With ``sparse=True`` the
    weight's gradient is a `minigrad.sparse.SparseGrad` holding only the rows looked up.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.embedding(mg.tensor([2, 0]), mg.arange(6.0).reshape(3, 2))
    tensor([[4., 5.],
            [0., 1.]])
    """
    op = "embedding"
    index = index_data(input, op, "input")
    w = tensor_arg(weight, op, "weight")
    if w.ndim != 2:
        raise ValueError(f"{op}: weight must be 2-D (num_embeddings, dim), got shape {w.shape}")
    n = w.shape[0]
    if index.size and (index.min() < 0 or index.max() >= n):
        bad = int(index.min() if index.min() < 0 else index.max())
        raise IndexError(f"{op}: index {bad} is out of range for num_embeddings={n}")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"{op}: padding_idx {padding_idx} is out of range for "
                             f"num_embeddings={n}")
        padding_idx = int(padding_idx) % n
    if max_norm is not None:
        _renorm_rows(w, index, float(max_norm), float(norm_type))
    if isinstance(input, Tensor):
        index = input  # the Tensor itself, so that its version is checked in backward
    return Embedding.apply(index, w, padding_idx, bool(scale_grad_by_freq), bool(sparse))


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1-p) (the mask is
    drawn from minigrad's generator, so ``mg.manual_seed`` makes it reproducible). With
    ``training=False`` (or p=0) the input itself is returned.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> x = mg.ones(4)
    >>> F.dropout(x, 0.5, training=False) is x
    True
    """
    op = "dropout"
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, got {p}")
    if inplace:
        raise NotImplementedError(f"{op}: inplace=True is not supported")
    x = tensor_arg(input, op)
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    return x * Tensor._make(_dropout_mask(x.shape, x.dtype, p), False, None)


@source  # mg.compile records the draw, so that replay draws the same stream as eager
def _dropout_mask(shape: tuple[int, ...], dtype: np.dtype, p: float) -> np.ndarray:
    """Dropout's mask: 0 with probability ``p``, else 1/(1-p), from minigrad's generator."""
    draw = rng().random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
    mask = (draw >= p).astype(dtype)
    mask *= 1.0 / (1.0 - p)
    return mask


def one_hot(tensor: Any, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: shape ``tensor.shape + (num_classes,)``; ``num_classes=-1``
    uses max + 1. Not differentiable.

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.one_hot(mg.tensor([0, 2]), 3)
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    op = "one_hot"
    index = index_data(tensor, op, "tensor")
    if num_classes == -1:
        if index.size == 0:
            raise ValueError(f"{op}: cannot infer num_classes from an empty tensor")
        num_classes = int(index.max()) + 1
    if index.size and index.min() < 0:
        raise ValueError(f"{op}: class values must be non-negative, got {int(index.min())}")
    if index.size and index.max() >= num_classes:
        raise ValueError(
            f"{op}: class value {int(index.max())} is not smaller than num_classes={num_classes}"
        )
    out = np.zeros(index.shape + (int(num_classes),), np.int64)
    np.put_along_axis(out, index[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._make(out, False, None)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(||x||_p, eps) along ``dim``."""
    x = tensor_arg(input, "normalize")
    d = check_dim(dim, x.ndim, "normalize")
    return x / clamp(norm(x, p, d, keepdim=True), min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x1 . x2 / (max(||x1||, eps) * max(||x2||, eps)) along ``dim`` (which is removed);
    x1 and x2 broadcast to a common shape first."""
    op = "cosine_similarity"
    a = tensor_arg(x1, op, "x1")
    b = tensor_arg(x2, op, "x2")
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(f"{op}: x1 {a.shape} and x2 {b.shape} do not broadcast") from None
    d = check_dim(dim, len(shape), op)
    a = a if a.shape == shape else a.expand(*shape)
    b = b if b.shape == shape else b.expand(*shape)
    na = clamp(norm(a, 2, d), min=eps)
    nb = clamp(norm(b, 2, d), min=eps)
    return (a * b).sum(d) / (na * nb)
