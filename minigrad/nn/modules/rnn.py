"""Multi-layer recurrent layers ``RNN``, ``LSTM`` and ``GRU``, with PyTorch's arguments,
parameter names, shapes and gate order, so a PyTorch state dict loads and gives PyTorch's
outputs.

Each of the ``num_layers`` layers projects the whole input sequence at once
(``x W_ih^T + b_ih``, one matrix product), then walks the time steps in Python with the
cell steps of rnn_cell.py; with ``bidirectional`` a second pass walks backwards in time and
the two outputs are concatenated. Dropout, when asked for, sits between layers in training.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from ... import creation
from ..._tensor import Tensor
from ...ops.nn_rnn_sequence import gru_sequence, lstm_sequence, rnn_sequence
from ...ops.shape import cat, stack
from .. import functional as F
from .. import init
from ._utils import empty_parameter, float_dtype
from .module import Module
from .rnn_cell import check_count, check_dtype, check_nonlinearity


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters, the checks on the input
    and the initial states, and the loop over layers, directions and time steps. A
    subclass says how many gates it has and how one step updates its state."""

    num_gates = 1
    num_states = 1  # h; the LSTM also carries c

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        if (not isinstance(dropout, numbers.Real) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] representing "
                             f"the probability of an element being zeroed, got {dropout!r}")
        self.input_size = check_count(input_size, "input_size", name)
        self.hidden_size = check_count(hidden_size, "hidden_size", name)
        self.num_layers = check_count(num_layers, "num_layers", name)
        if dropout > 0 and self.num_layers == 1:
            warnings.warn(f"{name}: dropout option adds dropout after all but last recurrent "
                          "layer, so non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}", stacklevel=3)
        if not isinstance(proj_size, numbers.Integral) or proj_size < 0:
            raise ValueError(f"{name}: proj_size should be a positive integer or zero to disable "
                             "projections")
        if proj_size >= self.hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                             f"proj_size={proj_size} and hidden_size={hidden_size}")
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        self.proj_size = int(proj_size)
        dt = float_dtype(dtype, device, name)
        rows = self.num_gates * self.hidden_size
        out_size = self.proj_size or self.hidden_size
        for layer in range(self.num_layers):
            layer_in = self.input_size if layer == 0 else out_size * self.num_directions
            for direction in range(self.num_directions):
                sfx = self._suffix(layer, direction)
                setattr(self, "weight_ih" + sfx, empty_parameter((rows, layer_in), dt))
                setattr(self, "weight_hh" + sfx, empty_parameter((rows, out_size), dt))
                if self.bias:
                    setattr(self, "bias_ih" + sfx, empty_parameter((rows,), dt))
                    setattr(self, "bias_hh" + sfx, empty_parameter((rows,), dt))
                if self.proj_size:
                    setattr(self, "weight_hr" + sfx,
                            empty_parameter((self.proj_size, self.hidden_size), dt))
        self.reset_parameters()

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @staticmethod
    def _suffix(layer: int, direction: int) -> str:
        return f"_l{layer}" + ("_reverse" if direction else "")

    def reset_parameters(self) -> None:
        """Every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as in PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def flatten_parameters(self) -> None:
        """Accepted and does nothing: PyTorch uses it to pack weights for cuDNN."""

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """The parameters of each layer and direction, in ``named_parameters`` order."""
        return [[p for p in self._weights(layer, direction).values() if p is not None]
                for layer in range(self.num_layers) for direction in range(self.num_directions)]

    def _weights(self, layer: int, direction: int) -> dict[str, Any]:
        """One layer-direction's parameters by their name without the suffix (None if absent)."""
        sfx = self._suffix(layer, direction)
        names = ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr")
        return {name: getattr(self, name + sfx, None) for name in names}

    def _scan(self, gates: Tensor, state: tuple[Tensor, ...], w_hh: Tensor,
              b_hh: Tensor | None, w_hr: Tensor | None,
              reverse: bool) -> tuple[Tensor, tuple[Tensor, ...]]:
        """The recurrence over a layer's projected inputs ``gates`` (L, N, G*H):
        the outputs (L, N, H_out) and the final state."""
        raise NotImplementedError

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        x, batched = self._check_input(input)
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        states = self._initial_states(hx, x.shape[1], batched, x.dtype)
        finals = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(self.num_directions):
                index = layer * self.num_directions + direction
                out, final = self._run(x, states[index], layer, direction)
                outputs.append(out)
                finals.append(final)
            x = outputs[0] if len(outputs) == 1 else cat(outputs, 2)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        last = [stack([final[k] for final in finals]) for k in range(self.num_states)]
        if not batched:
            x = x.squeeze(1)
            last = [s.squeeze(1) for s in last]
        elif self.batch_first:
            x = x.transpose(0, 1)
        return x, (last[0] if self.num_states == 1 else tuple(last))

    def _run(self, x: Tensor, state: tuple[Tensor, ...], layer: int,
             direction: int) -> tuple[Tensor, tuple[Tensor, ...]]:
        """One layer in one direction over the sequence x (L, N, H_in):
        the outputs (L, N, H_out) and the final state."""
        w = self._weights(layer, direction)
        gates = F.linear(x, w["weight_ih"], w["bias_ih"])  # all time steps in one product
        return self._scan(gates, state, w["weight_hh"], w["bias_hh"], w["weight_hr"],
                          bool(direction))

    def _check_input(self, input: Any) -> tuple[Tensor, bool]:
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor (L, N, H_in), (N, L, H_in) with "
                            f"batch_first, or (L, H_in); got {type(input).__name__} "
                            "(PackedSequence is not supported)")
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D "
                             "tensor instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"{name}: input.size(-1) must be equal to input_size. Expected "
                               f"{self.input_size}, got {input.shape[-1]} (input shape "
                               f"{tuple(input.shape)})")
        if input.shape[1 if input.ndim == 3 and self.batch_first else 0] == 0:
            raise ValueError(f"{name}: the input sequence is empty (input shape "
                             f"{tuple(input.shape)})")
        check_dtype(input, self.weight_ih_l0, name)
        return input, input.ndim == 3

    def _state_shape(self, batch: int, index: int) -> tuple[int, int]:
        if index == 0 and self.proj_size:
            return batch, self.proj_size
        return batch, self.hidden_size

    def _initial_states(self, hx: Any, batch: int, batched: bool,
                        dtype: Any) -> list[tuple[Tensor, ...]]:
        """One state tuple ((h,) or (h, c), each (N, H)) per layer and direction."""
        count = self.num_layers * self.num_directions
        if hx is None:
            zeros = [creation.zeros(*self._state_shape(batch, k), dtype=dtype)
                     for k in range(self.num_states)]
            return [tuple(zeros)] * count
        given = self._check_states(hx, batch, batched)
        if not batched:
            given = [s.unsqueeze(1) for s in given]
        return [tuple(s[i] for s in given) for i in range(count)]

    def _check_states(self, hx: Any, batch: int, batched: bool) -> list[Tensor]:
        name = type(self).__name__
        if self.num_states == 1:
            if not isinstance(hx, Tensor):
                raise TypeError(f"{name}: hx must be a Tensor, got {type(hx).__name__}")
            given = [hx]
        else:
            if (not isinstance(hx, (tuple, list)) or len(hx) != 2
                    or not all(isinstance(s, Tensor) for s in hx)):
                raise TypeError(f"{name}: hx must be a tuple (h_0, c_0) of two Tensors")
            given = list(hx)
        rank = 3 if batched else 2
        if any(s.ndim != rank for s in given):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            if len(given) == 1:
                got = f"hx should also be {rank}-D but got {hx.ndim}-D tensor"
            else:
                got = (f"hx and cx should also be {rank}-D but got ({given[0].ndim}-D, "
                       f"{given[1].ndim}-D) tensors")
            raise RuntimeError(f"{name}: For {kind} input, {got}")
        count = self.num_layers * self.num_directions
        for k, s in enumerate(given):
            expected = (count, *self._state_shape(batch, k))
            if not batched:
                expected = (count, expected[2])
            if tuple(s.shape) != expected:
                which = "hidden" if len(given) == 1 else f"hidden[{k}]"
                raise RuntimeError(f"{name}: Expected {which} size {expected}, got "
                                   f"{list(s.shape)}")
            check_dtype(s, self.weight_ih_l0, name)
        return given

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            text += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class RNN(RNNBase):
    """A multi-layer Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_(t-1) W_hh^T + b_hh)
    (``nonlinearity='relu'`` for relu), PyTorch's arguments and parameter names.

    Takes ``input`` (L, N, H_in) ((N, L, H_in) with ``batch_first``, or unbatched
    (L, H_in)) and optional ``hx`` (D*num_layers, N, H) (zeros when omitted); returns
    ``(output, h_n)``: output (L, N, D*H), the last layer's h_t for every t, and h_n
    (D*num_layers, N, H), every layer's final state. D is 2 when bidirectional, else 1.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> rnn = nn.RNN(4, 8, num_layers=2)
    >>> output, h_n = rnn(mg.randn(5, 3, 4))
    >>> output.shape, h_n.shape
    ((5, 3, 8), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        nonlinearity = check_nonlinearity(nonlinearity, "RNN")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity

    def _scan(self, gates, state, w_hh, b_hh, w_hr, reverse):
        out = rnn_sequence(gates, state[0], w_hh, b_hh, self.nonlinearity, reverse)
        return out, (out[0 if reverse else -1],)


class LSTM(RNNBase):
    """A multi-layer long short-term memory, gates (i, f, g, o) as in PyTorch:
    c_t = f c_(t-1) + i g, h_t = o tanh(c_t) (then h_t W_hr^T when ``proj_size`` > 0).

    Takes ``input`` (L, N, H_in) ((N, L, H_in) with ``batch_first``, or unbatched
    (L, H_in)) and optional ``hx = (h_0, c_0)``, each (D*num_layers, N, H) (h_0's last
    dim is proj_size when set); returns ``(output, (h_n, c_n))`` with output (L, N, D*H).

    >>> import minigrad as mg, minigrad.nn as nn
    >>> lstm = nn.LSTM(4, 8, batch_first=True, bidirectional=True)
    >>> output, (h_n, c_n) = lstm(mg.randn(3, 5, 4))
    >>> output.shape, h_n.shape, c_n.shape
    ((3, 5, 16), (2, 3, 8), (2, 3, 8))
    """

    num_gates = 4
    num_states = 2

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, proj_size, device, dtype)

    def _scan(self, gates, state, w_hh, b_hh, w_hr, reverse):
        hc = lstm_sequence(gates, state[0], state[1], w_hh, b_hh, w_hr, reverse)
        size = state[0].shape[-1]  # h_t then c_t along the last dim
        last = hc[0 if reverse else -1]
        return hc[..., :size], (last[..., :size], last[..., size:])


class GRU(RNNBase):
    """A multi-layer gated recurrent unit, gates (r, z, n) as in PyTorch:
    n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)), h_t = (1 - z) n + z h_(t-1).

    Takes and returns what ``RNN`` does: ``(output, h_n)``.

    >>> import minigrad as mg, minigrad.nn as nn
    >>> gru = nn.GRU(4, 8)
    >>> output, h_n = gru(mg.randn(5, 4))   # unbatched
    >>> output.shape, h_n.shape
    ((5, 8), (1, 8))
    """

    num_gates = 3

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype)

    def _scan(self, gates, state, w_hh, b_hh, w_hr, reverse):
        out = gru_sequence(gates, state[0], w_hh, b_hh, reverse)
        return out, (out[0 if reverse else -1],)
