"""Synthetic handwritten-looking digits: small grayscale images of 0-9 that ship with minigrad.

Each digit starts from a hand-drawn 5x7 bitmap. Every sample redraws it with its own
random affine transform (scale, shear, rotation, shift), stroke thickness and
pixel noise, sampled onto a ``size x size`` grid, so no two images are alike but
each stays readable. It plays the role of scikit-learn's bundled 8x8 digits for
examples that must run without extra downloads.

>>> from minigrad import random as mgrandom
>>> X, y = load_digits(100, generator=mgrandom.Generator(0))
>>> X.shape, X.dtype, y.dtype, float(X.min()) >= 0.0, float(X.max()) <= 1.0
((100, 64), dtype('float32'), dtype('int64'), True, True)
>>> sorted(set(y.tolist())) == list(range(10))
True
"""

from __future__ import annotations

import numpy as np

from minigrad import random as mgrandom
from minigrad.data._utils import check_positive_int, check_random_generator

# 7 rows by 5 columns, '#' is ink.
GLYPHS = {
    0: [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
    1: ["..#..", ".##..", "#.#..", "..#..", "..#..", "..#..", "#####"],
    2: [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
    3: ["####.", "....#", "....#", ".###.", "....#", "....#", "####."],
    4: ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
    5: ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
    6: ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
    7: ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
    8: [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
    9: [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
}


def glyph_bitmaps() -> np.ndarray:
    """The ten template bitmaps as a float32 array (10, 7, 5) of 0s and 1s."""
    return np.array(
        [[[c == "#" for c in row] for row in GLYPHS[d]] for d in range(10)], dtype=np.float32
    )


def load_digits(
    n_samples: int = 2000,
    *,
    n_class: int = 10,
    size: int = 8,
    noise: float = 0.1,
    jitter: float = 1.0,
    generator: mgrandom.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_samples`` images of the digits ``0 .. n_class - 1``, classes in equal shares.

    Returns ``X`` float32 of shape (n_samples, size * size), pixel intensities in [0, 1]
    (ink is bright, rows of the image laid out one after another), and ``y`` int64 labels,
    shuffled. ``noise`` is the standard deviation of Gaussian pixel noise; ``jitter``
    scales every random distortion (0 gives the clean, centred templates). Draws from
    ``generator`` (a ``minigrad.random.Generator``) or minigrad's default generator.
    """
    where = "load_digits"
    check_positive_int(n_samples, "n_samples", where)
    check_positive_int(n_class, "n_class", where, minimum=2)
    check_positive_int(size, "size", where, minimum=6)
    if n_class > 10:
        raise ValueError(f"{where}: n_class must be between 2 and 10, got {n_class}")
    if noise is None or noise < 0 or jitter is None or jitter < 0:
        raise ValueError(f"{where}: noise and jitter must be >= 0, got {noise} and {jitter}")
    check_random_generator(generator, where)
    rng = mgrandom.rng(generator)
    y = rng.permutation(np.arange(n_samples) % n_class).astype(np.int64)
    images = _render(glyph_bitmaps()[y], size, jitter, rng)
    if noise > 0:
        images += noise * rng.standard_normal(images.shape)
    X = np.clip(images, 0.0, 1.0).reshape(n_samples, size * size)
    return X.astype(np.float32), y


def _render(glyphs: np.ndarray, size: int, jitter: float, rng: np.random.Generator) -> np.ndarray:
    """Sample each (7, 5) glyph through its own random affine map onto a size x size grid."""
    n = len(glyphs)
    pixel = size / 8.0  # one glyph cell is about one pixel of an 8x8 image
    scale_y = pixel * 0.95 * (1 + 0.10 * jitter * rng.standard_normal(n))
    scale_x = pixel * 1.20 * (1 + 0.10 * jitter * rng.standard_normal(n))
    angle = 0.12 * jitter * rng.standard_normal(n)
    shear = 0.15 * jitter * rng.standard_normal(n)
    shift = 0.5 * pixel * jitter * rng.standard_normal((n, 2))
    thickness = 0.5 + 0.12 * jitter * rng.standard_normal(n)

    # Output pixel centres, 2x2 supersampled, relative to the image centre.
    offsets = (np.arange(2 * size) + 0.5) / 2 - size / 2
    py, px = np.meshgrid(offsets, offsets, indexing="ij")
    py = py[None] - shift[:, 0, None, None]
    px = px[None] - shift[:, 1, None, None]
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    ry = cos * py - sin * px
    rx = sin * py + cos * px + shear[:, None, None] * py
    # Back to glyph coordinates: row 0..6 and column 0..4 are the cell centres.
    gy = ry / scale_y[:, None, None] + 3.0
    gx = rx / scale_x[:, None, None] + 2.0
    ink = _bilinear(glyphs, gy, gx)
    # A soft threshold turns the blurred glyph into strokes of varying width.
    strokes = np.clip((ink - (1 - thickness[:, None, None])) / 0.35 + 0.5, 0.0, 1.0)
    return strokes.reshape(n, size, 2, size, 2).mean(axis=(2, 4))


def _bilinear(glyphs: np.ndarray, gy: np.ndarray, gx: np.ndarray) -> np.ndarray:
    """Bilinear samples of each glyph at (gy, gx); outside the glyph is blank."""
    padded = np.pad(glyphs, ((0, 0), (1, 1), (1, 1)))
    h, w = padded.shape[1:]
    y = np.clip(gy + 1, 0, h - 1.001)
    x = np.clip(gx + 1, 0, w - 1.001)
    y0, x0 = np.floor(y).astype(np.int64), np.floor(x).astype(np.int64)
    fy, fx = y - y0, x - x0
    rows = np.arange(len(glyphs))[:, None, None]

    def at(dy: int, dx: int) -> np.ndarray:
        return padded[rows, y0 + dy, x0 + dx]

    top = at(0, 0) * (1 - fx) + at(0, 1) * fx
    bottom = at(1, 0) * (1 - fx) + at(1, 1) * fx
    return top * (1 - fy) + bottom * fy
