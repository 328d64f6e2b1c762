"""The core's wiring: the explicit backward mode, ops attached as methods, the engine's
buffer policy, the import order, index bounds and ``out=``."""

import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd.engine import GradientSums, LeafGradients
from minigrad.autograd.function import Function  # the base built-in ops use (arrays)
from minigrad.ops import xp as graph_xp


class Cube(Function):
    seen: list = []

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        Cube.seen.append((ctx.xp, ctx.create_graph, type(x), type(grad)))
        return grad * 3 * ctx.xp.exp(ctx.xp.log(x * x))  # d x^3/dx = 3 x^2, the long way


def test_backward_mode_is_numpy_on_arrays_and_minigrad_under_create_graph():
    Cube.seen = []
    x = mg.tensor([1.5, 2.0], dtype=mg.float64, requires_grad=True)
    Cube.apply(x).sum().backward()
    assert Cube.seen[-1] == (np, False, np.ndarray, np.ndarray)
    (g,) = mg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert Cube.seen[-1] == (graph_xp, True, mg.Tensor, mg.Tensor)
    (h,) = mg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * np.array([1.5, 2.0]))


def test_a_retained_graph_goes_back_to_arrays_after_a_create_graph_backward():
    Cube.seen = []
    x = mg.tensor([2.0], dtype=mg.float64, requires_grad=True)
    y = Cube.apply(x).sum()
    mg.autograd.grad(y, x, create_graph=True)
    y.backward()
    assert Cube.seen[-1][:2] == (np, False)
    np.testing.assert_allclose(x.grad.numpy(), [12.0])


def test_every_op_method_is_the_op_function_itself():
    assert mg.Tensor.exp is mg.exp and mg.Tensor.sum is mg.sum
    assert mg.Tensor.view is mg.Tensor.reshape is mg.reshape
    assert mg.Tensor.add is mg.add and mg.Tensor.__matmul__ is mg.matmul
    # the operators take a shortcut only when nothing needs converting
    ints, floats = mg.tensor([1, 2]), mg.tensor([0.5, 0.25], dtype=mg.float64)
    assert (ints + floats).dtype == mg.add(ints, floats).dtype == mg.float64
    assert (ints * 1.5).tolist() == mg.mul(ints, 1.5).tolist() == [1.5, 3.0]
    assert (2 ** floats).tolist() == mg.pow(2, floats).tolist()
    x = mg.arange(6.0).reshape(2, 3)
    assert x.T.shape == (3, 2) and mg.zeros(4, 2, 3).mT.shape == (4, 3, 2)
    assert (2 - x).tolist() == [[2.0, 1.0, 0.0], [-1.0, -2.0, -3.0]]
    assert (np.ones(3) @ mg.ones(3, 2)).tolist() == [3.0, 3.0]


def test_the_tensor_module_and_the_factory_have_different_names():
    import minigrad._tensor as module

    assert module.Tensor is mg.Tensor
    assert callable(mg.tensor) and not isinstance(mg.tensor, type(module))


def test_import_order_works_from_any_entry_point():
    for entry in ("minigrad._tensor", "minigrad.ops.arithmetic", "minigrad.autograd.function",
                  "minigrad.autograd.engine", "minigrad.nn"):
        code = (f"import {entry}; import minigrad as mg; "
                "x = mg.ones(2, requires_grad=True); (x * x).sum().backward(); "
                "assert mg.autograd.gradcheck.__name__ == 'gradcheck'")
        subprocess.run([sys.executable, "-c", code], check=True)


def test_the_first_gradient_at_a_node_is_never_written_to():
    sums = GradientSums(create_graph=False)
    node = object.__new__(mg.autograd.Node)
    first, second, third = np.ones(3), np.full(3, 2.0), np.full(3, 4.0)
    sums.add(node, first)
    sums.add(node, second)
    sums.add(node, third)
    np.testing.assert_array_equal(first, np.ones(3))
    np.testing.assert_array_equal(second, np.full(3, 2.0))
    np.testing.assert_array_equal(sums.pop(node), np.full(3, 7.0))


def test_two_leaves_never_share_one_gradient_array():
    received = []
    to_leaf = LeafGradients(lambda leaf, g: received.append(g), create_graph=False)
    g = np.ones(2)
    to_leaf("a", g)
    to_leaf("b", g)
    assert received[0] is g and received[1] is not g
    a, b = mg.ones(2, requires_grad=True), mg.ones(2, requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())


@pytest.mark.parametrize("index, message", [
    ((2,), "index 2 is out of bounds for dimension 0 with size 2"),
    ((0, 3), "index 3 is out of bounds for dimension 1 with size 3"),
    ((Ellipsis, -4), "index -4 is out of bounds for dimension 1 with size 3"),
    ((np.array([0, 2**63], dtype=np.uint64),), "out of bounds for dimension 0"),
    ((mg.tensor([0, 1]), mg.tensor([0, 5])), "index 5 is out of bounds for dimension 1"),
    ((0, 0, 0), "too many indices"),
])
def test_indices_are_checked_against_the_shape(index, message):
    x = mg.arange(6.0).reshape(2, 3)
    with pytest.raises(IndexError, match=message):
        x[index]
    with pytest.raises(IndexError, match=message.replace("index ", "").split(" is")[0]):
        x[index] = 1.0


def test_out_writes_into_the_given_tensor():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    out = mg.empty(2)
    assert x.sum(dim=0, out=out) is out and out.tolist() == [4.0, 6.0]
    small = mg.empty(0)
    mg.mean(x, out=small)
    assert small.shape == () and small.item() == 2.5
    idx = mg.zeros(2, dtype=mg.int64)
    x.argmax(axis=1, out=idx)
    assert idx.tolist() == [1, 1]
    with pytest.raises(RuntimeError, match="out=.*automatic differentiation"):
        mg.sum(mg.ones(2, requires_grad=True), out=mg.empty(()))


def test_amin_errors_name_amin():
    with pytest.raises(ValueError, match="^amin: can't reduce an empty tensor"):
        mg.amin(mg.zeros(0))
    with pytest.raises(ValueError, match="^amax"):
        mg.amax(mg.zeros(0))


def test_gradcheck_leaves_its_inputs_as_they_were():
    base = np.arange(12.0).reshape(3, 4)
    x = mg.from_numpy(base[:, ::2]).requires_grad_()  # a non-contiguous view
    before = x.numpy(force=True)
    x.grad = mg.full((3, 2), 7.0, dtype=mg.float64)
    assert mg.autograd.gradcheck(lambda t: (t * t).sum(dim=1), [x])
    assert x.numpy(force=True) is before
    np.testing.assert_array_equal(base, np.arange(12.0).reshape(3, 4))
    assert x.grad.tolist() == [[7.0, 7.0]] * 3
