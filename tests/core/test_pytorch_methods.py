"""PyTorch's further tensor methods and constructors (issue 11, item 4): what the op
registry cannot cover (errors, dtypes, sampling, constructors)."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.random import Generator


def test_contiguous_cpu_nelement_view_as():
    x = mg.arange(6.0).reshape(2, 3)
    assert x.contiguous() is x and x.cpu() is x and x.nelement() == 6
    assert x.T.is_contiguous() is False and x.is_contiguous() is True
    assert x.view_as(mg.zeros(3, 2)).shape == (3, 2)
    with pytest.raises(ValueError, match="minigrad runs on the CPU only"):
        x.cuda()


def test_type_names_and_conversions():
    x = mg.ones(2)
    assert x.type() == "minigrad.FloatTensor"
    assert mg.ones(2, dtype=mg.float64).type() == "minigrad.DoubleTensor"
    assert mg.tensor([1, 2]).type() == "minigrad.LongTensor"
    assert mg.tensor([True]).type() == "minigrad.BoolTensor"
    for target in (mg.int64, mg.LongTensor, "torch.LongTensor", "minigrad.LongTensor"):
        assert x.type(target).dtype == mg.int64
    with pytest.raises(ValueError, match="invalid type 'torch.FooTensor'"):
        x.type("torch.FooTensor")


def test_mm_and_bmm_check_their_ranks_and_take_out():
    a, b = mg.ones(2, 3), mg.ones(3, 4)
    with pytest.raises(ValueError, match=r"mm: both arguments must be 2-D matrices, got "
                                         r"shapes \(3,\) and \(3, 4\)"):
        mg.mm(mg.ones(3), b)
    with pytest.raises(ValueError, match="bmm: both arguments must be 3-D"):
        a.bmm(b)
    with pytest.raises(ValueError, match="bmm: batch sizes differ"):
        mg.bmm(mg.ones(2, 2, 3), mg.ones(3, 3, 4))
    out = mg.zeros(2, 4)
    assert mg.mm(a, b, out=out) is out and out.tolist() == [[3.0] * 4] * 2


def test_narrow_and_roll_errors():
    x = mg.arange(6).reshape(2, 3)
    assert x.narrow(-1, -2, 2).tolist() == [[1, 2], [4, 5]]
    with pytest.raises(ValueError, match="exceeds dimension"):
        x.narrow(1, 2, 2)
    with pytest.raises(IndexError, match="out of range"):
        x.narrow(2, 0, 1)
    with pytest.raises(ValueError, match="shifts and dims must align"):
        x.roll((1, 2), 0)
    assert mg.roll(x, 1).tolist() == [[5, 0, 1], [2, 3, 4]]  # flattened, rolled, reshaped


def test_topk_is_a_named_tuple_with_int64_indices_and_checks_k():
    x = mg.tensor([[1.0, 5.0, 3.0], [6.0, 2.0, 4.0]])
    result = x.topk(2)
    values, indices = result
    assert result.values is values and result.indices is indices
    assert values.tolist() == [[5.0, 3.0], [6.0, 4.0]] and indices.dtype == mg.int64
    assert indices.tolist() == [[1, 2], [0, 2]]
    assert mg.topk(x, 1, dim=0, largest=False).indices.tolist() == [[0, 1, 0]]
    assert mg.tensor([2, 2, 1]).topk(2).indices.tolist() == [0, 1]  # ties: lower index first
    with pytest.raises(IndexError, match=r"topk: k \(4\) out of range"):
        x.topk(4)


def test_randint_takes_pytorchs_signatures():
    mg.manual_seed(0)
    a = mg.randint(10, (3,))
    mg.manual_seed(0)
    b = mg.randint(0, 10, (3,))
    mg.manual_seed(0)
    c = mg.randint(high=10, size=(3,))
    assert a.tolist() == b.tolist() == c.tolist() and a.dtype == mg.int64
    assert mg.randint(3, 5, size=(50,)).numpy().min() >= 3
    with pytest.raises(ValueError, match="need low < high"):
        mg.randint(5, 5, (2,))
    with pytest.raises(TypeError, match="high must be an int"):
        mg.randint(0, 2.5, (2,))


def test_new_factories_take_the_tensors_dtype():
    x = mg.ones(2, dtype=mg.float64)
    assert x.new_zeros(2, 3).shape == (2, 3) and x.new_zeros((2, 3)).dtype == mg.float64
    assert x.new_ones(2).tolist() == [1.0, 1.0] and x.new_ones(2).dtype == mg.float64
    assert x.new_empty((4,)).shape == (4,)
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_full((2,), 7).dtype == mg.float64
    t = x.new_tensor([1, 2])
    assert t.dtype == mg.float64 and t.tolist() == [1.0, 2.0]
    assert x.new_zeros(2, dtype=mg.int64).dtype == mg.int64
    assert x.new_zeros(2, requires_grad=True).requires_grad
    p = mg.nn.Parameter(mg.ones(3))
    assert p.new_zeros(3).requires_grad is False
    with pytest.raises(ValueError, match="minigrad runs on the CPU only"):
        x.new_zeros(2, device="cuda")


def test_multinomial_draws_by_weight():
    g = Generator(0)
    draws = mg.multinomial(mg.tensor([1.0, 3.0, 0.0]), 4000, replacement=True, generator=g)
    counts = np.bincount(draws.numpy(), minlength=3)
    assert draws.dtype == mg.int64 and counts[2] == 0
    assert 0.70 < counts[1] / 4000 < 0.80  # 3:1, sd of the share ~0.007
    rows = mg.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]).multinomial(2, generator=g)
    assert rows.shape == (2, 2)
    assert sorted(rows[0].tolist()) == [1, 2] and sorted(rows[1].tolist()) == [0, 2]


@pytest.mark.parametrize(("probs", "n", "replacement", "match"), [
    ([1.0, -1.0], 1, False, "element < 0"),
    ([0.0, 0.0], 1, True, "sum of probabilities <= 0"),
    ([1.0, 0.0, 1.0], 3, False, "cannot sample n_sample=3"),
    ([[[1.0]]], 1, True, "must be 1 or 2 dim"),
])
def test_multinomial_refuses_what_pytorch_refuses(probs, n, replacement, match):
    with pytest.raises(ValueError, match=match):
        mg.multinomial(mg.tensor(probs), n, replacement)


def test_normal_forms():
    mg.manual_seed(1)
    a = mg.normal(mg.full((20000,), 3.0), 2.0)
    assert a.dtype == mg.float32 and abs(float(a.mean()) - 3.0) < 0.1
    assert abs(float(a.std()) - 2.0) < 0.1
    assert mg.normal(0.0, 1.0, size=(2, 3)).shape == (2, 3)
    assert mg.normal(mg.zeros(2, dtype=mg.float64), mg.ones(2)).dtype == mg.float64
    assert mg.normal(mg.tensor([1.0, 2.0]), 0.0).tolist() == [1.0, 2.0]
    assert mg.normal(0.0, mg.zeros(2, 1)).shape == (2, 1)
    with pytest.raises(TypeError, match="give size"):
        mg.normal(0.0, 1.0)
    with pytest.raises(ValueError, match="std must be >= 0"):
        mg.normal(mg.zeros(2), -1.0)


def test_typed_constructors():
    assert mg.LongTensor([1, 2]).dtype == mg.int64 and mg.LongTensor([1, 2]).tolist() == [1, 2]
    f = mg.FloatTensor([1, 2])
    assert f.dtype == mg.float32 and f.tolist() == [1.0, 2.0]
    assert mg.FloatTensor(2, 3).shape == (2, 3) and mg.DoubleTensor(2).dtype == mg.float64
    assert mg.BoolTensor([1, 0]).tolist() == [True, False]
    assert isinstance(f, mg.FloatTensor) and not isinstance(f, mg.LongTensor)
    assert not isinstance([1.0], mg.FloatTensor)


def test_tensor_legacy_constructor():
    x = mg.Tensor(3, 4)
    assert x.shape == (3, 4) and x.dtype == mg.float32 and not x.requires_grad
    assert mg.Tensor(5).shape == (5,) and mg.Tensor().shape == (0,)
    d = mg.Tensor([[1, 2], [3, 4]])
    assert d.dtype == mg.float32 and d.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    arr = np.arange(3)
    assert mg.Tensor(arr).dtype == mg.int64  # an ndarray keeps its dtype
    assert mg.Tensor([1.0], requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="negative dimension"):
        mg.Tensor(2, -1)
    with pytest.raises(TypeError, match="expected data"):
        mg.Tensor([1], [2])


def test_format_of_a_0_dim_tensor_is_its_numbers():
    loss = mg.tensor(0.123456, dtype=mg.float64)
    assert f"{loss:.4f}" == "0.1235" and f"{loss:>8.2f}" == "    0.12"
    assert f"{mg.tensor(3):d}" == "3" and f"{loss}" == "0.123456"
    assert f"{mg.ones(2)}" == str(mg.ones(2))
    with pytest.raises(TypeError, match=r"only a 0-dim tensor formats as a number"):
        f"{mg.ones(1):.3f}"


def test_size_is_a_tuple_that_prints_as_pytorchs():
    s = mg.zeros(2, 3).size()
    assert isinstance(s, tuple) and isinstance(s, mg.Size)
    assert s == (2, 3) and repr(s) == "minigrad.Size([2, 3])" and s.numel() == 6
    assert isinstance(s[1:], mg.Size) and s[1:] == (3,) and s[0] == 2
    assert mg.zeros(2, 3).size(-1) == 3 and mg.Size([]).numel() == 1
    assert mg.zeros(*s).shape == (2, 3) and mg.zeros(s).shape == (2, 3)


@pytest.mark.parametrize(("call", "expected"), [
    (lambda out: mg.add(mg.ones(2), 2, out=out), [3.0, 3.0]),
    (lambda out: mg.add(mg.ones(2), mg.ones(2), alpha=3, out=out), [4.0, 4.0]),
    (lambda out: mg.sub(mg.ones(2), 3, out=out), [-2.0, -2.0]),
    (lambda out: mg.mul(mg.ones(2), 5, out=out), [5.0, 5.0]),
    (lambda out: mg.div(mg.ones(2), 4, out=out), [0.25, 0.25]),
    (lambda out: mg.matmul(mg.ones(2, 3), mg.ones(3), out=out), [3.0, 3.0]),
    (lambda out: mg.cat([mg.ones(1), mg.zeros(1)], out=out), [1.0, 0.0]),
    (lambda out: mg.stack([mg.ones(()), mg.zeros(())], out=out), [1.0, 0.0]),
])
def test_out_writes_into_the_given_tensor(call, expected):
    out = mg.zeros(2)
    assert call(out) is out and out.tolist() == expected


def test_out_refuses_a_result_that_needs_a_gradient():
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        mg.mul(mg.ones(2, requires_grad=True), 2, out=mg.zeros(2))
