"""The examples in the nn ops' docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["minigrad.nn.functional"] + [
    f"minigrad.ops.nn_{name}"
    for name in ("attention", "conv", "cross_entropy", "loss", "misc", "norm", "softmax")
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
