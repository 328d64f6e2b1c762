"""``EarlyStopping``: stop when a monitored quantity stops improving."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad._tensor import Tensor
from minigrad.train.callbacks.base import Callback, Monitor


def snapshot_weights(model: Any) -> dict[str, np.ndarray]:
    """A copy of ``model.state_dict()`` as fresh arrays, unaffected by later training."""
    out = {}
    for key, value in model.state_dict().items():
        data = value.data if isinstance(value, Tensor) else value
        out[key] = np.array(data, copy=True)
    return out


class EarlyStopping(Callback):
    """Stop training once ``monitor`` has not improved for ``patience`` epochs.

    An epoch improves when its value beats the best so far by more than
    ``min_delta`` (lower for ``mode="min"``, higher for ``"max"``; ``"auto"``
    picks max for accuracy-like names). As in Keras, training stops at the
    end of the ``patience``-th consecutive epoch without improvement
    (``patience=0`` stops at the first one, like ``patience=1``).

    With ``restore_best_weights=True`` the model gets the best epoch's weights
    back at the end of training, whether early stopping or the epoch limit
    ended it. Attributes: ``best``, ``best_epoch``, ``wait``, ``stopped_epoch``.

    >>> stopper = EarlyStopping(monitor="val_loss", patience=5, restore_best_weights=True)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, min_delta: float = 0.0,
                 mode: str = "auto", restore_best_weights: bool = False,
                 verbose: int = 0) -> None:
        if not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        self._monitor = Monitor(monitor, mode, min_delta, "EarlyStopping")
        self.monitor, self.mode = monitor, self._monitor.mode
        self.patience = patience
        self.restore_best_weights = restore_best_weights
        self.verbose = verbose
        self._reset()

    def _reset(self) -> None:
        self._monitor.reset()
        self.wait = 0
        self.best_epoch = 0
        self.stopped_epoch = 0
        self.best_weights: dict[str, np.ndarray] | None = None

    @property
    def best(self) -> float:
        return self._monitor.best

    def on_train_begin(self, trainer, logs):
        self._reset()

    def on_epoch_end(self, trainer, epoch, logs):
        value = self._monitor.current(logs)
        if value is None:
            return
        if self._monitor.improved(value):
            self.wait = 0
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = snapshot_weights(trainer.model)
            return
        self.wait += 1
        if self.wait >= max(self.patience, 1):
            self.stopped_epoch = epoch
            trainer.stop_training = True
            if self.verbose:
                print(f"EarlyStopping: no improvement in {self.monitor} for {self.wait} "
                      f"epochs; stopping after epoch {epoch} (best {self.best:.6g} at epoch "
                      f"{self.best_epoch})")

    def on_train_end(self, trainer, logs):
        if self.restore_best_weights and self.best_weights is not None:
            trainer.model.load_state_dict({k: Tensor(v.copy()) for k, v in
                                           self.best_weights.items()})
            if self.verbose:
                print(f"EarlyStopping: restored the weights of epoch {self.best_epoch}")

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "wait": self.wait, "best_epoch": self.best_epoch,
                "stopped_epoch": self.stopped_epoch, "best_weights": self.best_weights}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._monitor.best = float(state["best"])
        self.wait = int(state["wait"])
        self.best_epoch = int(state["best_epoch"])
        self.stopped_epoch = int(state["stopped_epoch"])
        weights = state["best_weights"]
        if weights is not None:
            weights = {k: np.array(v.data if isinstance(v, Tensor) else v, copy=True)
                       for k, v in weights.items()}
        self.best_weights = weights
