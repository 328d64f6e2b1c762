"""The ``Callback`` base class, ``LambdaCallback``, ``TerminateOnNaN`` and the monitor helper.

A callback is an object whose hooks the ``Trainer`` calls at fixed points of
``fit``. Every hook receives the trainer first, so a callback can read the
model, the optimizer or the history, and can set ``trainer.stop_training``.
Epoch and batch numbers count from 1, as they are printed.

>>> class PrintLoss(Callback):
...     def on_epoch_end(self, trainer, epoch, logs):
...         print(f"epoch {epoch}: loss {logs['loss']:.3f}")
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

_MAX_METRICS = ("acc", "accuracy", "precision", "recall", "f1", "r2", "auc")


class Callback:
    """Base class: override the hooks you need; all default to doing nothing.

    ``state_dict()`` / ``load_state_dict()`` carry whatever must survive a
    checkpoint (``Trainer.save_checkpoint`` stores them). A callback whose
    ``runs_last`` is True has its hooks called after the others' (checkpoint
    writers, so they save the other callbacks' state for the same epoch).
    One whose ``rank_zero_only`` is True only writes files (logs, checkpoints):
    in distributed training only rank 0 calls it.
    """

    runs_last = False
    rank_zero_only = False

    def on_train_begin(self, trainer: Any, logs: dict[str, Any]) -> None:
        """Before the first epoch of ``fit``."""

    def on_train_end(self, trainer: Any, logs: dict[str, Any]) -> None:
        """After the last epoch, however training ended (not after an exception)."""

    def on_epoch_begin(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        """Before epoch ``epoch`` (1, 2, ...)."""

    def on_epoch_end(self, trainer: Any, epoch: int, logs: dict[str, Any]) -> None:
        """After the epoch's training, validation and scheduler step; ``logs`` is its record."""

    def on_batch_begin(self, trainer: Any, batch: int, logs: dict[str, Any]) -> None:
        """Before training batch ``batch`` (1, 2, ... within the epoch)."""

    def on_batch_end(self, trainer: Any, batch: int, logs: dict[str, Any]) -> None:
        """After the batch's backward (and optimizer step, if one was due).

        ``logs`` holds ``loss`` (this batch's unscaled loss) and ``size``.
        """

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint must keep of this callback (nothing by default)."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output; called after ``on_train_begin`` on resume."""


class LambdaCallback(Callback):
    """A callback from plain functions, each with its hook's signature.

    >>> seen = []
    >>> cb = LambdaCallback(on_epoch_end=lambda trainer, epoch, logs: seen.append(epoch))
    """

    _HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
              "on_batch_begin", "on_batch_end")

    def __init__(self, on_train_begin: Callable | None = None,
                 on_train_end: Callable | None = None,
                 on_epoch_begin: Callable | None = None,
                 on_epoch_end: Callable | None = None,
                 on_batch_begin: Callable | None = None,
                 on_batch_end: Callable | None = None) -> None:
        given = dict(zip(self._HOOKS, (on_train_begin, on_train_end, on_epoch_begin,
                                       on_epoch_end, on_batch_begin, on_batch_end)))
        for hook, fn in given.items():
            if fn is not None and not callable(fn):
                raise TypeError(f"LambdaCallback: {hook} must be callable, "
                                f"got {type(fn).__name__}")
        self._fns = given

    def on_train_begin(self, trainer, logs):
        self._call("on_train_begin", trainer, logs)

    def on_train_end(self, trainer, logs):
        self._call("on_train_end", trainer, logs)

    def on_epoch_begin(self, trainer, epoch, logs):
        self._call("on_epoch_begin", trainer, epoch, logs)

    def on_epoch_end(self, trainer, epoch, logs):
        self._call("on_epoch_end", trainer, epoch, logs)

    def on_batch_begin(self, trainer, batch, logs):
        self._call("on_batch_begin", trainer, batch, logs)

    def on_batch_end(self, trainer, batch, logs):
        self._call("on_batch_end", trainer, batch, logs)

    def _call(self, hook: str, *args: Any) -> None:
        fn = self._fns[hook]
        if fn is not None:
            fn(*args)


class TerminateOnNaN(Callback):
    """Stop training as soon as a batch's loss is nan or infinite.

    Prints e.g. ``TerminateOnNaN: loss became nan at epoch 3, batch 17; stopping``
    and keeps ``(epoch, batch)`` in ``stopped_at``. The rest of that epoch is
    skipped (no optimizer step for a partial accumulation group).
    """

    def __init__(self) -> None:
        self.stopped_at: tuple[int, int] | None = None

    def on_train_begin(self, trainer, logs):
        self.stopped_at = None

    def on_batch_end(self, trainer, batch, logs):
        loss = logs.get("loss")
        if loss is None or math.isfinite(loss):
            return
        epoch = trainer.current_epoch
        self.stopped_at = (epoch, batch)
        print(f"TerminateOnNaN: loss became {loss} at epoch {epoch}, batch {batch}; stopping")
        trainer.stop_training = True


def resolve_mode(monitor: str, mode: str, owner: str) -> str:
    """``"min"`` or ``"max"``; ``"auto"`` picks max for accuracy-like names, else min."""
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    base = monitor[4:] if monitor.startswith("val_") else monitor
    is_max = base in _MAX_METRICS or base.endswith("accuracy")
    return "max" if is_max else "min"


class Monitor:
    """Tracks the best value of one logged quantity, with a ``min_delta`` margin."""

    def __init__(self, monitor: str, mode: str, min_delta: float, owner: str) -> None:
        if not isinstance(monitor, str):
            raise TypeError(f"{owner}: monitor must be a str, got {type(monitor).__name__}")
        if not (isinstance(min_delta, (int, float)) and min_delta >= 0):
            raise ValueError(f"{owner}: min_delta must be a number >= 0, got {min_delta!r}")
        self.monitor, self.owner = monitor, owner
        self.mode = resolve_mode(monitor, mode, owner)
        self.min_delta = float(min_delta)
        self.reset()

    def reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf

    def current(self, logs: dict[str, Any]) -> float | None:
        """The monitored value in ``logs``, or None (with a warning) if it is absent."""
        if self.monitor not in logs:
            warnings.warn(f"{self.owner}: monitored quantity {self.monitor!r} is not in the "
                          f"logs (available: {sorted(logs)}); skipping", stacklevel=3)
            return None
        return float(logs[self.monitor])

    def improved(self, value: float) -> bool:
        """True (and ``best`` updated) if ``value`` beats the best by more than min_delta."""
        if math.isnan(value):
            return False
        if self.mode == "min":
            better = value < self.best - self.min_delta
        else:
            better = value > self.best + self.min_delta
        if better:
            self.best = value
        return better
