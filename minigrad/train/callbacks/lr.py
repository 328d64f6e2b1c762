"""Learning-rate callbacks: ``LearningRateScheduler`` and ``ReduceLROnPlateau``."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from minigrad.optim import lr_scheduler
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
    """Cut every group's lr when a logged quantity stops improving, once per epoch.

    A thin use of `minigrad.optim.lr_scheduler.ReduceLROnPlateau` (PyTorch's rules,
    see docs/optim.md): the callback builds one on the trainer's optimizer when
    ``fit`` begins and steps it with ``logs[monitor]`` at the end of every epoch.
    After more than ``patience`` epochs without improvement the lr becomes
    ``max(lr * factor, min_lr)``, then ``cooldown`` epochs are not counted. An
    epoch improves when, for ``mode="min"``, the value is below
    ``best * (1 - threshold)`` (``threshold_mode="rel"``) or ``best - threshold``
    (``"abs"``: Keras's ``min_delta``). ``mode="auto"`` picks "max" for
    accuracy-like names, else "min". Passing the scheduler itself as the Trainer's
    ``scheduler`` does the same with ``val_loss``.

    >>> plateau = ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=3)
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "auto", threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float = 0.0, eps: float = 1e-8,
                 verbose: int = 0) -> None:
        if not (isinstance(factor, (int, float)) and 0.0 < factor < 1.0):
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor!r}")
        self._monitor = Monitor(monitor, mode, 0.0, "ReduceLROnPlateau")
        self.monitor, self.mode = monitor, self._monitor.mode
        self.options = dict(mode=self.mode, factor=float(factor), patience=patience,
                            threshold=threshold, threshold_mode=threshold_mode,
                            cooldown=cooldown, min_lr=min_lr, eps=eps)
        self.verbose = verbose
        self.scheduler: lr_scheduler.ReduceLROnPlateau | None = None

    @property
    def best(self) -> float | None:
        return None if self.scheduler is None else self.scheduler.best

    def on_train_begin(self, trainer, logs):
        self.scheduler = lr_scheduler.ReduceLROnPlateau(trainer.optimizer, **self.options)

    def on_epoch_end(self, trainer, epoch, logs):
        value = self._monitor.current(logs)
        if value is None:
            return
        before = [group["lr"] for group in trainer.optimizer.param_groups]
        self.scheduler.step(value)
        if self.verbose:
            for old, new in zip(before, self.scheduler.get_last_lr()):
                if new != old:
                    print(f"ReduceLROnPlateau: epoch {epoch}: lr {old:.6g} -> {new:.6g}")

    def state_dict(self) -> dict[str, Any]:
        return {} if self.scheduler is None else self.scheduler.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.scheduler is None:
            raise RuntimeError("ReduceLROnPlateau.load_state_dict: call it once fit has begun "
                               "(the scheduler is built on the trainer's optimizer then)")
        self.scheduler.load_state_dict(state)
