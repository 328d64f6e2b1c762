"""Load an example script as a module namespace (examples/ is not a package)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture(scope="session")
def load_example():
    def load(name: str) -> dict:
        return runpy.run_path(str(EXAMPLES / name), run_name="example")

    return load
