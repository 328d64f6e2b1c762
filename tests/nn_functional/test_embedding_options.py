"""embedding's max_norm/norm_type (in-place renormalisation of the rows looked up) and
scale_grad_by_freq, with padding_idx and sparse=True; nn.Embedding passing them on."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

from .helpers import f64

INDEX = np.array([[0, 2, 2], [4, 2, 0]])  # row 2 three times, row 0 twice, row 4 once


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, np.inf])
def test_max_norm_renormalises_looked_up_rows_in_place(rng, norm_type):
    table = rng.standard_normal((6, 4)) * 2
    table[4] *= 0.05  # a looked-up row already inside the ball stays as it is
    w = mg.tensor(table.copy(), requires_grad=True)
    version = w._version
    out = F.embedding(mg.tensor(INDEX), w, max_norm=1.0, norm_type=norm_type)
    norms = np.linalg.norm(table, ord=norm_type, axis=1)
    want = table.copy()
    for row in (0, 2):  # looked up and too long: scaled by max_norm / (norm + 1e-7)
        assert norms[row] > 1.0
        want[row] = table[row] * (1.0 / (norms[row] + 1e-7))
    np.testing.assert_allclose(w.detach().numpy(), want, rtol=1e-12)  # the weight itself
    np.testing.assert_array_equal(w.detach().numpy()[[1, 3, 4, 5]], table[[1, 3, 4, 5]])
    np.testing.assert_allclose(out.detach().numpy(), want[INDEX], rtol=1e-12)
    assert np.linalg.norm(out.detach().numpy(), ord=norm_type, axis=-1).max() <= 1.0
    assert w._version > version and w.requires_grad and w.grad_fn is None
    out.sum().backward()  # the renormalisation is not part of the graph
    np.testing.assert_array_equal(w.grad.numpy()[:, 0], [2, 0, 3, 0, 1, 0])


def test_max_norm_write_is_seen_by_a_graph_that_saved_the_weight():
    w = mg.tensor(np.full((3, 2), 3.0), requires_grad=True)
    earlier = (w * w).sum()  # saves w for its backward
    F.embedding(mg.tensor([1]), w, max_norm=1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        earlier.backward()


def test_scale_grad_by_freq_divides_by_counts(kernel_mode, rng):
    w = f64(rng.standard_normal((6, 3)))
    g = rng.standard_normal((2, 3, 3))
    F.embedding(mg.tensor(INDEX), w, scale_grad_by_freq=True).backward(mg.tensor(g))
    want = np.zeros((6, 3))
    counts = np.bincount(INDEX.ravel(), minlength=6)
    for (i, j), row in np.ndenumerate(INDEX):
        want[row] += g[i, j] / counts[row]
    np.testing.assert_allclose(w.grad.numpy(), want, rtol=1e-12)
    w.grad = None
    F.embedding(mg.tensor(INDEX), w, padding_idx=2, scale_grad_by_freq=True).backward(
        mg.tensor(g))
    want[2] = 0.0
    np.testing.assert_allclose(w.grad.numpy(), want, rtol=1e-12)


def test_scale_grad_by_freq_is_the_true_gradient_divided_by_counts(rng):
    # scaling is a deliberate change of the gradient, so finite differences check the
    # unscaled gradient, and the scaled one is that divided by each row's count
    w = f64(rng.standard_normal((6, 3)))
    idx = mg.tensor(INDEX)
    assert gradcheck(lambda a: F.embedding(idx, a) ** 2, [w])
    (true,) = mg.autograd.grad((F.embedding(idx, w) ** 2).sum(), [w])
    (scaled,) = mg.autograd.grad((F.embedding(idx, w, scale_grad_by_freq=True) ** 2).sum(), [w])
    counts = np.maximum(np.bincount(INDEX.ravel(), minlength=6), 1)[:, None]
    np.testing.assert_allclose(scaled.numpy(), true.numpy() / counts, rtol=1e-12)
    # under create_graph the same scaled gradient is recorded as a differentiable op
    (recorded,) = mg.autograd.grad((F.embedding(idx, w, scale_grad_by_freq=True) ** 2).sum(),
                                   [w], create_graph=True)
    assert recorded.requires_grad
    np.testing.assert_allclose(recorded.detach().numpy(), scaled.numpy(), rtol=1e-12)


def test_sparse_gradients_keep_working_with_max_norm_and_refuse_freq_scaling(rng):
    table = rng.standard_normal((6, 3)) * 3
    dense = nn.Embedding(6, 3, padding_idx=0, max_norm=1.5, _weight=mg.tensor(table.copy()))
    sparse = nn.Embedding(6, 3, padding_idx=0, max_norm=1.5, sparse=True,
                          _weight=mg.tensor(table.copy()))
    dense(mg.tensor(INDEX)).sum().backward()
    sparse(mg.tensor(INDEX)).sum().backward()
    assert sparse.weight.grad.is_sparse
    np.testing.assert_array_equal(sparse.weight.grad.to_dense().numpy(), dense.weight.grad.numpy())
    np.testing.assert_array_equal(sparse.weight.detach().numpy(), dense.weight.detach().numpy())
    both = nn.Embedding(6, 3, scale_grad_by_freq=True, sparse=True)
    out = both(mg.tensor(INDEX))  # the forward works, as in PyTorch; the backward refuses
    with pytest.raises(RuntimeError, match="scale_grad_by_freq not supported with sparse"):
        out.sum().backward()


def test_module_arguments_order_repr_and_from_pretrained():
    emb = nn.Embedding(5, 3, 1, 1.0, 1.0, True, False)  # PyTorch's positional order
    assert (emb.padding_idx, emb.max_norm, emb.norm_type, emb.scale_grad_by_freq,
            emb.sparse) == (1, 1.0, 1.0, True, False)
    assert repr(emb) == ("Embedding(5, 3, padding_idx=1, max_norm=1.0, norm_type=1.0, "
                         "scale_grad_by_freq=True)")
    table = mg.tensor(np.full((4, 2), 2.0))
    pre = nn.Embedding.from_pretrained(table, max_norm=1.0, scale_grad_by_freq=True)
    np.testing.assert_allclose(pre(mg.tensor([3])).numpy(), [[2 ** -0.5] * 2], rtol=1e-6)
    np.testing.assert_allclose(table.numpy()[3], [2 ** -0.5] * 2, rtol=1e-6)  # shared, renormed
    assert pre.scale_grad_by_freq and not pre.weight.requires_grad
