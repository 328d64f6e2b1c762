"""freeze / unfreeze / trainable_parameters / count_parameters / summary."""

import numpy as np
import pytest

import minigrad.nn as nn
from minigrad.finetune import (
    count_parameters,
    freeze,
    summary,
    trainable_parameters,
    unfreeze,
)

from .conftest import snapshot, train


def trainable_names(model):
    return [n for n, p in model.named_parameters() if p.requires_grad]


def test_frozen_weights_stay_bit_identical_while_the_rest_trains(gpt):
    frozen = freeze(gpt, except_=["lm_head", "blocks.1"])
    assert "wte.weight" in frozen and "blocks.0.attn.c_attn.weight" in frozen
    assert not any(n.startswith(("lm_head", "blocks.1.")) for n in frozen)
    before = snapshot(gpt)
    train(gpt, steps=3)
    after = snapshot(gpt)
    for name in before:
        same = np.array_equal(before[name], after[name])
        if name in frozen:
            assert same, name
        elif not name.endswith("bias"):  # biases start at zero but move too; weights surely
            assert not same, name
    assert gpt.wte.weight.grad is None


def test_freeze_by_module_type_and_glob(gpt):
    freeze(gpt, except_=nn.LayerNorm)
    assert trainable_names(gpt) == [n for n, _ in gpt.named_parameters() if ".ln_" in n
                                    or n.startswith("ln_f")]
    unfreeze(gpt)
    frozen = freeze(gpt, only=r"blocks\.\d+\.attn")  # one string: a regex
    assert frozen == [n for n, _ in gpt.named_parameters() if ".attn." in n]


def test_unfreeze_patterns_and_list_selectors(gpt):
    freeze(gpt)
    assert trainable_names(gpt) == []
    names = unfreeze(gpt, only=["lm_head", "blocks.1.mlp", nn.Embedding])
    expected = ["wte.weight", "wpe.weight", "blocks.1.mlp.c_fc.weight", "blocks.1.mlp.c_fc.bias",
                "blocks.1.mlp.c_proj.weight", "blocks.1.mlp.c_proj.bias", "lm_head.weight"]
    assert names == expected and trainable_names(gpt) == expected
    assert unfreeze(gpt, except_="blocks.0") == [n for n, _ in gpt.named_parameters()
                                               if not n.startswith("blocks.0.")]


def test_pattern_on_a_block_number_does_not_spill_over():
    model = nn.Sequential(*[nn.Linear(2, 2) for _ in range(12)])
    assert freeze(model, only="1") == ["1.weight", "1.bias"]
    assert unfreeze(model, only=["1"]) == ["1.weight", "1.bias"]


def test_list_entries_match_whole_names_or_dotted_suffixes(gpt):
    assert freeze(gpt, only=["attn.c_attn"]) == [
        "blocks.0.attn.c_attn.weight", "blocks.0.attn.c_attn.bias",
        "blocks.1.attn.c_attn.weight", "blocks.1.attn.c_attn.bias"]
    unfreeze(gpt)
    biases = [n for n, _ in gpt.named_parameters() if n.endswith(".bias")]
    assert unfreeze(gpt, only=["bias"]) == biases  # parameter names too (BitFit)
    with pytest.raises(ValueError, match="'c_att' matched no module or parameter"):
        freeze(gpt, only=["c_att"])  # not a suffix after a dot


def test_a_string_is_a_regex_that_must_match_the_whole_name(gpt):
    assert freeze(gpt, only=r"blocks\.1\.ln_\d") == [
        "blocks.1.ln_1.weight", "blocks.1.ln_1.bias", "blocks.1.ln_2.weight",
        "blocks.1.ln_2.bias"]
    with pytest.raises(ValueError) as err:
        freeze(gpt, only="ln")  # "ln" is in many names, but is none of them
    message = str(err.value)
    assert "regex 'ln' matched no module or parameter; GPT's modules are ['wte'" in message
    assert "'lm_head']" in message and "...c_attn, ...c_fc" in message
    with pytest.raises(ValueError, match="not a valid regular expression"):
        freeze(gpt, only="*.c_attn")


def test_every_entry_must_match_something_in_freeze_and_unfreeze(gpt):
    for fn in (freeze, unfreeze):
        with pytest.raises(ValueError, match=f"{fn.__name__}: 'lm_head2' matched no"):
            fn(gpt, except_=["lm_head", "lm_head2"])
        with pytest.raises(ValueError, match="Conv2d matched no"):
            fn(gpt, only=[nn.Embedding, nn.Conv2d])
    assert trainable_names(gpt) == [n for n, _ in gpt.named_parameters()]  # nothing changed


def test_bad_selector_is_a_type_error(gpt):
    with pytest.raises(TypeError, match="freeze: expected a regex"):
        freeze(gpt, except_=3)
    with pytest.raises(TypeError, match="nn.Module"):
        freeze("not a model")


def test_trainable_parameters_and_counts(gpt):
    total = sum(p.numel() for p in gpt.parameters())
    assert count_parameters(gpt) == (total, total)
    freeze(gpt, except_="lm_head")
    assert trainable_parameters(gpt) == [gpt.lm_head.weight]
    assert count_parameters(gpt) == (11 * 16, total)


def test_counts_see_a_tied_parameter_once():
    from .conftest import tiny_gpt

    model = tiny_gpt(tie_weights=True)
    assert count_parameters(model)[1] == model.num_parameters()


def test_summary_table_and_bottom_line():
    model = nn.Sequential(nn.Linear(100, 10), nn.LayerNorm(10), nn.Linear(10, 2))
    freeze(model, except_="2")
    text = summary(model)
    lines = text.splitlines()
    assert lines[0].split() == ["name", "shape", "params", "trainable"]
    assert lines[1].split() == ["0.weight", "(10,", "100)", "1,000", "no"]
    assert lines[5].split() == ["2.weight", "(2,", "10)", "20", "yes"]
    # 1,010 + 20 (LayerNorm) + 22 = 1,052 numbers; 22 / 1,052 = 2.0913 %
    assert lines[-1] == ("trainable params: 22 || all params: 1,052 || "
                         "trainable%: 2.0913")
