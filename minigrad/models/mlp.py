"""``MLP``: a stack of Linear layers with an activation (and dropout) between them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import nn
from .._tensor import Tensor

ACTIVATIONS = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
}


def _activation(spec: Any, what: str) -> nn.Module:
    """A fresh activation module from a name ("relu"), a Module class, or a Module."""
    if isinstance(spec, str):
        if spec not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown {what} {spec!r}; choose one of "
                             f"{sorted(ACTIVATIONS)} or pass an nn.Module class")
        return ACTIVATIONS[spec]()
    if isinstance(spec, type) and issubclass(spec, nn.Module):
        return spec()
    if isinstance(spec, nn.Module):
        return spec
    raise TypeError(f"MLP: {what} must be a name, an nn.Module class or an nn.Module, "
                    f"got {spec!r}")


class MLP(nn.Module):
    """A multi-layer perceptron: ``sizes = [784, 512, 512, 10]`` makes three Linear layers
    784->512->512->10 with ``activation`` (and ``Dropout(dropout)`` if > 0) after every
    layer but the last. ``output_activation`` (same kinds as ``activation``) goes after
    the last one; by default the output is left as raw scores (logits).

    The layers live in ``self.layers``, an ``nn.Sequential``: ``layers.0`` is the first
    Linear, so parameter names read ``layers.0.weight``, ``layers.2.weight``, ...

    >>> import minigrad as mg
    >>> from minigrad.models import MLP
    >>> model = MLP([4, 8, 3], activation="gelu", dropout=0.1)
    >>> model(mg.randn(5, 4)).shape
    (5, 3)
    >>> [type(m).__name__ for m in model.layers]
    ['Linear', 'GELU', 'Dropout', 'Linear']
    """

    def __init__(self, sizes: Sequence[int], activation: Any = "relu", dropout: float = 0.0,
                 output_activation: Any = None) -> None:
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: sizes needs at least an input and an output size, "
                             f"got {sizes}")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"MLP: dropout must be in [0, 1), got {dropout}")
        self.sizes = sizes
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(nn.Linear(n_in, n_out))
            if i < len(sizes) - 2:
                layers.append(_activation(activation, "activation"))
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
        if output_activation is not None:
            layers.append(_activation(output_activation, "output_activation"))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)
