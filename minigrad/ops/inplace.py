"""In-place writes: ``add_ sub_ mul_ div_ pow_ zero_ fill_ copy_ clamp_ masked_fill_
uniform_ normal_``, the pointwise functions ``exp_ log_ sqrt_ abs_ neg_ relu_ sigmoid_
tanh_``, and
the augmented operators ``+= -= *= /=`` (``x[i] = v`` lives with indexing).

Each writes into the tensor's own memory and bumps its version, so a backward
that saved the old values refuses to run instead of using the new ones.

While grad mode is on, every one of them but ``zero_ uniform_ normal_`` (and ``x[i] = v``)
are recorded as PyTorch records them when the value written requires grad, or the
target is a non-leaf that requires grad: the out-of-place op is recorded, its result
is written into the target's memory, and the target takes over its ``grad_fn``
(``y += lora_term`` backpropagates to the LoRA weights). A leaf that requires grad
can't be written in place while grad mode is on: update weights inside
``mg.no_grad()``, or through ``w.data``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.grad_mode import _state
from ..random import Generator, rng
from .activation import relu, sigmoid, tanh
from .arithmetic import add, div, mul, neg, pow, sub
from .indexing import masked_fill
from .pointwise import abs, clamp, exp, log, sqrt


def _check_writeable(t: Tensor, op: str) -> None:
    if not t._array.flags.writeable:
        raise RuntimeError(
            f"{op}: this tensor's memory is read-only (it wraps a read-only NumPy array, "
            "e.g. from mg.from_numpy); clone() it before modifying it in place"
        )


def _records(t: Tensor, op: str, other: Any = None) -> bool:
    """Whether an in-place write must be recorded: grad mode is on and either the value
    requires grad or ``t`` is a non-leaf that does. Raises for a leaf that requires grad."""
    if not _state.enabled:
        return False
    if t._requires_grad:
        if t.grad_fn is None:
            t._check_inplace(op)  # a leaf that requires grad: refused
        return True
    return isinstance(other, Tensor) and other._requires_grad


def _snapshot(t: Tensor) -> Tensor:
    """``t``'s current values for an op that saves its input (``t`` is about to be
    overwritten): a recorded clone if ``t`` requires grad, else a constant copy."""
    return t.clone() if t._requires_grad else Tensor._make(t._array.copy(), False, None)


def commit(t: Tensor, result: Tensor, op: str) -> Tensor:
    """Write the recorded out-of-place ``result`` into ``t``'s memory and give ``t`` its
    graph; ``t`` keeps its shape and dtype (a result that doesn't fit is refused)."""
    t._check_inplace(op, recorded=True)
    _check_writeable(t, op)
    if result.shape != t.shape:
        raise RuntimeError(
            f"{op}: output with shape {t.shape} doesn't match the broadcast shape "
            f"{result.shape}"
        )
    if result.dtype != t.dtype:
        if not np.can_cast(result.dtype, t.dtype, "same_kind"):
            raise RuntimeError(
                f"{op}: result type {result.dtype} can't be cast to the desired output "
                f"type {t.dtype}"
            )
        result = result.to(t.dtype)
    if _state.tracer is not None:
        _state.tracer.commit(t, result)
    np.copyto(t._array, result._array)  # the same memory: views of t see the new values
    t._version += 1
    t.grad_fn = result.grad_fn
    t._requires_grad = result._requires_grad
    return t


def _write(t: Tensor, op: str, ufunc: Any, other: Any, alpha: float = 1) -> Tensor:
    """``t = ufunc(t, alpha * other)``, written into ``t``'s memory (``np.copyto``:
    ``t = other``)."""
    if _state.tracer is not None:
        _state.tracer.write(t, op, ufunc, other, alpha)
    t._check_inplace(op)
    _check_writeable(t, op)
    other = _scaled(other, alpha)
    try:
        if ufunc is np.copyto:
            np.copyto(t._array, other, casting="same_kind")
        else:
            ufunc(t._array, other, out=t._array, casting="same_kind")
    except (TypeError, ValueError) as exc:
        raise RuntimeError(
            f"{op}: can't write a result with {np.shape(other)} {np.asarray(other).dtype} "
            f"into a tensor of shape {t.shape} and dtype {t.dtype}"
        ) from exc
    t._version += 1
    return t


def _scaled(other: Any, alpha: float) -> Any:
    other = other._array if isinstance(other, Tensor) else other
    return other if alpha == 1 else alpha * other


@tensor_method("add_", "__iadd__")
def add_(input: Tensor, other: Any, alpha: float = 1) -> Tensor:
    """In place ``input += alpha * other``; returns ``input``."""
    if _records(input, "add_", other):
        return commit(input, add(input, other, alpha=alpha), "add_")
    return _write(input, "add_", np.add, other, alpha)


@tensor_method("sub_", "__isub__")
def sub_(input: Tensor, other: Any, alpha: float = 1) -> Tensor:
    """In place ``input -= alpha * other``; returns ``input``."""
    if _records(input, "sub_", other):
        return commit(input, sub(input, other, alpha=alpha), "sub_")
    return _write(input, "sub_", np.subtract, other, alpha)


@tensor_method("mul_", "__imul__")
def mul_(input: Tensor, other: Any) -> Tensor:
    """In place ``input *= other``."""
    if _records(input, "mul_", other):
        return commit(input, mul(_snapshot(input), other), "mul_")
    return _write(input, "mul_", np.multiply, other)


@tensor_method("div_", "__itruediv__")
def div_(input: Tensor, other: Any) -> Tensor:
    """In place ``input /= other``."""
    if _records(input, "div_", other):
        return commit(input, div(_snapshot(input), other), "div_")
    return _write(input, "div_", np.true_divide, other)


@tensor_method("pow_")
def pow_(input: Tensor, exponent: Any) -> Tensor:
    """In place ``input **= exponent``."""
    if _records(input, "pow_", exponent):
        return commit(input, pow(_snapshot(input), exponent), "pow_")
    return _write(input, "pow_", np.power, exponent)


def _pointwise_(input: Tensor, op: str, fn: Any) -> Tensor:
    """``input = fn(input)`` in place: recorded like ``mul_`` when it must be, else the
    values ``fn`` computes (without a graph) are copied in."""
    if _records(input, op):
        return commit(input, fn(_snapshot(input)), op)
    return _write(input, op, np.copyto, fn(input.detach())._array)


@tensor_method("exp_")
def exp_(input: Tensor) -> Tensor:
    """In place ``exp``."""
    return _pointwise_(input, "exp_", exp)


@tensor_method("log_")
def log_(input: Tensor) -> Tensor:
    """In place ``log``."""
    return _pointwise_(input, "log_", log)


@tensor_method("sqrt_")
def sqrt_(input: Tensor) -> Tensor:
    """In place ``sqrt``."""
    return _pointwise_(input, "sqrt_", sqrt)


@tensor_method("abs_")
def abs_(input: Tensor) -> Tensor:
    """In place ``abs``."""
    return _pointwise_(input, "abs_", abs)


@tensor_method("neg_")
def neg_(input: Tensor) -> Tensor:
    """In place ``neg``."""
    return _pointwise_(input, "neg_", neg)


@tensor_method("relu_")
def relu_(input: Tensor) -> Tensor:
    """In place ``relu`` (also ``F.relu(x, inplace=True)``).

    >>> import minigrad as mg
    >>> x = mg.tensor([-1.0, 2.0])
    >>> x.relu_() is x, x
    (True, tensor([0., 2.]))
    """
    return _pointwise_(input, "relu_", relu)


@tensor_method("sigmoid_")
def sigmoid_(input: Tensor) -> Tensor:
    """In place ``sigmoid``."""
    return _pointwise_(input, "sigmoid_", sigmoid)


@tensor_method("tanh_")
def tanh_(input: Tensor) -> Tensor:
    """In place ``tanh``."""
    return _pointwise_(input, "tanh_", tanh)


@tensor_method("zero_")
def zero_(input: Tensor) -> Tensor:
    """Fill with zeros."""
    return _write(input, "zero_", np.copyto, np.zeros((), input.dtype))


@tensor_method("fill_")
def fill_(input: Tensor, value: Any) -> Tensor:
    """Fill with one value (a number or a one-element tensor)."""
    if _records(input, "fill_", value):
        value = value if isinstance(value, Tensor) else Tensor._make(
            np.asarray(value, input.dtype), False, None)
        if value.numel() != 1:
            raise RuntimeError(f"fill_: the value must be one element, got shape {value.shape}")
        return commit(input, value.reshape(()).expand(*input.shape), "fill_")
    value = value._array if isinstance(value, Tensor) else value
    return _write(input, "fill_", np.copyto, np.asarray(value))


@tensor_method("copy_")
def copy_(input: Tensor, src: Any) -> Tensor:
    """Copy ``src``'s values into ``input`` (broadcasting).

    >>> import minigrad as mg
    >>> mg.zeros(2, 2).copy_(mg.tensor([1.0, 2.0]))
    tensor([[1., 2.],
            [1., 2.]])
    """
    if _records(input, "copy_", src):
        if not isinstance(src, Tensor):
            src = Tensor._make(np.asarray(src, input.dtype), False, None)
        try:
            copied = src.expand(*input.shape)
        except (ValueError, RuntimeError) as exc:
            raise RuntimeError(f"copy_: can't copy a tensor of shape {src.shape} into one "
                               f"of shape {input.shape}") from exc
        return commit(input, copied, "copy_")
    return _write(input, "copy_", np.copyto, src)


@tensor_method("clamp_", "clip_")
def clamp_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Limit the values to [min, max] in place."""
    if _records(input, "clamp_"):
        return commit(input, clamp(_snapshot(input), min, max), "clamp_")
    return _write(input, "clamp_", np.copyto, np.clip(input._array, min, max))


@tensor_method("masked_fill_")
def masked_fill_(input: Tensor, mask: Any, value: Any) -> Tensor:
    """Write ``value`` where the bool ``mask`` is true, in place (``mask`` broadcasts to
    ``input``'s shape).

    >>> import minigrad as mg
    >>> x = mg.zeros(2, 3)
    >>> x.masked_fill_(mg.tensor([True, False, True]), 1.0)
    tensor([[1., 0., 1.],
            [1., 0., 1.]])
    """
    if _records(input, "masked_fill_", value):
        return commit(input, masked_fill(_snapshot(input), mask, value), "masked_fill_")
    m = mask._array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill_: mask must be a bool tensor, got dtype {m.dtype}")
    value = value._array if isinstance(value, Tensor) else value
    return _write(input, "masked_fill_", np.copyto, np.where(m, value, input._array))


@tensor_method("uniform_")
def uniform_(input: Tensor, a: float = 0.0, b: float = 1.0,
             generator: Generator | None = None) -> Tensor:
    """Fill with draws from U(a, b)."""
    return _write(input, "uniform_", np.copyto, rng(generator).uniform(a, b, input.shape))


@tensor_method("normal_")
def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Generator | None = None) -> Tensor:
    """Fill with draws from N(mean, std^2)."""
    return _write(input, "normal_", np.copyto, rng(generator).normal(mean, std, input.shape))
