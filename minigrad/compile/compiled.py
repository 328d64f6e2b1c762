"""``mg.compile``: the cache of recorded programs in front of a function.

Each call computes the signature (minigrad/compile/guards.py). A signature seen
before replays its program; a new one runs the function eagerly under a ``Tracer``
(minigrad/compile/trace.py) and keeps the program, up to ``cache_size`` signatures
(least recently used first out). A trace that had to stop (``.item()`` inside the
function, say) marks its signature as eager: those calls run the function as it is,
after one warning that says why.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _state, is_grad_enabled
from ..creation import from_numpy
from ..utils.malloc import tune_malloc
from . import explain as _explain
from .accumulate import accumulate_in_place
from .fuse import fuse
from .guards import (
    Unguardable,
    closure_scalars,
    module_settings,
    reachable_modules,
    settings_values,
    signature,
    tensors_in,
)
from .program import GuardFailed
from .trace import CompileError, Tracer

_EAGER = "eager"


class Program:
    """A recorded call: input slots, loads, constants, steps and the result's template."""

    def __init__(self, tracer: Tracer, template: Any, trace_seconds: float) -> None:
        self.n_slots = len(tracer.env)
        self.inputs = tracer.inputs
        self.loads = tracer.loads
        self.consts = tracer.consts
        self.template = template
        self.shapes = [(a.shape, a.dtype) if type(a) is np.ndarray else None
                       for a in tracer.env]
        steps, self.groups = fuse(tracer.steps, tracer.env, self.shapes,
                                  _template_slots(template))
        self.steps = accumulate_in_place(steps, self.shapes)
        kept = {slot for pair in self.inputs for slot in pair} | _template_slots(template)
        kept |= {slot for slot, *_ in self.loads} | {slot for slot, _ in self.consts}
        self.drops = _drops(self.steps, kept)
        self.trace_seconds = trace_seconds
        self.replays = 0

    def run(self, tensors: list[Tensor]) -> Any:
        if not self.replays:  # later replays reuse the memory this one frees, as if
            tune_malloc()  # their arrays were allocated once (MINIGRAD_MALLOC_TUNING=0: off)
        env: list[Any] = [None] * self.n_slots
        for (slot, tensor_slot), t in zip(self.inputs, tensors):
            env[slot] = t.numpy(force=True)
            env[tensor_slot] = t
        for slot, t, shape, dtype in self.loads:
            array = t.numpy(force=True)
            if array.shape != shape or array.dtype != dtype:
                raise GuardFailed(f"a tensor the function reads changed from {shape} {dtype} "
                                  f"to {array.shape} {array.dtype}")
            env[slot] = array
        for slot, value in self.consts:
            env[slot] = value
        for step, drops in zip(self.steps, self.drops):
            step.run(env)
            for slot in drops:  # read for the last time: its memory can serve later steps
                env[slot] = None
        self.replays += 1
        return _build(self.template, env)


def _drops(steps: list[Any], kept: set[int]) -> list[tuple[int, ...]]:
    """For each step, the slots no later step reads (arguments, loads, constants and the
    result's slots excepted), so the replay lets go of them as the eager run would."""
    last: dict[int, int] = {}
    for i, step in enumerate(steps):
        for slot in step.reads():
            last[slot] = i
    drops: list[list[int]] = [[] for _ in steps]
    for slot, i in last.items():
        if slot not in kept:
            drops[i].append(slot)
    return [tuple(d) for d in drops]


def _template_slots(template: Any) -> set[int]:
    kind, value = template
    if kind == "tensor":
        return {value}
    if kind == "const":
        return set()
    items = value.values() if kind == "dict" else value
    return set().union(*(_template_slots(v) for v in items))


def _build(template: Any, env: list[Any]) -> Any:
    kind, value = template
    if kind == "tensor":
        return from_numpy(env[value])
    if kind == "const":
        return value
    if kind == "dict":
        return {k: _build(v, env) for k, v in value.items()}
    items = [_build(v, env) for v in value]
    return tuple(items) if kind == "tuple" else items


class CompiledFunction:
    """A function with recorded programs in front of it (made by ``mg.compile``)."""

    def __init__(self, fn: Callable[..., Any], fullgraph: bool, cache_size: int) -> None:
        if not callable(fn):
            raise TypeError(f"compile: expected a function, got {type(fn).__name__}")
        if not isinstance(cache_size, int) or cache_size < 1:
            raise ValueError(f"compile: cache_size must be an int >= 1, got {cache_size!r}")
        functools.update_wrapper(self, fn)
        self.fn, self.fullgraph, self.cache_size = fn, fullgraph, cache_size
        self.cache: OrderedDict[Any, Any] = OrderedDict()
        self.closure_modules: list[Any] | None = None
        self.closure_settings: Any = None
        self.traces = 0
        self.fallback_reason: str | None = None
        self._warned = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _state.tracer is not None:  # inside another trace: that one records this call
            return self.fn(*args, **kwargs)
        if self.closure_modules is None:
            self.closure_modules = reachable_modules(self.fn, ())
            self.closure_settings = module_settings(self.closure_modules)
        scalars = closure_scalars(self.fn)
        if not kwargs and all(type(a) is Tensor for a in args):  # the common case, quickly
            key = ("tensors", is_grad_enabled(), settings_values(self.closure_settings), scalars,
                   *[(a._array.shape, a._array.dtype, a._requires_grad) for a in args])
        else:
            modules = self.closure_modules + reachable_modules(_no_closure, args)
            try:
                key = (scalars, *signature(args, kwargs, modules))
            except Unguardable as exc:
                self._warn(str(exc))
                return self.fn(*args, **kwargs)
        entry = self.cache.get(key)
        if entry is None:
            return self._trace(key, args, kwargs)
        self.cache.move_to_end(key)
        if entry == _EAGER:
            return self.fn(*args, **kwargs)
        try:
            return entry.run(tensors_in(kwargs, tensors_in(args, [])))
        except GuardFailed:
            del self.cache[key]
            return self._trace(key, args, kwargs)

    def _trace(self, key: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        tracer = Tracer(self.fullgraph)
        for t in tensors_in(kwargs, tensors_in(args, [])):
            tracer.add_input(t)
        start = time.perf_counter()
        _state.tracer = tracer
        try:
            result = self.fn(*args, **kwargs)
            template = tracer.output(result) if tracer.active else None
        finally:
            _state.tracer = None
        self.traces += 1
        if tracer.active:
            self._store(key, Program(tracer, template, time.perf_counter() - start))
        else:
            self._store(key, _EAGER)
            self._warn(f"the function does something a replay can't reproduce: "
                       f"{tracer.reason}")
        return result

    def _warn(self, reason: str) -> None:
        self.fallback_reason = reason
        if not self._warned:
            self._warned = True
            warnings.warn(f"mg.compile({_name(self.fn)}): running eagerly, because {reason}",
                          stacklevel=4)

    def _store(self, key: Any, entry: Any) -> None:
        self.cache[key] = entry
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)

    @property
    def programs(self) -> list[Program]:
        """The recorded programs, least recently used first."""
        return [p for p in self.cache.values() if p != _EAGER]

    def explain(self, file: Any = None) -> str:
        """The most recently used program as text (ops, fused groups, buffer sizes);
        printed to ``file`` if given. Returns the text."""
        text = _explain.describe(self)
        if file is not None:
            print(text, file=file)
        return text


def _no_closure() -> None:
    return None


def _name(fn: Any) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


def compile(fn: Callable[..., Any] | None = None, *, fullgraph: bool = False,
            cache_size: int = 8) -> Any:
    """Record ``fn`` once per signature and replay the recorded array program after.

    ``fn`` takes tensors, modules and Python values, and typically runs a forward,
    ``loss.backward()`` and ``optimizer.step()``. The first call for a signature (tensor
    shapes, dtypes and ``requires_grad``, module training modes, grad mode) runs eagerly
    while recording; later calls replay the program on arrays and return fresh tensors
    in place of the tensors ``fn`` returned. What can't be replayed (``.item()``, printing
    a tensor, a random draw outside an op) makes that signature run eagerly, with one
    warning, or raises ``CompileError`` under ``fullgraph=True``. ``cache_size``
    signatures are kept. Usable as ``mg.compile(fn)``, ``@mg.compile`` and
    ``@mg.compile(fullgraph=True)``.

    >>> import minigrad as mg
    >>> w = mg.ones(3, requires_grad=True)
    >>> @mg.compile
    ... def step(x):
    ...     loss = (w * x).sum()
    ...     loss.backward()
    ...     with mg.no_grad():
    ...         w.sub_(0.1 * w.grad)
    ...     w.grad = None
    ...     return loss
    >>> [round(float(step(mg.ones(3))), 2) for _ in range(3)]
    [3.0, 2.7, 2.4]
    """
    if fn is None:
        return lambda f: CompiledFunction(f, fullgraph, cache_size)
    return CompiledFunction(fn, fullgraph, cache_size)


__all__ = ["CompileError", "CompiledFunction", "compile"]
