"""foreach=, fused=, capturable=, differentiable= on the optimizers, as PyTorch spells them."""

import numpy as np
import pytest

import minigrad as mg
from minigrad import optim

CASES = [
    (optim.SGD, {"lr": 0.1, "momentum": 0.9}, ("foreach", "fused", "differentiable")),
    (optim.Adam, {"lr": 0.1}, ("foreach", "fused", "capturable", "differentiable")),
    (optim.AdamW, {"lr": 0.1}, ("foreach", "fused", "capturable", "differentiable")),
    (optim.RMSprop, {"lr": 0.1}, ("foreach", "capturable", "differentiable")),
    (optim.Adagrad, {"lr": 0.1}, ("foreach", "fused", "differentiable")),
    (optim.Adadelta, {"lr": 1.0}, ("foreach", "capturable", "differentiable")),
]


def _two_steps(cls, kwargs):
    w = mg.tensor([1.0, -2.0, 0.5], dtype=mg.float64, requires_grad=True)
    opt = cls([w], **kwargs)
    for _ in range(2):
        opt.zero_grad()
        (w * w * w).sum().backward()
        opt.step()
    return w.detach().numpy()


@pytest.mark.parametrize("cls,kwargs,flags", CASES, ids=[c[0].__name__ for c in CASES])
def test_foreach_and_fused_change_nothing(cls, kwargs, flags):
    plain = _two_steps(cls, kwargs)
    assert not np.array_equal(plain, [1.0, -2.0, 0.5])
    np.testing.assert_array_equal(_two_steps(cls, {**kwargs, "foreach": True}), plain)
    np.testing.assert_array_equal(_two_steps(cls, {**kwargs, "foreach": False}), plain)
    if "fused" in flags:
        np.testing.assert_array_equal(_two_steps(cls, {**kwargs, "fused": True}), plain)
        with pytest.raises(RuntimeError, match="cannot be `True` together"):
            cls([mg.zeros(2, requires_grad=True)], fused=True, foreach=True)
    else:
        with pytest.raises(TypeError):
            cls([mg.zeros(2, requires_grad=True)], fused=True)


@pytest.mark.parametrize("cls,kwargs,flags", CASES, ids=[c[0].__name__ for c in CASES])
def test_capturable_and_differentiable_true_raise(cls, kwargs, flags):
    w = mg.zeros(2, requires_grad=True)
    for flag in ("capturable", "differentiable"):
        if flag in flags:
            cls([w], **{flag: False})
            with pytest.raises(ValueError, match=f"{cls.__name__}: {flag}=True"):
                cls([w], **{flag: True})
        else:
            with pytest.raises(TypeError):
                cls([w], **{flag: False})


def test_sgd_fused_hand_computed():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1, fused=True)
    (w * w).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.8, 1.6], rtol=1e-6)
    assert opt.param_groups[0]["fused"] is True and opt.param_groups[0]["foreach"] is None


def test_flags_in_param_group_are_checked_too():
    w, v = mg.zeros(2, requires_grad=True), mg.zeros(2, requires_grad=True)
    opt = optim.Adam([w], lr=0.1)
    with pytest.raises(ValueError, match="capturable=True"):
        opt.add_param_group({"params": [v], "capturable": True})
