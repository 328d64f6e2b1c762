"""``CSVLogger``: one CSV row per epoch with everything the epoch logged."""

from __future__ import annotations

import csv
import math
import os
from typing import Any

from minigrad.train.callbacks.base import Callback


def _cell(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    return repr(float(value)) if isinstance(value, (int, float)) else str(value)


class CSVLogger(Callback):
    """Write ``epoch`` and the epoch's logs (loss, metrics, val_*, lr, time) to ``path``.

    The columns are fixed by the first epoch written; a value missing later
    is left empty. ``append=False`` starts a new file at ``fit``; with
    ``append=True`` rows are added (the header only if the file is empty).
    When ``fit`` resumes from a checkpoint, the file is kept up to the
    checkpoint's epoch (rows of epochs after it, left by a crashed run, are
    dropped) and continued. Floats are written with full precision.

    >>> logger = CSVLogger("training_log.csv")
    """

    rank_zero_only = True

    def __init__(self, path: str | os.PathLike[str], separator: str = ",",
                 append: bool = False) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"CSVLogger: path must be a str or path, got {type(path).__name__}")
        self.path, self.separator, self.append = os.fspath(path), separator, append
        self.columns: list[str] | None = None
        self.last_epoch = 0
        self._resume = False
        self._truncate = not append

    def on_train_begin(self, trainer, logs):
        self.columns = None
        self.last_epoch = 0
        self._resume = False
        self._truncate = not self.append

    def on_epoch_end(self, trainer, epoch, logs):
        if self._resume:
            self._drop_rows_after(self.last_epoch)
            self._resume = False
        mode = "w" if self._truncate else "a"
        self._truncate = False
        if self.columns is None:
            self.columns = list(logs)
        needs_header = mode == "w" or not os.path.exists(self.path) or \
            os.path.getsize(self.path) == 0
        with open(self.path, mode, newline="", encoding="utf-8") as f:
            writer = csv.writer(f, delimiter=self.separator)
            if needs_header:
                writer.writerow(["epoch", *self.columns])
            writer.writerow([str(epoch), *(_cell(logs[c]) if c in logs else ""
                                           for c in self.columns)])
        self.last_epoch = epoch

    def _drop_rows_after(self, epoch: int) -> None:
        """Keep the header and the rows of epochs <= ``epoch``."""
        if not os.path.exists(self.path):
            return
        with open(self.path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f, delimiter=self.separator))
        kept = rows[:1] + [r for r in rows[1:] if r and int(r[0]) <= epoch]
        with open(self.path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, delimiter=self.separator).writerows(kept)

    def state_dict(self) -> dict[str, Any]:
        return {"columns": self.columns, "last_epoch": self.last_epoch}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.columns = None if state["columns"] is None else list(state["columns"])
        self.last_epoch = int(state["last_epoch"])
        self._resume = True
        self._truncate = False
