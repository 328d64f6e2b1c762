"""Reference models: ``LinearRegression``, ``MLP`` and a small ``GPT``. See docs/models.md.

>>> import minigrad as mg
>>> from minigrad.models import MLP
>>> MLP([784, 512, 512, 10])(mg.randn(2, 784)).shape
(2, 10)
"""

from .gpt import GPT, Block, FeedForward, GPTConfig
from .linear_regression import LinearRegression
from .mlp import MLP

__all__ = ["GPT", "GPTConfig", "Block", "FeedForward", "LinearRegression", "MLP"]
