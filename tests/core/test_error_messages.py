"""Errors say what went wrong, and edge cases PyTorch supports work: empty batches in
conv2d, float16 embeddings and indexing, a second apply_lora, matmul and amin messages."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.finetune import LoRAConfig, apply_lora


@pytest.mark.parametrize("groups,bias", [(1, True), (1, False), (3, True)])
def test_conv2d_on_an_empty_batch_gives_zero_gradients(groups, bias):
    x = mg.randn(0, 3, 5, 5, requires_grad=True)
    w = mg.randn(6, 3 // groups, 3, 3, requires_grad=True)
    b = mg.randn(6, requires_grad=True) if bias else None
    out = F.conv2d(x, w, b, padding=1, groups=groups)
    assert out.shape == (0, 6, 5, 5)
    out.sum().backward()
    assert x.grad.shape == x.shape
    np.testing.assert_array_equal(w.grad.numpy(), np.zeros(w.shape, np.float32))
    if bias:
        np.testing.assert_array_equal(b.grad.numpy(), np.zeros(6, np.float32))


def _float16_rows(lookup):
    base = np.random.default_rng(0).normal(size=(5, 3))
    idx = mg.tensor([1, 1, 3, 1, 0])
    upstream = np.random.default_rng(1).normal(size=(5, 3))
    grads = {}
    for dtype in (mg.float16, mg.float32):
        w = mg.tensor(base.astype(dtype), requires_grad=True)
        (lookup(idx, w) * mg.tensor(upstream.astype(dtype))).sum().backward()
        assert w.grad.dtype == dtype
        grads[dtype] = w.grad.numpy().astype(np.float64)
    np.testing.assert_allclose(grads[mg.float16], grads[mg.float32], rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("lookup", [
    lambda idx, w: F.embedding(idx, w),
    lambda idx, w: F.embedding(idx, w, padding_idx=0),
    lambda idx, w: w[idx],
    lambda idx, w: w.index_select(0, idx),
], ids=["embedding", "embedding_padding", "getitem", "index_select"])
def test_float16_row_lookups_backpropagate(lookup):
    _float16_rows(lookup)


def test_apply_lora_twice_says_already_wrapped():
    model = nn.Sequential(nn.Linear(4, 4))
    apply_lora(model, LoRAConfig(r=2, target_modules=["0"]))
    with pytest.raises(ValueError, match="already wrapped in LoRA"):
        apply_lora(model, LoRAConfig(r=2, target_modules=["0"]))


def test_matmul_shape_error_names_shapes_and_dtypes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(2, 3\) float32 and \(4, 5\) "
                                         r"float32 don't line up"):
        mg.randn(2, 3) @ mg.randn(4, 5)
    with pytest.raises(ValueError, match=r"don't line up.*given dtypes: "
                                         r"minigrad.float32, minigrad.float64"):
        mg.randn(2, 3) @ mg.randn(4, 5, dtype=mg.float64)


@pytest.mark.parametrize("op", ["amin", "amax", "sum", "mean"])
def test_reduction_errors_name_their_own_op(op):
    with pytest.raises(IndexError, match=f"^{op}: dim 5"):
        getattr(mg.randn(2, 3), op)(dim=5)
