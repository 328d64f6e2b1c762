"""Graph utilities with PyTorch's names (``torch.autograd.graph``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .engine import queue_callback

__all__ = ["increment_version", "queue_callback"]


def increment_version(tensor: Any | Iterable[Any]) -> None:
    """Mark ``tensor`` (or each tensor of an iterable) as modified in place.

    Call it after writing into a tensor's array by hand (a fused kernel
    updating parameters, say), so that a backward that saved the old values
    refuses to run instead of using the new ones. The in-place tensor methods
    (``add_``, ``copy_``, ``x[i] = v``, ...) already do this.
    """
    tensors = [tensor] if hasattr(tensor, "_version") else list(tensor)
    for t in tensors:
        t._version += 1
