"""Learning-rate callbacks: ``LearningRateScheduler`` and Keras's ``ReduceLROnPlateau``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from minigrad.train.callbacks.base import Callback, Monitor


def _set_lr(group: dict[str, Any], lr: Any, owner: str) -> None:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) \
            or lr < 0:
        raise ValueError(f"{owner}: the learning rate must be a finite number >= 0, got {lr!r}")
    group["lr"] = float(lr)


class LearningRateScheduler(Callback):
    """Set each parameter group's lr to ``schedule(epoch, lr)`` before every epoch.

    ``epoch`` counts from 1; ``lr`` is the group's current value.

    >>> halve_every_10 = LearningRateScheduler(lambda epoch, lr: lr / 2 if epoch % 10 == 1
    ...                                        and epoch > 1 else lr)
    """

    def __init__(self, schedule: Callable[[int, float], float], verbose: int = 0) -> None:
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, "
                            f"got {type(schedule).__name__}")
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, trainer, epoch, logs):
        for group in trainer.optimizer.param_groups:
            _set_lr(group, self.schedule(epoch, group["lr"]), "LearningRateScheduler")
        if self.verbose:
            print(f"LearningRateScheduler: epoch {epoch} lr "
                  f"{trainer.optimizer.param_groups[0]['lr']:.6g}")


class ReduceLROnPlateau(Callback):
    """Multiply every group's lr by ``factor`` when ``monitor`` stalls (Keras's callback).

    After ``patience`` epochs in a row without an improvement larger than
    ``min_delta``, the lr becomes ``max(lr * factor, min_lr)``; then the next
    ``cooldown`` epochs are not counted. For a scheduler
    object instead, pass ``optim.lr_scheduler.ReduceLROnPlateau`` as the
    Trainer's ``scheduler``.

    >>> plateau = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3)
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0,
                 min_lr: float = 0.0, verbose: int = 0) -> None:
        if not (isinstance(factor, (int, float)) and 0.0 < factor < 1.0):
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor!r}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"ReduceLROnPlateau: {name} must be an int >= 0, got {value!r}")
        if not (isinstance(min_lr, (int, float)) and min_lr >= 0):
            raise ValueError(f"ReduceLROnPlateau: min_lr must be >= 0, got {min_lr!r}")
        self._monitor = Monitor(monitor, mode, min_delta, "ReduceLROnPlateau")
        self.monitor, self.mode = monitor, self._monitor.mode
        self.factor, self.patience, self.cooldown = float(factor), patience, cooldown
        self.min_lr, self.verbose = float(min_lr), verbose
        self._reset()

    def _reset(self) -> None:
        self._monitor.reset()
        self.wait = 0
        self.cooldown_counter = 0

    @property
    def best(self) -> float:
        return self._monitor.best

    def on_train_begin(self, trainer, logs):
        self._reset()

    def on_epoch_end(self, trainer, epoch, logs):
        value = self._monitor.current(logs)
        if value is None:
            return
        improved = self._monitor.improved(value)  # the best is tracked even in cooldown
        if self.cooldown_counter > 0:  # epochs right after a cut are not counted
            self.cooldown_counter -= 1
            self.wait = 0
            return
        if improved:
            self.wait = 0
            return
        self.wait += 1
        if self.wait < max(self.patience, 1):
            return
        for group in trainer.optimizer.param_groups:
            old = group["lr"]
            if old > self.min_lr:
                group["lr"] = max(old * self.factor, self.min_lr)
                if self.verbose:
                    print(f"ReduceLROnPlateau: epoch {epoch}: lr {old:.6g} -> "
                          f"{group['lr']:.6g}")
        self.cooldown_counter = self.cooldown
        self.wait = 0

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "wait": self.wait, "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._monitor.best = float(state["best"])
        self.wait = int(state["wait"])
        self.cooldown_counter = int(state["cooldown_counter"])
