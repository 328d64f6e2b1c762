"""Small helpers shared by the data modules: turning inputs into arrays and back."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad._tensor import Tensor


def as_array(x: Any) -> np.ndarray:
    """The ndarray behind ``x``: a Tensor's ``.data`` (no copy), else ``np.asarray(x)``."""
    if isinstance(x, Tensor):
        return x.data
    return np.asarray(x)


def like(result: np.ndarray, original: Any) -> Any:
    """Return ``result`` as a Tensor if ``original`` was one, else as the ndarray."""
    if isinstance(original, Tensor):
        return Tensor(result)
    return result


def check_random_generator(generator: Any, where: str) -> None:
    """Refuse a ``generator`` that is not a ``minigrad.random.Generator`` (or None)."""
    if generator is not None and not hasattr(generator, "get_state"):
        raise TypeError(
            f"{where}: generator must be a minigrad.random.Generator or None, "
            f"got {type(generator).__name__}"
        )


def check_positive_int(value: Any, name: str, where: str, minimum: int = 1) -> int:
    """``value`` as an int, refusing bools, non-integers and values below ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{where}: {name} must be >= {minimum}, got {value}")
    return int(value)
