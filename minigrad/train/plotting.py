"""Training curves and learning-rate-finder plots (matplotlib: ``pip install ".[plot]"``).

matplotlib is imported only when a plot is drawn. With ``path`` the figure is
drawn on a bare Agg canvas, saved as PNG and left out of pyplot's figure
registry, so scripts and servers need no display; without ``path`` it is a
pyplot figure, ready for ``plt.show()`` or a notebook.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

_NOT_CURVES = ("lr", "time", "epoch")
PLOT_EXTRA = 'pip install ".[plot]"'  # run in minigrad's checkout; installs matplotlib


def can_plot(what: str = "the plot", note: Callable[[str], Any] | None = print) -> bool:
    """True if matplotlib can be imported, so a plot can be drawn.

    If it cannot, ``note`` (``print`` by default; None for silence) gets one line
    saying that ``what`` was not drawn and which extra draws it, and the result is
    False: a script calls its plot only ``if can_plot(path):`` and carries on
    without the picture on a base install.
    """
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        if note is not None:
            note(f"{what} not drawn: matplotlib is not installed ({PLOT_EXTRA} draws it)")
        return False
    return True


def new_figure(figsize: tuple[float, float], for_file: bool) -> Any:
    """A matplotlib Figure: on a bare Agg canvas when it is for a file, else from pyplot."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise ImportError(f"plotting needs matplotlib: {PLOT_EXTRA}") from None
    if for_file:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize)
        FigureCanvasAgg(fig)
        return fig
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize)


def finish_figure(fig: Any, path: str | None) -> Any:
    """Save ``fig`` as a PNG at ``path`` (if given); returns ``fig``."""
    if path is not None:
        fig.savefig(path, dpi=120, format="png")
    return fig


def _columns(history_or_dict: Any) -> tuple[list[float], dict[str, list[float]]]:
    """(epochs, key -> values) from a History, its to_dict() or a Keras-style dict."""
    if hasattr(history_or_dict, "history") and hasattr(history_or_dict, "epoch"):
        epochs, columns = history_or_dict.epoch, history_or_dict.history
    elif isinstance(history_or_dict, dict):
        if "history" in history_or_dict and "epoch" in history_or_dict:
            epochs, columns = history_or_dict["epoch"], history_or_dict["history"]
        else:
            columns = history_or_dict
            length = max((len(v) for v in columns.values()), default=0)
            epochs = list(range(1, length + 1))
    else:
        raise TypeError(f"plot_history: expected a History or a dict of lists, "
                        f"got {type(history_or_dict).__name__}")
    clean = {key: [math.nan if v is None else float(v) for v in values]
             for key, values in columns.items()}
    return list(epochs), clean


def _quantities(columns: dict[str, list[float]], metrics: list[str] | None) -> list[str]:
    names: list[str] = []
    for key in columns:
        base = key[4:] if key.startswith("val_") else key
        if base not in names and base not in _NOT_CURVES:
            names.append(base)
    if "loss" in names:
        names.remove("loss")
        names.insert(0, "loss")
    if metrics is None:
        return names
    unknown = [m for m in metrics if m not in names]
    if unknown:
        raise ValueError(f"plot_history: no recorded values for {unknown}; available: {names}")
    return list(metrics)


def plot_history(history_or_dict: Any, path: str | None = None,
                 metrics: list[str] | None = None, title: str | None = None) -> Any:
    """One subplot per quantity (loss first, then each metric), train vs validation.

    Returns the matplotlib Figure; with ``path`` also saves it as a PNG.

    >>> fig = plot_history({"loss": [1.0, 0.6], "val_loss": [1.1, 0.8]})  # doctest: +SKIP
    """
    epochs, columns = _columns(history_or_dict)
    names = _quantities(columns, metrics)
    if not names:
        raise ValueError("plot_history: nothing to plot (no loss or metric values)")
    ncols = min(len(names), 3)
    nrows = math.ceil(len(names) / ncols)
    fig = new_figure((4.8 * ncols, 3.6 * nrows), for_file=path is not None)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[len(names):]:
        fig.delaxes(ax)
    from matplotlib.ticker import MaxNLocator

    x = np.asarray(epochs, dtype=np.float64)
    for ax, name in zip(axes[: len(names)], names, strict=True):
        for key, label, style in ((name, "train", "o-"), ("val_" + name, "validation", "s--")):
            if key in columns:
                y = np.asarray(columns[key], dtype=np.float64)
                ok = np.isfinite(y)  # skip epochs without a value (e.g. no validation run)
                ax.plot(x[ok], y[ok], style, label=label, markersize=3)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish_figure(fig, path)


def suggest_lr(lrs: Any, losses: Any) -> float:
    """The learning rate where the loss falls fastest against log(lr)."""
    lr = np.asarray(lrs, dtype=np.float64)
    loss = np.asarray(losses, dtype=np.float64)
    if lr.ndim != 1 or lr.shape != loss.shape:
        raise ValueError(f"suggest_lr: lrs and losses must be 1-D of equal length, got "
                         f"{lr.shape} and {loss.shape}")
    if np.any(lr <= 0):
        raise ValueError("suggest_lr: learning rates must be positive")
    ok = np.isfinite(loss)
    if ok.sum() < 2:
        raise ValueError("suggest_lr: needs at least 2 finite losses")
    lr, loss = lr[ok], loss[ok]
    slope = np.gradient(loss, np.log10(lr))
    return float(lr[int(np.argmin(slope))])


def plot_lr_finder(lrs: Any, losses: Any, path: str | None = None) -> Any:
    """Loss against learning rate (log x axis), marking :func:`suggest_lr`'s choice."""
    best = suggest_lr(lrs, losses)
    lr = np.asarray(lrs, dtype=np.float64)
    loss = np.asarray(losses, dtype=np.float64)
    fig = new_figure((6.0, 4.0), for_file=path is not None)
    ax = fig.subplots()
    ok = np.isfinite(loss)
    ax.plot(lr[ok], loss[ok], "-", label="loss")
    at = int(np.flatnonzero(lr == best)[0])
    ax.plot([best], [loss[at]], "o", color="red", markersize=8, label=f"suggested lr {best:.2e}")
    ax.set_xscale("log")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.set_title("learning rate finder")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return finish_figure(fig, path)
