"""Activation functions: tanh, sigmoid, relu, leaky_relu, elu, gelu, silu, softplus."""

from __future__ import annotations

import math

import numpy as np

from .._tensor import Tensor, tensor_method
from ..autograd.function import Function
from ..kernels import gelu_backward, gelu_forward
from ..kernels.gelu import erfc_numpy
from ._args import float_input, write_out

_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


class Tanh(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1 - out * out)  # d tanh(x)/dx = 1 - tanh(x)^2


class Sigmoid(Function):
    @staticmethod
    def forward(ctx, x):
        out = np.exp(-np.logaddexp(0, -x))  # 1/(1+e^-x) without overflow
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1 - out)  # d s(x)/dx = s(x)(1 - s(x))


class Relu(Function):
    name = "relu"

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out > 0)  # slope 1 for x > 0, else 0


class LeakyRelu(Function):
    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.negative_slope = negative_slope
        return np.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # slope 1 for x > 0, negative_slope otherwise
        return grad * ctx.xp.where(x > 0, 1.0, ctx.negative_slope), None


class Elu(Function):
    @staticmethod
    def forward(ctx, x, alpha):
        out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return out

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        # d elu/dx = 1 for x > 0, alpha e^x otherwise
        return grad * ctx.xp.where(x > 0, 1.0, ctx.xp.exp(ctx.xp.minimum(x, 0)) * ctx.alpha), None


class Erf(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 1.0 - erfc_numpy(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.exp(-x * x) * (2 / math.sqrt(math.pi))  # d erf/dx = 2/sqrt(pi) e^-x^2


@tensor_method("erf")
def erf(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """The error function."""
    return write_out(Erf.apply(float_input(input)), out, "erf")


class Gelu(Function):
    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        if not ctx.needs_input_grad:  # nothing to differentiate: no gate to keep
            return gelu_forward(x, approximate)
        y, gate = gelu_forward(x, approximate, keep_gate=True)
        ctx.save_for_backward(x, gate)  # the gate spares the backward its costly part
        return y

    @staticmethod
    def backward(ctx, grad):
        x, gate = ctx.saved_tensors
        if not ctx.create_graph:
            return gelu_backward(grad, x, ctx.approximate, gate), None
        # recorded (create_graph): the same derivative written with ops
        if ctx.approximate == "tanh":
            # y = x/2 (1 + tanh(u)), u = c (x + 0.044715 x^3)
            t = ctx.xp.tanh((x + x * x * x * 0.044715) * _SQRT_2_OVER_PI)
            du = (x * x * (3 * 0.044715) + 1) * _SQRT_2_OVER_PI
            return grad * ((t + 1) * 0.5 + x * 0.5 * (1 - t * t) * du), None
        # y = x Phi(x): dy/dx = Phi(x) + x phi(x)
        cdf = (ctx.xp.erf(x / _SQRT_2) + 1) * 0.5
        pdf = ctx.xp.exp(x * x * -0.5) * _INV_SQRT_2PI
        return grad * (cdf + x * pdf), None


class Silu(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.exp(-np.logaddexp(0, -x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = 1 / (ctx.xp.exp(-x) + 1)
        return grad * (s + x * s * (1 - s))  # d x s(x)/dx = s + x s (1 - s)


class Softplus(Function):
    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        bx = x * beta
        return np.where(bx > threshold, x, np.logaddexp(0, bx) / beta)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        bx = x * ctx.beta
        s = 1 / (ctx.xp.exp(-bx) + 1)
        return grad * ctx.xp.where(bx > ctx.threshold, 1.0, s), None, None  # d softplus = s(bx)


@tensor_method("tanh")
def tanh(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Hyperbolic tangent."""
    return write_out(Tanh.apply(float_input(input)), out, "tanh")


@tensor_method("sigmoid")
def sigmoid(input: Tensor, *, out: Tensor | None = None) -> Tensor:
    """Logistic sigmoid 1 / (1 + e^-x), computed without overflow."""
    return write_out(Sigmoid.apply(float_input(input)), out, "sigmoid")


@tensor_method("relu")
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0); with ``inplace=True``, written into ``input`` (``input.relu_()``).

    >>> import minigrad as mg
    >>> mg.relu(mg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
    """
    if inplace:
        return input.relu_()  # ops.inplace builds on this module: found on the Tensor
    return Relu.apply(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x for x > 0, else negative_slope * x."""
    return LeakyRelu.apply(input, negative_slope)


def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """x for x > 0, else alpha (e^x - 1)."""
    return Elu.apply(input, alpha)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit x Phi(x); ``approximate='tanh'`` uses the tanh form."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(input, approximate)


def silu(input: Tensor) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    return Silu.apply(input)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(beta x)) / beta, linear above ``threshold``."""
    return Softplus.apply(input, beta, threshold)
