"""Run docs pages as the tests do, but inside docs/, so the pictures they save land in
docs/img/ (committed); with --fill, write what each ```python block printed into the
```text title="Output"``` block after it (then read the diff before committing).

    python docs/run_pages.py [--fill] docs/gradient-descent.md docs/backpropagation.md ...
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from test_docs import python_blocks_with_output  # noqa: E402  (the tests' own block finder)


def run_and_fill(page: Path, fill: bool) -> int:
    """Run the page's python blocks in one namespace inside docs/; returns how many output
    blocks differ from what the code printed (rewriting them when ``fill``)."""
    lines = page.read_text().splitlines(keepends=True)
    namespace: dict = {"__name__": "__main__"}
    replacements, differing = [], 0
    for i, (block, expected) in enumerate(python_blocks_with_output(page)):
        captured = io.StringIO()
        with contextlib.redirect_stdout(captured):
            exec(compile(block.code, f"{page.name}, python block {i + 1}", "exec"), namespace)
        if expected is None:
            continue
        printed = "\n".join(line.rstrip() for line in captured.getvalue().rstrip().splitlines())
        if printed + "\n" != expected:
            differing += 1
            print(f"{page.name} line {block.line}: output differs", file=sys.stderr)
            replacements.append((block.end, printed))
    if fill:
        for end, printed in reversed(replacements):
            start = end + 1                        # the output block's first content line
            while not lines[start - 1].startswith("```text"):
                start += 1
            stop = start
            while not lines[stop].startswith("```"):
                stop += 1
            lines[start:stop] = [printed + "\n"] if printed else []
        page.write_text("".join(lines))
    return differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--fill", action="store_true", help="rewrite the output blocks")
    args = parser.parse_args()
    os.environ.setdefault("MPLBACKEND", "Agg")
    pages = [page.resolve() for page in args.pages]
    os.chdir(ROOT / "docs")
    differing = sum(run_and_fill(page, args.fill) for page in pages)
    print(f"{differing} output block(s) differed" + (" and were rewritten" if args.fill else ""))


if __name__ == "__main__":
    main()
