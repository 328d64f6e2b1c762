"""Reference models: ``LinearRegression``, ``MLP``, a small ``GPT`` and word2vec
(docs/models.md, docs/word2vec.md).

>>> import minigrad as mg
>>> from minigrad.models import MLP
>>> MLP([784, 512, 512, 10])(mg.randn(2, 784)).shape
(2, 10)
"""

from .gpt import GPT, Block, FeedForward, GPTConfig
from .linear_regression import LinearRegression
from .mlp import MLP
from .word2vec import KeyedVectors, SkipGram, Word2Vec

__all__ = ["GPT", "GPTConfig", "Block", "FeedForward", "LinearRegression", "MLP",
           "KeyedVectors", "SkipGram", "Word2Vec"]
