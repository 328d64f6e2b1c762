"""``OneCycleLR``: warm up to ``max_lr``, then anneal far below the start (Smith's 1cycle)."""

from __future__ import annotations

import math
from typing import Any

from ..optimizer import Optimizer
from .base import LRScheduler, check_int, check_optimizer, per_group


class OneCycleLR(LRScheduler):
    """The 1cycle policy, stepped once per batch, for ``total_steps`` steps.

    Phases (``pct_start`` of the steps rising, the rest falling)::

        initial_lr = max_lr / div_factor  ->  max_lr  ->  min_lr = initial_lr / final_div_factor

    With ``three_phase=True``: up to max_lr, back down to initial_lr over as many steps, then
    down to min_lr. Inside a phase that runs from step a to step b, at step t::

        pct = (t - a) / (b - a)
        cos:    lr = end + (start - end) * (1 + cos(pi * pct)) / 2
        linear: lr = start + (end - start) * pct

    Phase ends are ``pct_start * total_steps - 1`` (and ``2 * pct_start * total_steps - 2``)
    and ``total_steps - 1``. With ``cycle_momentum`` the momentum (or Adam's beta1) moves
    the opposite way, between ``max_momentum`` and ``base_momentum``.

    >>> import minigrad as mg
    >>> from minigrad.optim import SGD
    >>> opt = SGD([mg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=8, pct_start=0.5, div_factor=4)
    >>> sched.get_last_lr(), opt.param_groups[0]["momentum"]
    ([0.25], 0.95)
    """

    interval = "batch"  # counted in optimizer steps

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        fn = "OneCycleLR"
        check_optimizer(optimizer, fn)
        if total_steps is not None:
            self.total_steps = check_int(fn, "total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = (check_int(fn, "epochs", epochs, 1)
                                * check_int(fn, "steps_per_epoch", steps_per_epoch, 1))
        else:
            raise ValueError(f"{fn}: you must define either total_steps OR (epochs AND "
                             "steps_per_epoch)")
        if isinstance(pct_start, bool) or not 0 <= pct_start <= 1:
            raise ValueError(f"{fn}: expected pct_start between 0 and 1, got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{fn}: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self._phases = _phases(float(pct_start), self.total_steps, three_phase)
        if last_epoch == -1:
            for group, peak in zip(optimizer.param_groups,
                                   per_group(max_lr, optimizer, "max_lr", fn)):
                group["initial_lr"] = peak / div_factor
                group["max_lr"] = peak
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"{fn}: optimizer must support momentum or beta1 with "
                                 "cycle_momentum=True (pass cycle_momentum=False)")
            self.use_beta1 = "betas" in optimizer.defaults
            if last_epoch == -1:
                highs = per_group(max_momentum, optimizer, "max_momentum", fn)
                lows = per_group(base_momentum, optimizer, "base_momentum", fn)
                for group, high, low in zip(optimizer.param_groups, highs, lows):
                    group["max_momentum"] = high
                    group["base_momentum"] = low
                    self._set_momentum(group, high)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self._value(group, "lr") for group in self.optimizer.param_groups]

    def _set_epoch(self, epoch: int) -> None:
        if epoch > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {epoch} times; the specified number of "
                             f"total steps is {self.total_steps}")
        super()._set_epoch(epoch)
        if self.cycle_momentum:
            for group in self.optimizer.param_groups:
                self._set_momentum(group, self._value(group, "momentum"))

    def _value(self, group: dict[str, Any], kind: str) -> float:
        """The lr or momentum of ``group`` at step ``last_epoch``."""
        t = self.last_epoch
        start_step = 0.0
        for i, phase in enumerate(self._phases):
            end_step = phase["end_step"]
            if t <= end_step or i == len(self._phases) - 1:
                span = end_step - start_step
                pct = (t - start_step) / span if span > 0 else 1.0
                start, end = group[phase["start_" + kind]], group[phase["end_" + kind]]
                if self.anneal_strategy == "cos":
                    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
                return (end - start) * pct + start
            start_step = end_step
        raise AssertionError("unreachable")

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value


def _phases(pct_start: float, total_steps: int, three_phase: bool) -> list[dict[str, Any]]:
    rise = {"end_step": pct_start * total_steps - 1, "start_lr": "initial_lr",
            "end_lr": "max_lr", "start_momentum": "max_momentum",
            "end_momentum": "base_momentum"}
    if not three_phase:
        fall = {"end_step": total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                "start_momentum": "base_momentum", "end_momentum": "max_momentum"}
        return [rise, fall]
    back = {"end_step": 2 * pct_start * total_steps - 2, "start_lr": "max_lr",
            "end_lr": "initial_lr", "start_momentum": "base_momentum",
            "end_momentum": "max_momentum"}
    tail = {"end_step": total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
            "start_momentum": "max_momentum", "end_momentum": "max_momentum"}
    return [rise, back, tail]
