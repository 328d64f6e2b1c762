"""Word vectors: ``Word2Vec`` and ``KeyedVectors`` (gensim's interface, a fused numba
training kernel) and ``SkipGram`` (the same model trained by the autodiff engine).
See docs/word2vec.md."""

from .keyed_vectors import KeyedVectors
from .model import Word2Vec
from .pairs import skipgram_dataset, skipgram_pairs
from .skipgram import SkipGram, train_skipgram

__all__ = ["KeyedVectors", "SkipGram", "Word2Vec", "skipgram_dataset", "skipgram_pairs",
           "train_skipgram"]
