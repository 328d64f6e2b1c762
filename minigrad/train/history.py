"""Per-epoch training records, Keras-style: ``history.history["val_loss"]``.

>>> h = History()
>>> h.append(1, {"loss": 0.9, "val_loss": 1.0})
>>> h.append(2, {"loss": 0.5, "val_loss": 0.7})
>>> h["val_loss"]
[1.0, 0.7]
>>> h.best("val_loss")
(2, 0.7)
"""

from __future__ import annotations

import math
from typing import Any

from minigrad.train.plotting import plot_history
from minigrad.train.progress import format_value, to_float


class History:
    """Every key's list has one entry per recorded epoch; missing values are nan.

    Keys follow Keras: ``loss``, ``val_loss``, ``<metric>``,
    ``val_<metric>``, ``lr``, ``time``.
    """

    def __init__(self) -> None:
        self.epoch: list[int] = []
        self.history: dict[str, list[float]] = {}

    def append(self, epoch: int, logs: dict[str, Any]) -> None:
        """Record ``logs`` (name -> scalar) for ``epoch``."""
        if not isinstance(logs, dict):
            raise TypeError(f"History.append: logs must be a dict, got {type(logs).__name__}")
        values = {str(key): to_float(value, f"History.append[{key!r}]")
                  for key, value in logs.items()}
        for key in values:
            if key not in self.history:  # a key first seen now was missing before
                self.history[key] = [math.nan] * len(self.epoch)
        self.epoch.append(int(epoch))
        for key, column in self.history.items():
            column.append(values.get(key, math.nan))

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.history:
            raise KeyError(f"History: no key {key!r}; recorded keys: {list(self.history)}")
        return self.history[key]

    def __contains__(self, key: object) -> bool:
        return key in self.history

    def __len__(self) -> int:
        return len(self.epoch)

    def keys(self) -> list[str]:
        return list(self.history)

    def best(self, monitor: str = "val_loss", mode: str = "min") -> tuple[int, float]:
        """(epoch, value) of the best ``monitor`` value, ignoring nan; first one on ties."""
        if mode not in ("min", "max"):
            raise ValueError(f"History.best: mode must be 'min' or 'max', got {mode!r}")
        values = self[monitor]
        found = [(v, i) for i, v in enumerate(values) if not math.isnan(v)]
        if not found:
            raise ValueError(f"History.best: {monitor!r} has no recorded values")
        sign = 1.0 if mode == "min" else -1.0
        value, i = min(found, key=lambda pair: (sign * pair[0], pair[1]))
        return self.epoch[i], value

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable dict (nan becomes None)."""
        return {
            "epoch": list(self.epoch),
            "history": {key: [None if math.isnan(v) else v for v in column]
                        for key, column in self.history.items()},
        }

    @classmethod
    def from_dict(cls, state: dict[str, Any]) -> History:
        """Rebuild from :meth:`to_dict` output."""
        try:
            epochs, columns = state["epoch"], state["history"]
        except (KeyError, TypeError):
            raise ValueError("History.from_dict: expected a dict with 'epoch' and 'history'") \
                from None
        out = cls()
        out.epoch = [int(e) for e in epochs]
        for key, column in columns.items():
            if len(column) != len(out.epoch):
                raise ValueError(f"History.from_dict: {key!r} has {len(column)} values for "
                                 f"{len(out.epoch)} epochs")
            out.history[key] = [to_float(v, key) for v in column]
        return out

    def summary(self, max_rows: int = 20) -> str:
        """A table with one row per epoch (the middle elided past ``max_rows``)."""
        header = ["epoch", *self.history]
        rows = [[str(e)] + [_cell(self.history[k][i]) for k in self.history]
                for i, e in enumerate(self.epoch)]
        if len(rows) > max_rows:
            half = max_rows // 2
            rows = rows[:half] + [["..."] * len(header)] + rows[-half:]
        widths = [max(len(r[j]) for r in [header, *rows]) for j in range(len(header))]
        lines = ["  ".join(cell.rjust(w) for cell, w in zip(r, widths, strict=True))
                 for r in [header, *rows]]
        return "\n".join(lines)

    def __repr__(self) -> str:
        if not self.epoch:
            return "History(empty)"
        return f"History({len(self.epoch)} epochs)\n{self.summary()}"

    def plot(self, path: str | None = None, metrics: list[str] | None = None,
             title: str | None = None) -> Any:
        """Train vs validation curves; see :func:`minigrad.train.plotting.plot_history`."""
        return plot_history(self, path=path, metrics=metrics, title=title)


def _cell(value: float) -> str:
    return "-" if math.isnan(value) else format_value(value)
