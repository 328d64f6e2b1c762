"""The runnable examples in the nn docstrings stay true."""

import doctest
import importlib

import pytest

MODULES = [
    "minigrad.nn",
    "minigrad.nn.parameter",
    "minigrad.nn.init",
    "minigrad.nn.regularization",
    "minigrad.nn.utils.clip_grad",
    "minigrad.nn.utils.convert_parameters",
    "minigrad.nn.modules.module",
    "minigrad.nn.modules.container",
    "minigrad.nn.modules.linear",
    "minigrad.nn.modules.sparse",
    "minigrad.nn.modules.normalization",
    "minigrad.nn.modules.dropout",
    "minigrad.nn.modules.flatten",
    "minigrad.nn.modules.conv",
    "minigrad.nn.modules.pooling",
    "minigrad.nn.modules.attention",
    "minigrad.nn.modules.transformer",
    "minigrad.nn.modules.loss",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
