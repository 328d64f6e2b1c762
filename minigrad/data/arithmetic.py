"""Arithmetic as text: a small, exactly checkable task for training a GPT.

A problem is a ``(prompt, answer)`` pair of strings, e.g. ``("23+45=", "68")``.
The model reads ``prompt + answer + eos`` and learns to predict the answer and
the end-of-sequence marker; the loss covers only those tokens.

>>> task = ArithmeticTask(op="+", digits=2, seed=0)
>>> len(task.train), len(task.val), len(task.test)  # all 100 * 100 sums, split 80/10/10
(8000, 1000, 1000)
>>> x, y = task.encode_batch(task.train[:32])  # int64, shape (32, task.block_size)
>>> # train: loss = F.cross_entropy(logits, y)  (ignore_index=-100 skips the prompt)
>>> # generate: prompts -> model -> ids; answers = task.decode_answers(ids)
>>> task.exact_match([answer for _, answer in task.test], task.test)
1.0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from minigrad import random as mgrandom
from minigrad.data._utils import as_array
from minigrad.data.text import CharTokenizer

ALPHABET = "0123456789+-*="
IGNORE_INDEX = -100
PAD_TOKEN = "<pad>"
_MAX_PROBLEMS = 10**7
_APPLY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}

Problem = tuple[str, str]


class ArithmeticTask:
    """All ``a op b`` problems for the given digit counts, split into train/val/test.

    Args:
        op: one or more of ``"+"``, ``"-"``, ``"*"`` (e.g. ``"+-"``). Subtraction
            keeps ``a >= b``, so answers are never negative.
        digits: ``d`` for operands 0 .. ``10**d - 1``, or ``(lo, hi)`` for
            operands with lo to hi digits (``(2, 2)``: 10 .. 99).
        reverse_answer: write the answer least-significant digit first
            ("23+49=" -> "27"), which a left-to-right model finds easier.
        pad: zero-pad operands and answers to fixed widths ("03+45=" -> "048"),
            so every sequence has the same length.
        eos: the end-of-sequence character appended after the answer.
        split: train/val/test fractions. The split is one seeded permutation
            of the problems, so no problem is in two splits.
        max_problems: keep only this many distinct problems (a seeded sample).
        seed: fixes the permutation (and sample), hence the split.

    Attributes: ``train``, ``val``, ``test`` (lists of ``(prompt, answer)``),
    ``tokenizer`` (a ``CharTokenizer`` over digits, ``+-*=``, ``eos`` and a
    ``<pad>`` special token with id 0), ``block_size`` (the longest input
    sequence, ``len(prompt + answer + eos) - 1``) and ``max_answer_tokens``
    (answer plus eos: how many tokens to generate).
    """

    def __init__(
        self,
        op: str | Sequence[str] = "+",
        digits: int | tuple[int, int] = 2,
        *,
        reverse_answer: bool = False,
        pad: bool = False,
        eos: str = ".",
        split: tuple[float, float, float] = (0.8, 0.1, 0.1),
        max_problems: int | None = None,
        seed: int = 0,
    ) -> None:
        self.ops = _check_ops(op)
        self.digits = _check_digits(digits)
        if not isinstance(eos, str) or len(eos) != 1 or eos in ALPHABET:
            raise ValueError(
                f"ArithmeticTask: eos must be one character not in {ALPHABET!r}, got {eos!r}"
            )
        self.reverse_answer = reverse_answer
        self.pad = pad
        self.eos = eos
        self.tokenizer = CharTokenizer(ALPHABET + eos, special_tokens=[PAD_TOKEN])
        self.pad_id = self.tokenizer.stoi[PAD_TOKEN]
        lo, hi = self.digits
        self._low, self._high = (0 if lo == 1 else 10 ** (lo - 1)), 10**hi - 1
        self._answer_width = max(len(str(self._max_result(o))) for o in self.ops)
        rng = mgrandom.Generator(seed).numpy
        problems = [self._format(a, o, b) for a, o, b in self._enumerate(max_problems, rng)]
        n_val, n_test = _split_counts(len(problems), split)
        n_train = len(problems) - n_val - n_test
        self.train = problems[:n_train]
        self.val = problems[n_train : n_train + n_val]
        self.test = problems[n_train + n_val :]
        self.block_size = max(len(p) + len(a) for p, a in problems)
        self.max_answer_tokens = max(len(a) for _, a in problems) + 1

    def _enumerate(self, max_problems: int | None, rng: np.random.Generator) -> list[tuple]:
        """Every problem (or a sample of ``max_problems``), in a seeded random order."""
        values = np.arange(self._low, self._high + 1)
        total = len(values) ** 2 * len(self.ops)
        if total > _MAX_PROBLEMS:
            raise ValueError(
                f"ArithmeticTask: digits={self.digits} gives {total} problems, more than "
                f"{_MAX_PROBLEMS} can be enumerated; use fewer digits"
            )
        a, b = (grid.ravel() for grid in np.meshgrid(values, values, indexing="ij"))
        lefts, rights, ops = [], [], []
        for i, o in enumerate(self.ops):
            keep = a >= b if o == "-" else slice(None)
            lefts.append(a[keep])
            rights.append(b[keep])
            ops.append(np.full(len(lefts[-1]), i))
        order = rng.permutation(sum(len(x) for x in lefts))
        if max_problems is not None:
            if max_problems < 3:
                raise ValueError(f"ArithmeticTask: max_problems must be >= 3, got {max_problems}")
            order = order[:max_problems]
        columns = (np.concatenate(c)[order].tolist() for c in (lefts, ops, rights))
        return [(x, self.ops[o], y) for x, o, y in zip(*columns, strict=True)]

    def _max_result(self, op: str) -> int:
        if op == "-":
            return self._high - self._low
        return _APPLY[op](self._high, self._high)

    def _format(self, a: int, op: str, b: int) -> Problem:
        answer = str(_APPLY[op](a, b))
        left, right = str(a), str(b)
        if self.pad:
            left, right = left.zfill(self.digits[1]), right.zfill(self.digits[1])
            answer = answer.zfill(self._answer_width)
        if self.reverse_answer:
            answer = answer[::-1]
        return f"{left}{op}{right}=", answer

    def encode_batch(
        self, problems: Sequence[Problem], block_size: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Inputs and next-token targets, int64 arrays of shape (len(problems), block_size).

        ``x`` holds ``prompt + answer + eos`` minus its last token, then padding;
        ``y[t]`` is the token after ``x[t]`` where that token belongs to the
        answer or eos, and ``IGNORE_INDEX`` (-100) everywhere else.
        """
        size = self.block_size if block_size is None else block_size
        x = np.full((len(problems), size), self.pad_id, dtype=np.int64)
        y = np.full((len(problems), size), IGNORE_INDEX, dtype=np.int64)
        for i, (prompt, answer) in enumerate(problems):
            ids = self.tokenizer.encode(prompt + answer + self.eos)
            n = len(ids) - 1
            if n > size:
                raise ValueError(
                    f"ArithmeticTask.encode_batch: {prompt + answer!r} needs "
                    f"block_size >= {n}, got {size}"
                )
            x[i, :n] = ids[:-1]
            y[i, len(prompt) - 1 : n] = ids[len(prompt) :]
        return x, y

    def encode_prompts(self, problems: Sequence[Problem]) -> np.ndarray:
        """The prompts' ids as one int64 array (N, prompt length), for batched generation.

        Prompts must share one length, which ``pad=True`` guarantees.
        """
        lengths = sorted({len(prompt) for prompt, _ in problems})
        if len(lengths) != 1:
            raise ValueError(
                f"ArithmeticTask.encode_prompts: prompts have lengths {lengths}; "
                "build the task with pad=True, or encode prompts one at a time"
            )
        return np.array([self.tokenizer.encode(p) for p, _ in problems], dtype=np.int64)

    def decode_answers(self, ids: Any) -> list[str]:
        """Generated answer ids (N, T) -> answer strings, each cut at the first eos."""
        rows = as_array(ids)
        if rows.ndim != 2:
            raise ValueError(
                f"ArithmeticTask.decode_answers: expected ids of shape (N, T), got {rows.shape}"
            )
        texts = [self.tokenizer.decode(row, skip_special_tokens=True) for row in rows]
        return [text.split(self.eos, 1)[0] for text in texts]

    def exact_match(self, predicted_answers: Sequence[str], problems: Sequence[Problem]) -> float:
        """Fraction of ``predicted_answers`` equal to the problems' answers.

        A prediction is cut at the first eos and stripped of whitespace first.
        """
        if len(predicted_answers) != len(problems):
            raise ValueError(
                f"ArithmeticTask.exact_match: {len(predicted_answers)} predictions for "
                f"{len(problems)} problems"
            )
        if not problems:
            raise ValueError("ArithmeticTask.exact_match: no problems given")
        hits = 0
        for predicted, (_, answer) in zip(predicted_answers, problems, strict=True):
            hits += predicted.split(self.eos, 1)[0].strip() == answer
        return hits / len(problems)

    def __repr__(self) -> str:
        return (
            f"ArithmeticTask(ops={self.ops}, digits={self.digits}, train={len(self.train)}, "
            f"val={len(self.val)}, test={len(self.test)})"
        )


def _check_ops(op: str | Sequence[str]) -> list[str]:
    ops = list(dict.fromkeys(op))
    bad = [o for o in ops if o not in _APPLY]
    if not ops or bad:
        raise ValueError(f"ArithmeticTask: op must be one or more of '+', '-', '*', got {op!r}")
    return ops


def _check_digits(digits: int | tuple[int, int]) -> tuple[int, int]:
    lo, hi = (1, digits) if isinstance(digits, (int, np.integer)) else tuple(digits)
    if not 1 <= lo <= hi:
        raise ValueError(
            f"ArithmeticTask: digits must be d >= 1 or (lo, hi) with 1 <= lo <= hi, got {digits!r}"
        )
    return int(lo), int(hi)


def _split_counts(n: int, split: tuple[float, float, float]) -> tuple[int, int]:
    """Validation and test counts for ``n`` problems (train takes the rest)."""
    if len(split) != 3 or min(split) < 0 or not math.isclose(sum(split), 1):
        raise ValueError(
            f"ArithmeticTask: split must be 3 non-negative fractions summing to 1, got {split}"
        )
    return round(n * split[1]), round(n * split[2])
