"""The switch between numba kernels and their plain-NumPy twins.

`MINIGRAD_KERNELS=numpy` in the environment (read once, when `minigrad.kernels` is imported)
starts in reference mode; `use_reference(True)` or `with reference_mode():` switch at run time.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

_CHOICES = ("numba", "numpy")


def _from_environment() -> bool:
    value = os.environ.get("MINIGRAD_KERNELS", "numba").strip().lower() or "numba"
    if value not in _CHOICES:
        raise ValueError(f"MINIGRAD_KERNELS must be 'numba' or 'numpy', got {value!r}")
    return value == "numpy"


_reference = _from_environment()


def use_reference(flag: bool = True) -> None:
    """Run the plain-NumPy twins (True) or the numba kernels (False) from now on.

    >>> before = using_reference()
    >>> use_reference(True); backend()
    'numpy'
    >>> use_reference(False); backend()
    'numba'
    >>> use_reference(before)
    """
    global _reference
    _reference = bool(flag)


def using_reference() -> bool:
    """True when the plain-NumPy twins run instead of the numba kernels."""
    return _reference


def backend() -> str:
    """'numba' or 'numpy': which implementation the dispatchers call."""
    return "numpy" if _reference else "numba"


@contextmanager
def reference_mode(flag: bool = True) -> Iterator[None]:
    """Run the NumPy twins (or, with `flag=False`, the numba kernels) inside a `with` block.

    >>> with reference_mode():
    ...     backend()
    'numpy'
    """
    previous = _reference
    use_reference(flag)
    try:
        yield
    finally:
        use_reference(previous)
