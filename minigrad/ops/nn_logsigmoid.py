"""logsigmoid: log(1 / (1 + e^-x)), the log-likelihood of a positive pair in word2vec's loss."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ._args import tensor_arg


class LogSigmoid(Function):
    name = "logsigmoid"
    once_differentiable = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -np.logaddexp(0, -x)  # -softplus(-x): no overflow for large |x|

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        e = np.exp(-np.abs(x))
        sigmoid_neg = np.where(x >= 0, e / (1 + e), 1 / (1 + e))  # sigmoid(-x), stable
        return grad * sigmoid_neg  # d logsigmoid(x)/dx = 1 - sigmoid(x) = sigmoid(-x)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) elementwise, computed stably as -softplus(-x).

    >>> import minigrad as mg, minigrad.nn.functional as F
    >>> F.logsigmoid(mg.tensor([0.0, -100.0]))
    tensor([  -0.6931, -100.    ])
    """
    return LogSigmoid.apply(tensor_arg(input, "logsigmoid"))
