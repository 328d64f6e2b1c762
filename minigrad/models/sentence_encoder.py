"""``SentenceEncoder``: texts -> one vector each, the way sentence-transformers uses MiniLM.

tokenize (WordPiece) -> BERT -> mean of the token vectors where the attention mask is 1
(as the model's ``1_Pooling/config.json`` says) -> L2 normalisation. Cosine similarity of
two normalised embeddings is then their dot product.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import nn
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..creation import from_numpy
from ..data.wordpiece import WordPieceTokenizer
from .bert import BertModel
from .pretrained import find_model_dir, read_json

POOLING_MODES = ("mean", "cls", "max")


class SentenceEncoder(nn.Module):
    """A `BertModel` with its tokenizer and a pooling step.

    ``forward(input_ids, attention_mask)`` returns the pooled (B, hidden) Tensor, not
    normalised (differentiable: put a head on it and fine-tune). `encode` is the inference
    call: texts in, an (n, hidden) float32 ndarray out. ``max_length`` truncates long texts
    (sentence-transformers' ``max_seq_length``).

    >>> encoder = SentenceEncoder.from_pretrained("all-MiniLM-L6-v2")  # doctest: +SKIP
    >>> emb = encoder.encode(["A man is eating food.", "A man eats a meal."])  # doctest: +SKIP
    >>> emb.shape, round(float(emb[0] @ emb[1]), 2)  # doctest: +SKIP
    ((2, 384), 0.86)
    """

    def __init__(self, bert: BertModel, tokenizer: WordPieceTokenizer, pooling: str = "mean",
                 max_length: int = 256) -> None:
        super().__init__()
        if pooling not in POOLING_MODES:
            raise ValueError(f"SentenceEncoder: pooling must be one of {POOLING_MODES}, "
                             f"got {pooling!r}")
        self.bert = bert
        self.tokenizer = tokenizer
        self.pooling = pooling
        self.max_length = max_length

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike[str]) -> SentenceEncoder:
        """Model, tokenizer, pooling mode (``1_Pooling/config.json``) and maximum length
        (``sentence_bert_config.json``) from a model folder or a known model name. Returns
        the encoder in eval mode (call ``.train()`` to fine-tune with dropout)."""
        folder = find_model_dir(name_or_path)
        pooling, max_length = "mean", 256
        if (folder / "1_Pooling" / "config.json").is_file():
            pooling = _pooling_mode(read_json(folder / "1_Pooling", "config.json",
                                              "SentenceEncoder.from_pretrained"))
        if (folder / "sentence_bert_config.json").is_file():
            settings = read_json(folder, "sentence_bert_config.json",
                                 "SentenceEncoder.from_pretrained")
            max_length = int(settings.get("max_seq_length", max_length))
        bert = BertModel.from_pretrained(folder, add_pooling_layer=False)
        encoder = cls(bert, WordPieceTokenizer.from_pretrained(folder), pooling, max_length)
        return encoder.eval()

    @property
    def hidden_size(self) -> int:
        return self.bert.config.hidden_size

    def tokenize(self, texts: str | Sequence[str]) -> list[list[int]]:
        """The ids of each text (``[CLS] ... [SEP]``, truncated to ``max_length``)."""
        texts = _texts(texts)
        return [self.tokenizer.encode(t, max_length=self.max_length) for t in texts]

    def batch(self, texts: str | Sequence[str]) -> dict[str, np.ndarray]:
        """``{"input_ids", "attention_mask", "token_type_ids"}`` for ``texts``, padded to the
        longest: what `forward` takes."""
        return self.tokenizer(_texts(texts), max_length=self.max_length)

    def forward(self, input_ids: Any, attention_mask: Any = None) -> Tensor:
        hidden, _ = self.bert(input_ids, attention_mask)
        if attention_mask is None:
            attention_mask = np.ones(hidden.shape[:2], dtype=np.float32)
        mask = np.asarray(attention_mask.numpy(force=True) if isinstance(attention_mask, Tensor)
                          else attention_mask, dtype=hidden.dtype)
        if self.pooling == "cls":
            return hidden[:, 0]
        if self.pooling == "max":  # padding positions can never win
            return (hidden + from_numpy((mask[:, :, None] - 1.0) * 1e9)).amax(dim=1)
        weights = mask / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        return (hidden * from_numpy(weights[:, :, None])).sum(dim=1)

    def encode(self, texts: str | Sequence[str], batch_size: int = 32,
               normalize: bool = True) -> np.ndarray:
        """Embed ``texts``: an (n, hidden) float32 array, each row of unit length when
        ``normalize``. Runs in eval mode without grad, ``batch_size`` texts at a time, the
        texts sorted by length so that batches hold little padding (rows come back in the
        input's order). The previous train/eval mode is restored."""
        texts = _texts(texts)
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise ValueError(f"SentenceEncoder.encode: batch_size must be a positive int, "
                             f"got {batch_size!r}")
        ids = self.tokenize(texts)
        order = np.argsort([-len(row) for row in ids], kind="stable")
        out = np.empty((len(texts), self.hidden_size), dtype=np.float32)
        was_training = self.training
        self.eval()
        try:
            with no_grad():
                for start in range(0, len(order), batch_size):
                    chosen = order[start:start + batch_size]
                    batch = self.tokenizer([texts[i] for i in chosen], max_length=self.max_length)
                    pooled = self(batch["input_ids"], batch["attention_mask"])
                    out[chosen] = pooled.numpy()
        finally:
            self.train(was_training)
        if normalize:
            out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out

    def extra_repr(self) -> str:
        return f"pooling={self.pooling}, max_length={self.max_length}"


def _texts(texts: Any) -> list[str]:
    if isinstance(texts, str):
        return [texts]
    texts = list(texts)
    if not texts or not all(isinstance(t, str) for t in texts):
        raise TypeError("SentenceEncoder: expected a str or a non-empty list of str")
    return texts


def _pooling_mode(settings: dict[str, Any]) -> str:
    chosen = [mode for mode, key in (("mean", "pooling_mode_mean_tokens"),
                                     ("cls", "pooling_mode_cls_token"),
                                     ("max", "pooling_mode_max_tokens")) if settings.get(key)]
    others = [k for k, v in settings.items() if k.startswith("pooling_mode") and v
              and k not in ("pooling_mode_mean_tokens", "pooling_mode_cls_token",
                            "pooling_mode_max_tokens")]
    if len(chosen) != 1 or others:
        raise ValueError(f"SentenceEncoder: pooling config {settings} is not supported (exactly "
                         "one of mean, cls, max tokens)")
    return chosen[0]
