"""``needs_viz``: skip a test when Graphviz (the ``graphviz`` package or the ``dot``
program) is missing; with MINIGRAD_REQUIRE_VIZ=1 (.ci/run sets it) fail instead."""

from __future__ import annotations

import importlib.util
import os
import shutil

import pytest


def viz_missing() -> str | None:
    if importlib.util.find_spec("graphviz") is None:
        return 'the graphviz package is missing (pip install ".[viz]")'
    if shutil.which("dot") is None:
        return "Graphviz's dot program is missing (apt-get install graphviz)"
    return None


@pytest.fixture
def needs_viz():
    reason = viz_missing()
    if reason is not None:
        if os.environ.get("MINIGRAD_REQUIRE_VIZ") == "1":
            pytest.fail(f"MINIGRAD_REQUIRE_VIZ=1 but {reason}")
        pytest.skip(reason)
