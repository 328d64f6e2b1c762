"""linear, embedding, dropout, one_hot, normalize, cosine_similarity and the re-exports."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

from .helpers import check_second_order, f64


@pytest.mark.parametrize("x_shape", [(4,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("with_bias", [False, True])
def test_linear_reference_and_gradcheck(rng, x_shape, with_bias):
    x, w = rng.standard_normal(x_shape), rng.standard_normal((5, 4))
    b = rng.standard_normal(5) if with_bias else None
    out = F.linear(mg.tensor(x), mg.tensor(w), None if b is None else mg.tensor(b))
    np.testing.assert_allclose(out.detach().numpy(), x @ w.T + (0 if b is None else b), rtol=1e-12)
    inputs = [f64(x), f64(w)] + ([f64(b)] if with_bias else [])
    assert gradcheck(F.linear, inputs)


def test_linear_second_order_and_float32(rng):
    x, w, b = f64(rng.standard_normal((2, 3))), f64(rng.standard_normal((4, 3))), \
        f64(rng.standard_normal(4))
    assert check_second_order(F.linear, [x, w, b])
    out = F.linear(mg.randn(2, 3), mg.randn(4, 3), mg.randn(4))
    assert out.dtype == np.float32


def test_linear_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 3\) and weight of shape "
                                         r"\(4, 5\) don't match"):
        F.linear(mg.randn(2, 3), mg.randn(4, 5))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        F.linear(mg.randn(2, 3), mg.randn(4, 3), mg.randn(3))


def test_embedding_forward_and_repeated_indices_accumulate(kernel_mode):
    w = mg.tensor(np.arange(8.0).reshape(4, 2), requires_grad=True)
    idx = mg.tensor([[0, 2, 2], [3, 0, 2]])
    out = F.embedding(idx, w)
    np.testing.assert_array_equal(out.detach().numpy(), w.detach().numpy()[idx.detach().numpy()])
    out.backward(mg.ones(2, 3, 2))
    # row 0 read twice, row 1 never, row 2 three times, row 3 once
    np.testing.assert_array_equal(w.grad.numpy(), [[2, 2], [0, 0], [3, 3], [1, 1]])


def test_embedding_padding_idx_gets_no_gradient(kernel_mode):
    w = mg.tensor(np.ones((4, 3)), requires_grad=True)
    idx = mg.tensor([1, 3, 1, 0])
    F.embedding(idx, w, padding_idx=1).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1, 1, 1], [0, 0, 0], [0, 0, 0], [1, 1, 1]])
    w.grad = None
    F.embedding(idx, w, padding_idx=-1).sum().backward()  # -1 is row 3
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [1, 2, 0, 0])


def test_embedding_gradcheck_and_second_order(kernel_mode, rng):
    idx = mg.tensor(rng.integers(0, 5, (2, 3)))
    w = f64(rng.standard_normal((5, 4)))
    assert gradcheck(lambda a: F.embedding(idx, a), [w])
    assert check_second_order(lambda a: F.embedding(idx, a, padding_idx=2) ** 2, [w])


def test_embedding_errors():
    w = mg.randn(5, 3)
    with pytest.raises(IndexError, match="embedding: index 5 is out of range for "
                                         "num_embeddings=5"):
        F.embedding(mg.tensor([0, 5]), w)
    with pytest.raises(IndexError, match="index -1"):
        F.embedding(mg.tensor([-1, 2]), w)
    with pytest.raises(TypeError, match="input must be an integer tensor"):
        F.embedding(mg.tensor([0.0, 1.0]), w)
    with pytest.raises(ValueError, match="padding_idx 7 is out of range"):
        F.embedding(mg.tensor([0]), w, padding_idx=7)


def test_dropout_eval_and_p_zero_return_the_input_itself():
    x = mg.randn(10, requires_grad=True)
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x


def test_dropout_statistics_and_scale():
    mg.manual_seed(0)
    p, n = 0.3, 100_000
    x = mg.ones(n, requires_grad=True)
    out = F.dropout(x, p)
    kept = out.detach().numpy() != 0
    # kept count ~ Binomial(n, 1 - p): std = sqrt(n p (1 - p)) ~ 145; allow 6 std
    assert abs(kept.sum() - n * (1 - p)) < 6 * np.sqrt(n * p * (1 - p))
    np.testing.assert_allclose(out.detach().numpy()[kept], 1 / (1 - p), rtol=1e-6)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.detach().numpy())  # d out/dx = mask / (1 - p)
    assert out.dtype == np.float32


def test_dropout_reproducible_under_manual_seed():
    x = mg.randn(1000)
    mg.manual_seed(3)
    a = F.dropout(x, 0.5)
    mg.manual_seed(3)
    b = F.dropout(x, 0.5)
    c = F.dropout(x, 0.5)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert not np.array_equal(b.detach().numpy(), c.detach().numpy())


def test_dropout_p_one_gives_zeros_and_zero_gradient():
    x = mg.randn(5, requires_grad=True)
    out = F.dropout(x, 1.0)
    np.testing.assert_array_equal(out.detach().numpy(), 0)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), 0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(x, 1.5)


def test_one_hot():
    out = F.one_hot(mg.tensor([[0, 2], [1, 1]]), 4)
    assert out.dtype == np.int64 and out.shape == (2, 2, 4) and not out.requires_grad
    np.testing.assert_array_equal(out.detach().numpy()[0], [[1, 0, 0, 0], [0, 0, 1, 0]])
    np.testing.assert_array_equal(F.one_hot(mg.tensor([2, 0])).numpy(), [[0, 0, 1], [1, 0, 0]])
    from_array = F.one_hot(np.array([[1], [0]]), num_classes=4)  # arrays and lists too
    assert isinstance(from_array, mg.Tensor) and from_array.dtype == np.int64
    np.testing.assert_array_equal(from_array.numpy()[:, 0], [[0, 1, 0, 0], [1, 0, 0, 0]])
    expected = np.eye(3, dtype=np.int64)[[2, 0, 1]]
    np.testing.assert_array_equal(F.one_hot([2, 0, 1]).numpy(), expected)
    with pytest.raises(ValueError, match="class value 4 is not smaller than num_classes=4"):
        F.one_hot(mg.tensor([4]), 4)
    with pytest.raises(ValueError, match="non-negative"):
        F.one_hot(mg.tensor([-1, 0]))
    with pytest.raises(TypeError, match="integer tensor"):
        F.one_hot(mg.tensor([1.0]))


def test_normalize_and_cosine_similarity(rng):
    x = rng.standard_normal((3, 4))
    np.testing.assert_allclose(
        F.normalize(mg.tensor(x)).detach().numpy(),
        x / np.linalg.norm(x, axis=1, keepdims=True),
        rtol=1e-12,
    )
    np.testing.assert_allclose(
        F.normalize(mg.tensor(x), p=1, dim=0).detach().numpy(),
        x / np.abs(x).sum(axis=0),
        rtol=1e-12,
    )
    zero = mg.zeros(2, 3, dtype=mg.float64, requires_grad=True)
    out = F.normalize(zero)  # eps keeps the zero vector at zero, with a finite gradient
    out.sum().backward()
    assert np.isfinite(zero.grad.numpy()).all() and not out.detach().numpy().any()
    assert gradcheck(lambda a: F.normalize(a, dim=0), [f64(x)])

    y = rng.standard_normal((1, 4))
    want = (x * y).sum(1) / (np.linalg.norm(x, axis=1) * np.linalg.norm(y, axis=1))
    np.testing.assert_allclose(
        F.cosine_similarity(mg.tensor(x), mg.tensor(y)).detach().numpy(), want, rtol=1e-12
    )
    assert gradcheck(F.cosine_similarity, [f64(x), f64(y)])
    with pytest.raises(ValueError, match="do not broadcast"):
        F.cosine_similarity(mg.randn(3, 4), mg.randn(2, 4))


def test_reexports_are_the_core_ops():
    for name in ("relu", "gelu", "silu", "tanh", "sigmoid", "leaky_relu", "elu", "softplus", "pad"):
        assert getattr(F, name) is getattr(mg, name)
    assert set(F.__all__) <= set(dir(F))
