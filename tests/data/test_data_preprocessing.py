"""StandardScaler and MinMaxScaler against hand-computed values."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import MinMaxScaler, NotFittedError, StandardScaler

# feature 0: mean 2, population std sqrt(8/3); feature 1: constant 5
TRAIN = np.array([[0.0, 5.0], [2.0, 5.0], [4.0, 5.0]])


def test_standard_scaler_statistics_and_transform():
    scaler = StandardScaler().fit(TRAIN)
    np.testing.assert_allclose(scaler.mean_, [2.0, 5.0])
    np.testing.assert_allclose(scaler.var_, [8 / 3, 0.0])
    np.testing.assert_allclose(scaler.scale_, [np.sqrt(8 / 3), 1.0])  # zero variance -> 1
    out = scaler.transform(np.array([[6.0, 7.0]]))
    np.testing.assert_allclose(out, [[4 / np.sqrt(8 / 3), 2.0]])
    np.testing.assert_allclose(scaler.fit_transform(TRAIN)[:, 1], [0.0, 0.0, 0.0])


def test_standard_scaler_fits_on_train_only():
    scaler = StandardScaler().fit(TRAIN)
    test = np.array([[100.0, 5.0], [102.0, 5.0]])
    out = scaler.transform(test)
    np.testing.assert_allclose(scaler.mean_, [2.0, 5.0])  # untouched by transform
    np.testing.assert_allclose(out[:, 0], (test[:, 0] - 2.0) / np.sqrt(8 / 3))


def test_standard_scaler_options():
    centred = StandardScaler(with_std=False).fit(TRAIN)
    np.testing.assert_allclose(centred.transform(TRAIN)[:, 0], [-2.0, 0.0, 2.0])
    scaled = StandardScaler(with_mean=False).fit(TRAIN)
    np.testing.assert_allclose(scaled.transform(TRAIN)[:, 0], TRAIN[:, 0] / np.sqrt(8 / 3))


def test_minmax_scaler_hand_values():
    scaler = MinMaxScaler().fit(TRAIN)
    np.testing.assert_allclose(scaler.data_min_, [0.0, 5.0])
    np.testing.assert_allclose(scaler.data_max_, [4.0, 5.0])
    np.testing.assert_allclose(
        scaler.transform(np.array([[1.0, 5.0], [8.0, 6.0]])), [[0.25, 0.0], [2.0, 1.0]]
    )
    ranged = MinMaxScaler(feature_range=(-1, 1)).fit(TRAIN)
    np.testing.assert_allclose(ranged.transform(TRAIN)[:, 0], [-1.0, 0.0, 1.0])
    np.testing.assert_allclose(ranged.transform(TRAIN)[:, 1], [-1.0, -1.0, -1.0])
    clipped = MinMaxScaler(clip=True).fit(TRAIN)
    np.testing.assert_allclose(clipped.transform(np.array([[8.0, 5.0]])), [[1.0, 0.0]])


@pytest.mark.parametrize("scaler", [StandardScaler(), MinMaxScaler(feature_range=(2, 3))])
def test_inverse_transform_round_trips(scaler):
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(20, 4))
    X[:, 2] = 7.0
    back = scaler.fit(X).inverse_transform(scaler.transform(X))
    np.testing.assert_allclose(back, X, rtol=1e-12, atol=1e-12)


def test_scalers_return_the_kind_they_are_given():
    scaler = StandardScaler().fit(mg.tensor(TRAIN.astype(np.float32)))
    out = scaler.transform(mg.tensor(TRAIN.astype(np.float32)))
    assert isinstance(out, mg.Tensor) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy()[:, 0], [-np.sqrt(1.5), 0.0, np.sqrt(1.5)], rtol=1e-6)
    plain = scaler.transform(TRAIN)
    assert isinstance(plain, np.ndarray) and plain.dtype == np.float64
    assert MinMaxScaler().fit_transform(np.array([[1], [3]])).dtype == np.float64


def test_transform_before_fit_is_a_clear_error():
    with pytest.raises(NotFittedError, match="not fitted yet.*before transform"):
        StandardScaler().transform(TRAIN)
    with pytest.raises(ValueError, match="not fitted"):
        MinMaxScaler().inverse_transform(TRAIN)


def test_feature_count_mismatch_names_both_counts():
    scaler = StandardScaler().fit(TRAIN)
    with pytest.raises(ValueError, match="X has 3 features, but StandardScaler was fitted with 2"):
        scaler.transform(np.zeros((1, 3)))


def test_bad_inputs():
    with pytest.raises(ValueError, match="2-D.*reshape"):
        StandardScaler().fit(np.arange(3.0))
    with pytest.raises(ValueError, match="no samples"):
        MinMaxScaler().fit(np.zeros((0, 2)))
    with pytest.raises(TypeError, match="numeric"):
        StandardScaler().fit(np.array([["a"]]))
    with pytest.raises(ValueError, match="feature_range"):
        MinMaxScaler(feature_range=(1, 0))


def test_one_hot_has_one_owner():
    import minigrad.data

    assert not hasattr(minigrad.data, "one_hot")  # F.one_hot is the one (an int64 Tensor)
