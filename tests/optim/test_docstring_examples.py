"""The runnable examples in the optim docstrings stay true."""

import doctest
import importlib

import pytest

MODULES = [
    "minigrad.optim",
    "minigrad.optim.optimizer",
    "minigrad.optim.sgd",
    "minigrad.optim.adam",
    "minigrad.optim.rmsprop",
    "minigrad.optim.adagrad",
    "minigrad.optim.lr_scheduler.schedules",
    "minigrad.optim.lr_scheduler.one_cycle",
    "minigrad.optim.lr_scheduler.plateau",
    "minigrad.optim.lr_scheduler.sequential",
    "minigrad.optim.lr_scheduler.warmup",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
