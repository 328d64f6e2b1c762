"""Every ```python block of README.md and docs/**/*.md runs as shown, in order, as a reader
pastes a page into one Python session (one namespace per page, a fresh working folder).

A ```python block directly followed by an output block, fenced as

    ```text title="Output"
    ...
    ```

(the site shows it as a code block titled "Output") must print exactly that: its captured
stdout is compared with the block after one normalisation, trailing whitespace removed from
each line and from the end. Pages print rounded numbers (`f"{x:.4f}"`, `round(x, 4)`) so that
what they show is the same on every CPU.

Blocks that are not meant to run (signatures, file layouts, shell sessions) use another fence
(```text, or a bare ```). Pages whose blocks train models for a while are marked slow.
"""

from __future__ import annotations

import contextlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
SLOW_PAGES = {"finetune-gpt.md", "finetune.md", "models.md", "overfitting.md", "problems.md"}
OUTPUT_INFO = 'text title="Output"'
FENCE = re.compile(r"^(`{3,})([^`]*)$")


@dataclass
class Block:
    info: str       # what follows the opening backticks: 'python', 'text title="Output"', ...
    code: str
    line: int       # 1-based line of the opening fence
    end: int        # 0-based index of the line after the closing fence


def fenced_blocks(text: str) -> list[Block]:
    """Every fenced code block of a Markdown text, in order (a fence closes with at least as
    many backticks as opened it, alone on its line)."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        ticks, info = opening.group(1), opening.group(2).strip()
        j = i + 1
        while j < len(lines) and not re.fullmatch(f"{ticks}`*\\s*", lines[j]):
            j += 1
        blocks.append(Block(info, "".join(line + "\n" for line in lines[i + 1:j]), i + 1, j + 1))
        i = j + 1
    return blocks


def python_blocks_with_output(path: Path) -> list[tuple[Block, str | None]]:
    """Each ```python block of ``path`` with the text of the output block directly after it
    (only blank lines between), or None when it shows no output."""
    text = path.read_text()
    lines = text.splitlines()
    blocks = fenced_blocks(text)
    result = []
    for k, block in enumerate(blocks):
        if block.info != "python":
            continue
        expected = None
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if (nxt is not None and nxt.info == OUTPUT_INFO
                and all(not line.strip() for line in lines[block.end:nxt.line - 1])):
            expected = nxt.code
        result.append((block, expected))
    return result


def python_blocks(path: Path) -> list[str]:
    """The code of each ```python block of ``path``, in page order."""
    return [block.code for block, _ in python_blocks_with_output(path)]


def normalise(output: str) -> str:
    return "\n".join(line.rstrip() for line in output.rstrip().splitlines())


def run_page(path: Path, check_output: bool = True) -> dict:
    """Execute the page's python blocks in order in one namespace, comparing what each block
    prints with the output block shown after it; returns the namespace."""
    namespace: dict = {"__name__": "__main__"}
    for i, (block, expected) in enumerate(python_blocks_with_output(path)):
        where = f"{path.name}, python block {i + 1} (line {block.line})"
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            exec(compile(block.code, where, "exec"), namespace)
        if expected is not None and check_output:
            assert normalise(captured.getvalue()) == normalise(expected), (
                f"{where} printed\n{captured.getvalue()}\nbut the page shows\n{expected}")
    return namespace


@pytest.mark.parametrize("page", [
    pytest.param(page, id=str(page.relative_to(ROOT / "docs")) if page.parent != ROOT
                 else page.name, marks=[pytest.mark.slow] if page.name in SLOW_PAGES else [])
    for page in PAGES
])
def test_every_python_block_of_the_page_runs_in_order(page, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run_page(page)


def test_the_pages_have_blocks_and_the_block_finder_finds_them():
    assert python_blocks(ROOT / "README.md"), "README.md has python blocks"
    counted = sum(len(python_blocks(page)) for page in PAGES)
    assert counted > 50  # a broken pattern would find none and run nothing
    with_output = sum(expected is not None for page in PAGES
                      for _, expected in python_blocks_with_output(page))
    assert with_output > 10


def test_an_output_block_is_compared_with_what_the_code_printed(tmp_path):
    page = tmp_path / "page.md"
    good = '```python\nprint(round(2 / 3, 3))\n```\n\n```text title="Output"\n0.667\n```\n'
    page.write_text(good)
    run_page(page)
    page.write_text(good.replace("0.667", "0.666"))
    with pytest.raises(AssertionError, match="but the page shows"):
        run_page(page)


def test_only_an_output_block_directly_after_the_code_counts():
    text = ('```python\nx = 1\n```\n\nSome words.\n\n```text title="Output"\n9\n```\n'
            '````markdown\n```python\nnot code\n```\n````\n'
            '```python\nprint(x)\n```\n```text title="Output"\n1\n```\n')
    blocks = fenced_blocks(text)
    assert [b.info for b in blocks] == ["python", OUTPUT_INFO, "markdown", "python", OUTPUT_INFO]
    assert blocks[2].code == "```python\nnot code\n```\n"


def test_python_blocks_pair_outputs(tmp_path):
    page = tmp_path / "page.md"
    page.write_text('```python\nx = 1\n```\n\nSome words.\n\n```text title="Output"\n9\n```\n'
                    '```python\nprint(x)\n```\n```text title="Output"\n1\n```\n')
    pairs = python_blocks_with_output(page)
    assert [expected for _, expected in pairs] == [None, "1\n"]
