"""PyTorch's NumPy-style keyword aliases (``axis=`` for ``dim=``, ``keepdims=`` for
``keepdim=``) and ``out=`` on the pointwise functions."""

import numpy as np
import pytest

import minigrad as mg

X = (np.arange(12.0).reshape(3, 4) - 5.5).astype(np.float32)
IDX = np.array([[2, 0, 1, 2]])

# name, call with dim=/keepdim=, the same call with axis=/keepdims=
ALIASED = [
    ("all", lambda x: mg.all(x > 0, dim=1, keepdim=True),
     lambda x: mg.all(x > 0, axis=1, keepdims=True)),
    ("any", lambda x: (x > 0).any(dim=0), lambda x: (x > 0).any(axis=0)),
    ("argsort", lambda x: mg.argsort(-x, dim=0), lambda x: mg.argsort(-x, axis=0)),
    ("sort", lambda x: x.sort(dim=0, descending=True).values,
     lambda x: x.sort(axis=0, descending=True).values),
    ("topk", lambda x: mg.topk(x, 2, dim=0).indices, lambda x: mg.topk(x, 2, axis=0).indices),
    ("cat", lambda x: mg.cat([x, -x], dim=1), lambda x: mg.cat([x, -x], axis=1)),
    ("concat", lambda x: mg.concat([x, x], dim=1), lambda x: mg.concat([x, x], axis=1)),
    ("concatenate", lambda x: mg.concatenate([x, x], dim=0),
     lambda x: mg.concatenate([x, x], axis=0)),
    ("stack", lambda x: mg.stack([x, -x], dim=2), lambda x: mg.stack([x, -x], axis=2)),
    ("chunk", lambda x: x.chunk(2, dim=1)[1], lambda x: x.chunk(2, axis=1)[1]),
    ("gather", lambda x: mg.gather(x, dim=0, index=mg.tensor(IDX)),
     lambda x: mg.gather(x, axis=0, index=mg.tensor(IDX))),
    ("index_select", lambda x: x.index_select(dim=1, index=mg.tensor([3, 0])),
     lambda x: x.index_select(axis=1, index=mg.tensor([3, 0]))),
    ("narrow", lambda x: mg.narrow(x, dim=1, start=1, length=2),
     lambda x: mg.narrow(x, axis=1, start=1, length=2)),
    ("squeeze", lambda x: x[:, None].squeeze(dim=1), lambda x: x[:, None].squeeze(axis=1)),
    ("unsqueeze", lambda x: x.unsqueeze(dim=-1), lambda x: x.unsqueeze(axis=-1)),
    ("unflatten", lambda x: mg.unflatten(x, dim=1, sizes=(2, 2)),
     lambda x: mg.unflatten(x, axis=1, sizes=(2, 2))),
    ("sum", lambda x: x.sum(dim=1, keepdim=True), lambda x: x.sum(axis=1, keepdims=True)),
    ("argmax", lambda x: x.argmax(dim=1, keepdim=True), lambda x: x.argmax(axis=1, keepdims=True)),
    ("max", lambda x: mg.max(x, dim=0).values, lambda x: mg.max(x, axis=0).values),
]


@pytest.mark.parametrize("name,with_dim,with_axis", ALIASED, ids=[a[0] for a in ALIASED])
def test_axis_and_keepdims_mean_dim_and_keepdim(name, with_dim, with_axis):
    x = mg.tensor(X)
    expected, got = with_dim(x), with_axis(x)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


def test_aliases_flow_gradients_and_refuse_both_names():
    x = mg.tensor(X, requires_grad=True)
    mg.cat([x, 2 * x], axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 4), 3.0))
    with pytest.raises(TypeError, match="cat: pass dim or axis, not both"):
        mg.cat([x, x], dim=0, axis=1)
    with pytest.raises(TypeError, match="all: pass keepdim or keepdims, not both"):
        mg.all(x > 0, 0, keepdim=True, keepdims=True)
    assert mg.all(mg.tensor(X) > -10, axis=(0, 1)).item() is True


POINTWISE = [  # name, minigrad function, NumPy reference
    ("exp", mg.exp, np.exp),
    ("log", lambda x, **kw: mg.log(mg.abs(x) + 1, **kw), lambda a: np.log(np.abs(a) + 1)),
    ("log1p", lambda x, **kw: mg.log1p(mg.abs(x), **kw), lambda a: np.log1p(np.abs(a))),
    ("sqrt", lambda x, **kw: mg.sqrt(mg.abs(x), **kw), lambda a: np.sqrt(np.abs(a))),
    ("rsqrt", lambda x, **kw: mg.rsqrt(mg.abs(x) + 1, **kw), lambda a: (np.abs(a) + 1) ** -0.5),
    ("square", mg.square, np.square),
    ("sin", mg.sin, np.sin),
    ("cos", mg.cos, np.cos),
    ("abs", mg.abs, np.abs),
    ("neg", mg.neg, np.negative),
    ("tanh", mg.tanh, np.tanh),
    ("sigmoid", mg.sigmoid, lambda a: 1 / (1 + np.exp(-a))),
    ("erf", mg.erf, np.vectorize(__import__("math").erf)),
    ("sign", mg.sign, np.sign),
    ("floor", lambda x, **kw: mg.floor(x / 3, **kw), lambda a: np.floor(a / 3)),
    ("ceil", lambda x, **kw: mg.ceil(x / 3, **kw), lambda a: np.ceil(a / 3)),
    ("round", lambda x, **kw: mg.round(x / 3, **kw), lambda a: np.round(a / 3)),
    ("pow", lambda x, **kw: mg.pow(x, 2, **kw), lambda a: a**2),
    ("clamp", lambda x, **kw: mg.clamp(x, -1.0, 2.0, **kw), lambda a: np.clip(a, -1, 2)),
    ("clamp_tensor", lambda x, **kw: mg.clamp(x, min=mg.zeros(4), **kw),
     lambda a: np.maximum(a, 0)),
    ("clip", lambda x, **kw: mg.clip(x, max=0.5, **kw), lambda a: np.minimum(a, 0.5)),
    ("maximum", lambda x, **kw: mg.maximum(x, mg.ones(4), **kw), lambda a: np.maximum(a, 1)),
    ("minimum", lambda x, **kw: mg.minimum(x, mg.ones(4), **kw), lambda a: np.minimum(a, 1)),
    ("where", lambda x, **kw: mg.where(x > 0, x, mg.zeros(1), **kw),
     lambda a: np.where(a > 0, a, 0)),
]


@pytest.mark.parametrize("name,fn,ref", POINTWISE, ids=[p[0] for p in POINTWISE])
def test_out_writes_into_the_given_tensor(name, fn, ref):
    x = mg.tensor(X)
    out = mg.full((3, 4), 7.0)
    result = fn(x, out=out)
    assert result is out and out.dtype == mg.float32
    np.testing.assert_allclose(out.numpy(), ref(X), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(fn(x).numpy(), out.numpy(), rtol=0, atol=0)  # same as without
    resized = mg.empty(0)
    assert fn(x, out=resized) is resized and resized.shape == (3, 4)


@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge", "logical_and",
                                  "logical_or", "logical_xor"])
def test_out_on_comparisons(name):
    out = mg.zeros(3, 4, dtype=mg.bool)
    fn = getattr(mg, name)
    assert fn(mg.tensor(X), 0.5, out=out) is out
    np.testing.assert_array_equal(out.numpy(), fn(mg.tensor(X), 0.5).numpy())
    not_out = mg.zeros(3, 4, dtype=mg.bool)
    assert mg.logical_not(mg.tensor(X) > 0, out=not_out) is not_out
    np.testing.assert_array_equal(not_out.numpy(), X <= 0)


def test_out_errors_as_pytorch():
    x = mg.tensor(X, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"exp\(\): functions with out=\.\.\. arguments don't "
                                           "support automatic differentiation"):
        mg.exp(x, out=mg.empty(3, 4))
    with pytest.raises(RuntimeError, match="tanh: result type float32 can't be cast to the "
                                           "desired output type int64"):
        mg.tanh(mg.tensor(X, dtype=mg.float32), out=mg.zeros(3, 4, dtype=mg.int64))
    with mg.no_grad():  # out= is fine when nothing is recorded
        assert mg.exp(x, out=mg.empty(3, 4)).shape == (3, 4)
