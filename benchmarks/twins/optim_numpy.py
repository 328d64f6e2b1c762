"""Adam / AdamW update in plain NumPy, in place, with one scratch buffer per parameter.

Matches PyTorch's `torch.optim.AdamW` (decoupled weight decay); with
`weight_decay=0` it is exactly `torch.optim.Adam`.

>>> import numpy as np
>>> p = {"w": np.ones(3)}
>>> opt = AdamW(p, lr=0.1)
>>> opt.step({"w": np.ones(3)})
>>> p["w"].round(6).tolist()  # the first step moves by lr * sign(grad)
[0.9, 0.9, 0.9]
"""

from __future__ import annotations

import math

import numpy as np


class AdamW:
    """In-place AdamW over a dict of parameter arrays."""

    def __init__(
        self,
        params: dict[str, np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        self.params = params
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.m = {k: np.zeros_like(p) for k, p in params.items()}
        self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.scratch = {k: np.empty_like(p) for k, p in params.items()}
        self.t = 0

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1.0 - beta1**self.t)
        inv_sqrt_bc2 = 1.0 / math.sqrt(1.0 - beta2**self.t)
        for k, p in self.params.items():
            g, m, v, tmp = grads[k], self.m[k], self.v[k], self.scratch[k]
            if self.weight_decay:
                p *= 1.0 - self.lr * self.weight_decay
            # m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2
            np.multiply(g, 1.0 - beta1, out=tmp)
            m *= beta1
            m += tmp
            np.multiply(g, g, out=tmp)
            tmp *= 1.0 - beta2
            v *= beta2
            v += tmp
            # p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)
            np.sqrt(v, out=tmp)
            tmp *= inv_sqrt_bc2
            tmp += self.eps
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p -= tmp
