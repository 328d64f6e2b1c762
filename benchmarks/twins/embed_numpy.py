"""Embedding lookup and its backward (a row scatter-add) in NumPy.

>>> import numpy as np
>>> embedding_backward(np.ones((3, 2)), np.array([1, 1, 0]), 3).tolist()
[[1.0, 1.0], [2.0, 2.0], [0.0, 0.0]]
"""

from __future__ import annotations

import numpy as np


def embedding_forward(weight: np.ndarray, idx: np.ndarray) -> np.ndarray:
    return weight[idx]


def embedding_backward(grad_out: np.ndarray, idx: np.ndarray, num_embeddings: int) -> np.ndarray:
    """Gradient of the table: each row sums the output gradients of its occurrences."""
    dim = grad_out.shape[-1]
    grad = np.zeros((num_embeddings, dim), dtype=grad_out.dtype)
    np.add.at(grad, idx.reshape(-1), grad_out.reshape(-1, dim))
    return grad
