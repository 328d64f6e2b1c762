"""Classify the two-moons data set with a small MLP, a DataLoader and AdamW.

The workflow in miniature: make data, split it, scale it (fit on train only),
build a model, train it with mini-batches, evaluate on held-out points.

Run:  python examples/classify_moons.py
"""

from __future__ import annotations

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


def main(epochs: int = 60, seed: int = 0, verbose: bool = True) -> float:
    """Train and return the test accuracy."""
    mg.utils.tune_malloc()  # process-wide allocator setting: faster steps (docs/performance.md)
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
    return test_accuracy


if __name__ == "__main__":
    main()
