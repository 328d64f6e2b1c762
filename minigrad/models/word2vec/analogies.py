"""Analogy questions in the ``questions-words.txt`` format, and their evaluation (3CosAdd).

The file has section lines ``": name"`` followed by questions ``"a b c d"``, read as
"a is to b as c is to d". A question is answered by the word whose normalised vector is
closest (by cosine) to ``b - a + c`` (each normalised), the three query words excluded.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

Question = tuple[str, str, str, str]


def read_questions(path: str | os.PathLike[str]) -> list[tuple[str, list[Question]]]:
    """Sections of a questions file: ``[(section name, [(a, b, c, d), ...]), ...]``."""
    name = os.fspath(path)
    sections: list[tuple[str, list[Question]]] = []
    with open(name, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(":"):
                sections.append((line[1:].strip(), []))
                continue
            words = line.split()
            if len(words) != 4:
                raise ValueError(f"evaluate_word_analogies: {name}: line {number} should hold "
                                 f"4 words, got {len(words)}: {line[:60]!r}")
            if not sections:
                raise ValueError(f"evaluate_word_analogies: {name}: line {number} comes before "
                                 "the first ': section' line")
            sections[-1][1].append((words[0], words[1], words[2], words[3]))
    return sections


def answer(unit: np.ndarray, queries: np.ndarray, batch: int = 512) -> np.ndarray:
    """Index of the best row of ``unit`` for each query ``(a, b, c)`` of ``queries``
    (int, shape (Q, 3)): argmax of cos(w, b) - cos(w, a) + cos(w, c), w not in {a, b, c}."""
    best = np.empty(len(queries), dtype=np.int64)
    for start in range(0, len(queries), batch):
        q = queries[start:start + batch]
        target = unit[q[:, 1]] - unit[q[:, 0]] + unit[q[:, 2]]
        target /= np.maximum(np.linalg.norm(target, axis=1, keepdims=True), 1e-12)
        scores = target @ unit.T
        rows = np.arange(len(q))[:, None]
        scores[rows, q] = -np.inf
        best[start:start + batch] = scores.argmax(axis=1)
    return best


def evaluate(unit: np.ndarray, index_to_key: list[str], path: str | os.PathLike[str],
             restrict_vocab: int, case_insensitive: bool,
             dummy4unknown: bool) -> tuple[float, list[dict[str, Any]]]:
    """gensim's ``evaluate_word_analogies`` on unit-normalised vectors: see KeyedVectors."""
    keys = index_to_key[:restrict_vocab]
    fold = str.upper if case_insensitive else str
    lookup: dict[str, int] = {}
    for i in reversed(range(len(keys))):  # the most frequent spelling wins after folding
        lookup[fold(keys[i])] = i
    sections = []
    for name, questions in read_questions(path):
        known = [q for q in questions if all(fold(w) in lookup for w in q)]
        unknown = [q for q in questions if not all(fold(w) in lookup for w in q)]
        section: dict[str, Any] = {"section": name, "correct": [], "incorrect": []}
        if known:
            ids = np.array([[lookup[fold(w)] for w in q[:3]] for q in known], dtype=np.int64)
            predicted = answer(unit[:len(keys)], ids)
            for q, p in zip(known, predicted):
                hit = fold(keys[p]) == fold(q[3])
                section["correct" if hit else "incorrect"].append(q)
        if dummy4unknown:
            section["incorrect"].extend(unknown)
        sections.append(section)
    total = {
        "section": "Total accuracy",
        "correct": [q for s in sections for q in s["correct"]],
        "incorrect": [q for s in sections for q in s["incorrect"]],
    }
    n = len(total["correct"]) + len(total["incorrect"])
    score = len(total["correct"]) / n if n else 0.0
    sections.append(total)
    return score, sections
