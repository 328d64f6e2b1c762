"""The engine: accumulation, graph shapes, retain_graph, grad mode, hooks,
autograd.grad, custom Functions, long chains, memory, double backward."""

from __future__ import annotations

import gc
import resource

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import Function, gradcheck


def test_gradients_accumulate_across_backward_calls():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3 + 2, 3 + 4])


def test_grad_is_none_before_backward_and_zeroing_resets():
    x = mg.tensor([1.0], requires_grad=True)
    assert x.grad is None
    (x * 2).sum().backward()
    x.grad = None
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0])


def test_diamond_graph_sums_all_paths():
    x = mg.tensor(2.0, requires_grad=True)
    a = x * 3
    b = x * x
    c = a * b + a + b  # dc/dx = d(3x^3 + 3x + x^2)/dx = 9x^2 + 3 + 2x
    c.backward()
    assert x.grad.item() == pytest.approx(9 * 4 + 3 + 4)


def test_tensor_used_many_times():
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    y = x
    for _ in range(10):
        y = y + x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [11.0, 11.0])


def test_retain_graph_allows_a_second_backward():
    x = mg.tensor(3.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == pytest.approx(12.0)


def test_second_backward_through_freed_graph_raises():
    x = mg.tensor(3.0, requires_grad=True)
    y = (x * x).exp()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_no_grad_enable_grad_and_set_grad_enabled():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        assert not (x * 2).requires_grad
        with mg.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mg.is_grad_enabled()

    @mg.no_grad()
    def double(t):
        return t * 2

    assert not double(x).requires_grad
    assert mg.is_grad_enabled()
    mg.set_grad_enabled(False)
    assert not mg.is_grad_enabled()
    mg.set_grad_enabled(True)

    @mg.set_grad_enabled(False)
    def triple(t):
        return t * 3

    assert mg.is_grad_enabled() and not triple(x).requires_grad


def test_leaf_hook_can_replace_gradient_and_be_removed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    remove = x.register_hook(lambda g: seen.append(g.numpy().copy()) or g * 10)
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [20.0, 20.0])
    np.testing.assert_allclose(seen[0], [2.0, 2.0])
    remove()
    x.grad = None
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_hook_on_intermediate_and_retain_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    h.retain_grad()
    h.register_hook(lambda g: g * 0.5)
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [3.0, 6.0])  # 2h, after the hook halves it
    np.testing.assert_allclose(x.grad.numpy(), [9.0, 18.0])  # hooked gradient, times 3


def test_autograd_grad_returns_without_touching_dot_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tensor([3.0], requires_grad=True)
    gx, gy = mg.autograd.grad((x * y).sum(), [x, y])
    np.testing.assert_allclose(gx.detach().numpy(), [3.0, 3.0])
    np.testing.assert_allclose(gy.detach().numpy(), [3.0])
    assert x.grad is None and y.grad is None


def test_autograd_grad_of_intermediate_and_unused():
    x = mg.tensor(2.0, requires_grad=True)
    h = x * x
    unused = mg.tensor(1.0, requires_grad=True)
    (gh,) = mg.autograd.grad(h * 3, [h])
    assert gh.item() == 3.0
    with pytest.raises(RuntimeError, match="not used"):
        mg.autograd.grad(x * 2, [unused])
    assert mg.autograd.grad(x * 2, [x, unused], allow_unused=True)[1] is None


def test_backward_inputs_limits_accumulation():
    a = mg.tensor(1.0, requires_grad=True)
    b = mg.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


class Cube(Function):
    """The documented custom-op example: y = x^3."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x**2


def test_custom_function_forward_backward_and_double_backward():
    x = mg.tensor([1.0, -2.0, 0.5], dtype=mg.float64, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    np.testing.assert_allclose(y.detach().numpy(), x.detach().numpy()**3)
    assert gradcheck(Cube.apply, [x])
    (g,) = mg.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (gg,) = mg.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(gg.detach().numpy(), 6 * x.detach().numpy())


def test_once_differentiable_refuses_create_graph():
    @mg.autograd.once_differentiable
    class Twice(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    x = mg.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="not differentiable"):
        mg.autograd.grad(Twice.apply(x), x, create_graph=True)


def test_chain_of_100000_ops_without_recursion_error():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_graph_released_after_backward_frees_saved_arrays():
    x = mg.randn(1000, requires_grad=True)
    y = (x.exp() * x).sum()
    node = y.grad_fn
    y.backward()
    assert node.released and node.parents == ()


def test_next_functions_pairs_as_in_pytorch():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    x = mg.tensor([3.0, 4.0])  # needs no gradient: None in next_functions
    h = w * x
    y = (h + w).sum()
    (add, index) = y.grad_fn.next_functions[0]  # then None for sum's non-tensor arguments
    assert index == 0 and add.name() == "AddBackward"
    (mul, _), (acc, _) = add.next_functions
    assert mul is h.grad_fn
    assert acc.name() == "AccumulateGrad" and acc.variable is w and acc.next_functions == ()
    (leaf, _), (none, _) = mul.next_functions
    assert leaf.variable is w and none is None
    y.backward()
    assert y.grad_fn.next_functions == ()  # released with the graph


def test_memory_stays_flat_over_2000_training_steps():
    mg.manual_seed(0)
    w = mg.randn(64, 64, requires_grad=True)
    x = mg.randn(32, 64)

    def step():
        loss = ((x @ w).tanh() ** 2).mean()
        loss.backward()
        with mg.no_grad():
            w.sub_(0.01 * w.grad)
        w.grad = None

    for _ in range(200):
        step()
    gc.collect()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(2000):
        step()
    gc.collect()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert after - before < 20_000  # KiB: a leak of one 64x64 array per step would be 32 MB


def _mlp_loss(w1, b1, w2, x, y):
    h = (x @ w1 + b1).tanh()
    return (((h @ w2) - y) ** 2).mean()


def test_hessian_vector_product_of_small_mlp_matches_finite_differences():
    rng = np.random.default_rng(0)
    x = mg.tensor(rng.standard_normal((5, 3)))
    y = mg.tensor(rng.standard_normal((5, 1)))
    params = [mg.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (4,), (4, 1)]]
    vs = [rng.standard_normal(p.shape) for p in params]

    grads = mg.autograd.grad(_mlp_loss(*params, x, y), params, create_graph=True)
    dot = sum((g * mg.tensor(v)).sum() for g, v in zip(grads, vs))
    hvp = mg.autograd.grad(dot, params)

    eps = 1e-5
    def gradient_at(shift):
        shifted = [mg.tensor(p.detach().numpy() + shift * v, requires_grad=True)
                   for p, v in zip(params, vs)]
        return mg.autograd.grad(_mlp_loss(*shifted, x, y), shifted)

    plus, minus = gradient_at(eps), gradient_at(-eps)
    for h, gp, gm in zip(hvp, plus, minus):
        np.testing.assert_allclose(
            h.detach().numpy(),
            (gp.detach().numpy() - gm.detach().numpy()) / (2 * eps),
            rtol=1e-5,
            atol=1e-7,
        )


def test_gradcheck_reports_a_wrong_gradient():
    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(AssertionError, match="input 0.*backward gives"):
        gradcheck(Wrong.apply, [x])
    assert gradcheck(Wrong.apply, [x], raise_exception=False) is False


def test_gradcheck_refuses_float32():
    with pytest.raises(TypeError, match="float64"):
        gradcheck(lambda t: t * 2, [mg.ones(2, requires_grad=True)])


def test_detach_cuts_the_graph_and_shares_data():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.grad_fn is None
    y = (x * d).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), d.detach().numpy())


def test_broadcast_gradient_is_summed_back_to_input_shape():
    x = mg.ones(3, 1, requires_grad=True)
    b = mg.ones(4, requires_grad=True)
    (x * b * 2).sum().backward()
    assert x.grad.shape == (3, 1) and b.grad.shape == (4,)
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 1), 8.0))
    np.testing.assert_allclose(b.grad.numpy(), np.full(4, 6.0))


def test_mixed_dtypes_give_gradients_in_each_inputs_dtype():
    a = mg.ones(2, dtype=mg.float32, requires_grad=True)
    b = mg.ones(2, dtype=mg.float64, requires_grad=True)
    out = a * b
    assert out.dtype == np.float64
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_gradcheck_works_on_non_contiguous_inputs():
    base = mg.tensor(np.arange(6.0).reshape(2, 3) + 1.0, dtype=mg.float64)
    x = mg.Tensor(base.numpy().T, requires_grad=True)
    assert not x.numpy(force=True).flags.c_contiguous
    assert gradcheck(lambda t: (t * t).sum(dim=0), [x])

    class Wrong(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    y = mg.Tensor(base.detach().numpy().T, requires_grad=True)
    assert gradcheck(Wrong.apply, [y], raise_exception=False) is False
