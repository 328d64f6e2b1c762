"""In-place writes: ``add_ sub_ mul_ div_ zero_ fill_ copy_ clamp_ uniform_ normal_`` and
the augmented operators ``+= -= *= /=`` (``x[i] = v`` lives with indexing).

Each writes into the tensor's own memory and bumps its version, so a backward
that saved the old values refuses to run instead of using the new ones. On a
tensor that requires grad they are refused while grad mode is on: update
weights inside ``mg.no_grad()``, or through ``w.data``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..random import Generator, rng


def _write(t: Tensor, op: str, ufunc: Any, other: Any) -> Tensor:
    """``t = ufunc(t, other)``, written into ``t``'s memory (``np.copyto``: ``t = other``)."""
    t._check_inplace(op)
    other = other._array if isinstance(other, Tensor) else other
    try:
        if ufunc is np.copyto:
            np.copyto(t._array, other, casting="same_kind")
        else:
            ufunc(t._array, other, out=t._array, casting="same_kind")
    except (TypeError, ValueError) as exc:
        raise RuntimeError(
            f"{op}: can't write a result with {np.shape(other)} {np.asarray(other).dtype} "
            f"into a tensor of shape {t.shape} and dtype {t.dtype}"
        ) from exc
    t._version += 1
    return t


def _scaled(other: Any, alpha: float) -> Any:
    other = other._array if isinstance(other, Tensor) else other
    return other if alpha == 1 else alpha * other


@tensor_method("add_", "__iadd__")
def add_(input: Tensor, other: Any, alpha: float = 1) -> Tensor:
    """In place ``input += alpha * other``; returns ``input``."""
    return _write(input, "add_", np.add, _scaled(other, alpha))


@tensor_method("sub_", "__isub__")
def sub_(input: Tensor, other: Any, alpha: float = 1) -> Tensor:
    """In place ``input -= alpha * other``; returns ``input``."""
    return _write(input, "sub_", np.subtract, _scaled(other, alpha))


@tensor_method("mul_", "__imul__")
def mul_(input: Tensor, other: Any) -> Tensor:
    """In place ``input *= other``."""
    return _write(input, "mul_", np.multiply, other)


@tensor_method("div_", "__itruediv__")
def div_(input: Tensor, other: Any) -> Tensor:
    """In place ``input /= other``."""
    return _write(input, "div_", np.true_divide, other)


@tensor_method("zero_")
def zero_(input: Tensor) -> Tensor:
    """Fill with zeros."""
    return _write(input, "zero_", np.copyto, np.zeros((), input.dtype))


@tensor_method("fill_")
def fill_(input: Tensor, value: Any) -> Tensor:
    """Fill with one value (a number or a one-element tensor)."""
    value = value._array if isinstance(value, Tensor) else value
    return _write(input, "fill_", np.copyto, np.asarray(value))


@tensor_method("copy_")
def copy_(input: Tensor, src: Any) -> Tensor:
    """Copy ``src``'s values into ``input`` (broadcasting).

    >>> import minigrad as mg
    >>> mg.zeros(2, 2).copy_(mg.tensor([1.0, 2.0]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    return _write(input, "copy_", np.copyto, src)


@tensor_method("clamp_", "clip_")
def clamp_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit the values to [min, max] in place."""
    return _write(input, "clamp_", np.copyto, np.clip(input._array, min, max))


@tensor_method("uniform_")
def uniform_(input: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill with draws from U(a, b)."""
    return _write(input, "uniform_", np.copyto, rng(generator).uniform(a, b, input.shape))


@tensor_method("normal_")
def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    return _write(input, "normal_", np.copyto, rng(generator).normal(mean, std, input.shape))
