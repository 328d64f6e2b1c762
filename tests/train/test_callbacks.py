"""Each built-in callback's behaviour inside Trainer.fit."""

from __future__ import annotations

import csv
import math
import os

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.optim import lr_scheduler
from minigrad.train import (
    Callback,
    CSVLogger,
    EarlyStopping,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ReduceLROnPlateau,
    TerminateOnNaN,
)

from .conftest import linear_trainer, weights


def scripted(values, key="score"):
    """A callback that logs ``values[epoch - 1]`` as ``key`` (runs before the others)."""
    return LambdaCallback(on_epoch_end=lambda trainer, epoch, logs:
                          logs.__setitem__(key, values[epoch - 1]))


def recorder(store):
    """A callback that keeps a copy of the weights after every epoch."""
    return LambdaCallback(on_epoch_end=lambda trainer, epoch, logs:
                          store.__setitem__(epoch, weights(trainer.model)))


def same(a, b):
    return all(np.array_equal(a[k], b[k]) for k in a)


def test_early_stopping_stops_after_patience_and_restores_the_best_weights(data):
    seen = {}
    stopper = EarlyStopping(monitor="score", patience=2, restore_best_weights=True)
    trainer = linear_trainer(callbacks=[scripted([5, 3, 4, 2, 2.5, 2.2, 1, 0]), recorder(seen),
                                        stopper])
    history = trainer.fit(data, epochs=8, verbose=0)
    assert history.epoch == [1, 2, 3, 4, 5, 6]  # 5 and 6 did not beat epoch 4
    assert (stopper.best, stopper.best_epoch, stopper.stopped_epoch) == (2, 4, 6)
    assert same(weights(trainer.model), seen[4]) and not same(seen[6], seen[4])


def test_early_stopping_restores_the_best_weights_when_the_epochs_run_out(data):
    seen = {}
    stopper = EarlyStopping(monitor="score", patience=5, restore_best_weights=True)
    trainer = linear_trainer(callbacks=[scripted([5, 1, 4, 3]), recorder(seen), stopper])
    trainer.fit(data, epochs=4, verbose=0)
    assert stopper.stopped_epoch == 0 and stopper.best_epoch == 2
    assert same(weights(trainer.model), seen[2])


def test_early_stopping_min_delta_mode_and_patience_zero(data):
    stopper = EarlyStopping(monitor="score", mode="max", min_delta=0.5)
    trainer = linear_trainer(callbacks=[scripted([1.0, 2.0, 2.4, 9.0]), stopper])
    trainer.fit(data, epochs=4, verbose=0)
    assert trainer.epoch == 3  # +0.4 is not an improvement beyond min_delta
    assert EarlyStopping(monitor="val_accuracy").mode == "max"
    assert EarlyStopping(monitor="val_loss").mode == "min"
    with pytest.raises(ValueError, match="mode"):
        EarlyStopping(mode="best")


def test_early_stopping_warns_when_the_monitor_is_not_logged(data):
    trainer = linear_trainer(callbacks=[EarlyStopping()])  # val_loss, but no val_data
    with pytest.warns(UserWarning, match="'val_loss' is not in the logs"):
        trainer.fit(data, epochs=1, verbose=0)


def test_model_checkpoint_best_only_writes_just_the_improving_epochs(data, tmp_path):
    seen = {}
    saver = ModelCheckpoint(str(tmp_path / "ck" / "e{epoch:02d}-{score:.1f}.safetensors"),
                            monitor="score", save_best_only=True)
    trainer = linear_trainer(callbacks=[scripted([3.0, 2.0, 2.5, 1.0, 1.5]), recorder(seen),
                                        saver])
    trainer.fit(data, epochs=5, verbose=0)
    assert sorted(os.listdir(tmp_path / "ck")) == [
        "e01-3.0.safetensors", "e02-2.0.safetensors", "e04-1.0.safetensors"]
    assert saver.best_path == str(tmp_path / "ck" / "e04-1.0.safetensors")
    state = mg.load(saver.best_path)
    assert state["epoch"] == 4 and len(state["history"]["epoch"]) == 4
    fresh = nn.Linear(3, 1)
    fresh.load_state_dict(state["model"])
    assert same(weights(fresh), seen[4])


def test_model_checkpoint_every_epoch_and_weights_only(data, tmp_path):
    path = tmp_path / "w{epoch}-{val_loss:.4f}.safetensors"
    trainer = linear_trainer(callbacks=[ModelCheckpoint(path, save_weights_only=True)])
    history = trainer.fit(data, epochs=2, val_data=data, verbose=0)
    names = sorted(os.listdir(tmp_path))
    assert names == [f"w{e}-{v:.4f}.safetensors" for e, v in
                     zip(history.epoch, history["val_loss"])]
    assert sorted(mg.load(tmp_path / names[-1])) == ["bias", "weight"]


def test_model_checkpoint_bad_path_field_names_the_available_ones(data, tmp_path):
    trainer = linear_trainer(callbacks=[ModelCheckpoint(str(tmp_path / "{acc}.safetensors"),
                                                        monitor="loss")])
    with pytest.raises(ValueError, match=r"available fields: \['epoch', 'loss', 'lr', 'time'\]"):
        trainer.fit(data, epochs=1, verbose=0)


def test_csv_logger_writes_one_full_precision_row_per_epoch(data, tmp_path):
    path = tmp_path / "log.csv"
    trainer = linear_trainer(callbacks=[CSVLogger(path)])
    history = trainer.fit(data, epochs=3, val_data=data, verbose=0)
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "loss", "val_loss", "lr", "time"]
    assert [int(r[0]) for r in rows[1:]] == [1, 2, 3]
    for key in ("loss", "val_loss", "lr", "time"):
        column = [float(r[rows[0].index(key)]) for r in rows[1:]]
        assert column == history[key]  # exact: repr round-trips
    trainer.fit(data, epochs=4, val_data=data, verbose=0)  # a new fit starts a new file
    assert len(list(csv.reader(open(path)))) == 2


def test_csv_logger_append_keeps_earlier_rows_without_a_second_header(data, tmp_path):
    path = tmp_path / "log.csv"
    trainer = linear_trainer(callbacks=[CSVLogger(path, append=True)])
    trainer.fit(data, epochs=2, verbose=0)
    trainer.fit(data, epochs=3, verbose=0)
    rows = list(csv.reader(open(path)))
    assert rows[0][0] == "epoch" and [r[0] for r in rows[1:]] == ["1", "2", "3"]


def test_terminate_on_nan_names_the_epoch_and_batch(data, capsys):
    calls = []

    def loss_fn(out, y):
        calls.append(1)
        loss = ((out - y) ** 2).mean()
        return loss * math.nan if len(calls) == 7 else loss  # epoch 2, batch 3 of 4

    stopper = TerminateOnNaN()
    trainer = linear_trainer(batch_size=16, callbacks=[stopper])
    trainer.loss_fn = loss_fn
    history = trainer.fit(data, epochs=5, verbose=0)
    assert capsys.readouterr().out == \
        "TerminateOnNaN: loss became nan at epoch 2, batch 3; stopping\n"
    assert len(calls) == 7 and stopper.stopped_at == (2, 3)
    assert history.epoch == [1, 2] and math.isnan(history["loss"][1])


def test_lambda_callback_hooks_are_called_in_order(data):
    events = []
    cb = LambdaCallback(
        on_train_begin=lambda t, logs: events.append("train_begin"),
        on_epoch_begin=lambda t, epoch, logs: events.append(f"epoch_begin {epoch}"),
        on_batch_begin=lambda t, batch, logs: events.append(f"batch_begin {batch}"),
        on_batch_end=lambda t, batch, logs: events.append(f"batch_end {batch} {logs['size']}"),
        on_epoch_end=lambda t, epoch, logs: events.append(f"epoch_end {epoch} {sorted(logs)}"),
        on_train_end=lambda t, logs: events.append("train_end"))
    linear_trainer(batch_size=40, callbacks=[cb]).fit(data, epochs=2, verbose=0)
    epoch = ["batch_begin 1", "batch_end 1 40", "batch_begin 2", "batch_end 2 24"]
    assert events == (["train_begin", "epoch_begin 1", *epoch,
                       "epoch_end 1 ['loss', 'lr', 'time']", "epoch_begin 2", *epoch,
                       "epoch_end 2 ['loss', 'lr', 'time']", "train_end"])
    with pytest.raises(TypeError, match="on_epoch_end must be callable"):
        LambdaCallback(on_epoch_end=3)


def test_a_callback_can_stop_training(data):
    class StopAtTwo(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            trainer.stop_training = epoch == 2

    trainer = linear_trainer(callbacks=[StopAtTwo()])
    assert trainer.fit(data, epochs=10, verbose=0).epoch == [1, 2]


def test_learning_rate_scheduler_sets_the_lr_before_each_epoch(data):
    trainer = linear_trainer(callbacks=[LearningRateScheduler(lambda epoch, lr: 0.01 * epoch)])
    history = trainer.fit(data, epochs=3, verbose=0)
    assert history["lr"] == pytest.approx([0.01, 0.02, 0.03])
    bad = linear_trainer(callbacks=[LearningRateScheduler(lambda epoch, lr: -1.0)])
    with pytest.raises(ValueError, match="finite number >= 0"):
        bad.fit(data, epochs=1, verbose=0)


def test_reduce_lr_on_plateau_callback_follows_pytorchs_rules(data):
    cb = ReduceLROnPlateau(monitor="score", factor=0.5, patience=1, min_lr=0.02)
    trainer = linear_trainer(lr=0.1, callbacks=[scripted([1, 1, 1, 1, 1, 0.5, 0.5, 0.5]), cb])
    history = trainer.fit(data, epochs=8, verbose=0)
    # more than 1 bad epoch: cut after 3 and after 5; 6 improves; cut after 8, to min_lr
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.025])
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.02)


def test_reduce_lr_on_plateau_callback_is_the_scheduler_driven_by_the_logs(data):
    values = [3.0, 2.0, 2.5, 1.9999, 2.2, 2.1, 1.0, 1.5, 1.4, 1.3]
    options = dict(factor=0.5, patience=1, threshold=0.01, threshold_mode="abs", cooldown=1)
    cb = ReduceLROnPlateau(monitor="score", **options)
    trainer = linear_trainer(lr=1.0, callbacks=[scripted(values), cb])
    history = trainer.fit(data, epochs=len(values), verbose=0)
    opt = optim.SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
    sched = lr_scheduler.ReduceLROnPlateau(opt, mode="min", **options)
    expected = []
    for value in values:
        expected.append(opt.param_groups[0]["lr"])
        sched.step(value)
    assert history["lr"] == expected
    assert cb.best == sched.best == 1.0
    assert len(set(expected)) > 2  # the script does cut the lr, more than once


def test_reduce_lr_on_plateau_threshold_modes(data):
    def lrs(**options):
        cb = ReduceLROnPlateau(monitor="score", factor=0.5, patience=0, **options)
        trainer = linear_trainer(lr=1.0, callbacks=[scripted([1.0, 0.95, 0.9]), cb])
        trainer.fit(data, epochs=3, verbose=0)
        return trainer.optimizer.param_groups[0]["lr"]

    assert lrs() == 1.0  # relative 1e-4: each epoch improves
    assert lrs(threshold=0.1, threshold_mode="abs") == 0.25  # neither beats best - 0.1


def test_reduce_lr_on_plateau_cooldown(data):
    cb = ReduceLROnPlateau(monitor="score", factor=0.5, patience=1, cooldown=2)
    trainer = linear_trainer(lr=0.8, callbacks=[scripted([1] * 7), cb])
    history = trainer.fit(data, epochs=7, verbose=0)
    # cut after 3; epochs 4, 5 in cooldown; 6, 7 bad: cut after 7
    assert history["lr"] == pytest.approx([0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.4])
    assert trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.2)


def test_callbacks_that_write_checkpoints_run_last(data, tmp_path):
    order = []

    class Named(Callback):
        def __init__(self, name, runs_last=False):
            self.name, self.runs_last = name, runs_last

        def on_epoch_end(self, trainer, epoch, logs):
            order.append(self.name)

    trainer = linear_trainer(callbacks=[Named("saver", runs_last=True), Named("a"), Named("b")])
    trainer.fit(data, epochs=1, verbose=0)
    assert order == ["a", "b", "saver"]
    assert ModelCheckpoint(tmp_path / "x").runs_last


def test_monitor_validation():
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.5)
    with pytest.raises(TypeError, match="path"):
        CSVLogger(3)
