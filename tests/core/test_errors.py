"""Bad input is refused at the op that received it, with a message naming the op,
the shapes and the dtypes."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: mg.ones(2, 3) @ mg.ones(4, 5), ValueError, ["matmul", "(2, 3)", "(4, 5)"]),
        (lambda: mg.ones(3) @ mg.ones(4), ValueError, ["matmul", "(3,)", "(4,)"]),
        (lambda: mg.matmul(mg.ones(()), mg.ones(3)), ValueError, ["matmul", "()"]),
        (lambda: mg.ones(2, 3, 4) @ mg.ones(5, 4, 2), ValueError, ["matmul", "(2, 3, 4)"]),
        (lambda: mg.ones(2, 3) + mg.ones(4), ValueError, ["add", "(2, 3)", "(4,)"]),
        (lambda: mg.ones(2, 3) * mg.ones(2), ValueError, ["mul", "(2, 3)", "(2,)"]),
        (lambda: mg.ones(2, 3) < mg.ones(4), ValueError, ["lt", "(2, 3)", "(4,)"]),
        (lambda: mg.ones(2, 3).reshape(4, 2), ValueError, ["reshape", "(4, 2)", "(2, 3)"]),
        (lambda: mg.ones(2, 3).sum(dim=2), IndexError, ["sum", "dim 2"]),
        (lambda: mg.ones(2, 3).permute(0, 0), ValueError, ["permute"]),
        (lambda: mg.cat([mg.ones(2, 3), mg.ones(2, 4)]), ValueError, ["cat", "(2, 4)"]),
        (lambda: mg.stack([mg.ones(2), mg.ones(3)]), ValueError, ["stack", "(2,)", "(3,)"]),
        (lambda: mg.ones(3)[5], IndexError, ["index", "5", "size 3"]),
        (lambda: mg.ones(3)[mg.tensor([0, 7])], IndexError, ["index", "7"]),
        (lambda: mg.ones(3)[mg.tensor([0.5])], IndexError, ["float"]),
        (lambda: mg.ones(2, 3).expand(4, 4), ValueError, ["expand", "(2, 3)", "(4, 4)"]),
        (lambda: mg.tensor([1, 2], requires_grad=True), RuntimeError, ["floating", "int64"]),
        (lambda: mg.tensor(["a", "b"]), TypeError, ["tensor"]),
        (lambda: mg.tensor([1 + 2j]), TypeError, ["complex"]),
        (lambda: mg.tensor(np.array([object()])), TypeError, ["object"]),
        (lambda: mg.zeros(2, dtype="complex64"), TypeError, ["complex64", "not supported"]),
        (lambda: mg.ones(2).mean(dim=0) if False else mg.arange(3).mean(), TypeError,
         ["mean", "int64"]),
        (lambda: mg.gelu(mg.ones(2), approximate="fast"), ValueError, ["gelu", "fast"]),
        (lambda: mg.pad(mg.ones(2), (1, 1, 1, 1)), ValueError, ["pad", "(2,)"]),
        (lambda: mg.ones(4).split([1, 2]), ValueError, ["split", "[1, 2]"]),
        (lambda: mg.ones(2, 2).tril() if False else mg.tril(mg.ones(3)), ValueError,
         ["tril", "(3,)"]),
        (lambda: mg.ones(3).gather(0, mg.tensor([[0]])), ValueError, ["gather"]),
        (lambda: mg.ones(3).masked_fill(mg.tensor([1, 0, 1]), 0.0), TypeError,
         ["masked_fill", "bool"]),
        (lambda: mg.ones(2, 3).item(), ValueError, ["item", "(2, 3)"]),
    ],
)
def test_bad_input_is_refused_clearly(call, error, words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_backward_on_non_scalar_needs_gradient():
    x = mg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(2, 3\)"):
        (x * 2).backward()


def test_backward_gradient_of_wrong_shape():
    x = mg.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"gradient has shape \(3,\).*\(2, 3\)"):
        (x * 2).backward(mg.ones(3))


def test_backward_on_tensor_without_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.ones(2).sum().backward()


def test_nan_and_inf_propagate_like_numpy():
    x = mg.tensor([0.0, -1.0, np.inf, np.nan], requires_grad=True)
    with np.errstate(all="ignore"):
        y = x.log()
        np.testing.assert_array_equal(y.data, np.log(x.data))
        y.sum().backward()
    assert np.isinf(x.grad.data[0]) and x.grad.data[1] == -1.0
    assert x.grad.data[2] == 0.0 and np.isnan(x.grad.data[3])


def test_in_place_on_leaf_that_requires_grad_is_refused():
    w = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="add_.*leaf tensor that requires grad"):
        w.add_(1.0)
    with mg.no_grad():
        w.add_(1.0)
    np.testing.assert_array_equal(w.data, [2.0, 2.0, 2.0])


def test_in_place_on_saved_tensor_is_detected_at_backward():
    w = mg.ones(3, requires_grad=True)
    x = mg.tensor([1.0, 2.0, 3.0])
    y = (w * x).sum()
    x.mul_(10)  # x is saved by the product: its gradient w.r.t. w would be wrong
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_in_place_on_parameter_after_forward_is_detected():
    w = mg.ones(3, requires_grad=True)
    y = (w * w).sum()
    with mg.no_grad():
        w.sub_(0.1)  # an optimizer step before backward
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
