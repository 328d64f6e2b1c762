"""``LRScheduler``: the base of the learning-rate schedules.

Every schedule here is a closed-form function of the step count ``last_epoch`` and the
groups' ``base_lrs`` (their ``initial_lr``), so a schedule never drifts with rounding and a
restored ``state_dict`` continues exactly. Like PyTorch, building a scheduler performs its
first step: the optimizer's lr becomes the value at epoch 0 right away.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...autograd.tracing import host
from ..optimizer import Optimizer


class LRScheduler:
    """Base class: subclasses define ``get_lr()``, the lrs at ``self.last_epoch``.

    ``step()`` advances ``last_epoch`` by one and writes the new lrs into the optimizer's
    param groups; ``get_last_lr()`` returns them.

    Two class attributes tell a training loop (``minigrad.train.Trainer``) how to drive a
    schedule: ``interval`` is ``"epoch"`` (step once per epoch, the default) or ``"batch"``
    (step after every optimizer step: schedules counted in optimizer steps), and
    ``needs_metric`` is True when ``step`` takes the monitored value
    (``ReduceLROnPlateau``).
    """

    interval: str = "epoch"
    needs_metric: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        self.optimizer = check_optimizer(optimizer, type(self).__name__)
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param 'initial_lr' is not specified in "
                        f"param_groups[{i}] when resuming with last_epoch={last_epoch}; load "
                        "the optimizer's state dict first, or use last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        self.step()

    def get_lr(self) -> list[float]:
        """The learning rate of each param group at epoch ``self.last_epoch``."""
        raise NotImplementedError

    @host  # mg.compile re-runs it on replay
    def step(self) -> None:
        """Advance the schedule by one step (call it after ``optimizer.step()``)."""
        self._set_epoch(self.last_epoch + 1)

    def get_last_lr(self) -> list[float]:
        """The learning rates the last ``step()`` set, one per param group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (and functions, which can't be saved)."""
        return {key: copy.deepcopy(value) for key, value in self.__dict__.items()
                if key not in self._not_saved}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a ``state_dict()``; the optimizer's lrs follow on the next ``step()``.
        The whole state is checked first (the same keys as this scheduler's own
        ``state_dict()``, an int ``last_epoch``): a refused state changes nothing."""
        self._check_state(state_dict)
        for key, value in state_dict.items():
            if key not in self._not_saved:
                setattr(self, key, copy.deepcopy(value))

    def _check_state(self, state_dict: Any) -> None:
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected a dict, got "
                            f"{type(state_dict).__name__}")
        ours = set(self.state_dict())
        unknown, missing = sorted(set(state_dict) - ours), sorted(ours - set(state_dict))
        if unknown or missing:
            raise ValueError(f"{type(self).__name__}.load_state_dict: the state does not fit "
                             f"this scheduler (unknown keys {unknown}, missing keys {missing})")
        epoch = state_dict.get("last_epoch", 0)
        if not isinstance(epoch, int | np.integer) or isinstance(epoch, bool):
            raise ValueError(f"{type(self).__name__}.load_state_dict: last_epoch must be an "
                             f"int, got {epoch!r}")

    _not_saved: tuple[str, ...] = ("optimizer",)

    # ---------------------------------------------------------------- helpers
    def _set_epoch(self, epoch: int) -> None:
        self.last_epoch = epoch
        lrs = self.get_lr()
        groups = self.optimizer.param_groups
        if len(lrs) != len(groups):
            raise ValueError(f"{type(self).__name__}: the optimizer has {len(groups)} param "
                             f"groups but the scheduler was built for {len(lrs)}; build the "
                             "scheduler after add_param_group")
        for group, lr in zip(groups, lrs):
            group["lr"] = float(lr)
        self._last_lr = [group["lr"] for group in groups]

    def _undo_initial_step(self) -> None:
        self.last_epoch -= 1


def check_optimizer(optimizer: Any, fn: str) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"{fn}: {type(optimizer).__name__} is not an Optimizer")
    return optimizer


def per_group(value: Any, optimizer: Optimizer, name: str, fn: str) -> list[Any]:
    """``value`` repeated for each param group, or checked if it is already one per group."""
    count = len(optimizer.param_groups)
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != count:
            raise ValueError(f"{fn}: expected {count} values for {name} (one per param group), "
                             f"got {len(value)}")
        return list(value)
    return [value] * count


def check_int(fn: str, name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{fn}: {name} must be an int >= {minimum}, got {value!r}")
    return value
