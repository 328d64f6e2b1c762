"""In-place writes of a value that requires grad are recorded as PyTorch records them:
the target takes the graph of the out-of-place op, and gradients match that op's."""

import numpy as np
import pytest

import minigrad as mg

# (name, in-place write of w into y, out-of-place equivalent giving y's new value)
WRITES = [
    ("iadd", lambda y, w: y.__iadd__(w), lambda y, w: y + w),
    ("add_", lambda y, w: y.add_(w, alpha=0.5), lambda y, w: y + 0.5 * w),
    ("isub", lambda y, w: y.__isub__(w), lambda y, w: y - w),
    ("sub_", lambda y, w: y.sub_(w, alpha=2), lambda y, w: y - 2 * w),
    ("imul", lambda y, w: y.__imul__(w), lambda y, w: y * w),
    ("mul_", lambda y, w: y.mul_(w), lambda y, w: y * w),
    ("div_", lambda y, w: y.div_(w), lambda y, w: y / w),
    ("copy_", lambda y, w: y.copy_(w), lambda y, w: w + 0 * y),
    ("copy_broadcast", lambda y, w: y.copy_(w[0]), lambda y, w: w[0] + 0 * y),
    ("fill_", lambda y, w: y.fill_(w[1, 2]), lambda y, w: w[1, 2] + 0 * y),
    ("setitem_row", lambda y, w: y.__setitem__(0, w[0]),
     lambda y, w: mg.cat([w[0:1], y[1:]])),
    ("setitem_all", lambda y, w: y.__setitem__(slice(None), w * 2), lambda y, w: w * 2 + 0 * y),
    ("setitem_tensor_index", lambda y, w: y.__setitem__(mg.tensor([2, 0]), w[1:]),
     lambda y, w: mg.cat([w[2:3], y[1:2], w[1:2]])),
    ("setitem_scalar_broadcast", lambda y, w: y.__setitem__((1, slice(None)), w[0, 0]),
     lambda y, w: mg.cat([y[0:1], w[0, 0] + 0 * y[1:2], y[2:]])),
]


def _call(write, y, w):
    out = write(y, w)
    return y if out is None else out


@pytest.mark.parametrize("name,write,reference", WRITES, ids=[w[0] for w in WRITES])
@pytest.mark.parametrize("target", ["constant", "non_leaf"])
def test_recorded_write_matches_the_out_of_place_op(name, write, reference, target):
    rng = np.random.default_rng(0)
    y0 = rng.uniform(1, 2, (3, 4))
    w0 = rng.uniform(1, 2, (3, 4))
    cot = mg.tensor(rng.normal(size=(3, 4)))

    def make():
        w = mg.tensor(w0, requires_grad=True)
        base = mg.tensor(y0, requires_grad=target == "non_leaf")
        y = base * 1.0 if target == "non_leaf" else mg.tensor(y0)
        return base, y, w

    base, y, w = make()
    out = _call(write, y, w)
    assert out is y and y.requires_grad and y.grad_fn is not None
    (y * cot).sum().backward()

    rbase, ry, rw = make()
    expected = reference(ry, rw)
    (expected * cot).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(w.grad.numpy(), rw.grad.numpy(), rtol=1e-12, atol=1e-15)
    if target == "non_leaf":  # an overwrite disconnects the old values: None means zeros
        got = np.zeros((3, 4)) if base.grad is None else base.grad.numpy()
        np.testing.assert_allclose(got, rbase.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_setitem_gradients_against_finite_differences():
    idx = mg.tensor([2, 0])

    def fn(x, v):
        y = x * 1.0
        y[idx] = v
        y[1, 1:3] = v[0, 0]
        return y

    x = mg.tensor(np.random.default_rng(1).normal(size=(3, 4)), requires_grad=True)
    v = mg.tensor(np.random.default_rng(2).normal(size=(2, 4)), requires_grad=True)
    assert mg.autograd.gradcheck(fn, (x, v))


def test_lora_style_accumulation_reaches_the_adapter():
    x = mg.randn(5, 4)
    frozen = mg.randn(3, 4)  # does not require grad
    a = mg.randn(2, 4, requires_grad=True)
    b = mg.randn(3, 2, requires_grad=True)
    result = x @ frozen.T
    result += (x @ a.T) @ b.T
    result.sum().backward()
    assert a.grad is not None and b.grad is not None
    expected = ((x @ frozen.T) + (x @ a.T) @ b.T).detach()
    np.testing.assert_allclose(result.detach().numpy(), expected.numpy(), rtol=1e-5)


def test_write_into_a_leaf_that_requires_grad_is_refused():
    p = mg.ones(3, requires_grad=True)
    w = mg.ones(3, requires_grad=True)
    for write in (lambda: p.add_(w), lambda: p.mul_(2.0), lambda: p.__setitem__(0, w[0]),
                  lambda: p.copy_(w)):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            write()
    with mg.no_grad():
        p.add_(w)
    np.testing.assert_array_equal(p.detach().numpy(), [2.0, 2.0, 2.0])


def test_a_recorded_write_bumps_the_version_of_what_was_saved_before():
    w = mg.randn(3, requires_grad=True)
    h = w * 1.0
    e = h.exp()  # saves its output, not h
    s = h * h  # saves h
    h += w
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        s.sum().backward()
    e.sum().backward()  # exp did not save h: unaffected


def test_writes_that_cannot_fit_are_refused():
    w = mg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="can't be cast"):
        mg.zeros(3, dtype=mg.int64).add_(w)
    with pytest.raises(RuntimeError, match="shape"):
        mg.zeros(3).add_(mg.randn(2, 3, requires_grad=True))


def test_without_grad_mode_nothing_is_recorded():
    w = mg.randn(3, requires_grad=True)
    y = mg.zeros(3)
    with mg.no_grad():
        y += w
    assert not y.requires_grad and y.grad_fn is None


def test_read_only_memory_is_named():
    arr = np.zeros(3, dtype=np.float32)
    arr.setflags(write=False)
    t = mg.from_numpy(arr)
    for write in (lambda: t.add_(1.0), lambda: t.__setitem__(0, 1.0), lambda: t.zero_(),
                  lambda: t.add_(mg.ones(3, requires_grad=True))):
        with pytest.raises(RuntimeError, match="read-only"):
            write()


def test_clamp_in_place_on_a_non_leaf_matches_clamp():
    x0 = np.array([-2.0, -0.5, 0.5, 2.0])
    x = mg.tensor(x0, requires_grad=True)
    h = x * 1.0
    h.clamp_(-1.0, 1.0)
    (h * mg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    r = mg.tensor(x0, requires_grad=True)
    (r.clamp(-1.0, 1.0) * mg.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_allclose(h.detach().numpy(), [-1.0, -0.5, 0.5, 1.0])
    np.testing.assert_allclose(x.grad.numpy(), r.grad.numpy())
