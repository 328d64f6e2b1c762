"""state_dict / load_state_dict: keys, round trips, strict errors, casting."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


def make_model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_keys_values_and_persistence():
    model = make_model()
    model[1].register_buffer("scratch", mg.zeros(1), persistent=False)
    sd = model.state_dict()
    assert list(sd) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                        "1.running_var", "1.num_batches_tracked", "3.weight", "3.bias"]
    assert all(type(v) is mg.Tensor and not v.requires_grad for v in sd.values())
    assert not sd["0.weight"].requires_grad  # detached, sharing memory:
    assert np.shares_memory(sd["0.weight"].numpy(), model[0].weight.detach().numpy())
    kept = model.state_dict(keep_vars=True)
    assert kept["0.weight"] is model[0].weight
    assert list(model.state_dict(prefix="net."))[0] == "net.0.weight"


def test_shared_parameter_appears_under_every_name():
    a = nn.Linear(2, 2)
    model = nn.Sequential(a, a)
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    model.load_state_dict(model.state_dict())


def test_round_trip_gives_same_outputs():
    mg.manual_seed(0)
    source = make_model()
    x = mg.randn(5, 3)
    source(x)  # updates batch-norm running stats
    source.eval()
    snapshot = {k: v.clone() for k, v in source.state_dict().items()}
    mg.manual_seed(1)
    target = make_model().eval()
    assert not np.allclose(target(x).detach().numpy(), source(x).detach().numpy())
    result = target.load_state_dict(snapshot)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_array_equal(target(x).detach().numpy(), source(x).detach().numpy())
    assert int(target[1].num_batches_tracked.item()) == 1


def test_load_copies_in_place_and_keeps_identity():
    model = nn.Linear(2, 2)
    weight = model.weight
    data = weight.detach().numpy()
    model.load_state_dict({"weight": np.ones((2, 2)), "bias": mg.zeros(2)})
    assert model.weight is weight and np.shares_memory(model.weight.detach().numpy(), data)
    np.testing.assert_array_equal(data, np.ones((2, 2)))
    assert model.weight.dtype == np.float32  # float64 values cast to the parameter's dtype
    assert model.weight.requires_grad


def test_strict_error_lists_missing_unexpected_and_mismatched_together():
    model = make_model()
    sd = dict(model.state_dict())
    del sd["0.bias"]
    sd["extra.weight"] = mg.zeros(1)
    sd["3.weight"] = mg.zeros(5, 4)
    before = model[3].weight.detach().numpy().copy()
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(sd)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Sequential" in message
    assert 'Missing key(s) in state_dict: "0.bias"' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in message
    assert "size mismatch for 3.weight" in message
    assert "(5, 4)" in message and "(2, 4)" in message
    np.testing.assert_array_equal(model[3].weight.detach().numpy(), before)  # nothing was copied


def test_non_strict_returns_the_incompatible_keys_but_shape_mismatch_still_raises():
    model = nn.Linear(2, 2)
    result = model.load_state_dict({"weight": mg.ones(2, 2), "other": mg.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["other"]
    missing, unexpected = result
    assert missing == ["bias"]
    np.testing.assert_array_equal(model.weight.detach().numpy(), np.ones((2, 2)))
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        model.load_state_dict({"weight": mg.ones(3, 2)}, strict=False)


def test_bad_values_are_refused():
    model = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="'weight' must be a Tensor or a numpy.ndarray"):
        model.load_state_dict({"weight": [[1, 2], [3, 4]], "bias": mg.zeros(2)})
    with pytest.raises(TypeError, match="expected a dict"):
        model.load_state_dict([1, 2])


def test_round_trip_through_mg_save(tmp_path):
    model = make_model()
    path = tmp_path / "m.safetensors"
    mg.save(model.state_dict(), path)
    other = make_model()
    other.load_state_dict(mg.load(path))
    for (k1, v1), (k2, v2) in zip(model.state_dict().items(), other.state_dict().items()):
        assert k1 == k2
        np.testing.assert_array_equal(v1.detach().numpy(), v2.detach().numpy())
