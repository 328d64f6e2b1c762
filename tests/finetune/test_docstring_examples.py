"""The runnable examples in the finetune docstrings stay true."""

import doctest
import importlib

import pytest

MODULES = [
    "minigrad.finetune",
    "minigrad.finetune._select",
    "minigrad.finetune.freezing",
    "minigrad.finetune.groups",
    "minigrad.finetune.lora",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
