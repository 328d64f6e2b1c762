"""``LinearRegression``: ``y = x W^T + b`` as a model, for the walkthrough and beyond."""

from __future__ import annotations

from .. import nn
from .._tensor import Tensor


class LinearRegression(nn.Module):
    """A single ``nn.Linear(in_features, out_features)`` layer named ``linear``.

    Inputs are ``(N, in_features)``, or ``(N,)`` when ``in_features == 1`` (N points
    of one feature, as in the walkthrough). With ``out_features == 1`` a 1-D input gives
    a 1-D ``(N,)`` output, so ``prediction - y`` with ``y`` of shape ``(N,)`` does not
    broadcast into an ``(N, N)`` matrix by accident.

    >>> import minigrad as mg
    >>> from minigrad.models import LinearRegression
    >>> model = LinearRegression()
    >>> model(mg.rand(100)).shape, model(mg.rand(100, 1)).shape
    ((100,), (100, 1))
    """

    def __init__(self, in_features: int = 1, out_features: int = 1) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features)

    @property
    def weight(self) -> nn.Parameter:
        return self.linear.weight

    @property
    def bias(self) -> nn.Parameter:
        return self.linear.bias

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 1:
            return self.linear(x)
        if self.linear.in_features != 1:
            raise ValueError(
                f"LinearRegression: a 1-D input is read as N points of one feature, but the "
                f"model has in_features={self.linear.in_features}; pass shape (N, "
                f"{self.linear.in_features})"
            )
        out = self.linear(x.reshape(-1, 1))
        return out.reshape(-1) if self.linear.out_features == 1 else out
