"""The word2vec C tool's vector file format, text and binary, as every other tool reads it.

Text: a header line ``"<count> <dim>"``, then one line per word: the word and ``dim`` numbers
separated by spaces. Binary: the same header line, then per word the word's UTF-8 bytes, a
space, ``dim`` little-endian float32 values and a newline.
"""

from __future__ import annotations

import os
from typing import BinaryIO

import numpy as np

from ...io.atomic import atomic_write

FLOAT32_LE = np.dtype("<f4")


def write_word2vec(path: str | os.PathLike[str], words: list[str], vectors: np.ndarray,
                   binary: bool) -> None:
    """Write ``vectors`` (N, D), row i for ``words[i]``, atomically to ``path``."""
    for word in words:
        if not word or any(ch.isspace() for ch in word):
            raise ValueError(f"save_word2vec_format: the word {word!r} is empty or contains "
                             "whitespace, which the format cannot represent")
    n, dim = vectors.shape
    with atomic_write(path) as f:
        f.write(f"{n} {dim}\n".encode())
        if binary:
            values = np.ascontiguousarray(vectors, dtype=FLOAT32_LE)
            for word, row in zip(words, values):
                f.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")
        else:
            for word, row in zip(words, vectors.astype(np.float32)):
                numbers = " ".join(f"{float(v):.9g}" for v in row)  # float32 round-trips
                f.write(f"{word} {numbers}\n".encode())


def read_word2vec(path: str | os.PathLike[str], binary: bool, limit: int | None,
                  encoding: str, unicode_errors: str,
                  dtype: np.dtype) -> tuple[list[str], np.ndarray]:
    """Words and vectors (N, D) from a word2vec-format file; ValueError naming the file and
    the line or word where it is malformed."""
    name = os.fspath(path)
    with open(name, "rb") as f:
        header = f.readline().decode(encoding, unicode_errors).split()
        if len(header) != 2 or not all(h.isdigit() for h in header):
            raise ValueError(f"load_word2vec_format: {name}: the first line must be "
                             f"'<count> <dim>', got {' '.join(header)[:60]!r}")
        count, dim = int(header[0]), int(header[1])
        if limit is not None:
            count = min(count, int(limit))
        reader = _read_binary if binary else _read_text
        words, vectors = reader(f, name, count, dim, encoding, unicode_errors)
    if len(set(words)) != len(words):
        raise ValueError(f"load_word2vec_format: {name}: a word appears twice")
    return words, vectors.astype(dtype, copy=False)


def _read_text(f: BinaryIO, name: str, count: int, dim: int, encoding: str,
               unicode_errors: str) -> tuple[list[str], np.ndarray]:
    words = []
    vectors = np.empty((count, dim), np.float32)
    for i in range(count):
        line = f.readline()
        parts = line.decode(encoding, unicode_errors).rstrip().split(" ")
        if len(parts) != dim + 1:
            what = "the file ends" if not line else f"it has {len(parts) - 1} numbers"
            raise ValueError(f"load_word2vec_format: {name}: line {i + 2} should hold a word "
                             f"and {dim} numbers, but {what}")
        try:
            vectors[i] = [float(x) for x in parts[1:]]
        except ValueError:
            raise ValueError(f"load_word2vec_format: {name}: line {i + 2} has a value that is "
                             "not a number") from None
        words.append(parts[0])
    return words, vectors


def _read_binary(f: BinaryIO, name: str, count: int, dim: int, encoding: str,
                 unicode_errors: str) -> tuple[list[str], np.ndarray]:
    words = []
    vectors = np.empty((count, dim), np.float32)
    width = dim * FLOAT32_LE.itemsize
    for i in range(count):
        raw = bytearray()
        while True:
            ch = f.read(1)
            if not ch:
                raise ValueError(f"load_word2vec_format: {name}: the file ends in word {i + 1} "
                                 f"of {count}")
            if ch == b" ":
                break
            if ch != b"\n":  # the newline after the previous vector
                raw += ch
        data = f.read(width)
        if len(data) != width:
            raise ValueError(f"load_word2vec_format: {name}: the file ends inside the vector "
                             f"of word {i + 1} of {count}")
        words.append(raw.decode(encoding, unicode_errors))
        vectors[i] = np.frombuffer(data, FLOAT32_LE)
    return words, vectors
