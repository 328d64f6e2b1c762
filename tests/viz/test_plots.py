"""mg.viz's plots: one home for the plotting helpers; embeddings and attention maps."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

import minigrad as mg
import minigrad.train

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


def test_training_plots_are_the_same_functions_under_both_paths():
    for name in ("plot_history", "plot_lr_finder", "suggest_lr", "can_plot"):
        assert getattr(mg.viz, name) is getattr(minigrad.train, name)


def test_plot_embeddings_projects_on_principal_components(tmp_path):
    rng = np.random.default_rng(0)
    # spread along one direction in 5-D: the first component carries almost everything
    direction = rng.standard_normal(5)
    direction /= np.linalg.norm(direction)
    vectors = np.outer(np.linspace(-3, 3, 8), direction) + 0.01 * rng.standard_normal((8, 5))
    fig = mg.viz.plot_embeddings(mg.tensor(vectors), labels=list("abcdefgh"),
                                 path=str(tmp_path / "e.png"), groups=[0] * 4 + [1] * 4)
    assert (tmp_path / "e.png").read_bytes()[:8] == PNG
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("PC 1 (100%") or ax.get_xlabel().startswith("PC 1 (99%")
    assert [t.get_text() for t in ax.texts] == list("abcdefgh")
    xs = np.concatenate([c.get_offsets()[:, 0] for c in ax.collections])
    assert abs(np.ptp(xs) - 6.0) < 0.1  # positions along the direction: -3 ... 3
    with pytest.raises(ValueError, match="3 vectors but 2 labels"):
        mg.viz.plot_embeddings(np.zeros((3, 2)), labels=["a", "b"])
    with pytest.raises(ValueError, match=r"\(n, d\)"):
        mg.viz.plot_embeddings(np.zeros(3))


def test_plot_attention_one_panel_per_head(tmp_path):
    weights = np.full((1, 3, 4, 4), 0.25)  # (batch 1, heads, queries, keys)
    fig = mg.viz.plot_attention(weights, list("wxyz"), list("abcd"), path=str(tmp_path / "a.png"))
    heat = [ax for ax in fig.axes if ax.get_title().startswith("head")]
    assert [ax.get_title() for ax in heat] == ["head 0", "head 1", "head 2"]
    assert [t.get_text() for t in heat[0].get_xticklabels()] == list("wxyz")
    assert [t.get_text() for t in heat[0].get_yticklabels()] == list("abcd")
    assert (tmp_path / "a.png").read_bytes()[:8] == PNG
    with pytest.raises(ValueError, match="4 keys but 2 x_labels"):
        mg.viz.plot_attention(np.ones((4, 4)), x_labels=["a", "b"])


def test_without_matplotlib_the_message_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(ImportError, match=r'pip install "\.\[plot\]"'):
        mg.viz.plot_attention(np.ones((2, 2)))
