"""Tensor construction, factories, attributes, conversions and repr."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def test_tensor_defaults_follow_pytorch():
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor(3.5).shape == ()
    assert mg.tensor(np.arange(3, dtype=np.float64)).dtype == np.float64
    assert mg.tensor([True, False]).dtype == np.bool_
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == np.float64


def test_tensor_copies_but_from_numpy_shares():
    a = np.zeros(3, np.float32)
    t = mg.tensor(a)
    s = mg.from_numpy(a)
    a[0] = 5
    assert t.detach().numpy()[0] == 0 and s.detach().numpy()[0] == 5
    assert mg.as_tensor(a).numpy() is a


@pytest.mark.parametrize(
    "make, shape, dtype",
    [
        (lambda: mg.zeros(2, 3), (2, 3), np.float32),
        (lambda: mg.ones((2, 3)), (2, 3), np.float32),
        (lambda: mg.full((2,), 7), (2,), np.int64),
        (lambda: mg.full((2, 2), 1.5), (2, 2), np.float32),
        (lambda: mg.empty(4, dtype=mg.float64), (4,), np.float64),
        (lambda: mg.arange(5), (5,), np.int64),
        (lambda: mg.arange(0, 1, 0.25), (4,), np.float32),
        (lambda: mg.linspace(0, 1, 5), (5,), np.float32),
        (lambda: mg.eye(3), (3, 3), np.float32),
        (lambda: mg.rand(2, 2), (2, 2), np.float32),
        (lambda: mg.randn(3), (3,), np.float32),
        (lambda: mg.randint(0, 10, (4,)), (4,), np.int64),
        (lambda: mg.zeros_like(mg.ones(2, 5)), (2, 5), np.float32),
        (lambda: mg.ones_like(mg.ones(2, dtype=mg.float64)), (2,), np.float64),
        (lambda: mg.full_like(mg.ones(3), 2.0), (3,), np.float32),
        (lambda: mg.rand_like(mg.ones(3)), (3,), np.float32),
        (lambda: mg.randn_like(mg.ones(3)), (3,), np.float32),
    ],
)
def test_factories(make, shape, dtype):
    t = make()
    assert t.shape == shape and t.dtype == dtype


def test_factory_values():
    np.testing.assert_array_equal(mg.arange(2, 8, 2).numpy(), [2, 4, 6])
    np.testing.assert_allclose(mg.linspace(0, 1, 3).numpy(), [0, 0.5, 1])
    np.testing.assert_array_equal(mg.eye(2).numpy(), [[1, 0], [0, 1]])
    assert mg.full((2,), 3.0).tolist() == [3.0, 3.0]
    r = mg.rand(1000)
    assert 0 <= r.detach().numpy().min() and r.detach().numpy().max() < 1
    k = mg.randint(3, 5, (1000,))
    assert set(np.unique(k.numpy())) == {3, 4}


def test_manual_seed_makes_random_factories_reproducible():
    mg.manual_seed(42)
    a = [mg.randn(3).numpy(), mg.rand(2).numpy(), mg.randint(0, 100, (3,)).numpy()]
    mg.manual_seed(42)
    b = [mg.randn(3).numpy(), mg.rand(2).numpy(), mg.randint(0, 100, (3,)).numpy()]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(mg.randn(3).numpy(), a[0])


def test_rng_state_round_trip():
    mg.manual_seed(1)
    state = mg.get_rng_state()
    first = mg.randn(4).numpy()
    mg.set_rng_state(state)
    np.testing.assert_array_equal(mg.randn(4).numpy(), first)


def test_attributes_and_conversions():
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.size() == (2, 3) and x.size(1) == 3
    assert x.numel() == 6 and x.is_leaf and x.grad_fn is None and x.requires_grad
    assert x.T.shape == (3, 2)
    assert mg.tensor([2.5]).item() == 2.5
    assert x.detach().tolist() == [[1, 2, 3], [4, 5, 6]]
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy() is x.numpy(force=True)
    y = x * 2
    assert not y.is_leaf and y.grad_fn is not None
    assert x.double().dtype == np.float64 and x.long().dtype == np.int64
    assert x.float().dtype == np.float32 and x.to(mg.float64).dtype == np.float64
    assert len(x) == 2 and [r.shape for r in x] == [(3,), (3,)]
    assert float(mg.tensor(1.5)) == 1.5 and int(mg.tensor(3)) == 3


def test_clone_and_to_are_differentiable():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x.clone() * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])
    x.grad = None
    (x.to(mg.float64) ** 2).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), [2, 4])


def test_requires_grad_rules():
    x = mg.ones(2)
    assert x.requires_grad_() is x and x.requires_grad
    with pytest.raises(RuntimeError, match="floating"):
        mg.arange(3).requires_grad_()
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad = False


def test_repr_like_pytorch():
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    y = mg.tensor([1.0], requires_grad=True) * 2
    assert repr(y) == "tensor([2.], grad_fn=<MulBackward>)"
    assert repr(mg.tensor([1.0], dtype=mg.float64)) == "tensor([1.], dtype=minigrad.float64)"
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2])"


def test_in_place_ops_without_grad():
    x = mg.zeros(3)
    x.add_(2).mul_(3).sub_(1).div_(5)
    np.testing.assert_allclose(x.numpy(), [1, 1, 1])
    x.zero_()
    assert x.tolist() == [0, 0, 0]
    x.fill_(4.0)
    x.copy_(mg.tensor([1.0, 2.0, 3.0]))
    assert x.tolist() == [1, 2, 3]
    x[0] = 9.0
    assert x.tolist() == [9, 2, 3] and x._version == 8
    x += 1
    assert x.tolist() == [10, 3, 4]


def test_integer_and_mixed_arithmetic_follow_pytorch_promotion():
    i = mg.tensor([1, 2])
    assert (i + 1).dtype == np.int64
    assert (i + 0.5).dtype == np.float32
    assert (i / i).dtype == np.float32
    assert (i * mg.ones(2)).dtype == np.float32
    assert (mg.ones(2) + np.float64(1.0)).dtype == np.float32
    assert (mg.ones(2, dtype=mg.float64) + mg.ones(2)).dtype == np.float64


def test_comparisons_give_bool_tensors_without_grad():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x == 2, x != 2, x < 2, x <= 2, x > 2, x >= 2):
        assert result.dtype == np.bool_ and not result.requires_grad
    assert (x > 1.5).tolist() == [False, True, True]
    assert mg.sign(mg.tensor([-2.0, 0.0, 3.0])).tolist() == [-1, 0, 1]
    assert mg.floor(mg.tensor([1.5, -1.5])).tolist() == [1, -2]
    assert mg.round(mg.tensor([0.5, 1.5, 2.4])).tolist() == [0, 2, 2]


def test_max_with_dim_returns_values_and_indices():
    x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    values, indices = x.max(dim=1)
    assert values.tolist() == [5, 7] and indices.tolist() == [1, 0]
    assert x.argmax().item() == 3 and x.argmin(dim=0).tolist() == [0, 1, 0]
    assert x.max().item() == 7 and x.min().item() == 0


def test_max_gradient_is_shared_between_ties():
    x = mg.tensor([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]], requires_grad=True)
    x.amax(dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 0.5, 0.5], [1, 0, 0]])
    y = mg.tensor([2.0, 2.0], requires_grad=True)
    mg.maximum(y, mg.tensor([2.0, 1.0])).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [0.5, 1.0])


def test_prod_gradient_with_zeros_is_exact():
    x = mg.tensor([2.0, 0.0, 3.0], dtype=mg.float64, requires_grad=True)
    x.prod().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 6, 0])
    y = mg.tensor([0.0, 0.0, 3.0], dtype=mg.float64, requires_grad=True)
    y.prod().backward()
    np.testing.assert_allclose(y.grad.numpy(), [0, 0, 0])


def test_numpy_functions_see_the_array_as_on_a_pytorch_tensor():
    x = mg.tensor([3.0, 1.0, 2.0])
    y = np.exp(x)
    assert type(y) is np.ndarray
    np.testing.assert_allclose(y, np.exp([3.0, 1.0, 2.0]), rtol=1e-6)
    assert np.median(x) == 2.0
    np.testing.assert_array_equal(np.cumsum(x), [3.0, 4.0, 6.0])
    assert type(np.where(x > 1.5, x, 0.0)) is np.ndarray
    # reductions NumPy forwards to the object's own method give a Tensor, as in PyTorch
    assert isinstance(np.mean(x), mg.Tensor) and np.mean(x).item() == 2.0
    assert np.sum(x).item() == 6.0
    np.testing.assert_allclose(np.std(x).item(), np.std([3.0, 1.0, 2.0]), rtol=1e-6)
    # binary operators with an array on the left still give a Tensor
    assert isinstance(np.ones(3) + x, mg.Tensor)


def test_numpy_refuses_a_tensor_that_requires_grad():
    w = mg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.exp(w)
    np.testing.assert_array_equal(np.asarray(w.detach()), [1.0, 1.0])


def test_all_and_any():
    x = mg.tensor([[1.0, 0.0], [2.0, 3.0]])
    assert not x.all().item() and x.any().item()
    assert (x > -1).all().item()
    assert x.all(dim=1).tolist() == [False, True]
    assert mg.any(x == 0, dim=0, keepdim=True).tolist() == [[False, True]]
    assert mg.all(mg.tensor(True)).item()


def test_data_is_a_tensor_sharing_memory_outside_the_graph():
    import minigrad.nn as nn
    from minigrad.nn import init

    w = mg.ones(2, 3, requires_grad=True)
    d = w.data
    assert isinstance(d, mg.Tensor) and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), w.numpy(force=True))
    # PyTorch's idioms for updating weights by hand all write through .data
    w.grad = mg.full((2, 3), 2.0)
    w.data.add_(w.grad, alpha=-0.25)
    assert w.detach().tolist() == [[0.5] * 3] * 2
    w.data.mul_(2).sub_(1)
    w.data.normal_(0, 0.02)
    assert abs(w.detach().numpy().mean()) < 0.1
    init.uniform_(w.data, 3.0, 4.0)
    assert (w.detach().numpy() >= 3.0).all()
    linear = nn.Linear(3, 2)
    linear.weight.data.fill_(0)
    linear.bias.data.copy_(mg.tensor([1.0, 2.0]))
    assert linear(mg.ones(1, 3)).tolist() == [[1.0, 2.0]]
    # an op on .data is not recorded
    assert not (w.data * 2).requires_grad


def test_assigning_data_replaces_the_values():
    w = mg.ones(3, requires_grad=True)
    y = (w * w).sum()
    w.data = mg.tensor([1.0, 2.0, 3.0, 4.0])
    assert w.shape == (4,) and w.requires_grad and w.is_leaf
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()  # the graph saved the old values
    with pytest.raises(TypeError, match="assign a Tensor"):
        w.data = np.zeros(3)
    with pytest.raises(TypeError, match="floating-point"):
        w.data = mg.tensor([1, 2])
    frozen = mg.zeros(2)
    frozen.data = mg.tensor([5, 6])  # a tensor without grad may change dtype
    assert frozen.dtype == np.int64


def test_dtypes_print_as_pytorch_does_and_stay_numpy_compatible():
    import copy
    import pickle

    x = mg.tensor([1, 2])
    assert str(x.dtype) == repr(x.dtype) == "minigrad.int64"
    assert isinstance(mg.float32, mg.dtype)
    assert mg.float32 == np.float32 == np.dtype("float32") == "float32"
    assert mg.float32 != mg.float64 and mg.float32 != "int8"
    assert hash(mg.float32) == hash(np.dtype("float32"))
    assert {np.dtype("int64"): "found"}[x.dtype] == "found"
    assert np.zeros(2, mg.float16).dtype == np.float16
    assert np.ones(2).astype(mg.int32).dtype == np.int32
    assert (mg.float64.is_floating_point, mg.int64.is_floating_point) == (True, False)
    assert (mg.int8.is_signed, mg.uint8.is_signed, mg.bool_.is_signed) == (True, False, False)
    assert mg.float32.itemsize == 4 and mg.float32.kind == "f"
    assert copy.deepcopy(mg.float32) is mg.float32
    assert pickle.loads(pickle.dumps(mg.int64)) is mg.int64
    assert mg.randn(2, dtype="float64").dtype is mg.float64
