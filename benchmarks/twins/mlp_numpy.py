"""A ReLU MLP with softmax cross-entropy, forward and backward by hand in NumPy.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> model = MLP((4, 8, 3), rng)
>>> loss, grads = model.loss_and_grads(rng.standard_normal((5, 4), dtype=np.float32),
...                                    np.array([0, 1, 2, 0, 1]))
>>> sorted(grads) == sorted(model.params), grads["w0"].dtype
(True, dtype('float32'))
"""

from __future__ import annotations

import math

import numpy as np

from benchmarks.twins.functional_numpy import cross_entropy_backward, cross_entropy_forward
from benchmarks.twins.optim_numpy import AdamW


class MLP:
    """Linear layers of `sizes` with ReLU between them; weights stored (in, out)."""

    def __init__(self, sizes: tuple[int, ...], rng: np.random.Generator, dtype=np.float32):
        self.params: dict[str, np.ndarray] = {}
        self.n_layers = len(sizes) - 1
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            bound = 1.0 / math.sqrt(fan_in)  # PyTorch's nn.Linear default range
            self.params[f"w{i}"] = rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)
            self.params[f"b{i}"] = rng.uniform(-bound, bound, fan_out).astype(dtype)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        """Logits, and the input of every layer (post-ReLU) for the backward pass."""
        inputs = []
        for i in range(self.n_layers):
            inputs.append(x)
            x = np.matmul(x, self.params[f"w{i}"])
            x += self.params[f"b{i}"]
            if i < self.n_layers - 1:
                np.maximum(x, 0.0, out=x)
        return x, inputs

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        logits, _ = self.forward(x)
        return cross_entropy_forward(logits, y)[0]

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        logits, inputs = self.forward(x)
        loss, cache = cross_entropy_forward(logits, y)
        grad = cross_entropy_backward(cache)
        grads = {}
        for i in reversed(range(self.n_layers)):
            a = inputs[i]
            grads[f"w{i}"] = np.matmul(a.T, grad)
            grads[f"b{i}"] = grad.sum(axis=0)
            if i > 0:
                grad = np.matmul(grad, self.params[f"w{i}"].T)
                grad *= a > 0  # ReLU passes gradient where its output was positive
        return loss, grads


def train_step(model: MLP, opt: AdamW, x: np.ndarray, y: np.ndarray) -> float:
    """One full step: forward, cross-entropy, backward, Adam update. Returns the loss."""
    loss, grads = model.loss_and_grads(x, y)
    opt.step(grads)
    return loss
