"""nn.utils (gradient clipping, parameter vectors) and nn.regularization."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.nn.regularization import l1_penalty, l2_penalty
from minigrad.nn.utils import (
    clip_grad_norm_,
    clip_grad_value_,
    parameters_to_vector,
    vector_to_parameters,
)


def with_grad(values, dtype=np.float32):
    p = nn.Parameter(mg.zeros(*np.shape(values), dtype=dtype))
    p.grad = mg.tensor(np.asarray(values, dtype=dtype))
    return p


def test_clip_grad_norm_hand_example():
    p = with_grad([3.0, 4.0])
    total = clip_grad_norm_([p], max_norm=1.0)
    assert isinstance(total, mg.Tensor) and total.item() == pytest.approx(5.0)
    scale = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(p.grad.numpy(), [3 * scale, 4 * scale], rtol=1e-6)


def test_clip_grad_norm_joins_all_grads_and_skips_missing_ones():
    a, b = with_grad([[1.0, 2.0]]), with_grad([2.0])
    no_grad = nn.Parameter(mg.zeros(3))
    total = clip_grad_norm_([a, no_grad, b], max_norm=6.0)  # norm 3 < 6: unchanged
    assert total.item() == pytest.approx(3.0)
    np.testing.assert_array_equal(a.grad.numpy(), [[1.0, 2.0]])
    clip_grad_norm_(iter([a, b]), max_norm=1.5)
    np.testing.assert_allclose(a.grad.numpy(), [[0.5, 1.0]], rtol=1e-5)
    np.testing.assert_allclose(b.grad.numpy(), [1.0], rtol=1e-5)


def test_clip_grad_norm_other_norms_and_a_single_tensor():
    p = with_grad([3.0, -4.0], dtype=np.float64)
    assert clip_grad_norm_(p, 10.0, norm_type=1).item() == pytest.approx(7.0)
    assert clip_grad_norm_(p, 10.0, norm_type=math.inf).item() == pytest.approx(4.0)
    assert clip_grad_norm_(p, 10.0, norm_type=3).item() == pytest.approx((27 + 64) ** (1 / 3))
    total = clip_grad_norm_(p, 2.0, norm_type=math.inf)
    assert total.dtype == np.float64
    np.testing.assert_allclose(p.grad.numpy(), [1.5, -2.0], rtol=1e-6)
    assert clip_grad_norm_([], 1.0).item() == 0.0


def test_clip_grad_norm_nonfinite():
    p = with_grad([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isinf(clip_grad_norm_([p], 1.0).item())


def test_clip_grad_norm_on_a_model():
    model = nn.Linear(3, 2)
    model(mg.ones(4, 3) * 10).sum().backward()
    before = math.sqrt(sum(float((p.grad.numpy()**2).sum()) for p in model.parameters()))
    total = clip_grad_norm_(model.parameters(), 0.5)
    assert total.item() == pytest.approx(before, rel=1e-5)
    after = math.sqrt(sum(float((p.grad.numpy()**2).sum()) for p in model.parameters()))
    assert after == pytest.approx(0.5, rel=1e-4)


def test_clip_grad_value():
    p = with_grad([-3.0, 0.5, 2.0])
    clip_grad_value_([p], 1.0)
    np.testing.assert_array_equal(p.grad.numpy(), [-1.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="clip_value"):
        clip_grad_value_([p], -1.0)


def test_parameters_vector_round_trip():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    vec = parameters_to_vector(model.parameters())
    assert vec.shape == (13,)
    expected = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    np.testing.assert_array_equal(vec.detach().numpy(), expected)
    (vec * mg.arange(13.0)).sum().backward()  # differentiable
    np.testing.assert_array_equal(model[0].weight.grad.numpy().ravel(), np.arange(6.0))
    params = list(model.parameters())
    vector_to_parameters(mg.arange(13.0), model.parameters())
    assert list(model.parameters()) == params
    np.testing.assert_array_equal(model[1].bias.detach().numpy(), [12.0])
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), np.arange(6.0).reshape(3, 2))
    with pytest.raises(ValueError, match="hold 13 elements"):
        vector_to_parameters(mg.zeros(12), model.parameters())
    with pytest.raises(TypeError, match="Tensor"):
        vector_to_parameters(np.zeros(13), model.parameters())


def test_penalties_values_and_gradients():
    w = nn.Parameter(mg.tensor([[1.0, -2.0]]))
    b = nn.Parameter(mg.tensor([3.0]))
    l1 = l1_penalty([w, b])
    l2 = l2_penalty([w, b])
    assert l1.item() == 6.0 and l2.item() == 14.0
    (l1 + l2).backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[1 + 2, -1 - 4]])
    np.testing.assert_array_equal(b.grad.numpy(), [1 + 6])
    model = nn.Linear(2, 2)
    expected = sum(float((p.detach().numpy()**2).sum()) for p in model.parameters())
    assert l2_penalty(model.parameters()).item() == pytest.approx(expected, rel=1e-6)
    assert l1_penalty([]).item() == 0.0
    with pytest.raises(TypeError, match="expected Tensors"):
        l2_penalty([1.0])
