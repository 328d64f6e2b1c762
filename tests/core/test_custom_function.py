"""The public mg.autograd.Function: forward and backward see Tensors, as in PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, gradcheck, once_differentiable


class MyReLU(Function):
    seen: list = []

    @staticmethod
    def forward(ctx, input):
        MyReLU.seen.append(("forward", type(input), input.requires_grad, mg.is_grad_enabled()))
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        MyReLU.seen.append(("backward", type(input), type(grad_output)))
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class Softplus(Function):
    """log(1 + e^x), written with Tensor methods so create_graph can record its backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x.exp() + 1).log()

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.sigmoid()  # d softplus/dx = sigmoid(x)


def test_forward_and_backward_receive_tensors_and_forward_records_nothing():
    MyReLU.seen = []
    x = mg.tensor([-1.0, 2.0, -3.0, 4.0], requires_grad=True)
    y = MyReLU.apply(x)
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 1.0]
    assert y.grad_fn.name() == "MyReLUBackward" and y.requires_grad
    assert MyReLU.seen == [("forward", mg.Tensor, False, False),
                           ("backward", mg.Tensor, mg.Tensor)]


def test_gradcheck_in_float64_and_a_second_derivative_through_create_graph():
    x = mg.tensor([-1.5, 0.2, 2.0], dtype=mg.float64, requires_grad=True)
    assert gradcheck(Softplus.apply, [x])
    (g,) = mg.autograd.grad(Softplus.apply(x).sum(), x, create_graph=True)
    sig = 1 / (1 + np.exp(-x.detach().numpy()))
    np.testing.assert_allclose(g.detach().numpy(), sig, rtol=1e-12)
    g.sum().backward()  # d sigmoid/dx = sigmoid (1 - sigmoid)
    np.testing.assert_allclose(x.grad.numpy(), sig * (1 - sig), rtol=1e-12)


def test_numpy_style_functions_keep_working_on_the_tensors_they_get():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.power(x, 3)  # NumPy takes the Tensor and returns an array

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * ctx.xp.square(x)

    x = mg.tensor([1.0, -2.0], dtype=mg.float64, requires_grad=True)
    assert gradcheck(Cube.apply, [x])


def test_once_differentiable_on_backward_as_pytorch_writes_it():
    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            return grad * 2

    assert Twice.once_differentiable
    x = mg.tensor(1.0, requires_grad=True)
    Twice.apply(x).backward()
    assert x.grad.item() == 2.0
    with pytest.raises(RuntimeError, match="not differentiable"):
        mg.autograd.grad(Twice.apply(x), x, create_graph=True)


def test_saved_tensor_modified_in_place_is_still_caught():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    a = x * 1
    y = Softplus.apply(a)
    with mg.no_grad():
        a.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_several_outputs_are_refused_with_a_clear_error():
    class Both(Function):
        @staticmethod
        def forward(ctx, x):
            return x, x * 2

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(TypeError, match="Both.forward returned 2 values"):
        Both.apply(mg.ones(2, requires_grad=True))
