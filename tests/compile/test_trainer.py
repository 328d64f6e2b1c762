"""Trainer(compile=True) trains exactly as the eager Trainer does."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim import lr_scheduler
from minigrad.train import Accuracy, Trainer


def _fit(compile_steps: bool, epochs: int = 4, resume_from=None, seed: int = 0, **options):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((70, 5)).astype(np.float32)  # 70 = 4 batches of 16 and one of 6
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 2))
    opt = optim.Adam(model.parameters(), lr=1e-2)
    trainer = Trainer(model, nn.CrossEntropyLoss(), opt, metrics=[Accuracy()], batch_size=16,
                      scheduler=lr_scheduler.StepLR(opt, step_size=3, gamma=0.5),
                      generator=mg.Generator(1), compile=compile_steps, **options)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a fallback to eager would make the test pointless
        history = trainer.fit((X, y), epochs=epochs, val_data=(X, y), verbose=0,
                              resume_from=resume_from)
    return trainer, history, [p.numpy(force=True).copy() for p in model.parameters()]


@pytest.mark.parametrize("options", [{}, {"grad_clip": 0.5, "accumulate_steps": 2}])
def test_compiled_trainer_matches_eager(options):
    _, eager_history, eager = _fit(False, **options)
    trainer, history, compiled = _fit(True, **options)
    for key in ("loss", "accuracy", "val_loss", "lr"):
        np.testing.assert_allclose(history[key], eager_history[key], rtol=1e-6)
    for a, b in zip(eager, compiled):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    step = trainer._compiled_step
    # one program per batch shape (16 and the last 6; with accumulation the 1/k scale
    # is a guard too), each replayed
    assert step.traces <= 4 and sum(p.replays for p in step.programs) > 10


def test_compiled_trainer_checkpoint_resumes_like_an_uninterrupted_eager_run(tmp_path):
    _, eager_history, eager = _fit(False)  # 4 epochs, uninterrupted, eager
    rng_after = mg.get_rng_state()
    first, _, _ = _fit(True, epochs=2)
    first.save_checkpoint(str(tmp_path / "half.safetensors"))
    resumed, history, compiled = _fit(True, resume_from=str(tmp_path / "half.safetensors"),
                                      seed=123)
    for a, b in zip(eager, compiled):
        np.testing.assert_allclose(b, a, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(history["loss"], eager_history["loss"], rtol=1e-6)
    assert mg.get_rng_state() == rng_after  # the same dropout draws, in the same order
