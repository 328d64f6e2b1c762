"""ArithmeticTask: answers, formats, splits, encoding masks, exact match."""

import numpy as np
import pytest

from minigrad.data import ArithmeticTask
from minigrad.data.arithmetic import IGNORE_INDEX


def _evaluate(prompt):
    for op in "+-*":
        if op in prompt:
            a, b = prompt[:-1].split(op)
            return {"+": int(a) + int(b), "-": int(a) - int(b), "*": int(a) * int(b)}[op]
    raise AssertionError(prompt)


@pytest.fixture(scope="module")
def addition():
    return ArithmeticTask(op="+", digits=2, seed=0)


def test_all_problems_with_correct_answers(addition):
    problems = addition.train + addition.val + addition.test
    assert (len(addition.train), len(addition.val), len(addition.test)) == (8000, 1000, 1000)
    assert len(set(problems)) == 10_000
    assert (
        ("23+45=", "68") in problems and ("99+99=", "198") in problems and ("0+7=", "7") in problems
    )
    assert all(int(answer) == _evaluate(prompt) for prompt, answer in problems)


def test_splits_are_disjoint_and_seeded(addition):
    train, val, test = (
        set(p for p, _ in part) for part in (addition.train, addition.val, addition.test)
    )
    assert not train & val and not train & test and not val & test
    same = ArithmeticTask(op="+", digits=2, seed=0)
    other = ArithmeticTask(op="+", digits=2, seed=1)
    assert same.test == addition.test
    assert set(other.test) != set(addition.test)


def test_subtraction_and_multiplication():
    task = ArithmeticTask(op="-*", digits=1, split=(0.5, 0.25, 0.25))
    problems = task.train + task.val + task.test
    minus = [p for p in problems if "-" in p[0]]
    assert len(minus) == 55 and len(problems) == 55 + 100  # a >= b for subtraction
    assert all(int(answer) == _evaluate(prompt) >= 0 for prompt, answer in problems)


def test_answer_formats():
    task = ArithmeticTask(op="+", digits=2, pad=True, reverse_answer=True)
    problems = dict(task.train + task.val + task.test)
    assert problems["03+45="] == "840"  # 048 reversed
    assert problems["99+99="] == "891"
    assert len({len(p) + len(a) for p, a in problems.items()}) == 1
    exact = ArithmeticTask(op="*", digits=(2, 2), max_problems=50, seed=3)
    sample = exact.train + exact.val + exact.test
    assert len(sample) == len(set(sample)) == 50
    assert all(10 <= int(n) <= 99 for p, _ in sample for n in p[:-1].split("*"))


def test_tokenizer_covers_the_full_alphabet(addition):
    tok = addition.tokenizer
    assert tok.stoi["<pad>"] == addition.pad_id == 0
    for ch in "0123456789+-*=.":
        assert ch in tok.stoi
    assert tok.decode(tok.encode("12*3=36.")) == "12*3=36."


def test_encode_batch_masks_only_answer_and_eos(addition):
    problems = [("23+45=", "68"), ("0+7=", "7")]
    x, y = addition.encode_batch(problems, block_size=10)
    assert x.shape == y.shape == (2, 10) and x.dtype == y.dtype == np.int64
    enc = addition.tokenizer.encode
    assert x[0].tolist() == enc("23+45=68") + [0, 0]
    assert y[0].tolist() == [IGNORE_INDEX] * 5 + enc("68.") + [IGNORE_INDEX] * 2
    assert x[1].tolist() == enc("0+7=7") + [0] * 5
    assert y[1].tolist() == [IGNORE_INDEX] * 3 + enc("7.") + [IGNORE_INDEX] * 5
    # each unmasked target is the token that follows its input position
    text = enc("23+45=68.")
    for t in np.flatnonzero(y[0] != IGNORE_INDEX):
        assert y[0, t] == text[t + 1]


def test_encode_batch_default_block_size_and_errors(addition):
    x, y = addition.encode_batch(addition.train)
    assert x.shape == (8000, addition.block_size) == (8000, 9)  # "99+99=198." minus one
    assert ((y != IGNORE_INDEX).sum(axis=1) >= 2).all()
    with pytest.raises(ValueError, match="needs block_size >= 8"):
        addition.encode_batch([("23+45=", "68")], block_size=7)


def test_prompts_and_answers_for_generation():
    task = ArithmeticTask(op="+", digits=2, pad=True)
    prompts = task.encode_prompts(task.test[:4])
    assert prompts.shape == (4, 6) and prompts.dtype == np.int64
    tok = task.tokenizer
    generated = np.array([tok.encode("068.12"), tok.encode("10") + [0, 0, 0, 0]])
    assert task.decode_answers(generated) == ["068", "10"]
    with pytest.raises(ValueError, match="pad=True"):
        ArithmeticTask(op="+", digits=2).encode_prompts([("1+2=", "3"), ("10+2=", "12")])


def test_exact_match(addition):
    problems = [("23+45=", "68"), ("0+7=", "7"), ("99+99=", "198"), ("1+1=", "2")]
    predicted = ["68", "7.", "198.junk", "3"]
    assert addition.exact_match(predicted, problems) == 0.75
    assert addition.exact_match([a for _, a in addition.val], addition.val) == 1.0
    with pytest.raises(ValueError, match="3 predictions for 4 problems"):
        addition.exact_match(predicted[:3], problems)


def test_bad_arguments():
    with pytest.raises(ValueError, match="op"):
        ArithmeticTask(op="/")
    with pytest.raises(ValueError, match="digits"):
        ArithmeticTask(digits=(3, 2))
    with pytest.raises(ValueError, match="eos"):
        ArithmeticTask(eos="=")
    with pytest.raises(ValueError, match="split"):
        ArithmeticTask(digits=1, split=(0.5, 0.5, 0.5))
    with pytest.raises(ValueError, match="too many|more than"):
        ArithmeticTask(digits=4)
