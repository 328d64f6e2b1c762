"""Pictures of the computation: graph drawings (DOT), model summaries, plots.

The top layer of minigrad: it may import every other package, and none imports it.
DOT text needs nothing; rendering it needs the ``graphviz`` package and the ``dot``
program (``pip install ".[viz]"``, ``apt-get install graphviz``); plots need
matplotlib (``pip install ".[plot]"``). See docs/viz.md.
"""

from .dot import to_dot
from .labels import label, label_of
from .module_graph import module_to_dot
from .plots import (
    can_plot,
    plot_attention,
    plot_embeddings,
    plot_history,
    plot_lr_finder,
    suggest_lr,
)
from .render import draw, render
from .summary import LayerInfo, ModelSummary, summary

__all__ = ["LayerInfo", "ModelSummary", "can_plot", "draw", "label", "label_of",
           "module_to_dot", "plot_attention", "plot_embeddings", "plot_history",
           "plot_lr_finder", "render", "suggest_lr", "summary", "to_dot"]
