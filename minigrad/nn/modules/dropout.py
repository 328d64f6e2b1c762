"""``Dropout``: zero random elements while training, identity in eval mode."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module


class Dropout(Module):
    """In training, zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)`` so the expected value is unchanged; in ``eval()`` return the input.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> drop = nn.Dropout(0.5).eval()
    >>> drop(mg.ones(3))
    tensor([1., 1., 1.])
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Dropout):
    """In training, zero whole channels (``input[n, c]`` of an (N, C, H, W) or (N, C, L)
    input) with probability ``p`` and scale the rest by ``1 / (1 - p)``; in ``eval()``
    return the input."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training)
