"""Classify the two-moons data set with a small MLP, a DataLoader and AdamW.

The workflow in miniature: make data, split it, scale it (fit on train only),
build a model, train it with mini-batches, evaluate on held-out points.

Run:  python examples/classify_moons.py [--quick] [--out DIR]   (about 5 seconds)
"""

from __future__ import annotations

import argparse
import os

import numpy as np

import minigrad as mg
import minigrad.nn as nn
from minigrad.data import DataLoader, StandardScaler, TensorDataset, make_moons, train_test_split


def build_model() -> nn.Module:
    return nn.Sequential(
        nn.Linear(2, 32), nn.ReLU(),
        nn.Linear(32, 32), nn.ReLU(),
        nn.Linear(32, 2),
    )


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    with mg.no_grad():
        predicted = model(mg.tensor(x)).argmax(dim=1).numpy()
    model.train()
    return float((predicted == y).mean())


def main(epochs: int = 60, seed: int = 0, verbose: bool = True,
         out_dir: str | None = None) -> float:
    """Train and return the test accuracy; with ``out_dir``, save the model there."""
    mg.utils.tune_malloc()  # process-wide allocator setting: faster steps (docs/performance.md)
    if verbose and out_dir is not None:
        print(f"writing to {out_dir}")
    mg.manual_seed(seed)
    X, y = make_moons(n_samples=1000, noise=0.15)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True)
    model = build_model()
    optimizer = mg.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()

    for epoch in range(1, epochs + 1):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        if verbose and (epoch == 1 or epoch % 10 == 0):
            print(f"epoch {epoch:3d}  train loss {total / len(X_train):.4f}  "
                  f"test accuracy {accuracy(model, X_test, y_test):.3f}")
    test_accuracy = accuracy(model, X_test, y_test)
    if verbose:
        print(f"test accuracy: {test_accuracy:.3f}")
    if out_dir is not None:
        os.makedirs(out_dir, exist_ok=True)
        path = os.path.join(out_dir, "moons.safetensors")
        mg.save(model.state_dict(), path)
        if verbose:
            print(f"saved {path}")
    return test_accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Classify two moons with a small MLP.")
    parser.add_argument("--quick", action="store_true", help="30 epochs instead of 60")
    parser.add_argument("--out", default=os.path.join("runs", "classify_moons"),
                        help="output folder (default: runs/classify_moons)")
    args = parser.parse_args()
    main(epochs=30 if args.quick else 60, out_dir=args.out)
