"""CharTokenizer."""

import numpy as np
import pytest

import minigrad as mg
from minigrad.data import CharTokenizer


def test_from_text_sorts_the_characters():
    tok = CharTokenizer.from_text("hello world")
    assert tok.vocab_size == len(tok) == 8
    assert tok.itos[0] == " " and tok.stoi["w"] == 7
    assert tok.encode("low") == [4, 5, 7]


def test_round_trip_through_lists_arrays_and_tensors():
    text = "to be or not to be"
    tok = CharTokenizer.from_text(text)
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert tok.decode(np.array(ids)) == text
    assert tok.decode(mg.tensor(ids)) == text
    assert tok.decode([]) == ""


def test_explicit_chars_keep_their_order():
    tok = CharTokenizer("cab")
    assert tok.encode("abc") == [1, 2, 0]
    with pytest.raises(ValueError, match="'a' appears twice"):
        CharTokenizer("aba")
    with pytest.raises(ValueError, match="single characters"):
        CharTokenizer(["ab"])


def test_unknown_character_names_it_and_its_position():
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(ValueError, match=r"character 'z' at position 3"):
        tok.encode("abcz")
    special = CharTokenizer("abc", special_tokens=["<pad>"])
    with pytest.raises(ValueError, match=r"character .<. at position 7"):
        special.encode("a<pad>b<x")


def test_special_tokens_come_first_and_are_recognised():
    tok = CharTokenizer("ab", special_tokens=["<pad>", "<eos>"])
    assert tok.stoi["<pad>"] == 0 and tok.stoi["<eos>"] == 1 and tok.stoi["a"] == 2
    ids = tok.encode("ab<eos><pad>")
    assert ids == [2, 3, 1, 0]
    assert tok.decode(ids) == "ab<eos><pad>"
    assert tok.decode(ids, skip_special_tokens=True) == "ab"


def test_decode_errors():
    tok = CharTokenizer("ab")
    with pytest.raises(ValueError, match="id 5 at position 1 is out of range for vocab_size=2"):
        tok.decode([0, 5])
    with pytest.raises(ValueError, match="1-D"):
        tok.decode([[0, 1]])
    with pytest.raises(TypeError, match="integers"):
        tok.decode([0.5])
    with pytest.raises(TypeError, match="str"):
        tok.encode([0])
