"""MkDocs hook: the notebooks live in examples/notebooks/ (where they are run and tested);
the site shows them under notebooks/ without a copy or a symlink in docs/. mkdocs-jupyter
executes them while the site builds, so their outputs appear. The pages link them as
`../examples/notebooks/NAME.ipynb`, which works on GitHub and in a checkout, and the site
rewrites those links to its notebook pages. Loaded by mkdocs.yml (hooks)."""

from __future__ import annotations

import re
from pathlib import Path

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

NOTEBOOKS = Path(__file__).resolve().parent.parent / "examples" / "notebooks"
NOTEBOOK_LINK = re.compile(r"\]\((?:\.\./)+examples/notebooks/([\w-]+\.ipynb)\)")


@event_priority(100)  # before mkdocs-jupyter's on_files, which turns notebooks into pages
def on_files(files: Files, config) -> Files:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        files.append(File(f"notebooks/{path.name}", src_dir=str(NOTEBOOKS.parent),
                          dest_dir=config["site_dir"],
                          use_directory_urls=config["use_directory_urls"]))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    """Point `](../examples/notebooks/NAME.ipynb)` at the site's page of that notebook."""
    depth = page.file.src_uri.count("/")
    return NOTEBOOK_LINK.sub(lambda m: f"]({'../' * depth}notebooks/{m.group(1)})", markdown)
