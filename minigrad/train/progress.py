"""Per-epoch progress output that suits both terminals and log files.

On a terminal (``verbose=1``) a live bar: tqdm when installed
(``pip install ".[progress]"`` in the checkout), else a plain in-place bar redrawn with
carriage returns at most ``1 / min_interval`` times a second. Anywhere else
(a log file, a pipe, a notebook) or with ``verbose=2``: nothing per batch and
one line per epoch. ``verbose=0`` prints nothing.

>>> import io
>>> out = io.StringIO()
>>> bar = ProgressBar(2, desc="epoch 1/1", file=out)
>>> bar.update(loss=0.5); bar.update(loss=0.25)
>>> bar.close(val_loss=0.3)
>>> out.getvalue().startswith("epoch 1/1 - 2 batches - ")
True
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any, TextIO

import numpy as np

from minigrad._tensor import Tensor

_now = time.monotonic  # tests replace this with a fake clock


def _load_tqdm() -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def _isatty(file: Any) -> bool:
    try:
        return bool(file.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def to_float(value: Any, key: str = "value") -> float:
    """A Python float from a number, size-1 array or minigrad Tensor (None -> nan)."""
    if value is None:
        return math.nan
    if isinstance(value, Tensor):
        value = value.numpy(force=True)
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{key}: expected a number, got {type(value).__name__}") from None
    if arr.size != 1:
        raise ValueError(f"{key}: expected a scalar, got an array of shape {arr.shape}")
    return float(arr.reshape(()))


def format_value(value: float) -> str:
    """4 decimals for ordinary magnitudes, scientific for tiny or huge ones."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if value == 0 or 1e-3 <= abs(value) < 1e4:
        return f"{value:.4f}"
    return f"{value:.4e}"


def format_time(seconds: float) -> str:
    """``1.2s``, ``2m03s`` or ``1h02m``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def format_logs(logs: dict[str, float]) -> str:
    """``loss 0.3412 - accuracy 0.9100``."""
    return " - ".join(f"{key} {format_value(value)}" for key, value in logs.items())


class ProgressBar:
    """Progress of one epoch: ``update(n, **logs)`` per batch, ``close(**logs)`` at the end.

    ``total`` is the number of batches (None if unknown). ``file`` defaults
    to ``sys.stdout``. ``verbose``: 0 silent, 1 live bar on a terminal (one
    line per epoch elsewhere), 2 always one line per epoch.
    """

    def __init__(self, total: int | None, desc: str = "", verbose: int = 1,
                 file: TextIO | None = None, min_interval: float = 0.1) -> None:
        if verbose not in (0, 1, 2):
            raise ValueError(f"ProgressBar: verbose must be 0, 1 or 2, got {verbose!r}")
        if total is not None and (not isinstance(total, int) or total < 0):
            raise ValueError(f"ProgressBar: total must be a non-negative int or None, "
                             f"got {total!r}")
        self.total, self.desc, self.verbose = total, desc, verbose
        self.file = sys.stdout if file is None else file
        self.min_interval = min_interval
        self.n = 0
        self.logs: dict[str, float] = {}
        self._start = _now()
        self._last_draw = -math.inf
        self._width = 0
        self._closed = False
        self._tqdm = None
        if verbose == 0:
            self.mode = "silent"
        elif verbose == 1 and _isatty(self.file):
            tqdm = _load_tqdm()
            self.mode = "tty" if tqdm is None else "tqdm"
            if tqdm is not None:
                self._tqdm = tqdm(total=total, desc=desc or None, file=self.file, unit="batch",
                                  leave=True, dynamic_ncols=True, mininterval=min_interval)
        else:
            self.mode = "line"

    def update(self, n: int = 1, **postfix: Any) -> None:
        """Record ``n`` more batches done and the latest loss/metric values."""
        if self._closed:
            raise RuntimeError("ProgressBar: update() after close()")
        if n < 0:
            raise ValueError(f"ProgressBar: n must be >= 0, got {n}")
        self.n += n
        self.logs.update({key: to_float(value, key) for key, value in postfix.items()})
        if self.mode == "tqdm":
            if postfix:
                self._tqdm.set_postfix_str(format_logs(self.logs), refresh=False)
            self._tqdm.update(n)
        elif self.mode == "tty":
            now = _now()
            finished = self.total is not None and self.n >= self.total
            if finished or now - self._last_draw >= self.min_interval:
                self._last_draw = now
                self._draw(self._bar_line(now - self._start))

    def close(self, **final_logs: Any) -> None:
        """Finish the epoch, adding ``final_logs`` (e.g. validation results). Idempotent."""
        if self._closed:
            return
        self._closed = True
        self.logs.update({key: to_float(value, key) for key, value in final_logs.items()})
        if self.mode == "tqdm":
            self._tqdm.set_postfix_str(format_logs(self.logs), refresh=False)
            self._tqdm.close()
        elif self.mode == "tty":
            self._draw(self.summary())
            self.file.write("\n")
            self.file.flush()
        elif self.mode == "line":
            self.file.write(self.summary() + "\n")
            self.file.flush()

    def summary(self) -> str:
        """``epoch 3/10 - 120 batches - 1.2s - loss 0.3412 - val_loss 0.3567``."""
        parts = [self.desc] if self.desc else []
        parts.append(f"{self.n} batch" + ("" if self.n == 1 else "es"))
        parts.append(format_time(_now() - self._start))
        if self.logs:
            parts.append(format_logs(self.logs))
        return " - ".join(parts)

    def _bar_line(self, elapsed: float) -> str:
        rate = self.n / elapsed if elapsed > 0 else 0.0
        parts = [self.desc] if self.desc else []
        if self.total:
            done = min(20, 20 * self.n // self.total)
            arrow = ">" if done < 20 else ""
            parts.append(f"[{'=' * done}{arrow}{'.' * (20 - done - len(arrow))}] "
                         f"{self.n}/{self.total}")
        else:
            parts.append(f"{self.n} batches")
        line = " ".join(parts)
        if rate > 0:
            line += f" - {rate:.1f} it/s"
            if self.total:
                line += f" - ETA {format_time(max(self.total - self.n, 0) / rate)}"
        if self.logs:
            line += " - " + format_logs(self.logs)
        return line

    def _draw(self, line: str) -> None:
        """Overwrite the current terminal line, blanking what a longer line left."""
        padded = line.ljust(self._width)
        self._width = len(line)
        self.file.write("\r" + padded)
        self.file.flush()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
