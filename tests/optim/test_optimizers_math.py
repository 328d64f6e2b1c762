"""Each optimizer against values worked out by hand from PyTorch's documented update rules.

Parameters are float64 and gradients are set directly, so every expected value below is
the arithmetic written in the comment beside it (eps terms kept exactly in the formulas).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.optim import SGD, Adadelta, Adagrad, Adam, AdamW, RMSprop


def run(opt_cls, p0, grads, **kwargs):
    """Take one step per gradient in ``grads``; return the parameter after each step."""
    p = mg.tensor(p0, dtype=mg.float64, requires_grad=True)
    opt = opt_cls([p], **kwargs)
    history = []
    for g in grads:
        p.grad = mg.tensor(g, dtype=mg.float64)
        opt.step()
        history.append(p.detach().numpy().tolist())
    return history


def check(history, expected):
    assert len(history) == len(expected)
    for got, want in zip(history, expected):
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)


# ----------------------------------------------------------------------------- SGD
def test_sgd_plain_two_elements():
    # p = p - lr * g
    # t1: [1 - 0.1*0.5, -2 - 0.1*1] = [0.95, -2.1]
    # t2: [0.95 - 0.1*(-1), -2.1 - 0.1*2] = [1.05, -2.3]
    history = run(SGD, [1.0, -2.0], [[0.5, 1.0], [-1.0, 2.0]], lr=0.1)
    check(history, [[0.95, -2.1], [1.05, -2.3]])


def test_sgd_momentum_first_buffer_is_the_gradient():
    # t1: b = g = 1                      p = 1 - 0.1*1 = 0.9
    # t2: b = 0.9*1 + 2 = 2.9            p = 0.9 - 0.29 = 0.61
    # t3: b = 0.9*2.9 + 3 = 5.61         p = 0.61 - 0.561 = 0.049
    history = run(SGD, [1.0], [[1.0], [2.0], [3.0]], lr=0.1, momentum=0.9)
    check(history, [[0.9], [0.61], [0.049]])


def test_sgd_dampening_is_not_applied_on_the_first_step():
    # t1: b = g = 1 (no dampening)       p = 0.9
    # t2: b = 0.9*1 + 0.5*2 = 1.9        p = 0.9 - 0.19 = 0.71
    # t3: b = 0.9*1.9 + 0.5*3 = 3.21     p = 0.71 - 0.321 = 0.389
    history = run(SGD, [1.0], [[1.0], [2.0], [3.0]], lr=0.1, momentum=0.9, dampening=0.5)
    check(history, [[0.9], [0.71], [0.389]])


def test_sgd_nesterov():
    # t1: b = 1;     g' = 1 + 0.9*1 = 1.9         p = 1 - 0.19 = 0.81
    # t2: b = 2.9;   g' = 2 + 0.9*2.9 = 4.61      p = 0.81 - 0.461 = 0.349
    # t3: b = 5.61;  g' = 3 + 0.9*5.61 = 8.049    p = 0.349 - 0.8049 = -0.4559
    history = run(SGD, [1.0], [[1.0], [2.0], [3.0]], lr=0.1, momentum=0.9, nesterov=True)
    check(history, [[0.81], [0.349], [-0.4559]])


def test_sgd_weight_decay():
    # t1: g = 1 + 0.1*1 = 1.1            p = 1 - 0.11 = 0.89
    # t2: g = 2 + 0.1*0.89 = 2.089       p = 0.89 - 0.2089 = 0.6811
    history = run(SGD, [1.0], [[1.0], [2.0]], lr=0.1, weight_decay=0.1)
    check(history, [[0.89], [0.6811]])


def test_sgd_maximize_negates_the_gradient_before_weight_decay():
    # plain: p = 1 + 0.1*1 = 1.1, then 1.1 + 0.1*2 = 1.3
    check(run(SGD, [1.0], [[1.0], [2.0]], lr=0.1, maximize=True), [[1.1], [1.3]])
    # with weight decay 0.1 (decay still pulls towards 0):
    # t1: g = -1 + 0.1*1 = -0.9          p = 1 + 0.09 = 1.09
    # t2: g = -2 + 0.1*1.09 = -1.891     p = 1.09 + 0.1891 = 1.2791
    history = run(SGD, [1.0], [[1.0], [2.0]], lr=0.1, weight_decay=0.1, maximize=True)
    check(history, [[1.09], [1.2791]])


# ---------------------------------------------------------------------------- Adam
# betas (0.5, 0.75) keep the moments round: bias corrections 1 - 0.5^t and 1 - 0.75^t.
B = (0.5, 0.75)
EPS = 1e-8


def test_adam_two_steps_two_elements():
    # element 0, g = 2 then 1:
    # t1: m = 0.5*2 = 1, v = 0.25*4 = 1; lr/(1-0.5) = 0.2; denom = sqrt(1)/sqrt(0.25) + eps
    #     p = 1 - 0.2 * 1 / (2 + eps) ~= 0.9
    # t2: m = 0.5*1 + 0.5*1 = 1, v = 0.75*1 + 0.25*1 = 1; bc1 = 0.75, bc2 = 0.4375
    #     p = p1 - (0.1/0.75) * 1 / (1/sqrt(0.4375) + eps) ~= 0.9 - 0.0881917 = 0.8118083
    # element 1, g = -4 then -4:
    # t1: m = -2, v = 4; p = -1 - 0.2 * (-2) / (2/0.5 + eps) ~= -0.9
    # t2: m = 0.5*(-2) + 0.5*(-4) = -3, v = 0.75*4 + 0.25*16 = 7
    #     p = p1 - (0.1/0.75) * (-3) / (sqrt(7)/sqrt(0.4375) + eps)  (sqrt(7/0.4375) = 4)
    #       ~= -0.9 + 0.4/4 = -0.8
    p1 = [1 - 0.2 * 1 / (2 + EPS), -1 - 0.2 * (-2) / (4 + EPS)]
    p2 = [p1[0] - (0.1 / 0.75) * 1 / (1 / math.sqrt(0.4375) + EPS),
          p1[1] - (0.1 / 0.75) * (-3) / (4 + EPS)]
    history = run(Adam, [1.0, -1.0], [[2.0, -4.0], [1.0, -4.0]], lr=0.1, betas=B, eps=EPS)
    check(history, [p1, p2])
    assert p2 == pytest.approx([0.8118083, -0.8], abs=1e-7)


def test_adam_l2_weight_decay_enters_the_gradient():
    # t1: g = 2 + 0.5*1 = 2.5; m = 1.25, v = 0.25*6.25 = 1.5625 -> sqrt(v/0.25) = 2.5
    #     p = 1 - 0.2 * 1.25 / (2.5 + eps) ~= 0.9
    # t2: g = 1 + 0.5*p1 ~= 1.45; m = 0.5*1.25 + 0.5*g; v = 0.75*1.5625 + 0.25*g^2
    #     p = p1 - (0.1/0.75) * m / (sqrt(v)/sqrt(0.4375) + eps) ~= 0.9 - 0.18/1.96977 = 0.808619
    p1 = 1 - 0.2 * 1.25 / (2.5 + EPS)
    g2 = 1 + 0.5 * p1
    m2, v2 = 0.5 * 1.25 + 0.5 * g2, 0.75 * 1.5625 + 0.25 * g2 * g2
    p2 = p1 - (0.1 / 0.75) * m2 / (math.sqrt(v2) / math.sqrt(0.4375) + EPS)
    history = run(Adam, [1.0], [[2.0], [1.0]], lr=0.1, betas=B, eps=EPS, weight_decay=0.5)
    check(history, [[p1], [p2]])
    assert p2 == pytest.approx(0.808619, abs=1e-6)


def test_adamw_decays_the_weight_before_the_adam_step():
    # t1: p = 1 * (1 - 0.1*0.5) = 0.95;  m = 1, v = 1  ->  p = 0.95 - 0.2/(2 + eps) ~= 0.85
    # t2: p = p1 * 0.95 ~= 0.8075;       m = 1, v = 1  ->  p -= (0.1/0.75)/(1/sqrt(0.4375) + eps)
    #     ~= 0.8075 - 0.0881917 = 0.7193083
    p1 = 0.95 - 0.2 / (2 + EPS)
    p2 = p1 * 0.95 - (0.1 / 0.75) / (1 / math.sqrt(0.4375) + EPS)
    history = run(AdamW, [1.0], [[2.0], [1.0]], lr=0.1, betas=B, eps=EPS, weight_decay=0.5)
    check(history, [[p1], [p2]])
    assert p2 == pytest.approx(0.7193083, abs=1e-7)


def test_adam_amsgrad_uses_the_largest_second_moment():
    # t1: m = 1, v = 1, v_max = 1              p1 = 1 - 0.2/(2 + eps)
    # t2 (g = 0): m = 0.5, v = 0.75, v_max = 1
    #   amsgrad:  p2 = p1 - (0.1/0.75)*0.5 / (sqrt(1)/sqrt(0.4375) + eps)    (~ -0.0440959)
    #   plain:    p2 = p1 - (0.1/0.75)*0.5 / (sqrt(0.75)/sqrt(0.4375) + eps) (~ -0.0509175)
    p1 = 1 - 0.2 / (2 + EPS)
    with_max = p1 - (0.1 / 0.75) * 0.5 / (1 / math.sqrt(0.4375) + EPS)
    without = p1 - (0.1 / 0.75) * 0.5 / (math.sqrt(0.75) / math.sqrt(0.4375) + EPS)
    grads = [[2.0], [0.0]]
    check(run(Adam, [1.0], grads, lr=0.1, betas=B, eps=EPS, amsgrad=True), [[p1], [with_max]])
    check(run(Adam, [1.0], grads, lr=0.1, betas=B, eps=EPS), [[p1], [without]])
    assert p1 - with_max == pytest.approx(0.0440959, abs=1e-7)


def test_adam_maximize_climbs():
    # g = -2: m = -1, v = 1  ->  p = 1 + 0.2/(2 + eps) ~= 1.1
    check(run(Adam, [1.0], [[2.0]], lr=0.1, betas=B, eps=EPS, maximize=True),
          [[1 + 0.2 / (2 + EPS)]])


def test_adam_defaults_first_step_is_lr_times_sign():
    # betas (0.9, 0.999): m = 0.1 g, v = 0.001 g^2; m/(1-0.9) = g, sqrt(v/(1-0.999)) = |g|
    # p = 1 - 1e-3 * g / (|g| + 1e-8) with g = 3
    check(run(Adam, [1.0], [[3.0]]), [[1 - 1e-3 * 3 / (3 + 1e-8)]])


def test_adam_keeps_float32_params_and_state_in_float32():
    p = mg.tensor([1.0, -1.0], requires_grad=True)
    opt = Adam([p], lr=0.1, betas=B, eps=EPS)
    p.grad = mg.tensor([2.0, -4.0])
    opt.step()
    state = opt.state[p]
    assert p.dtype == np.float32
    assert state["exp_avg"].dtype == np.float32 and state["exp_avg_sq"].dtype == np.float32
    np.testing.assert_allclose(p.detach().numpy(), [0.9, -0.9], rtol=1e-6)


# ------------------------------------------------------------------------- RMSprop
def test_rmsprop_plain():
    # alpha = 0.5.  t1: v = 0.5*4 = 2;          p = 1 - 0.01*2/(sqrt(2) + eps)  ~= 0.9858579
    #               t2: v = 0.5*2 + 0.5*1 = 1.5; p = p1 - 0.01*1/(sqrt(1.5) + eps) ~= 0.9776929
    p1 = 1 - 0.01 * 2 / (math.sqrt(2) + EPS)
    p2 = p1 - 0.01 * 1 / (math.sqrt(1.5) + EPS)
    check(run(RMSprop, [1.0], [[2.0], [1.0]], lr=0.01, alpha=0.5), [[p1], [p2]])
    assert p2 == pytest.approx(0.9776929, abs=1e-7)


def test_rmsprop_centered_subtracts_the_squared_mean_gradient():
    # t1: v = 2, g_avg = 0.5*2 = 1;   d = sqrt(2 - 1) + eps     p = 1 - 0.01*2/(1 + eps) ~= 0.98
    # t2: v = 1.5, g_avg = 0.5*1 + 0.5*1 = 1; d = sqrt(0.5) + eps
    #     p = p1 - 0.01*1/(sqrt(0.5) + eps) ~= 0.98 - 0.0141421 = 0.9658579
    p1 = 1 - 0.01 * 2 / (1 + EPS)
    p2 = p1 - 0.01 / (math.sqrt(0.5) + EPS)
    check(run(RMSprop, [1.0], [[2.0], [1.0]], lr=0.01, alpha=0.5, centered=True), [[p1], [p2]])


def test_rmsprop_momentum_buffers_the_normalised_gradient():
    # t1: v = 2;   b = 0.5*0 + 2/(sqrt(2) + eps) ~= 1.41421   p = 1 - 0.01*b1
    # t2: v = 1.5; b = 0.5*b1 + 1/(sqrt(1.5) + eps) ~= 0.70711 + 0.81650 = 1.52360
    #     p = p1 - 0.01*b2 ~= 0.9706218
    b1 = 2 / (math.sqrt(2) + EPS)
    b2 = 0.5 * b1 + 1 / (math.sqrt(1.5) + EPS)
    history = run(RMSprop, [1.0], [[2.0], [1.0]], lr=0.01, alpha=0.5, momentum=0.5)
    check(history, [[1 - 0.01 * b1], [1 - 0.01 * b1 - 0.01 * b2]])
    assert history[1][0] == pytest.approx(0.9706218, abs=1e-7)


def test_rmsprop_weight_decay_and_maximize():
    # weight decay 0.1: t1: g = 2 + 0.1*1 = 2.1; v = 0.5*2.1^2; p = 1 - 0.01*2.1/(sqrt(v) + eps)
    v1 = 0.5 * 2.1**2
    check(run(RMSprop, [1.0], [[2.0]], lr=0.01, alpha=0.5, weight_decay=0.1),
          [[1 - 0.01 * 2.1 / (math.sqrt(v1) + EPS)]])
    # maximize: g = -2, v = 2: p = 1 + 0.01*2/(sqrt(2) + eps) ~= 1.0141421
    check(run(RMSprop, [1.0], [[2.0]], lr=0.01, alpha=0.5, maximize=True),
          [[1 + 0.01 * 2 / (math.sqrt(2) + EPS)]])


# ------------------------------------------------------------------------- Adagrad
E10 = 1e-10


def test_adagrad_plain():
    # t1: sum = 9;       p = 1 - 0.5*3/(3 + eps)   ~= 0.5
    # t2: sum = 9 + 16;  p = p1 - 0.5*4/(5 + eps)  ~= 0.1
    p1 = 1 - 0.5 * 3 / (3 + E10)
    check(run(Adagrad, [1.0], [[3.0], [4.0]], lr=0.5), [[p1], [p1 - 0.5 * 4 / (5 + E10)]])


def test_adagrad_lr_decay():
    # lr_t = lr / (1 + (t - 1) * lr_decay): t1 0.5, t2 0.5/1.5 = 1/3
    # p2 = p1 - (1/3)*4/(5 + eps) ~= 0.5 - 0.2666667 = 0.2333333
    p1 = 1 - 0.5 * 3 / (3 + E10)
    history = run(Adagrad, [1.0], [[3.0], [4.0]], lr=0.5, lr_decay=0.5)
    check(history, [[p1], [p1 - (0.5 / 1.5) * 4 / (5 + E10)]])
    assert history[1][0] == pytest.approx(0.2333333, abs=1e-7)


def test_adagrad_initial_accumulator_value():
    # sum starts at 7. t1: sum = 16; p = 1 - 0.5*3/(4 + eps) ~= 0.625
    #                  t2: sum = 32; p = p1 - 0.5*4/(sqrt(32) + eps) ~= 0.625 - 0.3535534
    p1 = 1 - 0.5 * 3 / (4 + E10)
    p2 = p1 - 0.5 * 4 / (math.sqrt(32) + E10)
    history = run(Adagrad, [1.0], [[3.0], [4.0]], lr=0.5, initial_accumulator_value=7.0)
    check(history, [[p1], [p2]])
    assert p2 == pytest.approx(0.2714466, abs=1e-7)


def test_adagrad_weight_decay_and_maximize():
    # wd 1: t1: g = 3 + 1 = 4, sum = 16, p = 1 - 0.5*4/(4 + eps) ~= 0.5
    #       t2: g = 4 + p1 ~= 4.5, sum = 16 + g^2, p = p1 - 0.5*g/(sqrt(sum) + eps) ~= 0.126295
    p1 = 1 - 0.5 * 4 / (4 + E10)
    g2 = 4 + p1
    p2 = p1 - 0.5 * g2 / (math.sqrt(16 + g2 * g2) + E10)
    check(run(Adagrad, [1.0], [[3.0], [4.0]], lr=0.5, weight_decay=1.0), [[p1], [p2]])
    assert p2 == pytest.approx(0.126295, abs=1e-6)
    # maximize: g = -3, p = 1 + 0.5*3/(3 + eps) ~= 1.5
    check(run(Adagrad, [1.0], [[3.0]], lr=0.5, maximize=True), [[1 + 0.5 * 3 / (3 + E10)]])


# ------------------------------------------------------------------------ Adadelta
def test_adadelta_two_steps_two_elements():
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
    p2 = [p1[0] - lr * d2[0], p1[1]]
    check(run(Adadelta, [1.0, -1.0], [[1.0, -2.0], [3.0, 0.0]], lr=lr, rho=rho, eps=eps),
          [p1, p2])
    assert p2[0] == pytest.approx(0.332933, abs=1e-6)


def test_adadelta_weight_decay_and_maximize():
    # weight decay 0.5 with p = 2: g = 1 + 0.5*2 = 2; v = 0.1*4 (rho 0.9) = 0.4
    #   delta = sqrt(1e-6)/sqrt(0.4 + 1e-6)*2;  p = 2 - delta
    eps = 1e-6
    delta = math.sqrt(eps) / math.sqrt(0.4 + eps) * 2
    check(run(Adadelta, [2.0], [[1.0]], weight_decay=0.5), [[2 - delta]])
    # maximize: g = -1, v = 0.1;  p = 2 + sqrt(eps)/sqrt(0.1 + eps)
    check(run(Adadelta, [2.0], [[1.0]], maximize=True),
          [[2 + math.sqrt(eps) / math.sqrt(0.1 + eps)]])


# ------------------------------------------------------------ end to end with autograd
@pytest.mark.parametrize("make", [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: Adam(ps, lr=0.1),
    lambda ps: AdamW(ps, lr=0.1, weight_decay=0.0),
    lambda ps: RMSprop(ps, lr=0.05),
    lambda ps: Adagrad(ps, lr=0.5),
], ids=["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_the_training_loop_idiom_minimises_a_quadratic(make):
    target = mg.tensor([3.0, -2.0])
    w = mg.zeros(2, requires_grad=True)
    opt = make([w])
    for _ in range(300):
        opt.zero_grad()
        loss = ((w - target) ** 2).sum()
        loss.backward()
        opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [3.0, -2.0], atol=0.05)
