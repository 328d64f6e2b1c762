"""Small models and data shared by the Trainer tests."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.train import Trainer

TRUE_W = np.array([[1.5], [-2.0], [0.5]], dtype=np.float32)


def linear_data(n: int = 64, seed: int = 0, noise: float = 0.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3)).astype(np.float32)
    y = (X @ TRUE_W + 0.25 + noise * rng.standard_normal((n, 1))).astype(np.float32)
    return X, y


def linear_trainer(lr: float = 0.1, seed: int = 0, **kwargs) -> Trainer:
    mg.manual_seed(seed)
    model = nn.Linear(3, 1)
    return Trainer(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=lr), **kwargs)


def weights(model) -> dict[str, np.ndarray]:
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


@pytest.fixture
def data():
    return linear_data()
