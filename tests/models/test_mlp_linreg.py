"""MLP and LinearRegression."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.models import MLP, LinearRegression


def test_mlp_layout_and_names():
    model = MLP([784, 512, 512, 10])
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    names = [n for n, _ in model.named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.2.weight", "layers.2.bias",
                     "layers.4.weight", "layers.4.bias"]
    assert model.num_parameters() == 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10


def test_mlp_forward_is_the_composition():
    mg.manual_seed(0)
    model = MLP([3, 5, 2], activation="tanh")
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    w1, b1 = model.layers[0].weight.detach().numpy(), model.layers[0].bias.detach().numpy()
    w2, b2 = model.layers[2].weight.detach().numpy(), model.layers[2].bias.detach().numpy()
    expected = np.tanh(x @ w1.T + b1) @ w2.T + b2
    assert np.allclose(model(mg.tensor(x)).detach().numpy(), expected, atol=1e-6)


def test_mlp_activation_kinds_dropout_and_output_activation():
    model = MLP([4, 8, 8, 3], activation=nn.GELU, dropout=0.2, output_activation="sigmoid")
    kinds = [type(m).__name__ for m in model.layers]
    assert kinds == ["Linear", "GELU", "Dropout", "Linear", "GELU", "Dropout", "Linear",
                     "Sigmoid"]
    model.eval()
    out = model(mg.randn(6, 4)).detach().numpy()
    assert out.shape == (6, 3) and (out > 0).all() and (out < 1).all()


def test_mlp_bad_arguments():
    with pytest.raises(ValueError, match="at least"):
        MLP([4])
    with pytest.raises(ValueError, match="unknown activation 'swishy'"):
        MLP([4, 4, 2], activation="swishy")
    with pytest.raises(TypeError, match="activation"):
        MLP([4, 4, 2], activation=3)
    with pytest.raises(ValueError, match="dropout"):
        MLP([4, 4, 2], dropout=1.0)


def test_linear_regression_shapes_and_values():
    model = LinearRegression()
    x = mg.tensor([0.0, 1.0, 2.0])
    w, b = model.weight.detach().numpy()[0, 0], model.bias.detach().numpy()[0]
    out = model(x)
    assert out.shape == (3,)
    assert np.allclose(out.detach().numpy(), w * x.detach().numpy() + b)
    assert model(x.reshape(3, 1)).shape == (3, 1)
    assert LinearRegression(3, 2)(mg.randn(5, 3)).shape == (5, 2)
    with pytest.raises(ValueError, match="in_features=3"):
        LinearRegression(3, 1)(mg.randn(5))


def test_linear_regression_learns_the_walkthrough_line():
    rng = np.random.default_rng(0)
    x_data = rng.random(100).astype(np.float32)
    x, y = mg.tensor(x_data), mg.tensor(0.1 * x_data + 0.3)
    mg.manual_seed(0)
    model = LinearRegression()
    opt = mg.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(201):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        opt.step()
    assert model.weight.item() == pytest.approx(0.1, abs=1e-3)
    assert model.bias.item() == pytest.approx(0.3, abs=1e-3)
