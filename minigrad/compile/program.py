"""The flat program a trace records, and its replay on arrays.

A program is a list of steps over numbered slots (``env[i]``, one array each). Each
step reads slots and writes slots; nothing on the replay path makes a Tensor or a
graph node, except where a result leaves the program (a parameter's ``.grad``, the
values the function returns).

Kinds of step, in the order a training step usually has them:

- ``Forward``: one op's ``Function.forward`` on arrays, with a ctx kept for its backward.
- ``Source``: a recorded call that makes a fresh array (dropout's random mask).
- ``Backward``: one graph node's ``Function.backward``, and where each gradient goes:
  into another node's gradient slot (set, or added to what is there), or into a
  leaf's ``.grad``.
- ``Write`` / ``Commit``: in-place writes (``p.sub_(lr * p.grad)`` under no_grad; a
  recorded ``y += z``).
- ``Host``: an opaque call re-run as it is (``optimizer.step()``, ``zero_grad()``), so
  the optimizer's Python-side state (step counts, bias corrections) is recomputed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.engine import sum_to_shape
from ..autograd.graph import increment_version
from ..creation import from_numpy

ndarray = np.ndarray
SET, ADD, LEAF, ADD_INTO = 0, 1, 2, 3  # where a backward step sends one gradient
# (ADD_INTO: added in place into an array the replay owns; see accumulate.py)


class GuardFailed(Exception):
    """A replay found the world changed under it (a parameter replaced by a new shape):
    the caller traces again."""


class Forward:
    """``env[out] = fn.forward(ctx, *operands, **kwargs)``."""

    __slots__ = ("fn", "ctx", "args", "kwargs", "out", "group")
    kind = "forward"

    def __init__(self, fn: Any, ctx: Any, args: tuple, kwargs: dict, out: int) -> None:
        self.fn, self.ctx, self.args, self.kwargs, self.out = fn, ctx, args, kwargs, out
        self.group: int | None = None  # the fused group it belongs to, if any

    def run(self, env: list[Any]) -> None:
        ctx = self.ctx
        out = self.fn.forward(ctx, *[env[v] if s else v for s, v in self.args], **self.kwargs)
        if type(out) is not ndarray:
            raw, out = out, np.asarray(out)  # NumPy returns scalars for 0-d results
            if ctx._saved:
                ctx._saved = tuple(out if s is raw else s for s in ctx._saved)
        env[self.out] = out

    def reads(self) -> list[int]:
        return [v for s, v in self.args if s]

    def describe(self) -> str:
        args = ", ".join(f"s{v}" if s else _short(v) for s, v in self.args)
        extra = "".join(f", {k}={_short(v)}" for k, v in self.kwargs.items())
        return f"s{self.out} = {self.fn.__name__}({args}{extra})"


class Source:
    """``env[out] = fn(*args)``: a fresh array each replay (dropout's mask: a random draw
    from minigrad's generator, in the same order as the eager run)."""

    __slots__ = ("fn", "args", "kwargs", "out")
    kind = "source"

    def __init__(self, fn: Any, args: tuple, kwargs: dict, out: int) -> None:
        self.fn, self.args, self.kwargs, self.out = fn, args, kwargs, out

    def run(self, env: list[Any]) -> None:
        env[self.out] = self.fn(*self.args, **self.kwargs)

    def reads(self) -> list[int]:
        return []

    def describe(self) -> str:
        args = ", ".join(_short(a) for a in self.args)
        return f"s{self.out} = {self.fn.__name__}({args})  [drawn again on every replay]"


class Backward:
    """One node's backward: ``grads = fn.backward(ctx, env[grad])``, then each gradient
    (fitted to its input's shape and dtype, as the engine does) goes where its route
    says: ``(index, SET/ADD, slot, shape, dtype, None)`` into a node's gradient slot,
    ``(index, LEAF, slot, shape, dtype, (leaf, copy))`` into a leaf's ``.grad``."""

    __slots__ = ("fn", "ctx", "grad", "routes", "name", "release")
    kind = "backward"

    def __init__(self, fn: Any, ctx: Any, grad: int, name: str) -> None:
        self.fn, self.ctx, self.grad, self.name = fn, ctx, grad, name
        self.routes: list[tuple[Any, ...]] = []
        self.release = False  # drop the ctx's saved arrays after (no later backward uses them)

    def run(self, env: list[Any]) -> None:
        ctx = self.ctx
        grads = self.fn.backward(ctx, env[self.grad])
        self.send(env, grads if type(grads) is tuple else (grads,))
        if self.release:  # as the engine releases the node: the memory serves later steps
            ctx._saved = ()

    def send(self, env: list[Any], grads: tuple[Any, ...]) -> None:
        for index, kind, slot, shape, dtype, leaf in self.routes:
            g = grads[index]
            if g is None:
                continue
            if type(g) is not ndarray:
                g = np.asarray(g)
            if g.shape != shape:
                g = sum_to_shape(g, shape)
            if g.dtype != dtype:
                g = g.astype(dtype)
            if kind == SET:
                env[slot] = g
            elif kind == ADD:
                env[slot] = env[slot] + g
            elif kind == ADD_INTO:
                np.add(env[slot], g, out=env[slot])
            else:
                ref = leaf[0]
                env[slot] = accumulate_leaf(env[ref[1]] if ref[0] else ref[1], g, leaf[1])

    def reads(self) -> list[int]:
        return [self.grad] + [r[2] for r in self.routes if r[1] in (ADD, ADD_INTO)]

    def describe(self) -> str:
        outs = []
        for index, kind, slot, *_rest in self.routes:
            arrow = {SET: "=", ADD: "+=", LEAF: "+= .grad", ADD_INTO: "+= (in place)"}[kind]
            outs.append(f"d{index} {arrow} s{slot}")
        return f"{self.name}(s{self.grad}) -> " + ", ".join(outs or ["(no gradients)"])


def accumulate_leaf(leaf: Any, grad: ndarray, copy: bool) -> ndarray:
    """Add ``grad`` into the leaf's ``.grad`` as the engine does: the first gradient is
    kept (copied when another leaf holds it, or it is a view), later ones are summed into
    a new array. Returns the array now in ``leaf.grad``."""
    old = leaf.grad
    if old is None:
        if copy or grad.base is not None or not grad.flags.writeable:
            grad = grad.copy()
        new = grad
    else:
        new = old.numpy(force=True) + grad
    leaf.grad = from_numpy(new)
    return new


class Write:
    """An unrecorded in-place write: ``target = ufunc(target, alpha * other)`` (or a copy),
    bumping the written tensor's version as the eager write does."""

    __slots__ = ("ufunc", "target", "other", "alpha", "tensor", "op")
    kind = "write"

    def __init__(self, op: str, ufunc: Any, target: int, other: tuple[bool, Any], alpha: float,
                 tensor: Any) -> None:
        self.op, self.ufunc, self.target, self.other = op, ufunc, target, other
        self.alpha, self.tensor = alpha, tensor

    def run(self, env: list[Any]) -> None:
        is_slot, other = self.other
        if is_slot:
            other = env[other]
        if self.alpha != 1:
            other = self.alpha * other
        target = env[self.target]
        if self.ufunc is np.copyto:
            np.copyto(target, other, casting="same_kind")
        else:
            self.ufunc(target, other, out=target, casting="same_kind")
        if self.tensor is not None:
            is_slot, tensor = self.tensor
            increment_version(env[tensor] if is_slot else tensor)

    def reads(self) -> list[int]:
        return [self.target] + ([self.other[1]] if self.other[0] else [])

    def describe(self) -> str:
        is_slot, other = self.other
        source = f"s{other}" if is_slot else _short(other)
        alpha = "" if self.alpha == 1 else f", alpha={self.alpha:g}"
        return f"s{self.target}.{self.op}({source}{alpha})  [in place]"


class Commit:
    """A recorded in-place op's result copied into the tensor it was written into."""

    __slots__ = ("target", "source")
    kind = "commit"

    def __init__(self, target: int, source: int) -> None:
        self.target, self.source = target, source

    def run(self, env: list[Any]) -> None:
        np.copyto(env[self.target], env[self.source])

    def reads(self) -> list[int]:
        return [self.target, self.source]

    def describe(self) -> str:
        return f"s{self.target} <- s{self.source}  [in place]"


class SetGrad:
    """``leaf.grad = value`` (None, or the tensor in a slot)."""

    __slots__ = ("leaf", "value")
    kind = "set_grad"

    def __init__(self, leaf: tuple[bool, Any], value: int | None) -> None:
        self.leaf, self.value = leaf, value  # leaf: (True, slot of an argument) or (False, tensor)

    def run(self, env: list[Any]) -> None:
        leaf = env[self.leaf[1]] if self.leaf[0] else self.leaf[1]
        leaf.grad = None if self.value is None else from_numpy(env[self.value])

    def reads(self) -> list[int]:
        return [] if self.value is None else [self.value]

    def describe(self) -> str:
        value = "None" if self.value is None else f"s{self.value}"
        is_slot, leaf = self.leaf
        name = f"s{leaf}" if is_slot else f"<{type(leaf).__name__} {list(leaf.shape)}>"
        return f"{name}.grad = {value}"


class Host:
    """An opaque call re-run as it is on every replay (``optimizer.step()``)."""

    __slots__ = ("fn", "args", "kwargs", "out")
    kind = "host"

    def __init__(self, fn: Any, args: tuple, kwargs: dict, out: int | None) -> None:
        self.fn, self.args, self.kwargs, self.out = fn, args, kwargs, out

    def run(self, env: list[Any]) -> None:
        args = [from_numpy(env[v]) if s else v for s, v in self.args]
        result = self.fn(*args, **self.kwargs)
        if self.out is not None:
            env[self.out] = result.numpy(force=True)

    def reads(self) -> list[int]:
        return [v for s, v in self.args if s]

    def describe(self) -> str:
        owner = self.args[0][1] if self.args and not self.args[0][0] else None
        name = self.fn.__qualname__
        if owner is not None and name.count(".") == 1:  # a method: name its object's class
            name = f"{type(owner).__name__}.{name.split('.')[1]}"
        out = f"s{self.out} = " if self.out is not None else ""
        return f"{out}{name}(...)  [host: re-run in Python on every replay]"


def _short(value: Any) -> str:
    """A constant as explain() shows it: arrays by shape and dtype, the rest by repr."""
    if isinstance(value, ndarray):
        return f"const{list(value.shape)}:{value.dtype}"
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."
