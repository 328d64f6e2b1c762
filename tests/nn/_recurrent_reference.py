"""NumPy references for the recurrent tests: PyTorch's cell equations written out, and a
multi-layer, bidirectional forward built from them."""

import numpy as np

import minigrad as mg
import minigrad.nn as nn


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_rnn_cell(x, h, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
    pre = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    return np.tanh(pre) if nonlinearity == "tanh" else np.maximum(pre, 0)


def np_lstm_cell(x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    gates = x @ w_ih.T + b_ih + h @ w_hh.T + b_hh
    i, f, g, o = np.split(gates, 4, axis=-1)
    c_new = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
    h_new = sigmoid(o) * np.tanh(c_new)
    if w_hr is not None:
        h_new = h_new @ w_hr.T
    return h_new, c_new


def np_gru_cell(x, h, w_ih, w_hh, b_ih, b_hh):
    xr, xz, xn = np.split(x @ w_ih.T + b_ih, 3, axis=-1)
    hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=-1)
    r = sigmoid(xr + hr)
    z = sigmoid(xz + hz)
    n = np.tanh(xn + r * hn)
    return (1 - z) * n + z * h


def params_of(module, suffix=""):
    """The module's parameters as arrays, by PyTorch's name without ``suffix``."""
    out = {}
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"):
        p = getattr(module, name + suffix, None)
        out[name] = None if p is None else p.detach().numpy()
    if out["bias_ih"] is None:
        rows = out["weight_ih"].shape[0]
        out["bias_ih"] = out["bias_hh"] = np.zeros(rows)
    return out


def np_step(kind, x, state, p, nonlinearity="tanh"):
    args = (p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    if kind == "LSTM":
        return np_lstm_cell(x, state[0], state[1], *args, p["weight_hr"])
    if kind == "GRU":
        return (np_gru_cell(x, state[0], *args),)
    return (np_rnn_cell(x, state[0], *args, nonlinearity),)


def np_layers(module, x, states, between=lambda k, y: y):
    """Reference forward of a multi-layer (bi)directional module on (L, N, H_in) input;
    ``states[k]`` is the initial state tuple of layer-direction k. ``between(layer, y)``
    transforms a layer's output before the next layer (the dropout hook)."""
    kind = type(module).__name__
    nonlinearity = getattr(module, "nonlinearity", "tanh")
    directions = 2 if module.bidirectional else 1
    finals = []
    for layer in range(module.num_layers):
        outputs = []
        for d in range(directions):
            p = params_of(module, f"_l{layer}" + ("_reverse" if d else ""))
            state = states[layer * directions + d]
            seq = [None] * len(x)
            for t in (reversed(range(len(x))) if d else range(len(x))):
                state = np_step(kind, x[t], state, p, nonlinearity)
                seq[t] = state[0]
            outputs.append(np.stack(seq))
            finals.append(state)
        x = np.concatenate(outputs, axis=-1)
        if layer < module.num_layers - 1:
            x = between(layer, x)
    return x, [np.stack([f[k] for f in finals]) for k in range(len(finals[0]))]


def zero_states(module, batch):
    count = module.num_layers * (2 if module.bidirectional else 1)
    h_size = getattr(module, "proj_size", 0) or module.hidden_size
    h = np.zeros((batch, h_size))
    if isinstance(module, nn.LSTM):
        return [(h, np.zeros((batch, module.hidden_size)))] * count
    return [(h,)] * count


def make(kind, *args, **kwargs):
    if kind == "RNN_relu":
        return nn.RNN(*args, nonlinearity="relu", dtype=mg.float64, **kwargs)
    return getattr(nn, kind)(*args, dtype=mg.float64, **kwargs)


KINDS = ["RNN", "RNN_relu", "LSTM", "GRU"]
