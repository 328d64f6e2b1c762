"""Linear regression y = w x + b by gradient descent on the MSE, gradients by hand.

>>> import numpy as np
>>> x = np.linspace(0, 1, 100, dtype=np.float32)
>>> w, b, loss = fit(x, 0.1 * x + 0.3, np.float32(-0.5))
>>> round(float(w[0]), 3), round(float(b[0]), 3)
(0.1, 0.3)
"""

from __future__ import annotations

import numpy as np


def fit(
    x: np.ndarray, y: np.ndarray, w0, steps: int = 201, lr: float = 0.5
) -> tuple[np.ndarray, np.ndarray, float]:
    """Fit from w = w0, b = 0; returns (w, b, final loss) with w, b of shape (1,)."""
    w = np.array([w0], dtype=x.dtype).reshape(1)
    b = np.zeros(1, dtype=x.dtype)
    n = x.shape[0]
    loss = float("nan")
    for _ in range(steps):
        err = w * x + b - y
        loss = float(np.mean(err * err))
        # d/dw mean(err^2) = 2 mean(err x), d/db = 2 mean(err)
        g = err * (2.0 / n)
        w -= lr * np.dot(g, x)
        b -= lr * g.sum()
    return w, b, loss
