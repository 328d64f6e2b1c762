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


def run(p0, grads, **kwargs):
    p = mg.tensor(p0, dtype=mg.float64, requires_grad=True)
    opt = Adadelta([p], **kwargs)
    history = []
    for g in grads:
        p.grad = mg.tensor(g, dtype=mg.float64)
        opt.step()
        history.append(p.detach().numpy().tolist())
    return history, opt.state[p]


def test_two_steps_two_elements():
    # rho = 0.5, eps = 1e-2 (large, so the numbers are easy), lr = 2.
    # element 0, g = 1 then 3:
    #   t1: v = 0.5*1 = 0.5;        delta = sqrt(0 + .01)/sqrt(.5 + .01)*1 = 0.1/0.714143 = 0.140028
    #       u = 0.5*delta^2 = 0.0098039;  p = 1 - 2*0.140028 = 0.719944
    #   t2: v = 0.25 + 0.5*9 = 4.75; delta = sqrt(.0198039)/sqrt(4.76)*3 = 0.140726/2.181742*3
    #       = 0.193506;  p = 0.719944 - 2*0.193506 = 0.332933
    # element 1, g = -2 then 0: t1: v = 2, delta = 0.1/sqrt(2.01)*(-2); t2: delta = 0
    eps, rho, lr = 1e-2, 0.5, 2.0
    v1 = [0.5 * 1, 0.5 * 4]
    d1 = [math.sqrt(eps) / math.sqrt(v1[0] + eps) * 1, math.sqrt(eps) / math.sqrt(v1[1] + eps) * -2]
    u1 = [0.5 * d * d for d in d1]
    p1 = [1 - lr * d1[0], -1 - lr * d1[1]]
    v2 = [0.5 * v1[0] + 0.5 * 9, 0.5 * v1[1]]
    d2 = [math.sqrt(u1[0] + eps) / math.sqrt(v2[0] + eps) * 3, 0.0]
    u2 = [0.5 * u1[0] + 0.5 * d2[0] ** 2, 0.5 * u1[1]]
    p2 = [p1[0] - lr * d2[0], p1[1]]
    history, state = run([1.0, -1.0], [[1.0, -2.0], [3.0, 0.0]], lr=lr, rho=rho, eps=eps)
    np.testing.assert_allclose(history, [p1, p2], rtol=1e-14, atol=1e-15)
    assert p2[0] == pytest.approx(0.332933, abs=1e-6)
    assert state["step"] == 2 and sorted(state) == ["acc_delta", "square_avg", "step"]
    np.testing.assert_allclose(state["square_avg"], v2, rtol=1e-14)
    np.testing.assert_allclose(state["acc_delta"], u2, rtol=1e-14)


def test_weight_decay_and_maximize():
    # weight decay 0.5 with p = 2: g = 1 + 0.5*2 = 2; v = 0.1*4 (rho 0.9) = 0.4
    #   delta = sqrt(1e-6)/sqrt(0.4 + 1e-6)*2;  p = 2 - delta
    eps = 1e-6
    delta = math.sqrt(eps) / math.sqrt(0.4 + eps) * 2
    history, _ = run([2.0], [[1.0]], weight_decay=0.5)
    np.testing.assert_allclose(history, [[2 - delta]], rtol=1e-14)
    # maximize: g = -1, v = 0.1;  p = 2 + sqrt(eps)/sqrt(0.1 + eps)
    history, _ = run([2.0], [[1.0]], maximize=True)
    np.testing.assert_allclose(history, [[2 + math.sqrt(eps) / math.sqrt(0.1 + eps)]],
                               rtol=1e-14)


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
