"""``SequentialLR``: run one schedule, then the next from its own epoch 0 at each milestone."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

from ...autograd.tracing import host
from ..optimizer import Optimizer
from .base import LRScheduler, check_int, check_optimizer
from .plateau import ReduceLROnPlateau


class SequentialLR(LRScheduler):
    """Hand over from ``schedulers[i]`` to ``schedulers[i + 1]`` at step ``milestones[i]``.

    Each scheduler counts its own steps from 0 when it takes over. Warmup then cosine:

    >>> import minigrad as mg
    >>> from minigrad.optim import SGD
    >>> from minigrad.optim.lr_scheduler import CosineAnnealingLR, LinearLR
    >>> opt = SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
    >>> warm = LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> decay = CosineAnnealingLR(opt, T_max=2)
    >>> sched = SequentialLR(opt, [warm, decay], milestones=[2])
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(4):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> [round(lr, 4) for lr in lrs]
    [0.5, 0.75, 1.0, 0.5, 0.0]
    """

    _not_saved = ("optimizer", "_schedulers")

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        fn = "SequentialLR"
        self.optimizer = check_optimizer(optimizer, fn)
        schedulers = list(schedulers)
        if not schedulers:
            raise ValueError(f"{fn} expects at least one scheduler, got none")
        for i, scheduler in enumerate(schedulers):
            if isinstance(scheduler, ReduceLROnPlateau):
                raise ValueError(f"{fn} does not support ReduceLROnPlateau (its step needs a "
                                 f"metric), got one at index {i}")
            if not isinstance(scheduler, LRScheduler):
                raise TypeError(f"{fn}: schedulers[{i}] is a {type(scheduler).__name__}, not an "
                                "LRScheduler")
            if scheduler.optimizer is not optimizer:
                raise ValueError(f"{fn}: schedulers[{i}] ({type(scheduler).__name__}) belongs to "
                                 "a different optimizer; all must share this one")
        milestones = [check_int(fn, "each milestone", m, 0) for m in milestones]
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"{fn}: expected {len(schedulers) - 1} milestones (one fewer than "
                             f"the {len(schedulers)} schedulers), got {len(milestones)}")
        if any(a >= b for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"{fn}: milestones must be strictly increasing, got {milestones}")
        self._schedulers = schedulers
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._undo_initial_step()
        first = schedulers[bisect_right(milestones, 0)]
        first.step()
        self._last_lr = first.get_last_lr()

    @host  # mg.compile re-runs it on replay
    def step(self) -> None:
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._set_epoch(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def _undo_initial_step(self) -> None:
        for scheduler in self._schedulers:
            scheduler._undo_initial_step()

    def state_dict(self) -> dict[str, Any]:
        """Own state plus each wrapped scheduler's, under ``"_schedulers"``."""
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        inner = state_dict.get("_schedulers", []) if isinstance(state_dict, Mapping) else None
        if inner is None or len(inner) != len(self._schedulers):
            raise ValueError(f"SequentialLR.load_state_dict: expected a dict with "
                             f"{len(self._schedulers)} '_schedulers' states")
        self._check_state(state_dict)  # everything checked before anything is set
        for scheduler, state in zip(self._schedulers, inner):
            scheduler._check_state(state)
        super().load_state_dict(state_dict)
        for scheduler, state in zip(self._schedulers, inner):
            scheduler.load_state_dict(state)
