"""minigrad.data.digits: the synthetic 8x8 digit images."""

from __future__ import annotations

import numpy as np
import pytest

from minigrad import random as mgrandom
from minigrad.data.digits import glyph_bitmaps, load_digits


def test_shapes_dtypes_range_and_balance():
    X, y = load_digits(1000, generator=mgrandom.Generator(0))
    assert X.shape == (1000, 64) and X.dtype == np.float32
    assert y.shape == (1000,) and y.dtype == np.int64
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert np.bincount(y).tolist() == [100] * 10


def test_same_generator_seed_same_images_different_seed_different():
    a = load_digits(50, generator=mgrandom.Generator(3))
    b = load_digits(50, generator=mgrandom.Generator(3))
    c = load_digits(50, generator=mgrandom.Generator(4))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_default_generator_follows_manual_seed():
    import minigrad as mg

    mg.manual_seed(7)
    first = load_digits(20)
    mg.manual_seed(7)
    assert np.array_equal(first[0], load_digits(20)[0])


def test_no_jitter_no_noise_gives_one_clean_image_per_class():
    X, y = load_digits(40, noise=0.0, jitter=0.0, generator=mgrandom.Generator(0))
    for digit in range(10):
        images = X[y == digit]
        assert np.array_equal(images, np.repeat(images[:1], len(images), axis=0))
    means = np.stack([X[y == d][0] for d in range(10)])
    # ten distinct templates, each with real ink on a dark background
    assert len({m.tobytes() for m in means}) == 10
    assert np.all(means.max(axis=1) > 0.9) and np.all(means.mean(axis=1) < 0.6)


def test_clean_images_look_like_their_glyphs():
    glyphs = glyph_bitmaps()
    assert glyphs.shape == (10, 7, 5) and set(np.unique(glyphs)) == {0.0, 1.0}
    X, y = load_digits(10, noise=0.0, jitter=0.0, size=8, generator=mgrandom.Generator(0))
    one = X[y == 1][0].reshape(8, 8)
    # the 1's template has a full bottom bar: the brightest row is near the bottom
    assert int(np.argmax(one.sum(axis=1))) >= 6


def test_nearest_template_classifies_most_noisy_images():
    clean, labels = load_digits(10, noise=0.0, jitter=0.0, generator=mgrandom.Generator(0))
    templates = clean[np.argsort(labels)]
    X, y = load_digits(500, generator=mgrandom.Generator(1))
    distances = ((X[:, None, :] - templates[None]) ** 2).sum(axis=2)
    accuracy = np.mean(distances.argmin(axis=1) == y)
    assert 0.5 < accuracy < 1.0  # readable, yet not trivially identical to the templates


def test_n_class_and_size():
    X, y = load_digits(30, n_class=3, size=12, generator=mgrandom.Generator(0))
    assert X.shape == (30, 144) and set(y.tolist()) == {0, 1, 2}


@pytest.mark.parametrize("kwargs, error", [
    ({"n_samples": 0}, ValueError),
    ({"n_samples": 2.5}, TypeError),
    ({"n_class": 11}, ValueError),
    ({"n_class": 1}, ValueError),
    ({"size": 4}, ValueError),
    ({"noise": -0.1}, ValueError),
    ({"jitter": -1.0}, ValueError),
    ({"generator": np.random.default_rng(0)}, TypeError),
])
def test_bad_arguments_are_refused(kwargs, error):
    with pytest.raises(error, match="load_digits"):
        load_digits(**{"n_samples": 10, **kwargs})
