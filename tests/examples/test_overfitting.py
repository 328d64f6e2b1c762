"""examples/overfitting.py: the overfitting clinic shows what its page claims (quick mode)."""

from __future__ import annotations

import os

import numpy as np
import pytest

# quick runs of an example: .ci/run runs them (--dist loadgroup keeps the module on one
# worker); the run is a session fixture, so it happens once per worker even when the
# worker interleaves other modules' tests
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("overfitting")]


@pytest.fixture(scope="session")
def clinic(load_example, tmp_path_factory):
    example = load_example("overfitting.py")
    out = tmp_path_factory.mktemp("overfitting")
    return example, example["main"](quick=True, out_dir=str(out), verbose=False)


def test_overfit_model_validation_loss_turns_up_while_training_loss_falls(clinic):
    _, results = clinic
    val = np.array(results["overfit_val_curve"])
    row = results["overfit"]
    # the lesson with margins (seed 0 on an AMD EPYC: train 0.32x the floor, validation
    # ends 1.36x above its best, best at epoch 50 of 400), so it holds on any CPU
    assert row["train_mse"] < 0.5 * results["noise_floor"]  # fits below the noise: memorising
    assert val[-1] > 1.2 * val.min()
    assert row["best_epoch"] < len(val) // 4


def test_most_fixes_improve_the_final_validation_loss(clinic):
    _, results = clinic
    baseline = results["overfit"]["final_val_mse"]
    fixes = {k: v for k, v in results["fixes"].items() if k != "overfit (no fix)"}
    assert len(fixes) == 7
    improved = [name for name, row in fixes.items() if row["final_val_mse"] < baseline]
    assert len(improved) >= 5, improved  # 6 of 7 on an AMD EPYC; jitter and L1 are marginal
    # the strong fixes, with margins (0.57x, 0.74x and 0.79x the baseline there)
    for name in ("more data (300 points)", "early stopping (patience 100)",
                 "smaller model (1-8-8-1)"):
        assert results["fixes"][name]["final_val_mse"] < 0.9 * baseline, name


def test_early_stopping_keeps_the_best_epoch(clinic):
    _, results = clinic
    row = results["fixes"]["early stopping (patience 100)"]
    assert row["final_val_mse"] == pytest.approx(row["best_val_mse"], rel=1e-6)
    assert row["final_val_mse"] == pytest.approx(results["overfit"]["best_val_mse"], rel=1e-6)


def test_underfitting_fixed_by_capacity_and_learning_rate(clinic):
    _, results = clinic
    rows = list(results["underfit"].values())
    too_simple, capacity, too_slow, finder = rows
    assert capacity["train_mse"] < 0.5 * too_simple["train_mse"]
    assert finder["train_mse"] < 0.5 * too_slow["train_mse"]
    assert 1e-4 < results["suggested_lr"] < 1e-1


def test_lr_finder_grows_geometrically_and_stops_before_divergence(clinic):
    _, results = clinic
    lrs, losses = results["lr_finder"]
    ratios = lrs[1:] / lrs[:-1]
    assert np.allclose(ratios, ratios[0]) and ratios[0] > 1
    assert np.all(np.isfinite(losses)) and losses.max() <= 4 * losses.min()
    assert losses.min() < 0.6 * losses[0]


def test_plots_and_the_table_are_written(clinic):
    _, results = clinic
    with open(results["table"]) as file:
        lines = file.read().splitlines()
    assert lines[0] == "section,run,train_mse,best_val_mse,best_epoch,final_val_mse"
    assert len(lines) == 1 + 8 + 4 and lines[1].startswith("overfitting,overfit (no fix),")
    assert len(results["plots"]) == 5  # matplotlib is installed with the dev extra
    for path in results["plots"]:
        assert os.path.getsize(path) > 10_000, path
