"""minigrad.utils.checkpoint: same values and gradients as calling the function, PyTorch's
argument checks."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.utils.checkpoint import checkpoint, checkpoint_sequential


def test_checkpoint_gives_the_same_output_and_gradients_as_a_plain_call():
    mg.manual_seed(0)
    block = nn.Sequential(nn.Linear(4, 8), nn.GELU(), nn.Linear(8, 3))
    x = mg.randn(5, 4)
    plain = block(x).square().sum()
    plain.backward()
    expected = [p.grad.numpy().copy() for p in block.parameters()]
    block.zero_grad()
    checked = checkpoint(block, x, use_reentrant=False).square().sum()
    checked.backward()
    assert checked.item() == plain.item()  # the same computation repeated
    for p, g in zip(block.parameters(), expected):
        np.testing.assert_array_equal(p.grad.numpy(), g)


def test_keyword_arguments_need_use_reentrant_false():
    fn = lambda a, scale=1.0: a * scale  # noqa: E731
    assert checkpoint(fn, mg.ones(2), scale=3.0, use_reentrant=False).tolist() == [3.0, 3.0]
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(fn, mg.ones(2), scale=3.0, use_reentrant=True)
    with pytest.raises(TypeError, match="callable"):
        checkpoint(3, mg.ones(2), use_reentrant=False)


def test_checkpoint_sequential_runs_the_layers_in_order():
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    x = mg.randn(5, 3)
    np.testing.assert_array_equal(
        checkpoint_sequential(model, 2, x, use_reentrant=False).detach().numpy(),
        model(x).detach().numpy())
    with pytest.raises(ValueError, match="segments"):
        checkpoint_sequential(model, 0, x)


def test_the_pytorch_import_path_works():
    import minigrad.utils.checkpoint as module
    assert mg.utils.checkpoint is module and module.checkpoint is checkpoint
