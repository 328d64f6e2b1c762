"""The hooks ``mg.compile`` records a function through (see ``minigrad/compile/``).

While a trace runs, ``_state.tracer`` (per thread) holds the recorder; otherwise it
is None and every hook costs one attribute check. Two decorators mark calls the
recorder cannot see inside and must re-run as they are on replay:

- ``@host``: a call with side effects on parameters, gradients or optimizer state
  (``optimizer.step()``, ``zero_grad()``, gradient clipping, an lr scheduler's step).
- ``@source``: a function that makes a fresh array from non-tensor arguments, drawing
  random numbers (dropout's mask), so that replay draws again, in the same order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from .grad_mode import _state

F = TypeVar("F", bound=Callable[..., Any])


def host(fn: F) -> F:
    """Decorate a call that a trace records as one opaque step, re-run on every replay."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracer = _state.tracer
        if tracer is None:
            return fn(*args, **kwargs)
        return tracer.host(fn, args, kwargs)

    return wrapper  # type: ignore[return-value]


def source(fn: F) -> F:
    """Decorate a function returning a fresh ndarray (random draws, say) from non-tensor
    arguments; a trace records the call and replay calls it again."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tracer = _state.tracer
        if tracer is None:
            return fn(*args, **kwargs)
        return tracer.source(fn, args, kwargs)

    return wrapper  # type: ignore[return-value]

