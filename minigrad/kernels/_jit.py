"""`lazy_njit`: numba kernels that cost nothing until their first call.

Importing numba takes a few tenths of a second, so no module of minigrad imports it at import
time. A function decorated with `lazy_njit(**options)` stays plain Python until it is first
called; then numba is imported and the function compiled with
`numba.njit(cache=True, **options)`, and every later call goes straight to the compiled
dispatcher.

Where no cache directory is writable (a read-only install with `NUMBA_CACHE_DIR` unset or
unwritable), numba refuses `cache=True` when decorating, or fails while saving the compiled
code; either way the kernel is compiled again with `cache=False`, silently.

>>> @lazy_njit()
... def add_one(a):
...     for i in range(a.size):
...         a[i] += 1.0
>>> import numpy as np
>>> x = np.zeros(3); add_one(x); x
array([1., 1., 1.])
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_compile_lock = threading.RLock()


class LazyKernel:
    """A Python function waiting to be compiled by numba on first call."""

    def __init__(self, py_func: Callable[..., Any], options: dict[str, Any]) -> None:
        self.py_func = py_func
        self.options = options
        self.cached: bool | None = None  # None until compiled; False after the fallback
        self._dispatcher: Any = None
        functools.update_wrapper(self, py_func)

    def __repr__(self) -> str:
        state = "not compiled" if self._dispatcher is None else f"cached={self.cached}"
        return f"<lazy_njit kernel {self.py_func.__qualname__} ({state})>"

    @property
    def dispatcher(self) -> Any:
        """The numba dispatcher, compiling (and importing numba) on first access."""
        if self._dispatcher is None:
            with _compile_lock:
                if self._dispatcher is None:
                    self._build(cache=True)
        return self._dispatcher

    def __call__(self, *args: Any) -> Any:
        dispatcher = self.dispatcher
        try:
            return dispatcher(*args)
        except OSError:
            # numba compiles, then saves to its cache, then runs: an OSError here comes from
            # the save, so the kernel has not touched its arguments yet and can run again.
            if not self.cached:
                raise
            with _compile_lock:
                self._build(cache=False)
            return self._dispatcher(*args)

    def _build(self, cache: bool) -> None:
        import numba

        _resolve_helpers(self.py_func, cache)
        try:
            self._dispatcher = numba.njit(cache=cache, **self.options)(self.py_func)
            self.cached = cache
        except RuntimeError:
            if not cache:
                raise
            # "cannot cache function ...: no locator available": no writable cache directory.
            self._dispatcher = numba.njit(cache=False, **self.options)(self.py_func)
            self.cached = False


def _resolve_helpers(py_func: Callable[..., Any], cache: bool) -> None:
    """Swap the lazy helpers a kernel calls for their numba dispatchers, which numba can type.

    numba looks globals up when it compiles, so a helper named in the kernel's module globals
    is replaced there by its compiled dispatcher (the helper "replaces itself").
    """
    module_globals = py_func.__globals__
    for name in py_func.__code__.co_names:
        helper = module_globals.get(name)
        if isinstance(helper, LazyKernel):
            if helper._dispatcher is None or (helper.cached and not cache):
                helper._build(cache)
            module_globals[name] = helper._dispatcher


def lazy_njit(**options: Any) -> Callable[[Callable[..., Any]], LazyKernel]:
    """Decorator: compile with `numba.njit(cache=True, **options)` on first call.

    `error_model` defaults to "numpy" (x / 0 gives inf or nan, as in NumPy): numba's "python"
    model checks every division for zero, which also stops LLVM from vectorising the loop.
    `nogil` defaults to True, so threads can run kernels side by side (see `_parallel`).

    Helpers called from inside another kernel must be decorated with `lazy_njit` too and be
    module globals of the calling kernel's module (import them by name).
    """

    options = {"error_model": "numpy", "nogil": True, **options}

    def wrap(py_func: Callable[..., Any]) -> LazyKernel:
        return LazyKernel(py_func, options)

    return wrap


def is_compiled(kernel: LazyKernel) -> bool:
    """True once `kernel` has been handed to numba (it may still compile per signature)."""
    return kernel._dispatcher is not None
