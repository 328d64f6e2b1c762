"""In-place writes into views: minigrad knows a view's base (the tensor that owns the
memory) and refuses the writes autograd would get wrong, instead of changing the base's
values behind its graph."""

import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize("make_view", [
    lambda w: w[0:2], lambda w: w.reshape(2, 2)[0], lambda w: w.reshape(2, 2).T,
])
def test_a_view_of_a_leaf_that_requires_grad_refuses_in_place_writes(make_view):
    w = mg.ones(4, requires_grad=True)
    view = make_view(w)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        view.add_(1.0)
    with mg.no_grad():
        detached_view = make_view(w)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        detached_view.mul_(2.0)
    assert w.detach().tolist() == [1.0] * 4  # nothing was written


def test_a_recorded_write_into_a_view_of_a_constant_is_refused_not_lost():
    w = mg.ones(2, requires_grad=True)
    b = mg.zeros(4)
    with pytest.raises(RuntimeError, match="view of another tensor"):
        b[0:2].add_(w)
    assert b.tolist() == [0.0] * 4
    b[0:2] = w * 3  # the supported spelling: write into the base itself
    b.sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]


def test_writes_that_need_no_graph_still_work_on_views():
    w = mg.ones(4, requires_grad=True)
    with mg.no_grad():
        w[0:2].mul_(5.0)  # an optimizer-style update under no_grad
    w.data[2:].add_(1.0)  # through .data: unrecorded, as in PyTorch
    assert w.detach().tolist() == [5.0, 5.0, 2.0, 2.0]
    c = mg.zeros(3)
    c[1:].add_(1.0)  # nothing requires grad: a plain write
    assert c.tolist() == [0.0, 1.0, 1.0]


def test_a_view_remembers_the_tensor_that_owns_the_memory():
    base = mg.arange(6.0)
    view = base.reshape(2, 3)[1]
    assert view._base is base
    copy = base * 2
    assert getattr(copy, "_base", None) is None
    assert np.shares_memory(view.numpy(), base.numpy())
