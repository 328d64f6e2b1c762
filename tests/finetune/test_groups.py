"""param_groups (discriminative learning rates) and replace_head."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.finetune import freeze, param_groups, replace_head
from minigrad.models import MLP

from .conftest import batch, tiny_gpt, train


def test_each_trainable_parameter_lands_in_exactly_one_group(gpt):
    freeze(gpt, only="wpe")
    groups = param_groups(gpt, {"blocks.1.*": 1e-4, "blocks.*": 1e-5, "lm_head*": 1e-3},
                          default_lr=3e-4, weight_decay=0.1)
    by_pattern = {g["pattern"]: g for g in groups}
    assert [g["pattern"] for g in groups] == ["blocks.1.*", "blocks.*", "lm_head*", "default"]
    assert all(n.startswith("blocks.1.") for n in by_pattern["blocks.1.*"]["param_names"])
    assert all(n.startswith("blocks.0.") for n in by_pattern["blocks.*"]["param_names"])
    assert by_pattern["lm_head*"]["param_names"] == ["lm_head.weight"]
    assert by_pattern["default"]["param_names"] == ["wte.weight", "ln_f.weight", "ln_f.bias"]
    ids = [id(p) for g in groups for p in g["params"]]
    trainable = [id(p) for p in gpt.parameters() if p.requires_grad]
    assert sorted(ids) == sorted(trainable) and len(ids) == len(set(ids))
    assert [g["lr"] for g in groups] == [1e-4, 1e-5, 1e-3, 3e-4]
    assert all(g["weight_decay"] == 0.1 for g in groups)


def test_the_learning_rates_reach_the_optimizer():
    gpt = tiny_gpt()
    groups = param_groups(gpt, {"lm_head": 0.0, "wte": {"lr": 1e-2, "weight_decay": 0.0}},
                          default_lr=0.0, weight_decay=0.5)
    opt = mg.optim.AdamW(groups)
    assert [(g["lr"], g["weight_decay"]) for g in opt.param_groups] == \
        [(0.0, 0.5), (1e-2, 0.0), (0.0, 0.5)]
    head, wte = gpt.lm_head.weight.detach().numpy().copy(), gpt.wte.weight.detach().numpy().copy()
    train(gpt, steps=2, opt=opt)
    assert np.array_equal(gpt.lm_head.weight.detach().numpy(), head)  # lr 0: not moved
    assert not np.array_equal(gpt.wte.weight.detach().numpy(), wte)


def test_default_lr_none_leaves_the_optimizer_default(gpt):
    groups = param_groups(gpt, {"lm_head": 1e-3})
    assert "lr" not in groups[-1]
    assert mg.optim.SGD(groups, lr=0.05).param_groups[-1]["lr"] == 0.05


def test_a_pattern_matching_nothing_is_an_error(gpt):
    with pytest.raises(ValueError, match=r"regex 'head' matched no module or param.*lm_head"):
        param_groups(gpt, {"head": 1e-3})
    with pytest.raises(ValueError, match=r"'head' matched no module or parameter"):
        param_groups(gpt, {("lm_head", "head"): 1e-3})
    with pytest.raises(ValueError, match="must be a number"):
        param_groups(gpt, {"lm_head": "fast"})


def test_replace_head_on_a_gpt_for_classification(gpt):
    head = replace_head(gpt, "lm_head", 3)
    assert gpt.lm_head is head and head.weight.shape == (3, 16) and head.bias is None
    idx, _ = batch()
    logits, loss = gpt(idx, mg.tensor(np.zeros((4, 8), np.int64)))
    assert logits.shape == (4, 8, 3) and loss is not None


def test_replace_head_on_a_nested_frozen_model_is_trainable():
    model = MLP([4, 8, 5])
    freeze(model)
    old = model.layers[2]
    head = replace_head(model, "layers.2", 2)
    assert model.layers[2] is head and head is not old and head.bias is not None
    assert [n for n, p in model.named_parameters() if p.requires_grad] == \
        ["layers.2.weight", "layers.2.bias"]
    assert model(mg.randn(3, 4)).shape == (3, 2)


def test_replace_head_in_the_middle_keeps_the_order():
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    replace_head(model, "0", 5)
    assert list(model._modules) == ["0", "1", "2"]
    assert model(mg.randn(2, 4)).shape == (2, 3)


def test_replace_head_errors_name_the_linears():
    model = nn.Sequential(nn.Linear(4, 4), nn.ReLU())
    with pytest.raises(ValueError, match=r"found ReLU; the Linear layers are \['0'\]"):
        replace_head(model, "1", 2)
    with pytest.raises(ValueError, match="no module 'x.fc'"):
        replace_head(model, "x.fc", 2)
