"""Reference models: ``LinearRegression``, ``MLP``, a small ``GPT``, word2vec, and the
pretrained ``BertModel`` / ``SentenceEncoder`` (all-MiniLM-L6-v2). See docs/models.md,
docs/word2vec.md and docs/finetune-minilm.md.

>>> import minigrad as mg
>>> from minigrad.models import MLP
>>> MLP([784, 512, 512, 10])(mg.randn(2, 784)).shape
(2, 10)
"""

from . import pretrained
from .bert import BertConfig, BertModel
from .gpt import GPT, Block, FeedForward, GPTConfig
from .linear_regression import LinearRegression
from .mlp import MLP
from .sentence_encoder import SentenceEncoder
from .word2vec import KeyedVectors, SkipGram, Word2Vec

__all__ = ["BertConfig", "BertModel", "GPT", "GPTConfig", "Block", "FeedForward",
           "LinearRegression", "MLP", "SentenceEncoder", "pretrained", "KeyedVectors",
           "SkipGram", "Word2Vec"]
