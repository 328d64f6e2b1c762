"""Result dtypes follow PyTorch's documented rules (one table: minigrad/_dtypes.py):
real-valued ops on integer or bool tensors give the default float dtype, sum/prod of
integers give int64, binary ops promote by category before size."""

import numpy as np
import pytest

import minigrad as mg

FLOAT_OPS = ["sqrt", "exp", "log", "log1p", "sin", "cos", "tanh", "sigmoid", "erf", "rsqrt"]
INTEGRAL = ["int8", "int16", "int32", "int64", "uint8", "bool"]


def _tensor(dtype):
    return mg.tensor(np.array([1, 2, 1]).astype(dtype))


@pytest.mark.parametrize("op", FLOAT_OPS)
@pytest.mark.parametrize("dtype", INTEGRAL)
def test_real_valued_ops_on_integers_give_the_default_float(op, dtype):
    x = _tensor(dtype)
    out = getattr(x, op)()
    assert out.dtype == mg.float32
    expected = getattr(mg, op)(x.to(mg.float32))
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("op", FLOAT_OPS)
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_real_valued_ops_keep_a_float_dtype(op, dtype):
    assert getattr(_tensor(dtype), op)().dtype == np.dtype(dtype)


@pytest.mark.parametrize("reduction", ["sum", "prod"])
@pytest.mark.parametrize("dtype", INTEGRAL)
def test_integer_reductions_give_int64(reduction, dtype):
    x = mg.tensor(np.array([200, 100, 1]).astype(dtype))
    out = getattr(x, reduction)()
    assert out.dtype == mg.int64
    values = np.array([200, 100, 1]).astype(dtype).astype(np.int64)
    assert out.item() == int(getattr(np, reduction)(values))  # no uint8 wrap-around
    assert getattr(x, reduction)(dim=0).dtype == mg.int64


@pytest.mark.parametrize("a,b,expected", [
    ("int8", "uint8", "int16"),
    ("bool", "int32", "int32"),
    ("int64", "float16", "float16"),
    ("uint8", "float32", "float32"),
    ("float32", "float64", "float64"),
])
def test_binary_promotion(a, b, expected):
    assert (_tensor(a) + _tensor(b)).dtype == np.dtype(expected)


def test_integer_true_division_gives_the_default_float():
    assert (_tensor("int64") / _tensor("int32")).dtype == mg.float32
