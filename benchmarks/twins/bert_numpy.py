"""A BERT encoder forward pass in plain NumPy (float32, `np.matmul` for every product).

The straightforward NumPy forward the `minilm` workload measures minigrad against:
embeddings, then post-norm layers (attention with the padding mask, exact GELU MLP).
NumPy has no erf, so the GELU uses Abramowitz and Stegun's formula 7.1.26 (absolute error
below 1.5e-7), vectorised. Parameters use Hugging Face's key names, so the twin runs on a
minigrad `BertModel`'s state dict.

>>> rng = np.random.default_rng(0)
>>> p = random_params(rng, vocab=20, hidden=8, layers=1, intermediate=16, positions=6)
>>> forward(p, np.array([[2, 5, 3, 0]]), np.array([[1, 1, 1, 0]]), heads=2).shape
(1, 4, 8)
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.twins.functional_numpy import layer_norm_forward

AS_P = 0.3275911
AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def erf(x: np.ndarray) -> np.ndarray:
    """erf(x) = 1 - t (a1 + a2 t + ... + a5 t^4) exp(-x^2), t = 1 / (1 + p |x|)."""
    a = np.abs(x)
    t = 1.0 / (1.0 + AS_P * a)
    poly = AS_A[4]
    for coeff in AS_A[3::-1]:
        poly = poly * t + coeff
    y = 1.0 - poly * t * np.exp(-a * a)
    return np.copysign(y, x)


def gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU: x * (1 + erf(x / sqrt 2)) / 2."""
    return 0.5 * x * (1.0 + erf(x * (1.0 / math.sqrt(2.0))))


def linear(x: np.ndarray, p: dict, name: str) -> np.ndarray:
    out = x @ p[f"{name}.weight"].T
    out += p[f"{name}.bias"]
    return out


def attention(x: np.ndarray, p: dict, prefix: str, bias: np.ndarray, heads: int) -> np.ndarray:
    b, t, c = x.shape
    d = c // heads

    def split(y):  # (B, T, C) -> (B, H, T, D)
        return y.reshape(b, t, heads, d).transpose(0, 2, 1, 3)

    q = split(linear(x, p, f"{prefix}.query"))
    k = split(linear(x, p, f"{prefix}.key"))
    v = split(linear(x, p, f"{prefix}.value"))
    scores = q @ k.transpose(0, 1, 3, 2)
    scores *= 1.0 / math.sqrt(d)
    scores += bias
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return (scores @ v).transpose(0, 2, 1, 3).reshape(b, t, c)


def forward(p: dict, ids: np.ndarray, mask: np.ndarray, heads: int,
            eps: float = 1e-12) -> np.ndarray:
    """Last hidden state (B, T, hidden) for token ids (B, T) and a 0/1 padding mask."""
    t = ids.shape[1]
    x = p["embeddings.word_embeddings.weight"][ids]
    x += p["embeddings.position_embeddings.weight"][:t]
    x += p["embeddings.token_type_embeddings.weight"][0]
    x, _ = layer_norm_forward(x, p["embeddings.LayerNorm.weight"],
                              p["embeddings.LayerNorm.bias"], eps)
    bias = np.where(mask[:, None, None, :] != 0, 0.0, -1e9).astype(x.dtype)
    layers = 1 + max(int(k.split(".")[2]) for k in p if k.startswith("encoder.layer."))
    for i in range(layers):
        pre = f"encoder.layer.{i}"
        y = linear(attention(x, p, f"{pre}.attention.self", bias, heads), p,
                   f"{pre}.attention.output.dense")
        y += x
        x, _ = layer_norm_forward(y, p[f"{pre}.attention.output.LayerNorm.weight"],
                                  p[f"{pre}.attention.output.LayerNorm.bias"], eps)
        y = linear(gelu(linear(x, p, f"{pre}.intermediate.dense")), p, f"{pre}.output.dense")
        y += x
        x, _ = layer_norm_forward(y, p[f"{pre}.output.LayerNorm.weight"],
                                  p[f"{pre}.output.LayerNorm.bias"], eps)
    return x


def random_params(rng: np.random.Generator, vocab: int, hidden: int, layers: int,
                  intermediate: int, positions: int) -> dict:
    """N(0, 0.02) weights, zero biases, unit LayerNorm gains, under Hugging Face's names."""
    shapes = {"embeddings.word_embeddings.weight": (vocab, hidden),
              "embeddings.position_embeddings.weight": (positions, hidden),
              "embeddings.token_type_embeddings.weight": (2, hidden),
              "embeddings.LayerNorm.weight": (hidden,), "embeddings.LayerNorm.bias": (hidden,)}
    for i in range(layers):
        pre = f"encoder.layer.{i}"
        for name, out, inp in (("attention.self.query", hidden, hidden),
                               ("attention.self.key", hidden, hidden),
                               ("attention.self.value", hidden, hidden),
                               ("attention.output.dense", hidden, hidden),
                               ("intermediate.dense", intermediate, hidden),
                               ("output.dense", hidden, intermediate)):
            shapes[f"{pre}.{name}.weight"] = (out, inp)
            shapes[f"{pre}.{name}.bias"] = (out,)
        for name in ("attention.output.LayerNorm", "output.LayerNorm"):
            shapes[f"{pre}.{name}.weight"] = (hidden,)
            shapes[f"{pre}.{name}.bias"] = (hidden,)
    params = {}
    for key, shape in shapes.items():
        if key.endswith("LayerNorm.weight"):
            params[key] = np.ones(shape, np.float32)
        elif len(shape) == 1:
            params[key] = np.zeros(shape, np.float32)
        else:
            params[key] = rng.normal(0.0, 0.02, shape).astype(np.float32)
    return params
