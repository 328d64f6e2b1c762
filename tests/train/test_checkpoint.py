"""Trainer checkpoints: what they hold, exact resume, and refusals."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset
from minigrad.optim import lr_scheduler
from minigrad.train import (
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    MeanAbsoluteError,
    ModelCheckpoint,
    Trainer,
)

from .conftest import linear_data, linear_trainer, weights


def regression_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((96, 4)).astype(np.float32)
    y = (np.sin(X[:, :1]) + X[:, 1:2] * X[:, 2:3]).astype(np.float32)
    return X, y


def build(tmp_path, seed, data_kind):
    """An MLP with dropout, Adam, cosine schedule and stateful callbacks."""
    mg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.3), nn.Linear(16, 1))
    opt = optim.Adam(model.parameters(), lr=0.01)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    callbacks = [EarlyStopping(patience=50, restore_best_weights=False),
                 CSVLogger(tmp_path / "log.csv"),
                 ModelCheckpoint(tmp_path / "epoch{epoch}.safetensors")]
    trainer = Trainer(model, nn.MSELoss(), opt, metrics=[MeanAbsoluteError()],
                      callbacks=callbacks, scheduler=sched, batch_size=16)
    X, y = regression_data()
    train = (X[:80], y[:80])
    if data_kind == "loader":  # shuffled by minigrad's default generator
        train = DataLoader(TensorDataset(*train), batch_size=16, shuffle=True)
    return trainer, train, (X[80:], y[80:])


def csv_without_time(path):
    rows = list(csv.reader(open(path)))
    t = rows[0].index("time")
    return [r[:t] + r[t + 1:] for r in rows]


@pytest.mark.parametrize("data_kind", ["arrays", "loader"])
def test_resume_after_6_epochs_is_bit_identical_to_10_uninterrupted(tmp_path, data_kind):
    full_dir, part_dir = tmp_path / "full", tmp_path / "part"
    full_dir.mkdir()
    part_dir.mkdir()
    full, train, val = build(full_dir, 0, data_kind)
    full.fit(train, epochs=10, val_data=val, verbose=0)
    rng_after_full = mg.get_rng_state()

    first, train, val = build(part_dir, 0, data_kind)
    first.fit(train, epochs=6, val_data=val, verbose=0)
    assert not np.array_equal(weights(first.model)["0.weight"], weights(full.model)["0.weight"])

    resumed, train, val = build(part_dir, 123, data_kind)  # other init, other RNG state
    resumed.fit(train, epochs=10, val_data=val, verbose=0,
                resume_from=part_dir / "epoch6.safetensors")

    for key, w in weights(full.model).items():
        assert np.array_equal(weights(resumed.model)[key], w), key
    opt_full, opt_resumed = full.optimizer.state_dict(), resumed.optimizer.state_dict()
    for i, state in opt_full["state"].items():
        assert np.array_equal(opt_resumed["state"][i]["exp_avg_sq"], state["exp_avg_sq"])
    assert resumed.global_step == full.global_step == 50
    assert resumed.optimizer.param_groups[0]["lr"] == full.optimizer.param_groups[0]["lr"]
    assert resumed.history.epoch == list(range(1, 11))
    for key in ("loss", "mae", "val_loss", "val_mae", "lr"):
        assert resumed.history[key] == full.history[key], key
    assert mg.get_rng_state() == rng_after_full  # the same dropout draws were made
    assert csv_without_time(part_dir / "log.csv") == csv_without_time(full_dir / "log.csv")
    stop_full, stop_resumed = full.callbacks[0], resumed.callbacks[0]
    assert (stop_resumed.best, stop_resumed.best_epoch, stop_resumed.wait) == \
        (stop_full.best, stop_full.best_epoch, stop_full.wait)


def test_checkpoint_holds_the_whole_training_state(tmp_path):
    trainer = linear_trainer(callbacks=[EarlyStopping(monitor="loss", restore_best_weights=True)])
    trainer.fit(linear_data(), epochs=2, verbose=0)
    trainer.save_checkpoint(tmp_path / "ck.safetensors")
    state = mg.load(tmp_path / "ck.safetensors")
    assert list(state) == ["format", "version", "epoch", "global_step", "model", "optimizer",
                           "scheduler", "rng", "train_loader", "callbacks", "history"]
    assert (state["epoch"], state["global_step"], state["scheduler"]) == (2, 4, None)
    assert state["rng"]["trainer"] == trainer.generator.get_state()
    assert state["rng"]["default"] == mg.get_rng_state()
    assert state["callbacks"][0]["class"] == "EarlyStopping"
    assert set(state["callbacks"][0]["state"]["best_weights"]) == {"weight", "bias"}
    assert state["history"] == trainer.history.to_dict()
    np.testing.assert_array_equal(state["model"]["weight"].numpy(),
                                  trainer.model.weight.detach().numpy())


def test_load_checkpoint_restores_counters_history_and_weights(tmp_path):
    data = linear_data()
    trainer = linear_trainer()
    trainer.fit(data, epochs=3, verbose=0)
    trainer.save_checkpoint(tmp_path / "ck.safetensors")
    other = linear_trainer(seed=7)
    other.load_checkpoint(tmp_path / "ck.safetensors")
    assert (other.epoch, other.global_step) == (3, 6)
    assert other.history.to_dict() == trainer.history.to_dict()
    assert all(np.array_equal(a, b) for a, b in
               zip(weights(other.model).values(), weights(trainer.model).values()))


def test_refuses_files_and_trainers_that_do_not_match(tmp_path):
    trainer = linear_trainer(callbacks=[EarlyStopping(monitor="loss")])
    trainer.fit(linear_data(), epochs=1, verbose=0)
    mg.save(trainer.model.state_dict(), tmp_path / "weights.safetensors")
    with pytest.raises(ValueError, match="weights.safetensors: not a Trainer checkpoint"):
        trainer.load_checkpoint(tmp_path / "weights.safetensors")
    trainer.save_checkpoint(tmp_path / "ck.safetensors")
    with pytest.raises(ValueError, match=r"callbacks \['EarlyStopping'\].*has \[\]"):
        linear_trainer().load_checkpoint(tmp_path / "ck.safetensors")
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    scheduled = Trainer(model, nn.MSELoss(), opt, callbacks=[EarlyStopping(monitor="loss")],
                        scheduler=lr_scheduler.StepLR(opt, 2))
    with pytest.raises(ValueError, match="has no scheduler state but this Trainer has one"):
        scheduled.load_checkpoint(tmp_path / "ck.safetensors")


def test_saving_in_the_middle_of_an_epoch_is_refused(tmp_path):
    save_mid_epoch = LambdaCallback(
        on_batch_end=lambda trainer, batch, logs: trainer.save_checkpoint(tmp_path / "x"))
    trainer = linear_trainer(callbacks=[save_mid_epoch])
    with pytest.raises(RuntimeError, match="middle of an epoch"):
        trainer.fit(linear_data(), epochs=1, verbose=0)
    assert not (tmp_path / "x").exists()
