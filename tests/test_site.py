"""The documentation site (mkdocs.yml) builds with `mkdocs build --strict` and shows what a
reader needs: the chapters' pictures, the notebooks with their outputs, the Tensor API page
with its methods' docstrings.

Needs the docs extra (`pip install ".[docs]"`); without it these tests skip, saying so, and
MINIGRAD_REQUIRE_DOCS=1 (set by .ci/run) turns that skip into a failure. MINIGRAD_SITE_DIR
names a site already built with `mkdocs build --strict` to check instead of building one.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = os.environ.get("MINIGRAD_REQUIRE_DOCS") == "1"


def _need(module: str) -> None:
    if importlib.util.find_spec(module) is None:
        message = f"{module} is not installed: pip install \".[docs]\""
        if REQUIRED:
            pytest.fail(message + " (MINIGRAD_REQUIRE_DOCS=1)")
        pytest.skip(message)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    if os.environ.get("MINIGRAD_SITE_DIR"):
        return Path(os.environ["MINIGRAD_SITE_DIR"])
    for module in ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_jupyter"):
        _need(module)
    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, PYTHONPATH=str(ROOT), NO_MKDOCS_2_WARNING="1", MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                             "--site-dir", str(out)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-5000:]}"
    return out


def page(site: Path, path: str) -> str:
    return (site / path / "index.html").read_text()


@pytest.mark.slow
def test_the_tensor_api_page_lists_the_methods_with_their_docstrings(site):
    html = page(site, "api/tensor")
    for method in ("backward", "exp", "sum", "reshape", "matmul", "relu", "item"):
        assert f'id="minigrad.Tensor.{method}"' in html, method
    assert len(re.findall(r'id="minigrad\.Tensor\.\w+"', html)) > 100
    # the methods' docstrings, read from the op functions they are (Tensor.exp is mg.exp)
    from minigrad import Tensor

    for method in ("exp", "backward"):
        first_line = Tensor.__dict__[method].__doc__.splitlines()[0].split("``")[0]
        assert first_line and first_line in html, method
    assert html.count('<span class="gp">&gt;&gt;&gt; </span>') > 30   # examples highlighted


@pytest.mark.slow
def test_every_api_page_has_its_module(site):
    for name in ("autograd", "nn", "nn-functional", "optim", "data", "train", "finetune",
                 "io", "viz", "models"):
        assert 'class="doc doc-object' in page(site, f"api/{name}"), name


@pytest.mark.slow
def test_the_chapters_show_their_pictures(site):
    for chapter, picture in [("backpropagation", "backprop-forward.svg"),
                             ("gradient-descent", "gd-optimizers.png"),
                             ("problems", "problems-gradients.png")]:
        assert f'src="../img/{picture}"' in page(site, chapter), picture
        assert (site / "img" / picture).stat().st_size > 1000


@pytest.mark.slow
def test_the_notebooks_appear_executed(site):
    notebooks = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 5
    for notebook in notebooks:
        html = page(site, f"notebooks/{notebook.stem}")
        assert "jp-OutputArea-output" in html, f"{notebook.name} shows no output"
    # the pages link ../examples/notebooks/NAME.ipynb (right on GitHub); the site, its page
    assert 'href="notebooks/backprop_by_hand/"' in page(site, "")
    assert 'href="../notebooks/backprop_by_hand/"' in page(site, "backpropagation")


def test_the_docstring_converter_fences_doctests_and_literal_blocks():
    _need("griffe")
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from griffe_rst import rst_to_markdown
    finally:
        sys.path.remove(str(ROOT / "docs"))
    text = ("Sum ``x`` over :func:`dims`::\n\n    out = x.sum()\n\nMore.\n\n"
            ">>> import minigrad as mg\n>>> mg.ones(2).sum()\ntensor(2.)\n")
    assert rst_to_markdown(text).splitlines() == [
        "Sum `x` over `dims`:", "", "```text", "out = x.sum()", "```", "",
        "More.", "", "```pycon", ">>> import minigrad as mg", ">>> mg.ones(2).sum()",
        "tensor(2.)", "```"]
