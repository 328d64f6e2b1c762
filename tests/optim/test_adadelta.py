"""Adadelta against values worked out by hand from PyTorch's documented update rule.

v = rho*v + (1-rho)*g^2;  delta = sqrt(u + eps)/sqrt(v + eps)*g;  u = rho*u + (1-rho)*delta^2;
p = p - lr*delta.  Parameters are float64 so each expected value is the arithmetic beside it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import Adadelta


def test_state_after_two_steps_has_pytorchs_names_and_values():
    # rho = 0.5, eps = 0.01, one element, g = 1 then 3 (the values of test_optimizers_math):
    #   v1 = 0.5, delta1 = 0.1/sqrt(0.51), u1 = 0.5*delta1^2
    #   v2 = 0.5*v1 + 0.5*9 = 4.75, delta2 = sqrt(u1 + .01)/sqrt(4.76)*3, u2 = 0.5*u1 + 0.5*delta2^2
    p = mg.tensor([1.0], dtype=mg.float64, requires_grad=True)
    opt = Adadelta([p], lr=2.0, rho=0.5, eps=1e-2)
    for g in (1.0, 3.0):
        p.grad = mg.tensor([g], dtype=mg.float64)
        opt.step()
    delta1 = 0.1 / math.sqrt(0.51)
    u1 = 0.5 * delta1 ** 2
    delta2 = math.sqrt(u1 + 0.01) / math.sqrt(4.76) * 3
    state = opt.state[p]
    assert state["step"] == 2 and sorted(state) == ["acc_delta", "square_avg", "step"]
    np.testing.assert_allclose(state["square_avg"], [4.75], rtol=1e-14)
    np.testing.assert_allclose(state["acc_delta"], [0.5 * u1 + 0.5 * delta2 ** 2], rtol=1e-14)


def test_float32_parameters_keep_float32_state_and_defaults_match_pytorch():
    p = mg.tensor([1.0, 2.0], requires_grad=True)
    opt = Adadelta([p])
    assert {k: v for k, v in opt.defaults.items()} == {
        "lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0, "foreach": None,
        "capturable": False, "maximize": False, "differentiable": False}
    p.grad = mg.tensor([0.5, 0.5])
    opt.step()
    assert p.dtype == np.float32
    assert all(opt.state[p][k].dtype == np.float32 for k in ("square_avg", "acc_delta"))


@pytest.mark.parametrize("kwargs, message", [
    ({"lr": -1.0}, "invalid lr value: -1.0"),
    ({"rho": 1.5}, "invalid rho value: 1.5"),
    ({"rho": -0.1}, "invalid rho value: -0.1"),
    ({"eps": -1e-6}, "invalid eps value"),
    ({"weight_decay": -1}, "invalid weight_decay value"),
    ({"capturable": True}, "capturable=True is for CUDA graphs"),
    ({"differentiable": True}, "differentiable=True"),
])
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Adadelta([mg.zeros(1, requires_grad=True)], **kwargs)


def test_state_dict_resumes_bit_identically(tmp_path):
    grads = [np.array([0.3, -1.2], np.float32), np.array([2.0, 0.1], np.float32),
             np.array([-0.7, 0.4], np.float32)]

    def step(opt, p, g):
        p.grad = mg.tensor(g)
        opt.step()

    p = mg.tensor([1.0, -1.0], requires_grad=True)
    opt = Adadelta([p], lr=0.5, weight_decay=0.01)
    step(opt, p, grads[0])
    step(opt, p, grads[1])
    mg.save({"opt": opt.state_dict(), "p": p}, tmp_path / "ck.pt")
    step(opt, p, grads[2])
    ckpt = mg.load(tmp_path / "ck.pt")
    q = mg.tensor(ckpt["p"].detach().numpy().copy(), requires_grad=True)
    resumed = Adadelta([q], lr=3.0)
    resumed.load_state_dict(ckpt["opt"])
    step(resumed, q, grads[2])
    assert q.detach().numpy().tobytes() == p.detach().numpy().tobytes()
