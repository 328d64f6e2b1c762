"""``CharTokenizer``: a character-level tokenizer with optional special tokens."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from minigrad.data._utils import as_array


class CharTokenizer:
    """Maps each character to an integer id and back.

    Special tokens (e.g. ``"<pad>"``) come first, ids ``0 .. k-1``, then the
    characters in the order given. ``encode`` recognises a special token
    written out in the text; ``decode`` accepts lists, ndarrays or Tensors.

    >>> tok = CharTokenizer.from_text("hello")
    >>> tok.itos, tok.encode("hole")
    ({0: 'e', 1: 'h', 2: 'l', 3: 'o'}, [1, 3, 2, 0])
    >>> tok.decode(tok.encode("hole"))
    'hole'
    >>> CharTokenizer("ab", special_tokens=["<pad>"]).encode("ab<pad>")
    [1, 2, 0]
    """

    def __init__(self, chars: Iterable[str], special_tokens: Sequence[str] = ()) -> None:
        chars = list(chars)
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(f"CharTokenizer: chars must be single characters, got {c!r}")
        for t in special_tokens:
            if not isinstance(t, str) or not t:
                raise ValueError(f"CharTokenizer: special tokens must be non-empty str, got {t!r}")
        vocab = list(special_tokens) + chars
        seen = set()
        for token in vocab:
            if token in seen:
                raise ValueError(f"CharTokenizer: {token!r} appears twice in the vocabulary")
            seen.add(token)
        self.special_tokens = list(special_tokens)
        self.chars = chars
        self.itos = dict(enumerate(vocab))
        self.stoi = {token: i for i, token in self.itos.items()}
        self._specials_longest_first = sorted(self.special_tokens, key=len, reverse=True)

    @classmethod
    def from_text(cls, text: str, special_tokens: Sequence[str] = ()) -> CharTokenizer:
        """A tokenizer over the sorted set of characters in ``text``."""
        return cls(sorted(set(text)), special_tokens=special_tokens)

    @property
    def vocab_size(self) -> int:
        """Number of distinct ids (special tokens included)."""
        return len(self.itos)

    def __len__(self) -> int:
        return self.vocab_size

    def encode(self, text: str) -> list[int]:
        """The ids of ``text``'s characters; an unknown character raises ValueError."""
        if not isinstance(text, str):
            raise TypeError(f"CharTokenizer.encode: expected a str, got {type(text).__name__}")
        if not self.special_tokens:
            try:
                return [self.stoi[c] for c in text]
            except KeyError:
                pass  # the loop below names the unknown character and its position
        ids = []
        i = 0
        while i < len(text):
            token = self._special_at(text, i) or text[i]
            if token not in self.stoi:
                raise ValueError(
                    f"CharTokenizer.encode: character {token!r} at position {i} "
                    "is not in the vocabulary"
                )
            ids.append(self.stoi[token])
            i += len(token)
        return ids

    def decode(self, ids: Any, skip_special_tokens: bool = False) -> str:
        """The text of a 1-D sequence of ids (list, ndarray or Tensor)."""
        arr = as_array(ids)
        if arr.ndim != 1:
            raise ValueError(
                f"CharTokenizer.decode: expected a 1-D sequence of ids, got shape {arr.shape}; "
                "decode a batch one row at a time"
            )
        if arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"CharTokenizer.decode: ids must be integers, got dtype {arr.dtype}")
        pieces = []
        for position, i in enumerate(arr.tolist()):
            if i not in self.itos:
                raise ValueError(
                    f"CharTokenizer.decode: id {i} at position {position} is out of range "
                    f"for vocab_size={self.vocab_size}"
                )
            token = self.itos[i]
            if not (skip_special_tokens and i < len(self.special_tokens)):
                pieces.append(token)
        return "".join(pieces)

    def _special_at(self, text: str, i: int) -> str | None:
        for token in self._specials_longest_first:
            if text.startswith(token, i):
                return token
        return None

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size}, special_tokens={self.special_tokens})"
