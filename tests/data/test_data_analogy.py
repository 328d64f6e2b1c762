"""The planted-analogy corpus generator."""

from __future__ import annotations

from collections import Counter

import pytest

from minigrad.data.analogy import make_analogy_corpus
from minigrad.models.word2vec.analogies import read_questions


def test_structure_and_questions(tmp_path):
    c = make_analogy_corpus(n_sentences=500, n_families=3, n_pairs=4, context_words=2,
                            template_words=3, filler_words=1, seed=5)
    assert len(c.sentences) == 500
    assert all(len(s) == 1 + 2 + 3 + 1 for s in c.sentences)
    assert c.n_questions == 3 * 4 * 3  # every ordered pair i != j of each family
    path = tmp_path / "questions-words.txt"
    c.write_questions(path)
    sections = read_questions(path)
    assert [name for name, _ in sections] == [name for name, _ in c.sections]
    assert sections[1][1][0] == ("male0", "female0", "male1", "female1")
    entities = Counter(w for s in c.sentences for w in s if w in c.family_of)
    assert set(entities) == set(c.family_of)  # every entity word occurs
    assert sum(entities.values()) == 500  # exactly one entity per sentence
    c.write_text(tmp_path / "corpus.txt")
    assert (tmp_path / "corpus.txt").read_text().count("\n") == 500


def test_noise_moves_templates_to_the_other_role():
    def wrong_share(noise):
        c = make_analogy_corpus(n_sentences=2000, n_families=1, noise=noise, seed=1)
        wrong = total = 0
        for s in c.sentences:
            role = "country" if any(w.startswith("country") and "_" not in w for w in s) \
                else "capital"
            templates = [w for w in s if "_t" in w]
            wrong += sum(not w.startswith(role) for w in templates)
            total += len(templates)
        return wrong / total

    assert wrong_share(0.0) == 0.0
    assert abs(wrong_share(0.3) - 0.3) < 0.03


def test_same_seed_same_corpus_and_bad_arguments():
    a = make_analogy_corpus(n_sentences=50, seed=2)
    assert a.sentences == make_analogy_corpus(n_sentences=50, seed=2).sentences
    assert a.sentences != make_analogy_corpus(n_sentences=50, seed=3).sentences
    with pytest.raises(ValueError, match="n_families must be in 1..8"):
        make_analogy_corpus(n_families=9)
    with pytest.raises(ValueError, match="noise in"):
        make_analogy_corpus(noise=1.5)
