"""Linear regression by gradient descent: learn y = 0.1 x + 0.3 from 100 points.

The classic first program of a deep-learning course, written with minigrad:
a model (W x + b), a loss (mean squared error), its gradient (from backward()),
and the update theta <- theta - eta * dJ/dtheta (optim.SGD), repeated 201 times.
docs/linear-regression.md walks through it line by line.

Run:  python examples/linear_regression.py [--quick] [--out DIR]   (under a second)
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import minigrad as mg
import minigrad.nn as nn


def fit(steps: int = 201, lr: float = 0.5, seed: int = 0, verbose: bool = True):
    """Fit W and b; returns their final values as Python floats."""
    # 1. the data: 100 points on the line y = 0.1 x + 0.3
    rng = np.random.default_rng(seed)
    x_data = rng.random(100).astype(np.float32)
    y_data = 0.1 * x_data + 0.3
    x, y = mg.tensor(x_data), mg.tensor(y_data)

    # 2. the model's parameters: W uniform in [-1, 1), b = 0
    mg.manual_seed(seed)
    W = mg.empty(1).uniform_(-1.0, 1.0).requires_grad_()
    b = mg.zeros(1, requires_grad=True)

    loss_fn = nn.MSELoss()  # J(W, b) = mean((W x + b - y)^2)
    optimizer = mg.optim.SGD([W, b], lr=lr)  # theta <- theta - lr * dJ/dtheta

    for step in range(steps):
        # 3. the loss of the current line
        loss = loss_fn(W * x + b, y)

        # 4. its gradient dJ/dW, dJ/db, by reverse-mode autodiff
        optimizer.zero_grad()
        loss.backward()

        # 5. one gradient-descent step
        optimizer.step()

        if verbose and step % 20 == 0:
            print(f"{step:3d}  W={W.item():.6f}  b={b.item():.6f}  loss={loss.item():.8f}")
    return W.item(), b.item()


def main(quick: bool = False, out_dir: str = os.path.join("runs", "linear_regression")) -> None:
    """Fit, report the learned line and save it to ``out_dir/line.safetensors``."""
    path = os.path.join(out_dir, "line.safetensors")
    print(f"writing to {out_dir}")
    w, b = fit(steps=101 if quick else 201)
    print(f"learned y = {w:.4f} x + {b:.4f}   (true: y = 0.1 x + 0.3)")
    os.makedirs(out_dir, exist_ok=True)
    mg.save({"W": mg.tensor([w]), "b": mg.tensor([b])}, path)
    print(f"saved {path}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Learn y = 0.1 x + 0.3 by gradient descent.")
    parser.add_argument("--quick", action="store_true", help="101 steps instead of 201")
    parser.add_argument("--out", default=os.path.join("runs", "linear_regression"),
                        help="output folder (default: runs/linear_regression)")
    args = parser.parse_args()
    main(quick=args.quick, out_dir=args.out)
