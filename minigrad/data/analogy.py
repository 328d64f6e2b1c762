"""A text corpus with planted analogies, so word vectors can be scored without downloads.

Each relation family (country/capital, male/female, singular/plural, ...) has ``n_pairs``
entity pairs, e.g. ``country3``/``capital3``. A sentence is about one entity and holds:

- the entity word;
- ``context_words`` words drawn from its pair's own topic (``topic3_0``, ``topic3_1``, ...),
  shared by both members of the pair: this is what tells pair 3 from pair 4;
- ``template_words`` words drawn from its role's templates (``country_t0``, ...), shared by
  every entity with that role: this carries the relation. With probability ``noise`` each
  template word comes from the other role of the family instead, which blurs the relation;
- ``filler_words`` words drawn from a Zipf-distributed filler vocabulary (``w0`` most common),

shuffled. So vec(capital_i) - vec(country_i) should be about the same for every i, and the
analogy questions "country_i capital_i country_j capital_j" (every ordered pair i != j of a
family) are answerable: more ``noise``, fewer sentences or more filler make them harder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

FAMILIES = [
    ("capital-common-countries", "country", "capital"),
    ("family", "male", "female"),
    ("gram8-plural", "noun", "plural"),
    ("gram7-past-tense", "verb", "past"),
    ("gram2-opposite", "pos", "neg"),
    ("gram3-comparative", "adj", "comp"),
    ("currency", "nation", "money"),
    ("city-in-state", "city", "state"),
]


@dataclass
class AnalogyCorpus:
    """The sentences (lists of tokens), the analogy questions by section, and each entity
    word's family (for colouring plots)."""

    sentences: list[list[str]]
    sections: list[tuple[str, list[tuple[str, str, str, str]]]]
    family_of: dict[str, str] = field(default_factory=dict)

    @property
    def n_questions(self) -> int:
        return sum(len(questions) for _, questions in self.sections)

    def write_questions(self, path: str | os.PathLike[str]) -> None:
        """Write the questions in the ``questions-words.txt`` format (``: section`` lines,
        then ``a b c d`` lines)."""
        with open(path, "w", encoding="utf-8") as f:
            for name, questions in self.sections:
                f.write(f": {name}\n")
                for q in questions:
                    f.write(" ".join(q) + "\n")

    def write_text(self, path: str | os.PathLike[str]) -> None:
        """Write the corpus, one sentence per line, tokens separated by spaces."""
        with open(path, "w", encoding="utf-8") as f:
            for sentence in self.sentences:
                f.write(" ".join(sentence) + "\n")


def make_analogy_corpus(n_sentences: int = 20_000, n_families: int = 4, n_pairs: int = 10,
                        context_words: int = 3, template_words: int = 3,
                        filler_words: int = 4, noise: float = 0.4, n_topic: int = 4,
                        n_templates: int = 6, filler_vocab: int = 2_000,
                        seed: int = 0) -> AnalogyCorpus:
    """Generate an `AnalogyCorpus` (see the module docstring for the construction).

    ``n_topic`` words per pair topic, ``n_templates`` words per role, ``filler_vocab``
    filler words with frequencies proportional to 1 / rank.

    >>> corpus = make_analogy_corpus(n_sentences=200, n_families=2, n_pairs=3, seed=1)
    >>> len(corpus.sentences), corpus.n_questions, corpus.sections[0][1][0]
    (200, 12, ('country0', 'capital0', 'country1', 'capital1'))
    """
    if not 1 <= n_families <= len(FAMILIES):
        raise ValueError(f"make_analogy_corpus: n_families must be in 1..{len(FAMILIES)}, "
                         f"got {n_families}")
    if n_pairs < 2 or n_sentences < 1 or not 0.0 <= noise <= 1.0:
        raise ValueError(f"make_analogy_corpus: need n_pairs >= 2, n_sentences >= 1 and noise "
                         f"in [0, 1], got {n_pairs}, {n_sentences}, {noise}")
    rng = np.random.default_rng(seed)
    families = FAMILIES[:n_families]
    fillers = np.array([f"w{i}" for i in range(filler_vocab)])
    zipf = 1.0 / np.arange(1, filler_vocab + 1)
    zipf /= zipf.sum()
    sentences = []
    for _ in range(n_sentences):
        f = int(rng.integers(n_families))
        name, role_a, role_b = families[f]
        pair = int(rng.integers(n_pairs))
        role = int(rng.integers(2))
        roles = (role_a, role_b)
        words = [f"{roles[role]}{pair}"]
        words += [f"{name[:3]}topic{pair}_{k}" for k in rng.integers(n_topic, size=context_words)]
        for k in rng.integers(n_templates, size=template_words):
            use = 1 - role if rng.random() < noise else role
            words.append(f"{roles[use]}_t{k}")
        if filler_words and filler_vocab:
            words += list(fillers[rng.choice(filler_vocab, size=filler_words, p=zipf)])
        order = rng.permutation(len(words))
        sentences.append([str(words[i]) for i in order])
    sections = []
    family_of = {}
    for name, role_a, role_b in families:
        questions = [(f"{role_a}{i}", f"{role_b}{i}", f"{role_a}{j}", f"{role_b}{j}")
                     for i in range(n_pairs) for j in range(n_pairs) if i != j]
        sections.append((name, questions))
        for i in range(n_pairs):
            family_of[f"{role_a}{i}"] = family_of[f"{role_b}{i}"] = name
    return AnalogyCorpus(sentences, sections, family_of)
