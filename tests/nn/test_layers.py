"""Linear, Embedding, activations, Dropout, Flatten/Unflatten, Identity: forward vs
NumPy and gradients (input and parameters) by gradcheck in float64."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

from ._helpers import gradcheck_module, randn64


def test_linear_forward_and_gradients():
    lin = nn.Linear(4, 3)
    x = mg.randn(5, 4)
    with mg.no_grad():
        out = lin(x)
    np.testing.assert_allclose(
        out.detach().numpy(),
        x.detach().numpy() @ lin.weight.detach().numpy().T + lin.bias.detach().numpy(),
        rtol=1e-6,
    )
    assert lin.weight.shape == (3, 4) and lin.bias.shape == (3,)
    assert gradcheck_module(nn.Linear(4, 3), randn64(2, 5, 4))
    assert gradcheck_module(nn.Linear(4, 3, bias=False), randn64(5, 4))


def test_linear_options_and_errors():
    lin = nn.Linear(2, 2, bias=False, dtype=mg.float64)
    assert lin.bias is None and lin.weight.dtype == np.float64
    assert repr(lin) == "Linear(in_features=2, out_features=2, bias=False)"
    with pytest.raises(ValueError, match="in_features must be a positive int"):
        nn.Linear(0, 2)
    with pytest.raises(ValueError, match="CPU only"):
        nn.Linear(2, 2, device="cuda")
    with pytest.raises(TypeError, match="floating dtype"):
        nn.Linear(2, 2, dtype=mg.int64)
    with pytest.raises(ValueError):
        nn.Linear(2, 2)(mg.ones(3, 5))


def test_identity_flatten_unflatten():
    x = mg.randn(2, 3, 4, 5)
    assert nn.Identity(54, unused=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    np.testing.assert_array_equal(
        nn.Flatten(1, 2)(x).detach().numpy(), x.detach().numpy().reshape(2, 12, 5)
    )
    y = nn.Unflatten(1, (3, 20))(nn.Flatten()(x))
    assert y.shape == (2, 3, 20)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, [2, 2])) == "Unflatten(dim=1, unflattened_size=(2, 2))"
    assert mg.autograd.gradcheck(
        lambda t: nn.Unflatten(0, (2, 3))(nn.Flatten(0)(t)), [randn64(3, 2)]
    )


def test_embedding_lookup_padding_and_gradients():
    emb = nn.Embedding(6, 3, padding_idx=-1)
    assert emb.padding_idx == 5 and not emb.weight.detach().numpy()[5].any()
    idx = mg.tensor([[0, 5, 2], [2, 2, 1]])
    out = emb(idx)
    np.testing.assert_array_equal(
        out.detach().numpy(), emb.weight.detach().numpy()[idx.detach().numpy()]
    )
    out.sum().backward()
    expected = np.zeros((6, 3))
    np.add.at(expected, idx.detach().numpy().ravel(), 1.0)
    expected[5] = 0  # the padding row gets no gradient
    np.testing.assert_array_equal(emb.weight.grad.numpy(), expected)
    emb = nn.Embedding(6, 3).double()
    assert mg.autograd.gradcheck(lambda w: emb(idx) * 1.0, [emb.weight])
    assert repr(nn.Embedding(6, 3, padding_idx=0)) == "Embedding(6, 3, padding_idx=0)"
    with pytest.raises(ValueError, match="padding_idx 6"):
        nn.Embedding(6, 3, padding_idx=6)
    with pytest.raises(IndexError):
        nn.Embedding(6, 3)(mg.tensor([6]))


def test_embedding_from_pretrained():
    table = mg.arange(6.0).reshape(3, 2)
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad and np.shares_memory(
        emb.weight.detach().numpy(), table.detach().numpy()
    )
    np.testing.assert_array_equal(emb(mg.tensor([2])).detach().numpy(), [[4.0, 5.0]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="2-D"):
        nn.Embedding.from_pretrained(mg.zeros(3))


def _gelu(x):
    return 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))


ACTIVATIONS = [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.ELU(alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * (np.exp(x) - 1))),
    (nn.GELU(), _gelu),
    (
        nn.GELU("tanh"),
        lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3))),
    ),
    (nn.SiLU(), lambda x: x / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Softplus(beta=2.0), lambda x: np.log1p(np.exp(2 * x)) / 2),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=-1), lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
]


@pytest.mark.parametrize(
    "module,reference", ACTIVATIONS, ids=[type(m).__name__ for m, _ in ACTIVATIONS]
)
def test_activation_forward_and_gradient(module, reference):
    x = randn64(3, 4, seed=1)
    values = x.detach().numpy()
    values[0, 0] += 0.3 if abs(values[0, 0]) < 1e-3 else 0.0  # keep away from kinks
    np.testing.assert_allclose(
        module(x).detach().numpy(), reference(x.detach().numpy()), rtol=1e-6, atol=1e-7
    )
    assert mg.autograd.gradcheck(module, [x])


def test_activation_reprs():
    assert repr(nn.ReLU()) == "ReLU()"
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.GELU()) == "GELU(approximate='none')"
    assert repr(nn.Softmax(dim=-1)) == "Softmax(dim=-1)"
    assert repr(nn.ELU()) == "ELU(alpha=1.0)"
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


def test_dropout_train_and_eval():
    drop = nn.Dropout(0.25)
    x = mg.ones(200, 100)
    mg.manual_seed(0)
    y = drop(x)
    zeros = (y.detach().numpy() == 0).mean()
    assert 0.23 < zeros < 0.27
    np.testing.assert_allclose(y.detach().numpy()[y.detach().numpy() != 0], 1 / 0.75)
    mg.manual_seed(0)
    np.testing.assert_array_equal(drop(x).detach().numpy(), y.detach().numpy())  # reproducible
    drop.eval()
    np.testing.assert_array_equal(drop(x).detach().numpy(), x.detach().numpy())
    assert not nn.Dropout(1.0)(x).detach().numpy().any()
    assert repr(drop) == "Dropout(p=0.25, inplace=False)"
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_gradient_uses_the_same_mask():
    drop = nn.Dropout(0.5)
    x = mg.ones(50, requires_grad=True)
    y = drop(x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())
