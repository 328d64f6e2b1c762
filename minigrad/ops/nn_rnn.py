"""Fused recurrent cell steps: all gates of one LSTM or GRU step in one op.

A recurrent layer runs its time loop in Python, so every op in a step is paid
once per time step. Composed from pointwise ops, an LSTM step is about twenty
recorded ops; fused here it is one, with the gates' forward and backward written
out side by side. The matrix products stay outside (``F.linear``), where BLAS
does them. The gate layout is PyTorch's: LSTM (i, f, g, o), GRU (r, z, n).
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, once_differentiable
from ._args import tensor_arg


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 + 0.5 * np.tanh(0.5 * x)  # = 1/(1+e^-x), no overflow, 30x faster than logaddexp


def lstm_pointwise(gates: np.ndarray, cx: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple]:
    """The LSTM's gates on arrays: ``(h', c', saved)`` from pre-activations (..., 4H)."""
    i, f, g, o = np.split(gates, 4, axis=-1)
    i, f, o = _sigmoid(i), _sigmoid(f), _sigmoid(o)
    g = np.tanh(g)
    cy = f * cx + i * g
    tanh_cy = np.tanh(cy)
    return o * tanh_cy, cy, (i, f, g, o, tanh_cy)


def lstm_pointwise_backward(dh: np.ndarray, dcy: np.ndarray, cx: np.ndarray,
                            saved: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of the pre-activations and of cx, given those of h' and c'."""
    i, f, g, o, tanh_cy = saved
    # h = o tanh(c), c = f cx + i g; each gate's pre-activation through its
    # nonlinearity: sigmoid' = s (1 - s), tanh' = 1 - t^2
    dc = dcy + dh * o * (1 - tanh_cy * tanh_cy)
    di = dc * g * i * (1 - i)
    df = dc * cx * f * (1 - f)
    dg = dc * i * (1 - g * g)
    do = dh * tanh_cy * o * (1 - o)
    return np.concatenate([di, df, dg, do], axis=-1), dc * f


def gru_pointwise(input_gates: np.ndarray, hidden_gates: np.ndarray,
                  hx: np.ndarray) -> tuple[np.ndarray, tuple]:
    """The GRU's gates on arrays: ``(h', saved)``."""
    xr, xz, xn = np.split(input_gates, 3, axis=-1)
    hr, hz, hn = np.split(hidden_gates, 3, axis=-1)
    r = _sigmoid(xr + hr)
    z = _sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    return n + z * (hx - n), (r, z, n, hn)  # (1 - z) n + z hx


def gru_pointwise_backward(grad: np.ndarray, hx: np.ndarray,
                           saved: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of the input gates, the hidden gates and hx, given that of h'."""
    r, z, n, hn = saved
    # h' = (1 - z) n + z hx, n = tanh(xn + r hn), r and z sigmoids
    dn = grad * (1 - z) * (1 - n * n)  # through tanh
    dz = grad * (hx - n) * z * (1 - z)
    dr = dn * hn * r * (1 - r)
    d_input = np.concatenate([dr, dz, dn], axis=-1)
    d_hidden = np.concatenate([dr, dz, dn * r], axis=-1)
    return d_input, d_hidden, grad * z


@once_differentiable
class FusedLSTMCell(Function):
    name = "fused_lstm_cell"

    @staticmethod
    def forward(ctx, gates, cx):
        hy, cy, saved = lstm_pointwise(gates, cx)
        ctx.save_for_backward(cx, *saved)
        return np.concatenate([hy, cy], axis=-1)

    @staticmethod
    def backward(ctx, grad):
        cx, *saved = ctx.saved_tensors
        dh, dcy = np.split(grad, 2, axis=-1)
        return lstm_pointwise_backward(dh, dcy, cx, saved)  # derivative: see there


@once_differentiable
class FusedGRUCell(Function):
    name = "fused_gru_cell"

    @staticmethod
    def forward(ctx, input_gates, hidden_gates, hx):
        hy, saved = gru_pointwise(input_gates, hidden_gates, hx)
        ctx.save_for_backward(hx, *saved)
        return hy

    @staticmethod
    def backward(ctx, grad):
        hx, *saved = ctx.saved_tensors
        return gru_pointwise_backward(grad, hx, saved)  # derivative: see there


def fused_lstm_cell(gates: Tensor, cx: Tensor) -> Tensor:
    """One LSTM step's pointwise part, given ``gates = x W_ih^T + b_ih + h W_hh^T + b_hh``
    of shape (..., 4H) in PyTorch's order (i, f, g, o) and the cell state ``cx`` (..., H).

    Returns ``cat([h', c'], -1)`` of shape (..., 2H), where ``c' = f cx + i g`` and
    ``h' = o tanh(c')`` (i, f, o sigmoids, g tanh). Slice it to get h' and c'.

    >>> import minigrad as mg
    >>> from minigrad.ops.nn_rnn import fused_lstm_cell
    >>> fused_lstm_cell(mg.zeros(1, 4), mg.ones(1, 1))   # i = f = o = 1/2, g = 0
    tensor([[0.2311, 0.5   ]])
    """
    op = "fused_lstm_cell"
    g = tensor_arg(gates, op, "gates")
    c = tensor_arg(cx, op, "cx")
    if g.ndim == 0 or g.shape[-1] != 4 * c.shape[-1] or g.shape[:-1] != c.shape[:-1]:
        raise ValueError(f"{op}: gates must have shape (..., 4H) for cx of shape (..., H); "
                         f"got gates {g.shape} and cx {c.shape}")
    return FusedLSTMCell.apply(g, c)


def fused_gru_cell(input_gates: Tensor, hidden_gates: Tensor, hx: Tensor) -> Tensor:
    """One GRU step's pointwise part, given ``input_gates = x W_ih^T + b_ih`` and
    ``hidden_gates = h W_hh^T + b_hh`` (each (..., 3H), PyTorch's order r, z, n) and the
    hidden state ``hx`` (..., H).

    Returns h' = (1 - z) n + z hx, where r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z)
    and n = tanh(x_n + r h_n).

    >>> import minigrad as mg
    >>> from minigrad.ops.nn_rnn import fused_gru_cell
    >>> fused_gru_cell(mg.zeros(1, 3), mg.zeros(1, 3), mg.ones(1, 1))   # z = 1/2, n = 0
    tensor([[0.5]])
    """
    op = "fused_gru_cell"
    gi = tensor_arg(input_gates, op, "input_gates")
    gh = tensor_arg(hidden_gates, op, "hidden_gates")
    h = tensor_arg(hx, op, "hx")
    if (gi.ndim == 0 or gi.shape != gh.shape or gi.shape[-1] != 3 * h.shape[-1]
            or gi.shape[:-1] != h.shape[:-1]):
        raise ValueError(f"{op}: input_gates and hidden_gates must both have shape (..., 3H) "
                         f"for hx of shape (..., H); got {gi.shape}, {gh.shape} and {h.shape}")
    return FusedGRUCell.apply(gi, gh, h)
