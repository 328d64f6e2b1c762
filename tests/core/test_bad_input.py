"""Bad input is refused at the boundary, as PyTorch refuses it: sizes, indices, assigned
gradients, and a custom Function's gradient count."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels import scatter

x4 = mg.ones(4)

FLOAT_OR_BOOL_SIZES = {
    "zeros": lambda: mg.zeros(2.5),
    "ones": lambda: mg.ones(2, 2.7),
    "empty": lambda: mg.empty((2, 1.5)),
    "rand": lambda: mg.rand([2.0]),
    "randn_bool": lambda: mg.randn(True),
    "full": lambda: mg.full((2.5,), 1.0),
    "randint": lambda: mg.randint(0, 5, (2.5,)),
    "randint_scalar_size": lambda: mg.randint(0, 5, 2.5),
    "randperm": lambda: mg.randperm(2.5),
    "reshape": lambda: x4.reshape(2.0, 2.0),
    "view": lambda: x4.view(2.5, -1),
    "expand": lambda: x4.expand(2.5, 4),
    "repeat": lambda: x4.repeat(2.5),
    "permute": lambda: mg.ones(2, 2).permute(0.0, 1),
}

NEGATIVE_SIZES = {
    "zeros": lambda: mg.zeros(-1),
    "randn": lambda: mg.randn(2, -3),
    "randperm": lambda: mg.randperm(-1),
    "randint": lambda: mg.randint(0, 5, (-2,)),
    "reshape_two_wildcards": lambda: x4.reshape(-1, -1),
    "reshape_minus_two": lambda: x4.reshape(-2, -2),
    "expand": lambda: x4.expand(-2, 4),
    "repeat": lambda: x4.repeat(-1),
}


@pytest.mark.parametrize("name", sorted(FLOAT_OR_BOOL_SIZES))
def test_a_size_that_is_not_an_int_is_a_type_error(name):
    with pytest.raises(TypeError, match="size must be a tuple of ints"):
        FLOAT_OR_BOOL_SIZES[name]()


@pytest.mark.parametrize("name", sorted(NEGATIVE_SIZES))
def test_a_negative_size_is_a_runtime_error(name):
    with pytest.raises(RuntimeError):
        NEGATIVE_SIZES[name]()


def test_valid_sizes_in_every_spelling():
    assert mg.zeros((2, 3)).shape == (2, 3)
    assert mg.ones([2]).shape == (2,)
    assert mg.zeros(np.int64(3)).shape == (3,)
    assert mg.zeros(mg.tensor(3)).shape == (3,)
    assert x4.reshape(mg.tensor(2), -1).shape == (2, 2)
    assert x4.expand(3, -1).shape == (3, 4)
    assert mg.randint(0, 5, 3).shape == (3,)
    assert sorted(mg.randperm(4).tolist()) == [0, 1, 2, 3]
    assert mg.randperm(0).shape == (0,)


X = mg.arange(12.0).reshape(3, 4)
BAD_INDICES = {
    "index_select_negative": lambda: X.index_select(0, mg.tensor([-1])),
    "index_select_too_big": lambda: X.index_select(1, mg.tensor([4])),
    "index_select_uint64": lambda: X.index_select(0, np.array([2**64 - 1], np.uint64)),
    "gather_negative": lambda: X.gather(1, mg.tensor([[-1], [0], [0]])),
    "gather_too_big": lambda: X.gather(0, mg.tensor([[3, 0, 0, 0]])),
    "gather_uint64": lambda: X.gather(0, np.full((1, 4), 2**64 - 1, np.uint64)),
}


@pytest.mark.parametrize("name", sorted(BAD_INDICES))
def test_gather_and_index_select_refuse_out_of_range_indices(name):
    with pytest.raises(IndexError, match="out of range"):
        BAD_INDICES[name]()


@pytest.mark.parametrize("twin", ["numba", "numpy"])
def test_scatter_add_refuses_a_wrapping_uint64_index(twin):
    huge = np.array([2**64 - 1], np.uint64)
    out = np.zeros((3, 2))
    with pytest.raises(IndexError, match="out of range"):
        getattr(scatter, f"scatter_add_rows_{twin}")(out, huge, np.ones((1, 2)))
    with pytest.raises(IndexError, match="out of range"):
        getattr(scatter, f"scatter_add_flat_{twin}")(out.reshape(-1), huge, np.ones(1))
    assert not out.any()


@pytest.mark.parametrize("value,error,match", [
    (mg.ones(2), RuntimeError, "different size"),
    (mg.ones(3, dtype=mg.int64), RuntimeError, "different type"),
    (mg.ones(3, dtype=mg.float64), RuntimeError, "different type"),
    (np.ones(3, np.float32), TypeError, "Tensor or None"),
])
def test_assigning_a_wrong_grad_is_refused(value, error, match):
    p = mg.ones(3, requires_grad=True)
    with pytest.raises(error, match=match):
        p.grad = value
    assert p.grad is None
    p.grad = mg.zeros(3)
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, 2.0, 2.0])
    p.grad = None
    assert p.grad is None


class TooMany(mg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 2, grad


class TooFew(mg.autograd.Function):
    @staticmethod
    def forward(ctx, x, y):
        return x * y

    @staticmethod
    def backward(ctx, grad):
        return (grad,)


def test_a_custom_function_returning_the_wrong_number_of_gradients_is_refused():
    x = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 2 gradients for 1 inputs"):
        TooMany.apply(x).sum().backward()
    with pytest.raises(RuntimeError, match="returned 1 gradients for 2 inputs"):
        TooFew.apply(x, mg.ones(3, requires_grad=True)).sum().backward()
