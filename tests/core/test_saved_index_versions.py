"""Every integer (or bool) tensor an op keeps for backward is covered by the version check:
editing it in place between forward and backward raises instead of giving wrong gradients."""

import pytest

import minigrad as mg
import minigrad.nn.functional as F


def _logits():
    return mg.randn(4, 3, requires_grad=True)


def _cross_entropy(**kwargs):
    def build():
        x, target = _logits(), mg.tensor([0, 2, 1, 2])
        return x, target, F.cross_entropy(x, target, **kwargs)
    return build


def _embedding(sparse):
    def build():
        w = mg.randn(5, 2, requires_grad=True)
        idx = mg.tensor([[0, 4], [2, 2]])
        return w, idx, F.embedding(idx, w, sparse=sparse).sum()
    return build


def _gather():
    x = _logits()
    idx = mg.tensor([[0], [2], [1], [1]])
    return x, idx, x.gather(1, idx).sum()


def _index_select():
    x = _logits()
    idx = mg.tensor([2, 0])
    return x, idx, x.index_select(1, idx).sum()


def _getitem():
    x = _logits()
    idx = mg.tensor([3, 0, 0])
    return x, idx, x[idx].sum()


def _getitem_tuple():
    x = _logits()
    idx = mg.tensor([1, 2])
    return x, idx, x[idx, 0:2].sum()


def _masked_fill():
    x = _logits()
    mask = x.detach() > 0
    return x, mask, x.masked_fill(mask, 0.0).sum()


def _where():
    x = _logits()
    cond = x.detach() > 0
    return x, cond, mg.where(cond, x, x * 2).sum()


BUILDERS = {
    "cross_entropy": _cross_entropy(),
    "cross_entropy_weighted_smoothed": _cross_entropy(
        weight=mg.tensor([1.0, 2.0, 0.5]), label_smoothing=0.1),
    "cross_entropy_sum": _cross_entropy(reduction="sum"),
    "embedding": _embedding(False),
    "embedding_sparse": _embedding(True),
    "gather": _gather,
    "index_select": _index_select,
    "getitem": _getitem,
    "getitem_tuple": _getitem_tuple,
    "masked_fill": _masked_fill,
    "where": _where,
}


def _edit(index):
    if index.dtype == mg.bool:
        index[0] = ~index[0]
    else:
        index.mul_(1)  # same values, still a write: the version moves


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_editing_a_saved_index_in_place_is_caught(name):
    x, index, loss = BUILDERS[name]()
    _edit(index)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()
    assert x.grad is None


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_an_untouched_index_still_backpropagates(name):
    x, index, loss = BUILDERS[name]()
    loss.backward()
    assert x.grad is not None and x.grad.shape == x.shape
