"""Every ```python block of README.md and docs/*.md runs as shown, in order, as a reader
pastes a page into one Python session (one namespace per page, a fresh working folder).

Blocks that are not meant to run (signatures, file layouts, output) use another fence
(```text, or a bare ```). Pages whose blocks train models for a while are marked slow.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SLOW_PAGES = {"finetune-gpt.md", "finetune.md", "models.md", "overfitting.md"}


def python_blocks(path: Path) -> list[str]:
    """The code of each ```python block of ``path``, in page order."""
    return re.findall(r"^```python\n(.*?)^```", path.read_text(), re.S | re.M)


def run_page(path: Path) -> dict:
    """Execute the page's python blocks in order in one namespace; returns the namespace."""
    namespace: dict = {"__name__": "__main__"}
    for i, code in enumerate(python_blocks(path)):
        exec(compile(code, f"{path.name}, python block {i + 1}", "exec"), namespace)
    return namespace


@pytest.mark.parametrize("page", [
    pytest.param(page, id=page.name,
                 marks=[pytest.mark.slow] if page.name in SLOW_PAGES else [])
    for page in PAGES
])
def test_every_python_block_of_the_page_runs_in_order(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_page(page)


def test_the_pages_have_blocks_and_the_block_finder_finds_them():
    assert python_blocks(ROOT / "README.md"), "README.md has python blocks"
    counted = sum(len(python_blocks(page)) for page in PAGES)
    assert counted > 50  # a broken pattern would find none and run nothing
