"""Utilities: ``minigrad.utils.data`` (PyTorch's path to ``minigrad.data``),
``minigrad.utils.checkpoint`` (``checkpoint`` runs the function once), and
process-wide settings that minigrad never applies on its own.

- ``tune_malloc()``: keep freed memory in the process (glibc), a faster training
  step for the price of a process-wide allocator setting. See docs/performance.md.
"""

from . import checkpoint, data
from .malloc import malloc_tuned, tune_malloc

__all__ = ["checkpoint", "data", "malloc_tuned", "tune_malloc"]
