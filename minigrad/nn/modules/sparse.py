"""``Embedding``: a lookup table of vectors indexed by integer ids."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad
from .. import functional as F
from .. import init
from ..parameter import Parameter
from ._utils import empty_parameter, float_dtype, positive_int
from .module import Module


def _padding_index(padding_idx: int | None, num_embeddings: int) -> int | None:
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(
            f"Embedding: padding_idx {padding_idx} must be within num_embeddings "
            f"({num_embeddings})"
        )
    return padding_idx % num_embeddings


class Embedding(Module):
    """Row ``i`` of ``weight`` (``(num_embeddings, embedding_dim)``, drawn from N(0, 1))
    is the vector for id ``i``. The ``padding_idx`` row starts at zero and gets no
    gradient. ``max_norm`` rescales (in place) each looked-up row whose ``norm_type``-norm
    exceeds it; ``scale_grad_by_freq`` divides each row's gradient by how often its id
    occurs in the batch. With ``sparse=True`` the weight's gradient holds only the rows a
    batch looked up (a `minigrad.sparse.SparseGrad`), for ``optim.SGD`` or
    ``optim.SparseAdam``.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> emb = nn.Embedding(10, 3, padding_idx=0)
    >>> emb(mg.tensor([[0, 4], [2, 0]])).shape
    (2, 2, 3)
    >>> emb.weight[0].detach()
    tensor([0., 0., 0.])
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = bool(scale_grad_by_freq)
        self.sparse = bool(sparse)
        self.num_embeddings = positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = positive_int(embedding_dim, "embedding_dim", "Embedding")
        self.padding_idx = _padding_index(padding_idx, num_embeddings)
        dt = float_dtype(dtype, device, "Embedding")
        if _weight is None:
            self.weight = empty_parameter((num_embeddings, embedding_dim), dt)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(
                    f"Embedding: _weight has shape {tuple(_weight.shape)}, expected "
                    f"{(num_embeddings, embedding_dim)}"
                )
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += ", scale_grad_by_freq=True"
        if self.sparse:
            text += ", sparse=True"
        return text

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (2-D; shared, not copied);
        ``freeze`` turns its gradient off; the other arguments as in the constructor."""
        if not isinstance(embeddings, Tensor):
            embeddings = Tensor(np.asarray(embeddings))
        if embeddings.ndim != 2:
            raise ValueError(
                f"Embedding.from_pretrained: embeddings must be 2-D, got shape "
                f"{tuple(embeddings.shape)}"
            )
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse, _weight=embeddings,
                   _freeze=freeze, dtype=embeddings.dtype)
