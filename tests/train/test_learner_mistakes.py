"""The mistakes a learner makes with the Trainer get an error that says the fix."""

from __future__ import annotations

import pytest

from minigrad import nn, optim
from minigrad.train import Accuracy, EarlyStopping, Trainer

from .conftest import linear_trainer


def model_and_optimizer():
    model = nn.Linear(3, 1)
    return model, optim.SGD(model.parameters(), lr=0.1)


@pytest.mark.parametrize("change, message", [
    ({"loss_fn": nn.MSELoss}, r"loss_fn is the class MSELoss.*MSELoss\(\)"),
    ({"optimizer": optim.AdamW}, r"optimizer is the class AdamW.*AdamW\(model.parameters\(\)"),
    ({"metrics": [Accuracy]}, r"a metric is the class Accuracy.*metrics=\[Accuracy\(\)\]"),
    ({"callbacks": [EarlyStopping]}, r"callback is the class EarlyStopping.*EarlyStopping\(\)"),
    ({"model": nn.Linear}, r"model is the class Linear"),
    ({"optimizer": "adam"}, r"optimizer must have step\(\) and zero_grad\(\).*got str"),
])
def test_a_class_or_a_string_where_an_instance_belongs_is_refused_at_construction(change,
                                                                                  message):
    model, opt = model_and_optimizer()
    arguments = {"model": model, "loss_fn": nn.MSELoss(), "optimizer": opt, **change}
    with pytest.raises(TypeError, match=message):
        Trainer(**arguments)


def test_resuming_from_a_checkpoint_past_the_requested_epochs_says_so(data, tmp_path):
    path = str(tmp_path / "ckpt.safetensors")
    trainer = linear_trainer()
    trainer.fit(data, epochs=3, verbose=0)
    trainer.save_checkpoint(path)
    fresh = linear_trainer()
    with pytest.raises(ValueError, match=r"already completed 3 epochs.*epochs=5 trains 2 more"):
        fresh.fit(data, epochs=2, verbose=0, resume_from=path)
    again = linear_trainer()
    with pytest.warns(UserWarning, match="nothing to train"):
        again.fit(data, epochs=3, verbose=0, resume_from=path)
    assert again.epoch == 3 and len(again.history) == 3
    resumed = linear_trainer()
    resumed.fit(data, epochs=5, verbose=0, resume_from=path)
    assert resumed.epoch == 5


def test_other_common_slips_name_the_fix():
    import numpy as np

    import minigrad as mg
    import minigrad.nn.functional as F
    from minigrad.data import DataLoader

    model = nn.Linear(3, 1)
    with pytest.raises(TypeError, match=r"call it: model.parameters\(\) \(with parentheses\)"):
        optim.SGD(model.parameters, lr=0.1)
    with pytest.raises(TypeError, match=r"not the Linear itself: pass model.parameters\(\)"):
        optim.SGD(model, lr=0.1)
    X, y = np.zeros((8, 3), np.float32), np.zeros(8, np.int64)
    with pytest.raises(TypeError, match=r"DataLoader\(TensorDataset\(X, y\), batch_size=32\)"):
        DataLoader(X, y)
    with pytest.raises(TypeError, match=r"nn.Sequential\(\*layers\)"):
        nn.Sequential([nn.Linear(2, 2), nn.ReLU()])
    one_hot = mg.tensor(np.eye(3, dtype=np.int64)[[0, 1, 2, 1]])
    with pytest.raises(ValueError, match=r"one-hot targets\? pass class indices"):
        F.cross_entropy(mg.randn(4, 3), one_hot)
