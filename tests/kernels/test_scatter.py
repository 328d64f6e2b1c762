"""scatter_add_rows / scatter_add_flat against np.add.at and hand-computed sums."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad.kernels as K
from minigrad.kernels import scatter

from .conftest import DTYPES, layouts, tol


def test_rows_hand_computed(mode):
    out = np.zeros((3, 2))
    K.scatter_add_rows(out, np.array([2, 0, 2, -1]), np.array([[1.0, 2], [3, 4], [5, 6], [7, 8]]))
    np.testing.assert_array_equal(out, [[3, 4], [0, 0], [13, 16]])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("layout", ["contiguous", "transposed", "strided", "readonly"])
def test_rows_match_twin(dtype, layout, rng):
    table = rng.standard_normal((50, 7)).astype(dtype)
    index = rng.integers(-50, 50, size=200)  # many repeats, negative indices too
    src = layouts(rng.standard_normal((200, 7)).astype(dtype))[layout]
    expected, got = table.copy(), table.copy()
    scatter.scatter_add_rows_numpy(expected, index, src)
    scatter.scatter_add_rows_numba(got, index, src)
    np.testing.assert_allclose(got, expected, **tol(dtype))


def test_rows_into_non_contiguous_out(mode, rng):
    base = np.zeros((6, 4))
    out = base[:, ::2]  # strided view: results must land in `base`
    K.scatter_add_rows(out, np.array([1, 1]), np.ones((2, 2)))
    np.testing.assert_array_equal(base[1], [2, 0, 2, 0])


def test_rows_multi_dim_index_and_broadcast_src(mode):
    out = np.zeros((4, 3), np.float32)
    K.scatter_add_rows(out, np.array([[0, 1], [1, 3]]), np.float32(2.0))
    np.testing.assert_array_equal(out[:, 0], [2, 4, 0, 2])


def test_rows_empty_and_single(mode):
    out = np.zeros((2, 3))
    K.scatter_add_rows(out, np.array([], dtype=np.int64), np.zeros((0, 3)))
    assert not out.any()
    K.scatter_add_rows(out, np.array([1]), np.ones((1, 3)))
    np.testing.assert_array_equal(out, [[0, 0, 0], [1, 1, 1]])


def test_rows_out_of_range_names_index_and_size(mode):
    out = np.zeros((5, 2))
    with pytest.raises(IndexError, match=r"index 5 .* size 5"):
        K.scatter_add_rows(out, np.array([0, 5]), np.ones((2, 2)))
    with pytest.raises(IndexError, match=r"index -6"):
        K.scatter_add_rows(out, np.array([-6]), np.ones((1, 2)))
    assert not out.any()


def test_rows_bad_input(mode):
    with pytest.raises(TypeError, match="integers"):
        K.scatter_add_rows(np.zeros((2, 2)), np.array([0.5]), np.ones((1, 2)))
    with pytest.raises(ValueError, match="does not match"):
        K.scatter_add_rows(np.zeros((2, 2)), np.array([0, 1]), np.ones((3, 2)))
    with pytest.raises(ValueError, match="writable"):
        K.scatter_add_rows(np.broadcast_to(np.zeros(2), (2, 2)), np.array([0]), np.ones((1, 2)))
    with pytest.raises(TypeError, match="float32 or float64"):
        K.scatter_add_rows(np.zeros((2, 2), np.int64), np.array([0]), np.ones((1, 2)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_flat_matches_twin(dtype, rng):
    out = rng.standard_normal(40).astype(dtype)
    index = rng.integers(0, 40, size=500)
    src = rng.standard_normal(500).astype(dtype)
    expected, got = out.copy(), out.copy()
    scatter.scatter_add_flat_numpy(expected, index, src)
    scatter.scatter_add_flat_numba(got, index, src)
    np.testing.assert_allclose(got, expected, **tol(dtype))


def test_flat_hand_computed_and_errors(mode):
    out = np.zeros(4, np.float32)
    K.scatter_add_flat(out, np.array([3, 3, 0]), np.array([1.0, 2.0, 4.0], np.float32))
    np.testing.assert_array_equal(out, [4, 0, 0, 3])
    with pytest.raises(IndexError, match=r"index 4 .* size 4"):
        K.scatter_add_flat(out, np.array([4]), np.array([1.0]))
    with pytest.raises(ValueError, match="1-D"):
        K.scatter_add_flat(np.zeros((2, 2)), np.array([0]), np.array([1.0]))
