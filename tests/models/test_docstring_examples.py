"""The runnable examples in the models docstrings stay true."""

import doctest
import importlib

import pytest

MODULES = [
    "minigrad.models",
    "minigrad.models.gpt",
    "minigrad.models.generation",
    "minigrad.models.mlp",
    "minigrad.models.linear_regression",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
