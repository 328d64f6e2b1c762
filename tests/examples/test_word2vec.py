"""examples/word2vec.py --quick: both training paths learn the planted analogies, as its
docstring and docs/word2vec.md state (measured 0.89 fast, 0.92 autodiff; asserted >= 0.7)."""

from __future__ import annotations

import os

import pytest

from minigrad.models import KeyedVectors, Word2Vec


@pytest.fixture(scope="module")
def run(load_example, tmp_path_factory):
    out = tmp_path_factory.mktemp("word2vec")
    return load_example("word2vec.py")["main"](quick=True, out_dir=str(out), verbose=False), out


def test_both_paths_reach_the_stated_accuracy(run):
    results, _ = run
    assert results["fast"]["accuracy"] >= 0.7
    assert results["autodiff"]["accuracy"] >= 0.7
    assert min(results["fast"]["per_family"].values()) >= 0.5
    assert abs(results["fast"]["accuracy"] - results["autodiff"]["accuracy"]) <= 0.15


def test_outputs_load_back(run):
    results, out = run
    model = Word2Vec.load(os.path.join(out, "model.safetensors"))
    text = KeyedVectors.load_word2vec_format(os.path.join(out, "vectors.txt"))
    assert text.index_to_key == model.wv.index_to_key
    assert abs(model.wv.evaluate_word_analogies(results["questions"])[0]
               - results["fast"]["accuracy"]) < 1e-12
    if results["picture"] is not None:
        assert os.path.getsize(results["picture"]) > 10_000
