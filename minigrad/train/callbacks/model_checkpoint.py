"""``ModelCheckpoint``: write a checkpoint every epoch, or only when the monitor improves."""

from __future__ import annotations

import os
from typing import Any

from minigrad.io import save
from minigrad.train.callbacks.base import Callback, Monitor


class ModelCheckpoint(Callback):
    """Save after each epoch to ``path``, formatted with the epoch's logs.

    ``path`` may contain ``{epoch}`` and any logged value, e.g.
    ``"ckpt/epoch{epoch:02d}-{val_loss:.4f}.safetensors"``. By default the
    file is a full ``Trainer.save_checkpoint`` (model, optimizer, scheduler,
    counters, RNG, callbacks, history: ``fit(resume_from=path)`` resumes from
    it, and ``mg.load(path)["model"]`` is the model's state dict). With
    ``save_weights_only=True`` it holds ``model.state_dict()`` alone.

    With ``save_best_only=True`` a file is written only when ``monitor``
    improves (``mode`` as in ``EarlyStopping``). ``best_path`` is the file of
    the best epoch so far, ``last_path`` the last one written. Writes are
    atomic (``mg.save``); missing directories are created. Runs after the
    other callbacks, so the checkpoint holds their state for the same epoch.

    >>> saver = ModelCheckpoint("best.safetensors", monitor="val_loss", save_best_only=True)
    """

    runs_last = True
    rank_zero_only = True

    def __init__(self, path: str | os.PathLike[str], monitor: str = "val_loss",
                 save_best_only: bool = False, mode: str = "auto",
                 save_weights_only: bool = False, verbose: int = 0) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"ModelCheckpoint: path must be a str or path, "
                            f"got {type(path).__name__}")
        self.path = os.fspath(path)
        self._monitor = Monitor(monitor, mode, 0.0, "ModelCheckpoint")
        self.monitor, self.mode = monitor, self._monitor.mode
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.verbose = verbose
        self.best_path: str | None = None
        self.last_path: str | None = None

    @property
    def best(self) -> float:
        return self._monitor.best

    def on_train_begin(self, trainer, logs):
        self._monitor.reset()
        self.best_path = None
        self.last_path = None

    def on_epoch_end(self, trainer, epoch, logs):
        value = None
        if self.save_best_only or self.monitor in logs:
            value = self._monitor.current(logs)
        improved = value is not None and self._monitor.improved(value)
        if self.save_best_only and not improved:
            return
        path = self._format(epoch, logs)
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        self.last_path = path  # set first, so the checkpoint itself records them
        if improved:
            self.best_path = path
        if self.save_weights_only:
            save(trainer.model.state_dict(), path)
        else:
            trainer.save_checkpoint(path)
        if self.verbose:
            note = f" ({self.monitor} improved to {value:.6g})" if improved else ""
            print(f"ModelCheckpoint: saved {path}{note}")

    def _format(self, epoch: int, logs: dict[str, Any]) -> str:
        try:
            return self.path.format(epoch=epoch, **logs)
        except (KeyError, IndexError, ValueError) as err:
            raise ValueError(f"ModelCheckpoint: cannot format path {self.path!r} ({err!r}); "
                             f"available fields: {['epoch', *logs]}") from None

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "best_path": self.best_path, "last_path": self.last_path}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._monitor.best = float(state["best"])
        self.best_path = state["best_path"]
        self.last_path = state["last_path"]
