"""Every schedule against lr sequences worked out by hand from its formula.

The optimizer's lr is 1.0 unless said otherwise, so each expected lr is the schedule's
factor; cosines use angles with exact values (cos(pi/3) = 1/2, cos(pi/4) = sqrt(2)/2, ...).
"""

from __future__ import annotations

import math

import pytest

import minigrad as mg
from minigrad.optim import SGD, Adagrad, Adam
from minigrad.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiStepLR,
    OneCycleLR,
    SequentialLR,
    StepLR,
    WarmupCosineLR,
    get_cosine_schedule_with_warmup,
)

R2 = math.sqrt(2) / 2   # cos(pi/4)
R3 = math.sqrt(3) / 2   # cos(pi/6)


def sgd(lr=1.0, groups=1, **kwargs):
    params = [{"params": [mg.zeros(1, requires_grad=True)]} for _ in range(groups)]
    return SGD(params, lr=lr, **kwargs)


def lrs(scheduler, steps, group=0):
    """The lr at epoch 0 (set by the constructor) and after each of ``steps`` steps."""
    out = [scheduler.get_last_lr()[group]]
    for _ in range(steps):
        scheduler.optimizer.step()
        scheduler.step()
        out.append(scheduler.get_last_lr()[group])
        assert scheduler.optimizer.param_groups[group]["lr"] == out[-1]
    return out


def approx(values):
    return pytest.approx(values, rel=1e-12, abs=1e-15)


# ----------------------------------------------------------------------- the base
def test_construction_records_initial_lr_and_takes_the_first_step():
    opt = sgd(lr=0.5)
    sched = StepLR(opt, step_size=1, gamma=0.1)
    assert opt.param_groups[0]["initial_lr"] == 0.5 and sched.base_lrs == [0.5]
    assert sched.last_epoch == 0 and sched.get_last_lr() == [0.5]
    sched.get_last_lr().append(9.0)             # a copy: the scheduler is unaffected
    assert sched.get_last_lr() == [0.5]
    with pytest.raises(TypeError, match="StepLR: list is not an Optimizer"):
        StepLR([opt], step_size=1)
    with pytest.raises(KeyError, match=r"'initial_lr' is not specified in param_groups\[0\]"):
        StepLR(sgd(), step_size=1, last_epoch=4)
    with pytest.raises(ValueError, match="step_size must be an int >= 1"):
        StepLR(sgd(), step_size=0)


def test_a_group_added_after_the_scheduler_is_reported():
    opt = sgd()
    sched = ExponentialLR(opt, gamma=0.5)
    opt.add_param_group({"params": [mg.zeros(1, requires_grad=True)]})
    with pytest.raises(ValueError, match="has 2 param groups but the scheduler was built for 1"):
        sched.step()


# ------------------------------------------------------------------- the schedules
def test_lambda_lr_one_function_per_group():
    opt = sgd(groups=2)
    opt.param_groups[1]["lr"] = 0.5
    sched = LambdaLR(opt, [lambda t: 1 / (t + 1), lambda t: 2.0**-t])
    sched_lrs = [sched.get_last_lr()]
    for _ in range(9):
        sched.step()
        sched_lrs.append(sched.get_last_lr())
    # group 0: 1 * 1/(t+1);  group 1: 0.5 * 2^-t
    assert [a for a, _ in sched_lrs] == approx([1, 1 / 2, 1 / 3, 1 / 4, 1 / 5, 1 / 6, 1 / 7,
                                                1 / 8, 1 / 9, 1 / 10])
    assert [b for _, b in sched_lrs] == approx([0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625,
                                                0.0078125, 0.00390625, 0.001953125,
                                                0.0009765625])
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        LambdaLR(sgd(groups=2), [lambda t: 1.0])
    assert "lr_lambdas" not in sched.state_dict()


def test_step_lr():
    # gamma^(t // 3) with gamma 0.5
    assert lrs(StepLR(sgd(), step_size=3, gamma=0.5), 9) == approx(
        [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125])


def test_multi_step_lr_counts_repeated_milestones():
    # gamma^(number of milestones <= t), milestones 2, 5, 5, 8 (5 twice: two decays at once)
    sched = MultiStepLR(sgd(), milestones=[8, 5, 2, 5], gamma=0.1)
    assert lrs(sched, 9) == approx([1, 1, 0.1, 0.1, 0.1, 1e-3, 1e-3, 1e-3, 1e-4, 1e-4])


def test_exponential_lr():
    assert lrs(ExponentialLR(sgd(lr=2.0), gamma=0.5), 9) == approx(
        [2, 1, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625])


def test_cosine_annealing_lr_closed_form_and_beyond_t_max():
    # (1 + cos(pi t / 6)) / 2, continuing past T_max = 6 back up
    factors = [1, (1 + R3) / 2, 0.75, 0.5, 0.25, (1 - R3) / 2, 0, (1 - R3) / 2, 0.25, 0.5]
    assert lrs(CosineAnnealingLR(sgd(), T_max=6), 9) == approx(factors)
    # eta_min 0.2: 0.2 + 0.8 * factor
    with_floor = lrs(CosineAnnealingLR(sgd(), T_max=6, eta_min=0.2), 9)
    assert with_floor == approx([0.2 + 0.8 * f for f in factors])
    assert with_floor[6] == pytest.approx(0.2)


def test_linear_lr():
    # 0.25 + 0.75 * min(t, 4) / 4
    assert lrs(LinearLR(sgd(), start_factor=0.25, total_iters=4), 7) == approx(
        [0.25, 0.4375, 0.625, 0.8125, 1, 1, 1, 1])
    # defaults: 1/3 -> 1 over 5 steps: 1/3 + (2/3) * t / 5
    assert lrs(LinearLR(sgd()), 6) == approx(
        [1 / 3, 1 / 3 + 2 / 15, 1 / 3 + 4 / 15, 1 / 3 + 6 / 15, 1 / 3 + 8 / 15, 1, 1])
    # decaying: 1 -> 0.5 over 2 steps
    assert lrs(LinearLR(sgd(), start_factor=1.0, end_factor=0.5, total_iters=2), 3) == approx(
        [1, 0.75, 0.5, 0.5])
    with pytest.raises(ValueError, match=r"start_factor must be in \(0, 1\]"):
        LinearLR(sgd(), start_factor=0)


def test_one_cycle_lr_cosine_with_momentum():
    # max_lr 1, div_factor 4 -> initial 0.25; final_div_factor 100 -> min 0.0025.
    # phase 1 ends at 0.5*8 - 1 = 3 (pct = t/3), phase 2 at 7 (pct = (t-3)/4).
    # cos anneal(a, b, pct) = b + (a - b)/2 * (1 + cos(pi pct))
    opt = sgd(momentum=0.9)
    sched = OneCycleLR(opt, max_lr=1.0, total_steps=8, pct_start=0.5, div_factor=4,
                       final_div_factor=100)
    momenta = [opt.param_groups[0]["momentum"]]
    got = [sched.get_last_lr()[0]]
    for _ in range(8):
        sched.step()
        got.append(sched.get_last_lr()[0])
        momenta.append(opt.param_groups[0]["momentum"])
    top, low = 1.0 - 0.0025, 0.0025
    assert got == approx([
        0.25,
        1 - 0.75 / 2 * 1.5,              # pct 1/3: cos = 1/2   -> 0.4375
        1 - 0.75 / 2 * 0.5,              # pct 2/3: cos = -1/2  -> 0.8125
        1.0,
        low + top / 2 * (1 + R2),        # pct 1/4
        low + top / 2,                   # pct 1/2  -> 0.50125
        low + top / 2 * (1 - R2),        # pct 3/4
        low,                             # pct 1
        low + top / 2 * (1 - R2),        # t = total_steps: pct 5/4, allowed as in PyTorch
    ])
    # momentum runs the other way: 0.95 -> 0.85 -> 0.95
    assert momenta == approx([0.95, 0.925, 0.875, 0.85, 0.95 - 0.05 * (1 + R2), 0.9,
                              0.95 - 0.05 * (1 - R2), 0.95, 0.95 - 0.05 * (1 - R2)])
    with pytest.raises(ValueError, match="tried to step 9 times; the specified number of total "
                                         "steps is 8"):
        sched.step()


def test_one_cycle_lr_three_phase_linear_cycles_adam_beta1():
    # initial 0.1, max 1, min 0.001; phase ends 2, 4 (= 2*0.3*10 - 2) and 9.
    opt = Adam([mg.zeros(1, requires_grad=True)], betas=(0.9, 0.99))
    sched = OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=5, pct_start=0.3,
                       anneal_strategy="linear", div_factor=10, final_div_factor=100,
                       three_phase=True)
    assert sched.total_steps == 10
    betas = [opt.param_groups[0]["betas"]]
    got = [sched.get_last_lr()[0]]
    for _ in range(9):
        sched.step()
        got.append(sched.get_last_lr()[0])
        betas.append(opt.param_groups[0]["betas"])
    # up 0.1 -> 1 over 2 steps, down 1 -> 0.1 over 2, then 0.1 -> 0.001 over 5 (0.0198 each)
    assert got == approx([0.1, 0.55, 1.0, 0.55, 0.1, 0.0802, 0.0604, 0.0406, 0.0208, 0.001])
    # beta1: 0.95 -> 0.85 -> 0.95, then held; beta2 untouched
    assert [b[0] for b in betas] == approx([0.95, 0.9, 0.85, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95,
                                            0.95])
    assert {b[1] for b in betas} == {0.99}


def test_one_cycle_lr_refuses_bad_arguments():
    with pytest.raises(ValueError, match="either total_steps OR"):
        OneCycleLR(sgd(momentum=0.9), max_lr=1.0)
    with pytest.raises(ValueError, match="momentum or beta1"):
        OneCycleLR(Adagrad([mg.zeros(1, requires_grad=True)]), max_lr=1.0, total_steps=10)
    with pytest.raises(ValueError, match="anneal_strategy"):
        OneCycleLR(sgd(), max_lr=1.0, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="expected 2 values for max_lr"):
        OneCycleLR(sgd(groups=2), max_lr=[1.0], total_steps=10)


def test_sequential_lr_switches_at_the_milestones():
    # LinearLR 0.5 -> 1 over 2 steps; at 3 ExponentialLR(0.5) from its epoch 0;
    # at 6 StepLR(2, 0.1) from its epoch 0.
    opt = sgd()
    parts = [LinearLR(opt, start_factor=0.5, total_iters=2), ExponentialLR(opt, gamma=0.5),
             StepLR(opt, step_size=2, gamma=0.1)]
    sched = SequentialLR(opt, parts, milestones=[3, 6])
    assert lrs(sched, 10) == approx([0.5, 0.75, 1.0, 1.0, 0.5, 0.25, 1.0, 1.0, 0.1, 0.1, 0.01])
    with pytest.raises(ValueError, match="expected 2 milestones"):
        SequentialLR(opt, parts, milestones=[3])
    with pytest.raises(ValueError, match="strictly increasing"):
        SequentialLR(opt, parts, milestones=[6, 3])
    with pytest.raises(ValueError, match="different optimizer"):
        SequentialLR(sgd(), parts, milestones=[3, 6])


def test_warmup_cosine_lr():
    # warmup 2 steps from 0; then min + (1 - min) * (1 + cos(pi q)) / 2, q = (t - 2) / 4
    sched = WarmupCosineLR(sgd(), warmup_steps=2, total_steps=6, min_lr=0.2)
    assert lrs(sched, 8) == approx([0.0, 0.5, 1.0, 0.2 + 0.8 * (1 + R2) / 2, 0.6,
                                    0.2 + 0.8 * (1 - R2) / 2, 0.2, 0.2, 0.2])
    # warmup from 0.1 of the lr: 0.1 + 0.9 * t / 4
    sched = WarmupCosineLR(sgd(), warmup_steps=4, total_steps=8, warmup_start_factor=0.1)
    assert lrs(sched, 4) == approx([0.1, 0.325, 0.55, 0.775, 1.0])
    # no warmup: a plain half cosine to 0 over 4 steps
    assert lrs(WarmupCosineLR(sgd(), warmup_steps=0, total_steps=4), 5) == approx(
        [1.0, (1 + R2) / 2, 0.5, (1 - R2) / 2, 0.0, 0.0])
    with pytest.raises(ValueError, match="must not exceed total_steps"):
        WarmupCosineLR(sgd(), warmup_steps=5, total_steps=4)


def test_get_cosine_schedule_with_warmup_follows_hugging_face():
    # t < 2: t/2; then (1 + cos(2 pi c (t - 2) / 4)) / 2, floored at 0
    sched = get_cosine_schedule_with_warmup(sgd(), num_warmup_steps=2, num_training_steps=6)
    assert isinstance(sched, LambdaLR)
    assert lrs(sched, 7) == approx([0.0, 0.5, 1.0, (1 + R2) / 2, 0.5, (1 - R2) / 2, 0.0,
                                    (1 - R2) / 2])
    full = get_cosine_schedule_with_warmup(sgd(), 2, 6, num_cycles=1.0)
    assert lrs(full, 6) == approx([0.0, 0.5, 1.0, 0.5, 0.0, 0.5, 1.0])


# ---------------------------------------------------------- state_dict round trips
SCHEDULES = {
    "LambdaLR": lambda o: LambdaLR(o, lambda t: 0.9**t),
    "StepLR": lambda o: StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda o: MultiStepLR(o, [2, 6], gamma=0.5),
    "ExponentialLR": lambda o: ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda o: CosineAnnealingLR(o, T_max=7, eta_min=0.01),
    "LinearLR": lambda o: LinearLR(o, start_factor=0.1, total_iters=6),
    "OneCycleLR": lambda o: OneCycleLR(o, max_lr=2.0, total_steps=12),
    "WarmupCosineLR": lambda o: WarmupCosineLR(o, warmup_steps=3, total_steps=12, min_lr=0.05),
    "SequentialLR": lambda o: SequentialLR(
        o, [LinearLR(o, start_factor=0.2, total_iters=3), CosineAnnealingLR(o, T_max=6)], [3]),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_a_restored_schedule_continues_identically(name):
    make = SCHEDULES[name]
    opt = sgd(lr=0.5, momentum=0.9)
    sched = make(opt)
    for _ in range(4):
        opt.step()
        sched.step()
    saved_opt, saved = opt.state_dict(), sched.state_dict()
    fresh_opt = sgd(lr=0.5, momentum=0.9)
    fresh = make(fresh_opt)
    fresh_opt.load_state_dict(saved_opt)
    fresh.load_state_dict(saved)
    assert fresh.last_epoch == sched.last_epoch == 4
    for _ in range(6):
        sched.step()
        fresh.step()
        assert fresh.get_last_lr() == sched.get_last_lr()
        assert fresh_opt.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
        assert fresh_opt.param_groups[0]["momentum"] == opt.param_groups[0]["momentum"]


def test_state_dict_holds_everything_but_the_optimizer():
    sched = StepLR(sgd(), step_size=2)
    sd = sched.state_dict()
    assert "optimizer" not in sd
    assert sd["step_size"] == 2 and sd["last_epoch"] == 0 and sd["base_lrs"] == [1.0]
    with pytest.raises(TypeError, match="expected a dict"):
        sched.load_state_dict([1])
    assert isinstance(sched, LRScheduler)
