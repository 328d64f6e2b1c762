"""Grad mode: whether operations record the graph for backward (per thread).

``no_grad``, ``enable_grad`` and ``set_grad_enabled`` work as context
managers and as decorators, like PyTorch's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _GradState(threading.local):
    """Grad mode, one per thread as in PyTorch: a new thread starts with recording on,
    and ``no_grad`` (or a backward running) in one thread leaves the others alone."""

    enabled = True


_state = _GradState()


def is_grad_enabled() -> bool:
    """True when new operations are recorded for backward."""
    return _state.enabled


class _GradModeContext:
    """Base for the context managers below: set a mode on entry, restore on exit."""

    mode: bool = True

    def __enter__(self) -> None:
        self._previous = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self._previous

    def __call__(self, func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self._clone():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def _clone(self) -> _GradModeContext:
        clone = self.__class__.__new__(self.__class__)
        clone.mode = self.mode
        return clone


class no_grad(_GradModeContext):
    """Context manager and decorator that stops recording operations.

    >>> import minigrad as mg
    >>> x = mg.ones(2, requires_grad=True)
    >>> with mg.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator that turns recording back on inside ``no_grad``."""

    mode = True


class set_grad_enabled(_GradModeContext):
    """Set grad mode to ``mode``; usable as a function, context manager or decorator."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._previous = _state.enabled
        _state.enabled = self.mode

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self._previous

    def __call__(self, func: F) -> F:
        _state.enabled = self._previous  # used as a decorator: undo the switch made in __init__
        return super().__call__(func)

    def _clone(self) -> _GradModeContext:
        clone = _GradModeContext()
        clone.mode = self.mode
        return clone
