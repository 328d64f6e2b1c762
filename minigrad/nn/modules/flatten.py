"""``Flatten`` and ``Unflatten``: reshape layers for use inside ``Sequential``."""

from __future__ import annotations

from collections.abc import Sequence

from ..._tensor import Tensor
from .module import Module


class Flatten(Module):
    """Merge dims ``start_dim..end_dim`` into one (by default all but the batch dim).

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> nn.Flatten()(mg.zeros(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dim ``dim`` into ``unflattened_size``.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> nn.Unflatten(1, (3, 4))(mg.zeros(2, 12)).shape
    (2, 3, 4)
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
