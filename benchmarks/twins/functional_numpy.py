"""Forward and backward passes of the nn ops the twins share, in plain NumPy.

Each `*_forward` returns `(out, cache)`; the matching `*_backward` takes the
upstream gradient and the cache. Scalars are Python floats so float32 inputs
stay float32.

>>> import numpy as np
>>> loss, cache = cross_entropy_forward(np.zeros((2, 4)), np.array([0, 3]))
>>> round(loss, 4) == round(float(np.log(4)), 4)
True
"""

from __future__ import annotations

import math

import numpy as np

GELU_C = math.sqrt(2.0 / math.pi)
GELU_K = 0.044715


def layer_norm_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-5):
    """LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * w + b."""
    xc = x - x.mean(axis=-1, keepdims=True)
    var = np.mean(xc * xc, axis=-1, keepdims=True)
    rstd = 1.0 / np.sqrt(var + eps)
    xhat = xc
    xhat *= rstd
    out = xhat * w
    out += b
    return out, (xhat, rstd, w)


def layer_norm_backward(dout: np.ndarray, cache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dx, dw, db) of LayerNorm; x is treated as rows over the last axis."""
    xhat, rstd, w = cache
    c = xhat.shape[-1]
    dw = np.sum((dout * xhat).reshape(-1, c), axis=0)
    db = np.sum(dout.reshape(-1, c), axis=0)
    dxhat = dout * w
    # dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    proj = np.mean(dxhat * xhat, axis=-1, keepdims=True)
    dx = dxhat - dxhat.mean(axis=-1, keepdims=True)
    dx -= xhat * proj
    dx *= rstd
    return dx, dw, db


def gelu_forward(x: np.ndarray):
    """GELU, tanh approximation: x * s with the gate s = 0.5 (1 + tanh(c (x + k x^3)))."""
    s = x * x
    s *= GELU_C * GELU_K
    s += GELU_C
    s *= x
    np.tanh(s, out=s)
    s *= 0.5
    s += 0.5
    return x * s, (x, s)


def gelu_backward(dout: np.ndarray, cache) -> np.ndarray:
    """d gelu/dx = s + x ds/dx, where ds/dx = 2 s (1 - s) c (1 + 3 k x^2)."""
    x, s = cache
    grad = x * x
    grad *= 6.0 * GELU_C * GELU_K
    grad += 2.0 * GELU_C
    grad *= x
    gate = np.subtract(1.0, s)
    gate *= s
    grad *= gate
    grad += s
    grad *= dout
    return grad


def cross_entropy_forward(logits: np.ndarray, targets: np.ndarray):
    """Mean softmax cross-entropy of (N, K) logits against N integer targets."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    sums = probs.sum(axis=1, keepdims=True)
    probs /= sums
    rows = np.arange(n)
    picked = shifted[rows, targets] - np.log(sums[:, 0])
    loss = -float(picked.mean())
    return loss, (probs, targets)


def cross_entropy_backward(cache) -> np.ndarray:
    """d loss / d logits = (softmax - one_hot) / N. Reuses the cached probabilities."""
    probs, targets = cache
    n = probs.shape[0]
    dlogits = probs
    dlogits[np.arange(n), targets] -= 1.0
    dlogits /= n
    return dlogits
