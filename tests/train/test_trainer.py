"""Trainer.fit / evaluate / predict: the loop, accumulation, clipping, schedules, output."""

from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset
from minigrad.optim import lr_scheduler
from minigrad.train import MeanAbsoluteError, R2Score, Trainer
from minigrad.train.scheduling import resolve_scheduler_interval

from .conftest import linear_data, linear_trainer, weights


def test_fit_reduces_loss_and_records_every_key_per_epoch(data):
    trainer = linear_trainer(metrics=[MeanAbsoluteError(), R2Score()], batch_size=16)
    val = linear_data(32, seed=1)
    history = trainer.fit(data, epochs=5, val_data=val, verbose=0)
    assert history is trainer.history
    assert history.epoch == [1, 2, 3, 4, 5]
    assert history.keys() == ["loss", "mae", "r2", "val_loss", "val_mae", "val_r2", "lr", "time"]
    assert all(len(history[k]) == 5 for k in history.keys())
    losses = history["loss"]
    assert all(b < a for a, b in zip(losses, losses[1:]))
    assert history["val_loss"][-1] < 0.1 * history["val_loss"][0]
    assert history["lr"] == [0.1] * 5
    assert all(t >= 0 for t in history["time"])
    assert trainer.epoch == 5 and trainer.global_step == 5 * 4


def test_logged_loss_is_the_sample_weighted_mean_over_the_epoch():
    X, y = linear_data(40)  # batches of 16, 16, 8
    trainer = linear_trainer(lr=0.0, batch_size=16)  # lr 0: weights stay, loss is exact
    model = trainer.model
    history = trainer.fit((X, y), epochs=1, verbose=0, shuffle=False)
    pred = X @ model.weight.detach().numpy().T + model.bias.detach().numpy()
    assert history["loss"][0] == pytest.approx(float(np.mean((pred - y) ** 2)), rel=1e-6)


def test_evaluate_and_predict_match_a_direct_computation(data):
    X, y = data
    trainer = linear_trainer(metrics=[MeanAbsoluteError()], batch_size=10)
    trainer.fit(data, epochs=2, verbose=0)
    w, b = trainer.model.weight.detach().numpy(), trainer.model.bias.detach().numpy()
    expected = X @ w.T + b
    pred = trainer.predict(X)
    assert isinstance(pred, mg.Tensor) and pred.shape == (64, 1) and not pred.requires_grad
    np.testing.assert_allclose(pred.numpy(), expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(trainer.predict((X, y)).numpy(), expected, rtol=1e-6, atol=1e-6)
    loader = DataLoader(TensorDataset(X, y), batch_size=7)
    np.testing.assert_allclose(trainer.predict(loader).numpy(), expected, rtol=1e-6, atol=1e-6)
    result = trainer.evaluate((X, y))
    assert list(result) == ["loss", "mae"]
    assert result["loss"] == pytest.approx(float(np.mean((expected - y) ** 2)), rel=1e-5)
    assert result["mae"] == pytest.approx(float(np.mean(np.abs(expected - y))), rel=1e-5)


class ModeRecorder(nn.Module):
    """Linear model that records the training flag and grad mode of every forward."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)
        self.seen = []

    def forward(self, x):
        self.seen.append((self.training, mg.is_grad_enabled()))
        return self.fc(x)


def test_training_runs_in_train_mode_and_evaluation_in_eval_mode_without_grad(data):
    model = ModeRecorder()
    trainer = Trainer(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), batch_size=32)
    trainer.fit(data, epochs=1, val_data=data, verbose=0)
    assert model.seen == [(True, True)] * 2 + [(False, False)] * 2
    model.seen.clear()
    model.train()
    trainer.evaluate(data)
    trainer.predict(data[0])
    assert model.seen == [(False, False)] * 4
    assert model.training  # the mode it had is restored


def test_metrics_are_copied_so_train_and_validation_do_not_mix(data):
    mae = MeanAbsoluteError()
    trainer = linear_trainer(metrics=[mae])
    trainer.fit(data, epochs=1, val_data=linear_data(8, seed=3), verbose=0)
    with pytest.raises(ValueError, match="before any update"):
        mae.compute()  # the user's object was never updated
    h = trainer.history
    assert h["mae"][0] != h["val_mae"][0]


@pytest.mark.parametrize("n", [64, 56])  # 56: the last accumulation group is a single batch
def test_accumulating_two_batches_of_8_equals_batches_of_16(n):
    X, y = linear_data(n)
    big = linear_trainer(lr=0.05, batch_size=16)
    small = linear_trainer(lr=0.05, batch_size=8, accumulate_steps=2)
    assert all(np.array_equal(a, b) for a, b in
               zip(weights(big.model).values(), weights(small.model).values()))
    big.fit((X, y), epochs=3, verbose=0, shuffle=False)
    small.fit((X, y), epochs=3, verbose=0, shuffle=False)
    assert big.global_step == small.global_step == 3 * math.ceil(n / 16)
    for key, w in weights(big.model).items():
        np.testing.assert_allclose(weights(small.model)[key], w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(small.history["loss"], big.history["loss"], rtol=1e-5)


def test_grad_clip_limits_the_step_to_lr_times_max_norm():
    X, y = linear_data(16)
    y = y * 100.0  # large errors, large gradients
    for clip in (None, 0.5):
        trainer = linear_trainer(lr=1.0, batch_size=16, grad_clip=clip)
        before = weights(trainer.model)
        trainer.fit((X, y), epochs=1, verbose=0)
        step = np.sqrt(sum(np.sum((weights(trainer.model)[k] - before[k]) ** 2) for k in before))
        if clip is None:
            assert step > 10.0
        else:
            assert step == pytest.approx(0.5, rel=1e-4)


def test_scheduler_steps_per_epoch_or_per_batch(data):
    seqs = {}
    for interval in ("epoch", "batch"):
        mg.manual_seed(0)
        model = nn.Linear(3, 1)
        opt = optim.SGD(model.parameters(), lr=1e-3)
        sched = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
        trainer = Trainer(model, nn.MSELoss(), opt, scheduler=sched,
                          scheduler_interval=interval, batch_size=16)
        trainer.fit(data, epochs=3, verbose=0)  # 4 batches per epoch
        seqs[interval] = trainer.history["lr"]
        assert sched.last_epoch == (3 if interval == "epoch" else 12)
    assert seqs["epoch"] == pytest.approx([1e-3, 5e-4, 2.5e-4])
    assert seqs["batch"] == pytest.approx([1e-3, 1e-3 / 16, 1e-3 / 256])


def test_scheduler_interval_rule():
    opt = optim.SGD([mg.zeros(1, requires_grad=True)], lr=1.0)
    assert resolve_scheduler_interval(lr_scheduler.CosineAnnealingLR(opt, T_max=5), None) \
        == "epoch"
    assert resolve_scheduler_interval(lr_scheduler.StepLR(opt, 2), None) == "epoch"
    assert resolve_scheduler_interval(
        lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10), None) == "batch"
    assert resolve_scheduler_interval(
        lr_scheduler.WarmupCosineLR(opt, warmup_steps=2, total_steps=10), None) == "batch"
    assert resolve_scheduler_interval(
        lr_scheduler.get_cosine_schedule_with_warmup(opt, 2, 10), None) == "batch"
    assert resolve_scheduler_interval(lr_scheduler.LambdaLR(opt, lambda t: 1.0), None) \
        == "epoch"
    assert resolve_scheduler_interval(lr_scheduler.StepLR(opt, 2), "batch") == "batch"
    assert resolve_scheduler_interval(None, None) is None
    with pytest.raises(ValueError, match="scheduler_interval"):
        resolve_scheduler_interval(lr_scheduler.StepLR(opt, 2), "step")


def test_scheduler_interval_comes_from_the_class_not_its_name():
    opt = optim.SGD([mg.zeros(1, requires_grad=True)], lr=1.0)

    class PerStepLR(lr_scheduler.LambdaLR):
        interval = "batch"

    class OneCycleLR(lr_scheduler.LambdaLR):  # a familiar name declares nothing new
        pass

    class Broken(lr_scheduler.LambdaLR):
        interval = "step"

    assert resolve_scheduler_interval(PerStepLR(opt, lambda t: 1.0), None) == "batch"
    assert resolve_scheduler_interval(OneCycleLR(opt, lambda t: 1.0), None) == "epoch"
    with pytest.raises(ValueError, match="Broken.interval"):
        resolve_scheduler_interval(Broken(opt, lambda t: 1.0), None)


def test_trainer_steps_a_declared_per_batch_scheduler(data):
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=1e-3)

    class PerStepLR(lr_scheduler.LambdaLR):
        interval = "batch"

    sched = PerStepLR(opt, lambda t: 0.5 ** t)
    trainer = Trainer(model, nn.MSELoss(), opt, scheduler=sched, batch_size=16)
    trainer.fit(data, epochs=2, verbose=0)
    assert sched.last_epoch == 2 * 4  # 64 samples in batches of 16, two epochs


class MetricSpy:
    """Any scheduler declaring ``needs_metric``: records what the Trainer passes to step()."""

    needs_metric = True

    def __init__(self):
        self.values = []

    def step(self, metric):
        self.values.append(metric)


@pytest.mark.parametrize("with_val", [True, False])
def test_plateau_scheduler_gets_the_validation_loss_or_the_loss(data, with_val):
    spy = MetricSpy()
    trainer = linear_trainer(scheduler=spy)
    val = linear_data(16, seed=5) if with_val else None
    history = trainer.fit(data, epochs=3, val_data=val, verbose=0)
    assert spy.values == history["val_loss" if with_val else "loss"]


def test_real_plateau_scheduler_halves_the_lr_when_val_loss_stalls(data):
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=1e-9)  # so small that the loss does not move
    sched = lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0, eps=0.0)
    trainer = Trainer(model, nn.MSELoss(), opt, scheduler=sched)
    history = trainer.fit(data, epochs=4, val_data=data, verbose=0)
    assert history["lr"] == pytest.approx([1e-9, 1e-9, 5e-10, 2.5e-10])


class PairModel(nn.Module):
    """Returns (prediction, loss) like a GPT that takes its targets."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 1)

    def forward(self, x, y=None):
        out = self.fc(x)
        loss = None if y is None else ((out - y) ** 2).mean()
        return out, loss


def test_custom_step_fn_trains_a_model_that_returns_its_loss(data):
    mg.manual_seed(0)
    model = PairModel()
    calls = []

    def step(trainer, batch):
        calls.append(trainer.model.training)
        x, y = batch
        return trainer.model(x, y)[1]

    trainer = Trainer(model, None, optim.SGD(model.parameters(), lr=0.1), step_fn=step,
                      batch_size=16)
    history = trainer.fit(data, epochs=4, val_data=data, verbose=0)
    assert history["loss"][-1] < 0.05 * history["loss"][0]
    assert calls[:4] == [True] * 4 and calls[4:8] == [False] * 4
    assert trainer.evaluate(data)["loss"] == pytest.approx(history["val_loss"][-1])
    assert trainer.predict(data[0]).shape == (64, 1)  # the first element of the tuple


def test_step_fn_may_return_outputs_and_targets_for_the_metrics(data):
    mg.manual_seed(0)
    model = PairModel()

    def step(trainer, batch):
        x, y = batch
        out, loss = trainer.model(x, y)
        return loss, out, y

    trainer = Trainer(model, None, optim.SGD(model.parameters(), lr=0.1), step_fn=step,
                      metrics=[MeanAbsoluteError()])
    history = trainer.fit(data, epochs=2, verbose=0)
    assert history["mae"][1] < history["mae"][0]


def test_verbose_0_prints_nothing(data, capsys):
    linear_trainer().fit(data, epochs=3, val_data=data, verbose=0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_verbose_1_off_a_terminal_prints_one_line_per_epoch(data, capsys):
    linear_trainer(metrics=[MeanAbsoluteError()], batch_size=16).fit(
        data, epochs=3, val_data=data, verbose=1)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for i, line in enumerate(lines, start=1):
        fields = line.split(" - ")
        assert fields[0] == f"epoch {i}/3" and fields[1] == "4 batches"
        assert [f.split()[0] for f in fields[3:]] == ["loss", "mae", "val_loss", "val_mae", "lr"]
    assert "\r" not in "".join(lines)


def test_epochs_is_the_total_to_reach(data):
    trainer = linear_trainer()
    trainer.fit(data, epochs=2, verbose=0)
    trainer.fit(data, epochs=3, verbose=0)
    assert trainer.history.epoch == [1, 2, 3]
    with pytest.warns(UserWarning, match="already completed"):
        trainer.fit(data, epochs=3, verbose=0)
    assert len(trainer.history) == 3


def test_bad_arguments_are_refused_with_clear_errors(data):
    model = nn.Linear(3, 1)
    opt = optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match="loss_fn"):
        Trainer(model, None, opt)
    with pytest.raises(ValueError, match="accumulate_steps"):
        Trainer(model, nn.MSELoss(), opt, accumulate_steps=0)
    with pytest.raises(ValueError, match="grad_clip"):
        Trainer(model, nn.MSELoss(), opt, grad_clip=-1.0)
    with pytest.raises(TypeError, match="Callback"):
        Trainer(model, nn.MSELoss(), opt, callbacks=[print])
    with pytest.raises(ValueError, match="unique"):
        Trainer(model, nn.MSELoss(), opt, metrics=[MeanAbsoluteError(), MeanAbsoluteError()])
    trainer = Trainer(model, nn.MSELoss(), opt)
    with pytest.raises(TypeError, match="DataLoader or an"):
        trainer.fit("data.csv", epochs=1)
    with pytest.raises(ValueError, match="epochs"):
        trainer.fit(data, epochs=-1)
    loader = DataLoader(TensorDataset(data[0]), batch_size=8)  # no targets
    with pytest.raises(TypeError, match=r"\(inputs, targets\) pair.*step_fn"):
        trainer.fit(loader, epochs=1, verbose=0)
    frozen = Trainer(model, lambda out, y: mg.tensor(1.0), opt)
    with pytest.raises(RuntimeError, match="does not require grad"):
        frozen.fit(data, epochs=1, verbose=0)
