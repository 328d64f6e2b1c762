"""A Trainer's full state as one safetensors checkpoint, and its exact restoration.

What is saved (``trainer_state``), all in one ``mg.save`` file (atomic, no pickle):

- ``model``: ``model.state_dict()``; ``optimizer``: ``optimizer.state_dict()``;
  ``scheduler``: ``scheduler.state_dict()`` or None;
- ``epoch`` (epochs completed) and ``global_step`` (optimizer steps taken);
- ``rng``: minigrad's default generator (dropout, init) and the Trainer's own
  data-order generator; ``train_loader``: the training loader's
  ``state_dict()`` when it has one;
- ``callbacks``: each callback's class name and ``state_dict()``;
- ``history``: ``History.to_dict()``.

Checkpoints are taken between epochs, so resuming replays exactly the
remaining epochs: the same batches in the same order, the same dropout masks.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np

from minigrad import io
from minigrad import random as mgrandom
from minigrad.train.history import History

FORMAT = "minigrad.train.Trainer"
VERSION = 1
_KEYS = ("format", "version", "epoch", "global_step", "model", "optimizer", "scheduler",
         "rng", "train_loader", "callbacks", "history")


def trainer_state(trainer: Any) -> dict[str, Any]:
    """Everything needed to continue ``trainer`` exactly where it stands."""
    if trainer._in_epoch:
        raise RuntimeError("Trainer.save_checkpoint: called in the middle of an epoch; "
                           "checkpoints are taken between epochs (from on_epoch_end, "
                           "e.g. with ModelCheckpoint, or after fit)")
    loader = trainer._train_loader
    loader_state = loader.state_dict() if hasattr(loader, "state_dict") else None
    scheduler = trainer.scheduler
    return {
        "format": FORMAT,
        "version": VERSION,
        "epoch": trainer.epoch,
        "global_step": trainer.global_step,
        "model": trainer.model.state_dict(),
        "optimizer": trainer.optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "rng": {"default": mgrandom.get_rng_state(), "trainer": trainer.generator.get_state()},
        "train_loader": loader_state,
        "callbacks": [{"class": type(cb).__name__, "state": cb.state_dict()}
                      for cb in trainer.callbacks],
        "history": trainer.history.to_dict(),
    }


def save_trainer(trainer: Any, path: str | os.PathLike[str]) -> None:
    """Write ``trainer_state(trainer)`` to ``path`` atomically."""
    io.save(trainer_state(trainer), path)


def load_trainer(trainer: Any, path: str | os.PathLike[str]) -> None:
    """Restore ``trainer`` from a ``save_trainer`` file.

    The Trainer must be built like the one that saved it: same model
    architecture, optimizer, scheduler (or none) and callback classes in the
    same order. Anything else is a ValueError naming the file.
    """
    where = os.fspath(path)
    state = io.load(path)
    _check(state, trainer, where)
    try:  # everything that can be checked without touching the trainer, first
        epoch, global_step = _count(state["epoch"], "epoch"), _count(state["global_step"],
                                                                      "global_step")
        history = History.from_dict(state["history"])
        mgrandom.Generator().set_state(state["rng"]["default"])
        mgrandom.Generator().set_state(state["rng"]["trainer"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from exc
    # then the stateful objects, each of which checks before it writes; if a later one
    # refuses, the earlier ones are put back, so a failed load changes nothing
    undo = _snapshot(trainer)
    try:
        trainer.model.load_state_dict(state["model"])
        trainer.optimizer.load_state_dict(state["optimizer"])
        if trainer.scheduler is not None:
            trainer.scheduler.load_state_dict(state["scheduler"])
        for callback, saved in zip(trainer.callbacks, state["callbacks"]):
            callback.load_state_dict(saved["state"])
    except Exception as exc:
        _restore(trainer, undo)
        raise ValueError(f"{where}: {exc}") from exc
    mgrandom.set_rng_state(state["rng"]["default"])
    trainer.generator.set_state(state["rng"]["trainer"])
    trainer._pending_loader_state = state["train_loader"]
    trainer.epoch = epoch
    trainer.global_step = global_step
    trainer.history = history


def _count(value: Any, name: str) -> int:
    """A saved counter as an int >= 0 (an int, or a 0-d integer array from the file)."""
    number = np.asarray(value)
    if number.shape != () or number.dtype.kind not in "iu" or int(number) < 0:
        raise ValueError(f"{name} must be an int >= 0, got {value!r}")
    return int(number)


def _snapshot(trainer: Any) -> dict[str, Any]:
    """Copies of what ``load_trainer`` overwrites in place, to put back after a failure."""
    return {
        "model": {k: v.clone() for k, v in trainer.model.state_dict().items()},
        "optimizer": copy.deepcopy(trainer.optimizer.state_dict()),
        "scheduler": None if trainer.scheduler is None
        else copy.deepcopy(trainer.scheduler.state_dict()),
        "callbacks": [copy.deepcopy(cb.state_dict()) for cb in trainer.callbacks],
    }


def _restore(trainer: Any, undo: dict[str, Any]) -> None:
    trainer.model.load_state_dict(undo["model"])
    trainer.optimizer.load_state_dict(undo["optimizer"])
    if trainer.scheduler is not None:
        trainer.scheduler.load_state_dict(undo["scheduler"])
    for callback, saved in zip(trainer.callbacks, undo["callbacks"]):
        callback.load_state_dict(saved)


def _check(state: dict[str, Any], trainer: Any, where: str) -> None:
    if state.get("format") != FORMAT:
        raise ValueError(f"{where}: not a Trainer checkpoint (no format {FORMAT!r}); "
                         "for a bare model state dict use model.load_state_dict(mg.load(path))")
    if state.get("version") != VERSION:
        raise ValueError(f"{where}: Trainer checkpoint version {state.get('version')!r} is not "
                         f"supported (expected {VERSION})")
    missing = [key for key in _KEYS if key not in state]
    if missing:
        raise ValueError(f"{where}: Trainer checkpoint lacks {missing}")
    has_saved = state["scheduler"] is not None
    if has_saved != (trainer.scheduler is not None):
        raise ValueError(f"{where}: the checkpoint {'has' if has_saved else 'has no'} scheduler "
                         f"state but this Trainer {'has none' if has_saved else 'has one'}")
    saved = [entry["class"] for entry in state["callbacks"]]
    ours = [type(cb).__name__ for cb in trainer.callbacks]
    if saved != ours:
        raise ValueError(f"{where}: the checkpoint was saved with callbacks {saved}, this "
                         f"Trainer has {ours}; pass the same callbacks in the same order")
