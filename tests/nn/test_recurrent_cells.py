"""RNNCell, LSTMCell, GRUCell and the fused ops behind the recurrent layers: one step
against the equations in NumPy, gradients against finite differences in float64, the
fused gates against the same step composed from ops, and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.ops.nn_rnn import fused_gru_cell, fused_lstm_cell

from ._helpers import gradcheck_module, randn64
from ._recurrent_reference import make, np_gru_cell, np_lstm_cell, np_rnn_cell, params_of

# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize("cls,gates", [(nn.RNNCell, 1), (nn.LSTMCell, 4), (nn.GRUCell, 3)])
def test_cell_parameter_names_and_shapes(cls, gates):
    cell = cls(3, 5)
    assert [(n, tuple(p.shape)) for n, p in cell.named_parameters()] == [
        ("weight_ih", (gates * 5, 3)), ("weight_hh", (gates * 5, 5)),
        ("bias_ih", (gates * 5,)), ("bias_hh", (gates * 5,))]


# ---------------------------------------------------------------- cells: one step


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_cell_one_step_matches_the_equation(nonlinearity):
    cell = nn.RNNCell(3, 4, nonlinearity=nonlinearity, dtype=mg.float64)
    x, h = randn64(2, 3, seed=1), randn64(2, 4, seed=2)
    p = params_of(cell)
    expected = np_rnn_cell(x.detach().numpy(), h.detach().numpy(), p["weight_ih"],
                           p["weight_hh"], p["bias_ih"], p["bias_hh"], nonlinearity)
    np.testing.assert_allclose(cell(x, h).detach().numpy(), expected, rtol=1e-12, atol=1e-14)


def test_lstm_cell_one_step_matches_the_equation():
    cell = nn.LSTMCell(3, 4, dtype=mg.float64)
    x, h, c = randn64(2, 3, seed=1), randn64(2, 4, seed=2), randn64(2, 4, seed=3)
    p = params_of(cell)
    eh, ec = np_lstm_cell(x.detach().numpy(), h.detach().numpy(), c.detach().numpy(),
                          p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    gh, gc = cell(x, (h, c))
    np.testing.assert_allclose(gh.detach().numpy(), eh, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(gc.detach().numpy(), ec, rtol=1e-12, atol=1e-14)


def test_gru_cell_one_step_matches_the_equation():
    cell = nn.GRUCell(3, 4, dtype=mg.float64)
    x, h = randn64(2, 3, seed=1), randn64(2, 4, seed=2)
    p = params_of(cell)
    expected = np_gru_cell(x.detach().numpy(), h.detach().numpy(), p["weight_ih"],
                           p["weight_hh"], p["bias_ih"], p["bias_hh"])
    np.testing.assert_allclose(cell(x, h).detach().numpy(), expected, rtol=1e-12, atol=1e-14)


def test_lstm_cell_by_hand_with_chosen_weights():
    # all weights zero, biases set: gates are constants, so one step is arithmetic
    cell = nn.LSTMCell(1, 1, dtype=mg.float64)
    with mg.no_grad():
        for p in cell.parameters():
            p.zero_()
        cell.bias_ih.copy_(mg.tensor([0.0, math.log(3.0), 0.5, 0.0], dtype=mg.float64))
    h, c = cell(mg.tensor([[7.0]], dtype=mg.float64),
                (mg.zeros(1, 1, dtype=mg.float64), mg.tensor([[2.0]], dtype=mg.float64)))
    # i = 1/2, f = sigmoid(log 3) = 3/4, g = tanh(1/2), o = 1/2
    c_expected = 0.75 * 2.0 + 0.5 * math.tanh(0.5)
    assert c.item() == pytest.approx(c_expected, rel=1e-12)
    assert h.item() == pytest.approx(0.5 * math.tanh(c_expected), rel=1e-12)


def test_cells_default_hx_is_zeros_and_accept_unbatched_input():
    cell = nn.GRUCell(3, 4, dtype=mg.float64)
    x = randn64(3, seed=4)
    zeros = mg.zeros(4, dtype=mg.float64)
    out = cell(x)
    assert out.shape == (4,)
    np.testing.assert_array_equal(out.detach().numpy(), cell(x, zeros).detach().numpy())
    h, c = nn.LSTMCell(3, 4)(mg.randn(3))
    assert (h.shape, c.shape) == ((4,), (4,))
    assert nn.RNNCell(3, 4)(mg.randn(5, 3)).shape == (5, 4)

@pytest.mark.parametrize("cls", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
@pytest.mark.parametrize("batched", [True, False])
def test_cell_gradients_match_finite_differences(cls, batched):
    cell = cls(3, 2, dtype=mg.float64)
    shape = (4,) if not batched else (2, 4)
    x = randn64(*shape[:-1], 3, seed=9)
    h = randn64(*shape[:-1], 2, seed=10)
    if cls is nn.LSTMCell:
        c = randn64(*shape[:-1], 2, seed=11)
        call = lambda mod, x, h, c: mg.cat(list(mod(x, (h, c))), -1)  # noqa: E731
        assert gradcheck_module(cell, x, h, c, atol=1e-7, rtol=1e-6, call=call)
    else:
        assert gradcheck_module(cell, x, h, atol=1e-7, rtol=1e-6)
# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("cls", [nn.RNNCell, nn.LSTMCell, nn.GRUCell])
def test_cell_errors(cls):
    name = cls.__name__
    cell = cls(10, 20)
    with pytest.raises(ValueError, match=f"{name}: Expected input to be 1D or 2D, got 3D"):
        cell(mg.randn(2, 3, 10))
    with pytest.raises(RuntimeError, match="input has inconsistent input_size: got 7 expected 10"):
        cell(mg.randn(3, 7))
    bad = mg.zeros(2, 20)
    with pytest.raises(RuntimeError, match=r"must have shape \(3, 20\), got \(2, 20\)"):
        cell(mg.randn(3, 10), (bad, bad) if cls is nn.LSTMCell else bad)

# ---------------------------------------------------------------- the fused steps


def composed_lstm_step(gates, cx):
    i, f, g, o = gates.chunk(4, -1)
    c = f.sigmoid() * cx + i.sigmoid() * g.tanh()
    return mg.cat([o.sigmoid() * c.tanh(), c], -1)


def composed_gru_step(input_gates, hidden_gates, hx):
    xr, xz, xn = input_gates.chunk(3, -1)
    hr, hz, hn = hidden_gates.chunk(3, -1)
    r, z = (xr + hr).sigmoid(), (xz + hz).sigmoid()
    n = (xn + r * hn).tanh()
    return (1 - z) * n + z * hx


@pytest.mark.parametrize("fused,composed,sizes", [
    (fused_lstm_cell, composed_lstm_step, [(3, 8), (3, 2)]),
    (fused_gru_cell, composed_gru_step, [(3, 6), (3, 6), (3, 2)]),
])
def test_fused_steps_agree_with_composed_ops(fused, composed, sizes):
    inputs = [randn64(*shape, seed=20 + k) for k, shape in enumerate(sizes)]
    weights = randn64(3, 2 * sizes[-1][1] if fused is fused_lstm_cell else 2,
                      requires_grad=False, seed=30)
    results = []
    for fn in (fused, composed):
        for t in inputs:
            t.grad = None
        out = fn(*inputs)
        (out * weights).sum().backward()
        results.append([out.detach().numpy(), *[t.grad.numpy() for t in inputs]])
    for got, expected in zip(*results, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14)
    assert mg.autograd.gradcheck(fused, inputs, atol=1e-7, rtol=1e-6)


def test_fused_step_refuses_create_graph():
    gates, c = randn64(2, 8), randn64(2, 2, seed=1)
    out = fused_lstm_cell(gates, c).sum()
    with pytest.raises(RuntimeError, match="create_graph"):
        mg.autograd.grad(out, [gates], create_graph=True)


def test_fused_step_shape_errors():
    with pytest.raises(ValueError, match=r"fused_lstm_cell: gates must have shape \(..., 4H\)"):
        fused_lstm_cell(mg.zeros(2, 7), mg.zeros(2, 2))
    with pytest.raises(ValueError, match="fused_gru_cell: input_gates and hidden_gates"):
        fused_gru_cell(mg.zeros(2, 6), mg.zeros(2, 3), mg.zeros(2, 2))

# ---------------------------------------------------------------- layers and cells agree


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_a_layer_equals_its_cell_stepped_by_hand(kind):
    layer = make(kind, 3, 4)
    cell = getattr(nn, kind + "Cell")(3, 4, dtype=mg.float64)
    cell.load_state_dict({name[:-3]: p for name, p in layer.state_dict().items()})  # drop _l0
    x = randn64(6, 2, 3, requires_grad=False)
    out, _ = layer(x)
    state = None
    for t in range(6):
        state = cell(x[t], state)
        h = state[0] if kind == "LSTM" else state
        np.testing.assert_allclose(out.detach().numpy()[t], h.detach().numpy(), rtol=1e-12,
                                   atol=1e-14)
