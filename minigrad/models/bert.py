"""BERT, the encoder of all-MiniLM-L6-v2, with Hugging Face's module and parameter names.

    input_ids (B, T) -> word + position + token-type embeddings -> LayerNorm -> dropout
        -> num_hidden_layers x BertLayer (post-norm):
               x = LayerNorm(x + dense(attention(x, padding mask)))
               x = LayerNorm(x + dense(gelu(dense(x))))          (exact erf GELU)
        -> last_hidden_state (B, T, hidden);  pooler: tanh(dense(x[:, 0]))

Every module name matches the Hugging Face checkpoint (``encoder.layer.0.attention.self.
query.weight``), so `BertModel.from_pretrained` copies a ``model.safetensors`` key for key
and `BertModel.save_pretrained` writes one other tools read. docs/finetune-minilm.md has
the architecture, the reference check and the speed.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..creation import from_numpy
from ..finetune import lora_layers
from ..io import safetensors_header
from ..nn import functional as F
from ..nn import init
from .pretrained import (
    CONFIG_NAME,
    WEIGHTS_NAME,
    find_model_dir,
    load_checked_state,
    read_json,
    write_pretrained,
)

IGNORED_KEYS = ("embeddings.position_ids",)  # a constant buffer older checkpoints stored


@dataclass
class BertConfig:
    """The shape of a BERT encoder, with ``config.json``'s field names (all-MiniLM-L6-v2's
    values are the defaults). ``from_dict`` ignores fields that do not change the math.

    >>> BertConfig(num_hidden_layers=2).hidden_size
    384
    """

    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    hidden_act: str = "gelu"
    pad_token_id: int = 0
    initializer_range: float = 0.02

    def __post_init__(self) -> None:
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                     "intermediate_size", "max_position_embeddings", "type_vocab_size"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"BertConfig: {name} must be a positive int, got {value!r}")
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(f"BertConfig: hidden_size ({self.hidden_size}) must be divisible "
                             f"by num_attention_heads ({self.num_attention_heads})")
        if self.hidden_act not in ("gelu", "gelu_new", "gelu_pytorch_tanh"):
            raise ValueError(f"BertConfig: hidden_act {self.hidden_act!r} is not supported "
                             "(gelu, gelu_new, gelu_pytorch_tanh)")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> BertConfig:
        if values.get("model_type", "bert") != "bert":
            raise ValueError(f"BertConfig: model_type {values['model_type']!r} is not 'bert'")
        kind = values.get("position_embedding_type", "absolute")
        if kind != "absolute":
            raise ValueError(f"BertConfig: position_embedding_type {kind!r} is not supported "
                             "(only 'absolute')")
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        """config.json's fields, as Hugging Face writes them for a ``BertModel``."""
        return {**dataclasses.asdict(self), "model_type": "bert", "architectures": ["BertModel"],
                "position_embedding_type": "absolute"}


class BertEmbeddings(nn.Module):
    """Sum of the word, position and token-type embeddings, then LayerNorm and dropout."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size,
                                            padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings,
                                                config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, input_ids: Tensor, token_type_ids: Tensor) -> Tensor:
        t = input_ids.shape[1]
        x = self.word_embeddings(input_ids) + self.position_embeddings.weight[:t]
        x = x + self.token_type_embeddings(token_type_ids)
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    """Multi-head attention with separate ``query``, ``key`` and ``value`` projections
    (Hugging Face's names, and the layers LoRA targets), over
    `F.scaled_dot_product_attention` with the padding mask."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        c = config.hidden_size
        self.num_attention_heads = config.num_attention_heads
        self.query = nn.Linear(c, c)
        self.key = nn.Linear(c, c)
        self.value = nn.Linear(c, c)
        self.dropout_prob = config.attention_probs_dropout_prob

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        b, t, c = x.shape
        h = self.num_attention_heads

        def heads(part: Tensor) -> Tensor:  # (B, T, C) -> (B, H, T, C / H)
            return part.reshape(b, t, h, c // h).transpose(1, 2)

        p = self.dropout_prob if self.training else 0.0
        y = F.scaled_dot_product_attention(heads(self.query(x)), heads(self.key(x)),
                                           heads(self.value(x)), attn_mask=mask, dropout_p=p)
        return y.transpose(1, 2).reshape(b, t, c)


class BertResidual(nn.Module):
    """``LayerNorm(residual + dropout(dense(x)))``: Hugging Face's ``BertSelfOutput`` and
    ``BertOutput``, the post-norm end of both halves of a layer."""

    def __init__(self, config: BertConfig, in_features: int) -> None:
        super().__init__()
        self.dense = nn.Linear(in_features, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, x: Tensor, residual: Tensor) -> Tensor:
        return self.LayerNorm(self.dropout(self.dense(x)) + residual)


class BertAttention(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertResidual(config, config.hidden_size)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        return self.output(self.self(x, mask), x)


class BertIntermediate(nn.Module):
    """The widening half of the MLP: ``gelu(dense(x))``, exact (erf) GELU for "gelu"."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.approximate = "none" if config.hidden_act == "gelu" else "tanh"

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(self.dense(x), approximate=self.approximate)


class BertLayer(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertResidual(config, config.intermediate_size)

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        x = self.attention(x, mask)
        return self.output(self.intermediate(x), x)


class BertEncoder(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(config) for _ in range(config.num_hidden_layers))

    def forward(self, x: Tensor, mask: Tensor | None) -> Tensor:
        for layer in self.layer:
            x = layer(x, mask)
        return x


class BertPooler(nn.Module):
    """``tanh(dense(x[:, 0]))``: the ``[CLS]`` position's summary."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, x: Tensor) -> Tensor:
        return self.dense(x[:, 0]).tanh()


class BertModel(nn.Module):
    """The BERT encoder. ``forward(input_ids, attention_mask=None, token_type_ids=None)``
    takes (B, T) int arrays or tensors (mask: 1 for a real token, 0 for padding) and returns
    ``(last_hidden_state (B, T, hidden), pooler_output (B, hidden) or None)``, Hugging
    Face's ``return_dict=False`` tuple.

    >>> import minigrad as mg
    >>> from minigrad.models import BertConfig, BertModel
    >>> _ = mg.manual_seed(0)
    >>> model = BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=2,
    ...                              num_attention_heads=2, intermediate_size=32))
    >>> hidden, pooled = model([[2, 7, 9, 3, 0]], attention_mask=[[1, 1, 1, 1, 0]])
    >>> hidden.shape, pooled.shape
    ((1, 5, 16), (1, 16))
    """

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True) -> None:
        super().__init__()
        if not isinstance(config, BertConfig):
            raise TypeError(f"BertModel: config must be a BertConfig, got "
                            f"{type(config).__name__}")
        self.config = config
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.apply(lambda m: _init_weights(m, config.initializer_range))

    def forward(self, input_ids: Any, attention_mask: Any = None,
                token_type_ids: Any = None) -> tuple[Tensor, Tensor | None]:
        ids = _int_array(input_ids, "input_ids")
        if ids.ndim != 2:
            raise ValueError(f"BertModel: input_ids must be (B, T), got shape {ids.shape}")
        if ids.shape[1] > self.config.max_position_embeddings:
            raise ValueError(f"BertModel: sequence length {ids.shape[1]} exceeds "
                             f"max_position_embeddings={self.config.max_position_embeddings}")
        types = np.zeros_like(ids) if token_type_ids is None \
            else _int_array(token_type_ids, "token_type_ids", ids.shape)
        mask = None
        if attention_mask is not None:
            keep = _int_array(attention_mask, "attention_mask", ids.shape) != 0
            if not keep.all():  # (B, 1, 1, T): True where a key may be attended to
                mask = from_numpy(keep[:, None, None, :])
        x = self.embeddings(from_numpy(ids), from_numpy(types))
        x = self.encoder(x, mask)
        return x, (None if self.pooler is None else self.pooler(x))

    @classmethod
    def from_pretrained(cls, name_or_path: str | os.PathLike[str],
                        add_pooling_layer: bool = True) -> BertModel:
        """Build the model ``config.json`` describes and load ``model.safetensors`` into it
        (a model folder, or a known model's name, see `find_model_dir`). Every missing or
        unexpected key and every shape mismatch is named in one ValueError, and nothing is
        loaded unless everything fits. A checkpoint without pooler weights (one saved from a
        `SentenceEncoder`) gives a model without a pooler. Returns the model in eval mode."""
        folder = find_model_dir(name_or_path)
        config = BertConfig.from_dict(read_json(folder, CONFIG_NAME, "BertModel.from_pretrained"))
        if add_pooling_layer and (folder / WEIGHTS_NAME).is_file():
            keys = safetensors_header(folder / WEIGHTS_NAME)
            add_pooling_layer = any(k.endswith(_pooler_keys()[0]) for k in keys)
        model = cls(config, add_pooling_layer=add_pooling_layer)
        expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
        ignore = IGNORED_KEYS if add_pooling_layer else IGNORED_KEYS + _pooler_keys()
        state = load_checked_state(folder / WEIGHTS_NAME, expected, "BertModel.from_pretrained",
                                   ignore=ignore, prefix="bert.")
        model.load_state_dict(state)
        return model.eval()

    def save_pretrained(self, save_directory: str | os.PathLike[str]) -> Path:
        """Write ``config.json`` and ``model.safetensors`` with Hugging Face's key names.
        LoRA adapters are merged into the saved weights (the model itself is left as it is),
        so the folder loads into `BertModel.from_pretrained` or any tool reading this layout.
        Returns the folder."""
        return write_pretrained(save_directory, self.config.to_dict(), merged_state(self))

    def extra_repr(self) -> str:
        c = self.config
        return (f"layers={c.num_hidden_layers}, hidden={c.hidden_size}, "
                f"heads={c.num_attention_heads}, vocab={c.vocab_size}")


def merged_state(model: nn.Module) -> dict[str, np.ndarray]:
    """``model``'s state dict as float arrays, with every LoRA layer's update
    ``(alpha / r) B A`` added to its ``weight`` and the ``lora_A`` / ``lora_B`` keys left
    out: the state of the plain model the adapters turned it into."""
    state = {k: v.numpy(force=True) for k, v in model.state_dict().items()}
    for name, layer in lora_layers(model):
        a = layer.lora_A.numpy(force=True)
        b = layer.lora_B.numpy(force=True)
        state[f"{name}.weight"] = state[f"{name}.weight"] + (b @ a) * np.float32(layer.scaling)
        del state[f"{name}.lora_A"], state[f"{name}.lora_B"]
    return state


def _pooler_keys() -> tuple[str, ...]:
    return ("pooler.dense.weight", "pooler.dense.bias")


def _init_weights(module: nn.Module, std: float) -> None:
    """BERT's initialisation: N(0, initializer_range) weights and embeddings, zero biases,
    a zero padding row (LayerNorms keep 1 and 0)."""
    if isinstance(module, (nn.Linear, nn.Embedding)):
        init.normal_(module.weight, 0.0, std)
    if isinstance(module, nn.Linear) and module.bias is not None:
        init.zeros_(module.bias)
    if isinstance(module, nn.Embedding) and module.padding_idx is not None:
        with no_grad():
            module.weight[module.padding_idx] = 0.0


def _int_array(x: Any, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    arr = x.numpy(force=True) if isinstance(x, Tensor) else np.asarray(x)
    if arr.dtype.kind not in "iub":
        raise TypeError(f"BertModel: {name} must hold integers, got dtype {arr.dtype}")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"BertModel: {name} shape {arr.shape} must equal input_ids shape "
                         f"{shape}")
    return arr.astype(np.int64, copy=False)


