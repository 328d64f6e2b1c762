"""median, kthvalue, mode, quantile and the combining ops: PyTorch's rules beyond what the
op registry's gradient checks cover (ties, lower median, shapes, errors)."""

import numpy as np
import pytest

import minigrad as mg


def test_median_is_the_lower_middle_value_and_gives_indices_along_dim():
    assert mg.median(mg.tensor([4.0, 1.0, 3.0, 2.0])).item() == 2.0  # numpy would say 2.5
    x = mg.tensor([[1.0, 9.0, 5.0, 0.0], [7.0, 0.0, 2.0, 8.0]])
    values, indices = x.median(dim=1, keepdim=True)
    assert values.tolist() == [[1.0], [2.0]] and indices.tolist() == [[0], [2]]
    assert x.median(axis=0).values.shape == (4,)


def test_median_gradient_goes_to_the_chosen_element_only():
    x = mg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    mg.median(x).backward()
    assert x.grad.tolist() == [0.0, 0.0, 1.0]


def test_kthvalue_counts_from_one_and_refuses_k_out_of_range():
    x = mg.tensor([[5.0, 1.0, 4.0], [2.0, 8.0, 3.0]])
    values, indices = mg.kthvalue(x, 3, dim=1)
    assert values.tolist() == [5.0, 8.0] and indices.tolist() == [0, 1]
    with pytest.raises(IndexError, match="k out of range"):
        x.kthvalue(4)
    with pytest.raises(IndexError, match="k out of range"):
        x.kthvalue(0)


def test_mode_prefers_the_smallest_of_equally_frequent_values():
    values, indices = mg.mode(mg.tensor([[2, 1, 2, 1, 5], [7, 7, 3, 3, 3]]), dim=1)
    assert values.tolist() == [1, 3] and indices.tolist() == [3, 4]


def test_quantile_matches_numpy_methods_and_shapes():
    a = np.random.default_rng(0).normal(size=(3, 4, 5))
    q = mg.tensor([0.0, 0.3, 1.0], dtype=mg.float64)
    for method in ("linear", "lower", "higher", "midpoint", "nearest"):
        out = mg.quantile(mg.tensor(a), q, dim=1, keepdim=True, interpolation=method)
        ref = np.quantile(a, [0.0, 0.3, 1.0], axis=1, keepdims=True, method=method)
        assert out.shape == (3, 3, 1, 5)
        np.testing.assert_allclose(out.numpy(), ref, rtol=1e-12)
    assert mg.tensor(a).quantile(0.5, keepdim=True).shape == (1, 1, 1)


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((mg.tensor([1, 2]), 0.5), {}, RuntimeError, "float or double"),
    ((mg.tensor([1.0, 2.0]), 1.5), {}, RuntimeError, r"range \[0, 1\]"),
    ((mg.tensor([1.0, 2.0]), mg.tensor([0.5], dtype=mg.float64)), {}, RuntimeError,
     "same dtype"),
    ((mg.tensor([1.0, 2.0]), 0.5), {"interpolation": "cubic"}, ValueError, "interpolation"),
])
def test_quantile_refuses_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        mg.quantile(*args, **kwargs)


def test_take_along_dim_broadcasts_and_flattens_without_dim():
    x = mg.tensor([[10.0, 30.0, 20.0], [5.0, 4.0, 6.0]])
    idx = mg.tensor([[2], [0]])
    assert mg.take_along_dim(x, idx, dim=1).tolist() == [[20.0], [5.0]]
    assert x.take_along_dim(mg.tensor([[0, 1]]), dim=1).tolist() == [[10.0, 30.0],
                                                                      [5.0, 4.0]]
    assert mg.take_along_dim(x, mg.tensor([5, 0])).tolist() == [6.0, 10.0]
    with pytest.raises(RuntimeError, match="Long"):
        mg.take_along_dim(x, mg.tensor([[0.0]]), dim=1)


def test_column_stack_and_cartesian_prod():
    out = mg.column_stack([mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])])
    assert out.tolist() == [[1.0, 3.0], [2.0, 4.0]]
    grid = mg.cartesian_prod(mg.tensor([1, 2]), mg.tensor([3]), mg.tensor([4, 5]))
    assert grid.tolist() == [[1, 3, 4], [1, 3, 5], [2, 3, 4], [2, 3, 5]]
    with pytest.raises(RuntimeError, match="1D"):
        mg.cartesian_prod(mg.ones(2, 2), mg.ones(2))


def test_baddbmm_with_beta_zero_ignores_nan_in_input():
    out = mg.baddbmm(mg.full((1, 2, 2), float("nan")), mg.ones(1, 2, 3), mg.ones(1, 3, 2),
                     beta=0)
    assert out.tolist() == [[[3.0, 3.0], [3.0, 3.0]]]


def test_cdist_values_and_zero_distance_gradient_is_zero_not_nan():
    x = mg.tensor([[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    d = mg.cdist(x, x)
    np.testing.assert_allclose(d.detach().numpy(), [[0.0, 5.0], [5.0, 0.0]])
    d.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_allclose(x.grad.numpy(), [[-1.2, -1.6], [1.2, 1.6]])
    assert mg.cdist(x, x, p=0).tolist() == [[0.0, 2.0], [2.0, 0.0]]
    with pytest.raises(RuntimeError, match="same last size"):
        mg.cdist(mg.ones(2, 3), mg.ones(2, 4))
