"""mg.viz.draw and module_to_dot: SVG/PNG files, module-level pictures, clear errors."""

from __future__ import annotations

import os
import sys
import xml.etree.ElementTree as ET

import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.models import GPT, GPTConfig

from .dotcheck import first_line, parse, render_ok

SVG = "{http://www.w3.org/2000/svg}"


def small_graph():
    w = mg.tensor([0.5, -1.0], requires_grad=True)
    return w, (w * w).sum()


def test_draw_writes_a_valid_svg_with_one_group_per_node(tmp_path, needs_viz):
    w, loss = small_graph()
    path = mg.viz.draw(loss, tmp_path / "g.svg", params={"w": w})
    root = ET.parse(path).getroot()
    assert root.tag == SVG + "svg"
    groups = [g for g in root.iter(SVG + "g") if g.get("class") == "node"]
    nodes, _ = parse(mg.viz.to_dot(loss, params={"w": w}))
    assert len(groups) == len(nodes) == 5
    texts = {t.text for t in root.iter(SVG + "text")}
    assert {"w", "MulBackward", "SumBackward"} <= texts
    assert not list(tmp_path.glob("*.tmp"))
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would make it


def test_draw_png_from_suffix_and_dot_text(tmp_path, needs_viz):
    _, loss = small_graph()
    png = mg.viz.draw(loss, tmp_path / "g.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = mg.viz.draw(mg.viz.to_dot(loss), tmp_path / "from_text", format="svg")
    assert ET.parse(svg).getroot().tag == SVG + "svg"
    with pytest.raises(ValueError, match="format"):
        mg.viz.draw(loss, tmp_path / "g.gif", format="gif")
    with pytest.raises(ValueError, match="could not read"):
        mg.viz.draw("digraph {", tmp_path / "bad.svg")
    assert not (tmp_path / "bad.svg").exists()


def test_missing_package_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    with pytest.raises(ImportError, match=r'pip install "\.\[viz\]"'):
        mg.viz.draw(small_graph()[1], tmp_path / "g.svg")


def test_missing_program_names_the_system_package(tmp_path, monkeypatch, needs_viz):
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot there
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        mg.viz.draw(small_graph()[1], tmp_path / "g.svg")


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.inp = nn.Linear(4, 8)
        self.body = nn.Sequential(nn.Linear(8, 8), nn.ReLU())
        self.head = nn.Linear(8, 2)

    def forward(self, x):
        h = self.inp(x)
        return self.head(h + self.body(h))  # the + is glue outside any module


def module_flow(text):
    nodes, edges = parse(text)
    return {(first_line(nodes[a]), first_line(nodes[b])) for a, b in edges}


def test_module_graph_follows_the_data_through_glue_code():
    mg.manual_seed(0)
    model = Residual()
    text = mg.viz.module_to_dot(model, mg.randn(3, 4))
    assert module_flow(text) == {("input", "inp"), ("inp", "body"), ("inp", "head"),
                                 ("body", "head"), ("head", "output")}
    deeper = module_flow(mg.viz.module_to_dot(model, mg.randn(3, 4), depth=2))
    assert {("inp", "body.0"), ("body.0", "body.1"), ("body.1", "head"),
            ("inp", "head")} <= deeper
    assert model.training  # eval only while drawing
    assert render_ok(text) in (True, None)


def test_gpt_at_module_level(tmp_path, needs_viz):
    mg.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=11, block_size=8, n_layer=2, n_head=2, n_embd=16))
    idx = mg.randint(0, 11, (2, 8))
    text = mg.viz.module_to_dot(model, idx)
    flow = module_flow(text)
    assert ("input", "wte") in flow and ("wpe", "drop") in flow  # wpe's weight read directly
    assert ("drop", "blocks.0") in flow and ("blocks.1", "ln_f") in flow
    assert ("lm_head", "output") in flow
    path = mg.viz.draw(model, tmp_path / "gpt.svg", input=idx)
    assert ET.parse(path).getroot().tag == SVG + "svg"
    with pytest.raises(ValueError, match="input="):
        mg.viz.draw(model, tmp_path / "gpt.svg")
