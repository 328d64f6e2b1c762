"""The new tensor ops beyond the op registry: no-gradient ops, in-place forms, errors."""

import numpy as np
import pytest

import minigrad as mg


def test_unique_flat_and_along_dim():
    x = mg.tensor([[3, 1], [3, 1], [2, 5]])
    values, inverse, counts = mg.unique(x, return_inverse=True, return_counts=True)
    assert values.tolist() == [1, 2, 3, 5] and counts.tolist() == [2, 1, 2, 1]
    assert inverse.tolist() == [[2, 0], [2, 0], [1, 3]] and inverse.dtype == mg.int64
    assert x.unique().tolist() == [1, 2, 3, 5]
    rows, inv = x.unique(dim=0, return_inverse=True)
    assert rows.tolist() == [[2, 5], [3, 1]] and inv.tolist() == [1, 1, 0]
    assert not mg.unique(mg.tensor([1.0, 1.0], requires_grad=True)).requires_grad


def test_bincount():
    x = mg.tensor([0, 2, 2, 5])
    assert mg.bincount(x).tolist() == [1, 0, 2, 0, 0, 1]
    assert x.bincount(minlength=8).tolist() == [1, 0, 2, 0, 0, 1, 0, 0]
    w = mg.tensor([0.5, 1.0, 2.0, 0.25])
    out = mg.bincount(x, weights=w)
    assert out.dtype == mg.float32
    np.testing.assert_allclose(out.numpy(), [0.5, 0, 3.0, 0, 0, 0.25])
    assert mg.bincount(x, weights=mg.tensor([1, 2, 3, 4])).dtype == mg.float64
    with pytest.raises(RuntimeError, match="non-negative"):
        mg.bincount(mg.tensor([1, -1]))
    with pytest.raises(RuntimeError, match="1-D integer"):
        mg.bincount(mg.tensor([1.0]))


def test_tril_triu_indices_and_logspace():
    assert mg.tril_indices(3, 3).tolist() == [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    assert mg.triu_indices(2, 3, 1).tolist() == [[0, 0, 1], [1, 2, 2]]
    assert mg.tril_indices(3, 4, -1).tolist() == [list(a) for a in np.tril_indices(3, -1, 4)]
    np.testing.assert_allclose(mg.logspace(0, 3, 4).numpy(), [1, 10, 100, 1000], rtol=1e-6)
    np.testing.assert_allclose(mg.logspace(0, 3, 4, base=2).numpy(), [1, 2, 4, 8])
    assert mg.logspace(0, 1, 2, dtype=mg.float64).dtype == mg.float64


def test_cumprod_gradient_with_zeros_is_exact():
    x = mg.tensor([2.0, 0.0, 3.0, 4.0], dtype=mg.float64, requires_grad=True)
    x.cumprod(0).sum().backward()
    # d/dx0 = 1 + x1 + x1 x2 + x1 x2 x3 = 1; d/dx1 = x0 + x0 x2 + x0 x2 x3 = 2 + 6 + 24
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 32.0, 0.0, 0.0])
    assert mg.cumprod(mg.tensor([1, 2, 3]), 0).dtype == mg.int64


def test_inplace_scatter_family_writes_into_the_tensor():
    x = mg.zeros(2, 3)
    same = x.scatter_(1, mg.tensor([[2], [0]]), mg.tensor([[1.0], [2.0]]))
    assert same is x and x.tolist() == [[0, 0, 1], [2, 0, 0]]
    x.scatter_(0, mg.tensor([[1, 1, 1]]), value=7.0)
    assert x.tolist() == [[0, 0, 1], [7, 7, 7]]
    x.scatter_add_(1, mg.tensor([[0, 0]]), mg.tensor([[1.0, 1.0]]))
    assert x.tolist()[0] == [2, 0, 1]
    x.index_add_(1, mg.tensor([2]), mg.ones(2, 1), alpha=10)
    assert x.tolist() == [[2, 0, 11], [7, 7, 17]]
    x.index_fill_(0, mg.tensor([0]), -1)
    assert x.tolist()[0] == [-1, -1, -1]
    m = mg.ones(3, 3)
    assert m.tril_(-1).tolist() == [[0, 0, 0], [1, 0, 0], [1, 1, 0]]


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    w = mg.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError):
        w.index_fill_(0, mg.tensor([0]), 1.0)
    with mg.no_grad():
        w.index_fill_(0, mg.tensor([0]), 1.0)
    assert w.tolist() == [1, 0, 0]


def test_scatter_errors():
    x = mg.zeros(2, 3)
    with pytest.raises(ValueError, match="index has 1 dims but input has 2"):
        x.scatter(0, mg.tensor([0]), 1.0)
    with pytest.raises(IndexError, match="out of range"):
        x.scatter(0, mg.tensor([[2]]), 1.0)
    with pytest.raises(NotImplementedError, match="reduce"):
        x.scatter(0, mg.tensor([[0]]), 1.0, reduce="multiply")
    with pytest.raises(RuntimeError, match="larger than src"):
        x.scatter(0, mg.tensor([[0, 1]]), mg.ones(1, 1))
    with pytest.raises(RuntimeError, match="source must be a Tensor of shape"):
        x.index_add(0, mg.tensor([0]), mg.ones(2, 3))
    with pytest.raises(TypeError, match="bool"):
        x.masked_select(mg.tensor([1, 0, 1]))


def test_small_ops_against_numpy():
    a = np.array([[0.5, -1.0], [2.0, 0.25]])
    t = mg.tensor(a)
    np.testing.assert_allclose(mg.tan(t).numpy(), np.tan(a), rtol=1e-6)
    np.testing.assert_allclose(mg.reciprocal(mg.tensor([2, 4])).numpy(), [0.5, 0.25])
    assert mg.log2(mg.tensor([8])).dtype == mg.float32
    assert mg.movedim(mg.zeros(2, 3, 4), (0, 1), (2, 0)).shape == (3, 4, 2)
    assert mg.moveaxis(mg.zeros(2, 3), 0, 1).shape == (3, 2)
    xs, ys = mg.meshgrid(mg.arange(3), mg.arange(2))  # 'ij' by default, as in PyTorch
    assert xs.shape == (3, 2) and ys.tolist() == [[0, 1]] * 3
    xs, ys = mg.meshgrid([mg.arange(3), mg.arange(2)], indexing="xy")
    assert xs.shape == (2, 3)
    assert mg.trace(mg.eye(4)).item() == 4.0
    assert mg.tile(mg.tensor([1, 2]), (2, 2)).tolist() == [[1, 2, 1, 2], [1, 2, 1, 2]]
    with pytest.raises(RuntimeError, match="1-D or 2-D"):
        mg.diag(mg.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match="mat1 and mat2"):
        mg.addmm(mg.zeros(2), mg.zeros(2, 3), mg.zeros(2, 2))
