"""Names the pytorch_style example programs reached for (issue 11): cumsum, dot, outer,
unbind, numel, isclose, softmax/log_softmax as torch functions and Tensor methods,
masked_fill_, and torch.pi/e/inf/nan. Gradients are checked by the op registry."""

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F


def test_cumsum_values_and_dtypes():
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert mg.cumsum(x, dim=1).tolist() == [[1, 3, 6], [4, 9, 15]]
    assert x.cumsum(0).tolist() == [[1, 2, 3], [5, 7, 9]]
    assert x.cumsum(-1).dtype == mg.float32
    # integers and bools add up in int64, as in PyTorch
    assert mg.tensor([1, 2, 3], dtype=mg.int32).cumsum(0).dtype == mg.int64
    assert mg.tensor([True, False, True]).cumsum(0).tolist() == [1, 1, 2]
    assert mg.tensor([1, 2]).cumsum(0, dtype=mg.float64).dtype == mg.float64
    assert mg.cumsum(mg.tensor(2.0), 0).item() == 2.0
    with pytest.raises(IndexError, match="cumsum: dim 2 is out of range"):
        x.cumsum(2)


def test_dot_outer_and_their_rank_checks():
    a, b = mg.tensor([1.0, 2.0, 3.0]), mg.tensor([4.0, 5.0, 6.0])
    assert mg.dot(a, b).shape == () and a.dot(b).item() == 32.0
    assert mg.outer(a, b[:2]).tolist() == [[4, 5], [8, 10], [12, 15]]
    with pytest.raises(ValueError, match=r"dot: 1D tensors expected, got shapes \(3,\) and "
                                         r"\(1, 3\)"):
        mg.dot(a, b.reshape(1, 3))
    with pytest.raises(ValueError, match="dot: the vectors must have the same length, got 3 "
                                         "and 2"):
        mg.dot(a, b[:2])
    with pytest.raises(ValueError, match="outer: 1D tensors expected"):
        mg.outer(a.reshape(3, 1), b)


def test_unbind_and_numel():
    x = mg.arange(6).reshape(2, 3)
    assert [t.tolist() for t in x.unbind()] == [[0, 1, 2], [3, 4, 5]]
    assert [t.tolist() for t in mg.unbind(x, dim=-1)] == [[0, 3], [1, 4], [2, 5]]
    with pytest.raises(ValueError, match="unbind: cannot be applied to a 0-dim tensor"):
        mg.tensor(1.0).unbind()
    assert mg.numel(x) == 6 and mg.numel(mg.tensor(1.0)) == 1


def test_isclose_is_elementwise_and_takes_equal_nan():
    a = mg.tensor([1.0, 2.0, float("nan")])
    b = mg.tensor([1.0 + 1e-7, 2.1, float("nan")])
    assert mg.isclose(a, b).tolist() == [True, False, False]
    assert a.isclose(b, equal_nan=True).tolist() == [True, False, True]
    assert mg.isclose(a, b, atol=0.2).dtype == mg.bool


def test_softmax_and_log_softmax_are_torch_functions_and_methods():
    x = mg.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    expected = F.softmax(x, dim=1).numpy()
    np.testing.assert_array_equal(mg.softmax(x, dim=1).numpy(), expected)
    np.testing.assert_array_equal(x.softmax(1).numpy(), expected)
    np.testing.assert_array_equal(x.log_softmax(dim=-1).numpy(), F.log_softmax(x, -1).numpy())
    assert mg.log_softmax(x, 1, dtype=mg.float64).dtype == mg.float64


def test_masked_fill_in_place_without_a_graph():
    x = mg.zeros(2, 3)
    out = x.masked_fill_(mg.tensor([True, False, True]), 1.0)
    assert out is x and x.tolist() == [[1, 0, 1], [1, 0, 1]]
    x.masked_fill_(mg.tensor([[False, True, False], [False, False, False]]), mg.tensor(7.0))
    assert x.tolist() == [[1, 7, 1], [1, 0, 1]]
    with pytest.raises(TypeError, match="masked_fill_: mask must be a bool tensor"):
        x.masked_fill_(mg.tensor([1, 0, 1]), 0.0)


def test_masked_fill_in_place_is_recorded_like_the_out_of_place_op():
    w = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    mask = mg.triu(mg.ones(2, 3), diagonal=1) == 1
    y = w * 2
    y.masked_fill_(mask, float("-inf"))
    assert y.grad_fn is not None
    (F.softmax(y, dim=-1) * mg.tensor([1.0, 2.0, 3.0])).sum().backward()
    w2 = mg.tensor(w.detach().numpy(), requires_grad=True)
    (F.softmax((w2 * 2).masked_fill(mask, float("-inf")), dim=-1)
     * mg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), w2.grad.numpy(), rtol=1e-6)
    assert w.grad[0, 1:].tolist() == [0.0, 0.0]  # masked: no gradient
    with pytest.raises(RuntimeError, match="leaf"):
        w.masked_fill_(mask, 0.0)  # a leaf that requires grad can't be written in place


def test_constants_are_pythons():
    assert mg.pi == math.pi and mg.e == math.e
    assert mg.inf == math.inf and math.isnan(mg.nan)


INPLACE = [
    ("exp_", mg.exp), ("log_", mg.log), ("sqrt_", mg.sqrt), ("abs_", mg.abs),
    ("neg_", mg.neg), ("relu_", mg.relu), ("sigmoid_", mg.sigmoid), ("tanh_", mg.tanh),
]


@pytest.mark.parametrize("name, fn", INPLACE, ids=[n for n, _ in INPLACE])
def test_pointwise_in_place_equals_the_function(name, fn):
    values = [0.5, 2.0, 3.0] if name in ("log_", "sqrt_") else [-1.5, 0.5, 2.0]
    x = mg.tensor(values, dtype=mg.float64)
    view = x[1:]
    out = getattr(x, name)()
    assert out is x
    np.testing.assert_allclose(x.numpy(), fn(mg.tensor(values, dtype=mg.float64)).numpy())
    assert view.tolist() == x.tolist()[1:]  # written into the same memory


@pytest.mark.parametrize("name, fn", INPLACE, ids=[n for n, _ in INPLACE])
def test_pointwise_in_place_is_recorded(name, fn):
    values = [0.5, 2.0, 3.0] if name in ("log_", "sqrt_") else [-1.5, 0.5, 2.0]
    weights = mg.tensor([1.0, -2.0, 3.0], dtype=mg.float64)
    w = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    h = w * 1.0
    getattr(h, name)()
    (h * weights).sum().backward()
    w2 = mg.tensor(values, dtype=mg.float64, requires_grad=True)
    (fn(w2 * 1.0) * weights).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), w2.grad.numpy(), rtol=1e-12)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(w, name)()


def test_pow_in_place_and_relu_inplace_keyword():
    x = mg.tensor([1.0, 2.0, 3.0])
    assert x.pow_(2) is x and x.tolist() == [1, 4, 9]
    x.pow_(mg.tensor([0.5, 0.5, 1.0]))
    assert x.tolist() == [1, 2, 9]
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    h = w * 1.0
    h.pow_(3)
    h.sum().backward()
    assert w.grad.tolist() == [3.0, 12.0]  # d w^3/dw = 3 w^2
    y = mg.tensor([-1.0, 2.0])
    assert F.relu(y, inplace=True) is y and y.tolist() == [0.0, 2.0]
    z = mg.tensor([-1.0, 2.0])
    assert F.relu(z).tolist() == [0.0, 2.0] and z.tolist() == [-1.0, 2.0]


def test_nonzero_argwhere_and_where_with_one_argument():
    x = mg.tensor([[0.0, 3.0, 0.0], [5.0, 0.0, 1.0]])
    expected = [[0, 1], [1, 0], [1, 2]]
    assert x.nonzero().tolist() == expected and x.nonzero().dtype == mg.int64
    assert mg.argwhere(x).tolist() == expected
    rows, cols = mg.where(x > 0)
    assert rows.tolist() == [0, 1, 1] and cols.tolist() == [1, 0, 2]
    assert [t.tolist() for t in mg.nonzero(x, as_tuple=True)] == [[0, 1, 1], [1, 0, 2]]
    assert mg.zeros(2, 2).nonzero().shape == (0, 2)
    assert mg.tensor(5).nonzero().shape == (1, 0)  # 0-dim counts as one element
    assert mg.tensor(0).nonzero(as_tuple=True)[0].shape == (0,)
    with pytest.raises(TypeError, match="where: give both input and other, or neither"):
        mg.where(x > 0, x)


def test_select():
    x = mg.arange(6).reshape(2, 3)
    assert x.select(0, 1).tolist() == [3, 4, 5] and mg.select(x, 1, -1).tolist() == [2, 5]
    with pytest.raises(IndexError, match="select: index 3 out of range for dimension 1 of "
                                         "size 3"):
        x.select(1, 3)
    with pytest.raises(IndexError, match="select: dim 2 is out of range"):
        x.select(2, 0)


def test_questions_about_tensors_and_dtypes():
    assert mg.is_tensor(mg.ones(1)) and not mg.is_tensor(np.ones(1))
    assert mg.is_floating_point(mg.ones(1)) and not mg.is_floating_point(mg.tensor([1]))
    assert mg.ones(2, 3).ndimension() == 2 and mg.ones(2).is_cuda is False
    assert mg.get_default_dtype() == mg.float32 and mg.ones(1).dtype == mg.get_default_dtype()
    mg.set_default_dtype(mg.float32)  # already the default: accepted
    with pytest.raises(NotImplementedError, match="default floating-point dtype is float32"):
        mg.set_default_dtype(mg.float64)
    assert mg.finfo(mg.float32).eps == np.finfo(np.float32).eps
    assert mg.finfo().max == np.finfo(np.float32).max
    assert mg.finfo(mg.float64).tiny == np.finfo(np.float64).tiny
    assert mg.iinfo(mg.int64).max == 2**63 - 1 and mg.iinfo(mg.uint8).min == 0


def test_variable_is_a_leaf_tensor_sharing_memory():
    data = mg.tensor([1.0, 2.0])
    v = mg.autograd.Variable(data, requires_grad=True)
    assert v.is_leaf and v.requires_grad and not data.requires_grad
    (v * v).sum().backward()
    assert v.grad.tolist() == [2.0, 4.0]
    with mg.no_grad():
        v.add_(1)
    assert data.tolist() == [2.0, 3.0]  # the same memory
    assert mg.autograd.Variable(data).requires_grad is False
    with pytest.raises(TypeError, match="Variable: data must be a Tensor"):
        mg.autograd.Variable([1.0])


def test_cumsum_takes_numpys_axis_once():
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.cumsum(axis=0).tolist() == [[1, 2], [4, 6]]
    with pytest.raises(TypeError, match="cumsum: give dim"):
        x.cumsum()
    with pytest.raises(TypeError, match="cumsum: give dim"):
        x.cumsum(0, axis=1)


def test_mv_checks_ranks():
    a = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert mg.mv(a, mg.tensor([1.0, -1.0])).tolist() == [-1.0, -1.0]
    with pytest.raises(ValueError, match=r"mv: expects a 2-D matrix and a 1-D vector, got "
                                         r"shapes \(2, 2\) and \(2, 1\)"):
        a.mv(mg.ones(2, 1))


def test_max_and_min_of_two_tensors_are_elementwise():
    x = mg.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    relu = mg.max(x, mg.zeros_like(x))
    assert relu.tolist() == [[0, 2], [3, 0]]
    relu.sum().backward()
    assert x.grad.tolist() == [[0, 1], [1, 0]]
    assert x.detach().min(mg.zeros(2)).tolist() == [[-1, 0], [0, -4]]
    assert mg.max(x.detach()).item() == 3.0  # the one-tensor forms are unchanged
    assert mg.max(x.detach(), 1).indices.tolist() == [1, 0]


def test_size_keyword_of_the_factories():
    assert mg.zeros(size=(2, 3)).shape == (2, 3) and mg.ones(size=[4]).shape == (4,)
    assert mg.empty(size=2).shape == (2,) and mg.rand(size=(1, 2)).shape == (1, 2)
    a = mg.randn(size=(), requires_grad=True)
    assert a.shape == () and a.requires_grad
    with pytest.raises(TypeError, match="zeros: give the size positionally or as size=, "
                                        "not both"):
        mg.zeros(2, size=(3,))


def test_normal_takes_requires_grad_and_device():
    w = mg.normal(0, 0.01, size=(2, 1), requires_grad=True, device="cpu")
    assert w.requires_grad and w.is_leaf and w.shape == (2, 1)
    with pytest.raises(ValueError, match="minigrad runs on the CPU only"):
        mg.normal(0, 1, size=(2,), device="cuda")


def test_pin_memory_is_nothing_to_do():
    x = mg.ones(2)
    assert x.pin_memory() is x and x.is_pinned() is False


def test_einsum_forms_and_errors():
    a = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert mg.einsum("ii", a).item() == 5.0  # a trace (no gradient needed)
    assert mg.einsum("ij->ji", [a]).tolist() == [[1, 3], [2, 4]]  # operands as a list
    assert mg.einsum("i j , j -> i", a, mg.tensor([1.0, 1.0])).tolist() == [3, 7]  # spaces
    assert mg.einsum("...j->...", mg.ones(2, 3, 4)).shape == (2, 3)
    with pytest.raises(ValueError, match=r"einsum: subscript 'j' has size 2 in one place and "
                                         r"3 in another"):
        mg.einsum("ij,jk->ik", a, mg.ones(3, 3))
    with pytest.raises(ValueError, match="einsum: the output names 'k', which no operand has"):
        mg.einsum("ij->k", a)
    with pytest.raises(ValueError, match="einsum: the output 'ii' repeats a subscript"):
        mg.einsum("ij->ii", a)
    with pytest.raises(ValueError, match="einsum: operand 0 has 2 dimension"):
        mg.einsum("i", a)
    with pytest.raises(ValueError, match="names 2 operand"):
        mg.einsum("ij,jk", a)
    with pytest.raises(ValueError, match="subscripts must be letters"):
        mg.einsum("i1->i", a)
    with pytest.raises(NotImplementedError, match="repeats a subscript"):
        mg.einsum("ii->i", mg.eye(2, requires_grad=True))


def test_jacobian_and_hessian_match_hand_derivatives():
    from minigrad.autograd.functional import hessian, jacobian

    x = mg.tensor([1.0, 2.0, -1.0], dtype=mg.float64)
    W = mg.tensor([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], dtype=mg.float64)
    J = jacobian(lambda v: mg.tanh(W @ v), x)  # d tanh(Wx)/dx = diag(1 - tanh^2) W
    expected = (1 - np.tanh(W.numpy() @ x.numpy()) ** 2)[:, None] * W.numpy()
    np.testing.assert_allclose(J.numpy(), expected, rtol=1e-12)
    assert not J.requires_grad and not x.requires_grad  # the inputs are left as they were

    def f(a, b):
        return a * b, (a ** 2).sum()

    a, b = mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])
    (da, db), (dsa, dsb) = jacobian(f, (a, b))
    assert da.tolist() == [[3, 0], [0, 4]] and db.tolist() == [[1, 0], [0, 2]]
    assert dsa.tolist() == [2, 4] and dsb.tolist() == [0, 0]  # (a^2).sum() ignores b
    with pytest.raises(RuntimeError, match="output 1 does not depend on input 1"):
        jacobian(f, (a, b), strict=True)

    H = hessian(lambda v: (v ** 3).sum() + v[0] * v[1], mg.tensor([1.0, 2.0]))
    assert H.tolist() == [[6.0, 1.0], [1.0, 12.0]]  # diag(6 v) plus the cross term
    (haa, hab), (hba, hbb) = hessian(lambda p, q: (p * q).sum(), (a, b))
    assert hab.tolist() == [[1, 0], [0, 1]] and haa.tolist() == [[0, 0], [0, 0]]

    w = mg.tensor([1.0, 2.0], requires_grad=True)
    jacobian(lambda v: v ** 3, w, create_graph=True).sum().backward()
    assert w.grad.tolist() == [6.0, 12.0]  # d/dw of sum(3 w^2)
    assert mg.autograd.functional.jacobian is jacobian  # torch.autograd.functional.jacobian


def test_floor_division_remainder_and_fmod_follow_pytorchs_signs():
    x = mg.tensor([7, -7, 6])
    assert (x // 2).tolist() == [3, -4, 3] and (x // 2).dtype == mg.int64
    assert (x % 3).tolist() == [1, 2, 0]  # the divisor's sign, as Python's %
    assert mg.fmod(x, 3).tolist() == [1, -1, 0]  # the dividend's sign, as C's fmod
    assert (10 % mg.tensor([3, 4])).tolist() == [1, 2]
    assert (7 // mg.tensor([2, 3])).tolist() == [3, 2]
    assert mg.div(x, 2, rounding_mode="trunc").tolist() == [3, -3, 3]
    assert x.div(2, rounding_mode="floor").tolist() == [3, -4, 3]
    assert mg.div(mg.tensor([7.0, -7.0]), 2, rounding_mode="trunc").tolist() == [3.0, -3.0]
    big = mg.tensor([2**62 + 1])  # exact for large integers (no detour through floats)
    assert mg.div(big, 3, rounding_mode="trunc").item() == (2**62 + 1) // 3
    assert (mg.tensor([5.5, -5.5]) % 2).tolist() == [1.5, 0.5]
    with pytest.raises(ZeroDivisionError, match="remainder: integer division by zero"):
        x % 0
    with pytest.raises(ZeroDivisionError, match="div: integer division by zero"):
        x // mg.tensor([1, 0, 1])
    assert math.isnan((mg.tensor([1.0]) % 0).item())  # floats: nan, as in PyTorch
    with pytest.raises(ValueError, match="rounding_mode must be None, 'trunc' or 'floor'"):
        mg.div(x, 2, rounding_mode="round")


def test_rounded_division_has_a_zero_gradient():
    a = mg.tensor([5.5, -3.2], requires_grad=True)
    y = mg.div(a, 2.0, rounding_mode="floor")
    assert y.requires_grad and y.tolist() == [2.0, -2.0]
    (y * 3).sum().backward()
    assert a.grad.tolist() == [0.0, 0.0]


def test_tensor_of_one_element_tensors_reads_their_numbers():
    w = mg.randn(2, requires_grad=True)
    t = mg.tensor([w[0], [w[1]][0]])  # what tensor([loss_a, loss_b]) does in PyTorch
    assert not t.requires_grad and t.tolist() == pytest.approx(w.tolist())
    assert mg.tensor([[mg.tensor(1)], [2]]).tolist() == [[1], [2]]
    with pytest.raises(ValueError, match="only one-element tensors can be read as numbers"):
        mg.tensor([mg.ones(2)])
    with pytest.warns(UserWarning, match=r"clone\(\)\.detach\(\)"):
        copy = mg.tensor(w)
    assert not copy.requires_grad and copy.tolist() == w.tolist()
    copy.add_(1)
    assert copy.tolist() != w.tolist()  # a copy, not a view


def test_as_tensor_converts_a_tensor_keeping_its_graph():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    assert mg.as_tensor(w) is w
    d = mg.as_tensor(w, dtype=mg.float64)
    assert d.dtype == mg.float64 and d.requires_grad
    d.sum().backward()
    assert w.grad.tolist() == [1.0, 1.0]


def test_out_on_the_new_ops():
    a = mg.tensor([1.0, 2.0, 3.0])
    for call, expected in [
        (lambda out: mg.cumsum(a, 0, out=out), [1.0, 3.0, 6.0]),
        (lambda out: mg.remainder(a, 2, out=out), [1.0, 0.0, 1.0]),
        (lambda out: mg.fmod(-a, 2, out=out), [-1.0, -0.0, -1.0]),
        (lambda out: mg.floor_divide(a, 2, out=out), [0.0, 1.0, 1.0]),
        (lambda out: mg.mv(mg.eye(3), a, out=out), [1.0, 2.0, 3.0]),
    ]:
        out = mg.zeros(3)
        assert call(out) is out and out.tolist() == expected
    out = mg.zeros(())
    assert mg.dot(a, a, out=out) is out and out.item() == 14.0
    out = mg.zeros(3, 3)
    assert mg.outer(a, a, out=out) is out and out[2].tolist() == [3.0, 6.0, 9.0]
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        mg.cumsum(mg.ones(2, requires_grad=True), 0, out=mg.zeros(2))
