"""One recurrent time step: ``RNNCell``, ``LSTMCell``, ``GRUCell``, with PyTorch's gate
order and formulas (the multi-layer ``RNN``, ``LSTM``, ``GRU`` are in rnn.py):

- RNN: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)
- LSTM: gates (i, f, g, o); c' = f c + i g, h' = o tanh(c')
- GRU: gates (r, z, n); n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h' = (1 - z) n + z h

The LSTM's and GRU's gate arithmetic is one fused op (minigrad/ops/nn_rnn.py).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from ... import creation
from ..._tensor import Tensor
from ...ops.nn_rnn import fused_gru_cell, fused_lstm_cell
from .. import functional as F
from .. import init
from ._utils import empty_parameter, float_dtype
from .module import Module

NONLINEARITIES = ("tanh", "relu")


def check_count(value: Any, name: str, where: str) -> int:
    """A positive int, or PyTorch's TypeError / ValueError naming it."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{where}: {name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{where}: {name} must be greater than zero, got {value}")
    return int(value)


def check_nonlinearity(nonlinearity: Any, where: str) -> str:
    if nonlinearity not in NONLINEARITIES:
        raise ValueError(f"{where}: Unknown nonlinearity {nonlinearity!r}. Select from 'tanh' "
                         "or 'relu'.")
    return nonlinearity


def check_dtype(input: Tensor, weight: Tensor, where: str) -> None:
    """PyTorch refuses an input whose dtype differs from the weights'; so do we."""
    if input.dtype != weight.dtype:
        raise ValueError(
            f"{where} input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
            f"Convert input: input.to({weight.dtype}), or convert model: "
            f"model.to({input.dtype})"
        )


class RNNCellBase(Module):
    """Parameters and input checks shared by the cells: ``weight_ih`` (gates*H, H_in),
    ``weight_hh`` (gates*H, H), ``bias_ih`` and ``bias_hh`` (gates*H,), all drawn from
    U(-1/sqrt(H), 1/sqrt(H)) as in PyTorch."""

    num_gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        self.input_size = check_count(input_size, "input_size", name)
        self.hidden_size = check_count(hidden_size, "hidden_size", name)
        self.bias = bool(bias)
        dt = float_dtype(dtype, device, name)
        rows = self.num_gates * self.hidden_size
        self.weight_ih = empty_parameter((rows, self.input_size), dt)
        self.weight_hh = empty_parameter((rows, self.hidden_size), dt)
        if self.bias:
            self.bias_ih = empty_parameter((rows,), dt)
            self.bias_hh = empty_parameter((rows,), dt)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _batched_input(self, input: Any) -> tuple[Tensor, bool]:
        """``input`` as (N, H_in), and whether it came unbatched as (H_in,)."""
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input has inconsistent input_size: got "
                               f"{input.shape[-1]} expected {self.input_size} "
                               f"(input shape {tuple(input.shape)})")
        check_dtype(input, self.weight_ih, name)
        if input.ndim == 1:
            return input.unsqueeze(0), False
        return input, True

    def _batched_state(self, state: Any, batch: int, batched: bool, which: str) -> Tensor:
        """An initial state as (N, H): zeros when None, else checked against the input."""
        name = type(self).__name__
        if state is None:
            return creation.zeros(batch, self.hidden_size, dtype=self.weight_ih.dtype)
        if not isinstance(state, Tensor):
            raise TypeError(f"{name}: {which} must be a Tensor, got {type(state).__name__}")
        expected = (batch, self.hidden_size) if batched else (self.hidden_size,)
        if tuple(state.shape) != expected:
            kind = "batched 2-D" if batched else "unbatched 1-D"
            raise RuntimeError(f"{name}: for {kind} input of batch size {batch}, {which} must "
                               f"have shape {expected}, got {tuple(state.shape)}")
        check_dtype(state, self.weight_ih, name)
        return state if batched else state.unsqueeze(0)

    def _projections(self, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor]:
        """x W_ih^T + b_ih and h W_hh^T + b_hh."""
        return (F.linear(x, self.weight_ih, self.bias_ih),
                F.linear(h, self.weight_hh, self.bias_hh))

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        nonlinearity = getattr(self, "nonlinearity", "tanh")
        if nonlinearity != "tanh":
            text += f", nonlinearity={nonlinearity}"
        return text


class RNNCell(RNNCellBase):
    """An Elman RNN step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu).

    Takes ``input`` (N, H_in) or (H_in,) and optional ``hx`` (N, H) or (H,) (zeros when
    omitted); returns h' of hx's shape.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> cell = nn.RNNCell(4, 3)
    >>> cell(mg.randn(2, 4)).shape
    (2, 3)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        nonlinearity = check_nonlinearity(nonlinearity, "RNNCell")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, batched = self._batched_input(input)
        h = self._batched_state(hx, x.shape[0], batched, "hx")
        from_x, from_h = self._projections(x, h)
        pre = from_x + from_h
        h = pre.tanh() if self.nonlinearity == "tanh" else pre.relu()
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """A long short-term memory step, gates (i, f, g, o) as in PyTorch:
    c' = f c + i g, h' = o tanh(c').

    Takes ``input`` (N, H_in) or (H_in,) and optional ``hx = (h, c)``, each (N, H) or (H,)
    (zeros when omitted); returns ``(h', c')``.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> cell = nn.LSTMCell(4, 3)
    >>> h, c = cell(mg.randn(2, 4))
    >>> h.shape, c.shape
    ((2, 3), (2, 3))
    """

    num_gates = 4

    def forward(self, input: Tensor,
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        x, batched = self._batched_input(input)
        if hx is None:
            hx = (None, None)
        elif not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError("LSTMCell: hx must be a tuple (h, c) of two Tensors")
        h = self._batched_state(hx[0], x.shape[0], batched, "hx[0]")
        c = self._batched_state(hx[1], x.shape[0], batched, "hx[1]")
        from_x, from_h = self._projections(x, h)
        hc = fused_lstm_cell(from_x + from_h, c)  # cat([h', c'], -1)
        h, c = hc[:, :self.hidden_size], hc[:, self.hidden_size:]
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))


class GRUCell(RNNCellBase):
    """A gated recurrent unit step, gates (r, z, n) as in PyTorch:
    n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h' = (1 - z) n + z h.

    Takes ``input`` (N, H_in) or (H_in,) and optional ``hx`` (N, H) or (H,) (zeros when
    omitted); returns h'.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> cell = nn.GRUCell(4, 3)
    >>> cell(mg.randn(4)).shape
    (3,)
    """

    num_gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        x, batched = self._batched_input(input)
        h = self._batched_state(hx, x.shape[0], batched, "hx")
        h = fused_gru_cell(*self._projections(x, h), h)
        return h if batched else h.squeeze(0)
