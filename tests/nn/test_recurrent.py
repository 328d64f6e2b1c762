"""RNN, LSTM and GRU: PyTorch's parameter names and shapes, the forward against NumPy
written out (tests/nn/_recurrent_reference.py), gradients against finite differences in
float64, dropout between layers only in training, and the errors PyTorch raises."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.ops.nn_rnn_sequence import gru_sequence, lstm_sequence, rnn_sequence

from ._helpers import gradcheck_module, randn64
from ._recurrent_reference import KINDS, make, np_layers, zero_states

# ---------------------------------------------------------------- parameters


@pytest.mark.parametrize("kind,gates", [("RNN", 1), ("LSTM", 4), ("GRU", 3)])
def test_parameter_names_and_shapes_follow_pytorch(kind, gates):
    m = getattr(nn, kind)(3, 5, num_layers=2, bidirectional=True)
    got = [(name, tuple(p.shape)) for name, p in m.named_parameters()]
    expected = []
    for layer, layer_in in ((0, 3), (1, 10)):
        for sfx in (f"_l{layer}", f"_l{layer}_reverse"):
            expected += [("weight_ih" + sfx, (gates * 5, layer_in)),
                         ("weight_hh" + sfx, (gates * 5, 5)),
                         ("bias_ih" + sfx, (gates * 5,)), ("bias_hh" + sfx, (gates * 5,))]
    assert got == expected
    assert list(m.state_dict()) == [name for name, _ in expected]
    assert [len(group) for group in m.all_weights] == [4, 4, 4, 4]


def test_lstm_proj_size_adds_weight_hr_and_shrinks_h():
    m = nn.LSTM(3, 6, num_layers=2, proj_size=2)
    shapes = {name: tuple(p.shape) for name, p in m.named_parameters()}
    assert shapes["weight_hr_l0"] == (2, 6)
    assert shapes["weight_hh_l0"] == (24, 2)
    assert shapes["weight_ih_l1"] == (24, 2)
    out, (h, c) = m(mg.randn(4, 3, 3))
    assert (out.shape, h.shape, c.shape) == ((4, 3, 2), (2, 3, 2), (2, 3, 6))


def test_bias_false_registers_no_biases():
    m = nn.GRU(3, 4, bias=False)
    assert [name for name, _ in m.named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    cell = nn.RNNCell(3, 4, bias=False)
    assert [name for name, _ in cell.named_parameters()] == ["weight_ih", "weight_hh"]
    assert cell.bias_ih is None


@pytest.mark.parametrize("cls", [nn.LSTM, nn.GRUCell])
def test_init_is_uniform_within_one_over_sqrt_hidden(cls):
    mg.manual_seed(0)
    m = cls(10, 64)
    bound = 1 / math.sqrt(64)
    values = np.concatenate([p.detach().numpy().ravel() for p in m.parameters()])
    assert values.min() >= -bound and values.max() <= bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.05 * bound  # U(-b, b) has std b/sqrt(3)
    assert values.dtype == np.float32


def test_state_dict_round_trip_reproduces_outputs():
    a, b = nn.LSTM(3, 4, 2), nn.LSTM(3, 4, 2)
    b.load_state_dict(a.state_dict())
    x = mg.randn(5, 2, 3)
    out_a, _ = a(x)
    out_b, _ = b(x)
    np.testing.assert_array_equal(out_a.detach().numpy(), out_b.detach().numpy())


def test_repr_and_flatten_parameters():
    m = nn.LSTM(3, 4, 2, batch_first=True, dropout=0.1, bidirectional=True)
    assert repr(m) == "LSTM(3, 4, num_layers=2, batch_first=True, dropout=0.1, bidirectional=True)"
    assert m.flatten_parameters() is None
    assert repr(nn.RNNCell(3, 4, bias=False, nonlinearity="relu")) == \
        "RNNCell(3, 4, bias=False, nonlinearity=relu)"

# ---------------------------------------------------------------- layers: forward


CONFIGS = [
    dict(num_layers=1),
    dict(num_layers=2, bidirectional=True),
    dict(num_layers=3, batch_first=True),
    dict(num_layers=2, bidirectional=True, batch_first=True, bias=False),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("config", CONFIGS, ids=["1-layer", "bidirectional-2-layers",
                                                  "batch_first-3-layers", "all-no-bias"])
def test_layers_match_the_numpy_reference(kind, config):
    mg.manual_seed(1)
    m = make(kind, 3, 4, **config)
    x = np.random.default_rng(0).standard_normal((5, 2, 3))  # (L, N, H_in)
    inp = x.transpose(1, 0, 2) if m.batch_first else x
    out, last = m(mg.tensor(inp))
    expected, finals = np_layers(m, x, zero_states(m, 2))
    if m.batch_first:
        expected = expected.transpose(1, 0, 2)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    last = last if isinstance(last, tuple) else (last,)
    for got, ref in zip(last, finals, strict=True):
        np.testing.assert_allclose(got.detach().numpy(), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
def test_initial_states_are_used(kind):
    m = make(kind, 3, 4, num_layers=2, bidirectional=True)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 2, 3))
    h0 = rng.standard_normal((4, 2, 4))
    if kind == "LSTM":
        c0 = rng.standard_normal((4, 2, 4))
        out, (h_n, c_n) = m(mg.tensor(x), (mg.tensor(h0), mg.tensor(c0)))
        states = [(h0[k], c0[k]) for k in range(4)]
    else:
        out, h_n = m(mg.tensor(x), mg.tensor(h0))
        states = [(h0[k],) for k in range(4)]
    expected, finals = np_layers(m, x, states)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), finals[0], rtol=1e-10, atol=1e-12)
    assert h_n.shape == (4, 2, 4)


@pytest.mark.parametrize("kind", KINDS)
def test_unbatched_input_gives_unbatched_outputs(kind):
    m = make(kind, 3, 4, num_layers=2, bidirectional=True, batch_first=True)
    x = randn64(5, 3, requires_grad=False)
    out, last = m(x)
    last = last if isinstance(last, tuple) else (last,)
    assert out.shape == (5, 8)
    assert all(s.shape == (4, 4) for s in last)
    batched, _ = m(x.unsqueeze(0))  # batch_first: (1, L, H_in)
    np.testing.assert_allclose(out.detach().numpy(), batched.detach().numpy()[0], rtol=1e-12)


def test_output_shapes():
    out, (h, c) = nn.LSTM(3, 7, num_layers=3, batch_first=True, bidirectional=True)(
        mg.randn(2, 9, 3))
    assert (out.shape, h.shape, c.shape) == ((2, 9, 14), (6, 2, 7), (6, 2, 7))
    out, h = nn.GRU(3, 7)(mg.randn(9, 2, 3))
    assert (out.shape, h.shape) == ((9, 2, 7), (1, 2, 7))
    out, h = nn.RNN(3, 7, 2)(mg.randn(9, 3), mg.zeros(2, 7))
    assert (out.shape, h.shape) == ((9, 7), (2, 7))
    assert out.dtype == np.float32


def test_last_output_step_equals_h_n_of_the_last_layer():
    out, (h, _) = nn.LSTM(3, 4, num_layers=2)(mg.randn(6, 2, 3))
    np.testing.assert_array_equal(out.detach().numpy()[-1], h.detach().numpy()[-1])


def test_detached_state_carries_over_between_chunks():
    m = make("LSTM", 3, 4)
    x = randn64(8, 2, 3, requires_grad=False)
    whole, _ = m(x)
    first, state = m(x[:4])
    second, _ = m(x[4:], tuple(s.detach() for s in state))
    np.testing.assert_allclose(second.detach().numpy(), whole.detach().numpy()[4:], rtol=1e-12)

# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("config", [
    dict(num_layers=2, bidirectional=True),
    dict(batch_first=True),
    dict(num_layers=2, bias=False),
], ids=["bidirectional-2-layers", "batch_first", "no-bias-2-layers"])
def test_layer_gradients_match_finite_differences(kind, config):
    mg.manual_seed(2)
    m = make(kind, 2, 3, **config)
    x = randn64(3, 2, 2, seed=3)
    assert gradcheck_module(m, x, atol=1e-7, rtol=1e-6,
                            call=lambda mod, x: mod(x)[0] * 1.0)


def _output_and_states(out):
    y, last = out
    last = last if isinstance(last, tuple) else (last,)
    return mg.cat([y.reshape(-1), *[s.reshape(-1) for s in last]])


@pytest.mark.parametrize("kind", KINDS)
def test_gradients_through_initial_states_and_final_states(kind):
    mg.manual_seed(3)
    m = make(kind, 2, 3, num_layers=2, bidirectional=True)
    x = randn64(3, 2, 2, seed=4)
    h0 = randn64(4, 2, 3, seed=5)
    states = (h0, randn64(4, 2, 3, seed=6)) if kind == "LSTM" else (h0,)
    def call(mod, x, *states):
        hx = states if kind == "LSTM" else states[0]
        return _output_and_states(mod(x, hx))
    assert gradcheck_module(m, x, *states, atol=1e-7, rtol=1e-6, call=call)


@pytest.mark.parametrize("kind", KINDS)
def test_unbatched_gradients(kind):
    m = make(kind, 2, 3, num_layers=2)
    x = randn64(4, 2, seed=7)
    assert gradcheck_module(m, x, atol=1e-7, rtol=1e-6,
                            call=lambda mod, x: _output_and_states(mod(x)))


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_unbatched_bidirectional_gradients_with_initial_states(kind):
    m = make(kind, 2, 3, bidirectional=True, batch_first=True)
    x = randn64(4, 2, seed=12)
    states = (randn64(2, 3, seed=13), randn64(2, 3, seed=14))[:2 if kind == "LSTM" else 1]
    def call(mod, x, *states):
        return _output_and_states(mod(x, states if kind == "LSTM" else states[0]))
    assert gradcheck_module(m, x, *states, atol=1e-7, rtol=1e-6, call=call)


def test_lstm_proj_size_gradients():
    m = make("LSTM", 2, 4, num_layers=2, proj_size=2, bidirectional=True)
    x = randn64(3, 2, 2, seed=8)
    assert gradcheck_module(m, x, atol=1e-7, rtol=1e-6,
                            call=lambda mod, x: _output_and_states(mod(x)))


# ---------------------------------------------------------------- dropout


def test_dropout_sits_between_layers_only_in_training():
    mg.manual_seed(4)
    m = make("GRU", 3, 4, num_layers=3, dropout=1.0)  # p = 1 zeroes everything it touches
    x = np.random.default_rng(1).standard_normal((5, 2, 3))
    out, h_n = m(mg.tensor(x))
    # layers 1 and 2 see zeros; the last layer's output is not dropped
    expected, finals = np_layers(m, x, zero_states(m, 2), between=lambda k, y: 0 * y)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), finals[0], rtol=1e-10, atol=1e-12)
    assert np.all(out.detach().numpy() != 0)
    m.eval()
    no_dropout, _ = np_layers(m, x, zero_states(m, 2))
    np.testing.assert_allclose(m(mg.tensor(x))[0].detach().numpy(), no_dropout, rtol=1e-10,
                               atol=1e-12)


def test_dropout_is_random_in_training_and_scales_kept_values():
    m = make("LSTM", 3, 4, num_layers=2, dropout=0.5)
    x = randn64(5, 2, 3, requires_grad=False)
    mg.manual_seed(5)
    a, _ = m(x)
    b, _ = m(x)
    assert not np.allclose(a.detach().numpy(), b.detach().numpy())
    mg.manual_seed(5)
    again, _ = m(x)
    np.testing.assert_array_equal(a.detach().numpy(), again.detach().numpy())


def test_dropout_with_one_layer_warns_and_does_nothing():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        m = make("RNN", 3, 4, dropout=0.5)
    x = randn64(5, 2, 3, requires_grad=False)
    train_out, _ = m(x)
    eval_out, _ = m.eval()(x)
    np.testing.assert_array_equal(train_out.detach().numpy(), eval_out.detach().numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nn.LSTM(3, 4, num_layers=2, dropout=0.5)

# ---------------------------------------------------------------- errors


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((3, 4), dict(nonlinearity="sigmoid"), ValueError, "RNN: Unknown nonlinearity 'sigmoid'"),
    ((3, 4), dict(dropout=1.5), ValueError, r"RNN: dropout should be a number in range \[0, 1\]"),
    ((3, 0), {}, ValueError, "RNN: hidden_size must be greater than zero"),
    ((3, 4), dict(num_layers=0), ValueError, "RNN: num_layers must be greater than zero"),
    ((3, 4.0), {}, TypeError, "RNN: hidden_size should be of type int"),
])
def test_constructor_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.RNN(*args, **kwargs)


def test_proj_size_must_be_smaller_than_hidden_size():
    with pytest.raises(ValueError, match="LSTM: proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="RNNCell: Unknown nonlinearity"):
        nn.RNNCell(3, 4, nonlinearity="gelu")


def test_input_errors_name_the_module_and_shapes():
    m = nn.LSTM(10, 20, num_layers=2)
    with pytest.raises(ValueError, match="LSTM: Expected input to be 2D or 3D, got 4D"):
        m(mg.randn(2, 3, 4, 10))
    with pytest.raises(RuntimeError, match=r"LSTM: input.size\(-1\) must be equal to "
                                            r"input_size. Expected 10, got 7"):
        m(mg.randn(5, 3, 7))
    with pytest.raises(TypeError, match="LSTM: input must be a Tensor"):
        m(np.zeros((5, 3, 10)))
    with pytest.raises(ValueError, match=r"input dtype \(minigrad.float64\) does not match "
                                         r"weight dtype \(minigrad.float32\)"):
        m(mg.randn(5, 3, 10, dtype=mg.float64))
    with pytest.raises(ValueError, match="empty"):
        m(mg.randn(0, 3, 10))


def test_initial_state_errors():
    rnn = nn.GRU(10, 20, num_layers=2)
    x = mg.randn(5, 3, 10)
    with pytest.raises(RuntimeError, match=r"GRU: Expected hidden size \(2, 3, 20\), got "
                                            r"\[1, 3, 20\]"):
        rnn(x, mg.zeros(1, 3, 20))
    with pytest.raises(RuntimeError, match="For batched 3-D input, hx should also be 3-D"):
        rnn(x, mg.zeros(2, 20))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D"):
        rnn(mg.randn(5, 10), mg.zeros(2, 1, 20))
    lstm = nn.LSTM(10, 20, num_layers=2)
    with pytest.raises(RuntimeError, match=r"Expected hidden\[1\] size \(2, 3, 20\), got "
                                            r"\[2, 3, 21\]"):
        lstm(x, (mg.zeros(2, 3, 20), mg.zeros(2, 3, 21)))
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h_0, c_0\)"):
        lstm(x, mg.zeros(2, 3, 20))

# ---------------------------------------------------------------- numerics and the graph


def test_saturating_inputs_stay_finite_without_warnings():
    lstm, gru = make("LSTM", 2, 3), make("GRU", 2, 3)
    x = mg.tensor(np.full((4, 1, 2), 1e4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for m in (lstm, gru):
            out, _ = m(x)
            out.sum().backward()
            assert np.isfinite(out.detach().numpy()).all()
            assert all(np.isfinite(p.grad.numpy()).all() for p in m.parameters())


def test_create_graph_through_a_layer_is_refused_by_name():
    m = make("GRU", 2, 3)
    x = randn64(4, 1, 2)
    out, _ = m(x)
    with pytest.raises(RuntimeError, match="GRUSequenceBackward: .* not differentiable"):
        mg.autograd.grad(out.sum(), [x], create_graph=True)


def test_sequence_op_shape_errors():
    with pytest.raises(ValueError, match=r"lstm_sequence: expected input_gates \(L, N, 4\*H\)"):
        lstm_sequence(mg.zeros(3, 2, 7), mg.zeros(2, 2), mg.zeros(2, 2), mg.zeros(7, 2), None)
    with pytest.raises(ValueError, match="rnn_sequence: nonlinearity must be 'tanh' or 'relu'"):
        rnn_sequence(mg.zeros(3, 2, 2), mg.zeros(2, 2), mg.zeros(2, 2), None, "sigmoid")
    with pytest.raises(ValueError, match="gru_sequence"):
        gru_sequence(mg.zeros(3, 2, 6), mg.zeros(2, 2), mg.zeros(6, 2), mg.zeros(5))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_frozen_weights_still_pass_the_input_gradient(kind):
    m = make(kind, 3, 4, num_layers=2, bidirectional=True)
    x = randn64(5, 2, 3)
    m(x)[0].sum().backward()
    expected = x.grad.numpy().copy()
    x.grad = None
    m.requires_grad_(False)
    m(x)[0].sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=1e-14)
    with mg.no_grad():
        assert not m(x)[0].requires_grad
