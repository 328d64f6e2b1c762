"""``Transformer``: PyTorch's encoder-decoder model ("Attention Is All You Need")."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..._device import check_device
from ..._dtypes import DEFAULT_FLOAT, canonical
from ..._tensor import Tensor
from ...creation import from_numpy
from .. import functional as F
from .. import init
from .module import Module
from .normalization import LayerNorm
from .transformer import (
    Activation,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)


class Transformer(Module):
    """An encoder stack over ``src`` and a decoder stack over ``tgt`` that attends to the
    encoder's output; each stack ends in a LayerNorm. Inputs are ``(S, N, E)`` and
    ``(T, N, E)`` (``(N, S, E)``/``(N, T, E)`` with ``batch_first=True``, or unbatched
    ``(S, E)``/``(T, E)``); the output has ``tgt``'s shape. Every weight matrix starts
    Glorot-uniform, as in PyTorch. ``custom_encoder``/``custom_decoder`` replace the stacks.

    >>> import minigrad as mg
    >>> import minigrad.nn as nn
    >>> model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1,
    ...                        num_decoder_layers=1, dim_feedforward=16, batch_first=True)
    >>> src, tgt = mg.randn(2, 5, 8), mg.randn(2, 3, 8)
    >>> mask = nn.Transformer.generate_square_subsequent_mask(3)
    >>> model(src, tgt, tgt_mask=mask).shape
    (2, 3, 8)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Activation = F.relu,
                 custom_encoder: Any = None, custom_decoder: Any = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                      batch_first, norm_first, bias, device, dtype)
        norm_kw = {"eps": layer_norm_eps, "bias": bias, "device": device, "dtype": dtype}
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args),
                                              num_encoder_layers, LayerNorm(d_model, **norm_kw))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args),
                                              num_decoder_layers, LayerNorm(d_model, **norm_kw))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Any = None, tgt_mask: Any = None,
                memory_mask: Any = None, src_key_padding_mask: Any = None,
                tgt_key_padding_mask: Any = None, memory_key_padding_mask: Any = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        batch_axis = 0 if self.batch_first else 1
        if src.ndim == 3 and (tgt.ndim != 3 or src.shape[batch_axis] != tgt.shape[batch_axis]):
            raise RuntimeError(
                f"Transformer: the batch number of src and tgt must be equal; got src of shape "
                f"{tuple(src.shape)} and tgt of shape {tuple(tgt.shape)} "
                f"(batch_first={self.batch_first})"
            )
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(
                f"Transformer: the feature number of src and tgt must be equal to d_model "
                f"({self.d_model}); got src of shape {tuple(src.shape)} and tgt of shape "
                f"{tuple(tgt.shape)}"
            )
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None,
                                        dtype: Any = None) -> Tensor:
        """The ``(sz, sz)`` causal mask: 0.0 on and below the diagonal, ``-inf`` above it
        (position i may attend to positions 0..i). float32 unless ``dtype`` says otherwise.

        >>> import minigrad.nn as nn
        >>> nn.Transformer.generate_square_subsequent_mask(3)
        tensor([[  0., -inf, -inf],
                [  0.,   0., -inf],
                [  0.,   0.,   0.]])
        """
        check_device(device, "Transformer.generate_square_subsequent_mask")
        dt = DEFAULT_FLOAT if dtype is None else canonical(dtype)
        return from_numpy(np.triu(np.full((int(sz), int(sz)), -np.inf, dt), k=1))
