"""Whole-sequence recurrences: one op runs a layer's time loop, forward and backward.

``RNN``, ``LSTM`` and ``GRU`` project every time step's input in one matrix
product first (``input_gates = x W_ih^T + b_ih``, shape (L, N, G*H)); what is
left is the recurrence over t, which these ops run on arrays. Recorded step by
step, a sequence of 35 steps would be about 200 recorded ops; here it is one,
whose backward walks the time steps in reverse (backpropagation through time)
and makes each weight's gradient in one product over all steps. The gates'
arithmetic is shared with the single-step ops in nn_rnn.py.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function, once_differentiable
from ._args import optional_tensor, tensor_arg
from .nn_rnn import gru_pointwise, gru_pointwise_backward, lstm_pointwise, lstm_pointwise_backward


def _time_steps(length: int, reverse: bool) -> range:
    return range(length - 1, -1, -1) if reverse else range(length)


def _hidden_gates(h: np.ndarray, w_hh: np.ndarray, b_hh: np.ndarray | None) -> np.ndarray:
    out = h @ w_hh.T
    if b_hh is not None:
        out += b_hh
    return out


def _weight_grads(ctx, d_gates: np.ndarray, h_in: np.ndarray, w_index: int) -> tuple:
    """dL/dW_hh = sum over t of dgates_t^T h_(t-1), and dL/db_hh = sum of dgates_t, each in
    one product or sum over all steps; None where no gradient is needed."""
    flat = d_gates.reshape(-1, d_gates.shape[-1])
    d_w = flat.T @ h_in.reshape(-1, h_in.shape[-1]) if ctx.needs_input_grad[w_index] else None
    d_b = flat.sum(axis=0) if ctx.needs_input_grad[w_index + 1] else None
    return d_w, d_b


@once_differentiable
class RNNSequence(Function):
    name = "rnn_sequence"

    @staticmethod
    def forward(ctx, input_gates, h0, w_hh, b_hh, nonlinearity, reverse):
        out = np.empty(input_gates.shape[:2] + h0.shape[-1:], input_gates.dtype)
        h_in = np.empty_like(out)  # the state each step started from
        h = h0
        for t in _time_steps(len(input_gates), reverse):
            h_in[t] = h
            pre = input_gates[t] + _hidden_gates(h, w_hh, b_hh)
            h = np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)
            out[t] = h
        ctx.save_for_backward(w_hh, h_in, out)
        ctx.nonlinearity, ctx.reverse = nonlinearity, reverse
        return out

    @staticmethod
    def backward(ctx, grad):
        w_hh, h_in, out = ctx.saved_tensors
        d_gates = np.empty_like(grad)
        dh = np.zeros_like(grad[0])
        for t in _time_steps(len(grad), not ctx.reverse):
            dh = dh + grad[t]  # from the output at t and from step t+1
            if ctx.nonlinearity == "tanh":
                d_gates[t] = dh * (1 - out[t] * out[t])  # tanh' = 1 - tanh^2
            else:
                d_gates[t] = dh * (out[t] > 0)  # relu' = 1 where positive
            dh = d_gates[t] @ w_hh  # h_t's pre-activation has h_(t-1) W_hh^T
        d_w, d_b = _weight_grads(ctx, d_gates, h_in, 2)
        return d_gates, dh, d_w, d_b, None, None


@once_differentiable
class LSTMSequence(Function):
    name = "lstm_sequence"

    @staticmethod
    def forward(ctx, input_gates, h0, c0, w_hh, b_hh, w_hr, reverse):
        length, batch = input_gates.shape[:2]
        size_h, size_c = h0.shape[-1], c0.shape[-1]  # they differ with a projection
        out = np.empty((length, batch, size_h + size_c), input_gates.dtype)
        h_in = np.empty((length, batch, size_h), input_gates.dtype)
        c_in = np.empty((length, batch, size_c), input_gates.dtype)
        raw = np.empty_like(c_in) if w_hr is not None else None  # h before the projection
        saved = [None] * length
        h, c = h0, c0
        for t in _time_steps(length, reverse):
            h_in[t], c_in[t] = h, c
            gates = input_gates[t] + _hidden_gates(h, w_hh, b_hh)
            h, c, saved[t] = lstm_pointwise(gates, c)
            if w_hr is not None:
                raw[t] = h
                h = h @ w_hr.T
            out[t, :, :size_h], out[t, :, size_h:] = h, c
        ctx.save_for_backward(w_hh, w_hr, h_in, c_in, raw, saved)
        ctx.reverse = reverse
        return out

    @staticmethod
    def backward(ctx, grad):
        w_hh, w_hr, h_in, c_in, raw, saved = ctx.saved_tensors
        size_h = h_in.shape[-1]
        d_gates = np.empty(grad.shape[:2] + w_hh.shape[:1], grad.dtype)
        d_proj = np.empty_like(h_in) if w_hr is not None else None
        dh = np.zeros_like(h_in[0])
        dc = np.zeros_like(c_in[0])
        for t in _time_steps(len(grad), not ctx.reverse):
            dh = dh + grad[t, :, :size_h]  # from the output at t and from step t+1
            dc = dc + grad[t, :, size_h:]
            if w_hr is not None:
                d_proj[t] = dh
                dh = dh @ w_hr  # h = raw W_hr^T
            d_gates[t], dc = lstm_pointwise_backward(dh, dc, c_in[t], saved[t])
            dh = d_gates[t] @ w_hh  # the gates have h_(t-1) W_hh^T
        d_w, d_b = _weight_grads(ctx, d_gates, h_in, 3)
        d_w_hr = None
        if w_hr is not None and ctx.needs_input_grad[5]:
            d_w_hr = d_proj.reshape(-1, size_h).T @ raw.reshape(-1, raw.shape[-1])
        return d_gates, dh, dc, d_w, d_b, d_w_hr, None


@once_differentiable
class GRUSequence(Function):
    name = "gru_sequence"

    @staticmethod
    def forward(ctx, input_gates, h0, w_hh, b_hh, reverse):
        length = len(input_gates)
        out = np.empty(input_gates.shape[:2] + h0.shape[-1:], input_gates.dtype)
        h_in = np.empty_like(out)
        saved = [None] * length
        h = h0
        for t in _time_steps(length, reverse):
            h_in[t] = h
            h, saved[t] = gru_pointwise(input_gates[t], _hidden_gates(h, w_hh, b_hh), h)
            out[t] = h
        ctx.save_for_backward(w_hh, h_in, saved)
        ctx.reverse = reverse
        return out

    @staticmethod
    def backward(ctx, grad):
        w_hh, h_in, saved = ctx.saved_tensors
        d_input = np.empty(grad.shape[:2] + w_hh.shape[:1], grad.dtype)
        d_hidden = np.empty_like(d_input)
        dh = np.zeros_like(grad[0])
        for t in _time_steps(len(grad), not ctx.reverse):
            dh = dh + grad[t]  # from the output at t and from step t+1
            d_input[t], d_hidden[t], dh = gru_pointwise_backward(dh, h_in[t], saved[t])
            dh = dh + d_hidden[t] @ w_hh  # the hidden gates are h_(t-1) W_hh^T + b_hh
        d_w, d_b = _weight_grads(ctx, d_hidden, h_in, 2)
        return d_input, dh, d_w, d_b, None


def _check(op: str, input_gates: Tensor, h: Tensor, w_hh: Tensor, b_hh: Tensor | None,
           num_gates: int) -> None:
    """(L, N, G*H) gates, (N, H_out) state, (G*H, H_out) weight, (G*H,) bias."""
    rows = input_gates.shape[-1] if input_gates.ndim == 3 else -1
    ok = (input_gates.ndim == 3 and h.ndim == 2 and h.shape[0] == input_gates.shape[1]
          and tuple(w_hh.shape) == (rows, h.shape[1]) and rows % num_gates == 0
          and (b_hh is None or tuple(b_hh.shape) == (rows,)))
    if not ok:
        shapes = [tuple(t.shape) for t in (input_gates, h, w_hh)]
        raise ValueError(f"{op}: expected input_gates (L, N, {num_gates}*H), states (N, H) "
                         f"and weight_hh ({num_gates}*H, H), got shapes {shapes}"
                         + ("" if b_hh is None else f" and bias_hh {tuple(b_hh.shape)}"))


def rnn_sequence(input_gates: Tensor, hx: Tensor, weight_hh: Tensor, bias_hh: Tensor | None,
                 nonlinearity: str = "tanh", reverse: bool = False) -> Tensor:
    """An Elman RNN layer's recurrence h_t = tanh(input_gates[t] + h_(t-1) W_hh^T + b_hh)
    (or relu) over t = 0..L-1 (L-1..0 with ``reverse``), from ``hx`` (N, H).

    Returns every h_t, (L, N, H).

    >>> import minigrad as mg
    >>> from minigrad.ops.nn_rnn_sequence import rnn_sequence
    >>> rnn_sequence(mg.ones(3, 1, 1), mg.zeros(1, 1), mg.zeros(1, 1), None, "relu").flatten()
    tensor([1., 1., 1.])
    """
    op = "rnn_sequence"
    gates, h = tensor_arg(input_gates, op, "input_gates"), tensor_arg(hx, op, "hx")
    w, b = tensor_arg(weight_hh, op, "weight_hh"), optional_tensor(bias_hh, op, "bias_hh")
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{op}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    _check(op, gates, h, w, b, 1)
    return RNNSequence.apply(gates, h, w, b, nonlinearity, bool(reverse))


def lstm_sequence(input_gates: Tensor, hx: Tensor, cx: Tensor, weight_hh: Tensor,
                  bias_hh: Tensor | None, weight_hr: Tensor | None = None,
                  reverse: bool = False) -> Tensor:
    """An LSTM layer's recurrence over t (gates i, f, g, o: PyTorch's order), from ``hx``
    (N, P) and ``cx`` (N, H); P = H, or the projection's size with ``weight_hr`` (P, H).

    Returns ``cat([h_t, c_t], -1)`` for every t, (L, N, P + H).

    >>> import minigrad as mg
    >>> from minigrad.ops.nn_rnn_sequence import lstm_sequence
    >>> hc = lstm_sequence(mg.zeros(2, 1, 4), mg.zeros(1, 1), mg.ones(1, 1), mg.zeros(4, 1), None)
    >>> hc.flatten()   # gates i = f = o = 1/2, g = 0: c halves, h = tanh(c) / 2
    tensor([0.2311, 0.5   , 0.1225, 0.25  ])
    """
    op = "lstm_sequence"
    gates, h, c = (tensor_arg(t, op, name) for t, name in
                   ((input_gates, "input_gates"), (hx, "hx"), (cx, "cx")))
    w, b = tensor_arg(weight_hh, op, "weight_hh"), optional_tensor(bias_hh, op, "bias_hh")
    w_hr = optional_tensor(weight_hr, op, "weight_hr")
    if w_hr is None and h.shape[-1] != c.shape[-1]:
        raise ValueError(f"{op}: hx {tuple(h.shape)} and cx {tuple(c.shape)} differ in size; "
                         "that needs weight_hr")
    if w_hr is not None and tuple(w_hr.shape) != (h.shape[-1], c.shape[-1]):
        raise ValueError(f"{op}: weight_hr must have shape {(h.shape[-1], c.shape[-1])}, "
                         f"got {tuple(w_hr.shape)}")
    _check(op, gates, h, w, b, 4)
    if tuple(c.shape) != (h.shape[0], gates.shape[-1] // 4):
        raise ValueError(f"{op}: cx must have shape {(h.shape[0], gates.shape[-1] // 4)}, "
                         f"got {tuple(c.shape)}")
    return LSTMSequence.apply(gates, h, c, w, b, w_hr, bool(reverse))


def gru_sequence(input_gates: Tensor, hx: Tensor, weight_hh: Tensor, bias_hh: Tensor | None,
                 reverse: bool = False) -> Tensor:
    """A GRU layer's recurrence over t (gates r, z, n: PyTorch's order), from ``hx`` (N, H).

    Returns every h_t, (L, N, H).

    >>> import minigrad as mg
    >>> from minigrad.ops.nn_rnn_sequence import gru_sequence
    >>> gru_sequence(mg.zeros(2, 1, 3), mg.ones(1, 1), mg.zeros(3, 1), None).flatten()
    tensor([0.5 , 0.25])
    """
    op = "gru_sequence"
    gates, h = tensor_arg(input_gates, op, "input_gates"), tensor_arg(hx, op, "hx")
    w, b = tensor_arg(weight_hh, op, "weight_hh"), optional_tensor(bias_hh, op, "bias_hh")
    _check(op, gates, h, w, b, 3)
    return GRUSequence.apply(gates, h, w, b, bool(reverse))
