"""Integer dict keys round-trip through mg.save / mg.load (optimizer state dicts need them)."""

import json

import numpy as np
import pytest

import minigrad as mg
import minigrad.io as mio
from minigrad.optim import SGD, Adam
from minigrad.optim.lr_scheduler import OneCycleLR, ReduceLROnPlateau, WarmupCosineLR


def roundtrip(obj, tmp_path, **kwargs):
    path = tmp_path / "m.safetensors"
    mio.save(obj, path)
    return mio.load(path, **kwargs)


def test_int_keys_come_back_as_ints_and_str_keys_as_str(tmp_path):
    state = {"state": {0: {"step": 2, "m": np.arange(3.0)}, 10: {"step": 1}},
             "mixed": {1: "one", "1": "str one", -5: None}}
    out = roundtrip(state, tmp_path, as_numpy=True)
    assert list(out["state"]) == [0, 10]
    assert all(type(k) is int for k in out["state"])
    assert out["mixed"] == {1: "one", "1": "str one", -5: None}
    assert list(out["mixed"]) == [1, "1", -5]           # order kept
    np.testing.assert_array_equal(out["state"][0]["m"], np.arange(3.0))


def test_int_keys_are_typed_in_the_structure_and_name_tensors_by_path(tmp_path):
    path = tmp_path / "m.safetensors"
    mio.save({"state": {0: {"exp_avg": np.zeros(2, np.float32)}}}, path)
    header = mio.safetensors_header(path)
    assert "state.0.exp_avg" in header
    structure = json.loads(header["__metadata__"]["minigrad.structure"])
    assert structure["root"]["dict"][0][1]["dict"][0][0] == 0   # a JSON number, not "0"


def test_numpy_integer_keys_are_stored_as_int(tmp_path):
    out = roundtrip({"s": {np.int64(3): 1.5}}, tmp_path, as_numpy=True)
    assert out == {"s": {3: 1.5}} and type(next(iter(out["s"]))) is int


def test_int_and_str_keys_that_flatten_to_one_tensor_name_are_refused(tmp_path):
    with pytest.raises(ValueError, match=r"obj\['s'\]\['0'\] and obj\['s'\]\[0\] would both "
                                         r"be stored as the tensor 's.0'"):
        mio.save({"s": {"0": np.zeros(1), 0: np.zeros(1)}}, tmp_path / "m.safetensors")


@pytest.mark.parametrize("key", [True, 1.5, (0, 1), None])
def test_other_key_types_are_still_refused(tmp_path, key):
    with pytest.raises(TypeError, match="dict keys must be str or int"):
        mio.save({"s": {key: 1}}, tmp_path / "m.safetensors")


def test_adam_state_dict_through_a_file_resumes_bit_identically(tmp_path):
    def grads(t):
        return [np.sin(np.arange(6.0) + t).reshape(2, 3).astype(np.float32),
                np.cos(np.arange(3.0) * t).astype(np.float32)]

    def step(opt, params, t):
        for p, g in zip(params, grads(t)):
            p.grad = mg.tensor(g)
        opt.step()

    start = [np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3),
             np.array([0.5, 0.0, -0.5], np.float32)]
    params = [mg.tensor(a, requires_grad=True) for a in start]
    opt = Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.01}], lr=0.1,
               amsgrad=True)
    for t in range(2):
        step(opt, params, t)
    mg.save({"optimizer": opt.state_dict()}, tmp_path / "ckpt.safetensors")
    loaded = mg.load(tmp_path / "ckpt.safetensors")["optimizer"]
    assert list(loaded["state"]) == [0, 1] and loaded["state"][0]["step"] == 2
    assert loaded["param_groups"][0]["betas"] == (0.9, 0.999)

    copies = [mg.tensor(p.detach().numpy().copy(), requires_grad=True) for p in params]
    resumed = Adam([{"params": [copies[0]]}, {"params": [copies[1]], "lr": 0.5}], lr=0.5,
                   amsgrad=True)
    resumed.load_state_dict(loaded)
    assert [g["lr"] for g in resumed.param_groups] == [0.1, 0.01]
    step(opt, params, 2)
    step(resumed, copies, 2)
    for p, q in zip(params, copies):
        assert q.dtype == np.float32
        assert p.detach().numpy().tobytes() == q.detach().numpy().tobytes()


def test_sgd_state_without_entries_round_trips(tmp_path):
    opt = SGD([mg.zeros(2, requires_grad=True)], lr=0.1)
    out = roundtrip({"optimizer": opt.state_dict()}, tmp_path)
    assert out["optimizer"]["state"] == {}
    assert out["optimizer"]["param_groups"][0]["params"] == [0]


def test_scheduler_state_dicts_round_trip_including_infinity(tmp_path):
    opt = Adam([mg.zeros(1, requires_grad=True)], lr=0.1)
    plateau = ReduceLROnPlateau(opt)
    cycle = OneCycleLR(opt, max_lr=1.0, total_steps=10)
    warm = WarmupCosineLR(opt, warmup_steps=2, total_steps=10, min_lr=[0.01])
    state = {"plateau": plateau.state_dict(), "cycle": cycle.state_dict(),
             "warm": warm.state_dict()}
    out = roundtrip(state, tmp_path)
    assert out == state
    assert out["plateau"]["best"] == float("inf")
