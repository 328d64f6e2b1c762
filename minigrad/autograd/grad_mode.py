"""Grad mode: whether operations record the graph for backward (per thread).

``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode`` work as
context managers and as decorators, like PyTorch's (``no_grad``, ``enable_grad`` and
``inference_mode`` also as bare decorators, ``@mg.no_grad`` without parentheses).
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
    inference = False
    tracer = None  # the recorder of a running mg.compile trace (minigrad/compile/)


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


class _BareDecoratorContext(_GradModeContext):
    """``@no_grad`` and ``@no_grad()`` both decorate (PyTorch allows both)."""

    def __new__(cls, orig_func: Callable | None = None, *args: Any, **kwargs: Any) -> Any:
        if orig_func is not None and callable(orig_func) and not args and not kwargs:
            return cls()(orig_func)
        return super().__new__(cls)

    def __init__(self, orig_func: Any = None) -> None:
        if orig_func is not None:
            raise TypeError(f"{type(self).__name__}() takes no arguments, got {orig_func!r}")


class no_grad(_BareDecoratorContext):
    """Context manager and decorator that stops recording operations.

    >>> import minigrad as mg
    >>> x = mg.ones(2, requires_grad=True)
    >>> with mg.no_grad():
    ...     y = x * 2
    >>> y.requires_grad
    False
    """

    mode = False


class enable_grad(_BareDecoratorContext):
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


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()``."""
    return _state.inference


class inference_mode(_BareDecoratorContext):
    """``torch.inference_mode(mode=True)``: a context manager and decorator for code that
    only evaluates. In minigrad it is ``no_grad`` plus the ``is_inference_mode_enabled()``
    flag (PyTorch's extra restriction, that tensors made inside may not join a graph
    later, is not enforced). ``inference_mode(False)`` turns recording back on.

    >>> import minigrad as mg
    >>> x = mg.ones(2, requires_grad=True)
    >>> with mg.inference_mode():
    ...     (x * 2).requires_grad, mg.is_inference_mode_enabled()
    (False, True)
    """

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # @inference_mode without parentheses
            return cls(True)(mode)
        return object.__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"inference_mode: mode must be a bool, got {mode!r}")
        self.inference = mode
        self.mode = not mode

    def __enter__(self) -> None:
        self._previous_inference = _state.inference
        _state.inference = self.inference
        super().__enter__()

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        _state.inference = self._previous_inference

    def _clone(self) -> _GradModeContext:
        return inference_mode(self.inference)
