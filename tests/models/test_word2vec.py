"""Word2Vec (fast path) and SkipGram (autodiff path) on the planted-analogy corpus, and the
gensim-style KeyedVectors API, saving and the word2vec file format."""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels, optim
from minigrad.data.analogy import make_analogy_corpus
from minigrad.models import KeyedVectors, SkipGram, Word2Vec
from minigrad.models.word2vec import train_skipgram, vocab

SMALL = dict(n_sentences=6000, n_families=3, n_pairs=6, filler_vocab=300, noise=0.3)
SETTINGS = dict(vector_size=32, window=5, min_count=5, epochs=5)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    c = make_analogy_corpus(**SMALL, seed=0)
    path = tmp_path_factory.mktemp("w2v") / "questions-words.txt"
    c.write_questions(path)
    return c, path


@pytest.fixture(scope="module")
def fast_model(corpus):
    # the accuracy tests pin the numba kernel (the twin is compared with it on small inputs
    # below; on this corpus it would take minutes)
    with kernels.reference_mode(False):
        return Word2Vec(corpus[0].sentences, seed=1, **SETTINGS)


def test_fast_path_learns_the_planted_analogies(corpus, fast_model):
    score, sections = fast_model.wv.evaluate_word_analogies(corpus[1])
    assert score >= 0.7  # measured 0.89 (seed 1); chance is about 1 / vocabulary size
    assert [s["section"] for s in sections][-1] == "Total accuracy"
    assert len(sections[-1]["correct"]) + len(sections[-1]["incorrect"]) == corpus[0].n_questions
    neighbours = [w for w, _ in fast_model.wv.most_similar("country0", topn=10)]
    assert "capital0" in neighbours  # pair members share their topic words


def test_single_worker_runs_repeat_exactly_and_two_workers_learn_too(corpus, fast_model):
    with kernels.reference_mode(False):
        again = Word2Vec(corpus[0].sentences, seed=1, **SETTINGS)
        hogwild = Word2Vec(corpus[0].sentences, seed=1, workers=2, **SETTINGS)
    np.testing.assert_array_equal(again.wv.vectors, fast_model.wv.vectors)
    assert hogwild.wv.evaluate_word_analogies(corpus[1])[0] >= 0.7


def test_autodiff_path_reaches_the_fast_paths_accuracy(corpus, fast_model):
    mg.manual_seed(1)
    model = SkipGram(len(fast_model.wv), SETTINGS["vector_size"])
    assert model.in_embed.sparse and model.out_embed.sparse
    opt = optim.SGD(model.parameters(), lr=0.05)
    pairs = train_skipgram(model, corpus[0].sentences, fast_model.wv, opt, epochs=5, seed=1)
    assert pairs > 100_000
    wv = model.keyed_vectors(fast_model.wv.index_to_key)
    autodiff = wv.evaluate_word_analogies(corpus[1])[0]
    fast = fast_model.wv.evaluate_word_analogies(corpus[1])[0]
    assert autodiff >= 0.7  # measured 0.92
    assert abs(autodiff - fast) <= 0.15


def test_numpy_twin_trains_the_same_model():
    c = make_analogy_corpus(n_sentences=150, n_families=2, n_pairs=3, filler_vocab=20, seed=3)
    models = []
    for reference in (False, True):
        with kernels.reference_mode(reference):
            models.append(Word2Vec(c.sentences, vector_size=8, min_count=2, epochs=2, seed=4))
    assert np.abs(models[0].wv.vectors).max() > 0.2  # trained well away from the init
    np.testing.assert_allclose(models[0].wv.vectors, models[1].wv.vectors, rtol=1e-3,
                               atol=1e-5)
    np.testing.assert_allclose(models[0].syn1neg, models[1].syn1neg, rtol=1e-3, atol=1e-5)


def test_vocabulary_and_tables():
    counts, n_sentences, n_words = vocab.count_words([["a", "b", "a"], ["c", "a", "b"]],
                                                     None, "t")
    assert (counts, n_sentences, n_words) == ({"a": 3, "b": 2, "c": 1}, 2, 6)
    words, c = vocab.sorted_vocab(counts, min_count=2)
    assert words == ["a", "b"] and c.tolist() == [3, 2]
    pruned, _, _ = vocab.count_words([["a", "b", "a", "c", "d"]], 2, "t")
    assert pruned == {"a": 2}  # past 2 entries, the words seen once are dropped
    keep = vocab.keep_thresholds(np.array([1000, 1]), sample=1e-3)
    t = 1e-3 * 1001
    expected = min((np.sqrt(1000 / t) + 1) * t / 1000, 1.0)
    assert abs(int(keep[0]) / 2**32 - expected) < 1e-9 and keep[1] == 2**32
    table = vocab.noise_table(np.array([16, 1]), 0.75)
    share = table[0] / table[-1]
    assert abs(share - 8 / 9) < 1e-6  # 16^0.75 = 8 against 1


def _toy() -> KeyedVectors:
    wv = KeyedVectors(2)
    wv.add_vectors(["man", "woman", "king", "queen", "apple"],
                   np.array([[1, 0], [1, 1], [3, 0.1], [3, 3.2], [-1, 0.05]], np.float32))
    return wv


def test_keyed_vectors_queries(tmp_path):
    wv = _toy()
    assert wv.most_similar(positive=["woman", "king"], negative=["man"], topn=1)[0][0] == "queen"
    assert [w for w, _ in wv.most_similar("king", topn=4)][0] == "man"
    assert "king" not in [w for w, _ in wv.most_similar("king")]
    assert wv.doesnt_match(["man", "king", "apple"]) == "apple"
    assert abs(wv.similarity("man", "woman") - 1 / np.sqrt(2)) < 1e-6
    np.testing.assert_array_equal(wv["king"], np.array([3, 0.1], np.float32))
    assert wv[["man", "king"]].shape == (2, 2) and "queen" in wv and len(wv) == 5
    with pytest.raises(KeyError, match="'prince' not present"):
        wv["prince"]
    questions = tmp_path / "q.txt"
    questions.write_text(": royal\nman woman king queen\nking queen man woman\n"
                         ": unknown\nman woman prince princess\n")
    score, sections = wv.evaluate_word_analogies(questions)
    assert score == 1.0 and [len(s["correct"]) for s in sections] == [2, 0, 2]
    score, _ = wv.evaluate_word_analogies(questions, dummy4unknown=True)
    assert score == 2 / 3
    (tmp_path / "bad.txt").write_text(": s\nman woman king\n")
    with pytest.raises(ValueError, match="line 2 should hold 4 words"):
        wv.evaluate_word_analogies(tmp_path / "bad.txt")


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_round_trip(tmp_path, binary):
    wv = _toy()
    path = tmp_path / "vectors.bin"
    wv.save_word2vec_format(path, binary=binary)
    back = KeyedVectors.load_word2vec_format(path, binary=binary)
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)  # float32 written exactly
    assert KeyedVectors.load_word2vec_format(path, binary=binary, limit=2).index_to_key == \
        ["man", "woman"]
    if not binary:
        assert path.read_text().splitlines()[0] == "5 2"


def test_word2vec_format_errors(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("2 3\nfoo 1 2 3\nbar 1 2\n")
    with pytest.raises(ValueError, match="line 3 should hold a word and 3 numbers"):
        KeyedVectors.load_word2vec_format(bad)
    bad.write_text("hello\n")
    with pytest.raises(ValueError, match="first line must be"):
        KeyedVectors.load_word2vec_format(bad)
    bad.write_bytes(b"1 4\nfoo " + b"\0" * 6)
    with pytest.raises(ValueError, match="ends inside the vector"):
        KeyedVectors.load_word2vec_format(bad, binary=True)
    wv = KeyedVectors(1)
    wv.add_vectors(["two words"], np.ones((1, 1)))
    with pytest.raises(ValueError, match="whitespace"):
        wv.save_word2vec_format(tmp_path / "x.txt")


def test_gensim_reads_and_writes_our_format(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    wv = _toy()
    wv.save_word2vec_format(tmp_path / "ours.bin", binary=True)
    theirs = gensim_models.KeyedVectors.load_word2vec_format(tmp_path / "ours.bin", binary=True)
    np.testing.assert_array_equal(theirs["queen"], wv["queen"])
    theirs.save_word2vec_format(str(tmp_path / "theirs.txt"), binary=False)
    back = KeyedVectors.load_word2vec_format(tmp_path / "theirs.txt")
    np.testing.assert_allclose(back.vectors, wv.vectors, rtol=1e-6)


def test_save_load_and_continue_training(tmp_path, corpus):
    sentences = corpus[0].sentences[:500]
    model = Word2Vec(sentences, vector_size=8, min_count=2, epochs=1, seed=2)
    path = tmp_path / "model.safetensors"
    model.save(path)
    assert path.read_bytes()[8:9] == b"{"  # a safetensors JSON header, no pickle
    back = Word2Vec.load(path)
    np.testing.assert_array_equal(back.wv.vectors, model.wv.vectors)
    np.testing.assert_array_equal(back.syn1neg, model.syn1neg)
    assert back.wv.index_to_key == model.wv.index_to_key and back.window == model.window
    assert back.wv.get_vecattr("country0", "count") == model.wv.get_vecattr("country0", "count")
    back.train(sentences, total_examples=back.corpus_count, epochs=1)
    assert not np.array_equal(back.wv.vectors, model.wv.vectors)
    model.wv.save(tmp_path / "wv.safetensors")
    wv = KeyedVectors.load(tmp_path / "wv.safetensors")
    np.testing.assert_array_equal(wv.vectors, model.wv.vectors)
    mg.save({"weight": np.zeros(2, np.float32)}, tmp_path / "other.safetensors")
    with pytest.raises(ValueError, match="not a saved Word2Vec model"):
        Word2Vec.load(tmp_path / "other.safetensors")
    with pytest.raises(ValueError, match="holds no word vectors"):
        KeyedVectors.load(tmp_path / "other.safetensors")


def test_bad_arguments_are_refused():
    sentences = [["a", "b"]] * 10
    with pytest.raises(TypeError, match="re-iterable"):
        Word2Vec((s for s in sentences), min_count=1)
    with pytest.raises(TypeError, match="list of tokens"):
        Word2Vec(["a b c"], min_count=1)
    with pytest.raises(NotImplementedError, match="sg=1"):
        Word2Vec(sg=0)
    with pytest.raises(ValueError, match="window must be an int >= 1"):
        Word2Vec(window=0)
    with pytest.raises(ValueError, match="no word occurs min_count=50"):
        Word2Vec(sentences, min_count=50)
    model = Word2Vec(vector_size=4, min_count=1)
    with pytest.raises(RuntimeError, match="build the vocabulary first"):
        model.train(sentences, total_examples=10, epochs=1)
    model.build_vocab(sentences)
    with pytest.raises(ValueError, match="pass epochs and total_examples"):
        model.train(sentences)


def test_skipgram_pairs_follow_the_window_and_the_noise_distribution():
    from minigrad.models.word2vec import skipgram_pairs

    words = np.array([0, 1, 2, 3, 1, 2], np.int32)
    bounds = np.array([0, 4, 6])  # sentences [0 1 2 3] and [1 2]
    keep = np.full(4, vocab.KEEP_ALWAYS, np.uint64)
    table = vocab.noise_table(np.array([1, 16, 1, 1]), 0.75)  # word 1: 8 / 11 of the draws
    rng = np.random.default_rng(0)
    center, context, negatives = skipgram_pairs(words, bounds, keep, table, 1, 2000, rng)
    pairs = sorted(zip(center.tolist(), context.tolist()))
    assert pairs == sorted([(0, 1), (1, 0), (1, 2), (2, 1), (2, 3), (3, 2), (1, 2), (2, 1)])
    share = (negatives == 1).mean()
    assert abs(share - 8 / 11) < 0.01
    # (the window-1 list above has no pair across the sentence boundary, 3 -> 1)
    # a window of 3 reaches the far pairs of a 4-word sentence on some draws
    seen = set()
    for seed in range(20):
        c, x, _ = skipgram_pairs(words, bounds, keep, table, 3, 1, np.random.default_rng(seed))
        seen |= set(zip(c.tolist(), x.tolist()))
    assert (0, 3) in seen and (3, 0) in seen and (3, 1) in seen
    dropped = np.zeros(4, np.uint64)  # keep nothing: no examples
    assert skipgram_pairs(words, bounds, dropped, table, 2, 1, rng)[0].size == 0
