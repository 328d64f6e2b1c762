"""plot_history / plot_lr_finder: PNG files, axes, labels, legends, missing matplotlib."""

import builtins

import numpy as np
import pytest

from minigrad.train import History, can_plot, plot_history, plot_lr_finder, suggest_lr

pytest.importorskip("matplotlib")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_history(epochs=6):
    h = History()
    for e in range(1, epochs + 1):
        h.append(e, {"loss": 1.0 / e, "val_loss": 1.2 / e + 0.05, "accuracy": 1 - 0.5 / e,
                     "val_accuracy": 1 - 0.6 / e, "f1": 1 - 0.55 / e, "lr": 0.1, "time": 1.0})
    return h


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_history_writes_a_png_with_one_axes_per_quantity(tmp_path):
    path = tmp_path / "history.png"
    fig = plot_history(make_history(), path=str(path), title="run 1")
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (round(3 * 4.8 * 120), round(3.6 * 120))  # dpi 120
    axes = fig.axes
    assert [ax.get_ylabel() for ax in axes] == ["loss", "accuracy", "f1"]  # no lr/time plots
    assert all(ax.get_xlabel() == "epoch" for ax in axes)
    assert legend_texts(axes[0]) == ["train", "validation"]
    assert legend_texts(axes[2]) == ["train"]  # f1 has no validation values
    assert fig._suptitle.get_text() == "run 1"
    x, y = axes[0].get_lines()[0].get_data()
    np.testing.assert_allclose(x, [1, 2, 3, 4, 5, 6])
    np.testing.assert_allclose(y, [1 / e for e in range(1, 7)])


def test_plot_history_subset_and_dict_inputs(tmp_path):
    h = make_history(3)
    fig = plot_history(h, path=str(tmp_path / "a.png"), metrics=["accuracy"])
    assert len(fig.axes) == 1 and fig.axes[0].get_ylabel() == "accuracy"
    fig = plot_history({"loss": [3.0, 2.0], "val_loss": [3.5, 2.5]}, path=str(tmp_path / "b.png"))
    x, _ = fig.axes[0].get_lines()[1].get_data()
    np.testing.assert_allclose(x, [1, 2])  # plain dicts count epochs from 1
    fig = plot_history(h.to_dict(), path=str(tmp_path / "c.png"))
    assert len(fig.axes) == 3


def test_plot_history_skips_epochs_without_validation(tmp_path):
    h = History()
    h.append(1, {"loss": 1.0})
    h.append(2, {"loss": 0.8, "val_loss": 0.9})
    h.append(3, {"loss": 0.7})
    h.append(4, {"loss": 0.6, "val_loss": 0.7})
    fig = plot_history(h, path=str(tmp_path / "h.png"))
    x, y = fig.axes[0].get_lines()[1].get_data()
    np.testing.assert_allclose(x, [2, 4])
    np.testing.assert_allclose(y, [0.9, 0.7])


def test_plot_history_without_path_returns_pyplot_figure():
    import matplotlib.pyplot as plt

    fig = plot_history(make_history(2))
    try:
        assert plt.fignum_exists(fig.number)
        assert len(fig.axes) == 3
    finally:
        plt.close(fig)


def test_plot_history_bad_input():
    with pytest.raises(ValueError, match="no recorded values for \\['mae'\\]"):
        plot_history(make_history(2), metrics=["mae"])
    with pytest.raises(ValueError, match="nothing to plot"):
        plot_history({"lr": [0.1]})
    with pytest.raises(TypeError, match="History or a dict"):
        plot_history([1.0, 2.0])


def test_history_plot_delegates(tmp_path):
    path = tmp_path / "h.png"
    fig = make_history(3).plot(path=str(path), metrics=["loss"])
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss"]


def test_missing_matplotlib_gives_install_hint(monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    # the checkout's extra: "minigrad[plot]" would fetch an unrelated project from PyPI
    with pytest.raises(ImportError, match=r'pip install "\.\[plot\]"'):
        plot_history(make_history(2), path="unused.png")
    with pytest.raises(ImportError, match=r'pip install "\.\[plot\]"'):
        plot_lr_finder([1e-3, 1e-2], [1.0, 0.5])
    notes = []
    assert can_plot("curves.png", note=notes.append) is False
    assert notes == ['curves.png not drawn: matplotlib is not installed '
                     '(pip install ".[plot]" draws it)']
    assert can_plot(note=None) is False


def test_can_plot_is_true_and_silent_when_matplotlib_imports():
    notes = []
    assert can_plot("x.png", note=notes.append) is True and notes == []


def lr_curve():
    lrs = np.logspace(-5, 0, 41)
    x = np.log10(lrs)
    losses = 2.0 - 1.5 / (1 + np.exp(-3 * (x + 3)))  # steepest fall at lr = 1e-3
    losses[-3:] = [3.0, 10.0, np.nan]  # the usual blow-up at the end
    return lrs, losses


def test_suggest_lr_is_steepest_descent():
    lrs, losses = lr_curve()
    assert suggest_lr(lrs, losses) == pytest.approx(1e-3)
    with pytest.raises(ValueError, match="equal length"):
        suggest_lr([1e-3, 1e-2], [1.0])
    with pytest.raises(ValueError, match="positive"):
        suggest_lr([0.0, 1e-2], [1.0, 0.5])


def test_plot_lr_finder(tmp_path):
    lrs, losses = lr_curve()
    path = tmp_path / "lr.png"
    fig = plot_lr_finder(lrs, losses, path=str(path))
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    (ax,) = fig.axes
    assert ax.get_xscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("learning rate", "loss")
    assert legend_texts(ax) == ["loss", "suggested lr 1.00e-03"]
    marker_x, marker_y = ax.get_lines()[1].get_data()
    np.testing.assert_allclose(marker_x, [1e-3])
    np.testing.assert_allclose(marker_y, [1.25])
