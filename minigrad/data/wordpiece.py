"""``WordPieceTokenizer``: BERT's uncased WordPiece tokenization, from a model's tokenizer.json.

Text becomes ids in four steps, the same as the Hugging Face ``tokenizers`` pipeline that
BERT models ship with (``BertNormalizer``, ``BertPreTokenizer``, ``WordPiece``, the
``[CLS] ... [SEP]`` template):

1. normalise: drop control characters, turn every whitespace into a space, put spaces
   around CJK ideographs, strip accents (NFD, then drop the combining marks), lowercase;
2. split into words at whitespace, and make every punctuation character a word of its own;
3. cut each word into the longest vocabulary pieces from the left: ``"tokenization"`` ->
   ``"token", "##ization"``; a word that cannot be cut (or is longer than 100 characters)
   becomes ``[UNK]``;
4. truncate to ``max_length - 2`` pieces, add ``[CLS]`` and ``[SEP]``, pad with ``[PAD]``.

Special tokens written in the text (``"[MASK]"``) are kept whole. docs/finetune-minilm.md
shows the tokenizer at work.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
CJK_RANGES = (
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
)


def _is_control(c: str) -> bool:
    return c not in "\t\n\r" and unicodedata.category(c).startswith("C")


def _is_punctuation(c: str) -> bool:
    """ASCII punctuation (``$``, ``+``, ``^`` count, as in BERT) or any Unicode P* character."""
    return (c.isascii() and not c.isalnum() and c.isprintable() and not c.isspace()) \
        or unicodedata.category(c).startswith("P")


def _is_cjk(c: str) -> bool:
    code = ord(c)
    return any(lo <= code <= hi for lo, hi in CJK_RANGES)


class WordPieceTokenizer:
    """BERT WordPiece: text -> token ids, with ``[CLS]``/``[SEP]``, padding and truncation.

    ``vocab`` maps each piece to its id (continuation pieces start with ``"##"``).
    ``lowercase`` and ``strip_accents`` (None: follow ``lowercase``) are the normaliser's
    settings; ``model_max_length`` caps ``max_length``.

    >>> tok = WordPieceTokenizer({t: i for i, t in enumerate(
    ...     ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "!"])})
    >>> tok.tokenize("Unaffable!")
    ['un', '##aff', '##able', '!']
    >>> tok.encode("Unäffable !")
    [2, 5, 6, 7, 8, 3]
    >>> tok(["unaffable", "un"])["input_ids"].tolist()
    [[2, 5, 6, 7, 3], [2, 5, 3, 0, 0]]
    """

    def __init__(self, vocab: dict[str, int], *, lowercase: bool = True,
                 strip_accents: bool | None = None, unk_token: str = "[UNK]",
                 continuing_subword_prefix: str = "##", max_input_chars_per_word: int = 100,
                 model_max_length: int = 512) -> None:
        if not isinstance(vocab, dict) or not vocab:
            raise ValueError("WordPieceTokenizer: vocab must be a non-empty dict {piece: id}")
        missing = [t for t in SPECIAL_TOKENS if t not in vocab]
        if missing:
            raise ValueError(f"WordPieceTokenizer: the vocabulary lacks the special tokens "
                             f"{missing}")
        self.vocab = vocab
        self.ids_to_tokens = {i: t for t, i in vocab.items()}
        self.lowercase = lowercase
        self.strip_accents = lowercase if strip_accents is None else strip_accents
        self.unk_token = unk_token
        self.prefix = continuing_subword_prefix
        self.max_input_chars_per_word = max_input_chars_per_word
        self.model_max_length = model_max_length
        self.pad_token_id = vocab["[PAD]"]
        self.cls_token_id = vocab["[CLS]"]
        self.sep_token_id = vocab["[SEP]"]
        self.unk_token_id = vocab[unk_token]
        self._special = re.compile("(" + "|".join(re.escape(t) for t in SPECIAL_TOKENS) + ")")

    @classmethod
    def from_pretrained(cls, model_dir: str | os.PathLike[str]) -> WordPieceTokenizer:
        """Read ``tokenizer.json`` in ``model_dir`` (or ``vocab.txt``, one piece a line, when
        there is no tokenizer.json). Settings the file does not give keep BERT's defaults."""
        folder = os.fspath(model_dir)
        path = os.path.join(folder, "tokenizer.json")
        if os.path.exists(path):
            return cls._from_tokenizer_json(path)
        path = os.path.join(folder, "vocab.txt")
        if not os.path.exists(path):
            raise FileNotFoundError(f"WordPieceTokenizer.from_pretrained: {folder} has neither "
                                    "tokenizer.json nor vocab.txt")
        with open(path, encoding="utf-8") as f:
            pieces = [line.rstrip("\n") for line in f]
        return cls({piece: i for i, piece in enumerate(pieces) if piece})

    @classmethod
    def _from_tokenizer_json(cls, path: str) -> WordPieceTokenizer:
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        model = spec.get("model") or {}
        if model.get("type") != "WordPiece":
            raise ValueError(f"WordPieceTokenizer: {path} describes a {model.get('type')!r} "
                             "model, not WordPiece")
        normalizer = spec.get("normalizer") or {}
        truncation = spec.get("truncation") or {}
        return cls(dict(model["vocab"]), lowercase=normalizer.get("lowercase", True),
                   strip_accents=normalizer.get("strip_accents"),
                   unk_token=model.get("unk_token", "[UNK]"),
                   continuing_subword_prefix=model.get("continuing_subword_prefix", "##"),
                   max_input_chars_per_word=model.get("max_input_chars_per_word", 100),
                   model_max_length=max(512, truncation.get("max_length", 512)))

    def __len__(self) -> int:
        return len(self.vocab)

    def normalize(self, text: str) -> str:
        """Step 1: clean, space out CJK, strip accents, lowercase (see the module doc)."""
        out = []
        for c in text:
            if c in "\x00\ufffd" or _is_control(c):
                continue
            if c.isspace():
                out.append(" ")
            elif _is_cjk(c):
                out.append(f" {c} ")
            else:
                out.append(c)
        text = "".join(out)
        if self.strip_accents:
            text = "".join(c for c in unicodedata.normalize("NFD", text)
                           if unicodedata.category(c) != "Mn")
        if not self.lowercase:
            return text
        return "".join(c.lower() for c in text)  # per character: no final-sigma rule, as BERT

    @staticmethod
    def split_words(text: str) -> list[str]:
        """Step 2: whitespace-separated words, every punctuation character on its own."""
        words: list[str] = []
        for chunk in text.split():
            current = ""
            for c in chunk:
                if _is_punctuation(c):
                    if current:
                        words.append(current)
                    words.append(c)
                    current = ""
                else:
                    current += c
            if current:
                words.append(current)
        return words

    def wordpiece(self, word: str) -> list[str]:
        """Step 3: the longest vocabulary pieces from the left, or ``[unk_token]``."""
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_token]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else self.prefix + word[start:end]
                if piece in self.vocab:
                    break
                end -= 1
            if end == start:
                return [self.unk_token]
            pieces.append(piece)
            start = end
        return pieces

    def tokenize(self, text: str) -> list[str]:
        """The pieces of ``text``, without ``[CLS]``/``[SEP]``."""
        if not isinstance(text, str):
            raise TypeError(f"WordPieceTokenizer: expected a str, got {type(text).__name__}")
        pieces: list[str] = []
        for part in self._special.split(text):
            if part in SPECIAL_TOKENS:
                pieces.append(part)
                continue
            for word in self.split_words(self.normalize(part)):
                pieces.extend(self.wordpiece(word))
        return pieces

    def convert_tokens_to_ids(self, tokens: Sequence[str]) -> list[int]:
        return [self.vocab.get(t, self.unk_token_id) for t in tokens]

    def convert_ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        return [self.ids_to_tokens[int(i)] for i in ids]

    def encode(self, text: str, add_special_tokens: bool = True,
               max_length: int | None = None) -> list[int]:
        """The ids of ``text``: ``[CLS] pieces [SEP]``, truncated to ``max_length`` ids
        (``model_max_length`` when None)."""
        limit = self._max_length(max_length)
        ids = self.convert_tokens_to_ids(self.tokenize(text))
        if not add_special_tokens:
            return ids[:limit]
        return [self.cls_token_id] + ids[:limit - 2] + [self.sep_token_id]

    def __call__(self, texts: str | Sequence[str], max_length: int | None = None,
                 padding: bool = True) -> dict[str, np.ndarray]:
        """Encode a batch: ``{"input_ids", "attention_mask", "token_type_ids"}``, int64
        arrays of shape (batch, longest), padded on the right with ``[PAD]`` (mask 0)."""
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, Sequence) or not texts:
            raise ValueError("WordPieceTokenizer: expected a str or a non-empty list of str")
        rows = [self.encode(t, max_length=max_length) for t in texts]
        lengths = [len(r) for r in rows]
        if not padding and len(set(lengths)) > 1:
            raise ValueError(f"WordPieceTokenizer: padding=False needs texts of one length, "
                             f"got lengths {sorted(set(lengths))}")
        ids = np.full((len(rows), max(lengths)), self.pad_token_id, dtype=np.int64)
        mask = np.zeros(ids.shape, dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, :len(row)] = row
            mask[i, :len(row)] = 1
        return {"input_ids": ids, "attention_mask": mask,
                "token_type_ids": np.zeros_like(ids)}

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        """Pieces joined back into text (``"##"`` pieces glued to the previous one)."""
        text = ""
        for token in self.convert_ids_to_tokens(ids):
            if skip_special_tokens and token in SPECIAL_TOKENS and token != self.unk_token:
                continue
            if token.startswith(self.prefix):
                text += token[len(self.prefix):]
            else:
                text += (" " if text else "") + token
        return text

    def _max_length(self, max_length: int | None) -> int:
        if max_length is None:
            return self.model_max_length
        if not isinstance(max_length, int) or max_length < 2:
            raise ValueError(f"WordPieceTokenizer: max_length must be an int >= 2 (room for "
                             f"[CLS] and [SEP]), got {max_length!r}")
        return min(max_length, self.model_max_length)

    def __repr__(self) -> str:
        return (f"WordPieceTokenizer(vocab_size={len(self.vocab)}, lowercase={self.lowercase}, "
                f"strip_accents={self.strip_accents})")
