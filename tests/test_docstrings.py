"""Every runnable example in minigrad's docstrings prints what it claims.

One test per module that has examples, found by walking the package, so a new
module's examples are checked without registering them anywhere.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import minigrad


def _modules_with_examples() -> list[str]:
    names = ["minigrad"]
    for info in pkgutil.walk_packages(minigrad.__path__, "minigrad."):
        names.append(info.name)
    finder = doctest.DocTestFinder()
    found = []
    for name in sorted(names):
        module = importlib.import_module(name)
        if any(test.examples for test in finder.find(module, name)):
            found.append(name)
    return found


@pytest.mark.parametrize("name", _modules_with_examples())
def test_docstring_examples(name):
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(importlib.import_module(name), optionflags=flags)
    assert result.failed == 0
