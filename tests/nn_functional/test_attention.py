"""scaled_dot_product_attention against explicit matmuls, masks, causality, gradients."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad.autograd import gradcheck

from .helpers import check_second_order, f64


def attention_ref(q, k, v, bias=None, scale=None):
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ np.swapaxes(k, -1, -2) * scale
    if bias is not None:
        scores = scores + bias
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)) @ v


@pytest.fixture
def qkv(rng):
    return (rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 5)),
            rng.standard_normal((2, 3, 6, 2)))


def test_plain_and_scaled(kernel_mode, qkv):
    q, k, v = qkv
    out = F.scaled_dot_product_attention(mg.tensor(q), mg.tensor(k), mg.tensor(v))
    assert out.shape == (2, 3, 4, 2)
    np.testing.assert_allclose(out.detach().numpy(), attention_ref(q, k, v), rtol=1e-10)
    out = F.scaled_dot_product_attention(mg.tensor(q), mg.tensor(k), mg.tensor(v), scale=0.7)
    np.testing.assert_allclose(out.detach().numpy(), attention_ref(q, k, v, scale=0.7), rtol=1e-10)


def test_bool_and_float_masks(kernel_mode, rng, qkv):
    q, k, v = qkv
    allowed = rng.random((4, 6)) < 0.6
    allowed[:, 0] = True  # every query sees at least one key
    out = F.scaled_dot_product_attention(mg.tensor(q), mg.tensor(k), mg.tensor(v),
                                         attn_mask=mg.tensor(allowed))
    bias = np.where(allowed, 0.0, -np.inf)
    np.testing.assert_allclose(out.detach().numpy(), attention_ref(q, k, v, bias), rtol=1e-10)
    float_mask = rng.standard_normal((3, 4, 6))
    out = F.scaled_dot_product_attention(mg.tensor(q), mg.tensor(k), mg.tensor(v),
                                         attn_mask=mg.tensor(float_mask))
    np.testing.assert_allclose(out.detach().numpy(), attention_ref(q, k, v, float_mask), rtol=1e-10)


def test_fully_masked_rows_give_zeros_and_finite_gradients(kernel_mode, rng):
    q, k, v = (f64(rng.standard_normal((3, 4))) for _ in range(3))
    allowed = np.array([[True, False, True], [False, False, False], [True, True, True]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mg.tensor(allowed))
    np.testing.assert_array_equal(out.detach().numpy()[1], 0.0)  # row 1 attends to nothing
    bias = np.where(allowed, 0.0, -np.inf)
    want = attention_ref(
        q.detach().numpy()[[0, 2]], k.detach().numpy(), v.detach().numpy(), bias[[0, 2]]
    )
    np.testing.assert_allclose(out.detach().numpy()[[0, 2]], want, rtol=1e-12)
    assert gradcheck(
        lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=mg.tensor(allowed)),
        [q, k, v],
    )


def test_causal_matches_explicit_mask(kernel_mode, qkv):
    q, k, v = qkv
    # query i sees keys 0..i (aligned at the top left, as in PyTorch, also when L != S)
    bias = np.where(np.tril(np.ones((4, 6), dtype=bool)), 0.0, -np.inf)
    out = F.scaled_dot_product_attention(mg.tensor(q), mg.tensor(k), mg.tensor(v), is_causal=True)
    np.testing.assert_allclose(out.detach().numpy(), attention_ref(q, k, v, bias), rtol=1e-10)


def test_causal_never_looks_ahead(kernel_mode, rng):
    q, k, v = (rng.standard_normal((2, 7, 4)) for _ in range(3))
    base = (
        F.scaled_dot_product_attention(mg.tensor(q), mg.tensor(k), mg.tensor(v), is_causal=True)
        .detach()
        .numpy()
    )
    for t in range(7):
        k2, v2 = k.copy(), v.copy()
        k2[:, t:] += rng.standard_normal(k2[:, t:].shape) * 10
        v2[:, t:] += rng.standard_normal(v2[:, t:].shape) * 10
        out = (
            F.scaled_dot_product_attention(
                mg.tensor(q), mg.tensor(k2), mg.tensor(v2), is_causal=True
            )
            .detach()
            .numpy()
        )
        np.testing.assert_array_equal(out[:, :t], base[:, :t])  # rows before t: untouched
        assert not np.allclose(out[:, t:], base[:, t:])


@pytest.mark.parametrize("causal", [False, True])
def test_gradcheck_and_second_order(rng, causal):
    q, k, v = (
        f64(rng.standard_normal((2, 3, 4))),
        f64(rng.standard_normal((2, 3, 4))),
        f64(rng.standard_normal((2, 3, 2))),
    )

    def fn(a, b, c):
        return F.scaled_dot_product_attention(a, b, c, is_causal=causal)

    assert gradcheck(fn, [q, k, v])
    assert check_second_order(fn, [q, k, v])


@pytest.mark.parametrize("lengths", [(3, 5), (5, 3)])
def test_causal_takes_the_fused_softmax_and_its_gradients_check(rng, lengths):
    L, S = lengths
    q, k, v = f64(rng.standard_normal((2, L, 4))), f64(rng.standard_normal((2, S, 4))), \
        f64(rng.standard_normal((2, S, 3)))

    def fn(a, b, c):
        return F.scaled_dot_product_attention(a, b, c, is_causal=True, scale=0.6)

    weights_op = fn(q, k, v).grad_fn.next_functions[0][0]  # weights @ v: weights come first
    assert type(weights_op).__name__ == "CausalSoftmaxBackward"
    assert gradcheck(fn, [q, k, v])
    assert check_second_order(fn, [q, k, v])


def test_gradcheck_float_mask(rng):
    q, k, v = (f64(rng.standard_normal((3, 2))) for _ in range(3))
    mask = f64(rng.standard_normal((3, 3)))
    assert gradcheck(lambda a, m: F.scaled_dot_product_attention(a, k, v, attn_mask=m), [q, mask])


def test_dropout_is_reproducible_and_full_dropout_zeroes(rng):
    q, k, v = (mg.tensor(rng.standard_normal((4, 3))) for _ in range(3))
    mg.manual_seed(7)
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    mg.manual_seed(7)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert not np.allclose(
        a.detach().numpy(), F.scaled_dot_product_attention(q, k, v).detach().numpy()
    )
    np.testing.assert_array_equal(
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.0).detach().numpy(), 0
    )


def test_grouped_query_attention(rng):
    q = rng.standard_normal((2, 6, 3, 4))
    k, v = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((2, 2, 5, 3))
    out = F.scaled_dot_product_attention(mg.tensor(q), mg.tensor(k), mg.tensor(v), enable_gqa=True)
    # query heads 0-2 use key/value head 0, heads 3-5 head 1
    want = attention_ref(q, np.repeat(k, 3, axis=1), np.repeat(v, 3, axis=1))
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-10)
    assert gradcheck(
        lambda a, b, c: F.scaled_dot_product_attention(a, b, c, enable_gqa=True),
        [f64(q[:1, :4]), f64(k[:1]), f64(v[:1])],
    )
    with pytest.raises(ValueError, match="multiple of the key/value heads"):
        F.scaled_dot_product_attention(
            mg.tensor(q[:, :5]), mg.tensor(k), mg.tensor(v), enable_gqa=True
        )


def test_bad_input():
    q = mg.randn(2, 4, 5)
    with pytest.raises(ValueError, match="pass attn_mask or is_causal, not both"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mg.ones(4, 4), is_causal=True)
    with pytest.raises(ValueError, match="share E"):
        F.scaled_dot_product_attention(q, mg.randn(2, 4, 3), q)
    with pytest.raises(ValueError, match="share S"):
        F.scaled_dot_product_attention(q, q, mg.randn(2, 3, 5))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 4\) does not broadcast"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=mg.ones(3, 4))
    with pytest.raises(ValueError, match="dropout_p"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=2.0)
