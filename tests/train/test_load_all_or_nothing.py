"""Every load validates everything before it changes anything: a failed load leaves the
objects exactly as they were, and its error starts with the file's path."""

from __future__ import annotations

import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.finetune import LoRAConfig, apply_lora, load_adapter, save_adapter
from minigrad.optim import lr_scheduler
from minigrad.train import EarlyStopping, Trainer

from .conftest import linear_data, weights


def _trainer(seed):
    mg.manual_seed(seed)
    model = nn.Linear(3, 1)
    opt = optim.Adam(model.parameters(), lr=0.05)
    return Trainer(model, nn.MSELoss(), opt, scheduler=lr_scheduler.StepLR(opt, 2),
                   callbacks=[EarlyStopping(monitor="loss", patience=5)])


def _corrupt_optimizer(state):
    state["optimizer"]["param_groups"][0]["lr"] = -1.0


def _corrupt_optimizer_state(state):
    first = next(iter(state["optimizer"]["state"].values()))
    key = next(iter(first))
    first[key] = np.zeros((7, 7), np.float32)


def _corrupt_scheduler(state):
    state["scheduler"] = {"nonsense": 1}


def _corrupt_callback(state):
    state["callbacks"][0]["state"] = {"wait": "many"}


CORRUPTIONS = {
    "optimizer_hyperparameter": _corrupt_optimizer,
    "optimizer_state_shape": _corrupt_optimizer_state,
    "scheduler": _corrupt_scheduler,
    "callback": _corrupt_callback,
    "epoch": lambda s: s.__setitem__("epoch", -3),
    "global_step": lambda s: s.__setitem__("global_step", 2.5),
    "history": lambda s: s.__setitem__("history", {"epoch": "x"}),
    "rng_default": lambda s: s["rng"].__setitem__("default", {"bit_generator": "nope"}),
    "rng_trainer": lambda s: s["rng"].__setitem__("trainer", {}),
    "model_shape": lambda s: s["model"].__setitem__("weight", np.zeros((5, 5), np.float32)),
}


def _snapshot(trainer):
    return (weights(trainer.model), trainer.optimizer.state_dict()["param_groups"][0]["lr"],
            trainer.scheduler.state_dict(), trainer.callbacks[0].state_dict(),
            trainer.epoch, trainer.global_step, trainer.history.to_dict(),
            mg.random.get_rng_state()["state"] if "state" in mg.random.get_rng_state()
            else repr(mg.random.get_rng_state()))


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_a_bad_trainer_checkpoint_changes_nothing(tmp_path, name):
    source = _trainer(0)
    source.fit(linear_data(), epochs=2, verbose=0)
    path = tmp_path / "ck.safetensors"
    source.save_checkpoint(path)
    state = mg.load(path, as_numpy=True)
    CORRUPTIONS[name](state)
    bad = tmp_path / "bad.safetensors"
    mg.save(state, bad)

    target = _trainer(5)
    target.fit(linear_data(seed=1), epochs=1, verbose=0)
    before = _snapshot(target)
    with pytest.raises(ValueError) as info:
        target.load_checkpoint(bad)
    assert str(info.value).startswith(f"{bad}: "), str(info.value)
    after = _snapshot(target)
    for key in before[0]:
        np.testing.assert_array_equal(after[0][key], before[0][key])
    assert repr(after[1:]) == repr(before[1:])
    target.load_checkpoint(path)  # the good file still loads
    assert target.epoch == 2


def test_module_load_state_dict_refuses_a_non_numeric_value_before_writing():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    before = weights(model)
    state = {k: v.numpy().copy() + 1 for k, v in model.state_dict().items()}
    state["1.bias"] = np.array(["x"])
    with pytest.raises(RuntimeError, match="1.bias.*not a number type"):
        model.load_state_dict(state)
    for key, value in weights(model).items():
        np.testing.assert_array_equal(value, before[key])


def test_module_load_state_dict_refuses_a_read_only_target_before_writing():
    model = nn.Linear(2, 2)
    frozen = np.ones(2, np.float32)
    frozen.setflags(write=False)
    model.bias.data = mg.from_numpy(frozen)
    before = weights(model)
    state = {"weight": np.zeros((2, 2), np.float32), "bias": np.zeros(2, np.float32)}
    with pytest.raises(RuntimeError, match="bias.*read-only"):
        model.load_state_dict(state)
    np.testing.assert_array_equal(weights(model)["weight"], before["weight"])


def _base():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Linear(4, 2))


def test_a_bad_adapter_leaves_the_model_unwrapped_and_trainable(tmp_path):
    donor = _base()
    apply_lora(donor, LoRAConfig(r=2, target_modules=["0"]))
    path = tmp_path / "adapter.safetensors"
    save_adapter(donor, path)
    state = mg.load(path, as_numpy=True, return_metadata=True)
    arrays, metadata = state
    arrays["0.lora_A"] = np.zeros((2, 9), np.float32)  # wrong in_features
    bad = tmp_path / "bad.safetensors"
    mg.save(arrays, bad, metadata=metadata)

    model = _base()
    before = weights(model)
    with pytest.raises(ValueError, match="^" + re.escape(f"{bad}: load_adapter")):
        load_adapter(model, bad)
    assert type(model[0]) is nn.Linear
    assert all(p.requires_grad for p in model.parameters())
    assert weights(model).keys() == before.keys()
    load_adapter(model, path)  # the good file still applies
    assert type(model[0]) is not nn.Linear


def test_optimizer_load_state_dict_is_all_or_nothing():
    model = nn.Linear(3, 1)
    opt = optim.Adam(model.parameters(), lr=0.1)
    model(mg.randn(4, 3)).sum().backward()
    opt.step()
    good = opt.state_dict()
    bad = opt.state_dict()
    bad["param_groups"][0]["lr"] = 0.5
    bad["state"][0]["exp_avg"] = np.zeros((9,), np.float32)
    with pytest.raises(ValueError):
        opt.load_state_dict(bad)
    assert opt.param_groups[0]["lr"] == 0.1
    assert repr(opt.state_dict()) == repr(good)


def test_sequential_lr_checks_every_inner_state_before_setting_any():
    model = nn.Linear(2, 1)
    opt = optim.SGD(model.parameters(), lr=1.0)
    first = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    second = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    seq = lr_scheduler.SequentialLR(opt, [first, second], milestones=[2])
    for _ in range(3):
        opt.step()
        seq.step()
    state = seq.state_dict()
    before = repr(state)
    state["last_epoch"] = 99
    state["_schedulers"][1] = {"bogus": 1}
    with pytest.raises(ValueError, match="unknown keys"):
        seq.load_state_dict(state)
    assert repr(seq.state_dict()) == before
