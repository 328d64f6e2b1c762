"""MultiheadAttention and CausalSelfAttention against an explicit NumPy computation;
masks (causal, key padding, attn_mask), layouts, weights, gradients."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn

from ._helpers import gradcheck_module, randn64


def softmax(s):
    e = np.exp(s - s.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def reference_mha(mha, q, k, v, mask=None):
    """Batch-first NumPy multi-head attention with mha's parameters; ``mask`` is additive
    and broadcast to (N, H, L, S). Returns (output, per-head weights)."""
    e, h = mha.embed_dim, mha.num_heads
    d = e // h
    w = mha.in_proj_weight.detach().numpy()
    b = np.zeros(3 * e) if mha.in_proj_bias is None else mha.in_proj_bias.detach().numpy()
    proj = [x @ w[i * e:(i + 1) * e].T + b[i * e:(i + 1) * e] for i, x in enumerate((q, k, v))]
    n = q.shape[0]
    qh, kh, vh = (p.reshape(n, -1, h, d).transpose(0, 2, 1, 3) for p in proj)
    scores = qh @ kh.transpose(0, 1, 3, 2) / np.sqrt(d)
    if mask is not None:
        scores = scores + mask
    weights = softmax(scores)
    out = (weights @ vh).transpose(0, 2, 1, 3).reshape(n, -1, e)
    out = out @ mha.out_proj.weight.detach().numpy().T + mha.out_proj.bias.detach().numpy()
    return out, weights


def make(embed_dim=8, heads=2, **kwargs):
    mha = nn.MultiheadAttention(embed_dim, heads, **kwargs).double()
    rng = np.random.default_rng(0)
    with mg.no_grad():
        for p in mha.parameters():
            p.copy_(rng.standard_normal(p.shape) * 0.5)
    return mha


def t64(*shape, seed=1):
    return mg.tensor(np.random.default_rng(seed).standard_normal(shape), dtype=mg.float64)


def test_self_attention_matches_numpy_batch_first():
    mha = make(batch_first=True)
    x = t64(3, 5, 8)
    out, weights = mha(x, x, x)
    ref_out, ref_w = reference_mha(mha, x.detach().numpy(), x.detach().numpy(), x.detach().numpy())
    np.testing.assert_allclose(out.detach().numpy(), ref_out, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(weights.detach().numpy(), ref_w.mean(1), rtol=1e-10, atol=1e-12)
    _, per_head = mha(x, x, x, average_attn_weights=False)
    np.testing.assert_allclose(per_head.detach().numpy(), ref_w, rtol=1e-10, atol=1e-12)


def test_sequence_first_layout_and_cross_attention():
    mha = make()
    q, k, v = t64(4, 2, 8, seed=1), t64(6, 2, 8, seed=2), t64(6, 2, 8, seed=3)
    out, weights = mha(q, k, v)
    assert out.shape == (4, 2, 8) and weights.shape == (2, 4, 6)
    ref_out, _ = reference_mha(mha, *(t.detach().numpy().transpose(1, 0, 2) for t in (q, k, v)))
    np.testing.assert_allclose(out.detach().numpy(), ref_out.transpose(1, 0, 2), rtol=1e-10)
    out_kv, _ = mha(q, k, k)  # key is value: the shared k/v projection path
    ref_kv, _ = reference_mha(mha, *(t.detach().numpy().transpose(1, 0, 2) for t in (q, k, k)))
    np.testing.assert_allclose(out_kv.detach().numpy(), ref_kv.transpose(1, 0, 2), rtol=1e-10)


def test_unbatched_input():
    mha = make()
    x = t64(5, 8)
    out, weights = mha(x, x, x)
    assert out.shape == (5, 8) and weights.shape == (5, 5)
    batched, _ = mha(x.unsqueeze(1), x.unsqueeze(1), x.unsqueeze(1))
    np.testing.assert_allclose(out.detach().numpy(), batched.detach().numpy()[:, 0], rtol=1e-12)


def test_causal_attention_never_looks_ahead():
    mha = make(batch_first=True)
    x = t64(2, 6, 8)
    out, weights = mha(x, x, x, is_causal=True)
    assert not np.triu(weights.detach().numpy()[0], k=1).any()
    future = x.detach().numpy().copy()
    future[:, 4:] += 10.0  # change positions 4 and 5 only
    y = mg.tensor(future)
    out2, _ = mha(y, y, y, is_causal=True)
    np.testing.assert_allclose(out2.detach().numpy()[:, :4], out.detach().numpy()[:, :4],
                               rtol=1e-10)
    assert not np.allclose(out2.detach().numpy()[:, 4:], out.detach().numpy()[:, 4:])
    causal = np.triu(np.ones((6, 6), bool), k=1)
    explicit, _ = mha(x, x, x, attn_mask=mg.tensor(causal))
    np.testing.assert_allclose(explicit.detach().numpy(), out.detach().numpy(), rtol=1e-12)
    fast, none = mha(x, x, x, need_weights=False, is_causal=True)
    assert none is None
    np.testing.assert_allclose(fast.detach().numpy(), out.detach().numpy(), rtol=1e-9, atol=1e-12)


def test_key_padding_mask_masks_keys():
    mha = make(batch_first=True)
    x = t64(2, 5, 8)
    pad = np.zeros((2, 5), bool)
    pad[0, 3:] = True  # sequence 0 has 3 real tokens
    out, weights = mha(x, x, x, key_padding_mask=mg.tensor(pad))
    assert not weights.detach().numpy()[0, :, 3:].any() and weights.detach().numpy()[1, :, 3:].all()
    np.testing.assert_allclose(weights.detach().numpy().sum(-1), 1.0)
    changed = x.detach().numpy().copy()
    changed[0, 3:] = 99.0
    y = mg.tensor(changed)
    out2, _ = mha(y, y, y, key_padding_mask=mg.tensor(pad))
    np.testing.assert_allclose(out2.detach().numpy()[0, :3], out.detach().numpy()[0, :3],
                               rtol=1e-10)
    float_pad = np.where(pad, -np.inf, 0.0)
    out3, _ = mha(x, x, x, key_padding_mask=mg.tensor(float_pad))
    np.testing.assert_allclose(out3.detach().numpy(), out.detach().numpy(), rtol=1e-12)
    fast, _ = mha(x, x, x, key_padding_mask=mg.tensor(pad), need_weights=False,
                  is_causal=True)
    slow, w = mha(x, x, x, key_padding_mask=mg.tensor(pad), is_causal=True)
    np.testing.assert_allclose(fast.detach().numpy(), slow.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert not w.detach().numpy()[0, :, 3:].any() and not np.triu(w.detach().numpy()[1], 1).any()


def test_attn_mask_shapes_and_float_masks():
    mha = make(batch_first=True)
    q, kv = t64(2, 3, 8, seed=4), t64(2, 4, 8, seed=5)
    rng = np.random.default_rng(2)
    float_mask = rng.standard_normal((2 * 2, 3, 4))
    out, per_head = mha(q, kv, kv, attn_mask=mg.tensor(float_mask), average_attn_weights=False)
    qa, kva = q.detach().numpy(), kv.detach().numpy()
    ref_out, ref_w = reference_mha(mha, qa, kva, kva, float_mask.reshape(2, 2, 3, 4))
    np.testing.assert_allclose(out.detach().numpy(), ref_out, rtol=1e-10)
    np.testing.assert_allclose(per_head.detach().numpy(), ref_w, rtol=1e-10)
    with pytest.raises(ValueError, match="attn_mask must have shape"):
        mha(q, kv, kv, attn_mask=mg.zeros(4, 3))
    with pytest.raises(ValueError, match="key_padding_mask must have shape"):
        mha(q, kv, kv, key_padding_mask=mg.zeros(2, 3, dtype=mg.bool))


def test_parameters_state_dict_and_errors():
    mha = nn.MultiheadAttention(8, 2)
    assert list(mha.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight",
                                      "out_proj.bias"]
    assert mha.in_proj_weight.shape == (24, 8)
    assert list(nn.MultiheadAttention(8, 2, bias=False).state_dict()) == [
        "in_proj_weight", "out_proj.weight"]
    with pytest.raises(ValueError, match="divisible by num_heads"):
        nn.MultiheadAttention(8, 3)
    with pytest.raises(ValueError, match="embed_dim=8"):
        mha(mg.zeros(2, 1, 4), mg.zeros(2, 1, 4), mg.zeros(2, 1, 4))
    with pytest.raises(NotImplementedError, match="add_bias_kv"):
        nn.MultiheadAttention(8, 2, add_bias_kv=True)


def test_kdim_vdim_use_three_projections():
    mha = make(batch_first=True, kdim=5, vdim=3)
    assert list(mha.state_dict()) == ["q_proj_weight", "k_proj_weight", "v_proj_weight",
                                      "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert mha.in_proj_weight is None and mha.k_proj_weight.shape == (8, 5)
    q, k, v = t64(2, 4, 8, seed=1), t64(2, 6, 5, seed=2), t64(2, 6, 3, seed=3)
    pad = np.zeros((2, 6), bool)
    pad[0, 4:] = True
    out, weights = mha(q, k, v, key_padding_mask=mg.tensor(pad), average_attn_weights=False)
    b = mha.in_proj_bias.detach().numpy()
    projected = [x.detach().numpy() @ w.detach().numpy().T + b[i * 8:(i + 1) * 8]
                 for i, (x, w) in enumerate(zip((q, k, v), (mha.q_proj_weight,
                                                            mha.k_proj_weight,
                                                            mha.v_proj_weight)))]
    qh, kh, vh = (p.reshape(2, -1, 2, 4).transpose(0, 2, 1, 3) for p in projected)
    scores = qh @ kh.transpose(0, 1, 3, 2) / 2.0 + np.where(pad, -np.inf, 0.0)[:, None, None]
    ref_w = softmax(scores)
    ref = (ref_w @ vh).transpose(0, 2, 1, 3).reshape(2, 4, 8)
    ref = ref @ mha.out_proj.weight.detach().numpy().T + mha.out_proj.bias.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), ref, rtol=1e-10)
    np.testing.assert_allclose(weights.detach().numpy(), ref_w, rtol=1e-10, atol=1e-15)
    small = make(embed_dim=4, heads=2, batch_first=True, kdim=3, vdim=2)
    assert gradcheck_module(small, randn64(1, 2, 4), randn64(1, 3, 3, seed=1),
                            randn64(1, 3, 2, seed=2), call=lambda m, a, c, d: m(a, c, d)[0])
    with pytest.raises(ValueError, match="kdim=5, vdim=3"):
        mha(q, q, v)


def test_attention_dropout_only_while_training():
    mha = make(batch_first=True, dropout=0.5)
    x = t64(2, 4, 8)
    mha.eval()
    a, _ = mha(x, x, x)
    b, _ = mha(x, x, x)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    mha.train()
    c, _ = mha(x, x, x)
    assert not np.allclose(a.detach().numpy(), c.detach().numpy())


def test_mha_gradients_wrt_input_and_parameters():
    mha = make(embed_dim=4, heads=2, batch_first=True)
    x = randn64(2, 3, 4)
    assert gradcheck_module(mha, x, call=lambda m, t: m(t, t, t)[0])
    assert gradcheck_module(mha, x, call=lambda m, t: m(t, t, t, is_causal=True)[1])
    q, kv = randn64(1, 2, 4, seed=1), randn64(1, 3, 4, seed=2)
    mask = mg.tensor(np.array([[False, False, True]]))
    assert mg.autograd.gradcheck(
        lambda a, b: mha(a, b, b, key_padding_mask=mask, need_weights=False)[0], [q, kv])


# ----------------------------------------------------------- CausalSelfAttention
def test_causal_self_attention_matches_mha_with_the_same_weights():
    attn = nn.CausalSelfAttention(8, 2).double()
    mha = nn.MultiheadAttention(8, 2, batch_first=True).double()
    with mg.no_grad():
        mha.in_proj_weight.copy_(attn.c_attn.weight)
        mha.in_proj_bias.copy_(attn.c_attn.bias)
        mha.out_proj.weight.copy_(attn.c_proj.weight)
        mha.out_proj.bias.copy_(attn.c_proj.bias)
    x = t64(2, 5, 8)
    expected, _ = mha(x, x, x, is_causal=True)
    np.testing.assert_allclose(attn(x).detach().numpy(), expected.detach().numpy(),
                               rtol=1e-9, atol=1e-12)
    mask = np.triu(np.full((5, 5), -np.inf), 1)
    ref, _ = reference_mha(mha, x.detach().numpy(), x.detach().numpy(), x.detach().numpy(), mask)
    np.testing.assert_allclose(attn(x).detach().numpy(), ref, rtol=1e-9, atol=1e-12)
    assert [n for n, _ in attn.named_parameters()] == [
        "c_attn.weight",
        "c_attn.bias",
        "c_proj.weight",
        "c_proj.bias",
    ]


def test_causal_self_attention_gradients_and_errors():
    attn = nn.CausalSelfAttention(4, 2)
    assert gradcheck_module(attn, randn64(2, 3, 4))
    with pytest.raises(ValueError, match="expected input"):
        attn(mg.zeros(3, 4))
    with pytest.raises(ValueError, match="divisible"):
        nn.CausalSelfAttention(6, 4)
