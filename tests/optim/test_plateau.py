"""ReduceLROnPlateau: patience, threshold, cooldown, min_lr and eps, traced by hand."""

from __future__ import annotations

import math

import pytest

import minigrad as mg
from minigrad.optim import SGD
from minigrad.optim.lr_scheduler import ReduceLROnPlateau, SequentialLR, StepLR


def sgd(lr=1.0, groups=1):
    return SGD([{"params": [mg.zeros(1, requires_grad=True)]} for _ in range(groups)], lr=lr)


def trace(sched, metrics):
    out = []
    for value in metrics:
        sched.step(value)
        out.append(sched.get_last_lr()[0])
    return out


def test_patience_and_relative_threshold():
    # best must beat best * (1 - 0.1):
    # 10 best | 9.5 > 9.0 bad 1 | 9.2 bad 2 | 9.1 bad 3 > patience 2: lr 0.5, bad 0
    # 8.0 < 9.0 best 8 | 8.0 > 7.2 bad 1 | bad 2 | bad 3: lr 0.25
    sched = ReduceLROnPlateau(sgd(), factor=0.5, patience=2, threshold=0.1)
    assert trace(sched, [10, 9.5, 9.2, 9.1, 8.0, 8.0, 8.0, 8.0]) == [
        1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25]
    assert sched.best == 8.0 and sched.num_bad_epochs == 0 and sched.last_epoch == 8


def test_a_small_threshold_counts_small_gains_as_improvement():
    # the same metrics with threshold 1e-4: 9.5, 9.2, 9.1 all improve, so no cut until the 8s
    sched = ReduceLROnPlateau(sgd(), factor=0.5, patience=2)
    assert trace(sched, [10, 9.5, 9.2, 9.1, 8.0, 8.0, 8.0, 8.0]) == [1] * 7 + [0.5]


def test_cooldown_ignores_bad_epochs_after_a_cut():
    # patience 0: 1 best | bad 1 > 0: lr 0.5, cooldown 2 | cooldown 2->1 | 1->0 (bad reset)
    # | bad 1: lr 0.25, cooldown 2 | cooldown | cooldown | lr 0.125
    sched = ReduceLROnPlateau(sgd(), factor=0.5, patience=0, cooldown=2)
    assert trace(sched, [1.0] * 8) == [1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125]
    sched = ReduceLROnPlateau(sgd(), factor=0.5, patience=0, cooldown=2)
    trace(sched, [1.0, 1.0])
    assert sched.in_cooldown


def test_max_mode_with_an_absolute_threshold():
    # improvement means > best + 0.5: 1 best | 1.4 bad: lr 0.1 | 2.0 best | 2.3 bad: lr 0.01
    sched = ReduceLROnPlateau(sgd(), mode="max", threshold_mode="abs", threshold=0.5,
                              patience=0)
    assert trace(sched, [1.0, 1.4, 2.0, 2.3]) == pytest.approx([1, 0.1, 0.1, 0.01])


def test_min_lr_per_group_and_eps():
    # group 0: 1 -> 0.1 -> max(0.01, 0.05) = 0.05 -> stays; group 1: 0.5 -> max(0.05, 0.3)
    opt = sgd(groups=2)
    opt.param_groups[1]["lr"] = 0.5
    sched = ReduceLROnPlateau(opt, patience=0, min_lr=[0.05, 0.3])
    for value in [1.0, 1.0, 1.0, 1.0]:
        sched.step(value)
    assert sched.get_last_lr() == pytest.approx([0.05, 0.3])
    # a cut smaller than eps is skipped: 1e-8 -> 5e-9 differs by 5e-9 < 1e-8
    tiny = ReduceLROnPlateau(sgd(lr=1e-8), factor=0.5, patience=0)
    assert trace(tiny, [1.0, 1.0]) == [1e-8, 1e-8]


def test_accepts_a_tensor_metric_and_refuses_bad_arguments():
    sched = ReduceLROnPlateau(sgd(), patience=0)
    sched.step(mg.tensor(3.0))
    assert sched.best == 3.0
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        ReduceLROnPlateau(sgd(), factor=1.0)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max'"):
        ReduceLROnPlateau(sgd(), mode="lowest")
    with pytest.raises(ValueError, match="threshold_mode"):
        ReduceLROnPlateau(sgd(), threshold_mode="pct")
    with pytest.raises(ValueError, match="expected 2 values for min_lr"):
        ReduceLROnPlateau(sgd(groups=2), min_lr=[0.1])
    opt = sgd()
    with pytest.raises(ValueError, match="does not support ReduceLROnPlateau"):
        SequentialLR(opt, [StepLR(opt, 2), ReduceLROnPlateau(opt)], milestones=[2])


def test_state_dict_round_trip_continues_identically():
    metrics = [5, 4, 4, 4, 3, 3, 3, 3, 3, 2]
    sched = ReduceLROnPlateau(sgd(), factor=0.5, patience=1, cooldown=1)
    trace(sched, metrics[:5])
    saved = sched.state_dict()
    assert "optimizer" not in saved and saved["best"] == 3
    assert ReduceLROnPlateau(sgd(), mode="max").state_dict()["best"] == -math.inf
    fresh_opt = sgd()
    fresh_opt.param_groups[0]["lr"] = sched.optimizer.param_groups[0]["lr"]
    fresh = ReduceLROnPlateau(fresh_opt)
    fresh.load_state_dict(saved)
    assert trace(fresh, metrics[5:]) == trace(sched, metrics[5:])
