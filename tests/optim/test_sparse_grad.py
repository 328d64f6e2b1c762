"""Sparse embedding gradients (minigrad/sparse.py) and the optimizers that take them."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim
from minigrad.sparse import SparseGrad

IDS = [[1, 4, 4], [0, 4, 7]]  # row 4 three times, rows 2, 3, 5, 6, 8, 9 never


def _pair(padding_idx=None, dtype=np.float64):
    """A sparse and a dense embedding with the same weights."""
    w = np.random.default_rng(0).standard_normal((10, 3)).astype(dtype)
    sparse = nn.Embedding(10, 3, padding_idx=padding_idx, _weight=mg.tensor(w.copy()),
                          sparse=True)
    dense = nn.Embedding(10, 3, padding_idx=padding_idx, _weight=mg.tensor(w.copy()))
    return sparse, dense


def _loss(emb, ids=IDS):
    out = emb(mg.tensor(ids))
    return (out * out * mg.tensor([1.0, 2.0, 3.0], dtype=out.dtype)).sum()


@pytest.mark.parametrize("padding_idx", [None, 4])
def test_sparse_grad_equals_dense_grad(padding_idx):
    sparse, dense = _pair(padding_idx)
    _loss(sparse).backward()
    _loss(dense).backward()
    g = sparse.weight.grad
    assert g.is_sparse and not dense.weight.grad.is_sparse
    assert g.shape == (10, 3) and g.dtype == np.float64
    expected_rows = 6 if padding_idx is None else 3
    assert g._nnz() == expected_rows
    np.testing.assert_allclose(g.to_dense().numpy(), dense.weight.grad.numpy(), rtol=1e-12)
    c = g.coalesce()
    assert c.is_coalesced() and c.row_index.tolist() == sorted(set(c.row_index.tolist()))
    np.testing.assert_allclose(c.to_dense().numpy(), dense.weight.grad.numpy(), rtol=1e-12)
    assert c.indices().shape == (1, c._nnz()) and c.values().shape == (c._nnz(), 3)


def test_two_backwards_concatenate_and_sum():
    sparse, dense = _pair()
    for emb in (sparse, dense):
        _loss(emb).backward()
        _loss(emb, [[2, 4]]).backward()
    assert sparse.weight.grad.is_sparse and sparse.weight.grad._nnz() == 8
    np.testing.assert_allclose(sparse.weight.grad.to_dense().numpy(),
                               dense.weight.grad.numpy(), rtol=1e-12)


def test_sparse_plus_dense_gradient_is_dense():
    sparse, dense = _pair()
    for emb in (sparse, dense):  # the weight also feeds a dense op in the same graph
        (_loss(emb) + (emb.weight * emb.weight).sum()).backward()
    assert not sparse.weight.grad.is_sparse
    np.testing.assert_allclose(sparse.weight.grad.numpy(), dense.weight.grad.numpy(),
                               rtol=1e-12)


def test_hooks_see_the_sparse_gradient():
    sparse, _ = _pair()
    seen = []
    sparse.weight.register_hook(lambda g: seen.append(g) or g * 2.0)
    _loss(sparse).backward()
    assert len(seen) == 1 and seen[0].is_sparse
    np.testing.assert_allclose(sparse.weight.grad.to_dense().numpy(),
                               2 * seen[0].to_dense().numpy())


@pytest.mark.parametrize("maximize", [False, True])
def test_sparse_sgd_equals_dense_sgd_and_leaves_other_rows(maximize):
    sparse, dense = _pair()
    before = sparse.weight.detach().numpy().copy()
    for emb in (sparse, dense):
        opt = optim.SGD(emb.parameters(), lr=0.1, maximize=maximize)
        for ids in (IDS, [[2, 4]]):
            opt.zero_grad()
            _loss(emb, ids).backward()
            opt.step()
    np.testing.assert_allclose(sparse.weight.detach().numpy(), dense.weight.detach().numpy(),
                               rtol=1e-12)
    untouched = [3, 5, 6, 8, 9]
    np.testing.assert_array_equal(sparse.weight.detach().numpy()[untouched], before[untouched])


def test_sparse_sgd_with_momentum_matches_dense():
    sparse, dense = _pair()
    for emb in (sparse, dense):
        opt = optim.SGD(emb.parameters(), lr=0.1, momentum=0.9, weight_decay=0.01)
        for _ in range(3):
            opt.zero_grad()
            _loss(emb).backward()
            opt.step()
    np.testing.assert_allclose(sparse.weight.detach().numpy(), dense.weight.detach().numpy(),
                               rtol=1e-12)


def test_sparse_adam_by_hand():
    w0 = np.array([[1.0, -1.0], [0.5, 2.0], [-0.5, 0.0]])
    p = mg.tensor(w0.copy(), requires_grad=True)
    opt = optim.SparseAdam([p], lr=0.1, betas=(0.8, 0.9), eps=1e-8)
    steps = [
        SparseGrad(np.array([0, 2, 0]), np.array([[1.0, 2.0], [3.0, -1.0], [1.0, 0.0]]), (3, 2)),
        SparseGrad(np.array([0]), np.array([[-1.0, 1.0]]), (3, 2)),
    ]
    m = np.zeros_like(w0)
    v = np.zeros_like(w0)
    w = w0.copy()
    for t, g in enumerate(steps, 1):
        dense = np.zeros_like(w0)
        np.add.at(dense, g.row_index, g.row_values)
        rows = sorted(set(g.row_index.tolist()))  # untouched rows: moments and values stay
        for r in rows:
            m[r] = 0.8 * m[r] + 0.2 * dense[r]
            v[r] = 0.9 * v[r] + 0.1 * dense[r] ** 2
            size = 0.1 * math.sqrt(1 - 0.9**t) / (1 - 0.8**t)
            w[r] -= size * m[r] / (np.sqrt(v[r]) + 1e-8)
        p.grad = g
        opt.step()
        np.testing.assert_allclose(p.detach().numpy(), w, rtol=1e-12)
    np.testing.assert_array_equal(p.detach().numpy()[1], w0[1])
    assert opt.state[p]["step"] == 2


def test_dense_only_optimizers_refuse_sparse_gradients():
    sparse, _ = _pair()
    _loss(sparse).backward()
    for cls, message in ((optim.Adam, "Adam does not support sparse gradients, please "
                          "consider SparseAdam instead"),
                         (optim.AdamW, "AdamW does not support sparse gradients"),
                         (optim.RMSprop, "RMSprop does not support sparse gradients")):
        with pytest.raises(RuntimeError, match=message):
            cls(sparse.parameters()).step()
    _, dense = _pair()
    _loss(dense).backward()
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        optim.SparseAdam(dense.parameters()).step()


def test_clip_grad_norm_refuses_sparse_gradients():
    sparse, _ = _pair()
    _loss(sparse).backward()
    with pytest.raises(RuntimeError, match="does not support sparse gradients"):
        nn.utils.clip_grad_norm_(sparse.parameters(), 1.0)


def test_zero_grad_keeps_an_empty_sparse_gradient():
    sparse, _ = _pair()
    opt = optim.SGD(sparse.parameters(), lr=0.1)
    _loss(sparse).backward()
    opt.zero_grad(set_to_none=False)
    assert sparse.weight.grad.is_sparse and sparse.weight.grad._nnz() == 0
    _loss(sparse).backward()
    sparse.zero_grad(set_to_none=False)
    assert sparse.weight.grad._nnz() == 0
    np.testing.assert_array_equal(sparse.weight.grad.to_dense().numpy(), 0.0)


def test_bad_sparse_gradients_are_refused():
    with pytest.raises(ValueError, match="SparseGrad: 2 row indices"):
        SparseGrad(np.array([0, 1]), np.zeros((3, 2)), (4, 2))
    a = SparseGrad(np.array([0]), np.ones((1, 2)), (4, 2))
    with pytest.raises(RuntimeError, match="shapes"):
        a + SparseGrad(np.array([0]), np.ones((1, 3)), (4, 3))


def test_autograd_grad_returns_the_sparse_gradient():
    sparse, dense = _pair()
    (g,) = mg.autograd.grad(_loss(sparse), [sparse.weight])
    (d,) = mg.autograd.grad(_loss(dense), [dense.weight])
    assert g.is_sparse and sparse.weight.grad is None
    np.testing.assert_allclose(g.to_dense().numpy(), d.numpy(), rtol=1e-12)


def test_a_sparse_gradient_reaching_a_non_leaf_becomes_dense():
    w = mg.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    ids = mg.tensor([[0, 2, 2]])
    mg.nn.functional.embedding(ids, w * 2.0, sparse=True).sum().backward()
    expected = np.zeros((4, 3))
    expected[0], expected[2] = 2.0, 4.0  # d/dw of 2 w[row], row 2 read twice
    assert not w.grad.is_sparse
    np.testing.assert_array_equal(w.grad.numpy(), expected)
