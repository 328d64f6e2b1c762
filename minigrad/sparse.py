"""``SparseGrad``: a gradient that is zero except on some rows, as ``nn.Embedding(sparse=True)``
gives its weight (PyTorch gives a sparse COO tensor there; this keeps its visible behaviour).

A batch touches a few rows of a large embedding table, so its gradient is stored as the rows
it touched and one value row per touch: ``row_index`` (nnz,) int64 and ``row_values``
(nnz, dim). A row may appear more than once ("uncoalesced"); ``coalesce()`` sums repeats.
Adding two sparse gradients concatenates them; adding a dense one gives a dense Tensor.
``optim.SGD`` and ``optim.SparseAdam`` update only the touched rows; dense-only optimizers
such as ``Adam`` refuse a sparse gradient, as in PyTorch.

>>> import numpy as np
>>> g = SparseGrad(np.array([2, 0, 2]), np.ones((3, 2), np.float32), (4, 2))
>>> g.is_sparse, g.coalesce().row_index
(True, array([0, 2]))
>>> g.to_dense()
tensor([[1., 1.],
        [0., 0.],
        [2., 2.],
        [0., 0.]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import kernels


def _tensor(array: np.ndarray) -> Any:
    from ._tensor import Tensor  # lazy: _tensor.py imports this module

    return Tensor(array)


class SparseGrad:
    """Rows ``row_index`` of a ``shape`` (N, dim) gradient hold ``row_values``; others are 0."""

    is_sparse = True
    grad_fn = None
    requires_grad = False

    def __init__(self, row_index: np.ndarray, row_values: np.ndarray,
                 shape: Sequence[int]) -> None:
        self.row_index = np.asarray(row_index, dtype=np.int64).reshape(-1)
        self.row_values = np.asarray(row_values)
        self.shape = tuple(int(n) for n in shape)
        if (len(self.shape) != 2 or self.row_values.shape != (self.row_index.size, self.shape[1])
                or self.row_values.dtype.kind != "f"):
            raise ValueError(f"SparseGrad: {self.row_index.size} row indices need float values "
                             f"of shape ({self.row_index.size}, {self.shape[1:]}) for a gradient "
                             f"of shape {self.shape}, got {self.row_values.shape} "
                             f"{self.row_values.dtype}")
        self._coalesced = False

    @property
    def dtype(self) -> np.dtype:
        return self.row_values.dtype

    @property
    def ndim(self) -> int:
        return 2

    def dim(self) -> int:
        return 2

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[dim]

    def _nnz(self) -> int:
        """Number of stored rows (repeats included)."""
        return int(self.row_index.size)

    def indices(self) -> Any:
        """The touched rows as a (1, nnz) int64 Tensor (PyTorch's layout for one sparse dim)."""
        return _tensor(self.row_index.reshape(1, -1))

    def values(self) -> Any:
        """The value rows as an (nnz, dim) Tensor."""
        return _tensor(self.row_values)

    def is_coalesced(self) -> bool:
        return self._coalesced

    def coalesce(self) -> SparseGrad:
        """The same gradient with each row once, rows in increasing order (repeats summed)."""
        if self._coalesced:
            return self
        rows, where = np.unique(self.row_index, return_inverse=True)
        values = np.zeros((rows.size, self.shape[1]), self.dtype)
        kernels.scatter_add_rows(values, where, self.row_values)
        out = SparseGrad(rows, values, self.shape)
        out._coalesced = True
        return out

    def to_dense(self) -> Any:
        """The full (N, dim) gradient as a Tensor."""
        return _tensor(self.dense_array())

    def dense_array(self) -> np.ndarray:
        """The full (N, dim) gradient as an ndarray."""
        out = np.zeros(self.shape, self.dtype)
        kernels.scatter_add_rows(out, self.row_index, self.row_values)
        return out

    def zero_(self) -> SparseGrad:
        """Drop every stored row (the gradient becomes all zeros), in place."""
        self.row_index = self.row_index[:0]
        self.row_values = self.row_values[:0]
        self._coalesced = True
        return self

    def __add__(self, other: Any) -> Any:
        if isinstance(other, SparseGrad):
            if other.shape != self.shape:
                raise RuntimeError(f"SparseGrad: can't add gradients of shapes {self.shape} and "
                                   f"{other.shape}")
            return SparseGrad(np.concatenate([self.row_index, other.row_index]),
                              np.concatenate([self.row_values, other.row_values]), self.shape)
        from ._tensor import Tensor  # lazy: _tensor.py imports this module

        if isinstance(other, Tensor):
            other = other.numpy(force=True)
        dense = np.array(other, dtype=self.dtype)  # a fresh copy
        if dense.shape != self.shape:
            raise RuntimeError(f"SparseGrad: can't add a gradient of shape {dense.shape} to "
                               f"one of shape {self.shape}")
        kernels.scatter_add_rows(dense, self.row_index, self.row_values)
        return _tensor(dense)

    __radd__ = __add__

    def __mul__(self, scalar: float) -> SparseGrad:
        return SparseGrad(self.row_index, self.row_values * scalar, self.shape)

    __rmul__ = __mul__

    def __neg__(self) -> SparseGrad:
        return self * -1

    def __repr__(self) -> str:
        return (f"SparseGrad(rows={self._nnz()}, shape={self.shape}, dtype={self.dtype.name}, "
                f"coalesced={self._coalesced})")


def accumulate_sparse(old: Any, new: Any, hooks: Sequence[Callable[[Any], Any]] | None) -> Any:
    """A leaf's ``.grad`` after receiving ``new`` when ``old`` or ``new`` is sparse.

    Hooks see the sparse gradient itself (or a Tensor for a dense one). Sparse + sparse stays
    sparse (rows concatenated); anything + dense is a dense Tensor.
    """
    from ._tensor import Tensor  # lazy: _tensor.py imports this module

    if isinstance(new, np.ndarray):
        new = Tensor(np.array(new))
    for hook in hooks or ():
        result = hook(new)
        if result is not None:
            new = result
    if old is None:
        return new
    return new + old if isinstance(new, SparseGrad) else old + new
