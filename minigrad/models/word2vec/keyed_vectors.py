"""``KeyedVectors``: words and their vectors, with gensim's lookups and similarity queries."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ...io import load, save
from . import analogies as analogies_mod
from . import formats

Words = str | Sequence[str] | None


class KeyedVectors:
    """A table of vectors, one row per word, as gensim's ``KeyedVectors``.

    ``index_to_key[i]`` is the word of row ``i`` of ``vectors`` and ``key_to_index`` maps
    back; ``wv[word]`` is the word's vector (an ndarray), ``wv[[w1, w2]]`` a stack of them.

    >>> import numpy as np
    >>> wv = KeyedVectors(2)
    >>> wv.add_vectors(["king", "queen", "apple"], np.array([[1, 0], [1, 0.2], [0, 1.0]]))
    >>> wv.most_similar("king", topn=1)
    [('queen', 0.98058...)]
    >>> round(wv.similarity("king", "apple"), 3)
    0.0
    """

    def __init__(self, vector_size: int, count: int = 0, dtype: Any = np.float32) -> None:
        self.vector_size = int(vector_size)
        self.index_to_key: list[str] = []
        self.key_to_index: dict[str, int] = {}
        self.vectors = np.zeros((count, self.vector_size), dtype=dtype)
        self.counts = np.zeros(count, dtype=np.int64)
        self._unit: np.ndarray | None = None

    # ------------------------------------------------------------------ lookups
    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, key: str) -> bool:
        return key in self.key_to_index

    def has_index_for(self, key: str) -> bool:
        return key in self.key_to_index

    def get_index(self, key: str) -> int:
        """Row of ``key``; KeyError naming the word if it is not in the vocabulary."""
        try:
            return self.key_to_index[key]
        except KeyError:
            raise KeyError(f"Key {key!r} not present in vocabulary") from None

    def get_vector(self, key: str, norm: bool = False) -> np.ndarray:
        """The vector of ``key`` (unit length with ``norm=True``)."""
        i = self.get_index(key)
        return self.get_normed_vectors()[i] if norm else self.vectors[i]

    def __getitem__(self, keys: str | Sequence[str]) -> np.ndarray:
        if isinstance(keys, str):
            return self.get_vector(keys)
        return np.stack([self.get_vector(k) for k in keys])

    def get_vecattr(self, key: str, attr: str) -> int:
        """``get_vecattr(word, "count")``: the word's count in the training corpus."""
        if attr != "count":
            raise KeyError(f"get_vecattr: only 'count' is stored, not {attr!r}")
        return int(self.counts[self.get_index(key)])

    def add_vectors(self, keys: Sequence[str], weights: np.ndarray) -> None:
        """Append words (not already present) with their vectors (len(keys), vector_size)."""
        weights = np.asarray(weights, dtype=self.vectors.dtype).reshape(len(keys), -1)
        if weights.shape[1] != self.vector_size:
            raise ValueError(f"add_vectors: vectors of width {weights.shape[1]}, expected "
                             f"{self.vector_size}")
        for key in keys:
            if key in self.key_to_index:
                raise ValueError(f"add_vectors: {key!r} is already in the vocabulary")
            self.key_to_index[key] = len(self.index_to_key)
            self.index_to_key.append(key)
        self.vectors = np.concatenate([self.vectors, weights])
        self.counts = np.concatenate([self.counts, np.zeros(len(keys), np.int64)])
        self._unit = None

    # --------------------------------------------------------------- similarity
    def fill_norms(self, force: bool = False) -> None:
        """Compute the unit-length copy of ``vectors`` used by the similarity queries."""
        if self._unit is None or force or self._unit.shape != self.vectors.shape:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = self.vectors / np.maximum(norms, 1e-12)

    def get_normed_vectors(self) -> np.ndarray:
        """Every vector scaled to unit length (cached; call ``fill_norms(force=True)`` after
        changing ``vectors`` in place)."""
        self.fill_norms()
        assert self._unit is not None
        return self._unit

    def _mean_query(self, positive: Words, negative: Words) -> tuple[np.ndarray, set[int]]:
        positive = [positive] if isinstance(positive, str) else list(positive or [])
        negative = [negative] if isinstance(negative, str) else list(negative or [])
        if not positive and not negative:
            raise ValueError("most_similar: give at least one positive or negative word")
        unit = self.get_normed_vectors()
        total = np.zeros(self.vector_size, np.float64)
        used = set()
        for words, sign in ((positive, 1.0), (negative, -1.0)):
            for word in words:
                if isinstance(word, str):
                    i = self.get_index(word)
                    used.add(i)
                    total += sign * unit[i]
                else:  # a vector given directly
                    v = np.asarray(word, np.float64)
                    total += sign * v / max(float(np.linalg.norm(v)), 1e-12)
        total /= len(positive) + len(negative)
        return total / max(float(np.linalg.norm(total)), 1e-12), used

    def most_similar(self, positive: Words = None, negative: Words = None, topn: int = 10,
                     restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """The ``topn`` words closest by cosine to the mean of the unit vectors of
        ``positive`` minus those of ``negative`` (3CosAdd), query words excluded.
        Returns ``[(word, similarity), ...]``, best first."""
        query, used = self._mean_query(positive, negative)
        unit = self.get_normed_vectors()
        if restrict_vocab is not None:
            unit = unit[:restrict_vocab]
        scores = unit @ query.astype(unit.dtype)
        order = np.argsort(-scores, kind="stable")
        result = []
        for i in order:
            if int(i) in used:
                continue
            result.append((self.index_to_key[i], float(scores[i])))
            if len(result) == topn:
                break
        return result

    def similar_by_vector(self, vector: np.ndarray, topn: int = 10) -> list[tuple[str, float]]:
        """The ``topn`` words closest by cosine to ``vector``."""
        return self.most_similar(positive=[vector], topn=topn)

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity of two words."""
        unit = self.get_normed_vectors()
        return float(unit[self.get_index(w1)] @ unit[self.get_index(w2)])

    def distance(self, w1: str, w2: str) -> float:
        """1 - cosine similarity."""
        return 1.0 - self.similarity(w1, w2)

    def doesnt_match(self, words: Iterable[str]) -> str:
        """The word furthest (by cosine) from the mean of the others' unit vectors."""
        words = [w for w in words if w in self.key_to_index]
        if not words:
            raise ValueError("doesnt_match: none of the words is in the vocabulary")
        unit = self.get_normed_vectors()[[self.key_to_index[w] for w in words]]
        mean = unit.mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
        return words[int(np.argmin(unit @ mean))]

    def evaluate_word_analogies(self, analogies: str | os.PathLike[str],
                                restrict_vocab: int = 300_000, case_insensitive: bool = True,
                                dummy4unknown: bool = False) -> tuple[float, list[dict]]:
        """Top-1 accuracy on a ``questions-words.txt``-format file (3CosAdd).

        Questions with a word outside the ``restrict_vocab`` most frequent words are skipped
        (or counted wrong with ``dummy4unknown``). Returns ``(score, sections)``; each
        section is ``{"section": name, "correct": [...], "incorrect": [...]}`` holding the
        questions as 4-tuples, and the last is ``"Total accuracy"``.
        """
        return analogies_mod.evaluate(self.get_normed_vectors(), self.index_to_key, analogies,
                                  restrict_vocab, case_insensitive, dummy4unknown)

    # ------------------------------------------------------------------ saving
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the vectors, words and counts to one safetensors file (no pickle)."""
        save({"vectors": self.vectors, "counts": self.counts,
              "index_to_key": list(self.index_to_key)}, path,
             metadata={"format": "minigrad.KeyedVectors"})

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> KeyedVectors:
        """Read a file written by ``save``."""
        state = load(path, as_numpy=True)
        return cls._from_state(state, os.fspath(path))

    @classmethod
    def _from_state(cls, state: Any, where: str) -> KeyedVectors:
        try:
            vectors, counts, keys = state["vectors"], state["counts"], state["index_to_key"]
        except (KeyError, TypeError):
            raise ValueError(f"KeyedVectors.load: {where} holds no word vectors (it needs "
                             "'vectors', 'counts' and 'index_to_key')") from None
        if (not isinstance(keys, list) or vectors.ndim != 2 or len(keys) != len(vectors)
                or counts.shape != (len(keys),)):
            raise ValueError(f"KeyedVectors.load: {where}: {len(keys)} words but vectors of "
                             f"shape {vectors.shape} and counts of shape {counts.shape}")
        wv = cls(vectors.shape[1], dtype=vectors.dtype)
        wv.index_to_key = [str(k) for k in keys]
        wv.key_to_index = {k: i for i, k in enumerate(wv.index_to_key)}
        if len(wv.key_to_index) != len(keys):
            raise ValueError(f"KeyedVectors.load: {where}: a word appears twice")
        wv.vectors = vectors
        wv.counts = counts.astype(np.int64)
        return wv

    def save_word2vec_format(self, fname: str | os.PathLike[str], binary: bool = False) -> None:
        """Write the C tool's format (text, or binary float32), readable by other tools."""
        formats.write_word2vec(fname, self.index_to_key, self.vectors, binary)

    @classmethod
    def load_word2vec_format(cls, fname: str | os.PathLike[str], binary: bool = False,
                             encoding: str = "utf8", unicode_errors: str = "strict",
                             limit: int | None = None,
                             datatype: Any = np.float32) -> KeyedVectors:
        """Read vectors in the C tool's format (``limit``: only the first that many)."""
        words, vectors = formats.read_word2vec(fname, binary, limit, encoding, unicode_errors,
                                               np.dtype(datatype))
        wv = cls(vectors.shape[1], dtype=vectors.dtype)
        wv.add_vectors(words, vectors)
        return wv

    def __repr__(self) -> str:
        return f"KeyedVectors<vector_size={self.vector_size}, {len(self)} keys>"
