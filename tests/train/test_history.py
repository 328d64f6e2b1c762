"""History: per-epoch records, best epoch, JSON round trip, summary table."""

import json
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.train import History


def make_history():
    h = History()
    h.append(1, {"loss": 1.0, "val_loss": 1.2, "accuracy": 0.5, "lr": 0.1})
    h.append(2, {"loss": 0.6, "val_loss": 0.9, "accuracy": 0.7, "lr": 0.05})
    h.append(3, {"loss": 0.4, "val_loss": 0.95, "accuracy": 0.8, "lr": 0.025})
    return h


def test_append_builds_keras_like_lists():
    h = make_history()
    assert h.epoch == [1, 2, 3]
    assert h.history["loss"] == [1.0, 0.6, 0.4]
    assert h["val_loss"] == [1.2, 0.9, 0.95]
    assert h.keys() == ["loss", "val_loss", "accuracy", "lr"]
    assert len(h) == 3 and "lr" in h and "val_accuracy" not in h


def test_values_become_python_floats():
    h = History()
    h.append(0, {"loss": mg.tensor(np.float32(0.5)), "acc": np.float64(0.25), "n": 3})
    assert h["loss"] == [0.5] and type(h["loss"][0]) is float
    assert h["acc"] == [0.25] and h["n"] == [3.0]


def test_missing_keys_are_nan_so_lists_stay_aligned():
    h = History()
    h.append(1, {"loss": 1.0})
    h.append(2, {"loss": 0.8, "val_loss": 0.9})
    h.append(3, {"loss": 0.7})
    assert math.isnan(h["val_loss"][0]) and h["val_loss"][1] == 0.9
    assert math.isnan(h["val_loss"][2])
    assert all(len(v) == 3 for v in h.history.values())
    assert h.best("val_loss") == (2, 0.9)


def test_best_min_and_max_first_on_ties():
    h = make_history()
    assert h.best() == (2, 0.9)
    assert h.best("accuracy", mode="max") == (3, 0.8)
    assert h.best("loss", mode="min") == (3, 0.4)
    h.append(4, {"loss": 0.4})
    assert h.best("loss") == (3, 0.4)


def test_best_errors():
    h = make_history()
    with pytest.raises(KeyError, match="val_accuracy.*recorded keys"):
        h.best("val_accuracy")
    with pytest.raises(ValueError, match="mode"):
        h.best("loss", mode="lowest")
    h2 = History()
    h2.append(1, {"a": None})
    with pytest.raises(ValueError, match="no recorded values"):
        h2.best("a")


def test_to_dict_is_json_and_round_trips_including_nan():
    h = History()
    h.append(1, {"loss": 1.0})
    h.append(2, {"loss": 0.5, "val_loss": 0.75})
    state = h.to_dict()
    text = json.dumps(state, allow_nan=False)  # strict JSON: nan stored as null
    back = History.from_dict(json.loads(text))
    assert back.epoch == [1, 2]
    assert back["loss"] == [1.0, 0.5]
    assert math.isnan(back["val_loss"][0]) and back["val_loss"][1] == 0.75


def test_from_dict_rejects_malformed():
    with pytest.raises(ValueError, match="'epoch' and 'history'"):
        History.from_dict({"loss": [1.0]})
    with pytest.raises(ValueError, match="'loss' has 1 values for 2 epochs"):
        History.from_dict({"epoch": [1, 2], "history": {"loss": [1.0]}})


def test_append_rejects_non_scalar_and_non_numeric():
    h = History()
    with pytest.raises(ValueError, match="precision.*shape \\(3,\\)"):
        h.append(1, {"precision": np.array([0.1, 0.2, 0.3])})
    with pytest.raises(TypeError, match="name"):
        h.append(1, {"name": "abc"})
    with pytest.raises(TypeError, match="dict"):
        h.append(1, [("loss", 1.0)])


def test_summary_table():
    h = make_history()
    lines = h.summary().splitlines()
    assert lines[0].split() == ["epoch", "loss", "val_loss", "accuracy", "lr"]
    assert lines[2].split() == ["2", "0.6000", "0.9000", "0.7000", "0.0500"]
    assert len(lines) == 4
    assert repr(h).startswith("History(3 epochs)\n")
    assert repr(History()) == "History(empty)"


def test_summary_elides_long_histories_and_shows_missing_as_dash():
    h = History()
    for e in range(30):
        h.append(e, {"loss": 1.0 / (e + 1)} if e else {"val_loss": 2.0})
    lines = h.summary(max_rows=6).splitlines()
    assert len(lines) == 1 + 6 + 1
    assert lines[4].split() == ["...", "...", "..."]
    assert lines[1].split() == ["0", "2.0000", "-"]
    assert lines[-1].split()[0] == "29"
