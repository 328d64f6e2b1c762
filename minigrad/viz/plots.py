"""Plots in one place: learning curves and LR-finder curves (defined in
``minigrad.train.plotting``, where ``History.plot`` uses them, and re-exported here),
embedding scatter plots and attention maps.

matplotlib is imported only when a plot is drawn (``pip install ".[plot]"``). With
``path`` the figure is saved as a PNG off-screen; without, it is a pyplot figure for
a notebook or ``plt.show()``. Each function returns the Figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..train.plotting import (
    can_plot,
    finish_figure,
    new_figure,
    plot_history,
    plot_lr_finder,
    suggest_lr,
)

__all__ = ["can_plot", "plot_attention", "plot_embeddings", "plot_history", "plot_lr_finder",
           "suggest_lr"]


def _array(values: Any, name: str) -> np.ndarray:
    if hasattr(values, "detach"):
        values = values.detach().numpy()
    array = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: the values contain NaN or infinity")
    return array


def plot_embeddings(vectors: Any, labels: Sequence[str] | None = None, path: str | None = None,
                    title: str | None = None, groups: Sequence[Any] | None = None) -> Any:
    """Scatter plot of embedding vectors (n, d) in 2-D: the first two principal
    components when d > 2, each point annotated with its label (if given) and
    coloured by its group (if given). Returns the Figure.

    >>> fig = plot_embeddings(np.eye(4), labels=list("abcd"))  # doctest: +SKIP
    """
    x = _array(vectors, "plot_embeddings")
    if x.ndim != 2 or x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"plot_embeddings: vectors must be (n, d), got shape {x.shape}")
    n, d = x.shape
    for name, given in (("labels", labels), ("groups", groups)):
        if given is not None and len(given) != n:
            raise ValueError(f"plot_embeddings: {n} vectors but {len(given)} {name}")
    if d == 1:
        xy, axes_names = np.column_stack([x[:, 0], np.zeros(n)]), ("dim 0", "")
    elif d == 2:
        xy, axes_names = x, ("dim 0", "dim 1")
    else:
        centred = x - x.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        xy = centred @ vt[:2].T
        share = s[:2] ** 2 / max(float((s**2).sum()), 1e-300)
        axes_names = (f"PC 1 ({share[0]:.0%} of variance)", f"PC 2 ({share[1]:.0%})")
    fig = new_figure((6.0, 5.0), for_file=path is not None)
    ax = fig.subplots()
    if groups is None:
        ax.scatter(xy[:, 0], xy[:, 1], s=14)
    else:
        for k, group in enumerate(dict.fromkeys(groups)):
            mask = np.array([g == group for g in groups])
            ax.scatter(xy[mask, 0], xy[mask, 1], s=14, color=f"C{k}", label=str(group))
        ax.legend()
    if labels is not None:
        for (px, py), text in zip(xy, labels, strict=True):
            ax.annotate(str(text), (px, py), fontsize=8, xytext=(3, 3),
                        textcoords="offset points")
    ax.set_xlabel(axes_names[0])
    ax.set_ylabel(axes_names[1])
    ax.set_title(title or "embeddings")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return finish_figure(fig, path)


def plot_attention(weights: Any, x_labels: Sequence[str] | None = None,
                   y_labels: Sequence[str] | None = None, path: str | None = None,
                   title: str | None = None) -> Any:
    """Attention map(s) as heat maps: ``weights`` is (queries, keys), or (heads,
    queries, keys) for one panel per head (a leading batch of 1 is dropped).
    ``x_labels`` name the keys (columns), ``y_labels`` the queries (rows). Returns
    the Figure.

    >>> fig = plot_attention(np.full((3, 3), 1 / 3), list("abc"), list("abc"))  # doctest: +SKIP
    """
    w = _array(weights, "plot_attention")
    if w.ndim == 4 and w.shape[0] == 1:
        w = w[0]
    if w.ndim == 2:
        w = w[None]
    if w.ndim != 3:
        raise ValueError(f"plot_attention: weights must be (queries, keys) or (heads, queries, "
                         f"keys), got shape {np.shape(weights)}")
    heads, nq, nk = w.shape
    if x_labels is not None and len(x_labels) != nk:
        raise ValueError(f"plot_attention: {nk} keys but {len(x_labels)} x_labels")
    if y_labels is not None and len(y_labels) != nq:
        raise ValueError(f"plot_attention: {nq} queries but {len(y_labels)} y_labels")
    ncols = min(heads, 4)
    nrows = -(-heads // ncols)
    size = 0.35 * max(nq, nk) + 2.0
    fig = new_figure((size * ncols + 1.0, size * nrows), for_file=path is not None)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[heads:]:
        fig.delaxes(ax)
    for h, ax in enumerate(axes[:heads]):
        image = ax.imshow(w[h], cmap="viridis", vmin=0.0, aspect="auto")
        ax.set_xticks(range(nk), labels=x_labels if x_labels is not None else range(nk),
                      rotation=90 if x_labels is not None else 0, fontsize=8)
        ax.set_yticks(range(nq), labels=y_labels if y_labels is not None else range(nq),
                      fontsize=8)
        ax.set_xlabel("key")
        ax.set_ylabel("query")
        if heads > 1:
            ax.set_title(f"head {h}", fontsize=9)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return finish_figure(fig, path)
