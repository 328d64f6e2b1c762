"""mg.viz.to_dot: structure of the worked example, names, values, gradients, big graphs."""

from __future__ import annotations

import gc

import pytest

import minigrad as mg
import minigrad.nn as nn

from .dotcheck import first_line, parse, render_ok


def worked_example():
    """loss = ((w * x + b - y) ** 2).mean(), x and y constants (float64)."""
    w = mg.tensor([0.5], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([0.1], dtype=mg.float64, requires_grad=True)
    x = mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)
    y = mg.tensor([0.4, 0.5, 0.6], dtype=mg.float64)
    loss = ((w * x + b - y) ** 2).mean()
    return w, b, loss


def flow(nodes, edges):
    """The picture read as (what, op) pairs: what = the op that made an op's input
    tensor, or the leaf's name; plus (last op, "output") for the output box."""
    made_by = {b: a for a, b in edges if nodes[a]["shape"] == "ellipse"}
    pairs = set()
    for a, b in edges:
        if nodes[b]["shape"] != "ellipse":
            continue
        source = made_by.get(a)
        pairs.add((first_line(nodes[source]) if source else first_line(nodes[a]),
                   first_line(nodes[b])))
    for a, b in edges:
        if nodes[a]["shape"] == "ellipse" and nodes[b]["fillcolor"] == "palegreen":
            pairs.add((first_line(nodes[a]), "output"))
    return pairs


def test_worked_example_has_exactly_the_expected_ops_and_edges():
    w, b, loss = worked_example()
    text = mg.viz.to_dot(loss, params={"w": w, "b": b})
    nodes, edges = parse(text)
    ops = sorted(first_line(a) for a in nodes.values() if a["shape"] == "ellipse")
    assert ops == ["AddBackward", "MeanBackward", "MulBackward", "PowBackward", "SubBackward"]
    tensors = [a for a in nodes.values() if a["shape"] == "box"]
    assert len(tensors) == 7  # five op outputs and the two leaves
    assert len(edges) == 11 and len(set(edges)) == 11
    assert flow(nodes, edges) == {
        ("w", "MulBackward"), ("MulBackward", "AddBackward"), ("b", "AddBackward"),
        ("AddBackward", "SubBackward"), ("SubBackward", "PowBackward"),
        ("PowBackward", "MeanBackward"), ("MeanBackward", "output"),
    }
    leaves = {first_line(a): a for a in tensors if a["fillcolor"] == "lightblue"}
    assert set(leaves) == {"w", "b"}
    assert "(1,) float64" in leaves["w"]["label"] and "data [0.5]" in leaves["w"]["label"]
    assert render_ok(text) in (True, None)


def test_gradients_shown_after_backward_with_retain_graph():
    w, b, loss = worked_example()
    loss.backward(retain_graph=True)
    nodes, _ = parse(mg.viz.to_dot(loss, params={"w": w, "b": b}))
    labels = {first_line(a): a["label"] for a in nodes.values()}
    # by hand: r = w x + b - y = [0.2, 0.6, 1.0]; dL/dw = mean(2 r x) = 8.8/3, dL/db = mean(2 r)
    assert "grad [2.933]" in labels["w"] and "grad [1.2]" in labels["b"]
    output = next(a["label"] for a in nodes.values() if a.get("fillcolor") == "palegreen")
    assert "data 0.4667" in output  # (0.04 + 0.36 + 1) / 3
    no_grad = mg.viz.to_dot(loss, params={"w": w}, show_grad=False, show_data=False)
    assert "grad [" not in no_grad and "data " not in no_grad


def test_drawing_a_freed_graph_says_how_to_keep_it():
    _, _, loss = worked_example()
    loss.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        mg.viz.to_dot(loss)


def test_labels_name_intermediates_and_show_their_values():
    w = mg.viz.label(mg.tensor([2.0], requires_grad=True), "w")
    h = mg.viz.label(w * 3.0, "h")
    h.retain_grad()
    out = (h * h).sum()
    out.backward(retain_graph=True)
    nodes, _ = parse(mg.viz.to_dot(out))
    labels = {first_line(a): a["label"] for a in nodes.values()}
    assert "data [6]" in labels["h"] and "grad [12]" in labels["h"]  # d(h^2)/dh = 2h
    assert "grad [36]" in labels["w"]  # 2h * 3
    assert mg.viz.label_of(h) == "h" and mg.viz.label_of(out) is None


def test_a_label_keeps_nothing_alive():
    t = mg.viz.label(mg.ones(2), "temporary")
    gc.collect()  # earlier tests' garbage first, so that the count below moves by t alone
    count = len(mg.viz.labels.labelled())
    del t
    gc.collect()
    assert len(mg.viz.labels.labelled()) == count - 1


def test_module_parameters_are_named():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh(), nn.Linear(2, 1))
    out = model(mg.randn(4, 3)).sum()
    nodes, edges = parse(mg.viz.to_dot(out, params=model))
    names = {first_line(a) for a in nodes.values() if a["fillcolor"] == "lightblue"}
    assert names == {"0.weight", "0.bias", "2.weight", "2.bias"}
    big = [a for a in nodes.values() if first_line(a) == "0.weight"][0]
    assert "data" in big["label"]  # 6 values: small enough to show
    assert "data" not in mg.viz.to_dot(out, params=model, max_values=5).split("0.weight")[1][:40]


def test_shared_inputs_are_drawn_once():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * x + x
    nodes, edges = parse(mg.viz.to_dot(y, params={"x": x}))
    assert sum(first_line(a) == "x" for a in nodes.values()) == 1
    x_id = next(k for k, a in nodes.items() if first_line(a) == "x")
    assert sum(a == x_id for a, _ in edges) == 3  # into Mul twice, into Add once


def test_several_outputs_and_a_leaf_output():
    x = mg.tensor([1.0], requires_grad=True)
    nodes, _ = parse(mg.viz.to_dot([x.exp(), x.sin()]))
    assert {first_line(a) for a in nodes.values() if a["shape"] == "ellipse"} == {
        "ExpBackward", "SinBackward"}
    nodes, edges = parse(mg.viz.to_dot(mg.viz.label(mg.ones(3), "c")))
    assert len(nodes) == 1 and edges == [] and "data [1, 1, 1]" in nodes["n0"]["label"]


def test_bad_arguments():
    with pytest.raises(TypeError, match="to_dot: expected a Tensor"):
        mg.viz.to_dot([[1.0]])
    with pytest.raises(ValueError, match="max_nodes"):
        mg.viz.to_dot(mg.ones(1), max_nodes=0)
    with pytest.raises(TypeError, match="params"):
        mg.viz.to_dot(mg.ones(1), params=[1, 2])
    with pytest.raises(ValueError, match="rankdir"):
        mg.viz.to_dot(mg.ones(1), rankdir="XY")


def long_chain(n):
    w = mg.tensor([1.0], requires_grad=True)
    x = w
    for k in range(n):
        x = x * 1.0001 if k % 2 else x + w  # a chain of n ops, each also reading w
    return x


def test_a_5000_op_graph_is_cut_at_max_nodes_with_a_note():
    out = long_chain(5000)
    text = mg.viz.to_dot(out, max_nodes=300)
    nodes, edges = parse(text)
    assert len(nodes) <= 301
    notes = [a for a in nodes.values() if a["shape"] == "note"]
    assert len(notes) == 1 and "max_nodes=300" in notes[0]["label"]
    assert "mg.viz.draw(model, path, input=x)" in notes[0]["label"]
    assert render_ok(text) in (True, None)


def test_a_5000_op_graph_drawn_whole_without_recursion():
    nodes, edges = parse(mg.viz.to_dot(long_chain(5000), max_nodes=20_000))
    assert sum(a["shape"] == "ellipse" for a in nodes.values()) == 5000
    assert not any(a["shape"] == "note" for a in nodes.values())
